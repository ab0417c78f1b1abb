"""EPCIS 2.0 capture (事件采集): set-based (one INSERT or COPY per table per document) and all-or-nothing by
default; `GS1-Capture-Error-Behaviour: proceed` stores the valid events and reports the others. Capture jobs.

This module is also the repository's one surface: it re-exports the query, subscription and graph workflows, so
`zhijian.trace.epcis.service` (alias `zhijian.trace.epcis_service`) answers every EPCIS use case."""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Iterator, Sequence
from typing import Any, TypedDict

from sqlalchemy import String, any_, bindparam, delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from zhijian.platform.auth import Actor
from zhijian.platform.crud import added
from zhijian.platform.db import utcnow
from zhijian.trace.epcis import rules as E
from zhijian.trace.epcis.index import master_data_children
from zhijian.trace.epcis.master_data import is_master_document, store_master_data, validate_master_document
from zhijian.trace.epcis.rows import Batch, Prepared, copy_rows, insert_rows
from zhijian.trace.epcis.scope import capture_owner, read_scope
from zhijian.trace.models import CaptureJob, EpcisEvent, EpcisEventKey, EpcisLocationChild, table_of

# ---------------------------------------------------------------- capture


def _new_ids(n: int) -> list[int]:
    """Application-generated, time-ordered 63-bit ids (no sequence: works on distributed SQL)."""
    base = (int(time.time() * 1000) << 22) | (secrets.randbits(10) << 12)
    return [base + i for i in range(n)]


class _Preparer:
    """The events of a capture prepared one by one (`iter`), each hashed once (CBV 2.0 event hash ID) and keyed;
    repeats within the document counted in `dups`, not kept; everything prepared so far in `done`.

    On PostgreSQL the capture consumes it while the rows stream to the database, so the checks keep the order in
    which a capture that validated, prepared and checked everything first would fail: `check` (the document's
    per-event validation, rollback mode) — on its first failure, or on any error while preparing, the whole
    document is validated first (`validate_document` raises exactly what it raised before); an eventID used
    twice in the document on different content (409) is raised only once every event is prepared."""

    def __init__(self, events: Sequence[dict[str, Any]], context: list[Any], doc: Any = None) -> None:
        self.events, self.doc = events, doc
        self.hash_id = E.event_hasher(E.context_namespaces(context))
        self.prefixes = E.document_prefixes(doc.get("@context")) if doc is not None else frozenset()
        self.dups = 0
        self.done: list[Prepared] = []
        self._it = self._run()

    def __iter__(self) -> Iterator[Prepared]:
        return self._it

    def all(self) -> list[Prepared]:
        """Every event prepared (the rest of them, when part was consumed)."""
        for _ in self._it:
            pass
        return self.done

    def _run(self) -> Iterator[Prepared]:
        seen: set[tuple[str, str, bool]] = set()
        hashes: dict[str, str] = {}
        conflict: str | None = None
        for i, ev in enumerate(self.events):
            try:
                if self.doc is not None and not E.event_valid(ev, i, self.prefixes):
                    raise E.validation_error("事件不符合标准", "event fails validation")  # replaced just below
                p = self._prepare(ev, seen)
            except Exception:
                if self.doc is not None:
                    E.validate_document(self.doc)  # the document's own error comes first, as before
                raise
            if p is None:
                continue
            if hashes.setdefault(p.event_id, p.hash_id) != p.hash_id and conflict is None:
                conflict = p.event_id
            self.done.append(p)
            yield p
        if conflict is not None:
            raise _event_id_conflict(conflict)

    def _prepare(self, ev: dict[str, Any], seen: set[tuple[str, str, bool]]) -> Prepared | None:
        hash_id = self.hash_id(ev)
        event_id = ev.get("eventID") or hash_id
        declared = "errorDeclaration" in ev  # hashed like the event it declares (CBV 2.0 §8.9), stored beside it
        key = (event_id, hash_id, declared)
        if key in seen:
            self.dups += 1
            return None
        seen.add(key)
        doc = dict(ev)
        if "recordTime" in doc:
            del doc["recordTime"]
        doc.setdefault("eventID", event_id)
        return Prepared(ev, event_id, hash_id, E.parse_time(ev["eventTime"]), doc, declared)


def _prepare(events: Sequence[dict[str, Any]], context: list[Any]) -> tuple[list[Prepared], int]:
    """Every event prepared (see `_Preparer`): (the events to store, repeats within the document)."""
    preparer = _Preparer(events, context)
    return preparer.all(), preparer.dups


def _capture_events(session: Session, preparer: _Preparer, batch: Batch) -> tuple[int, int]:
    """Store the preparer's events once each; (stored, duplicates).

    PostgreSQL, first: the rows stream by COPY while the events are prepared (the server indexes one chunk while
    the next is hashed), in a savepoint, on the assumption that no eventID is stored yet — a stored one fails the
    key (`epcis_event_key`: IntegrityError), then the savepoint is rolled back and the checked path below runs,
    which counts the same content as a duplicate and refuses other content (409). Elsewhere, and after such a
    fallback: every event prepared, the stored ones looked up, the others inserted (`_store`)."""
    if not preparer.events:
        return 0, 0
    if session.get_bind().dialect.name == "postgresql":
        try:
            with session.begin_nested():
                base = _new_ids(1)[0]
                stored = copy_rows(session, ((base + i, p) for i, p in enumerate(preparer)), batch)
                _check_declarations(session, preparer.done, batch.owner_id)
                return stored, preparer.dups
        except IntegrityError:
            pass
    stored, dups = _store(session, preparer.all(), batch)
    return stored, preparer.dups + dups


def _store(session: Session, prepared: list[Prepared], batch: Batch) -> tuple[int, int]:
    """Insert the events not stored yet (by eventID + hash ID) and their index rows; (stored, duplicates).

    Concurrent captures of the same events (a client's retry racing its first attempt) both find them "not
    stored yet"; the later one then fails on the key (`epcis_event_key`) once the first commits. It retries once
    in its savepoint and counts them as duplicates, as a sequential repeat would (issue 12), or refuses other
    content under a stored eventID (409): one event per eventID, whichever way the race goes."""
    if not prepared:
        return 0, 0
    try:
        with session.begin_nested():
            return _store_once(session, prepared, batch)
    except IntegrityError:
        with session.begin_nested():
            return _store_once(session, prepared, batch)


def _store_once(session: Session, prepared: list[Prepared], batch: Batch) -> tuple[int, int]:
    existing = _already_stored(session, prepared)
    taken = _declarations_taken_over(session, prepared, batch.owner_id)
    if taken:
        session.execute(delete(EpcisEventKey).where(EpcisEventKey.event_id.in_(taken), EpcisEventKey.declared))
        existing -= {(eid, True) for eid in taken}
    new = [p for p in prepared if p.key not in existing]
    if not new:
        return 0, len(prepared)
    insert_rows(session, new, _new_ids(len(new)), batch)
    return len(new), len(prepared) - len(new)


def _check_declarations(session: Session, prepared: list[Prepared], owner: int | None) -> None:
    """After the COPY path: an error declaration has a key row of its own, so the key does not stop one that
    carries other content than the stored event of its eventID, or one of another organisation's event — refused
    here (409, 403), as the checked path does."""
    declared = {p.event_id: p.hash_id for p in prepared if p.declared}
    if declared:
        _refuse_other_content(declared, _stored_keys(session, list(declared)))
        _declarations_taken_over(session, prepared, owner)


def _declarations_taken_over(session: Session, prepared: list[Prepared], owner: int | None) -> set[str]:
    """Only the organisation that captured an event declares it in error (错误声明; EPCIS 2.0 §7.4.1.2 within a
    repository many organisations share): a declaration of an event another organisation holds is refused (403),
    so it cannot stand in for, and swallow as its "duplicate", the owner's own declaration. A declaration may
    arrive before its event; when another organisation's such declaration holds the key and the event turns out
    to be this owner's (stored, or in this capture), the eventIDs are answered: the key moves to the owner's
    declaration, and the other organisation's row is kept (its own, read by it only)."""
    ids = [p.event_id for p in prepared if p.declared]
    if not ids:
        return set()
    keys = session.execute(select(EpcisEventKey.event_id, EpcisEventKey.declared, EpcisEventKey.event_pk)
                           .where(EpcisEventKey.event_id.in_(ids))).all()
    pks = [pk for _eid, _declared, pk in keys]
    owner_of = dict(session.execute(select(EpcisEvent.id, EpcisEvent.owner_id).where(EpcisEvent.id.in_(pks))).all())
    held = {(eid, bool(declared)): owner_of.get(pk) for eid, declared, pk in keys}
    captured_here = {p.event_id for p in prepared if not p.declared}
    for eid in ids:
        if (eid, False) in held and held[(eid, False)] != owner:
            raise E.EpcisError("SecurityException", f"事件 {eid} 由其他机构采集，只有采集机构可以声明其错误",
                               f"event {eid} was captured by another organisation; only its owner may declare it "
                               "in error", status=403)
    return {eid for eid in ids if (eid, True) in held and held[(eid, True)] != owner
            and ((eid, False) in held or eid in captured_here)}


def _event_id_conflict(event_id: str) -> E.EpcisError:
    return E.EpcisError("ResourceAlreadyExistsException", f"事件标识 {event_id} 已用于内容不同的另一事件",
                        f"eventID {event_id} is already used by an event with different content", status=409)


def _already_stored(session: Session, prepared: list[Prepared]) -> set[tuple[str, bool]]:
    """The keys (eventID, declared) of the prepared events the repository holds already. One eventID, one event
    (and its error declaration, EPCIS 2.0 §7.4.1.2, which repeats the eventID and the content): a repeat with the
    same content (same CBV hash) is a duplicate and is skipped; the same eventID on different content is refused
    with 409, in the document and against the repository (the first such eventID in document order)."""
    hashes: dict[str, str] = {}
    for p in prepared:
        if hashes.setdefault(p.event_id, p.hash_id) != p.hash_id:
            raise _event_id_conflict(p.event_id)
    rows = _stored_keys(session, list(hashes))
    _refuse_other_content(hashes, rows)
    return {(eid, declared) for eid, declared, _hid in rows}


def _refuse_other_content(hashes: dict[str, str], rows: list[tuple[str, bool, str]]) -> None:
    """409 for the first eventID (in `hashes`' order) that a stored event holds with another CBV hash."""
    conflicts = {eid for eid, _declared, hid in rows if hashes[eid] != hid}
    if conflicts:
        raise _event_id_conflict(next(eid for eid in hashes if eid in conflicts))


def _stored_keys(session: Session, event_ids: list[str]) -> list[tuple[str, bool, str]]:
    """(eventID, declared, hash ID) of the stored events with one of these eventIDs (`epcis_event_key`): one
    statement with an array parameter on PostgreSQL (a 1,000-value IN list costs the driver more than the
    query), IN lists of 500 elsewhere."""
    cols = (EpcisEventKey.event_id, EpcisEventKey.declared, EpcisEventKey.hash_id)
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        stmt = select(*cols).where(EpcisEventKey.event_id == any_(bindparam("ids", event_ids, ARRAY(String))))
        return [(a, bool(b), c) for a, b, c in session.execute(stmt)]
    out: list[tuple[str, bool, str]] = []
    for i in range(0, len(event_ids), 500):
        stmt = select(*cols).where(EpcisEventKey.event_id.in_(event_ids[i:i + 500]))
        out.extend((a, bool(b), c) for a, b, c in session.execute(stmt))
    return out


def _store_master_data(session: Session, doc: dict[str, Any], owner_id: int | None) -> None:
    """The header's master data: its attributes per owner (HASATTR_/EQ_ATTR_), its location hierarchy (WD_)."""
    store_master_data(session, doc, owner_id)
    pairs = set(master_data_children(doc))
    if not pairs:
        return
    have = set(session.execute(select(EpcisLocationChild.parent, EpcisLocationChild.child)).all())
    rows = [{"parent": p[:255], "child": c[:255]} for p, c in pairs - {tuple(x) for x in have}]
    if rows:
        session.execute(insert(table_of(EpcisLocationChild)), rows)


def capture(session: Session, actor: Actor, doc: Any, *, error_behaviour: str = "rollback") -> CaptureJob:
    """POST /capture — validate, store every event once, and record the capture job (all-or-nothing by default);
    an EPCISMasterDataDocument stores its master data and is a job of no events."""
    owner = capture_owner(actor)
    behaviour = (error_behaviour or "rollback").lower()
    if behaviour not in ("rollback", "proceed"):
        raise E.validation_error("GS1-Capture-Error-Behaviour 应为 rollback 或 proceed",
                                 "GS1-Capture-Error-Behaviour must be rollback or proceed",
                                 field="GS1-Capture-Error-Behaviour")
    if is_master_document(doc):
        return _capture_master_data(session, owner, doc, behaviour)
    errors: list[str] = []
    if behaviour == "rollback":
        E.validate_envelope(doc)  # the events are validated one by one as they are prepared (`_Preparer`)
        events = E.document_events(doc)
    else:
        if not isinstance(doc, dict) or not isinstance((doc.get("epcisBody") or {}), dict):
            raise E.validation_error("EPCIS 文档必须是 JSON 对象", "an EPCIS document must be a JSON object")
        events = []
        prefixes = E.document_prefixes(doc.get("@context"))
        for i, ev in enumerate(E.document_events(doc)):
            errs = E.event_errors(ev, i, prefixes)
            if errs:
                errors.extend(errs)
            else:
                events.append(ev)
    job = CaptureJob(id=str(uuid.uuid4()), owner_id=owner, running=False, error_behaviour=behaviour,
                     created_at=utcnow())
    declared = doc.get("@context") if isinstance(doc.get("@context"), list) else [doc.get("@context")]
    context = [c for c in declared if c is not None]
    batch = Batch(utcnow(), owner, job.id, context)
    preparer = _Preparer(events, context, doc if behaviour == "rollback" else None)
    job.captured, job.duplicates = _capture_events(session, preparer, batch)
    if behaviour == "rollback" or not errors:
        _store_master_data(session, doc, owner)
    job.success = not errors
    job.errors = errors
    job.finished_at = utcnow()
    return added(session, job, "capture_job")


def _capture_master_data(session: Session, owner: int | None, doc: dict[str, Any], behaviour: str) -> CaptureJob:
    """An EPCISMasterDataDocument (master data without events): validated whole, stored for the capturing
    organisation exactly as the header of an EPCISDocument, recorded as a capture job of no events."""
    validate_master_document(doc)
    job = CaptureJob(id=str(uuid.uuid4()), owner_id=owner, running=False, error_behaviour=behaviour,
                     created_at=utcnow(), captured=0, duplicates=0, success=True, errors=[])
    _store_master_data(session, doc, owner)
    job.finished_at = utcnow()
    return added(session, job, "capture_job")


def capture_event(session: Session, actor: Actor, event: Any) -> EpcisEvent:
    """POST /events — one event (its own @context allowed); returns the stored (or already stored) event."""
    owner = capture_owner(actor)
    errs = E.event_errors(event)
    if errs:
        raise E.validation_error(f"事件不符合 EPCIS 标准：{errs[0]}", f"event is not valid EPCIS: {errs[0]}",
                                 errors=errs)
    ctx = event.get("@context")
    context = ctx if isinstance(ctx, list) else ([ctx] if ctx else [])
    prepared, _ = _prepare([event], context)
    _store(session, prepared, Batch(utcnow(), owner, None, context))
    pk = session.scalar(select(EpcisEventKey.event_pk).where(EpcisEventKey.event_id == prepared[0].event_id,
                                                             EpcisEventKey.declared == prepared[0].declared))
    row = session.get(EpcisEvent, pk)
    assert row is not None
    return row


def store_internal_events(session: Session, events: list[dict[str, Any]], *, owner_id: int | None) -> int:
    """Events the platform records itself (spot checks, recalls), in CBV terms; validated like any capture."""
    context: list[Any] = [E.EPCIS_CONTEXT, {"zhijian": "https://zhijian.example/epcis/"}]
    prefixes = E.document_prefixes(context)
    for i, ev in enumerate(events):
        errs = E.event_errors(ev, i, prefixes)
        if errs:
            raise E.validation_error(f"内部事件无效：{errs[0]}", f"internal event invalid: {errs[0]}", errors=errs)
    prepared, _ = _prepare(events, context)
    return _store(session, prepared, Batch(utcnow(), owner_id, None, context))[0]


def get_capture_job(session: Session, actor: Actor, job_id: str) -> CaptureJob:
    job = session.get(CaptureJob, job_id)
    scope = read_scope(actor)
    if job is None or (scope is not None and not scope.allows(session, job.owner_id)):
        raise E.EpcisError("NoSuchResourceException", f"未找到捕获任务：{job_id}", f"no capture job {job_id}",
                           status=404)
    return job


def list_capture_jobs(session: Session, actor: Actor, limit: int = 100) -> list[CaptureJob]:
    """GET /capture — the latest capture jobs the actor may see."""
    scope = read_scope(actor)
    stmt = select(CaptureJob).order_by(CaptureJob.created_at.desc()).limit(limit)
    if scope is not None:
        stmt = stmt.where(scope.clause(CaptureJob.owner_id))
    return list(session.scalars(stmt))


class CaptureJobOut(TypedDict):
    """A capture job as the EPCIS REST binding shows it (GET /capture/{captureID})."""

    captureID: str
    createdAt: str
    finishedAt: str | None
    running: bool
    success: bool | None
    captureErrorBehaviour: str
    errors: list[dict[str, str]]
    capturedEvents: int
    duplicateEvents: int


def capture_job_out(job: CaptureJob) -> CaptureJobOut:
    return {"captureID": job.id, "createdAt": job.created_at.isoformat(),
            "finishedAt": job.finished_at.isoformat() if job.finished_at else None, "running": job.running,
            "success": job.success, "captureErrorBehaviour": job.error_behaviour,
            "errors": [{"type": "epcisException:ValidationException", "title": e} for e in job.errors or []],
            "capturedEvents": job.captured, "duplicateEvents": job.duplicates}

# the repository's other workflows, re-exported: callers use `zhijian.trace.epcis.service` (or the old
# `zhijian.trace.epcis_service`) for every EPCIS use case
from zhijian.trace.epcis.graph import lot_owner, lot_scope, not_found_lot, trace_unit  # noqa: E402
from zhijian.trace.epcis.query import (  # noqa: E402
    MAX_PER_PAGE,
    QueryResult,
    _qerr,
    build_conditions,
    distinct_values,
    event_out,
    get_event,
    merged_context,
    normalize_params,
    query_document,
    query_events,
)
from zhijian.trace.epcis.scope import ReadScope  # noqa: E402
from zhijian.trace.epcis.subscriptions import (  # noqa: E402
    create_named_query,
    create_subscription,
    delete_named_query,
    delete_subscription,
    deliver_subscriptions,
    get_named_query,
    has_stream_subscriptions,
    list_named_queries,
    list_subscriptions,
    schedule_due,
    signature,
    subscriber_actor,
)

__all__ = [
    "Batch", "CaptureJobOut", "MAX_PER_PAGE", "E", "Prepared", "QueryResult", "ReadScope", "_qerr",
    "build_conditions", "capture", "capture_event", "capture_job_out", "capture_owner",
    "create_named_query", "create_subscription", "delete_named_query", "delete_subscription", "deliver_subscriptions",
    "distinct_values", "event_out", "get_capture_job", "get_event", "get_named_query", "has_stream_subscriptions",
    "insert_rows", "list_capture_jobs", "list_named_queries", "list_subscriptions", "lot_owner", "lot_scope",
    "merged_context", "normalize_params", "not_found_lot", "query_document", "query_events", "read_scope",
    "schedule_due", "signature", "store_internal_events", "subscriber_actor", "trace_unit",
]
