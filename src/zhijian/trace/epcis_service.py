"""EPCIS 2.0 repository use cases: capture, SimpleEventQuery with paging, named queries, webhook
subscriptions, chain-of-custody trace and recall scope. Called by the API, CLI, pages, tasks and
the trace service (which re-exports the contract functions).

Capture is set-based (one INSERT per table per document) and all-or-nothing by default;
`GS1-Capture-Error-Behaviour: proceed` stores the valid events and reports the others.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, insert, literal, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from zhijian.platform import jurisdiction, outbound
from zhijian.platform.auth import Actor, actor_for
from zhijian.platform.crud import flush
from zhijian.platform.db import Database, utcnow
from zhijian.platform.errors import DomainError, NotFound, PermissionDenied
from zhijian.platform.models import User
from zhijian.trace import epcis as E
from zhijian.trace.models import (
    CaptureJob,
    Code,
    CodeBatch,
    EpcisAttr,
    EpcisEpc,
    EpcisEvent,
    EpcisLocationChild,
    NamedQuery,
    Recall,
    Subscription,
)

# ---------------------------------------------------------------- policy


def capture_owner(actor: Actor) -> int | None:
    """Who may capture: enterprises, inspectors (sampling) and staff; events belong to the actor's organisation."""
    actor.require("admin", "regulator", "association", "inspector", "enterprise")
    return actor.organization_id


@dataclass(frozen=True)
class ReadScope:
    """Whose events an actor reads: one organisation's (enterprises, labs), or those captured by organisations
    in a regulator's division (管辖, GB/T 2260 prefix). None instead of a scope means every event."""

    owner_id: int | None = None
    region_prefix: str | None = None

    def clause(self, column: Any) -> ColumnElement[bool]:
        if self.owner_id is not None:
            return column == self.owner_id  # type: ignore[no-any-return]
        from zhijian.catalog.models import Organization

        if self.region_prefix in (None, jurisdiction.NONE):
            return literal(False)
        return column.in_(select(Organization.id).where(  # type: ignore[no-any-return]
            Organization.region_code.like(f"{self.region_prefix}%")))

    def allows(self, session: Session, owner_id: int | None) -> bool:
        if self.owner_id is not None:
            return owner_id == self.owner_id
        if owner_id is None or self.region_prefix in (None, jurisdiction.NONE):
            return False
        from zhijian.catalog.models import Organization

        region = session.scalar(select(Organization.region_code).where(Organization.id == owner_id))
        return bool(region) and str(region).startswith(str(self.region_prefix))


def read_scope(actor: Actor, *, tracing: bool = False) -> ReadScope | None:
    """Admins, the association (it runs 防伪溯源) and national regulators read every event (None); a regional
    regulator reads the events captured in its division — and, when tracing one unit (`tracing`), its whole chain
    of custody, which crosses divisions by nature (跨区域联合打假); others read their organisation's events."""
    if actor.role in ("admin", "association"):
        return None
    if actor.role == "regulator":
        prefix = jurisdiction.regional_prefix(actor)
        return None if prefix is None or tracing else ReadScope(region_prefix=prefix)
    actor.require("admin", "regulator", "association", "inspector", "enterprise")
    if actor.organization_id is None:
        raise PermissionDenied("账号未关联单位，不能查询 EPCIS 事件", "your account has no organisation")
    return ReadScope(owner_id=actor.organization_id)


# ---------------------------------------------------------------- capture


def _new_ids(n: int) -> list[int]:
    """Application-generated, time-ordered 63-bit ids (no sequence: works on distributed SQL)."""
    base = (int(time.time() * 1000) << 22) | (secrets.randbits(10) << 12)
    return [base + i for i in range(n)]


@dataclass
class Prepared:
    row: dict[str, Any]
    idx: E.EventIndex


def _prepare(events: Sequence[dict[str, Any]], context: list[Any], owner_id: int | None, capture_id: str | None,
             now: dt.datetime) -> tuple[list[Prepared], int]:
    ns = E.context_namespaces(context)
    out: list[Prepared] = []
    seen: set[str] = set()
    dups = 0
    for ev in events:
        hash_id = E.event_hash_id(ev, ns)
        event_id = ev.get("eventID") or hash_id
        key = hashlib.sha256(f"{event_id}|{hash_id}".encode()).hexdigest()
        if key in seen:
            dups += 1
            continue
        seen.add(key)
        doc = {k: v for k, v in ev.items() if k != "recordTime"}
        doc.setdefault("eventID", event_id)
        idx = E.index_event(ev)
        out.append(Prepared({
            "event_id": event_id, "hash_id": hash_id, "dedup_key": key, "event_type": idx.event_type,
            "event_time": idx.event_time, "record_time": now, "action": idx.action, "biz_step": idx.biz_step,
            "disposition": idx.disposition, "read_point": idx.read_point, "biz_location": idx.biz_location,
            "transformation_id": idx.transformation_id, "error_declared": idx.error_declared, "owner_id": owner_id,
            "capture_id": capture_id, "doc": doc, "context": context}, idx))
    return out, dups


def _store(session: Session, prepared: list[Prepared]) -> tuple[int, int]:
    """Insert the events not stored yet (by eventID + hash ID) and their index rows; (stored, duplicates).

    Concurrent captures of the same events (a client's retry racing its first attempt) both find them "not
    stored yet"; the later one then fails on the unique dedup key once the first commits. It retries once
    in its savepoint and counts them as duplicates, as a sequential repeat would (issue 12), not 409."""
    if not prepared:
        return 0, 0
    try:
        with session.begin_nested():
            return _store_once(session, prepared)
    except IntegrityError:
        with session.begin_nested():
            return _store_once(session, prepared)


def _store_once(session: Session, prepared: list[Prepared]) -> tuple[int, int]:
    _check_event_ids(session, prepared)
    keys = [p.row["dedup_key"] for p in prepared]
    existing: set[str] = set()
    for i in range(0, len(keys), 500):
        existing.update(session.scalars(select(EpcisEvent.dedup_key).where(EpcisEvent.dedup_key.in_(keys[i:i + 500]))))
    new = [p for p in prepared if p.row["dedup_key"] not in existing]
    if not new:
        return 0, len(prepared)
    ids = _new_ids(len(new))
    epc_rows: list[dict[str, Any]] = []
    attr_rows: list[dict[str, Any]] = []
    for pk, p in zip(ids, new, strict=True):
        p.row["id"] = pk
        epc_rows.extend({"event_pk": pk, "role": r, "epc": e[:255], "quantity": q, "uom": u} for r, e, q, u in p.idx.epcs)
        attr_rows.extend({"event_pk": pk, "kind": k, "type": t[:128], "value": v[:255], "num": None}
                         for k, t, v in p.idx.attrs)
        attr_rows.extend({"event_pk": pk, "kind": k, "type": t, "value": v, "num": n} for k, t, v, n in p.idx.fields)
    insert_rows(session, [p.row for p in new], epc_rows, attr_rows)
    return len(new), len(prepared) - len(new)


EVENT_COLS = ("id", "event_id", "hash_id", "dedup_key", "event_type", "event_time", "record_time", "action", "biz_step",
              "disposition", "read_point", "biz_location", "transformation_id", "error_declared", "owner_id",
              "capture_id", "doc", "context")
EPC_COLS = ("event_pk", "role", "epc", "quantity", "uom")
ATTR_COLS = ("event_pk", "kind", "type", "value", "num")


def insert_rows(session: Session, events: list[dict[str, Any]], epcs: list[dict[str, Any]],
                attrs: list[dict[str, Any]]) -> None:
    """The event, EPC and attribute rows of one capture, set-based: three COPY streams on PostgreSQL (one round
    trip each, no per-row parameter binding), SQLAlchemy's multi-row insert elsewhere (MariaDB: multi-row
    `INSERT … VALUES`; SQLite: one prepared statement stepped per row inside the capture's transaction)."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        import psycopg
        from sqlalchemy.exc import DBAPIError

        raw = conn.connection.driver_connection
        with raw.cursor() as cur:
            for table, cols, rows in (("epcis_event", EVENT_COLS, events), ("epcis_epc", EPC_COLS, epcs),
                                      ("epcis_attr", ATTR_COLS, attrs)):
                if not rows:
                    continue
                sql = f"COPY {table} ({', '.join(cols)}) FROM STDIN"
                try:
                    with cur.copy(sql) as cp:
                        cp.write(copy_text(rows, cols))
                except psycopg.Error as exc:  # as SQLAlchemy would raise it (a concurrent duplicate → 409)
                    raise DBAPIError.instance(sql, None, exc, psycopg.Error) from exc
        return
    session.execute(insert(EpcisEvent.__table__), events)
    if epcs:
        session.execute(insert(EpcisEpc.__table__), epcs)
    if attrs:
        session.execute(insert(EpcisAttr.__table__), attrs)


_COPY_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(v: Any) -> str:
    """One value in PostgreSQL's COPY text format, as SQLAlchemy would bind it (UTC datetimes naive, JSON text)."""
    if v is None:
        return "\\N"
    if v is True or v is False:
        return "t" if v else "f"
    if isinstance(v, dt.datetime):
        if v.tzinfo is not None:
            v = v.astimezone(dt.UTC).replace(tzinfo=None)
        return v.isoformat(" ")
    if isinstance(v, dict | list):
        v = json.dumps(v)
    return str(v).translate(_COPY_ESCAPE)


def copy_text(rows: list[dict[str, Any]], cols: Sequence[str]) -> bytes:
    """Rows as one COPY text buffer (tab-separated, `\\N` for NULL, backslash escapes)."""
    return "".join("\t".join([_copy_value(r.get(c)) for c in cols]) + "\n" for r in rows).encode()


def _event_id_conflict(event_id: str) -> E.EpcisError:
    return E.EpcisError("ResourceAlreadyExistsException", f"事件标识 {event_id} 已用于内容不同的另一事件",
                        f"eventID {event_id} is already used by an event with different content", status=409)


def _check_event_ids(session: Session, prepared: list[Prepared]) -> None:
    """One eventID, one event: a repeat with the same content (same CBV hash) is a duplicate and is skipped;
    the same eventID on different content is refused with 409, in the document and against the repository."""
    hashes: dict[str, str] = {}
    for p in prepared:
        eid, hid = p.row["event_id"], p.row["hash_id"]
        if hashes.setdefault(eid, hid) != hid:
            raise _event_id_conflict(eid)
    ids = list(hashes)
    for i in range(0, len(ids), 500):
        for eid, hid in session.execute(select(EpcisEvent.event_id, EpcisEvent.hash_id)
                                        .where(EpcisEvent.event_id.in_(ids[i:i + 500]))):
            if hashes.get(eid) not in (None, hid):
                raise _event_id_conflict(eid)


def _store_master_data(session: Session, doc: dict[str, Any]) -> None:
    pairs = set(E.master_data_children(doc))
    if not pairs:
        return
    have = set(session.execute(select(EpcisLocationChild.parent, EpcisLocationChild.child)).all())
    rows = [{"parent": p[:255], "child": c[:255]} for p, c in pairs - {tuple(x) for x in have}]
    if rows:
        session.execute(insert(EpcisLocationChild.__table__), rows)


def capture(session: Session, actor: Actor, doc: Any, *, error_behaviour: str = "rollback") -> CaptureJob:
    """POST /capture — validate, store every event once, and record the capture job (all-or-nothing by default)."""
    owner = capture_owner(actor)
    behaviour = (error_behaviour or "rollback").lower()
    if behaviour not in ("rollback", "proceed"):
        raise E.validation_error("GS1-Capture-Error-Behaviour 应为 rollback 或 proceed",
                                 "GS1-Capture-Error-Behaviour must be rollback or proceed",
                                 field="GS1-Capture-Error-Behaviour")
    errors: list[str] = []
    if behaviour == "rollback":
        E.validate_document(doc)
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
    context = doc.get("@context") if isinstance(doc.get("@context"), list) else [doc.get("@context")]
    prepared, dups = _prepare(events, [c for c in context if c is not None], owner, job.id, utcnow())
    stored, dups2 = _store(session, prepared)
    if behaviour == "rollback" or not errors:
        _store_master_data(session, doc)
    job.captured, job.duplicates = stored, dups + dups2
    job.success = not errors
    job.errors = errors
    job.finished_at = utcnow()
    session.add(job)
    flush(session, "capture_job")
    return job


def capture_event(session: Session, actor: Actor, event: Any) -> EpcisEvent:
    """POST /events — one event (its own @context allowed); returns the stored (or already stored) event."""
    owner = capture_owner(actor)
    errs = E.event_errors(event)
    if errs:
        raise E.validation_error(f"事件不符合 EPCIS 标准：{errs[0]}", f"event is not valid EPCIS: {errs[0]}",
                                 errors=errs)
    ctx = event.get("@context")
    context = ctx if isinstance(ctx, list) else ([ctx] if ctx else [])
    prepared, _ = _prepare([event], context, owner, None, utcnow())
    _store(session, prepared)
    row = session.scalar(select(EpcisEvent).where(EpcisEvent.dedup_key == prepared[0].row["dedup_key"]))
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
    prepared, _ = _prepare(events, context, owner_id, None, utcnow())
    return _store(session, prepared)[0]


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


def capture_job_out(job: CaptureJob) -> dict[str, Any]:
    return {"captureID": job.id, "createdAt": job.created_at.isoformat(),
            "finishedAt": job.finished_at.isoformat() if job.finished_at else None, "running": job.running,
            "success": job.success, "captureErrorBehaviour": job.error_behaviour,
            "errors": [{"type": "epcisException:ValidationException", "title": e} for e in job.errors or []],
            "capturedEvents": job.captured, "duplicateEvents": job.duplicates}


# ---------------------------------------------------------------- SimpleEventQuery

_SIMPLE = {"eventType", "GE_eventTime", "LT_eventTime", "GE_recordTime", "LT_recordTime", "EQ_action", "EQ_bizStep",
           "EQ_disposition", "EQ_readPoint", "WD_readPoint", "EQ_bizLocation", "WD_bizLocation",
           "EQ_transformationID", "MATCH_epc", "MATCH_parentID", "MATCH_inputEPC", "MATCH_outputEPC", "MATCH_anyEPC",
           "MATCH_epcClass", "MATCH_inputEPCClass", "MATCH_outputEPCClass", "MATCH_anyEPCClass", "EQ_quantity",
           "GT_quantity", "GE_quantity", "LT_quantity", "LE_quantity", "EQ_eventID", "EXISTS_errorDeclaration",
           "EQ_errorReason", "EQ_correctiveEventID", "orderBy", "orderDirection", "eventCountLimit", "maxEventCount"}
_PREFIXED = ("EQ_bizTransaction_", "EQ_source_", "EQ_destination_")
# SimpleEventQuery families of EPCIS 2.0 §8.2.7.1 (the query schema's patternProperties)
_FIELD_PARAM = re.compile(r"^(EQ|GT|GE|LT|LE|EXISTS)_(INNER_)?(ILMD_|ERROR_DECLARATION_|SENSORELEMENT_|SENSORMETADATA_|"
                          r"SENSORREPORT_|readPoint_|bizLocation_)?([A-Za-z_][\w.-]*:[^\s]+)$")
_FIELD_KIND = {None: "ext", "ILMD_": "ilmd", "ERROR_DECLARATION_": "err", "SENSORELEMENT_": "se",
               "SENSORMETADATA_": "sMeta", "SENSORREPORT_": "sRep", "readPoint_": "rp", "bizLocation_": "bl"}
_SENSOR_VALUE_PARAM = re.compile(r"^(EQ|GT|GE|LT|LE)_(value|minValue|maxValue|meanValue|sDev|percRank|percValue)"
                                 r"_([A-Z0-9]{2,4})$")
_QTY_UOM_PARAM = re.compile(r"^(EQ|GT|GE|LT|LE)_quantity_([A-Z0-9]{2,4})$")
_SENSOR_EQ = {"EQ_type": ("sRep",), "EQ_deviceID": ("sRep", "sMeta"), "EQ_dataProcessingMethod": ("sRep", "sMeta"),
              "EQ_microorganism": ("sRep",), "EQ_chemicalSubstance": ("sRep",), "EQ_bizRules": ("sMeta",),
              "EQ_stringValue": ("sRep",), "EQ_hexBinaryValue": ("sRep",), "EQ_uriValue": ("sRep",),
              "EQ_booleanValue": ("sRep",)}
_TIME_PARAMS = {"GE_time": ("sMeta", "time"), "LT_time": ("sMeta", "time"),
                "GE_startTime": ("sMeta", "startTime"), "LT_startTime": ("sMeta", "startTime"),
                "GE_endTime": ("sMeta", "endTime"), "LT_endTime": ("sMeta", "endTime"),
                "GE_errorDeclarationTime": ("errTime", "declarationTime"),
                "LT_errorDeclarationTime": ("errTime", "declarationTime"),
                # the query schema spells these two so (EPCIS-Query-JSON-Schema-root.json); the OpenAPI without "_"
                "GE_errorDeclaration_Time": ("errTime", "declarationTime"),
                "LT_errorDeclaration_Time": ("errTime", "declarationTime")}
_PERC_RANK = {"GT_percRank", "GE_percRank", "LT_percRank", "LE_percRank"}
_PD_PARAMS = {"EQ_persistentDisposition_set": "pdSet", "EQ_persistentDisposition_unset": "pdUnset"}
_SINGLE = {"GE_eventTime", "LT_eventTime", "GE_recordTime", "LT_recordTime", "orderBy", "orderDirection",
           "eventCountLimit", "maxEventCount", "EXISTS_errorDeclaration", *_TIME_PARAMS}


def _is_field_param(name: str) -> bool:
    return bool(name in _SENSOR_EQ or name in _TIME_PARAMS or name in _PD_PARAMS or name in _PERC_RANK
                or name == "EXISTS_sensorElementList" or _FIELD_PARAM.match(name)
                or _SENSOR_VALUE_PARAM.match(name) or _QTY_UOM_PARAM.match(name))
_PAGING = {"perPage", "nextPageToken"}
_MATCH_ROLES = {"MATCH_epc": ("epc", "child"), "MATCH_parentID": ("parent",), "MATCH_inputEPC": ("input",),
                "MATCH_outputEPC": ("output",), "MATCH_anyEPC": ("epc", "child", "parent", "input", "output"),
                "MATCH_epcClass": ("epcClass", "childClass"), "MATCH_inputEPCClass": ("inputClass",),
                "MATCH_outputEPCClass": ("outputClass",),
                "MATCH_anyEPCClass": ("epcClass", "childClass", "inputClass", "outputClass")}
_CLASS_ROLES = ("epcClass", "childClass", "inputClass", "outputClass")
MAX_PER_PAGE = 1000


def _qerr(zh: str, en: str, field: str | None = None) -> E.EpcisError:
    return E.EpcisError("QueryParameterException", zh, en, field=field)


def normalize_params(items: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Query parameters → {name: [values]} (comma lists split); unknown names refused."""
    out: dict[str, list[str]] = defaultdict(list)
    for name, value in items:
        if name in _PAGING:
            continue
        if name not in _SIMPLE and not name.startswith(_PREFIXED) and not _is_field_param(name):
            raise _qerr(f"不支持的查询参数：{name}", f"unknown or unsupported query parameter: {name}", name)
        if (name in _SINGLE or name.startswith(("GT_", "GE_", "LT_", "LE_", "EXISTS_"))
                or name.endswith("_quantity")):
            out[name] = [value]
        else:
            out[name].extend(v.strip() for v in value.split(",") if v.strip())
    return dict(out)


def _descendants(session: Session, roots: list[str]) -> list[str]:
    seen = set(roots)
    frontier = list(roots)
    for _ in range(10):
        if not frontier:
            break
        kids = set(session.scalars(select(EpcisLocationChild.child).where(EpcisLocationChild.parent.in_(frontier))))
        frontier = [k for k in kids if k not in seen]
        seen.update(frontier)
    return sorted(seen)


def _epc_match(roles: Sequence[str], values: list[str]) -> ColumnElement[bool]:
    conds = []
    for v in values:
        pat, is_prefix = E.id_pattern(v)
        if is_prefix:
            esc = pat.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            conds.append(EpcisEpc.epc.like(esc + "%", escape="\\"))
        else:
            conds.append(EpcisEpc.epc == pat)
    return exists().where(EpcisEpc.event_pk == EpcisEvent.id, EpcisEpc.role.in_(roles), or_(*conds))


def _time(params: dict[str, list[str]], name: str) -> dt.datetime:
    try:
        return E.parse_time(params[name][0], name)
    except E.EpcisError:
        raise _qerr(f"参数 {name} 不是合法的时间：{params[name][0]}", f"{name} is not a date-time", name) from None


def _int(params: dict[str, list[str]], name: str) -> int:
    try:
        v = int(params[name][0])
        if v < 0:
            raise ValueError
        return v
    except ValueError:
        raise _qerr(f"参数 {name} 应为非负整数", f"{name} must be a non-negative integer", name) from None


def build_conditions(session: Session, params: dict[str, list[str]]) -> list[ColumnElement[bool]]:
    """The WHERE conditions of a SimpleEventQuery over the event and index tables."""
    c: list[ColumnElement[bool]] = []
    ev = EpcisEvent
    for name, values in params.items():
        if name == "eventType":
            bad = [v for v in values if v not in E.EVENT_TYPES]
            if bad:
                raise _qerr(f"未知事件类型：{bad[0]}", f"unknown event type: {bad[0]}", name)
            c.append(ev.event_type.in_(values))
        elif name in ("GE_eventTime", "LT_eventTime", "GE_recordTime", "LT_recordTime"):
            col = ev.event_time if "event" in name else ev.record_time
            t = _time(params, name)
            c.append(col >= t if name.startswith("GE") else col < t)
        elif name == "EQ_action":
            bad = [v for v in values if v not in ("ADD", "OBSERVE", "DELETE")]
            if bad:
                raise _qerr(f"EQ_action 应为 ADD、OBSERVE 或 DELETE：{bad[0]}", "EQ_action must be ADD/OBSERVE/DELETE",
                            name)
            c.append(ev.action.in_(values))
        elif name == "EQ_bizStep":
            c.append(ev.biz_step.in_([E.vocab_short("bizStep", v) for v in values]))
        elif name == "EQ_disposition":
            c.append(ev.disposition.in_([E.vocab_short("disposition", v) for v in values]))
        elif name in ("EQ_readPoint", "EQ_bizLocation", "WD_readPoint", "WD_bizLocation"):
            col = ev.read_point if name.endswith("readPoint") else ev.biz_location
            ids = [E.canonical_id(v) for v in values]
            c.append(col.in_(_descendants(session, ids) if name.startswith("WD_") else ids))
        elif name == "EQ_transformationID":
            c.append(ev.transformation_id.in_(values))
        elif name in _MATCH_ROLES:
            c.append(_epc_match(_MATCH_ROLES[name], values))
        elif name.endswith("_quantity"):
            try:
                q = float(values[0])
            except ValueError:
                raise _qerr(f"{name} 应为数值", f"{name} must be a number", name) from None
            op = name.split("_")[0]
            qc = {"EQ": EpcisEpc.quantity == q, "GT": EpcisEpc.quantity > q, "GE": EpcisEpc.quantity >= q,
                  "LT": EpcisEpc.quantity < q, "LE": EpcisEpc.quantity <= q}[op]
            c.append(exists().where(EpcisEpc.event_pk == ev.id, EpcisEpc.role.in_(_CLASS_ROLES), qc))
        elif name == "EQ_eventID":
            c.append(or_(ev.event_id.in_(values), ev.hash_id.in_(values)))
        elif name == "EXISTS_errorDeclaration":
            c.append(ev.error_declared.is_(True))
        elif name in ("EQ_errorReason", "EQ_correctiveEventID"):
            kind = "errorReason" if name == "EQ_errorReason" else "correctiveEventID"
            vals = [E.vocab_short("errorReason", v) for v in values] if kind == "errorReason" else values
            c.append(exists().where(EpcisAttr.event_pk == ev.id, EpcisAttr.kind == kind, EpcisAttr.value.in_(vals)))
        elif name.startswith(_PREFIXED):
            prefix = next(p for p in _PREFIXED if name.startswith(p))
            kind = prefix[3:-1]
            typ = name[len(prefix):]
            vocab = "bizTransaction" if kind == "bizTransaction" else "sourceDest"
            vals = values if kind == "bizTransaction" else [E.canonical_id(v) for v in values]
            c.append(exists().where(EpcisAttr.event_pk == ev.id, EpcisAttr.kind == kind,
                                    EpcisAttr.type == E.vocab_short(vocab, typ), EpcisAttr.value.in_(vals)))
        elif _is_field_param(name):
            c.append(_field_condition(name, values))
    return c


def _field_rows(kinds: Sequence[str], field: str | None, *extra: ColumnElement[bool]) -> ColumnElement[bool]:
    cond = [EpcisAttr.event_pk == EpcisEvent.id, EpcisAttr.kind.in_(kinds), *extra]
    if field is not None:
        cond.append(EpcisAttr.type == field)
    return exists().where(*cond)


def _compare(op: str, values: list[str], name: str) -> ColumnElement[bool]:
    """EQ over text (or number); GT/GE/LT/LE over the number, or over the UTC time when the value is one."""
    if op == "EQ":
        nums = [n for n in (E.number_of(v) for v in values) if n is not None]
        return or_(EpcisAttr.value.in_(values), EpcisAttr.num.in_(nums)) if nums else EpcisAttr.value.in_(values)
    raw = values[0]
    num = E.number_of(raw)
    if num is not None:
        col: Any = EpcisAttr.num
        target: Any = num
    else:
        try:
            target = E.utc_ms(raw)
        except E.EpcisError:
            raise _qerr(f"{name} 需要数值或时间：{raw}", f"{name} needs a number or a date-time: {raw}", name) from None
        col = EpcisAttr.value
    return {"GT": col > target, "GE": col >= target, "LT": col < target, "LE": col <= target}[op]


def _field_condition(name: str, values: list[str]) -> ColumnElement[bool]:
    """Extension, ILMD, INNER, EXISTS_, error-declaration, location, sensor and persistentDisposition filters."""
    if name in _SENSOR_EQ:
        field = name[3:]
        vals = [E.sensor_type(v) for v in values] if field == "type" else values
        return _field_rows(_SENSOR_EQ[name], field, EpcisAttr.value.in_(vals))
    if name in _TIME_PARAMS:
        kind, field = _TIME_PARAMS[name]
        return _field_rows((kind,), field, _compare(name[:2], values, name))
    if name in _PD_PARAMS:
        return _field_rows((_PD_PARAMS[name],), None,
                           EpcisAttr.value.in_([E.vocab_short("disposition", v) for v in values]))
    if name in _PERC_RANK:  # a rank has no unit
        return _field_rows(("sRep",), "percRank", _compare(name[:2], values, name))
    if name == "EXISTS_sensorElementList":
        return _field_rows(("sRep", "sMeta", "se"), None)
    m = _SENSOR_VALUE_PARAM.match(name)
    if m:
        op, field, uom = m.groups()
        return _field_rows(("sRep",), f"{field}_{uom}", _compare(op, values, name))
    m = _QTY_UOM_PARAM.match(name)
    if m:
        op, uom = m.groups()
        q = _float_param(values[0], name)
        qc = {"EQ": EpcisEpc.quantity == q, "GT": EpcisEpc.quantity > q, "GE": EpcisEpc.quantity >= q,
              "LT": EpcisEpc.quantity < q, "LE": EpcisEpc.quantity <= q}[op]
        return exists().where(EpcisEpc.event_pk == EpcisEvent.id, EpcisEpc.role.in_(_CLASS_ROLES),
                              EpcisEpc.uom == uom, qc)
    m = _FIELD_PARAM.match(name)
    assert m is not None
    op, inner, where, field = m.groups()
    kind = _FIELD_KIND[where] + ("Inner" if inner else "")
    if op == "EXISTS":
        return _field_rows((kind,), field)
    return _field_rows((kind,), field, _compare(op, values, name))


def _float_param(value: str, name: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise _qerr(f"{name} 应为数值", f"{name} must be a number", name) from None


@dataclass
class QueryResult:
    events: list[dict[str, Any]]
    contexts: list[Any]
    next_token: str | None


def _token_secret() -> bytes:
    from zhijian.platform.config import get_settings

    return get_settings().secret_key.encode()


def _sign_token(payload: dict[str, Any]) -> str:
    raw = json.dumps(payload, separators=(",", ":")).encode()
    mac = hmac.new(_token_secret(), raw, hashlib.sha256).digest()[:12]
    return base64.urlsafe_b64encode(raw + mac).decode().rstrip("=")


def _read_token(token: str, fingerprint: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        body, mac = raw[:-12], raw[-12:]
        if not hmac.compare_digest(mac, hmac.new(_token_secret(), body, hashlib.sha256).digest()[:12]):
            raise ValueError
        data = json.loads(body)
        if data.get("f") != fingerprint:
            raise ValueError
        return data
    except (ValueError, UnicodeDecodeError):
        raise _qerr("nextPageToken 无效或与查询参数不符", "nextPageToken is invalid or does not match the query",
                    "nextPageToken") from None


def query_events(session: Session, actor: Actor | None, params: dict[str, list[str]], *, per_page: int = 30,
                 next_token: str | None = None, after_pk: int | None = None) -> QueryResult:
    """SimpleEventQuery with keyset paging (`perPage`, `nextPageToken`). actor None = internal (subscriptions)."""
    if per_page < 1 or per_page > MAX_PER_PAGE:
        raise _qerr(f"perPage 应在 1 到 {MAX_PER_PAGE} 之间", f"perPage must be 1–{MAX_PER_PAGE}", "perPage")
    scope = read_scope(actor) if actor is not None else None
    conds = build_conditions(session, params)
    if scope is not None:
        conds.append(scope.clause(EpcisEvent.owner_id))
    if after_pk is not None:
        conds.append(EpcisEvent.id > after_pk)
    order_by = (params.get("orderBy") or [None])[0]
    direction = ((params.get("orderDirection") or ["DESC" if order_by else "ASC"])[0]).upper()
    if order_by not in (None, "eventTime", "recordTime"):
        raise _qerr("orderBy 只支持 eventTime 或 recordTime", "orderBy must be eventTime or recordTime", "orderBy")
    if direction not in ("ASC", "DESC"):
        raise _qerr("orderDirection 应为 ASC 或 DESC", "orderDirection must be ASC or DESC", "orderDirection")
    limit_total = _int(params, "eventCountLimit") if "eventCountLimit" in params else None
    max_count = _int(params, "maxEventCount") if "maxEventCount" in params else None
    fingerprint = hashlib.sha256(json.dumps(sorted(params.items())).encode()).hexdigest()[:16]
    col = {None: None, "eventTime": EpcisEvent.event_time, "recordTime": EpcisEvent.record_time}[order_by]
    served = 0
    stmt: Select[Any] = select(EpcisEvent).where(*conds)
    if max_count is not None:
        n = session.scalar(select(func.count()).select_from(EpcisEvent).where(*conds)) or 0
        if n > max_count:
            raise E.EpcisError("QueryTooLargeException", f"结果 {n} 条超过 maxEventCount={max_count}",
                               f"{n} events exceed maxEventCount={max_count}", status=413)
    if next_token:
        tok = _read_token(next_token, fingerprint)
        served = int(tok.get("n", 0))
        last_id = int(tok["id"])
        if col is None:
            stmt = stmt.where(EpcisEvent.id > last_id)
        else:
            v = dt.datetime.fromisoformat(tok["v"])
            if direction == "ASC":
                stmt = stmt.where(or_(col > v, and_(col == v, EpcisEvent.id > last_id)))
            else:
                stmt = stmt.where(or_(col < v, and_(col == v, EpcisEvent.id < last_id)))
    if col is None:
        stmt = stmt.order_by(EpcisEvent.id)
    elif direction == "ASC":
        stmt = stmt.order_by(col.asc(), EpcisEvent.id.asc())
    else:
        stmt = stmt.order_by(col.desc(), EpcisEvent.id.desc())
    take = per_page
    if limit_total is not None:
        take = max(0, min(per_page, limit_total - served))
    rows = list(session.scalars(stmt.limit(take + 1))) if take else []
    more = len(rows) > take
    rows = rows[:take]
    if limit_total is not None and served + len(rows) >= limit_total:
        more = False
    token = None
    if more and rows:
        last = rows[-1]
        v = None if col is None else (last.event_time if order_by == "eventTime" else last.record_time).isoformat()
        token = _sign_token({"id": last.id, "v": v, "n": served + len(rows), "f": fingerprint})
    return QueryResult([event_out(r) for r in rows], merged_context(r.context for r in rows), token)


def event_out(row: EpcisEvent) -> dict[str, Any]:
    doc = dict(row.doc)
    doc["recordTime"] = row.record_time.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return doc


def merged_context(contexts: Iterable[list[Any]]) -> list[Any]:
    urls: list[str] = [E.EPCIS_CONTEXT]
    ns: dict[str, Any] = {}
    for ctx in contexts:
        for c in ctx or []:
            if isinstance(c, str) and c not in urls:
                urls.append(c)
            elif isinstance(c, dict):
                for k, v in c.items():
                    ns.setdefault(k, v)
    return [*urls, ns] if ns else urls


def query_document(result: QueryResult, *, query_name: str = "SimpleEventQuery",
                   subscription_id: str | None = None) -> dict[str, Any]:
    qr: dict[str, Any] = {"queryName": query_name, "resultsBody": {"eventList": result.events}}
    if subscription_id:
        qr["subscriptionID"] = subscription_id
    return {"@context": result.contexts, "type": "EPCISQueryDocument", "schemaVersion": "2.0",
            "creationDate": utcnow().isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "epcisBody": {"queryResults": qr}}


def get_event(session: Session, actor: Actor, event_id: str) -> EpcisEvent:
    scope = read_scope(actor)
    stmt = select(EpcisEvent).where(or_(EpcisEvent.event_id == event_id, EpcisEvent.hash_id == event_id))
    if scope is not None:
        stmt = stmt.where(scope.clause(EpcisEvent.owner_id))
    row = session.scalars(stmt.order_by(EpcisEvent.id).limit(1)).first()
    if row is None:
        raise E.EpcisError("NoSuchResourceException", f"未找到事件：{event_id}", f"no event {event_id}", status=404)
    return row


def distinct_values(session: Session, actor: Actor, what: str, *, limit: int = 500) -> list[str]:
    """Resource lists: /eventTypes, /bizSteps, /dispositions, /readPoints, /bizLocations, /epcs."""
    scope = read_scope(actor)
    col = {"eventTypes": EpcisEvent.event_type, "bizSteps": EpcisEvent.biz_step,
           "dispositions": EpcisEvent.disposition, "readPoints": EpcisEvent.read_point,
           "bizLocations": EpcisEvent.biz_location}.get(what)
    if what == "epcs":
        stmt = select(EpcisEpc.epc).join(EpcisEvent, EpcisEvent.id == EpcisEpc.event_pk).where(
            EpcisEpc.role.in_(("epc", "child", "parent", "input", "output")))
        if scope is not None:
            stmt = stmt.where(scope.clause(EpcisEvent.owner_id))
        return sorted({v for v in session.scalars(stmt.distinct().limit(limit)) if v})
    if col is None:
        raise E.EpcisError("NoSuchResourceException", f"未知资源：{what}", f"unknown resource: {what}", status=404)
    if what == "eventTypes":
        return list(E.EVENT_TYPES)
    stmt = select(col).where(col.is_not(None))
    if scope is not None:
        stmt = stmt.where(scope.clause(EpcisEvent.owner_id))
    return sorted({v for v in session.scalars(stmt.distinct().limit(limit)) if v})


# ---------------------------------------------------------------- named queries and subscriptions


def create_named_query(session: Session, actor: Actor, name: str, params: dict[str, Any]) -> NamedQuery:
    """POST /queries — {name, query: {param: value|[values]}}; parameters are checked now, not at run time."""
    owner = capture_owner(actor)
    if not name or len(name) > 100 or not all(c.isalnum() or c in "-_." for c in name):
        raise _qerr("查询名称只能含字母、数字和 - _ .（最多 100 个字符）", "query name: letters, digits, - _ . (≤ 100)",
                    "name")
    items: list[tuple[str, str]] = []
    for k, v in (params or {}).items():
        for x in (v if isinstance(v, list) else [v]):
            items.append((k, str(x)))
    norm = normalize_params(items)
    build_conditions(session, norm)
    if session.scalar(select(NamedQuery.id).where(NamedQuery.name == name)):
        raise E.EpcisError("ValidationException", f"查询名称已存在：{name}", f"a query named {name} exists",
                           status=409, field="name")
    q = NamedQuery(name=name, params=norm, owner_id=owner)
    session.add(q)
    flush(session, "named_query")
    return q


def get_named_query(session: Session, actor: Actor | None, name: str) -> NamedQuery:
    q = session.scalar(select(NamedQuery).where(NamedQuery.name == name))
    scope = read_scope(actor) if actor is not None else None
    if q is None or (scope is not None and not scope.allows(session, q.owner_id)):
        raise E.EpcisError("NoSuchNameException", f"未找到命名查询：{name}", f"no query named {name}", status=404)
    return q


def list_named_queries(session: Session, actor: Actor) -> list[NamedQuery]:
    scope = read_scope(actor)
    stmt = select(NamedQuery).order_by(NamedQuery.name)
    if scope is not None:
        stmt = stmt.where(scope.clause(NamedQuery.owner_id))
    return list(session.scalars(stmt))


def delete_named_query(session: Session, actor: Actor, name: str) -> None:
    q = get_named_query(session, actor, name)
    for sub in session.scalars(select(Subscription).where(Subscription.query_name == name)):
        session.delete(sub)
    session.delete(q)


def create_subscription(session: Session, actor: Actor, query_name: str, *, dest: str, signature_token: str = "",
                        schedule: dict[str, Any] | None = None, stream: bool | None = None,
                        report_if_empty: bool = False, initial_record_time: str | None = None) -> Subscription:
    """POST /queries/{name}/subscriptions — stream (on every capture) or schedule (cron-like fields)."""
    q = get_named_query(session, actor, query_name)
    if actor.user_id is None and not actor.is_staff:
        raise PermissionDenied("订阅需要登录用户", "a subscription needs a logged-in user")
    outbound.check_destination(dest, field="dest")  # SSRF guard (checked again at every delivery)
    is_stream = bool(stream) if stream is not None else schedule is None
    if is_stream == (schedule is not None):
        raise E.EpcisError("SubscriptionControlsException", "stream 与 schedule 必须二选一",
                           "give either stream=true or a schedule", field="schedule")
    last_pk = 0
    if initial_record_time:
        t = E.parse_time(initial_record_time, "initialRecordTime")
        last_pk = session.scalar(select(func.max(EpcisEvent.id)).where(EpcisEvent.record_time < t)) or 0
    else:
        last_pk = session.scalar(select(func.max(EpcisEvent.id))) or 0
    sub = Subscription(id=str(uuid.uuid4()), query_name=q.name, dest=dest, signature_token=signature_token,
                       stream=is_stream, schedule=schedule, report_if_empty=report_if_empty, last_event_pk=last_pk,
                       owner_id=actor.organization_id, owner_user_id=actor.user_id)
    session.add(sub)
    flush(session, "subscription")
    return sub


def list_subscriptions(session: Session, actor: Actor, query_name: str) -> list[Subscription]:
    get_named_query(session, actor, query_name)
    return list(session.scalars(select(Subscription).where(Subscription.query_name == query_name)))


def delete_subscription(session: Session, actor: Actor, query_name: str, sub_id: str) -> None:
    get_named_query(session, actor, query_name)
    sub = session.get(Subscription, sub_id)
    if sub is None or sub.query_name != query_name:
        raise E.EpcisError("NoSuchSubscriptionException", f"未找到订阅：{sub_id}", f"no subscription {sub_id}",
                           status=404)
    session.delete(sub)


def _field_matches(spec: Any, value: int) -> bool:
    if spec is None or str(spec).strip() in ("", "*"):
        return True
    for part in str(spec).split(","):
        part = part.strip()
        if "-" in part:
            lo, hi = part.split("-", 1)
            if lo.isdigit() and hi.isdigit() and int(lo) <= value <= int(hi):
                return True
        elif part.isdigit() and int(part) == value:
            return True
    return False


def schedule_due(schedule: dict[str, Any], last_run: dt.datetime | None, now: dt.datetime) -> bool:
    """EPCIS query schedule (minute, hour, dayOfMonth, month, dayOfWeek; 1 = Monday), to the minute."""
    ok = (_field_matches(schedule.get("minute"), now.minute) and _field_matches(schedule.get("hour"), now.hour)
          and _field_matches(schedule.get("dayOfMonth"), now.day) and _field_matches(schedule.get("month"), now.month)
          and _field_matches(schedule.get("dayOfWeek"), now.isoweekday()))
    if not ok:
        return False
    return last_run is None or last_run.replace(second=0, microsecond=0) != now.replace(second=0, microsecond=0)


def has_stream_subscriptions(session: Session) -> bool:
    return session.scalar(select(Subscription.id).where(Subscription.stream.is_(True)).limit(1)) is not None


_DELIVERY_LOCK = threading.Lock()


def signature(token: str, body: bytes) -> str:
    """GS1-Signature header value: HMAC-SHA256 of the exact body under the subscriber's signatureToken."""
    return "sha256=" + hmac.new(token.encode(), body, hashlib.sha256).hexdigest()


def deliver_subscriptions(db: Database, *, stream: bool = True, now: dt.datetime | None = None,
                          timeout: float = 5.0) -> list[dict[str, Any]]:
    """Send new matching events to subscribers (signed POST); advance each subscription only on a 2xx.

    Runs serialised within a process; across worker processes delivery is at-least-once.
    """
    with _DELIVERY_LOCK:
        return _deliver(db, stream=stream, now=now, timeout=timeout)


def subscriber_actor(session: Session, sub: Subscription) -> Actor | None:
    """Who a subscription's query runs as: the user who subscribed, as they are now (None: deliver nothing).

    A deactivated user, or one moved to another organisation, receives nothing more. Rows from before
    owners were stored run with the narrowest scope their owner organisation allows.
    """
    if sub.owner_user_id is not None:
        user = session.get(User, sub.owner_user_id)
        if user is None or not user.is_active:
            return None
        actor = actor_for(user)
        if not actor.is_staff and actor.organization_id != sub.owner_id:
            return None
        return actor
    if sub.owner_id is not None:
        return Actor(None, f"subscription:{sub.id}", "enterprise", sub.owner_id)
    return None


def _deliver(db: Database, *, stream: bool, now: dt.datetime | None, timeout: float) -> list[dict[str, Any]]:
    now = now or utcnow()
    plans: list[tuple[str, str, bytes, str, int]] = []
    refused: list[str] = []
    with db.session() as s:
        for sub in s.scalars(select(Subscription).order_by(Subscription.created_at)):
            if stream != sub.stream:
                continue
            if not sub.stream and not schedule_due(sub.schedule or {}, sub.last_run_at, now):
                continue
            owner = subscriber_actor(s, sub)
            try:
                if owner is None:
                    raise PermissionDenied()
                # the same scoping as GET /epcis/events for the subscriber
                q = get_named_query(s, owner, sub.query_name)
                res = query_events(s, owner, q.params, per_page=MAX_PER_PAGE, after_pk=sub.last_event_pk)
            except DomainError:
                refused.append(sub.id)
                continue
            if not res.events and not sub.report_if_empty:
                continue
            max_pk = s.scalar(select(func.max(EpcisEvent.id)).where(
                EpcisEvent.event_id.in_([e["eventID"] for e in res.events]))) if res.events else sub.last_event_pk
            body = json.dumps(query_document(res, query_name=sub.query_name, subscription_id=sub.id),
                              ensure_ascii=False).encode()
            plans.append((sub.id, sub.dest, body, sub.signature_token, int(max_pk or sub.last_event_pk)))
    results = []
    for sub_id in refused:
        with db.session() as s:
            sub = s.get(Subscription, sub_id)
            if sub is not None:
                sub.last_run_at, sub.last_status = now, outbound.FAILED
        results.append({"subscription": sub_id, "ok": False, "status": outbound.FAILED})
    for sub_id, dest, body, token, max_pk in plans:
        headers = {"Content-Type": "application/ld+json", "GS1-EPCIS-Version": E.EPCIS_VERSION,
                   "GS1-CBV-Version": E.CBV_VERSION, "GS1-Signature": signature(token, body)}
        # SSRF guard again at delivery (DNS may have changed since the subscription was made)
        outcome = outbound.post(dest, body, headers, timeout=timeout)
        ok, status = outcome.ok, outcome.status
        with db.session() as s:
            sub = s.get(Subscription, sub_id)
            if sub is not None:
                sub.last_run_at = now
                sub.last_status = status
                if ok:
                    sub.last_event_pk = max(sub.last_event_pk, max_pk)
        results.append({"subscription": sub_id, "ok": ok, "status": status})
    return results


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
