"""What the trace room (防伪溯源) offers other rooms: its contract (docs/CONTRACTS.md, checked by
`tests/test_contracts.py`). Other rooms reach these only through `zhijian.platform.rooms.call` (tolerant
reads) or `offer` (writes); nothing else of this room is public to them."""

from __future__ import annotations

from zhijian.trace.reads import ConfirmedCodeSignal, confirmed_signals
from zhijian.trace.service import list_batches, list_signals, lot_scope, mark_lot_recalled

__all__ = ["ConfirmedCodeSignal", "confirmed_signals", "list_batches", "list_signals", "lot_scope", "mark_lot_recalled"]
