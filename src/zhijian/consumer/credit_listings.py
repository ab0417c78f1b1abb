"""严重违法失信名单, 经营异常名录 and 信用修复 — the regulator's inputs of the credit model (re-exported by `service`).

Listing on the 严重违法失信名单 (SAMR Order No. 44, 2021) forces class D; each current 经营异常名录 entry lowers the
score; a removal (信用修复 after its period and conditions, expiry, or a correction) keeps the entry with who removed
it, when and why, and the next recompute restores the class. Only regulators write these (they steer the 双随机
draws); the association reads them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.catalog.models import Organization
from zhijian.consumer.models import CreditListing
from zhijian.platform.auth import Actor
from zhijian.platform.crud import flush, get_or_404
from zhijian.platform.errors import Conflict, DomainError, NotFound

LISTING_KINDS = {"serious": "严重违法失信名单", "abnormal": "经营异常名录"}
REMOVALS = {"repair": "信用修复", "expiry": "期满移出", "error": "错误更正"}


def _today() -> dt.date:
    from zhijian.consumer import service

    return service.today()


def _covered(session: Session, actor: Actor, enterprise_id: int) -> None:
    """Issue 13: a regional bureau lists and removes only enterprises of its division."""
    from zhijian.consumer import service

    service.ensure_enterprise_covered(session, actor, enterprise_id)


def add_listing(session: Session, actor: Actor, *, enterprise_id: int, kind: str, listed_on: dt.date,
                reason: str = "", decision_no: str = "", authority: str = "") -> CreditListing:
    """列入 — a regulator lists an enterprise (the decision number and authority recorded)."""
    actor.require("regulator")
    if kind not in LISTING_KINDS:
        raise DomainError("credit.bad_listing", "名单类型应为 serious（严重违法失信名单）或 abnormal（经营异常名录）",
                          "kind must be serious or abnormal", field="kind")
    ent = session.get(Organization, enterprise_id)
    if ent is None or ent.kind != "enterprise":
        raise NotFound("enterprise", enterprise_id, field="enterprise_id")
    _covered(session, actor, ent.id)
    if listed_on > _today():
        raise DomainError("credit.future_date", "列入日期不能晚于今天", "listing date is in the future", field="listed_on")
    row = CreditListing(enterprise_id=enterprise_id, kind=kind, listed_on=listed_on, reason=reason.strip(),
                        decision_no=decision_no.strip(), authority=authority.strip())
    if row.decision_no and session.scalar(select(CreditListing.id).where(
            CreditListing.enterprise_id == enterprise_id, CreditListing.kind == kind,
            CreditListing.decision_no == row.decision_no, CreditListing.removed_on.is_(None))) is not None:
        raise Conflict("consumer.listing_duplicate", f"该企业已因同一决定（{row.decision_no}）列入{LISTING_KINDS[kind]}",
                       f"the enterprise is already listed ({kind}) on decision {row.decision_no}", field="decision_no")
    from zhijian.consumer.service.common import insert_once

    insert_once(session, row, Conflict("consumer.listing_duplicate", "名单记录重复", "duplicate listing"))
    return row


def remove_listing(session: Session, actor: Actor, listing_id: int, *, removal: str, note: str,
                   on: dt.date | None = None) -> CreditListing:
    """移出 / 信用修复 — recorded with who, when and why; the entry itself is kept."""
    actor.require("regulator")
    row = get_or_404(session, CreditListing, listing_id, "credit_listing")
    _covered(session, actor, row.enterprise_id)
    if row.removed_on is not None:
        raise Conflict("credit.already_removed", "该记录已移出", "already removed")
    if removal not in REMOVALS:
        raise DomainError("credit.bad_removal", "移出方式应为 repair（信用修复）、expiry（期满）或 error（更正）",
                          "removal must be repair, expiry or error", field="removal")
    if not note.strip():
        raise DomainError("credit.note_required", "信用修复须记录依据（整改、履行情况等）",
                          "a removal needs its grounds", field="note")
    on = on or _today()
    if on < row.listed_on or on > _today():
        raise DomainError("credit.bad_date", "移出日期应在列入之后、今天之前", "removal date out of range", field="on")
    row.removed_on, row.removal, row.removal_note, row.removed_by = on, removal, note.strip(), actor.label
    flush(session, "credit_listing")
    return row


def listings(session: Session, actor: Actor, enterprise_id: int) -> list[dict[str, Any]]:
    from zhijian.consumer import service

    service.can_read_credit(actor, enterprise_id)
    service.ensure_enterprise_covered(session, actor, enterprise_id)
    return [{"id": r.id, "kind": r.kind, "kind_zh": LISTING_KINDS[r.kind], "reason": r.reason,
             "decision_no": r.decision_no, "authority": r.authority, "listed_on": r.listed_on,
             "removed_on": r.removed_on, "removal": r.removal, "removal_zh": REMOVALS.get(r.removal or "", ""),
             "removal_note": r.removal_note, "removed_by": r.removed_by}
            for r in session.scalars(select(CreditListing).where(CreditListing.enterprise_id == enterprise_id)
                                     .order_by(CreditListing.listed_on, CreditListing.id))]


def current_listings(session: Session, ids: list[int], as_of: dt.date) -> dict[int, dict[str, list[str]]]:
    """{enterprise_id: {"serious": [decision numbers], "abnormal": [reasons]}} of entries in force on `as_of`."""
    out: dict[int, dict[str, list[str]]] = {}
    for i in range(0, len(ids), 500):
        for r in session.scalars(select(CreditListing).where(CreditListing.enterprise_id.in_(ids[i:i + 500]),
                                                             CreditListing.listed_on <= as_of)):
            if r.removed_on is not None and r.removed_on <= as_of:
                continue
            out.setdefault(r.enterprise_id, {"serious": [], "abnormal": []})[r.kind].append(
                r.decision_no or r.reason or LISTING_KINDS[r.kind])
    return out
