"""The stable room's (稳定合格产品) contract: what other rooms may call through `zhijian.platform.rooms` (docs/CONTRACTS.md)."""

from __future__ import annotations

from collections.abc import Callable

from zhijian.stable.service import (
    RevokedListing,
    current_listing,
    dashboard_cards,
    get_announcement,
    get_application,
    latest_announcements,
    listed_product_ids,
    revoked_listings,
    search_announcements,
)


def audit_readers() -> dict[str, Callable[..., object]]:
    """The records whose 审计历史 staff may read, each with the read that decides who may (404/403)."""
    return {"stable_application": get_application, "stable_announcement": get_announcement}


__all__ = ["audit_readers", "RevokedListing", "current_listing", "dashboard_cards", "latest_announcements", "listed_product_ids",
           "revoked_listings", "search_announcements"]
