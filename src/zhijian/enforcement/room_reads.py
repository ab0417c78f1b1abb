"""Reads of other rooms' *models* (a known gap, docs/CONTRACTS.md "enforcement reads"): the lead scan (线索归集) needs
trace's confirmed counterfeit / diversion signals and equipment's stopped or overdue units, and publication needs to
know whether the credit file already holds a penalty of a 文号 — and none of those rooms offers a read function for it
yet (risk's confirmed signals and stable's revoked listings now come through their contracts, `service`). Until they do, the reads live here and only
here: read-only, each room reached through ``room_module`` so that an absent room reads as nothing, and each
answer turned into this room's own ``Candidate`` at once, so that no other module of enforcement sees another
room's model. When a room offers the read in its ``contracts.py``, its function here becomes a ``rooms.call``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from zhijian.platform.rooms import room_module


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
    """防伪扫码 counterfeit / diversion signals confirmed by staff; the lead carries the GTIN that links it to a
    专项行动, and the region is the 6-digit code the evidence names, if any."""
    trace = room_module("trace", "models")
    if trace is None:
        return
    for sig in session.scalars(select(trace.Signal).where(trace.Signal.status == "confirmed")):
        ev = sig.evidence or {}
        region = next((str(ev[k]) for k in ("city", "region", "region_code")
                       if str(ev.get(k, "")).isdigit() and len(str(ev.get(k, ""))) == 6), None)
        yield Candidate("counterfeit", f"trace_signal:{sig.id}", "/console/trace/signals",
                        f"防伪扫码信号（{sig.kind}）：{sig.gtin or ''} {sig.serial or ''}", sig.enterprise_id, region,
                        None, (sig.gtin or "")[:14])


def equipment_units(session: Session, day: dt.date) -> Iterator[Candidate]:
    """特种设备 stopped after a 不合格 report or in use past their inspection date (equipment's ``due_list`` needs an
    actor's scope, so the model is read)."""
    eq = room_module("equipment", "models")
    if eq is None:
        return
    unit = eq.EquipmentUnit
    stmt = select(unit).where(or_(unit.status == "stopped", (unit.status == "in_use") & (unit.next_due_on < day)))
    for u in session.scalars(stmt):
        ref = f"unit:{u.code}:{'stopped' if u.status == 'stopped' else u.next_due_on}"
        what = "检验不合格停用" if u.status == "stopped" else f"超期未检（应于 {u.next_due_on} 前检验）"
        yield Candidate("equipment", ref, f"/equipment/u/{u.code}", f"特种设备{what}：{u.code}", u.owner_id,
                        u.region_code)


def penalty_recorded(session: Session, decision_no: str) -> bool:
    """Does the consumer room's credit file already hold a penalty of this 文号? (Its ``add_penalty`` would fail on
    the unique number and roll the caller's whole transaction back, so publication asks first.)"""
    models = room_module("consumer", "models")
    if models is None:
        return False
    penalty = models.AdministrativePenalty
    return session.scalar(select(penalty.id).where(penalty.decision_no == decision_no)) is not None
