"""What the association room (协会) offers other rooms: its contract (docs/CONTRACTS.md, checked by
`tests/test_contracts.py`). Other rooms reach these only through `zhijian.platform.rooms.call` (tolerant
reads) or `offer` (writes); nothing else of this room is public to them."""

from __future__ import annotations

from zhijian.association.members.service import is_member
from zhijian.association.pt.service import PtHistoryRecord, PtSummary, pt_history, pt_summaries
from zhijian.association.service import dashboard_cards
from zhijian.association.standards.service import group_standard_indicators

__all__ = ["PtHistoryRecord", "PtSummary", "dashboard_cards", "group_standard_indicators", "is_member", "pt_history",
           "pt_summaries"]
