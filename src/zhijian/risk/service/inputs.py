"""Scan inputs from other rooms (监测数据来源), read only through their contracts with `platform.rooms.call`:
spotcheck `final_results`, equipment `risk_signals`, consumer `complaint_records`; an absent room is no data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from zhijian.platform.rooms import call
from zhijian.risk import scan


def spotcheck_rows(session: Session, since: dt.date | None) -> Sequence[tuple[Any, ...]]:
    """Final batch verdicts: spotcheck `final_results` (no item aggregation: the scan counts failing batches),
    falling back to `result_rows`, whose first eight columns are the same."""
    rows = call(session, "spotcheck", "final_results", since=since, default=None)
    if rows is None:
        rows = call(session, "spotcheck", "result_rows", since=since, default=[])
    return list(rows)


def equipment_drafts(session: Session, as_of: dt.date) -> list[scan.SignalDraft]:
    """特种设备 signals (equipment `risk_signals`: overdue inspections / maintenance by owner and division,
    repeated 不合格, accidents and entrapments per unit) as drafts of kind ``equipment``, one per month and series."""
    period = f"{as_of.year:04d}-{as_of.month:02d}"
    out: list[scan.SignalDraft] = []
    for sig in call(session, "equipment", "risk_signals", on=as_of, default=[]):
        key = f"unit:{sig.unit_code}" if sig.unit_code else f"ent:{sig.owner_id}|reg:{sig.region_code}"
        out.append(scan.SignalDraft(
            kind="equipment", method=f"equipment_{sig.kind}"[:32], series_key=key[:64], period=period,
            observed=float(sig.count), expected=None, threshold=None, score=float(sig.count), p_value=None, params={},
            evidence={"detail": sig.detail, "unit_code": sig.unit_code}, region_code=sig.region_code or None,
            enterprise_id=sig.owner_id))
    return out


def complaint_rows(session: Session, since: dt.date | None) -> Sequence[tuple[Any, ...]]:
    """Complaints and reports (投诉举报): consumer `complaint_records`."""
    return list(call(session, "consumer", "complaint_records", since=since, default=[]))
