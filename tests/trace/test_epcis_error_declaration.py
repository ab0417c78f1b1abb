"""Error declarations (EPCIS 2.0 §7.4.1.2, "Error declaration"): an event found wrong is never edited; the capturing
application captures it again — the same eventID, the same content — with an `errorDeclaration` (declarationTime,
a CBV reason such as `did_not_occur`, optional correctiveEventIDs). The CBV event hash leaves errorDeclaration out
(CBV 2.0 §8.9), so the declaration hashes like the event it declares.

Found on main: the repository keyed one event per eventID, so the declaration was counted as a duplicate of the
original and dropped (`capturedEvents` 0, `duplicateEvents` 1) — the correction was lost, `EXISTS_errorDeclaration`
never found it, and a unit's trace and its lot's recall scope still counted the wrongly recorded sale. Now the key
is (eventID, declared): the declaration is stored beside the original, a repeat of it is a duplicate, a declaration
on other content is refused like any other content under a stored eventID (409), and the trace graph leaves an event
declared in error (and its declaration) out."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import text

from tests import factories
from tests.conftest import BACKENDS
from tests.dbs import isolated_url
from tests.trace.conftest import issue_lot
from zhijian.platform import migrate
from zhijian.platform.auth import SYSTEM, Actor
from zhijian.platform.db import Database
from zhijian.trace import epcis as E
from zhijian.trace import epcis_service, service

STORE = "https://id.gs1.org/414/6901234000033"


LD = {"content-type": "application/ld+json"}


def _doc(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {"@context": [E.EPCIS_CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": "2026-03-06T00:00:00Z", "epcisBody": {"eventList": events}}


def _sale(unit: str, event_id: str) -> dict[str, Any]:
    return {"type": "ObjectEvent", "eventID": event_id, "eventTime": "2026-03-06T15:00:00+08:00",
            "eventTimeZoneOffset": "+08:00", "action": "OBSERVE", "bizStep": "retail_selling",
            "disposition": "retail_sold", "epcList": [unit], "bizLocation": {"id": STORE}}


def _declared(event: dict[str, Any]) -> dict[str, Any]:
    return {**event, "errorDeclaration": {"declarationTime": "2026-03-07T09:00:00+08:00", "reason": "did_not_occur"}}


def test_a_declaration_is_stored_beside_the_event_it_declares(db) -> None:  # type: ignore[no-untyped-def]
    lot = issue_lot(db, quantity=2)
    unit = f"https://id.gs1.org/01/{lot.gtin}/21/{lot.serials[0]}"
    eid = f"urn:uuid:{uuid.uuid4()}"
    with db.session(SYSTEM) as s:
        commissioned = {**_sale(unit, f"urn:uuid:{uuid.uuid4()}"), "eventTime": "2026-03-01T08:00:00+08:00",
                        "action": "ADD", "bizStep": "commissioning", "disposition": "active"}
        job = epcis_service.capture(s, SYSTEM, _doc([commissioned, _sale(unit, eid)]))
        assert (job.captured, job.duplicates) == (2, 0)
        assert service.lot_scope(s, gtin=lot.gtin, lot=lot.lot)["sold"] == 1
    with db.session(SYSTEM) as s:  # old code: (0, 1) — the declaration dropped as a duplicate
        job = epcis_service.capture(s, SYSTEM, _doc([_declared(_sale(unit, eid))]))
        assert (job.captured, job.duplicates) == (1, 0)
    with db.session(SYSTEM) as s:  # the same declaration again is a duplicate
        job = epcis_service.capture(s, SYSTEM, _doc([_declared(_sale(unit, eid))]))
        assert (job.captured, job.duplicates) == (0, 1)
    with db.session(SYSTEM) as s:
        both = epcis_service.query_events(s, SYSTEM, {"EQ_eventID": [eid]}).events
        assert sorted("errorDeclaration" in ev for ev in both) == [False, True]
        declared = epcis_service.query_events(s, SYSTEM, {"EQ_eventID": [eid], "EXISTS_errorDeclaration": [""]}).events
        assert [ev["errorDeclaration"]["reason"] for ev in declared] == ["did_not_occur"]
        # the sale did not occur: neither the unit's trace nor the lot's recall scope counts it any more
        steps = [e["biz_step"] for e in service.trace_unit(s, SYSTEM, unit)["events"]]
        assert "retail_selling" not in steps and "commissioning" in steps
        assert service.lot_scope(s, gtin=lot.gtin, lot=lot.lot)["sold"] == 0


def test_a_declaration_on_other_content_is_refused(db) -> None:  # type: ignore[no-untyped-def]
    lot = issue_lot(db, quantity=2)
    unit = f"https://id.gs1.org/01/{lot.gtin}/21/{lot.serials[0]}"
    other = f"https://id.gs1.org/01/{lot.gtin}/21/{lot.serials[1]}"
    eid = f"urn:uuid:{uuid.uuid4()}"
    with db.session(SYSTEM) as s:
        epcis_service.capture(s, SYSTEM, _doc([_sale(unit, eid)]))
    with pytest.raises(E.EpcisError) as err, db.session(SYSTEM) as s:
        epcis_service.capture(s, SYSTEM, _doc([_declared(_sale(other, eid))]))
    assert err.value.status == 409 and eid in err.value.message_en
    with db.session(SYSTEM) as s:
        assert len(epcis_service.query_events(s, SYSTEM, {"EQ_eventID": [eid]}).events) == 1


def test_a_declaration_captured_first_and_in_one_document(db) -> None:  # type: ignore[no-untyped-def]
    """Order does not matter: a declaration may arrive before the event (another capture path), or with it."""
    lot = issue_lot(db, quantity=2)
    unit = f"https://id.gs1.org/01/{lot.gtin}/21/{lot.serials[1]}"
    first, together = f"urn:uuid:{uuid.uuid4()}", f"urn:uuid:{uuid.uuid4()}"
    with db.session(SYSTEM) as s:
        assert epcis_service.capture(s, SYSTEM, _doc([_declared(_sale(unit, first))])).captured == 1
        assert epcis_service.capture(s, SYSTEM, _doc([_sale(unit, first)])).captured == 1
        job = epcis_service.capture(s, SYSTEM, _doc([_sale(unit, together), _declared(_sale(unit, together))]))
        assert (job.captured, job.duplicates) == (2, 0)
        for eid in (first, together):
            assert len(epcis_service.query_events(s, SYSTEM, {"EQ_eventID": [eid]}).events) == 2
        assert service.lot_scope(s, gtin=lot.gtin, lot=lot.lot)["sold"] == 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_revision_marks_a_stored_declaration_and_goes_back(backend: str, tmp_path: Path) -> None:
    """Revision a4c7e9f2d1b6 on each real database: a key row whose event is a declaration (one captured before
    the event it declares) is marked `declared`; after the upgrade the event it declares goes in beside it; the
    downgrade keeps one key row per eventID (the event's) and every event row."""
    eid, plain = f"urn:uuid:{uuid.uuid4()}", f"urn:uuid:{uuid.uuid4()}"
    with isolated_url(backend, tmp_path) as url:
        migrate.upgrade(url, "d8c3f5a1b9e2")
        db = Database(url)
        try:
            with db.engine.begin() as conn:
                for pk, event_id, declared in ((21, eid, True), (22, plain, False)):
                    conn.execute(text(
                        "INSERT INTO epcis_event (id, event_id, hash_id, event_type, event_time, record_time, action, "
                        "biz_step, error_declared, doc, context) VALUES (:id, :eid, 'ni:///h', 'ObjectEvent', "
                        "'2026-03-15 00:00:00', '2026-03-15 00:00:00', 'OBSERVE', 'shipping', :d, '{}', '[]')"),
                        {"id": pk, "eid": event_id, "d": declared})
                    conn.execute(text("INSERT INTO epcis_event_key (event_id, hash_id, event_pk) "
                                      "VALUES (:eid, 'ni:///h', :pk)"), {"eid": event_id, "pk": pk})
            migrate.upgrade(url)
            with db.engine.begin() as conn:
                keys = sorted((r[0], bool(r[1])) for r in conn.execute(text(
                    "SELECT event_pk, declared FROM epcis_event_key")))
                assert keys == [(21, True), (22, False)]
                conn.execute(text("INSERT INTO epcis_event_key (event_id, declared, hash_id, event_pk) "
                                  "VALUES (:eid, :f, 'ni:///h', 23)"), {"eid": eid, "f": False})
            migrate.downgrade(url, "a4c7e9f2d1b6-1")
            with db.engine.connect() as conn:
                keys = sorted(tuple(r) for r in conn.execute(text("SELECT event_id, event_pk FROM epcis_event_key")))
                events = conn.scalar(text("SELECT COUNT(*) FROM epcis_event"))
            assert keys == sorted([(eid, 23), (plain, 22)]) and events == 2
        finally:
            db.dispose()


def test_the_rest_binding_answers_the_declaration(db, client, admin_token) -> None:  # type: ignore[no-untyped-def]
    """POST /capture and POST /events take the declaration (old code: `duplicateEvents` 1 and the original back);
    GET /events/{eventID} then answers the declaration, which repeats the event and says what was wrong."""
    lot = issue_lot(db, quantity=1)
    unit = f"https://id.gs1.org/01/{lot.gtin}/21/{lot.serials[0]}"
    eid = f"urn:uuid:{uuid.uuid4()}"
    headers = {**admin_token, **LD}
    assert client.post("/epcis/capture", json=_doc([_sale(unit, eid)]), headers=headers).status_code == 202
    r = client.get(f"/epcis/events/{quote(eid, safe='')}", headers=headers)
    assert r.status_code == 200 and "errorDeclaration" not in r.json()
    r = client.post("/epcis/events", json={"@context": [E.EPCIS_CONTEXT], **_declared(_sale(unit, eid))},
                    headers=headers)
    assert r.status_code == 201, r.text
    r = client.get(f"/epcis/events/{quote(eid, safe='')}", headers=headers)
    assert r.status_code == 200 and r.json()["errorDeclaration"]["reason"] == "did_not_occur"
    r = client.get("/epcis/events", headers=headers, params={"EQ_eventID": eid})
    listed = r.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert sorted("errorDeclaration" in ev for ev in listed) == [False, True]


def _two_enterprises(db) -> tuple[Actor, Actor]:  # type: ignore[no-untyped-def]
    with db.session(SYSTEM) as s:
        a, b = factories.enterprise(s).id, factories.enterprise(s).id
    return Actor(None, "ent-a", "enterprise", a), Actor(None, "ent-b", "enterprise", b)


def test_only_the_organisation_that_captured_an_event_declares_it(db) -> None:  # type: ignore[no-untyped-def]
    """Many organisations share one repository and one eventID space. Found on main: another enterprise's
    "declaration" of a's sale was stored under its own name (captured 1); it superseded nothing, but it held the
    declaration key, so a's own declaration was then counted as its duplicate and dropped (0, 1), and the sale that
    did not occur stayed in the lot's recall scope. Now the other enterprise is refused (403 SecurityException)."""
    lot = issue_lot(db, quantity=1)
    unit = f"https://id.gs1.org/01/{lot.gtin}/21/{lot.serials[0]}"
    eid = f"urn:uuid:{uuid.uuid4()}"
    a, b = _two_enterprises(db)
    with db.session(SYSTEM) as s:
        assert epcis_service.capture(s, a, _doc([_sale(unit, eid)])).captured == 1
    with pytest.raises(E.EpcisError) as err, db.session(SYSTEM) as s:
        epcis_service.capture(s, b, _doc([_declared(_sale(unit, eid))]))
    assert err.value.status == 403 and err.value.extra["type"] == "epcisException:SecurityException"
    assert eid in err.value.message_en
    with db.session(SYSTEM) as s:
        job = epcis_service.capture(s, a, _doc([_declared(_sale(unit, eid))]))
        assert (job.captured, job.duplicates) == (1, 0)
        assert service.lot_scope(s, gtin=lot.gtin, lot=lot.lot)["sold"] == 0
        assert epcis_service.query_events(s, b, {"EQ_eventID": [eid]}).events == []


def test_a_declaration_captured_early_by_another_gives_way_to_the_owners(db) -> None:  # type: ignore[no-untyped-def]
    """A declaration may come before its event, so whose it is shows only later. Found on main: b's early
    declaration held the key, and a's own declaration of a's event was dropped as its duplicate (0, 1). Now the
    key moves to a's declaration; b's row is kept, and b alone reads it."""
    lot = issue_lot(db, quantity=1)
    unit = f"https://id.gs1.org/01/{lot.gtin}/21/{lot.serials[0]}"
    eid = f"urn:uuid:{uuid.uuid4()}"
    a, b = _two_enterprises(db)
    with db.session(SYSTEM) as s:
        assert epcis_service.capture(s, b, _doc([_declared(_sale(unit, eid))])).captured == 1
        assert epcis_service.capture(s, a, _doc([_sale(unit, eid)])).captured == 1
        job = epcis_service.capture(s, a, _doc([_declared(_sale(unit, eid))]))
        assert (job.captured, job.duplicates) == (1, 0)
        again = epcis_service.capture(s, a, _doc([_declared(_sale(unit, eid))]))
        assert (again.captured, again.duplicates) == (0, 1)
        assert service.lot_scope(s, gtin=lot.gtin, lot=lot.lot)["sold"] == 0
        mine = epcis_service.query_events(s, a, {"EQ_eventID": [eid]}).events
        assert sorted("errorDeclaration" in ev for ev in mine) == [False, True]
        theirs = epcis_service.query_events(s, b, {"EQ_eventID": [eid]}).events
        assert ["errorDeclaration" in ev for ev in theirs] == [True]


def test_the_rest_binding_refuses_another_organisations_declaration(db, client, login) -> None:  # type: ignore[no-untyped-def]
    """POST /events: 403 problem+json, type epcisException:SecurityException; GET /events/{eventID} still
    answers the owner's event (old code: 201, and the other enterprise's row stored)."""
    lot = issue_lot(db, quantity=1)
    unit = f"https://id.gs1.org/01/{lot.gtin}/21/{lot.serials[0]}"
    eid = f"urn:uuid:{uuid.uuid4()}"
    with db.session() as s:
        ent_a, ent_b = factories.enterprise(s), factories.enterprise(s)
    a, b = {**login("enterprise", ent_a), **LD}, {**login("enterprise", ent_b), **LD}
    r = client.post("/epcis/events", json={"@context": [E.EPCIS_CONTEXT], **_sale(unit, eid)}, headers=a)
    assert r.status_code == 201, r.text
    r = client.post("/epcis/events", json={"@context": [E.EPCIS_CONTEXT], **_declared(_sale(unit, eid))},
                    headers=b)
    assert r.status_code == 403, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"] == "epcisException:SecurityException"
    r = client.get(f"/epcis/events/{quote(eid, safe='')}", headers=a)
    assert r.status_code == 200 and "errorDeclaration" not in r.json()
