"""Background jobs of the enforcement room: the daily lead scan over the other rooms' published findings."""

from __future__ import annotations

from typing import Any

from zhijian.enforcement import service
from zhijian.platform.auth import SYSTEM
from zhijian.platform.db import Database
from zhijian.platform.jobs import job


@job("enforcement.collect_leads", every_seconds=86400)
def collect_leads_job(db: Database) -> dict[str, Any]:
    """线索: a final 不合格 spot check, a justified 举报, a confirmed risk signal, a revoked listing, a failed or overdue
    special-equipment unit — each becomes one lead with its 核查 clock (程序规定 第十八条)."""
    with db.session(SYSTEM) as s:
        return {"created": service.collect_leads(s, SYSTEM)}
