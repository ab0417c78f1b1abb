"""The rows of a capture (事件入库): one event row per new event, its EPC and attribute index rows, written
set-based — three COPY streams on PostgreSQL, one multi-row insert per table on MariaDB and SQLite, all inside the
capture's transaction (issue #23).

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
from zhijian.trace.models import EpcisAttr, EpcisEpc, EpcisEvent, table_of

EVENT_COLS = ("id", "event_id", "hash_id", "dedup_key", "event_type", "event_time", "record_time", "action", "biz_step",
              "disposition", "read_point", "biz_location", "transformation_id", "error_declared", "owner_id",
              "capture_id", "doc", "context")
EPC_COLS = ("event_pk", "role", "epc", "quantity", "uom")
ATTR_COLS = ("event_pk", "kind", "type", "value", "num")
CHUNK = 100
"""Events per COPY write: about 60 kB of text, small enough for the server to start early, large enough that the
write calls cost nothing."""


@dataclass(slots=True)
class Prepared:
    """One event to store, as far as de-duplication needs it (computed before the database is asked)."""

    event: dict[str, Any]  # as captured
    event_id: str
    hash_id: str
    dedup_key: str  # sha256(eventID | hash ID): the unique key of a stored event
    event_time: dt.datetime  # parsed (and refused when invalid) before anything is stored
    doc: dict[str, Any]  # what is stored: the event as captured, without recordTime, with its eventID


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
    events: list[dict[str, Any]] = []
    epcs: list[dict[str, Any]] = []
    attrs: list[dict[str, Any]] = []
    for pk, p in zip(ids, new, strict=True):
        idx = index_event(p.event, p.event_time)
        events.append(_event_row(pk, p, idx, batch))
        epcs.extend({"event_pk": pk, "role": r, "epc": e[:255], "quantity": q, "uom": u} for r, e, q, u in idx.epcs)
        attrs.extend({"event_pk": pk, "kind": k, "type": t[:128], "value": v[:255], "num": None}
                     for k, t, v in idx.attrs)
        attrs.extend({"event_pk": pk, "kind": k, "type": t, "value": v, "num": n} for k, t, v, n in idx.fields)
    session.execute(insert(table_of(EpcisEvent)), events)
    if epcs:
        session.execute(insert(table_of(EpcisEpc)), epcs)
    if attrs:
        session.execute(insert(table_of(EpcisAttr)), attrs)


def _event_row(pk: int, p: Prepared, idx: EventIndex, batch: Batch) -> dict[str, Any]:
    return {"id": pk, "event_id": p.event_id, "hash_id": p.hash_id, "dedup_key": p.dedup_key,
            "event_type": idx.event_type, "event_time": idx.event_time, "record_time": batch.record_time,
            "action": idx.action, "biz_step": idx.biz_step, "disposition": idx.disposition,
            "read_point": idx.read_point, "biz_location": idx.biz_location, "transformation_id": idx.transformation_id,
            "error_declared": idx.error_declared, "owner_id": batch.owner_id, "capture_id": batch.capture_id,
            "doc": p.doc, "context": batch.context}


def copy_rows(session: Session, rows: Iterable[tuple[int, Prepared]], batch: Batch) -> int:
    """PostgreSQL: the events `rows` yields (primary key, prepared event) and their index rows as three COPY
    streams on the session's own psycopg connection, the event rows written while `rows` is still being consumed
    (the capture prepares each event as it goes); → the number of events written. A COPY error is raised as
    SQLAlchemy would raise it (an existing or concurrent dedup key → IntegrityError)."""
    import psycopg
    from sqlalchemy.exc import DBAPIError

    raw = session.connection().connection.driver_connection
    assert raw is not None  # psycopg's connection behind the pool
    text = CopyText(batch)
    sql = copy_statement("epcis_event", EVENT_COLS)
    try:
        with raw.cursor() as cur:
            with cur.copy(sql) as cp:
                for chunk in text.event_chunks(rows):
                    cp.write(chunk)
            for table, cols, lines in (("epcis_epc", EPC_COLS, text.epcs), ("epcis_attr", ATTR_COLS, text.attrs)):
                if lines:
                    sql = copy_statement(table, cols)
                    with cur.copy(sql) as cp:
                        cp.write("".join(lines).encode())
    except psycopg.Error as exc:
        raise DBAPIError.instance(sql, None, exc, psycopg.Error) from exc
    return text.count


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
    goes, indexes each event and appends its EPC and attribute lines to `epcs` and `attrs` (complete once
    exhausted)."""

    def __init__(self, batch: Batch) -> None:
        self.count = 0
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
        epcs, attrs = self.epcs, self.attrs
        for role, epc, qty, uom in idx.epcs:
            if qty is None and uom is None:  # an identifier (most rows)
                epcs.append(f"{key}\t{role}\t{_text(epc[:255])}\t\\N\t\\N\n")
            else:
                epcs.append(f"{key}\t{role}\t{_text(epc[:255])}\t{_num(qty)}\t{_opt(uom)}\n")
        for kind, typ, value in idx.attrs:
            attrs.append(f"{key}\t{kind}\t{_text(typ[:128])}\t{_text(value[:255])}\t\\N\n")
        for kind, typ, value, num in idx.fields:
            attrs.append(f"{key}\t{kind}\t{_text(typ)}\t{_text(value)}\t{_num(num)}\n")
        record_time, owner_capture, context = self._shared
        return (f"{key}\t{_text(p.event_id)}\t{_text(p.hash_id)}\t{p.dedup_key}\t{_text(idx.event_type)}\t"
                f"{_stamp(idx.event_time)}{record_time}\t{_opt(idx.action)}\t{_opt(idx.biz_step)}\t"
                f"{_opt(idx.disposition)}\t{_opt(idx.read_point)}\t{_opt(idx.biz_location)}\t"
                f"{_opt(idx.transformation_id)}\t{'t' if idx.error_declared else 'f'}{owner_capture}"
                f"{_json(p.doc)}{context}")
