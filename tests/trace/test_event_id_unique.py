"""One eventID, one event (issue #16, integrity finding: two different events with the same eventID were
both stored). The same eventID with the same content (same CBV 2.0 §8.9 hash) is an idempotent repeat; the
same eventID on different content is 409 ResourceAlreadyExistsException (the REST binding's exception for an
existing resource), in one document and against what the repository holds."""

from __future__ import annotations

from tests import factories
from zhijian.trace import epcis as E

LD = {"content-type": "application/ld+json"}


def _event(uid: str, step: str = "shipping") -> dict:
    return {"type": "ObjectEvent", "eventID": f"urn:uuid:{uid}", "eventTime": "2026-03-02T09:00:00+08:00",
            "eventTimeZoneOffset": "+08:00", "action": "OBSERVE", "bizStep": step,
            "epcList": [f"urn:epc:id:sgtin:6901234.000123.{uid[:8]}"]}


def _doc(*events: dict) -> dict:
    return {"@context": [E.EPCIS_CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": "2026-03-15T00:00:00Z", "epcisBody": {"eventList": list(events)}}


def _count(client, headers, uid: str) -> int:  # type: ignore[no-untyped-def]
    r = client.get("/epcis/events", headers=headers, params={"EQ_eventID": f"urn:uuid:{uid}"})
    assert r.status_code == 200, r.text
    return len(r.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"])


def test_same_id_same_content_is_idempotent_different_content_conflicts(client, admin_token) -> None:
    headers = {**admin_token, **LD}
    uid = factories.uid() + "-0000-4000-8000-000000000001"
    r = client.post("/epcis/capture", json=_doc(_event(uid)), headers=headers)
    assert r.status_code == 202 and r.json()["capturedEvents"] == 1, r.text
    again = client.post("/epcis/capture", json=_doc(_event(uid)), headers=headers)
    assert again.status_code == 202 and again.json()["capturedEvents"] == 0, again.text
    other = client.post("/epcis/capture", json=_doc(_event(uid, "receiving")), headers=headers)
    assert other.status_code == 409, other.text
    assert other.headers["content-type"].startswith("application/problem+json")
    assert other.json()["type"] == "epcisException:ResourceAlreadyExistsException"
    one = client.post("/epcis/events", json={"@context": [E.EPCIS_CONTEXT], **_event(uid, "receiving")},
                      headers=headers)
    assert one.status_code == 409, one.text
    assert _count(client, headers, uid) == 1


def test_conflict_inside_one_document_stores_nothing(client, admin_token) -> None:
    headers = {**admin_token, **LD}
    uid = factories.uid() + "-0000-4000-8000-000000000002"
    r = client.post("/epcis/capture", json=_doc(_event(uid), _event(uid, "receiving")), headers=headers)
    assert r.status_code == 409, r.text
    assert _count(client, headers, uid) == 0
