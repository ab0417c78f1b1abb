"""Recalls (召回): the contract that marks a lot's codes recalled, and the recall list."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from zhijian.platform import audit
from zhijian.platform.auth import Actor
from zhijian.platform.crud import flush
from zhijian.platform.db import utcnow
from zhijian.platform.pagination import Page, keyset_page
from zhijian.trace import rules
from zhijian.trace.models import (
    Code,
    CodeBatch,
    Recall,
    rows_changed,
)
from zhijian.trace.service.cache import invalidate_caches
from zhijian.trace.service.policy import can_manage_codes, signal_scope


def mark_lot_recalled(session: Session, actor: Actor, *, gtin: str, lot: str, recall_ref: str, reason: str,
                      risk_level: str = "", started_on: dt.date | None = None) -> int:
    """Contract: mark every (not voided) code of the lot recalled and keep a recall record; returns codes marked.

    Idempotent per recall_ref. Verification answers `recalled` ("该批次已召回") at once.
    """
    gtin = rules.normalize_gtin(gtin)
    rules.check_ai_value(lot, "lot")
    ent = session.scalar(select(CodeBatch.enterprise_id).where(CodeBatch.gtin == gtin, CodeBatch.lot == lot).limit(1))
    if ent is not None:
        can_manage_codes(session, actor, ent)
    else:
        actor.require("admin", "regulator")
    # concurrent recalls of one lot run one after another (a repeat then finds the record: 0 changed), not
    # all inserting the record at once (19 of 20 failed on its unique key): lock the lot's batches (issue 12)
    session.execute(select(CodeBatch.id).where(CodeBatch.gtin == gtin, CodeBatch.lot == lot)
                    .order_by(CodeBatch.id).with_for_update())
    total = session.scalar(select(func.count()).select_from(Code).where(Code.gtin == gtin, Code.lot == lot)) or 0
    rec = session.scalar(select(Recall).where(Recall.gtin == gtin, Recall.lot == lot, Recall.recall_ref == recall_ref))
    if rec is None:
        rec = Recall(enterprise_id=ent, gtin=gtin, lot=lot, recall_ref=recall_ref, reason=reason[:500],
                     risk_level=risk_level, started_on=started_on or utcnow().date(), total_units=total)
        session.add(rec)
        flush(session, "recall")
    n = rows_changed(session.execute(update(Code).where(Code.gtin == gtin, Code.lot == lot, Code.status != "voided",
                                           Code.status != "recalled")
                        .values(status="recalled", recall_ref=recall_ref)
                        .execution_options(synchronize_session=False)))
    audit.record(session, "recall", "trace_code", f"{gtin}/{lot}", None,
                 {"gtin": gtin, "lot": lot, "recall_ref": recall_ref, "marked": n})
    invalidate_caches()  # the answer page's recall banner
    return n


def list_recalls(session: Session, actor: Actor, *, limit: int = 50, cursor: str | None = None) -> Page[Recall]:
    scope = signal_scope(actor)
    stmt = select(Recall)
    if scope is not None:
        stmt = stmt.where(Recall.enterprise_id == scope)
    return keyset_page(session, stmt, Recall.id, limit=limit, cursor=cursor, descending=True)


def lot_codes_summary(session: Session, gtin: str, lot: str) -> dict[str, int]:
    rows = session.execute(select(Code.status, func.count()).where(Code.gtin == gtin, Code.lot == lot)
                           .group_by(Code.status)).all()
    return {s: int(n) for s, n in rows}
