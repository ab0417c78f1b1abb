"""What the trace room lets other rooms read of its signals (offered in ``contracts.py``, docs/CONTRACTS.md):
the 防伪扫码 signals staff confirmed, for enforcement's lead scan (线索归集)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.trace.models import Signal

REGION_KEYS = ("city", "region", "region_code")  # where a signal's evidence names the scanning division


@dataclass(frozen=True, slots=True)
class ConfirmedCodeSignal:
    """A counterfeit / diversion signal staff confirmed: the code it concerns, the brand owner, and the 6-digit
    GB/T 2260 division its evidence names (None when it names none)."""

    signal_id: int
    kind: str
    gtin: str
    serial: str
    enterprise_id: int | None
    region_code: str | None


def evidence_region(evidence: dict[str, Any] | None) -> str | None:
    """The first of the evidence's ``city``, ``region``, ``region_code`` that is a 6-digit division code."""
    ev = evidence or {}
    return next((str(ev[k]) for k in REGION_KEYS if str(ev.get(k, "")).isdigit() and len(str(ev.get(k, ""))) == 6),
                None)


def confirmed_signals(session: Session) -> list[ConfirmedCodeSignal]:
    """Signals with status ``confirmed``, oldest first."""
    stmt = (select(Signal.id, Signal.kind, Signal.gtin, Signal.serial, Signal.enterprise_id, Signal.evidence)
            .where(Signal.status == "confirmed").order_by(Signal.id))
    return [ConfirmedCodeSignal(sid, kind, gtin or "", serial or "", ent, evidence_region(ev))
            for sid, kind, gtin, serial, ent, ev in session.execute(stmt)]
