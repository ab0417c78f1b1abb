"""Signals and their review (风险信号研判), and each method's positive predictive value (阳性预测值)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zhijian.platform import jurisdiction
from zhijian.platform.auth import Actor
from zhijian.platform.crud import flush, get_or_404, where_equal
from zhijian.platform.db import utcnow
from zhijian.platform.errors import DomainError, InvalidTransition
from zhijian.platform.pagination import Page, keyset_page
from zhijian.risk import scan
from zhijian.risk.models import Signal
from zhijian.risk.schemas import MethodPerformance as MethodPerformance  # the API model is the answer
from zhijian.risk.service.policy import _outside, _signal_clause, can_monitor, signal_regions


def list_signals(session: Session, actor: Actor, *, status: str | None = None, method: str | None = None,
                 kind: str | None = None, category_id: int | None = None, limit: int = 50,
                 cursor: str | None = None) -> Page[Signal]:
    can_monitor(actor)
    stmt = where_equal(select(Signal), (Signal.status, status), (Signal.method, method), (Signal.kind, kind),
                       (Signal.category_id, category_id))
    if (clause := _signal_clause(actor)) is not None:
        stmt = stmt.where(clause)
    return keyset_page(session, stmt, Signal.id, limit=limit, cursor=cursor, descending=True)


def get_signal(session: Session, actor: Actor, signal_id: int) -> Signal:
    can_monitor(actor)
    sig = get_or_404(session, Signal, signal_id, "signal")
    if jurisdiction.regional_prefix(actor) is not None and not jurisdiction.covers_any(actor, signal_regions(session,
                                                                                                            sig)):
        raise _outside("风险信号", "signal")
    return sig


def review_signal(session: Session, actor: Actor, signal_id: int, status: str, note: str = "") -> Signal:
    """研判 — staff mark a signal confirmed or a false alarm (or reopen it); feeds the PPV report."""
    sig = get_signal(session, actor, signal_id)
    if status not in ("confirmed", "false_alarm", "open"):
        raise DomainError("risk.bad_status", "状态应为 confirmed / false_alarm / open",
                          "status must be confirmed, false_alarm or open", field="status")
    if status == sig.status:
        raise InvalidTransition("signal", sig.status, status)
    sig.status = status
    sig.review_note = note[:500]
    sig.reviewed_by = actor.label
    sig.reviewed_at = utcnow()
    flush(session, "signal")
    return sig


@dataclass(frozen=True, slots=True)
class ConfirmedSignal:
    """A 风险信号 staff confirmed on one enterprise (研判确认): what the enforcement room's lead scan reads."""

    signal_id: int
    method: str
    series_label: str
    period: str
    enterprise_id: int
    region_code: str | None
    product_id: int | None


def confirmed_enterprise_signals(session: Session) -> list[ConfirmedSignal]:
    """Contract: the signals confirmed by staff that name an enterprise, oldest first (no actor: a system read for
    the lead scan, which files them as leads of the region's regulator)."""
    rows = session.scalars(select(Signal).where(Signal.status == "confirmed", Signal.enterprise_id.is_not(None))
                           .order_by(Signal.id))
    return [ConfirmedSignal(sig.id, sig.method, sig.series_label, sig.period, sig.enterprise_id, sig.region_code,
                            sig.product_id) for sig in rows if sig.enterprise_id is not None]


def method_performance(session: Session, actor: Actor) -> list[MethodPerformance]:
    """阳性预测值 — per method: signals, open, confirmed, false alarms and PPV = confirmed/(confirmed+false); the API's
    own answer model, which the console and the CLI show too."""
    can_monitor(actor)
    stmt = select(Signal.method, Signal.status, func.count())
    if (clause := _signal_clause(actor)) is not None:
        stmt = stmt.where(clause)
    rows = session.execute(stmt.group_by(Signal.method, Signal.status)).all()
    by: dict[str, dict[str, int]] = {}
    for method, status, n in rows:
        by.setdefault(method, {"open": 0, "confirmed": 0, "false_alarm": 0})[status] = int(n)
    out: list[MethodPerformance] = []
    for method in sorted(by, key=lambda m: list(scan.METHOD_ZH).index(m) if m in scan.METHOD_ZH else 99):
        c = by[method]
        reviewed = c["confirmed"] + c["false_alarm"]
        out.append(MethodPerformance(method=method, method_zh=scan.METHOD_ZH.get(method, method),
                                     signals=sum(c.values()), open=c["open"], confirmed=c["confirmed"],
                                     false_alarm=c["false_alarm"], ppv=(c["confirmed"] / reviewed) if reviewed else None))
    return out
