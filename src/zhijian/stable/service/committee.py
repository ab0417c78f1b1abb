"""The review committee (评审委员会): appointed by an admin, only its members decide."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.platform.auth import Actor
from zhijian.platform.crud import flush, get_or_404
from zhijian.platform.errors import DomainError
from zhijian.platform.models import User
from zhijian.stable.models import (
    CommitteeMember,
)


def appoint_committee_member(session: Session, actor: Actor, user_id: int, active: bool = True) -> CommitteeMember:
    """聘任委员 — admin only, so an association user cannot make himself a judge."""
    actor.require("admin")
    user = get_or_404(session, User, user_id, "user", field="user_id")
    if user.role != "association":
        raise DomainError("stable.committee_role", "委员须为协会用户", "committee members must be association users",
                          field="user_id")
    row = session.scalar(select(CommitteeMember).where(CommitteeMember.user_id == user_id))
    if row is None:
        row = CommitteeMember(user_id=user_id, active=active)
        session.add(row)
    else:
        row.active = active
    flush(session, "committee_member")
    return row


def list_committee(session: Session, actor: Actor) -> list[tuple[CommitteeMember, User]]:
    actor.require("association")
    return list(session.execute(select(CommitteeMember, User).join(User, User.id == CommitteeMember.user_id)
                                .order_by(CommitteeMember.id)).all())
