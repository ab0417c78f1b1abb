"""Issue 13 (jurisdiction): EPCIS events are read by division. Every staff role used to read every enterprise's
events (`read_scope` returned "all" for admin, regulator and association alike): a city bureau listed the events
of enterprises in other provinces. Now a regional regulator reads the events captured by organisations in its
division; tracing one unit still follows its chain across divisions (跨区域联合打假); SAMR reads everything."""

from __future__ import annotations

from tests import factories
from tests.security.test_epcis_subscriptions import LD, event_doc
from zhijian.platform.db import Database

NT = {"GS1-EPC-Format": "Never_Translates"}


def _epcs(client, headers, uid: str) -> set[str]:  # type: ignore[no-untyped-def]
    r = client.get("/epcis/events", params={"EQ_bizTransaction_po": f"urn:test:po:{uid}", "perPage": 100},
                   headers={**headers, **NT})
    assert r.status_code == 200, r.text
    return {e["epcList"][0] for e in r.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]}


def test_regulators_read_events_of_their_division(client, db: Database, login) -> None:  # type: ignore[no-untyped-def]
    uid = factories.uid()
    with db.session() as s:
        hz_ent, gd_ent = factories.enterprise(s, region="330106"), factories.enterprise(s, region="440305")
        hz_reg = factories.regulator(s, level="municipal", region="330100")
        gd_reg = factories.regulator(s, level="provincial", region="440000")
        samr = factories.regulator(s, level="national", region="110000")
    assert client.post("/epcis/capture", json=event_doc(uid, "HZ"),
                       headers={**login("enterprise", hz_ent), **LD}).status_code == 202
    assert client.post("/epcis/capture", json=event_doc(uid, "GD"),
                       headers={**login("enterprise", gd_ent), **LD}).status_code == 202
    hz_epc, gd_epc = f"urn:epc:id:sgtin:6901234.000123.HZ{uid}", f"urn:epc:id:sgtin:6901234.000123.GD{uid}"
    hz_h, gd_h, samr_h = login("regulator", hz_reg), login("regulator", gd_reg), login("regulator", samr)
    assert _epcs(client, hz_h, uid) == {hz_epc}  # was both: the city bureau read 深圳's supply chain
    assert _epcs(client, gd_h, uid) == {gd_epc}
    assert _epcs(client, samr_h, uid) == {hz_epc, gd_epc}
    assert _epcs(client, login("admin"), uid) == {hz_epc, gd_epc}
    # the resource lists follow the same scope
    r = client.get("/epcis/epcs", headers={**hz_h, **NT})
    assert r.status_code == 200 and gd_epc not in r.text
    # a named query run by the city bureau returns its division only
    name = f"hz_{uid}"
    assert client.post("/epcis/queries", json={"name": name, "query": {"EQ_bizTransaction_po": f"urn:test:po:{uid}"}},
                       headers={**hz_h, **LD}).status_code == 201
    got = client.get(f"/epcis/queries/{name}/events", headers={**hz_h, **NT}).json()
    assert [e["epcList"][0] for e in got["epcisBody"]["queryResults"]["resultsBody"]["eventList"]] == [hz_epc]
    # another division's query is not even visible
    assert client.get(f"/epcis/queries/{name}", headers=hz_h).status_code == 200
    assert client.get(f"/epcis/queries/{name}", headers=gd_h).status_code == 404
