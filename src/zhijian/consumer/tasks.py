"""Consumer background jobs: the periodic credit recompute (定期重新评价) and the nightly re-clock of open cases."""

from __future__ import annotations

from typing import Any

from zhijian.consumer import service
from zhijian.platform.auth import SYSTEM
from zhijian.platform.db import Database
from zhijian.platform.jobs import job


@job("consumer.credit_recompute", every_seconds=7 * 24 * 3600)
def credit_recompute(db: Database, enterprise_ids: list[int] | None = None) -> dict[str, Any]:
    """Weekly: score every enterprise, keep the history, write the class the 双随机 draw reads."""
    with db.session(SYSTEM) as s:
        rows = service.recompute_credit(s, SYSTEM, enterprise_ids=enterprise_ids)
        changed = sum(1 for a in rows if a.previous_class != a.credit_class)
        return {"scored": len(rows), "changed": changed, "classes": service.credit_distribution(s)}


@job("consumer.reclock", every_seconds=24 * 3600)
def reclock(db: Database) -> dict[str, Any]:
    """Nightly: recompute due dates (a newly published holiday calendar can move them) and count overdue cases."""
    with db.session(SYSTEM) as s:
        n = service.refresh_clocks(s)
        return {"open": n, "overdue": len(service.overdue(s, SYSTEM))}
