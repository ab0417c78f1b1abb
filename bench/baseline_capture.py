"""The lean baseline of the capture figure (issue #23): a raw `COPY` of the same rows into the same tables.

For each EPCIS document, the rows zhijian's capture writes — `epcis_event` (with the JSON document), its key row in
`epcis_event_key`, `epcis_epc` and `epcis_attr` — are built beforehand (untimed) from the same events, with fresh
ids and eventIDs so that they do not collide with what zhijian stored; then each document's four COPY streams run
in one transaction on a plain
psycopg connection. No validation, no hashing, no duplicate check: what the database does for the rows, which is
the ceiling zhijian's capture is measured against in bench/bench_trace.py.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from sqlalchemy.engine import make_url


def prepared_buffers(docs: list[dict[str, Any]], salt: str = "") -> list[list[tuple[str, bytes]]]:
    """Per document: [(COPY statement, text buffer)] for the event, key, EPC and attribute rows (built, not timed), by
    the same code zhijian's capture formats them with (`epcis.rows.CopyText`)."""
    from dataclasses import replace

    from zhijian.platform.db import utcnow
    from zhijian.trace.epcis import EPCIS_CONTEXT, document_events
    from zhijian.trace.epcis import service as S
    from zhijian.trace.epcis.rows import ATTR_COLS, EPC_COLS, EVENT_COLS, KEY_COLS, CopyText, copy_statement

    out = []
    for n, doc in enumerate(docs):
        prepared, _dups = S._prepare(document_events(doc), [EPCIS_CONTEXT])
        rows = [replace(p, event_id="urn:uuid:baseline-" + hashlib.sha256(f"{salt}|{n}|{p.event_id}".encode()).hexdigest())
                for p in prepared]
        text = CopyText(S.Batch(utcnow(), None, None, [EPCIS_CONTEXT]))
        events = b"".join(text.event_chunks(zip(S._new_ids(len(rows)), rows, strict=True)))  # fills the rest
        out.append([(copy_statement(table, cols), data) for table, cols, data in (
            ("epcis_event", EVENT_COLS, events), ("epcis_event_key", KEY_COLS, "".join(text.keys).encode()),
            ("epcis_epc", EPC_COLS, "".join(text.epcs).encode()),
            ("epcis_attr", ATTR_COLS, "".join(text.attrs).encode())) if data])
    return out


def copy_documents(url: str, buffers: list[list[tuple[str, bytes]]]) -> float:
    """COPY each document's buffers in its own transaction; → seconds taken (database work only)."""
    import psycopg

    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as conn:
        t = time.perf_counter()
        for doc in buffers:
            with conn.transaction(), conn.cursor() as cur:
                for sql, data in doc:
                    with cur.copy(sql) as cp:
                        cp.write(data)
        return time.perf_counter() - t
