"""EPCIS capture at the limit (issue #23): the event, EPC and attribute rows of a capture go in set-based — three
COPY streams on PostgreSQL (no INSERT statement at all), one multi-row insert per table on SQLite and MariaDB —
and what is stored reads back exactly as captured, including values that COPY's text format must escape (tab,
newline, carriage return, backslash, `\\N`), CJK text, floats and absent values."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import event, func, select

from tests import factories
from zhijian.platform.auth import SYSTEM
from zhijian.trace import epcis as E
from zhijian.trace import epcis_service
from zhijian.trace.models import EpcisAttr, EpcisEpc, EpcisEvent

TRICKY = "line1\nline2\ttab\\back\\N \r杭州 “质检” ✓"


def _doc(uid: str, n: int = 1000) -> dict[str, Any]:
    """n events: every 10th an aggregation of the previous 9 units; every event carries an extension field and a
    business transaction (attribute rows); the first event's field holds the tricky text."""
    evs: list[dict[str, Any]] = []
    for i in range(n):
        base = {"eventTime": f"2026-03-01T08:{(i // 60) % 60:02d}:{i % 60:02d}Z", "eventTimeZoneOffset": "+08:00",
                "action": "ADD", "ex:note": TRICKY if i == 0 else f"第{i}件",
                "bizTransactionList": [{"type": "po", "bizTransaction": f"urn:test:po:{uid}"}]}
        if i % 10 == 9:
            evs.append({**base, "type": "AggregationEvent", "bizStep": "packing",
                        "parentID": f"https://id.gs1.org/00/3690123{i:010d}",
                        "childEPCs": [f"https://id.gs1.org/01/06901234567892/21/{uid}{j}" for j in range(i - 9, i)]})
        else:
            evs.append({**base, "type": "ObjectEvent", "bizStep": "commissioning", "disposition": "active",
                        "epcList": [f"https://id.gs1.org/01/06901234567892/21/{uid}{i}"],
                        "quantityList": [{"epcClass": f"https://id.gs1.org/01/06901234567892/10/{uid}",
                                          "quantity": 2.5, "uom": "KGM"}] if i == 1 else [],
                        "bizLocation": {"id": "https://id.gs1.org/414/6901234000019"}})
    return {"@context": [E.EPCIS_CONTEXT, {"ex": "https://example.cn/ns/"}], "type": "EPCISDocument",
            "schemaVersion": "2.0", "creationDate": "2026-03-01T00:00:00Z", "epcisBody": {"eventList": evs}}


def _inserts(db, fn) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    """(statement head, parameter sets) of every INSERT that went through SQLAlchemy while `fn` ran."""
    seen: list[tuple[str, int]] = []

    def spy(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("INSERT"):
            seen.append((statement.split("(")[0].strip(), len(parameters) if executemany else 1))

    event.listen(db.engine, "before_cursor_execute", spy)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", spy)
    return seen


def test_capture_of_1000_events_is_set_based_and_reads_back_exactly(db):
    uid = factories.uid()
    doc = _doc(uid)

    def run() -> None:
        with db.session(SYSTEM) as s:
            job = epcis_service.capture(s, SYSTEM, doc)
            assert (job.captured, job.duplicates) == (1000, 0)

    inserts = [i for i in _inserts(db, run) if "epcis_capture_job" not in i[0]]
    if db.backend == "postgresql":
        assert inserts == []  # events, EPCs and attributes all went in by COPY
    else:  # one executemany per table (SQLAlchemy batches them into multi-row VALUES where the driver allows)
        assert sorted({h.split()[-1] for h, _n in inserts}) == ["epcis_attr", "epcis_epc", "epcis_event",
                                                                "epcis_event_key"]
        assert sum(n for h, n in inserts if h.endswith("epcis_event")) == 1000
        assert sum(n for h, n in inserts if h.endswith("epcis_event_key")) == 1000
    with db.session() as s:
        stored = {e.event_id: e for e in s.scalars(select(EpcisEvent).where(
            EpcisEvent.id.in_(select(EpcisAttr.event_pk).where(EpcisAttr.value == f"urn:test:po:{uid}"))))}
        assert len(stored) == 1000
        ns = E.context_namespaces(doc["@context"])
        by_hash = {e.hash_id: e for e in stored.values()}
        for ev in doc["epcisBody"]["eventList"]:
            row = by_hash[E.event_hash_id(ev, ns)]
            assert {k: v for k, v in row.doc.items() if k != "eventID"} == ev
            assert row.event_time.tzinfo is not None and row.record_time.tzinfo is not None
        first = by_hash[E.event_hash_id(doc["epcisBody"]["eventList"][0], ns)]
        assert first.doc["ex:note"] == TRICKY
        assert first.context == doc["@context"] and first.error_declared is False and first.owner_id is None
        pks = [e.id for e in stored.values()]
        epcs = s.execute(select(EpcisEpc.role, func.count()).where(EpcisEpc.event_pk.in_(pks))
                         .group_by(EpcisEpc.role)).all()
        # 900 ObjectEvents × 1 EPC (+ one quantity element), 100 aggregations × (1 parent + 9 children)
        assert dict(epcs) == {"epc": 900, "parent": 100, "child": 900, "epcClass": 1}
        qty = s.execute(select(EpcisEpc.quantity, EpcisEpc.uom).where(EpcisEpc.event_pk.in_(pks),
                                                                      EpcisEpc.role == "epcClass")).one()
        assert tuple(qty) == (2.5, "KGM")
        note = s.scalar(select(EpcisAttr.value).where(EpcisAttr.event_pk == first.id, EpcisAttr.value == TRICKY))
        assert note == TRICKY  # the queryable field row, escaped through COPY and back


def test_recapture_counts_duplicates_and_writes_nothing(db):
    doc = _doc(factories.uid(), 50)
    with db.session(SYSTEM) as s:
        assert epcis_service.capture(s, SYSTEM, doc).captured == 50
    with db.session(SYSTEM) as s:
        job = epcis_service.capture(s, SYSTEM, doc)
    assert (job.captured, job.duplicates) == (0, 50)


@pytest.mark.slow
def test_concurrent_identical_captures_store_each_event_once(db):
    """Two workers capture the same 1,000-event document at once: each event is stored once; the loser either
    saw the winner's rows (all duplicates), hit the eventID key (IntegrityError → 409 in the API) or — on
    MariaDB, whose unique-index gap locks make two such inserts deadlock — was chosen as the deadlock victim (seen
    as 1213, or as 1305 "SAVEPOINT … does not exist" when the victim was inside a savepoint), a
    transient failure the API answers 503 + Retry-After (`platform.db.is_unavailable`); its retry then stores
    nothing new. (Until that outcome was counted, the victim's thread died unseen: "one result went missing".)"""
    from sqlalchemy.exc import IntegrityError, OperationalError

    from zhijian.platform.db import is_unavailable

    uid = factories.uid()
    doc = _doc(uid)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def capture() -> str:
        with db.session(SYSTEM) as s:
            job = epcis_service.capture(s, SYSTEM, doc)
        return f"stored {job.captured}"

    def worker() -> None:
        barrier.wait()
        try:
            outcomes.append(capture())
        except IntegrityError:
            outcomes.append("conflict")
        except OperationalError as exc:
            if not is_unavailable(exc):  # a deadlock victim is transient: 503 in the API, worth retrying
                outcomes.append(repr(exc)[:300])
                return
            outcomes.append(f"transient, retried: {capture()}")
        except BaseException as exc:  # noqa: BLE001 — recorded, so that no outcome goes missing
            outcomes.append(repr(exc)[:300])

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert not any(t.is_alive() for t in threads), f"a capture still runs after 300 s: {outcomes}"
    assert sorted(outcomes) in (["conflict", "stored 1000"], ["stored 0", "stored 1000"],
                                ["stored 1000", "transient, retried: stored 0"]), outcomes
    with db.session() as s:
        n = s.scalar(select(func.count()).select_from(EpcisAttr).where(EpcisAttr.value == f"urn:test:po:{uid}"))
    assert n == 1000
