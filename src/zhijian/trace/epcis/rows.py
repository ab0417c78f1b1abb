"""The rows of a capture (事件入库): one event row and one key row (`epcis_event_key`) per new event, its EPC and
attribute index rows (numbered within the event), written set-based — four COPY streams on PostgreSQL, one
multi-row insert per table on MariaDB and SQLite, all inside the capture's transaction (issue #23).

On PostgreSQL the COPY text is built here directly from the prepared events, without a dict per row, and streamed
in chunks while it is built: the server parses and indexes one chunk of event rows while the next one (and its
index rows, `index_event`) is computed, instead of waiting for the whole buffer. The text is exactly what
SQLAlchemy would bind for the same values (UTC datetimes naive, JSON as `json.dumps` writes it), so a row stored by
COPY reads back like one stored by INSERT (tests/trace/test_capture_batch.py)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from zhijian.trace.epcis.index import EventIndex, index_event
from zhijian.trace.models import EpcisAttr, EpcisEpc, EpcisEvent, EpcisEventKey, table_of

EVENT_COLS = ("id", "event_id", "hash_id", "event_type", "event_time", "record_time", "action", "biz_step",
              "disposition", "read_point", "biz_location", "transformation_id", "error_declared", "owner_id",
              "capture_id", "doc", "context")
KEY_COLS = ("event_id", "declared", "hash_id", "event_pk")
EPC_COLS = ("event_pk", "id", "role", "epc", "quantity", "uom")
ATTR_COLS = ("event_pk", "id", "kind", "type", "value", "num")
CHUNK = 100
"""Events per COPY write: about 60 kB of text, small enough for the server to start early, large enough that the
write calls cost nothing."""


@dataclass(slots=True)
class Prepared:
    """One event to store, as far as de-duplication needs it (computed before the database is asked)."""

    event: dict[str, Any]  # as captured
    event_id: str  # the repository's unique key (`epcis_event_key`): the eventID, or the hash ID where none is given
    hash_id: str
    event_time: dt.datetime  # parsed (and refused when invalid) before anything is stored
    doc: dict[str, Any]  # what is stored: the event as captured, without recordTime, with its eventID
    declared: bool = False  # an error declaration (EPCIS 2.0 §7.4.1.2): the key's second part

    @property
    def key(self) -> tuple[str, bool]:
        """The repository's unique key: a declaration is stored beside the event it declares."""
        return self.event_id, self.declared


@dataclass(frozen=True, slots=True)
class Batch:
    """What every event row of one capture shares."""

    record_time: dt.datetime
    owner_id: int | None
    capture_id: str | None
    context: list[Any]


def insert_rows(session: Session, new: Sequence[Prepared], ids: Sequence[int], batch: Batch) -> None:
    """Index and write the rows of the new events (`ids[i]` is the primary key of `new[i]`): COPY on PostgreSQL
    (one round trip per table, no per-row parameter binding), SQLAlchemy's multi-row insert elsewhere (MariaDB:
    multi-row `INSERT … VALUES`; SQLite: one prepared statement stepped per row inside the capture's transaction)."""
    if session.connection().dialect.name == "postgresql":
        copy_rows(session, zip(ids, new, strict=True), batch)
        return
    keys = [{"event_id": p.event_id, "declared": p.declared, "hash_id": p.hash_id, "event_pk": pk}
            for pk, p in zip(ids, new, strict=True)]
    session.execute(insert(table_of(EpcisEventKey)), keys)  # first: a stored eventID fails here, before the rest
    events: list[dict[str, Any]] = []
    epcs: list[dict[str, Any]] = []
    attrs: list[dict[str, Any]] = []
    for pk, p in zip(ids, new, strict=True):
        idx = index_event(p.event, p.event_time)
        events.append(_event_row(pk, p, idx, batch))
        epcs.extend({"event_pk": pk, "id": i, "role": r, "epc": e[:255], "quantity": q, "uom": u}
                    for i, (r, e, q, u) in enumerate(idx.epcs))
        plain = [(k, t[:128], v[:255], None) for k, t, v in idx.attrs]
        attrs.extend({"event_pk": pk, "id": i, "kind": k, "type": t, "value": v, "num": n}
                     for i, (k, t, v, n) in enumerate([*plain, *idx.fields]))
    session.execute(insert(table_of(EpcisEvent)), events)
    if epcs:
        session.execute(insert(table_of(EpcisEpc)), epcs)
    if attrs:
        session.execute(insert(table_of(EpcisAttr)), attrs)


def _event_row(pk: int, p: Prepared, idx: EventIndex, batch: Batch) -> dict[str, Any]:
    return {"id": pk, "event_id": p.event_id, "hash_id": p.hash_id,
            "event_type": idx.event_type, "event_time": idx.event_time, "record_time": batch.record_time,
            "action": idx.action, "biz_step": idx.biz_step, "disposition": idx.disposition,
            "read_point": idx.read_point, "biz_location": idx.biz_location, "transformation_id": idx.transformation_id,
            "error_declared": idx.error_declared, "owner_id": batch.owner_id, "capture_id": batch.capture_id,
            "doc": p.doc, "context": batch.context}


def copy_rows(session: Session, rows: Iterable[tuple[int, Prepared]], batch: Batch) -> int:
    """PostgreSQL: the events `rows` yields (primary key, prepared event), their keys and index rows as four COPY
    streams on the session's own psycopg connection, the event rows written while `rows` is still being consumed
    (the capture prepares each event as it goes); → the number of events written. A COPY error is raised as
    SQLAlchemy would raise it (a stored or concurrently captured eventID → IntegrityError)."""
    import psycopg
    from sqlalchemy.exc import DBAPIError, IntegrityError

    raw = session.connection().connection.driver_connection
    assert raw is not None  # psycopg's connection behind the pool
    text = CopyText(batch)
    sql = copy_statement("epcis_event", EVENT_COLS)
    try:
        with raw.cursor() as cur:
            with cur.copy(sql) as cp:
                for chunk in text.event_chunks(rows):
                    cp.write(chunk)
            for table, cols, lines in (("epcis_event_key", KEY_COLS, text.keys), ("epcis_epc", EPC_COLS, text.epcs),
                                       ("epcis_attr", ATTR_COLS, text.attrs)):
                if lines:
                    sql = copy_statement(table, cols)
                    with cur.copy(sql) as cp:
                        cp.write("".join(lines).encode())
    except psycopg.Error as exc:
        if citus_unique_violation(exc):
            raise IntegrityError(sql, None, exc) from exc
        raise DBAPIError.instance(sql, None, exc, psycopg.Error) from exc
    return text.count


def citus_unique_violation(exc: Exception) -> bool:
    """A unique violation that Citus' COPY into a distributed table reports from a shard as an internal error
    (SQLSTATE XX000 with the shard's message), where a plain server reports 23505: the same stored key."""
    diag = getattr(exc, "diag", None)
    return (getattr(exc, "sqlstate", None) == "XX000" and diag is not None
            and (diag.message_primary or "").startswith("duplicate key value violates unique constraint"))


def copy_statement(table: str, cols: Sequence[str]) -> str:
    return f"COPY {table} ({', '.join(cols)}) FROM STDIN"


# ---------------------------------------------------------------- COPY text format

_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_JSON = json.JSONEncoder().encode  # what json.dumps (and SQLAlchemy's JSON type) writes, without its argument checks


def _text(v: str) -> str:
    """A text value in COPY's text format; most values hold nothing to escape (checked first: cheaper than
    translating every one)."""
    if "\\" in v or "\t" in v or "\n" in v or "\r" in v:
        return v.translate(_ESCAPE)
    return v


def _opt(v: str | None) -> str:
    return "\\N" if v is None else _text(v)


def _num(v: float | int | None) -> str:
    return "\\N" if v is None else str(v)


def _stamp(v: dt.datetime) -> str:
    """A UTC-aware datetime as the naive UTC timestamp UTCDateTime binds."""
    if v.tzinfo is dt.UTC:  # a parsed event time: already UTC, the offset (`+00:00`) cut off
        return v.isoformat(" ")[:-6]
    if v.tzinfo is not None:
        v = v.astimezone(dt.UTC).replace(tzinfo=None)
    return v.isoformat(" ")


def _json(v: Any) -> str:
    return _JSON(v).replace("\\", "\\\\")  # JSON text has no raw tab, newline or CR: only backslashes to double


class CopyText:
    """The COPY text of one capture's rows. `event_chunks(rows)` yields the event rows chunk by chunk and, as it
    goes, indexes each event and appends its key, EPC and attribute lines to `keys`, `epcs` and `attrs` (complete
    once exhausted)."""

    def __init__(self, batch: Batch) -> None:
        self.count = 0
        self.keys: list[str] = []
        self.epcs: list[str] = []
        self.attrs: list[str] = []
        # the columns every row of the capture shares, formatted once
        self._shared = (f"\t{_stamp(batch.record_time)}", f"\t{_num(batch.owner_id)}\t{_opt(batch.capture_id)}\t",
                        f"\t{_json(batch.context)}\n")

    def event_chunks(self, rows: Iterable[tuple[int, Prepared]]) -> Iterator[bytes]:
        lines: list[str] = []
        for pk, p in rows:
            lines.append(self._event_line(pk, p))
            if len(lines) == CHUNK:
                self.count += len(lines)
                yield "".join(lines).encode()
                lines = []
        if lines:
            self.count += len(lines)
            yield "".join(lines).encode()

    def _event_line(self, pk: int, p: Prepared) -> str:
        idx = index_event(p.event, p.event_time)
        key = str(pk)
        event_id, hash_id = _text(p.event_id), _text(p.hash_id)
        self.keys.append(f"{event_id}\t{'t' if p.declared else 'f'}\t{hash_id}\t{key}\n")
        epcs, attrs = self.epcs, self.attrs
        for n, (role, epc, qty, uom) in enumerate(idx.epcs):
            if qty is None and uom is None:  # an identifier (most rows)
                epcs.append(f"{key}\t{n}\t{role}\t{_text(epc[:255])}\t\\N\t\\N\n")
            else:
                epcs.append(f"{key}\t{n}\t{role}\t{_text(epc[:255])}\t{_num(qty)}\t{_opt(uom)}\n")
        for n, (kind, typ, value) in enumerate(idx.attrs):
            attrs.append(f"{key}\t{n}\t{kind}\t{_text(typ[:128])}\t{_text(value[:255])}\t\\N\n")
        first = len(idx.attrs)
        for n, (kind, typ, value, num) in enumerate(idx.fields, first):
            attrs.append(f"{key}\t{n}\t{kind}\t{_text(typ)}\t{_text(value)}\t{_num(num)}\n")
        record_time, owner_capture, context = self._shared
        return (f"{key}\t{event_id}\t{hash_id}\t{_text(idx.event_type)}\t"
                f"{_stamp(idx.event_time)}{record_time}\t{_opt(idx.action)}\t{_opt(idx.biz_step)}\t"
                f"{_opt(idx.disposition)}\t{_opt(idx.read_point)}\t{_opt(idx.biz_location)}\t"
                f"{_opt(idx.transformation_id)}\t{'t' if idx.error_declared else 'f'}{owner_capture}"
                f"{_json(p.doc)}{context}")
