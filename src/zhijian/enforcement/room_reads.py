"""The lead scan's (线索归集) findings of the trace and equipment rooms, and publication's question to the consumer
room's credit file — each through the room's offered read (``rooms.call``, docs/CONTRACTS.md "enforcement reads"),
so that an absent or failing room reads as nothing, and each answer turned into this room's own ``Candidate`` at
once: no module of enforcement sees another room's model.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy.orm import Session

from zhijian.platform.rooms import call


@dataclass(frozen=True, slots=True)
class Candidate:
    """A finding of another room that becomes a lead once (``source`` + ``ref`` unique)."""

    source: str
    ref: str
    link: str
    title: str
    party_id: int | None
    region: str | None
    product_id: int | None = None
    gtin: str = ""
    received_on: dt.date | None = None  # a 举报's lead is received the day the report was (else the scan's day)


def trace_signals(session: Session) -> Iterator[Candidate]:
    """防伪扫码 counterfeit / diversion signals confirmed by staff (trace ``confirmed_signals``); the lead carries the
    GTIN that links it to a 专项行动, and the region is the 6-digit code the evidence names, if any."""
    for sig in call(session, "trace", "confirmed_signals", default=[]):
        yield Candidate("counterfeit", f"trace_signal:{sig.signal_id}", "/console/trace/signals",
                        f"防伪扫码信号（{sig.kind}）：{sig.gtin} {sig.serial}", sig.enterprise_id, sig.region_code,
                        None, sig.gtin[:14])


def equipment_units(session: Session, day: dt.date) -> Iterator[Candidate]:
    """特种设备 stopped after a 不合格 report or in use past their inspection date (equipment
    ``stopped_or_overdue_units``, every division: the scan runs as the system)."""
    for u in call(session, "equipment", "stopped_or_overdue_units", on=day, default=[]):
        ref = f"unit:{u.code}:{'stopped' if u.status == 'stopped' else u.next_due_on}"
        what = "检验不合格停用" if u.status == "stopped" else f"超期未检（应于 {u.next_due_on} 前检验）"
        yield Candidate("equipment", ref, f"/equipment/u/{u.code}", f"特种设备{what}：{u.code}", u.owner_id,
                        u.region_code)


def penalty_recorded(session: Session, decision_no: str) -> bool:
    """Does the consumer room's credit file already hold a penalty of this 文号 (consumer ``penalty_recorded``)? Its
    ``add_penalty`` would fail on the unique number and roll the caller's whole transaction back, so publication
    asks first; an absent room holds none."""
    return bool(call(session, "consumer", "penalty_recorded", decision_no, default=False))
