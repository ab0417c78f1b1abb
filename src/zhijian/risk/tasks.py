"""Background jobs of the risk room: the daily scan (scheduled inside the server) and alert e-mail."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from sqlalchemy.orm import Session

from zhijian.platform import jurisdiction
from zhijian.platform.auth import SYSTEM, Actor, actor_for
from zhijian.platform.config import get_settings
from zhijian.platform.db import Database
from zhijian.platform.jobs import job
from zhijian.platform.models import User
from zhijian.risk import service
from zhijian.risk.service.scanning import scan_figures


@job("risk.scan", every_seconds=86400)
def scan_job(db: Database, as_of: str | None = None, requester_id: int | None = None) -> dict[str, Any]:
    """全量监测扫描, once a day in the server (and on demand from the API). The scan itself is national; its
    result is the figures the requester (`requester_id`, who alone reads it) may see: a regional regulator's
    division only (管辖, issue 13)."""
    with db.session(SYSTEM) as s:
        run = service.run_scan(s, SYSTEM, as_of=dt.date.fromisoformat(as_of) if as_of else None)
        return asdict(scan_figures(s, _requester(s, requester_id), run))


def _requester(session: Session, user_id: int | None) -> Actor:
    """The scheduled run's reader is the system; a user who has gone since asking sees no division's figures."""
    if user_id is None:
        return SYSTEM
    user = session.get(User, int(user_id))
    return actor_for(user) if user is not None else Actor(None, "", "regulator", None, jurisdiction.NONE)


@job("risk.alert_mail")
def alert_mail_job(db: Database, alert_id: int) -> dict[str, Any]:
    """E-mail a published alert to the affected enterprises and the regulators (SMTP settings)."""
    with db.session(SYSTEM) as s:
        return asdict(service.send_alert_mail(s, SYSTEM, int(alert_id), get_settings()))
