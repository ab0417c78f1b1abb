"""Portal hooks (门户): the newest announcements and the public search, as the dicts web.sources reads."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from zhijian.platform.auth import SYSTEM
from zhijian.platform.crud import like_pattern
from zhijian.stable import rules
from zhijian.stable.models import (
    Announcement,
    Listing,
)
from zhijian.stable.service.announcements import (
    announcement_items,
    announcement_label,
    list_announcements,
    listing_state,
)


def _ann_item(session: Session, ann: Announcement) -> dict[str, Any]:
    n = len(announcement_items(session, ann))
    # `note` is today's zh text; `note_msgid` + `note_args` let the portal say it in the visitor's language, and
    # `label_lang` marks the title (an official document's title, shown as published) — see issue #21 finding 8
    return {"title": f"{ann.title}（{announcement_label(ann)}）", "href": f"/stable/announcements/{ann.year}/{ann.number}",
            "note": f"{'列入' if ann.kind == 'listing' else '撤销'} {n} 个产品", "published_at": ann.published_at,
            "note_msgid": "列入 {n} 个产品" if ann.kind == "listing" else "撤销 {n} 个产品", "note_args": {"n": n},
            "label_lang": "zh-CN", "tone": "bad" if ann.kind == "revocation" else "ok"}


def latest_announcements(session: Session, limit: int = 6) -> list[dict[str, Any]]:
    """The newest published announcements for the portal home."""
    return [_ann_item(session, a) for a in list_announcements(session, SYSTEM)[:limit]]


def search_announcements(session: Session, q: str, limit: int = 20) -> list[dict[str, Any]]:
    """Published listings whose enterprise, product, brand, model or certificate number contains `q`."""

    pat = like_pattern(q)
    stmt = (select(Listing).join(Announcement, Announcement.id == Listing.announcement_id)
            .where(Announcement.status == "published")
            .where(or_(*(func.lower(c).like(pat, escape="\\") for c in (
                Listing.enterprise_name, Listing.product_name, Listing.brand, Listing.model, Listing.certificate_no))))
            .order_by(Listing.id.desc()).limit(limit))
    out = []
    for row in session.scalars(stmt):
        state = listing_state(row)
        out.append({"title": f"{row.product_name} {row.brand} {row.model}", "href": f"/stable/verify/{row.certificate_no}",
                    "note": f"{row.enterprise_name} · {rules.STATE_ZH[state]}", "published_at": row.valid_from,
                    "tone": "ok" if state == "valid" else "bad" if state == "revoked" else "warn"})
    return out
