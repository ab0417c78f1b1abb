"""Events from other rooms (订阅): spot-check sampling and final verdicts become CBV events; a recall started by
the risk room marks the lot's codes recalled."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.platform.auth import SYSTEM
from zhijian.platform.db import utcnow
from zhijian.platform.events import subscriber
from zhijian.trace import rules
from zhijian.trace.epcis.service import store_internal_events
from zhijian.trace.models import (
    CodeBatch,
)
from zhijian.trace.service.cache import invalidate_caches
from zhijian.trace.service.recalls import mark_lot_recalled


def _lot_owner(session: Session, gtin: str, lot: str | None) -> int | None:
    stmt = select(CodeBatch.enterprise_id).where(CodeBatch.gtin == gtin)
    if lot:
        stmt = stmt.where(CodeBatch.lot == lot)
    return session.scalar(stmt.limit(1))


def _observe(session: Session, gtin: str, lot: str | None, event_time: str, what: dict[str, Any],
             extra: dict[str, Any]) -> None:
    """Store a CBV OBSERVE ObjectEvent about a lot (or the whole GTIN) as a quantity element, owned by the
    enterprise that issued the lot's codes; `what` is its bizStep / disposition, `extra` our own fields."""
    cls = f"https://id.gs1.org/01/{gtin}" + (f"/10/{lot}" if lot else "")
    event = {"type": "ObjectEvent", "eventTime": event_time, "eventTimeZoneOffset": "+08:00", "action": "OBSERVE",
             **what, "quantityList": [{"epcClass": cls}], **extra}
    store_internal_events(session, [event], owner_id=_lot_owner(session, gtin, lot))


@subscriber("spotcheck.sampled")
def on_sampled(session: Session, payload: dict[str, Any]) -> None:
    """抽样 → CBV ObjectEvent, bizStep `sampling`, the sampled lot as a quantity element."""
    gtin = payload.get("gtin")
    if not gtin:
        return
    day = payload.get("sampled_on")
    when = dt.datetime.fromisoformat(str(day)) if day else utcnow()
    if when.tzinfo is None:
        when = when.replace(tzinfo=rules.CN_TZ)
    _observe(session, rules.normalize_gtin(str(gtin)), payload.get("lot") or None, when.isoformat(),
             {"bizStep": "sampling"},
             {"zhijian:spotcheckBatch": str(payload.get("batch_id", "")), "zhijian:place": str(payload.get("place", ""))})


@subscriber("spotcheck.verdict_final")
def on_verdict_final(session: Session, payload: dict[str, Any]) -> None:
    """终审结论 → disposition `conformant` / `non_conformant` with a `testres` bizTransaction (the report)."""
    gtin = payload.get("gtin")
    if not gtin:
        return
    verdict = str(payload.get("verdict", ""))
    disposition = "conformant" if verdict in ("合格", "conformant", "pass") else "non_conformant"
    report = payload.get("report_no") or f"batch-{payload.get('batch_id')}"
    _observe(session, rules.normalize_gtin(str(gtin)), payload.get("lot") or None,
             utcnow().isoformat(timespec="milliseconds"), {"bizStep": "inspecting", "disposition": disposition},
             {"bizTransactionList": [{"type": "testres", "bizTransaction": f"urn:zhijian:spotcheck:report:{report}"}],
              "zhijian:spotcheckBatch": str(payload.get("batch_id", ""))})
    invalidate_caches()


@subscriber("risk.recall_started")
def on_recall_started(session: Session, payload: dict[str, Any]) -> None:
    """召回启动 → codes of each lot marked recalled, and a CBV event with disposition `recalled`."""
    ref = f"risk-{payload.get('recall_id')}"
    for item in payload.get("lots") or []:
        gtin, lot = item.get("gtin"), item.get("lot")
        if not gtin or not lot:
            continue
        mark_lot_recalled(session, SYSTEM, gtin=str(gtin), lot=str(lot), recall_ref=ref,
                          reason=str(payload.get("reason", "")), risk_level=str(payload.get("risk_level", "")))
        _observe(session, rules.normalize_gtin(str(gtin)), str(lot), utcnow().isoformat(timespec="milliseconds"),
                 {"disposition": "recalled"}, {"zhijian:recall": ref})
