"""What the stable room (稳定合格产品) offers other rooms: its contract (docs/CONTRACTS.md, checked by
`tests/test_contracts.py`). Other rooms reach these only through `zhijian.platform.rooms.call` (tolerant
reads) or `offer` (writes); nothing else of this room is public to them."""

from __future__ import annotations

from zhijian.stable.service import (
    RevokedListing,
    current_listing,
    dashboard_cards,
    latest_announcements,
    listed_product_ids,
    revoked_listings,
    search_announcements,
)

__all__ = ["RevokedListing", "current_listing", "dashboard_cards", "latest_announcements", "listed_product_ids",
           "revoked_listings", "search_announcements"]
