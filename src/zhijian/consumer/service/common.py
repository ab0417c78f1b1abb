"""Today on the PRC calendar, the room's one policy section (who may handle, read, manage) and its settings
table (statutory deadlines and the credit model stored as data): what every capability of the room shares."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from zhijian.catalog.service import region_of
from zhijian.consumer.models import Complaint, ConsumerSetting
from zhijian.platform import jurisdiction
from zhijian.platform.auth import Actor
from zhijian.platform.crud import flush
from zhijian.platform.errors import DomainError, NotFound, PermissionDenied

CN = ZoneInfo("Asia/Shanghai")


def today() -> dt.date:
    """Today in China (deadlines are counted on the PRC calendar)."""
    return dt.datetime.now(CN).date()


# ====================================================================== policy (one place for the room)


def can_handle(actor: Actor, c: Complaint | None = None) -> bool:
    """投诉举报的办理方: admin, or a market regulator whose division (管辖) covers the case.

    The room's own policy, not `Actor.is_staff`: the association is staff elsewhere but never handles
    complaints or reports (举报人信息保密, 《市场监督管理投诉举报处理暂行办法》第三十三条)."""
    if actor.role == "admin":
        return True
    return actor.role == "regulator" and (c is None or jurisdiction.covers(actor, c.region_code))


def can_handle_cases(actor: Actor) -> None:
    """受理、调解、办结: market regulators (admin always); the case itself is checked by `get_complaint`."""
    actor.require("regulator")


def can_read_case(actor: Actor, c: Complaint) -> None:
    """Regulators read the cases of their division (404 outside it); an enterprise reads complaints against it
    (never reports: 举报人保护); the association and labs read none."""
    if actor.role == "admin":
        return
    if actor.role == "regulator":
        jurisdiction.ensure_covers(actor, c.region_code, "投诉举报", "complaint")
        return
    if actor.role == "enterprise" and c.kind == "complaint" and actor.owns(c.respondent_id):
        return
    if actor.is_public:
        actor.require("regulator")
    raise NotFound("complaint", c.id)


def can_see_contact(actor: Actor, c: Complaint | None = None) -> bool:
    """Phone and address of a complainant: the handling regulators only (个人信息)."""
    return can_handle(actor, c)


def can_see_reporter(actor: Actor, c: Complaint) -> bool:
    """举报人身份 (name, phone, address, e-mail): only the handler assigned to the report; every other viewer,
    admin included, sees it masked. A complaint's complainant is seen by every handler of the division."""
    if c.kind != "report":
        return can_handle(actor, c)
    return (actor.role == "regulator" and actor.user_id is not None and actor.user_id == c.assignee_user_id
            and jurisdiction.covers(actor, c.region_code))


def _region_filter(actor: Actor, *columns: Any) -> Any:
    """The WHERE clause of a regulator's division (None: no restriction)."""
    return jurisdiction.region_clause(actor, *columns)


def ensure_enterprise_covered(session: Session, actor: Actor, enterprise_id: int) -> None:
    """A regional regulator acts only on enterprises registered in its division (404 outside, as not found)."""
    if jurisdiction.regional_prefix(actor) is None:
        return
    jurisdiction.ensure_covers(actor, region_of(session, enterprise_id), "企业", "enterprise")


def can_manage_credit(actor: Actor) -> None:
    """Recomputing classes steers the regulators' 双随机 draws: regulators only (not the association)."""
    actor.require("regulator")


def can_read_credit(actor: Actor, enterprise_id: int) -> None:
    """信用分类 results are for supervision: staff, and the enterprise its own (regulators: in their division,
    checked with `ensure_enterprise_covered`)."""
    if actor.is_staff or (actor.role == "enterprise" and actor.owns(enterprise_id)):
        return
    actor.require("regulator", "association")
    raise PermissionDenied("只能查看本企业的信用评价", "you may only see your own enterprise's credit assessment")


def can_manage_certificates(actor: Actor) -> None:
    actor.require("regulator", "association")


def can_declare(actor: Actor, enterprise_id: int) -> None:
    if actor.is_staff:
        return
    if actor.role == "enterprise" and actor.owns(enterprise_id):
        return
    actor.require("regulator", "association", "enterprise")
    raise PermissionDenied("企业只能声明本企业的标准", "an enterprise may only declare its own standards")


def can_manage_comparative(actor: Actor) -> None:
    actor.require("association", "regulator")


# ====================================================================== settings (deadlines and model as data)

_DEADLINES = "deadlines"
_CREDIT_MODEL = "credit_model"


def _setting(session: Session, key: str) -> dict[str, Any]:
    row = session.scalar(select(ConsumerSetting).where(ConsumerSetting.key == key))
    return dict(row.value or {}) if row else {}


def _put_setting(session: Session, key: str, value: dict[str, Any]) -> None:
    row = session.scalar(select(ConsumerSetting).where(ConsumerSetting.key == key))
    if row is None:
        session.add(ConsumerSetting(key=key, value=value))
    else:
        row.value = value
    flush(session, "consumer_setting")


def insert_once(session: Session, row: Any, duplicate: DomainError) -> None:
    """Insert `row` in a savepoint: a unique-constraint error rolls back that savepoint only, so the caller's
    transaction stays usable (enforcement writes a penalty while publishing its decision), and answers
    `duplicate` (a 409) instead of `crud.flush`'s rollback of the whole session."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as exc:
        raise duplicate from exc
