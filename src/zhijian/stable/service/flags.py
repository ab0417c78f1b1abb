"""Re-examination of listings (资格复核): a final 不合格 flags a listing, reconciliation catches missed events, the
committee revokes (撤销) or keeps (维持) it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.platform.auth import Actor
from zhijian.platform.crud import flush
from zhijian.platform.errors import DomainError, InvalidTransition
from zhijian.platform.events import subscriber
from zhijian.stable import rules
from zhijian.stable.models import (
    ApplicationComment,
    Listing,
    StableApplication,
)
from zhijian.stable.service.announcements import _draft, listing_state
from zhijian.stable.service.eligibility import _aliases, inspection_records
from zhijian.stable.service.listings import get_listing
from zhijian.stable.service.policy import OPEN_STATUSES, require_committee, today
from zhijian.stable.service.rulesets import ruleset_for


@subscriber("spotcheck.verdict_final")
def on_verdict_final(session: Session, payload: dict[str, Any]) -> None:
    """A final 不合格 of a listed (or about-to-be-listed) product flags its listing for review at once."""
    if payload.get("verdict") != rules.NONCONFORMING:
        return
    batch_id, report_no = payload.get("batch_id"), payload.get("report_no")
    failing = [str(i) for i in payload.get("failing_items") or []]

    def flag(product_id: int) -> None:
        flag_listings(session, product_id, batch_id=batch_id, report_no=report_no, failing_items=failing)

    if payload.get("product_id") is not None:
        flag(int(payload["product_id"]))
        return
    # a batch not linked to a catalog product: match the enterprise's listings by brand and model
    if payload.get("enterprise_id") is None:
        return
    recs = [r for r in inspection_records(session, int(payload["enterprise_id"])) or ()
            if r.batch_id == payload.get("batch_id")]
    if not recs:
        return
    rs = ruleset_for(session, today())
    for row in session.scalars(select(Listing).where(Listing.enterprise_id == int(payload["enterprise_id"]),
                                                     Listing.status.in_(("pending", "listed")))):
        ref = rules.ProductRef(row.product_id, row.enterprise_id, row.brand, row.model,
                               aliases=_aliases(session, row.product_id))
        if rules.match_inspection(ref, recs[0], rs.model_similarity, rs.digits_must_match):
            flag(row.product_id)


def flag_listings(session: Session, product_id: int, *, batch_id: Any = None, report_no: str | None = None,
                  failing_items: Sequence[str] = ()) -> list[Listing]:
    items = "、".join(str(i) for i in failing_items) or "—"
    where = "，".join(x for x in (f"批次 {batch_id}" if batch_id is not None else "",
                                  f"报告 {report_no}" if report_no else "") if x)
    reason = f"监督抽查最终判定不合格（{where + '，' if where else ''}不合格项目：{items}）"
    rows = list(session.scalars(select(Listing).where(Listing.product_id == product_id,
                                                      Listing.status.in_(("pending", "listed")))))
    for row in rows:
        if not row.flagged:
            row.flagged, row.flagged_at, row.flag_reason = True, dt.datetime.now(dt.UTC), reason
            row.flag_batch_id = int(batch_id) if isinstance(batch_id, int) else None
    for app in session.scalars(select(StableApplication).where(StableApplication.product_id == product_id,
                                                               StableApplication.status.in_(OPEN_STATUSES))):
        session.add(ApplicationComment(application_id=app.id, author="system", author_role="system", body=reason))
    flush(session, "listing")
    return rows


def reconcile_flags(session: Session, actor: Actor) -> list[int]:
    """对账 — flag listed products whose spot-check history shows a final 不合格 sampled since listing, in case
    an event was missed (e.g. verdicts finalised while this room was not installed). Returns flagged listing ids."""
    actor.require("association")
    flagged: list[int] = []
    rows = list(session.scalars(select(Listing).where(Listing.status == "listed", Listing.flagged.is_(False))))
    by_enterprise: dict[int, tuple[rules.Inspection, ...] | None] = {}
    rs = ruleset_for(session, today())
    for row in rows:
        if row.enterprise_id not in by_enterprise:
            by_enterprise[row.enterprise_id] = inspection_records(session, row.enterprise_id)
        ref = rules.ProductRef(row.product_id, row.enterprise_id, row.brand, row.model,
                               aliases=_aliases(session, row.product_id))
        bad = rules.failures_since(rs, ref, by_enterprise[row.enterprise_id] or (), row.valid_from or dt.date.min)
        if bad:
            last = bad[-1]
            flag_listings(session, row.product_id, batch_id=last.batch_id, report_no=last.report_no,
                          failing_items=list(last.failing_items))
            flagged.append(row.id)
    return flagged


def revoke_listing(session: Session, actor: Actor, listing_id: int, reason: str) -> Listing:
    """撤销 — a committee decision; the listing joins the draft revocation announcement to be published."""
    require_committee(session, actor)
    row = get_listing(session, actor, listing_id)
    if row.status == "revoked":
        raise InvalidTransition("listing", "revoked", "revoked")
    if not reason.strip():
        raise DomainError("stable.reason_required", "撤销须说明理由", "a revocation needs reasons", field="reason")
    ann = _draft(session, "revocation")
    row.status, row.revoked_at, row.revocation_reason = "revoked", dt.datetime.now(dt.UTC), reason.strip()
    row.revocation_announcement_id = ann.id
    flush(session, "listing")
    return row


def clear_flag(session: Session, actor: Actor, listing_id: int, reason: str) -> Listing:
    """复核后维持 — the committee keeps the listing (e.g. the batch was not this product)."""
    require_committee(session, actor)
    row = get_listing(session, actor, listing_id)
    if not row.flagged or row.status == "revoked":
        raise InvalidTransition("listing", listing_state(row), "valid")
    if not reason.strip():
        raise DomainError("stable.reason_required", "维持须说明理由", "keeping the listing needs reasons", field="reason")
    row.flagged = False
    row.flag_reason = f"{row.flag_reason}；复核维持：{reason.strip()}"
    flush(session, "listing")
    return row
