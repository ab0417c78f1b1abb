"""EPCIS 2.0 WebSocket subscriptions (issue #16 part 3: "WebSocket subscriptions beside webhooks"; the REST
binding's `GET /queries/{queryName}/events` with `Upgrade: websocket`). A stream carries only what its
subscriber may read (issue #13: a subscription must never deliver another enterprise's events)."""

from __future__ import annotations

import json

import pytest
from starlette.websockets import WebSocketDisconnect

from tests import factories
from zhijian.platform.auth import issue_token
from zhijian.trace import api as trace_api
from zhijian.trace import epcis as E

LD = {"content-type": "application/ld+json"}


@pytest.fixture(autouse=True)
def fast_poll(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(trace_api, "STREAM_POLL_SECONDS", 0.05)


def _enterprise_token(db) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with db.session() as s:
        org = factories.enterprise(s)
        user = factories.user(s, "enterprise", org)
        token, _row, _u = issue_token(s, user.username, "correct horse 1", 60)
    return {"Authorization": f"Bearer {token}"}


def _doc(po: str, n: int) -> dict:
    return {"@context": [E.EPCIS_CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": "2026-03-15T00:00:00Z", "epcisBody": {"eventList": [
                {"type": "ObjectEvent", "eventTime": f"2026-03-0{i + 1}T08:00:00+08:00",
                 "eventTimeZoneOffset": "+08:00", "action": "OBSERVE", "bizStep": "shipping",
                 "epcList": [f"urn:epc:id:sgtin:6901234.000123.{po[-8:]}{i}"],
                 "bizTransactionList": [{"type": "po", "bizTransaction": po}]} for i in range(n)]}}


def test_stream_pushes_own_events_only(client, db) -> None:  # type: ignore[no-untyped-def]
    mine, theirs = _enterprise_token(db), _enterprise_token(db)
    uid = factories.uid()
    name = f"ws_{uid}"
    query = {"EQ_bizStep": "shipping"}
    assert client.post("/epcis/queries", json={"name": name, "query": query}, headers={**mine, **LD}).status_code == 201
    with client.websocket_connect(f"/epcis/queries/{name}/events", headers=mine) as ws:
        # the other enterprise captures matching events first: they must not reach this stream
        assert client.post("/epcis/capture", json=_doc(f"urn:test:po:{uid}other", 2),
                           headers={**theirs, **LD}).status_code == 202
        assert client.post("/epcis/capture", json=_doc(f"urn:test:po:{uid}mine", 3),
                           headers={**mine, **LD}).status_code == 202
        doc = json.loads(ws.receive_text())
        events = doc["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        assert doc["type"] == "EPCISQueryDocument" and doc["epcisBody"]["queryResults"]["queryName"] == name
        assert [e["bizTransactionList"][0]["bizTransaction"] for e in events] == [f"urn:test:po:{uid}mine"] * 3


def test_stream_refuses_without_token_or_query(client, db) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(WebSocketDisconnect) as closed:
        with client.websocket_connect("/epcis/queries/nothing/events") as ws:
            ws.receive_text()
    assert closed.value.code == 1008
    with pytest.raises(WebSocketDisconnect) as closed:
        with client.websocket_connect(f"/epcis/queries/none_{factories.uid()}/events", headers=_enterprise_token(db)) as ws:
            ws.receive_text()
    assert closed.value.code == 1008
