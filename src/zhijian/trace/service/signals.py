"""Counterfeit signals (防伪预警) and scan records: the work queue, its status changes, a code's scan history and
the yearly purge (data minimisation)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from zhijian.platform import audit
from zhijian.platform.auth import Actor
from zhijian.platform.db import lock_for_update, utcnow
from zhijian.platform.errors import DomainError, NotFound
from zhijian.platform.pagination import Page, keyset_page
from zhijian.trace import rules
from zhijian.trace.models import (
    Code,
    Scan,
    Signal,
    rows_changed,
)
from zhijian.trace.service.policy import can_see_lot, in_signal_division, signal_division_clause, signal_scope


def list_signals(session: Session, actor: Actor, *, kind: str | None = None, status: str | None = None,
                 gtin: str | None = None, limit: int = 50, cursor: str | None = None) -> Page[Signal]:
    """防伪预警列表 — own signals for an enterprise; a regional regulator's division (brand owner or scan city); all
    for national staff."""
    scope = signal_scope(actor)
    stmt = select(Signal)
    if scope is not None:
        stmt = stmt.where(Signal.enterprise_id == scope)
    elif (within := signal_division_clause(actor)) is not None:
        stmt = stmt.where(within)
    if kind:
        stmt = stmt.where(Signal.kind == kind)
    if status:
        stmt = stmt.where(Signal.status == status)
    if gtin:
        stmt = stmt.where(Signal.gtin == rules.normalize_gtin(gtin))
    return keyset_page(session, stmt, Signal.id, limit=limit, cursor=cursor, descending=True)


def set_signal_status(session: Session, actor: Actor, signal_id: int, status: str) -> Signal:
    if status not in ("open", "confirmed", "dismissed"):
        raise DomainError("trace.bad_signal_status", "状态应为 open、confirmed 或 dismissed",
                          "status must be open, confirmed or dismissed", field="status")
    sig: Signal | None = lock_for_update(session, Signal, signal_id)  # concurrent changes: one at a time, each sees the last
    if sig is None:
        raise NotFound("signal", signal_id)
    scope = signal_scope(actor)
    if scope is not None and sig.enterprise_id != scope:
        raise NotFound("signal", signal_id)
    if scope is None and not in_signal_division(session, actor, sig):
        raise NotFound("signal", signal_id)  # outside the regulator's division: as if there were none
    before = sig.status
    sig.status = status
    audit.record(session, "update", "trace_signal", sig.id, {"status": before}, {"status": status})
    return sig


def scan_history(session: Session, actor: Actor, gtin: str, serial: str, limit: int = 100) -> list[Scan]:
    gtin = rules.normalize_gtin(gtin)
    code = session.get(Code, (serial, gtin))
    if code is None:
        raise NotFound("code", serial)
    can_see_lot(actor, code.enterprise_id)
    return list(session.scalars(select(Scan).where(Scan.serial == serial, Scan.gtin == gtin)
                                .order_by(Scan.id.desc()).limit(limit)))


def purge_scans(session: Session, actor: Actor, older_than_days: int = 365) -> int:
    """Scans are kept a year by default (data minimisation); counts on the code stay."""
    actor.require("admin")
    cutoff = utcnow() - dt.timedelta(days=older_than_days)
    return rows_changed(session.execute(delete(Scan).where(Scan.scanned_at < cutoff)))
