"""Background jobs of the risk room: the daily scan (scheduled inside the server) and alert e-mail."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from zhijian.platform.auth import SYSTEM
from zhijian.platform.config import get_settings
from zhijian.platform.db import Database
from zhijian.platform.jobs import job
from zhijian.risk import service


@job("risk.scan", every_seconds=86400)
def scan_job(db: Database, as_of: str | None = None) -> dict[str, Any]:
    """全量监测扫描, once a day in the server (and on demand from the API)."""
    with db.session(SYSTEM) as s:
        run = service.run_scan(s, SYSTEM, as_of=dt.date.fromisoformat(as_of) if as_of else None)
        return {"scan_id": run.id, "results": run.n_results, "complaints": run.n_complaints,
                "new_signals": run.n_signals, "seconds": run.seconds}


@job("risk.alert_mail")
def alert_mail_job(db: Database, alert_id: int) -> dict[str, Any]:
    """E-mail a published alert to the affected enterprises and the regulators (SMTP settings)."""
    with db.session(SYSTEM) as s:
        return asdict(service.send_alert_mail(s, SYSTEM, int(alert_id), get_settings()))
