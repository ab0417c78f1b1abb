"""特种设备 background jobs: the daily inspection reminder to the owners (使用单位)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from zhijian.equipment import service
from zhijian.platform.auth import SYSTEM
from zhijian.platform.db import Database
from zhijian.platform.jobs import job


@job("equipment.reminders", every_seconds=24 * 3600)
def reminders(db: Database, on: str | None = None) -> dict[str, Any]:
    """Daily: units due within 30 days, due today or overdue → one inbox message and mail per owner (once per
    unit, due date and stage)."""
    with db.session(SYSTEM) as s:
        return dict(service.send_reminders(s, dt.date.fromisoformat(on) if on else None))


@job("equipment.contracts", every_seconds=24 * 3600)
def contracts(db: Database, on: str | None = None) -> dict[str, Any]:
    """Daily: each unit's maintainer follows its 维保合同 in force (a successor takes over on its start day; a
    contract that ended without successor leaves the unit without maintainer, listed in ``contract_gaps``)."""
    with db.session(SYSTEM) as s:
        return dict(service.sync_contracts(s, dt.date.fromisoformat(on) if on else None))
