"""What the consumer room lets other rooms read of its credit file (offered in ``contracts.py``, docs/CONTRACTS.md)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.consumer.models import AdministrativePenalty


def penalty_recorded(session: Session, decision_no: str) -> bool:
    """Does the credit file already hold a 行政处罚 of this 文号 (``decision_no`` is unique)? ``add_penalty`` of a
    number already there fails on the unique key, so a caller asks first."""
    stmt = select(AdministrativePenalty.id).where(AdministrativePenalty.decision_no == decision_no)
    return session.scalar(stmt) is not None
