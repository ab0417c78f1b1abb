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


@subscriber("spotcheck.sampled")
def on_sampled(session: Session, payload: dict[str, Any]) -> None:
    """抽样 → CBV ObjectEvent, bizStep `sampling`, the sampled lot as a quantity element."""
    gtin = payload.get("gtin")
    if not gtin:
        return
    gtin = rules.normalize_gtin(str(gtin))
    lot = payload.get("lot") or None
    day = payload.get("sampled_on")
    when = dt.datetime.fromisoformat(str(day)) if day else utcnow()
    if when.tzinfo is None:
        when = when.replace(tzinfo=rules.CN_TZ)
    cls = f"https://id.gs1.org/01/{gtin}" + (f"/10/{lot}" if lot else "")
    event = {"type": "ObjectEvent", "eventTime": when.isoformat(), "eventTimeZoneOffset": "+08:00",
             "action": "OBSERVE", "bizStep": "sampling", "quantityList": [{"epcClass": cls}],
             "zhijian:spotcheckBatch": str(payload.get("batch_id", "")), "zhijian:place": str(payload.get("place", ""))}
    store_internal_events(session, [event], owner_id=_lot_owner(session, gtin, lot))


@subscriber("spotcheck.verdict_final")
def on_verdict_final(session: Session, payload: dict[str, Any]) -> None:
    """终审结论 → disposition `conformant` / `non_conformant` with a `testres` bizTransaction (the report)."""
    gtin = payload.get("gtin")
    if not gtin:
        return
    gtin = rules.normalize_gtin(str(gtin))
    lot = payload.get("lot") or None
    verdict = str(payload.get("verdict", ""))
    disposition = "conformant" if verdict in ("合格", "conformant", "pass") else "non_conformant"
    cls = f"https://id.gs1.org/01/{gtin}" + (f"/10/{lot}" if lot else "")
    report = payload.get("report_no") or f"batch-{payload.get('batch_id')}"
    now = utcnow()
    event = {"type": "ObjectEvent", "eventTime": now.isoformat(timespec="milliseconds"),
             "eventTimeZoneOffset": "+08:00", "action": "OBSERVE", "bizStep": "inspecting",
             "disposition": disposition, "quantityList": [{"epcClass": cls}],
             "bizTransactionList": [{"type": "testres", "bizTransaction": f"urn:zhijian:spotcheck:report:{report}"}],
             "zhijian:spotcheckBatch": str(payload.get("batch_id", ""))}
    store_internal_events(session, [event], owner_id=_lot_owner(session, gtin, lot))
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
        g = rules.normalize_gtin(str(gtin))
        now = utcnow()
        event = {"type": "ObjectEvent", "eventTime": now.isoformat(timespec="milliseconds"),
                 "eventTimeZoneOffset": "+08:00", "action": "OBSERVE", "disposition": "recalled",
                 "quantityList": [{"epcClass": f"https://id.gs1.org/01/{g}/10/{lot}"}],
                 "zhijian:recall": ref}
        store_internal_events(session, [event], owner_id=_lot_owner(session, g, str(lot)))
