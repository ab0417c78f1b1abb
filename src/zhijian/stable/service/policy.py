"""Who may do what in the stable room (one policy section, 权限): the association runs the programme, the committee
decides, enterprises apply for their own products, a regulator reads its division (issue 13). Beijing dates."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.catalog.service import region_column, region_of
from zhijian.platform import jurisdiction
from zhijian.platform.auth import Actor
from zhijian.platform.errors import DomainError, PermissionDenied
from zhijian.stable.models import (
    CommitteeMember,
    StableApplication,
)

CHINA = ZoneInfo("Asia/Shanghai")
OPEN_STATUSES = ("submitted", "reviewed")
STATUS_ZH = {"submitted": "待审核", "reviewed": "待委员会决定", "approved": "已批准", "rejected": "未批准",
             "withdrawn": "已撤回"}
DEFAULT_VALID_YEARS = 3


def today() -> dt.date:
    """Dates of the programme are Beijing dates (公告日期)."""
    return dt.datetime.now(CHINA).date()


def require_staff(actor: Actor) -> None:
    """The association runs the programme (Product Quality Law art. 25: not the regulator's to recommend)."""
    actor.require("association")


def can_read_all(actor: Actor) -> bool:
    """Reads beyond one's own enterprise: admin and the association everything; a regulator the enterprises of its
    division (issue 13: `in_division` on each record, `_division_clause` on lists)."""
    return actor.role in ("admin", "association", "regulator")


def _division_clause(actor: Actor, enterprise_col: Any) -> Any:
    """WHERE clause of a regional regulator over records of enterprises (None: no restriction)."""
    return jurisdiction.region_clause(actor, region_column(enterprise_col))


def in_division(session: Session, actor: Actor, enterprise_id: int | None) -> bool:
    """Is the enterprise registered in the actor's division (always true for non-regulators)."""
    if jurisdiction.regional_prefix(actor) is None:
        return True
    return jurisdiction.covers(actor, region_of(session, enterprise_id))


def is_committee_member(session: Session, actor: Actor) -> bool:
    if actor.user_id is None:
        return False
    row = session.scalar(select(CommitteeMember).where(CommitteeMember.user_id == actor.user_id,
                                                       CommitteeMember.active.is_(True)))
    return row is not None and actor.role in ("association", "admin")


def require_committee(session: Session, actor: Actor) -> None:
    """委员会决定 — only appointed committee members decide (the reviewer alone never can)."""
    if actor.is_public:
        actor.require("association")
    if not is_committee_member(session, actor):
        raise PermissionDenied("只有评审委员会委员可以作出决定", "only committee members may decide",
                               code="stable.not_committee")


def can_read_application(actor: Actor, app: StableApplication, session: Session | None = None) -> bool:
    if actor.role == "regulator":
        return session is not None and in_division(session, actor, app.enterprise_id)
    return can_read_all(actor) or (actor.role == "enterprise" and actor.owns(app.enterprise_id))


def can_evaluate(actor: Actor, enterprise_id: int, session: Session | None = None) -> None:
    if actor.role == "regulator" and session is not None and not in_division(session, actor, enterprise_id):
        raise DomainError("jurisdiction.outside", "企业不存在或不在本辖区", "enterprise not found in your jurisdiction",
                          status=404)
    if can_read_all(actor):
        return
    if actor.role == "enterprise" and actor.owns(enterprise_id):
        return
    actor.require("association", "regulator", "enterprise")
    raise PermissionDenied("企业只能评定本企业的产品", "an enterprise may only evaluate its own products")
