"""What the risk room (风险监测预警) offers other rooms: its contract (docs/CONTRACTS.md, checked by
`tests/test_contracts.py`). Other rooms reach these only through `zhijian.platform.rooms.call` (tolerant
reads) or `offer` (writes); nothing else of this room is public to them."""

from __future__ import annotations

from zhijian.risk.service import (
    ConfirmedSignal,
    confirmed_enterprise_signals,
    list_signals,
    overdue_recalls,
    public_alerts,
    public_recalls,
    recall_records,
)

__all__ = ["ConfirmedSignal", "confirmed_enterprise_signals", "list_signals", "overdue_recalls", "public_alerts",
           "public_recalls", "recall_records"]
