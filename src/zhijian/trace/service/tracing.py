"""Trace (追溯) behind permission checks: a unit's chain of custody, a lot's recall scope (the contract), and
whether a non-GTIN key appears in any EPCIS event (the resolver's answer for SSCC, GLN, GIAI …)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zhijian.platform.auth import Actor
from zhijian.platform.errors import DomainError, PermissionDenied
from zhijian.trace import rules
from zhijian.trace.epcis import graph
from zhijian.trace.epcis.rules import canonical_id, gtin_serial_of
from zhijian.trace.models import (
    Code,
    EpcisEpc,
    EpcisEvent,
)
from zhijian.trace.service.keys import keys_for_gtin
from zhijian.trace.service.policy import can_see_lot


def identifier_in_events(session: Session, canon: str) -> bool:
    """Whether any EPCIS event names this identifier (canonical Digital Link) or happened at this location —
    what the resolver needs to answer a non-GTIN key (SSCC, GLN, GIAI …) with its trace, or 404."""
    if session.scalar(select(EpcisEpc.event_pk).where(EpcisEpc.epc == canon).limit(1)) is not None:
        return True
    return session.scalar(select(EpcisEvent.id).where(
        (EpcisEvent.read_point == canon) | (EpcisEvent.biz_location == canon)).limit(1)) is not None


def lot_scope(session: Session, *, gtin: str, lot: str) -> graph.LotScope:
    """Contract: recall scope of a lot — shipped / received / sold / in aggregations, by location and party."""
    gtin = rules.normalize_gtin(gtin)
    rules.check_ai_value(lot, "lot")
    return graph.lot_scope(session, gtin=gtin, lot=lot)


def trace_lot(session: Session, actor: Actor, gtin: str, lot: str) -> graph.LotScope:
    """`zhijian trace lot GTIN LOT` and the recall-scope page: the contract function behind a permission check."""
    gtin = rules.normalize_gtin(gtin)
    rules.check_ai_value(lot, "lot")
    owner = graph.lot_owner(session, gtin, lot)
    can_see_lot(actor, owner)
    if owner is None and not session.scalar(select(func.count()).select_from(Code).where(Code.gtin == gtin)):
        raise graph.not_found_lot(gtin, lot)
    return lot_scope(session, gtin=gtin, lot=lot)


def trace_unit(session: Session, actor: Actor, uri: str) -> graph.UnitTrace:
    """`zhijian trace unit URI` and the timeline page: a unit's chain of custody."""
    uri = (uri or "").strip()
    if not uri.startswith(("urn:epc:", "http://", "https://")):
        raise DomainError("trace.invalid_uri", f"请给出 EPC URN 或 GS1 数字链接：{uri}",
                          f"give an EPC URN or a GS1 Digital Link URI: {uri}", field="uri", status=400)
    if uri.startswith("http"):
        rules.parse_digital_link(uri)  # 400 on a malformed trade-item link
    parsed = gtin_serial_of(canonical_id(uri))
    if parsed and parsed[2] and actor.role == "enterprise":
        ent = keys_for_gtin(session, parsed[0])
        if ent is not None and not actor.owns(ent[0]):
            raise PermissionDenied("只能追溯本企业的产品", "you may only trace your own enterprise's units")
    return graph.trace_unit(session, actor, uri)
