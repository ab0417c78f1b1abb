"""SimpleEventQuery beyond the core parameters (issue #16: "ILMD, extension-field, EQ_INNER_, EXISTS_,
sensor (GE_value, EQ_type, …), EQ_persistentDisposition_* and GE_errorDeclarationTime filters are refused").
Parameter forms are those of GS1's EPCIS 2.0 query schema (github gs1/EPCIS, JSON-Schema/
EPCIS-Query-JSON-Schema-root.json, commit 2b888be): e.g. `^EQ_ILMD_[a-z][a-zA-Z0-9]*:\\w+$`,
`^GE_value_[A-Z0-9]{2,4}$`, `EQ_persistentDisposition_set`, `GE_errorDeclarationTime`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import factories
from zhijian.trace import epcis as E

LD = {"content-type": "application/ld+json"}
EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "gs1-epcis" / "examples"


def _doc(uid: str) -> dict:
    po = {"type": "po", "bizTransaction": f"urn:test:po:{uid}"}
    base = {"eventTimeZoneOffset": "+08:00", "bizTransactionList": [po], "action": "OBSERVE"}
    epc = f"urn:epc:id:sgtin:6901234.000123.{uid}"
    return {"@context": [E.EPCIS_CONTEXT, {"ex": "https://example.cn/ns/"}], "type": "EPCISDocument",
            "schemaVersion": "2.0", "creationDate": "2026-03-15T00:00:00Z", "epcisBody": {"eventList": [
                {**base, "type": "ObjectEvent", "eventTime": "2026-03-01T08:00:00+08:00", "action": "ADD",
                 "bizStep": "commissioning", "epcList": [epc],
                 "ilmd": {"cbvmda:lotNumber": "L2026", "cbvmda:itemExpirationDate": "2027-03-31",
                          "ex:fatPercent": 3.6, "ex:lab": {"ex:name": "杭州质检院", "ex:cma": "230012345678"}},
                 "ex:line": "3", "ex:shift": {"ex:leader": "张三", "ex:crew": 12}},
                {**base, "type": "ObjectEvent", "eventTime": "2026-03-02T08:00:00+08:00", "epcList": [epc],
                 "bizStep": "inspecting", "persistentDisposition": {"set": ["conformant"], "unset": ["in_progress"]},
                 "readPoint": {"id": "urn:epc:id:sgln:6901234.00001.0", "ex:dock": "A7"},
                 "sensorElementList": [{"sensorMetadata": {"time": "2026-03-02T08:00:00+08:00",
                                                           "deviceID": "urn:epc:id:giai:6901234.T1",
                                                           "startTime": "2026-03-02T07:00:00+08:00",
                                                           "endTime": "2026-03-02T08:00:00+08:00",
                                                           "bizRules": "https://example.cn/rules/cold"},
                                        "sensorReport": [{"type": "gs1:Temperature", "value": 4.5, "uom": "CEL",
                                                          "minValue": 2.0, "maxValue": 6.5, "percRank": 50},
                                                         {"type": "gs1:RelativeHumidity", "value": 61, "uom": "A93"}]}]},
                {**base, "type": "ObjectEvent", "eventTime": "2026-03-03T08:00:00+08:00", "epcList": [epc],
                 "errorDeclaration": {"declarationTime": "2026-03-04T10:00:00+08:00", "reason": "incorrect_data",
                                      "ex:ticket": "T-9"}},
            ]}}


@pytest.fixture
def captured(client, admin_token):  # type: ignore[no-untyped-def]
    uid = factories.uid()
    headers = {**admin_token, **LD}
    r = client.post("/epcis/capture", json=_doc(uid), headers=headers)
    assert r.status_code == 202, r.text

    def times(**params: str) -> list[str]:
        resp = client.get("/epcis/events", headers=headers,
                          params={"EQ_bizTransaction_po": f"urn:test:po:{uid}", **params})
        assert resp.status_code == 200, resp.text
        return [e["eventTime"][8:10] for e in resp.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]

    return times


def test_ilmd_extension_and_inner_filters(captured) -> None:  # type: ignore[no-untyped-def]
    q = captured
    assert q() == ["01", "02", "03"]
    assert q(**{"EQ_ILMD_cbvmda:lotNumber": "L2026"}) == ["01"]
    assert q(**{"EQ_ILMD_cbvmda:lotNumber": "L2025"}) == []
    assert q(**{"GT_ILMD_ex:fatPercent": "3.5"}) == ["01"] and q(**{"GE_ILMD_ex:fatPercent": "3.7"}) == []
    assert q(**{"LT_ILMD_cbvmda:itemExpirationDate": "2027-04-01T00:00:00Z"}) == ["01"]
    assert q(**{"EXISTS_ILMD_ex:lab": ""}) == ["01"]
    assert q(**{"EQ_INNER_ILMD_ex:name": "杭州质检院"}) == ["01"]
    assert q(**{"EQ_ex:line": "3"}) == ["01"] and q(**{"GT_ex:line": "2"}) == ["01"]
    assert q(**{"EQ_INNER_ex:leader": "张三"}) == ["01"] and q(**{"GE_INNER_ex:crew": "12"}) == ["01"]
    assert q(**{"EXISTS_ex:shift": ""}) == ["01"] and q(**{"EXISTS_ex:nothing": ""}) == []
    assert q(**{"EQ_readPoint_ex:dock": "A7"}) == ["02"]
    assert q(**{"EQ_ERROR_DECLARATION_ex:ticket": "T-9"}) == ["03"]


def test_sensor_persistent_disposition_and_error_time(captured) -> None:  # type: ignore[no-untyped-def]
    q = captured
    assert q(EQ_type="Temperature") == ["02"] and q(EQ_type="gs1:Temperature") == ["02"]
    assert q(EQ_type="Speed") == []
    assert q(GE_value_CEL="4.5") == ["02"] and q(GT_value_CEL="4.5") == []
    assert q(LT_maxValue_CEL="7") == ["02"] and q(GE_minValue_CEL="2.5") == []
    assert q(GE_value_A93="60") == ["02"] and q(GE_value_CEL="60") == []  # the uom is part of the filter
    assert q(EQ_deviceID="urn:epc:id:giai:6901234.T1") == ["02"]
    assert q(EQ_bizRules="https://example.cn/rules/cold") == ["02"]
    assert q(GE_startTime="2026-03-01T22:30:00Z", LT_endTime="2026-03-02T01:00:00Z") == ["02"]
    assert q(GE_startTime="2026-03-02T00:00:00Z") == []
    assert q(EQ_persistentDisposition_set="conformant") == ["02"]
    assert q(EQ_persistentDisposition_set="https://ref.gs1.org/cbv/Disp-conformant") == ["02"]
    assert q(EQ_persistentDisposition_unset="in_progress") == ["02"]
    assert q(GE_errorDeclarationTime="2026-03-04T01:00:00Z") == ["03"]
    assert q(GE_errorDeclaration_Time="2026-03-04T01:00:00Z") == ["03"]  # the query schema's spelling
    assert q(GE_time="2026-03-01T23:30:00Z", LT_time="2026-03-02T00:30:00Z") == ["02"]
    assert q(GE_percRank="50") == ["02"] and q(GT_percRank="50") == []
    assert q(EXISTS_sensorElementList="") == ["02"]
    assert q(LT_errorDeclarationTime="2026-03-04T01:00:00Z") == []


def test_gs1_sensor_example_is_queryable(client, admin_token) -> None:  # type: ignore[no-untyped-def]
    """GS1's SensorDataExample1 (temperature 26.0 … CEL readings): query its reports by type and value."""
    headers = {**admin_token, **LD}
    raw = (EXAMPLES / "WithSensorData__SensorDataExample1.jsonld").read_text("utf-8")
    doc = json.loads(raw)
    uid = factories.uid()
    for ev in doc["epcisBody"]["eventList"]:
        ev.pop("eventID", None)
        ev["bizTransactionList"] = [{"type": "po", "bizTransaction": f"urn:test:po:{uid}"}]
    assert client.post("/epcis/capture", json=doc, headers=headers).status_code == 202
    base = {"EQ_bizTransaction_po": f"urn:test:po:{uid}"}
    n = len(doc["epcisBody"]["eventList"])

    def count(**p: str) -> int:
        r = client.get("/epcis/events", headers=headers, params={**base, **p})
        assert r.status_code == 200, r.text
        return len(r.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"])

    assert count() == n
    assert count(EQ_type="Temperature") == n
    assert count(GE_value_CEL="26") >= 1 and count(GE_value_CEL="1000") == 0


def test_bad_value_names_the_parameter(client, admin_token) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/epcis/events", headers=admin_token, params={"GT_ILMD_ex:fat": "lots"})
    assert r.status_code == 400 and "GT_ILMD_ex:fat" in r.text
