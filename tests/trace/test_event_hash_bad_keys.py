"""A capture whose readPoint is an SGLN URN with letters in its location reference (`6901234.1a2b3.0`, no GS1 key)
answered 500 (ValueError in the event hash's check-digit step, found by the fault-test run); it is an identifier
kept as captured, so the capture succeeds and the event hashes."""

from __future__ import annotations

from tests import factories
from tests.security.test_epcis_subscriptions import LD, event_doc
from zhijian.trace import event_hash


def test_non_numeric_key_parts_are_not_translated() -> None:
    assert event_hash._urn_to_dl("id", "sgln", "6901234.1a2b3.0") is None
    assert event_hash._urn_to_dl("id", "sgln", "6901234.00001.0") == "https://id.gs1.org/414/6901234000016"
    assert event_hash._urn_to_dl("id", "giai", "6901234.ABC-1") == "https://id.gs1.org/8004/6901234ABC-1"


def test_capture_with_a_lettered_sgln_read_point(client, login, db) -> None:  # type: ignore[no-untyped-def]
    uid = factories.uid()
    with db.session() as s:
        ent = factories.enterprise(s)
    doc = event_doc(uid, "S")
    doc["epcisBody"]["eventList"][0]["readPoint"] = {"id": "urn:epc:id:sgln:6901234.1a2b3.0"}
    r = client.post("/epcis/capture", json=doc, headers={**login("enterprise", ent), **LD})
    assert r.status_code == 202, r.text
