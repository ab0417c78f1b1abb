"""Listings (名单): the lists, one listing, and the contracts `current_listing` and `listed_product_ids`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from zhijian.platform import jurisdiction
from zhijian.platform.auth import Actor
from zhijian.platform.errors import DomainError, NotFound
from zhijian.platform.pagination import Page, keyset_page
from zhijian.stable.models import (
    Announcement,
    Listing,
)
from zhijian.stable.service.announcements import announcement_label, listing_state
from zhijian.stable.service.policy import can_read_all, today


def list_listings(session: Session, actor: Actor, *, state: str | None = None, product_id: int | None = None,
                  limit: int = 200, cursor: str | None = None) -> Page[Listing]:
    stmt: Select[Any] = select(Listing)
    if not can_read_all(actor):
        if actor.role == "enterprise" and actor.organization_id is not None:
            stmt = stmt.where(or_(Listing.enterprise_id == actor.organization_id, Listing.status != "pending"))
        else:
            stmt = stmt.where(Listing.status != "pending")
    elif (clause := jurisdiction.region_clause(actor, Listing.region_code)) is not None:
        stmt = stmt.where(or_(Listing.status != "pending", clause))  # pending: the division's only
    if product_id is not None:
        stmt = stmt.where(Listing.product_id == product_id)
    d = today()
    if state == "flagged":
        stmt = stmt.where(Listing.flagged.is_(True), Listing.status == "listed")
    elif state == "valid":
        stmt = stmt.where(Listing.status == "listed", Listing.flagged.is_(False), Listing.valid_until >= d)
    elif state == "expired":
        stmt = stmt.where(Listing.status == "listed", Listing.valid_until < d)
    elif state in ("revoked", "pending"):
        stmt = stmt.where(Listing.status == state)
    elif state:
        raise DomainError("stable.bad_state", f"未知状态：{state}", f"unknown state: {state}", field="state")
    return keyset_page(session, stmt, Listing.id, limit=limit, cursor=cursor, descending=True)


def get_listing(session: Session, actor: Actor, listing_id: int) -> Listing:
    row = session.get(Listing, listing_id)
    if row is None or (row.status == "pending" and not (
            (can_read_all(actor) and jurisdiction.covers(actor, row.region_code)) or actor.owns(row.enterprise_id))):
        raise NotFound("listing", listing_id)
    return row


def _announcement_no(session: Session, ann_id: int | None) -> str | None:
    ann = session.get(Announcement, ann_id) if ann_id else None
    return announcement_label(ann) if ann is not None and ann.status == "published" else None


def current_listing(session: Session, product_id: int) -> dict[str, Any] | None:
    """Contract: the product's current listing — announcement number, validity and state ("valid", or
    "under_review" while a failed check is being reviewed). Expired and revoked listings are not current: None."""
    row = session.scalar(select(Listing).where(Listing.product_id == product_id, Listing.status == "listed")
                         .order_by(Listing.id.desc()).limit(1))
    if row is None or listing_state(row) not in ("valid", "under_review"):
        return None
    return {"announcement_no": _announcement_no(session, row.announcement_id), "valid_until": row.valid_until,
            "status": listing_state(row), "certificate_no": row.certificate_no,
            "verify_url": f"/stable/verify/{row.certificate_no}"}


def listed_product_ids(session: Session) -> set[int]:
    """Contract: products whose listing is valid today (published, not expired, not flagged, not revoked)."""
    return set(session.scalars(select(Listing.product_id).where(
        Listing.status == "listed", Listing.flagged.is_(False), Listing.valid_until >= today())))


@dataclass(frozen=True, slots=True)
class RevokedListing:
    """A 稳定合格产品 listing whose qualification was revoked (资格撤销): what the enforcement room's lead scan reads."""

    listing_id: int
    product_name: str
    certificate_no: str
    enterprise_id: int
    region_code: str
    product_id: int


def revoked_listings(session: Session) -> list[RevokedListing]:
    """Contract: every revoked listing, oldest first (a system read for the lead scan)."""
    rows = session.execute(select(Listing.id, Listing.product_name, Listing.certificate_no, Listing.enterprise_id,
                                  Listing.region_code, Listing.product_id)
                           .where(Listing.status == "revoked").order_by(Listing.id))
    return [RevokedListing(*row) for row in rows]
