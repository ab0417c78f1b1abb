"""Revision d8c3f5a1b9e2: the EPCIS repository's unique key moves from epcis_event.dedup_key to a table of its own
(`epcis_event_key`, one row per eventID), and the index rows are keyed by (event_pk, id), so that Citus can
distribute the event with its index rows (issue #23). On real databases: every row survives the upgrade and the
downgrade (on SQLite the event table is rebuilt, and dropping it would have cascaded to its index rows), the key
table holds the first event of each eventID, and the capture then answers a stored eventID as before — the same
content a duplicate, other content 409 — including two captures racing with other content under one eventID,
which the old key (eventID and hash together) let both through."""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.conftest import BACKENDS
from tests.dbs import isolated_url
from zhijian.platform import migrate
from zhijian.platform.auth import SYSTEM
from zhijian.platform.db import Database
from zhijian.trace.epcis import EPCIS_CONTEXT
from zhijian.trace.epcis import rules as E
from zhijian.trace.epcis import service as S

BEFORE = "a9d4e2c81f06"


def _event(n: int, lot: str = "L1") -> dict[str, object]:
    return {"type": "ObjectEvent", "eventTime": f"2026-03-15T08:{n:02d}:00.000Z", "eventTimeZoneOffset": "+08:00",
            "epcList": [f"urn:epc:id:sgtin:0614141.107346.{n}"], "action": "OBSERVE",
            "bizStep": "shipping", "bizTransactionList": [{"type": "po", "bizTransaction": f"urn:po:{lot}"}]}


def _old_rows(conn, pk: int, event_id: str, ev: dict[str, object]) -> None:  # type: ignore[no-untyped-def]
    """An event as the revision before stored it: dedup_key beside it, index rows numbered table-wide."""
    hash_id = E.event_hash_id(ev, E.context_namespaces([EPCIS_CONTEXT]))
    conn.execute(text(
        "INSERT INTO epcis_event (id, event_id, hash_id, dedup_key, event_type, event_time, record_time, action, "
        "biz_step, error_declared, doc, context) VALUES (:id, :eid, :hid, :key, 'ObjectEvent', '2026-03-15 00:00:00', "
        "'2026-03-15 00:00:00', 'OBSERVE', 'shipping', :f, :doc, '[]')"),
        {"id": pk, "eid": event_id, "hid": hash_id, "key": hashlib.sha256(f"{event_id}|{hash_id}".encode()).hexdigest(),
         "f": False, "doc": json.dumps({"eventID": event_id})})
    conn.execute(text("INSERT INTO epcis_epc (event_pk, role, epc) VALUES (:pk, 'epc', :epc)"),
                 {"pk": pk, "epc": f"urn:epc:id:sgtin:0614141.107346.{pk}"})
    conn.execute(text("INSERT INTO epcis_attr (event_pk, kind, type, value) VALUES (:pk, 'bizTransaction', 'po', :v)"),
                 {"pk": pk, "v": f"urn:po:{pk}"})


def _snapshot(db: Database) -> dict[str, list[tuple[object, ...]]]:
    with db.engine.connect() as conn:
        return {"event": [tuple(r) for r in conn.execute(text(
                    "SELECT id, event_id, hash_id FROM epcis_event ORDER BY id"))],
                "epc": [tuple(r) for r in conn.execute(text("SELECT event_pk, role, epc FROM epcis_epc ORDER BY epc"))],
                "attr": [tuple(r) for r in conn.execute(text(
                    "SELECT event_pk, kind, value FROM epcis_attr ORDER BY value"))]}


@pytest.mark.parametrize("backend", BACKENDS)
def test_upgrade_keeps_every_row_and_keys_each_event_id_once(backend: str, tmp_path: Path) -> None:
    with isolated_url(backend, tmp_path) as url:
        migrate.upgrade(url, BEFORE)
        db = Database(url)
        try:
            with db.engine.begin() as conn:
                _old_rows(conn, 11, "urn:uuid:6f0c5a1e-0000-4000-8000-000000000001", _event(1))
                _old_rows(conn, 12, "urn:uuid:6f0c5a1e-0000-4000-8000-000000000002", _event(2))
                _old_rows(conn, 13, "urn:uuid:6f0c5a1e-0000-4000-8000-000000000002", _event(3))  # a race of the old key: other content, one eventID
            before = _snapshot(db)
            migrate.upgrade(url)
            assert _snapshot(db) == before  # every event and index row kept (SQLite: the tables were rebuilt)
            with db.engine.connect() as conn:
                keys = sorted(tuple(r) for r in conn.execute(text("SELECT event_id, event_pk FROM epcis_event_key")))
            assert keys == [("urn:uuid:6f0c5a1e-0000-4000-8000-000000000001", 11), ("urn:uuid:6f0c5a1e-0000-4000-8000-000000000002", 12)]  # the first event of each eventID

            with db.session(SYSTEM) as s:  # a stored eventID: the same content is a duplicate …
                job = S.capture(s, SYSTEM, _doc([{**_event(1), "eventID": "urn:uuid:6f0c5a1e-0000-4000-8000-000000000001"}]))
            assert (job.captured, job.duplicates) == (0, 1)
            with pytest.raises(E.EpcisError) as err, db.session(SYSTEM) as s:  # … other content is refused
                S.capture(s, SYSTEM, _doc([{**_event(9), "eventID": "urn:uuid:6f0c5a1e-0000-4000-8000-000000000001"}]))
            assert err.value.status == 409 and "urn:uuid:6f0c5a1e-0000-4000-8000-000000000001" in err.value.message_en
            with db.session(SYSTEM) as s:  # new events go in with their index rows numbered within the event
                job = S.capture(s, SYSTEM, _doc([{**_event(4), "eventID": "urn:uuid:6f0c5a1e-0000-4000-8000-000000000004"}]))
            assert (job.captured, job.duplicates) == (1, 0)
            with db.engine.connect() as conn:
                rows = conn.execute(text(
                    "SELECT a.id, a.kind FROM epcis_attr a JOIN epcis_event_key k ON k.event_pk = a.event_pk "
                    "WHERE k.event_id = 'urn:uuid:6f0c5a1e-0000-4000-8000-000000000004' ORDER BY a.id")).all()
            assert [r[0] for r in rows] == list(range(len(rows))) and len(rows) >= 1

            after = _snapshot(db)
            migrate.downgrade(url, "d8c3f5a1b9e2-1")  # this revision, not the other rooms'
            assert _snapshot(db) == after  # and back: every row kept, the dedup key computed again
            with db.engine.connect() as conn:
                got = {(r[0], r[1]): r[2] for r in conn.execute(text(
                    "SELECT event_id, hash_id, dedup_key FROM epcis_event"))}
                ids = [r[0] for r in conn.execute(text("SELECT id FROM epcis_epc"))]
            assert got and all(k == hashlib.sha256(f"{e}|{h}".encode()).hexdigest() for (e, h), k in got.items())
            assert len(set(ids)) == len(ids)  # numbered table-wide again: the old key is the id alone
            migrate.upgrade(url)
            assert _snapshot(db) == after
        finally:
            db.dispose()


def _doc(events: list[dict[str, object]]) -> dict[str, object]:
    return {"@context": [EPCIS_CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": "2026-03-15T08:00:00.000Z", "epcisBody": {"eventList": events}}


@pytest.mark.slow
def test_racing_captures_of_other_content_under_one_event_id_store_one(db) -> None:  # type: ignore[no-untyped-def]
    """Two captures at once, each with its own content under one eventID: one is stored, the other refused (409)
    or — MariaDB's gap locks — a deadlock victim whose retry is refused. Under the old key (eventID and hash
    together) both found the eventID free and both were stored: two events under one eventID."""
    from sqlalchemy.exc import IntegrityError, OperationalError

    from zhijian.platform.db import is_unavailable
    from zhijian.trace.models import EpcisEvent

    eid = f"urn:uuid:{uuid.uuid4()}"
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def capture(n: int) -> str:
        with db.session(SYSTEM) as s:
            job = S.capture(s, SYSTEM, _doc([{**_event(n), "eventID": eid}]))
        return f"stored {job.captured}"

    def worker(n: int) -> None:
        barrier.wait()
        for _attempt in range(2):
            try:
                outcomes.append(capture(n))
            except E.EpcisError as exc:
                outcomes.append(f"refused {exc.status}")
            except IntegrityError:
                outcomes.append("conflict")
            except OperationalError as exc:
                if is_unavailable(exc):
                    continue  # transient (a deadlock victim): the API answers 503 and the client retries
                outcomes.append(repr(exc)[:200])
            return

    threads = [threading.Thread(target=worker, args=(n,)) for n in (21, 22)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(outcomes) in (["refused 409", "stored 1"], ["conflict", "stored 1"]), outcomes
    from sqlalchemy import func, select

    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(EpcisEvent).where(EpcisEvent.event_id == eid)) == 1
