"""What the equipment room lets other rooms read of its units (offered in ``contracts.py``, docs/CONTRACTS.md):
the units stopped after a 不合格 report or in use past their inspection date, for enforcement's lead scan (线索归集)
— a read over every division, where ``due_list`` answers one actor's scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from zhijian.equipment.models import EquipmentUnit


@dataclass(frozen=True, slots=True)
class FlaggedUnit:
    """A unit that is ``stopped``, or ``in_use`` with ``next_due_on`` before the day asked about."""

    code: str
    status: str
    next_due_on: dt.date | None
    owner_id: int
    region_code: str


def stopped_or_overdue_units(session: Session, *, on: dt.date) -> list[FlaggedUnit]:
    """Units stopped, or in use and overdue for inspection on ``on``, in the order of their registration."""
    u = EquipmentUnit
    stmt = (select(u.code, u.status, u.next_due_on, u.owner_id, u.region_code)
            .where(or_(u.status == "stopped", (u.status == "in_use") & (u.next_due_on < on))).order_by(u.id))
    return [FlaggedUnit(*row) for row in session.execute(stmt)]
