"""What the spotcheck room (监督抽查) offers other rooms: its contract (docs/CONTRACTS.md, checked by
`tests/test_contracts.py`). Other rooms reach these only through `zhijian.platform.rooms.call` (tolerant
reads) or `offer` (writes); nothing else of this room is public to them."""

from __future__ import annotations

from collections.abc import Callable

from zhijian.spotcheck.deadlines import provisional_deadlines, recompute_provisional_deadlines
from zhijian.spotcheck.service import (
    InspectionRecord,
    dashboard_cards,
    final_results,
    get_batch,
    get_plan,
    inspection_history,
    latest_results,
    latest_verdict,
    list_batches,
    list_followups,
    list_plans,
    readable_batches,
    result_rows,
)


def audit_readers() -> dict[str, Callable[..., object]]:
    """The records whose 审计历史 staff may read, each with the read that decides who may (404/403)."""
    return {"spotcheck_plan": get_plan, "spotcheck_batch": get_batch}


__all__ = ["audit_readers", "InspectionRecord", "dashboard_cards", "final_results", "inspection_history", "latest_results", "latest_verdict", "list_batches", "list_followups", "list_plans", "provisional_deadlines", "readable_batches", "recompute_provisional_deadlines", "result_rows"]
