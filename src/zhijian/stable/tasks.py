"""Background jobs of the stable room: the daily reconciliation of listings against spot-check history."""

from __future__ import annotations

from typing import Any

from zhijian.platform.auth import SYSTEM
from zhijian.platform.db import Database
from zhijian.platform.jobs import job
from zhijian.stable import service


@job("stable.reconcile", every_seconds=86400)
def reconcile_job(db: Database) -> dict[str, Any]:
    """Flag listings whose product failed a final spot check since listing (safety net behind the event)."""
    with db.session(SYSTEM) as s:
        flagged = service.reconcile_flags(s, SYSTEM)
        return {"flagged_listings": flagged}
