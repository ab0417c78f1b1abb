"""What the equipment room (特种设备) offers other rooms: its contract (docs/CONTRACTS.md, checked by
`tests/test_contracts.py`). Other rooms reach these only through `zhijian.platform.rooms.call` (tolerant
reads) or `offer` (writes); nothing else of this room is public to them."""

from __future__ import annotations

from zhijian.equipment.reads import FlaggedUnit, stopped_or_overdue_units
from zhijian.equipment.service import dashboard_cards, risk_signals

__all__ = ["FlaggedUnit", "dashboard_cards", "risk_signals", "stopped_or_overdue_units"]
