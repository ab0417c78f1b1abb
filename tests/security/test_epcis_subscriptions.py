"""Issue 13, finding 1: an EPCIS subscription delivers only what its owner may read.

enterprise2 subscribed to a named query matching enterprise's events; at capture, enterprise2's listener
received enterprise's whole event because delivery ran the stored query as the system. Now delivery
runs it as the subscriber (the same scope as `GET /epcis/events`), through a real local listener.
"""

from __future__ import annotations

import json

from tests import factories
from tests.security.conftest import Receiver
from zhijian.platform.db import Database
from zhijian.trace import epcis as E
from zhijian.trace import epcis_service
from zhijian.trace.models import Subscription

LD = {"content-type": "application/ld+json"}


def event_doc(uid: str, who: str) -> dict:
    return {"@context": [E.EPCIS_CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": "2026-03-15T00:00:00Z", "epcisBody": {"eventList": [
                {"type": "ObjectEvent", "eventTime": "2026-03-02T09:00:00+08:00", "eventTimeZoneOffset": "+08:00",
                 "action": "OBSERVE", "bizStep": "shipping",
                 "epcList": [f"urn:epc:id:sgtin:6901234.000123.{who}{uid}"],
                 "bizTransactionList": [{"type": "po", "bizTransaction": f"urn:test:po:{uid}"}]}]}}


def _subscribe(client, headers, name: str, uid: str, dest: str):  # type: ignore[no-untyped-def]
    r = client.post("/epcis/queries", json={"name": name, "query": {"EQ_bizTransaction_po": f"urn:test:po:{uid}"}},
                    headers=headers)
    assert r.status_code == 201, r.text
    s = client.post(f"/epcis/queries/{name}/subscriptions", json={"dest": dest, "stream": True}, headers=headers)
    assert s.status_code == 201, s.text
    return s.json()["subscriptionID"]


def test_subscription_delivers_only_the_owners_events(client, db: Database, login, allow_loopback,
                                                      receiver: Receiver):
    uid = factories.uid()
    with db.session() as s:
        ent, ent2 = factories.enterprise(s), factories.enterprise(s)
    h1, h2 = {**login("enterprise", ent), **LD}, {**login("enterprise", ent2), **LD}
    sub1 = _subscribe(client, h1, f"mine_{uid}", uid, receiver.url("/e1"))
    sub2 = _subscribe(client, h2, f"theirs_{uid}", uid, receiver.url("/e2"))
    assert client.post("/epcis/capture", json=event_doc(uid, "A"), headers=h1).status_code == 202
    assert client.post("/epcis/capture", json=event_doc(uid, "B"), headers=h2).status_code == 202
    epcis_service.deliver_subscriptions(db)
    assert receiver.wait_for(lambda: any(f"B{uid}" in b for b in receiver.bodies("/e2"))
                             and any(f"A{uid}" in b for b in receiver.bodies("/e1")))
    epcis_service.deliver_subscriptions(db)
    to_e2 = receiver.bodies("/e2")
    assert to_e2 and all(f"A{uid}" not in b for b in to_e2), "enterprise2 received enterprise's event"
    epcs = [e["epcList"][0] for b in to_e2 for e in json.loads(b)["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]
    assert epcs == [f"urn:epc:id:sgtin:6901234.000123.B{uid}"]
    assert all(f"B{uid}" not in b for b in receiver.bodies("/e1"))
    # the direct query agrees with the delivery (one scoping function)
    got = client.get(f"/epcis/queries/theirs_{uid}/events",  # deliveries keep identifiers as captured
                     headers={**h2, "GS1-EPC-Format": "Never_Translates"}).json()
    assert [e["epcList"][0] for e in got["epcisBody"]["queryResults"]["resultsBody"]["eventList"]] == epcs
    with db.session() as s:
        row = s.get(Subscription, sub2)
        assert row is not None and row.last_status == "delivered" and row.owner_user_id is not None
        assert s.get(Subscription, sub1) is not None


def test_deactivated_subscriber_receives_nothing(client, db: Database, login, allow_loopback, receiver: Receiver):
    """Delivery uses the owner as they are now: a deactivated account gets no more data."""
    from sqlalchemy import select

    from zhijian.platform.models import User

    uid = factories.uid()
    with db.session() as s:
        ent = factories.enterprise(s)
    h = {**login("enterprise", ent), **LD}
    sub = _subscribe(client, h, f"gone_{uid}", uid, receiver.url("/gone"))
    with db.session() as s:
        owner = s.get(Subscription, sub).owner_user_id  # type: ignore[union-attr]
        s.scalar(select(User).where(User.id == owner)).is_active = False  # type: ignore[union-attr]
    hadmin = {**login("admin", None), **LD}
    doc = event_doc(uid, "C")
    assert client.post("/epcis/capture", json=doc, headers=hadmin).status_code == 202
    epcis_service.deliver_subscriptions(db)
    assert receiver.bodies("/gone") == []
    with db.session() as s:
        assert s.get(Subscription, sub).last_status == "failed"  # type: ignore[union-attr]
