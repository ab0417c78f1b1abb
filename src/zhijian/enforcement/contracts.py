"""What the enforcement room (综合执法) offers other rooms: its contract (docs/CONTRACTS.md, checked by
`tests/test_contracts.py`). Other rooms reach these only through `zhijian.platform.rooms.call` (tolerant
reads) or `offer` (writes); nothing else of this room is public to them."""

from __future__ import annotations

from zhijian.enforcement.service import dashboard_cards, provisional_deadlines, recompute_provisional_deadlines

__all__ = ["dashboard_cards", "provisional_deadlines", "recompute_provisional_deadlines"]
