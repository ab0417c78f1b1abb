"""What went where (追溯图): one unit's chain of custody through aggregations and transformations
(`trace_unit`), and a lot's recall scope by location and party (`lot_scope`, the contract)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from zhijian.platform.auth import Actor
from zhijian.platform.errors import NotFound
from zhijian.trace.epcis import rules as E
from zhijian.trace.epcis.query import _CLASS_ROLES
from zhijian.trace.epcis.scope import read_scope
from zhijian.trace.models import (
    Code,
    CodeBatch,
    EpcisEpc,
    EpcisEvent,
    Recall,
)

# ---------------------------------------------------------------- trace one unit (chain of custody)

_UNIT_ROLES = ("epc", "child", "parent", "input", "output")


def _events_naming(session: Session, ids: Sequence[str], roles: Sequence[str] = _UNIT_ROLES
                   ) -> list[tuple[EpcisEvent, str, str]]:
    if not ids:
        return []
    rows = session.execute(select(EpcisEvent, EpcisEpc.epc, EpcisEpc.role)
                           .join(EpcisEpc, EpcisEpc.event_pk == EpcisEvent.id)
                           .where(EpcisEpc.epc.in_(list(ids)), EpcisEpc.role.in_(list(roles)))).all()
    return [(r[0], r[1], r[2]) for r in rows]


def _epcs_of(session: Session, event_pks: Sequence[int], roles: Sequence[str]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    if event_pks:
        for pk, epc in session.execute(select(EpcisEpc.event_pk, EpcisEpc.epc).where(
                EpcisEpc.event_pk.in_(list(event_pks)), EpcisEpc.role.in_(list(roles)))):
            out[pk].append(epc)
    return out


def _entry(ev: EpcisEvent, via: str) -> dict[str, Any]:
    doc = ev.doc
    return {"event_id": ev.event_id, "event_type": ev.event_type, "action": ev.action,
            "event_time": ev.event_time.isoformat(), "biz_step": ev.biz_step, "disposition": ev.disposition,
            "read_point": ev.read_point, "biz_location": ev.biz_location, "via": via,
            "sources": doc.get("sourceList") or [], "destinations": doc.get("destinationList") or [],
            "biz_transactions": doc.get("bizTransactionList") or []}


def trace_unit(session: Session, actor: Actor, uri: str, *, max_depth: int = 4) -> dict[str, Any]:
    """溯源 — one unit's chain of custody: its own events, its containers' (cases, pallets) while it was inside
    them, the transformations it went into or came out of, and its lot's events (sampling, recall)."""
    scope = read_scope(actor, tracing=True)
    unit = E.canonical_id(uri)
    timeline: dict[int, dict[str, Any]] = {}
    hierarchy: list[dict[str, Any]] = []
    transformations: list[dict[str, Any]] = []

    def visible(ev: EpcisEvent) -> bool:
        return scope is None or scope.allows(session, ev.owner_id)

    # (id, window start, window end, label); the unit itself has an open window
    frontier: list[tuple[str, dt.datetime | None, dt.datetime | None, str]] = [(unit, None, None, "self")]
    seen: set[str] = {unit}
    for depth in range(max_depth + 1):
        if not frontier:
            break
        rows = _events_naming(session, [f[0] for f in frontier])
        windows = {f[0]: f for f in frontier}
        by_id: dict[str, list[tuple[EpcisEvent, str]]] = defaultdict(list)
        for ev, epc, role in rows:
            if visible(ev):
                by_id[epc].append((ev, role))
        nxt: list[tuple[str, dt.datetime | None, dt.datetime | None, str]] = []
        for ident, evs in by_id.items():
            _, start, end, label = windows[ident]
            evs.sort(key=lambda x: (x[0].event_time, x[0].id))
            for ev, _role in evs:
                if (start and ev.event_time < start) or (end and ev.event_time > end):
                    continue
                timeline.setdefault(ev.id, _entry(ev, label))
            if depth == max_depth:
                continue
            # containers: aggregations/associations that ADD this id as a child
            adds = [ev for ev, role in evs if role == "child" and ev.action == "ADD"]
            if adds:
                parents = _epcs_of(session, [ev.id for ev in adds], ("parent",))
                for ev in adds:
                    for parent in parents.get(ev.id, []):
                        if parent in seen:
                            continue
                        dele = [x for x, r in evs if r == "child" and x.action == "DELETE" and x.event_time >= ev.event_time
                                and parent in _epcs_of(session, [x.id], ("parent",)).get(x.id, [])]
                        until = min((x.event_time for x in dele), default=end)
                        seen.add(parent)
                        hierarchy.append({"child": ident, "parent": parent, "since": ev.event_time.isoformat(),
                                          "until": until.isoformat() if until else None, "depth": depth + 1})
                        nxt.append((parent, max(filter(None, [start, ev.event_time])), until,
                                    f"parent:{parent}"))
            # transformations in both directions
            for ev, role in evs:
                if ev.event_type != "TransformationEvent" and not (ev.transformation_id and role in ("input", "output")):
                    continue
                other_role = ("output", "outputClass") if role == "input" else ("input", "inputClass")
                others = _epcs_of(session, [ev.id], other_role).get(ev.id, [])
                transformations.append({"event_id": ev.event_id, "as": role, "related": others,
                                        "event_time": ev.event_time.isoformat()})
                for o in others:
                    if o not in seen:
                        seen.add(o)
                        if role == "input":
                            nxt.append((o, ev.event_time, None, f"output:{o}"))
                        else:
                            nxt.append((o, None, ev.event_time, f"input:{o}"))
        frontier = nxt
    code_info = None
    lot_class = None
    parsed = E.gtin_serial_of(unit)
    if parsed and parsed[2]:
        gtin, _, serial = parsed
        code = session.get(Code, (serial, gtin))
        if code is not None:
            code_info = {"gtin": gtin, "serial": serial, "lot": code.lot, "status": code.status,
                         "scan_count": code.scan_count,
                         "first_scan_at": code.first_scan_at.isoformat() if code.first_scan_at else None}
            lot_class = f"{E.CANON}/01/{gtin}/10/{E._dl_enc(code.lot)}"
    if lot_class:
        for ev, _epc, _role in _events_naming(session, [lot_class], _CLASS_ROLES):
            if visible(ev):
                timeline.setdefault(ev.id, _entry(ev, "lot"))
    items = sorted(timeline.values(), key=lambda e: e["event_time"])
    current = None
    for e in reversed(items):
        if e["biz_location"] or e["read_point"]:
            current = {"location": e["biz_location"] or e["read_point"], "biz_step": e["biz_step"],
                       "disposition": e["disposition"], "event_time": e["event_time"]}
            break
    return {"unit": unit, "code": code_info, "events": items, "hierarchy": hierarchy,
            "transformations": transformations, "current": current}


# ---------------------------------------------------------------- recall scope of a lot


def lot_scope(session: Session, *, gtin: str, lot: str) -> dict[str, Any]:
    """召回范围 — where the lot's units are now (by location and party), how many were shipped, received,
    sold, which are still packed in aggregations, and the recall progress (recovered / total)."""
    prefix = f"{E.CANON}/01/{gtin}/21/"
    total = session.scalar(select(func.count()).select_from(Code).where(Code.gtin == gtin, Code.lot == lot)) or 0
    statuses = dict(session.execute(select(Code.status, func.count()).where(Code.gtin == gtin, Code.lot == lot)
                                    .group_by(Code.status)).all())
    unit_rows = session.execute(
        select(EpcisEpc.epc, EpcisEpc.role, EpcisEvent.id, EpcisEvent.event_time, EpcisEvent.action,
               EpcisEvent.event_type)
        .join(EpcisEvent, EpcisEvent.id == EpcisEpc.event_pk)
        .join(Code, EpcisEpc.epc == literal(prefix) + Code.serial)
        .where(Code.gtin == gtin, Code.lot == lot)).all()
    unit_events: dict[str, list[tuple[int, dt.datetime, str | None]]] = defaultdict(list)
    adds: list[tuple[str, int, dt.datetime]] = []
    deletes: list[tuple[str, int, dt.datetime]] = []
    for epc, role, pk, t, action, _etype in unit_rows:
        unit_events[epc].append((pk, t, None))
        if role == "child" and action == "ADD":
            adds.append((epc, pk, t))
        elif role == "child" and action == "DELETE":
            deletes.append((epc, pk, t))
    parents_of = _epcs_of(session, list({pk for _, pk, _ in adds} | {pk for _, pk, _ in deletes}), ("parent",))
    # containment: unit → [(parent, since, until)]
    contained: dict[str, list[tuple[str, dt.datetime, dt.datetime | None]]] = defaultdict(list)
    for unit, pk, t in adds:
        for parent in parents_of.get(pk, []):
            ends = [t2 for u2, pk2, t2 in deletes if u2 == unit and t2 >= t and parent in parents_of.get(pk2, [])]
            contained[unit].append((parent, t, min(ends) if ends else None))
    # containers' own containers (case → pallet), one more level
    parent_ids = sorted({p for v in contained.values() for p, _, _ in v})
    level2: dict[str, list[tuple[str, dt.datetime, dt.datetime | None]]] = defaultdict(list)
    p_rows = _events_naming(session, parent_ids, ("child",))
    p_parents = _epcs_of(session, [ev.id for ev, _, _ in p_rows], ("parent",))
    for ev, epc, _ in p_rows:
        if ev.action == "ADD":
            for pp in p_parents.get(ev.id, []):
                level2[epc].append((pp, ev.event_time, None))
    container_events = _events_naming(session, sorted(set(parent_ids) | {p for v in level2.values() for p, _, _ in v}),
                                      ("epc", "parent"))
    cevents: dict[str, list[EpcisEvent]] = defaultdict(list)
    for ev, epc, _ in container_events:
        cevents[epc].append(ev)
    pk_all = {pk for v in unit_events.values() for pk, _, _ in v}
    ev_by_pk = {ev.id: ev for ev in session.scalars(select(EpcisEvent).where(EpcisEvent.id.in_(list(pk_all))))} \
        if pk_all else {}
    shipped = received = sold = in_agg = recovered = 0
    by_location: Counter[str] = Counter()
    by_party: Counter[str] = Counter()
    recall_start = session.scalar(select(func.min(Recall.started_on)).where(Recall.gtin == gtin, Recall.lot == lot))
    for unit, evs in unit_events.items():
        mine = [ev_by_pk[pk] for pk, _, _ in evs if pk in ev_by_pk]
        for parent, since, until in contained.get(unit, []):
            for ev in cevents.get(parent, []):
                if ev.event_time >= since and (until is None or ev.event_time <= until):
                    mine.append(ev)
            for pp, since2, _ in level2.get(parent, []):
                for ev in cevents.get(pp, []):
                    if ev.event_time >= max(since, since2) and (until is None or ev.event_time <= until):
                        mine.append(ev)
        mine.sort(key=lambda e: (e.event_time, e.id))
        steps = {e.biz_step for e in mine}
        disps = {e.disposition for e in mine}
        shipped += "shipping" in steps
        received += "receiving" in steps
        sold += ("retail_selling" in steps) or ("retail_sold" in disps)
        if any(until is None for _, _, until in contained.get(unit, [])):
            in_agg += 1
        if recall_start and any(e.disposition == "recalled" and e.event_time.date() >= recall_start for e in mine):
            recovered += 1
        loc = next((e.biz_location or e.read_point for e in reversed(mine) if e.biz_location or e.read_point), None)
        by_location[loc or "unknown"] += 1
        party = None
        for e in reversed(mine):
            for d in (e.doc.get("destinationList") or []):
                if E.vocab_short("sourceDest", d.get("type", "")) in ("owning_party", "possessing_party"):
                    party = E.canonical_id(d.get("destination", ""))
                    break
            if party:
                break
        by_party[party or "unknown"] += 1
    recalls = [{"recall_ref": r.recall_ref, "reason": r.reason, "risk_level": r.risk_level,
                "started_on": r.started_on.isoformat(), "total_units": r.total_units or total,
                "recovered_units": recovered,
                "progress": round(recovered / (r.total_units or total), 4) if (r.total_units or total) else 0.0}
               for r in session.scalars(select(Recall).where(Recall.gtin == gtin, Recall.lot == lot))]
    return {"gtin": gtin, "lot": lot, "total_units": total, "code_status": {k: int(v) for k, v in statuses.items()},
            "units_with_events": len(unit_events), "shipped": shipped, "received": received, "sold": sold,
            "in_aggregations": in_agg, "recovered": recovered,
            "by_location": [{"location": k, "units": v} for k, v in by_location.most_common()],
            "by_party": [{"party": k, "units": v} for k, v in by_party.most_common()], "recalls": recalls}


def lot_owner(session: Session, gtin: str, lot: str) -> int | None:
    return session.scalar(select(CodeBatch.enterprise_id).where(CodeBatch.gtin == gtin, CodeBatch.lot == lot).limit(1))


def not_found_lot(gtin: str, lot: str) -> NotFound:
    return NotFound("lot", f"{gtin}/{lot}", field="lot")
