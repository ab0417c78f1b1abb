"""What went where (追溯图): one unit's chain of custody through aggregations and transformations
(`trace_unit`), and a lot's recall scope by location and party (`lot_scope`, the contract)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from zhijian.platform.auth import Actor
from zhijian.platform.errors import NotFound
from zhijian.trace.epcis import rules as E
from zhijian.trace.epcis.query import _CLASS_ROLES
from zhijian.trace.epcis.scope import ReadScope, read_scope
from zhijian.trace.models import (
    Code,
    CodeBatch,
    EpcisEpc,
    EpcisEvent,
    Recall,
)

# ---------------------------------------------------------------- trace one unit (chain of custody)

_UNIT_ROLES = ("epc", "child", "parent", "input", "output")


def _superseded(events: Iterable[tuple[str, int | None, bool]]) -> set[tuple[str, int | None]]:
    """(eventID, owner) of the events declared in error among (eventID, owner, is a declaration): EPCIS 2.0
    §7.4.1.2 — the declaration repeats the event's content, so wherever the event is found its declaration is
    found too. Both leave the graph: what was declared did not happen as recorded. Only the owner of the event
    declares it (another's capture under the same eventID is not a declaration of this one)."""
    return {(eid, owner) for eid, owner, declared in events if declared}


def _events_naming(session: Session, ids: Sequence[str], roles: Sequence[str] = _UNIT_ROLES
                   ) -> list[tuple[EpcisEvent, str, str]]:
    if not ids:
        return []
    rows = session.execute(select(EpcisEvent, EpcisEpc.epc, EpcisEpc.role)
                           .join(EpcisEpc, EpcisEpc.event_pk == EpcisEvent.id)
                           .where(EpcisEpc.epc.in_(list(ids)), EpcisEpc.role.in_(list(roles)))).all()
    gone = _superseded((r[0].event_id, r[0].owner_id, r[0].error_declared) for r in rows)
    return [(r[0], r[1], r[2]) for r in rows if (r[0].event_id, r[0].owner_id) not in gone]


def _epcs_of(session: Session, event_pks: Sequence[int], roles: Sequence[str]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    if event_pks:
        for pk, epc in session.execute(select(EpcisEpc.event_pk, EpcisEpc.epc).where(
                EpcisEpc.event_pk.in_(list(event_pks)), EpcisEpc.role.in_(list(roles)))):
            out[pk].append(epc)
    return out


class TimelineEntry(TypedDict):
    """One event of a unit's timeline, and why it is there (`via`: self, parent:…, input:…, output:…, lot)."""

    event_id: str
    event_type: str
    action: str | None
    event_time: str
    biz_step: str | None
    disposition: str | None
    read_point: str | None
    biz_location: str | None
    via: str
    sources: list[dict[str, Any]]
    destinations: list[dict[str, Any]]
    biz_transactions: list[dict[str, Any]]


class Packing(TypedDict):
    """The unit (or a container) was inside `parent` from `since` until `until` (None: still)."""

    child: str
    parent: str
    since: str
    until: str | None
    depth: int


Transformation = TypedDict("Transformation", {"event_id": str, "as": str, "related": list[str], "event_time": str})
"""A transformation the unit went into (`as` input) or came out of (`as` output), with the other side's ids."""


class UnitCode(TypedDict):
    """Our issued code behind a serialised trade item (一物一码)."""

    gtin: str
    serial: str
    lot: str
    status: str
    scan_count: int
    first_scan_at: str | None


class Whereabouts(TypedDict):
    location: str
    biz_step: str | None
    disposition: str | None
    event_time: str


class UnitTrace(TypedDict):
    """溯源 — what `trace_unit` answers (the API's and the CLI's JSON, as is)."""

    unit: str
    code: UnitCode | None
    events: list[TimelineEntry]
    hierarchy: list[Packing]
    transformations: list[Transformation]
    current: Whereabouts | None


def _entry(ev: EpcisEvent, via: str) -> TimelineEntry:
    doc = ev.doc
    return {"event_id": ev.event_id, "event_type": ev.event_type, "action": ev.action,
            "event_time": ev.event_time.isoformat(), "biz_step": ev.biz_step, "disposition": ev.disposition,
            "read_point": ev.read_point, "biz_location": ev.biz_location, "via": via,
            "sources": doc.get("sourceList") or [], "destinations": doc.get("destinationList") or [],
            "biz_transactions": doc.get("bizTransactionList") or []}


Frontier = list[tuple[str, dt.datetime | None, dt.datetime | None, str]]
"""Identifiers still to follow: (id, window start, window end, label); the unit itself has an open window."""


class _UnitWalk:
    """One `trace_unit` walk: the events seen so far (timeline), the containers (hierarchy) and transformations
    met, and the identifiers already followed (`seen`), so that each is followed once."""

    def __init__(self, session: Session, scope: ReadScope | None, unit: str) -> None:
        self.session = session
        self.scope = scope
        self.timeline: dict[int, TimelineEntry] = {}
        self.hierarchy: list[Packing] = []
        self.transformations: list[Transformation] = []
        self.seen: set[str] = {unit}

    def visible(self, ev: EpcisEvent) -> bool:
        return self.scope is None or self.scope.allows(self.session, ev.owner_id)

    def step(self, frontier: Frontier, depth: int, last: bool) -> Frontier:
        """The events naming the frontier's ids (within their windows) into the timeline; the next frontier."""
        windows = {f[0]: f for f in frontier}
        by_id: dict[str, list[tuple[EpcisEvent, str]]] = defaultdict(list)
        for ev, epc, role in _events_naming(self.session, [f[0] for f in frontier]):
            if self.visible(ev):
                by_id[epc].append((ev, role))
        nxt: Frontier = []
        for ident, evs in by_id.items():
            _, start, end, label = windows[ident]
            evs.sort(key=lambda x: (x[0].event_time, x[0].id))
            for ev, _role in evs:
                if not ((start and ev.event_time < start) or (end and ev.event_time > end)):
                    self.timeline.setdefault(ev.id, _entry(ev, label))
            if not last:
                nxt += self._containers(ident, evs, start, end, depth)
                nxt += self._transformed(evs)
        return nxt

    def _containers(self, ident: str, evs: list[tuple[EpcisEvent, str]], start: dt.datetime | None,
                    end: dt.datetime | None, depth: int) -> Frontier:
        """Aggregations / associations that ADD this id as a child: the parent, while the child was inside it."""
        adds = [ev for ev, role in evs if role == "child" and ev.action == "ADD"]
        if not adds:
            return []
        nxt: Frontier = []
        parents = _epcs_of(self.session, [ev.id for ev in adds], ("parent",))
        for ev in adds:
            for parent in parents.get(ev.id, []):
                if parent in self.seen:
                    continue
                dele = [x for x, r in evs if r == "child" and x.action == "DELETE" and x.event_time >= ev.event_time
                        and parent in _epcs_of(self.session, [x.id], ("parent",)).get(x.id, [])]
                until = min((x.event_time for x in dele), default=end)
                self.seen.add(parent)
                self.hierarchy.append({"child": ident, "parent": parent, "since": ev.event_time.isoformat(),
                                       "until": until.isoformat() if until else None, "depth": depth + 1})
                nxt.append((parent, max(filter(None, [start, ev.event_time])), until, f"parent:{parent}"))
        return nxt

    def _transformed(self, evs: list[tuple[EpcisEvent, str]]) -> Frontier:
        """Transformations in both directions: what an input became (after), what an output was made of (before)."""
        nxt: Frontier = []
        for ev, role in evs:
            if ev.event_type != "TransformationEvent" and not (ev.transformation_id and role in ("input", "output")):
                continue
            other_role = ("output", "outputClass") if role == "input" else ("input", "inputClass")
            others = _epcs_of(self.session, [ev.id], other_role).get(ev.id, [])
            self.transformations.append({"event_id": ev.event_id, "as": role, "related": others,
                                         "event_time": ev.event_time.isoformat()})
            for o in others:
                if o not in self.seen:
                    self.seen.add(o)
                    nxt.append((o, ev.event_time, None, f"output:{o}") if role == "input"
                               else (o, None, ev.event_time, f"input:{o}"))
        return nxt


def _code_of(session: Session, unit: str) -> tuple[UnitCode | None, str | None]:
    """The issued code behind a serialised trade item (our 一物一码) and its lot's class id, when there is one."""
    parsed = E.gtin_serial_of(unit)
    serial = parsed[2] if parsed else None
    if parsed is None or not serial:
        return None, None
    gtin = parsed[0]
    code = session.get(Code, (serial, gtin))
    if code is None:
        return None, None
    info: UnitCode = {"gtin": gtin, "serial": serial, "lot": code.lot, "status": code.status, "scan_count": code.scan_count,
            "first_scan_at": code.first_scan_at.isoformat() if code.first_scan_at else None}
    return info, f"{E.CANON}/01/{gtin}/10/{E._dl_enc(code.lot)}"


def _current(items: list[TimelineEntry]) -> Whereabouts | None:
    """Where the unit is now: the latest event with a location."""
    for e in reversed(items):
        if e["biz_location"] or e["read_point"]:
            return {"location": e["biz_location"] or e["read_point"], "biz_step": e["biz_step"],
                    "disposition": e["disposition"], "event_time": e["event_time"]}
    return None


def trace_unit(session: Session, actor: Actor, uri: str, *, max_depth: int = 4) -> UnitTrace:
    """溯源 — one unit's chain of custody: its own events, its containers' (cases, pallets) while it was inside
    them, the transformations it went into or came out of, and its lot's events (sampling, recall)."""
    unit = E.canonical_id(uri)
    walk = _UnitWalk(session, read_scope(actor, tracing=True), unit)
    frontier: Frontier = [(unit, None, None, "self")]
    for depth in range(max_depth + 1):
        if not frontier:
            break
        frontier = walk.step(frontier, depth, depth == max_depth)
    code_info, lot_class = _code_of(session, unit)
    if lot_class:
        for ev, _epc, _role in _events_naming(session, [lot_class], _CLASS_ROLES):
            if walk.visible(ev):
                walk.timeline.setdefault(ev.id, _entry(ev, "lot"))
    items = sorted(walk.timeline.values(), key=lambda e: e["event_time"])
    return {"unit": unit, "code": code_info, "events": items, "hierarchy": walk.hierarchy,
            "transformations": walk.transformations, "current": _current(items)}


# ---------------------------------------------------------------- recall scope of a lot

Span = tuple[str, dt.datetime, dt.datetime | None]
"""(container, since, until): a unit (or case) inside a container from `since` until `until` (None: still)."""


def _unit_events(session: Session, gtin: str, lot: str
                 ) -> tuple[dict[str, list[int]], list[tuple[str, int, dt.datetime]], list[tuple[str, int, dt.datetime]]]:
    """Each of the lot's units' events (pks), and the aggregation events that ADD or DELETE a unit as a child."""
    prefix = f"{E.CANON}/01/{gtin}/21/"
    units = select(literal(prefix) + Code.serial).where(Code.gtin == gtin, Code.lot == lot)
    rows = session.execute(  # the lot's units as a subquery, not a join: on Citus codes and events shard apart
        select(EpcisEpc.epc, EpcisEpc.role, EpcisEvent.id, EpcisEvent.event_time, EpcisEvent.action,
               EpcisEvent.event_id, EpcisEvent.owner_id, EpcisEvent.error_declared)
        .join(EpcisEvent, EpcisEvent.id == EpcisEpc.event_pk)
        .where(EpcisEpc.epc.in_(units))).all()
    gone = _superseded((r[5], r[6], r[7]) for r in rows)
    unit_events: dict[str, list[int]] = defaultdict(list)
    adds: list[tuple[str, int, dt.datetime]] = []
    deletes: list[tuple[str, int, dt.datetime]] = []
    for epc, role, pk, t, action, event_id, owner, _declared in rows:
        if (event_id, owner) in gone:
            continue
        unit_events[epc].append(pk)
        if role == "child" and action == "ADD":
            adds.append((epc, pk, t))
        elif role == "child" and action == "DELETE":
            deletes.append((epc, pk, t))
    return unit_events, adds, deletes


def _containment(session: Session, adds: list[tuple[str, int, dt.datetime]],
                 deletes: list[tuple[str, int, dt.datetime]]) -> dict[str, list[Span]]:
    """unit → the containers it was packed in, since its ADD until the first DELETE from the same container."""
    parents_of = _epcs_of(session, list({pk for _, pk, _ in adds} | {pk for _, pk, _ in deletes}), ("parent",))
    contained: dict[str, list[Span]] = defaultdict(list)
    for unit, pk, t in adds:
        for parent in parents_of.get(pk, []):
            ends = [t2 for u2, pk2, t2 in deletes if u2 == unit and t2 >= t and parent in parents_of.get(pk2, [])]
            contained[unit].append((parent, t, min(ends) if ends else None))
    return contained


def _outer_containers(session: Session, parent_ids: list[str]) -> dict[str, list[Span]]:
    """The containers' own containers (case → pallet), one more level."""
    level2: dict[str, list[Span]] = defaultdict(list)
    p_rows = _events_naming(session, parent_ids, ("child",))
    p_parents = _epcs_of(session, [ev.id for ev, _, _ in p_rows], ("parent",))
    for ev, epc, _ in p_rows:
        if ev.action == "ADD":
            for pp in p_parents.get(ev.id, []):
                level2[epc].append((pp, ev.event_time, None))
    return level2


class _LotView:
    """What `lot_scope` knows of a lot's units: their own events, the containers they were in and those
    containers' events — enough to give each unit its history (`history`)."""

    def __init__(self, session: Session, gtin: str, lot: str) -> None:
        self.unit_events, adds, deletes = _unit_events(session, gtin, lot)
        self.contained = _containment(session, adds, deletes)
        parent_ids = sorted({p for v in self.contained.values() for p, _, _ in v})
        self.level2 = _outer_containers(session, parent_ids)
        ids = sorted(set(parent_ids) | {p for v in self.level2.values() for p, _, _ in v})
        self.container_events: dict[str, list[EpcisEvent]] = defaultdict(list)
        for ev, epc, _ in _events_naming(session, ids, ("epc", "parent")):
            self.container_events[epc].append(ev)
        pk_all = {pk for v in self.unit_events.values() for pk in v}
        self.by_pk = {ev.id: ev for ev in session.scalars(select(EpcisEvent).where(EpcisEvent.id.in_(list(pk_all))))} \
            if pk_all else {}

    def _inside(self, container: str, since: dt.datetime, until: dt.datetime | None) -> list[EpcisEvent]:
        return [ev for ev in self.container_events.get(container, [])
                if ev.event_time >= since and (until is None or ev.event_time <= until)]

    def history(self, unit: str) -> list[EpcisEvent]:
        """The unit's events and its containers' while it was inside them, in time order."""
        mine = [self.by_pk[pk] for pk in self.unit_events[unit] if pk in self.by_pk]
        for parent, since, until in self.contained.get(unit, []):
            mine += self._inside(parent, since, until)
            for pp, since2, _ in self.level2.get(parent, []):
                mine += self._inside(pp, max(since, since2), until)
        mine.sort(key=lambda e: (e.event_time, e.id))
        return mine

    def packed(self, unit: str) -> bool:
        return any(until is None for _, _, until in self.contained.get(unit, []))


def _party(history: list[EpcisEvent]) -> str | None:
    """The latest owning / possessing party a unit was shipped to (CBV source/destination types)."""
    for e in reversed(history):
        for d in (e.doc.get("destinationList") or []):
            if E.vocab_short("sourceDest", d.get("type", "")) in ("owning_party", "possessing_party"):
                party = E.canonical_id(d.get("destination", ""))
                if party:
                    return party
                break
    return None


@dataclass
class _Tally:
    """The recall scope's counters over a lot's units."""

    shipped: int = 0
    received: int = 0
    sold: int = 0
    in_agg: int = 0
    recovered: int = 0
    by_location: Counter[str] = field(default_factory=Counter)
    by_party: Counter[str] = field(default_factory=Counter)

    def add(self, history: list[EpcisEvent], packed: bool, recall_start: dt.date | None) -> None:
        steps = {e.biz_step for e in history}
        disps = {e.disposition for e in history}
        self.shipped += "shipping" in steps
        self.received += "receiving" in steps
        self.sold += ("retail_selling" in steps) or ("retail_sold" in disps)
        self.in_agg += packed
        if recall_start and any(e.disposition == "recalled" and e.event_time.date() >= recall_start for e in history):
            self.recovered += 1
        loc = next((e.biz_location or e.read_point for e in reversed(history) if e.biz_location or e.read_point),
                   None)
        self.by_location[loc or "unknown"] += 1
        self.by_party[_party(history) or "unknown"] += 1


class LotRecall(TypedDict):
    recall_ref: str
    reason: str
    risk_level: str
    started_on: str
    total_units: int
    recovered_units: int
    progress: float


class LocationUnits(TypedDict):
    location: str
    units: int


class PartyUnits(TypedDict):
    party: str
    units: int


class LotScope(TypedDict):
    """召回范围 — what the `lot_scope` contract answers (a dict, as documented in docs/CONTRACTS.md)."""

    gtin: str
    lot: str
    total_units: int
    code_status: dict[str, int]
    units_with_events: int
    shipped: int
    received: int
    sold: int
    in_aggregations: int
    recovered: int
    by_location: list[LocationUnits]
    by_party: list[PartyUnits]
    recalls: list[LotRecall]


def lot_scope(session: Session, *, gtin: str, lot: str) -> LotScope:
    """召回范围 — where the lot's units are now (by location and party), how many were shipped, received,
    sold, which are still packed in aggregations, and the recall progress (recovered / total)."""
    total = session.scalar(select(func.count()).select_from(Code).where(Code.gtin == gtin, Code.lot == lot)) or 0
    statuses = dict(session.execute(select(Code.status, func.count()).where(Code.gtin == gtin, Code.lot == lot)
                                    .group_by(Code.status)).all())
    view = _LotView(session, gtin, lot)
    recall_start = session.scalar(select(func.min(Recall.started_on)).where(Recall.gtin == gtin, Recall.lot == lot))
    tally = _Tally()
    for unit in view.unit_events:
        tally.add(view.history(unit), view.packed(unit), recall_start)
    recovered = tally.recovered
    recalls: list[LotRecall] = [{"recall_ref": r.recall_ref, "reason": r.reason, "risk_level": r.risk_level,
                "started_on": r.started_on.isoformat(), "total_units": r.total_units or total,
                "recovered_units": recovered,
                "progress": round(recovered / (r.total_units or total), 4) if (r.total_units or total) else 0.0}
               for r in session.scalars(select(Recall).where(Recall.gtin == gtin, Recall.lot == lot))]
    return {"gtin": gtin, "lot": lot, "total_units": total, "code_status": {k: int(v) for k, v in statuses.items()},
            "units_with_events": len(view.unit_events), "shipped": tally.shipped, "received": tally.received,
            "sold": tally.sold, "in_aggregations": tally.in_agg, "recovered": recovered,
            "by_location": [{"location": k, "units": v} for k, v in _ranked(tally.by_location)],
            "by_party": [{"party": k, "units": v} for k, v in _ranked(tally.by_party)], "recalls": recalls}


def _ranked(counts: Counter[str]) -> list[tuple[str, int]]:
    """Most units first, ties by name: the same answer whatever order the database returned the rows in."""
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def lot_owner(session: Session, gtin: str, lot: str) -> int | None:
    return session.scalar(select(CodeBatch.enterprise_id).where(CodeBatch.gtin == gtin, CodeBatch.lot == lot).limit(1))


def not_found_lot(gtin: str, lot: str) -> NotFound:
    return NotFound("lot", f"{gtin}/{lot}", field="lot")
