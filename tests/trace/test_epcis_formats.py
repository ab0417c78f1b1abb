"""EPCIS 2.0 REST binding: GS1-EPC-Format honoured, 415 for media types not supported (issue #16: "Every
response claims GS1-EPC-Format: Always_GS1_Digital_Link but returns URNs, and the request header is
ignored"; "EPCIS 2.0 XML documents … are refused with 400 (it should be 415 when unsupported)").
The binding's OpenAPI (tests/data/gs1-epcis/epcis-rest-openapi.json): GS1-EPC-Format is one of
No_Preference, Always_GS1_Digital_Link, Always_EPC_URN, Never_Translates, "if absent the default value is
Always_GS1_Digital_Link"; its CBV header (GS1-CBV-XML-Format) is for XML only."""

from __future__ import annotations

import json
from pathlib import Path

from tests import factories
from zhijian.trace import epcis as E

LD = {"content-type": "application/ld+json"}
OPENAPI = Path(__file__).resolve().parents[1] / "data" / "gs1-epcis" / "epcis-rest-openapi.json"


def test_header_values_are_the_bindings() -> None:
    schemas = json.loads(OPENAPI.read_text("utf-8"))["components"]["schemas"]
    assert set(schemas["GS1-EPC-Format"]["enum"]) == set(E.EPC_FORMATS)


def _capture(client, headers) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    uid = factories.uid()
    po = f"urn:test:po:{uid}"
    ev = {"type": "ObjectEvent", "eventTime": "2026-03-02T09:00:00+08:00", "eventTimeZoneOffset": "+08:00",
          "action": "OBSERVE", "bizStep": "shipping", "disposition": "in_transit",
          "epcList": ["urn:epc:id:sgtin:6901234.000123.A1"], "readPoint": {"id": "urn:epc:id:sgln:6901234.00001.0"},
          "bizTransactionList": [{"type": "po", "bizTransaction": po}]}
    doc = {"@context": [E.EPCIS_CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
           "creationDate": "2026-03-15T00:00:00Z", "epcisBody": {"eventList": [ev]}}
    r = client.post("/epcis/capture", json=doc, headers=headers)
    assert r.status_code == 202, r.text
    return po, uid


def _one(resp):  # type: ignore[no-untyped-def]
    assert resp.status_code == 200, resp.text
    return resp.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"][0]


def test_formats_negotiated(client, admin_token) -> None:  # type: ignore[no-untyped-def]
    headers = {**admin_token, **LD}
    po, _ = _capture(client, headers)
    q = {"EQ_bizTransaction_po": po}
    kept = client.get("/epcis/events", headers={**headers, "GS1-EPC-Format": "Never_Translates"}, params=q)
    assert _one(kept)["epcList"] == ["urn:epc:id:sgtin:6901234.000123.A1"]  # as captured
    assert kept.headers["GS1-EPC-Format"] == "Never_Translates"
    for asked in ({}, {"GS1-EPC-Format": "Always_GS1_Digital_Link"}):  # absent means Digital Link
        dl = client.get("/epcis/events", headers={**headers, **asked}, params=q)
        ev = _one(dl)
        assert ev["epcList"] == ["https://id.gs1.org/01/06901234001235/21/A1"]
        assert ev["readPoint"]["id"] == "https://id.gs1.org/414/6901234000016"
        assert dl.headers["GS1-EPC-Format"] == "Always_GS1_Digital_Link"
    urn = client.get("/epcis/events", headers={**headers, "GS1-EPC-Format": "Always_EPC_URN"}, params=q)
    assert urn.status_code == 406 and urn.json()["type"] == "epcisException:NotAcceptableException"
    bad = client.get("/epcis/events", headers={**headers, "GS1-EPC-Format": "sometimes"}, params=q)
    assert bad.status_code == 400


def test_unsupported_media_type_is_415(client, admin_token) -> None:  # type: ignore[no-untyped-def]
    csv = b"eventTime,action\n2026-03-02T09:00:00+08:00,OBSERVE\n"  # XML is supported now (test_epcis_xml.py)
    for path in ("/epcis/capture", "/epcis/events"):
        r = client.post(path, content=csv, headers={**admin_token, "content-type": "text/csv"})
        assert r.status_code == 415, r.text
        assert r.json()["type"] == "epcisException:UnsupportedMediaTypeException"


def test_resource_items_and_page_tokens(client, admin_token) -> None:  # type: ignore[no-untyped-def]
    """Finding: `/eventTypes/{t}` and `/nextPageToken/{t}` answered 405; the binding's paths
    `/eventTypes/{eventType}` (GET: sub-resources, at least `events`) and `/nextPageToken/{token}` (DELETE)."""
    r = client.get("/epcis/eventTypes/ObjectEvent", headers=admin_token)
    assert r.status_code == 200 and r.json()["@set"] == ["events"]
    assert client.get("/epcis/bizSteps/shipping", headers=admin_token).json()["@set"] == ["events"]
    assert client.get("/epcis/nothing/x", headers=admin_token).status_code == 404
    assert client.get("/epcis/eventTypes/ObjectEvent/events", headers=admin_token).status_code == 200
    assert client.delete("/epcis/nextPageToken/abc", headers=admin_token).status_code == 204


def test_extension_and_ilmd_fields_need_a_namespace(client, admin_token) -> None:  # type: ignore[no-untyped-def]
    """Finding: "ILMD fields without a namespace are accepted". EPCIS 2.0: extension and ILMD fields are
    namespaced (a CURIE of a declared prefix, or an absolute IRI); the standard context's `cbvmda` counts."""
    headers = {**admin_token, "content-type": "application/ld+json"}
    uid = factories.uid()

    def doc(ilmd: dict, ctx: list | None = None, **ext: str) -> dict:
        ev = {"type": "ObjectEvent", "eventTime": "2026-03-01T08:00:00+08:00", "eventTimeZoneOffset": "+08:00",
              "action": "ADD", "epcList": [f"urn:epc:id:sgtin:6901234.000123.{uid}{len(ilmd)}{len(ext)}"],
              "ilmd": ilmd, **ext}
        return {"@context": ctx or [E.EPCIS_CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
                "creationDate": "2026-03-15T00:00:00Z", "epcisBody": {"eventList": [ev]}}

    bare = client.post("/epcis/capture", json=doc({"lotNumber": "L1"}), headers=headers)
    assert bare.status_code == 400 and "ilmd.lotNumber" in bare.text
    undeclared = client.post("/epcis/capture", json=doc({"ex:lot": "L1"}), headers=headers)
    assert undeclared.status_code == 400
    ext = client.post("/epcis/capture", json=doc({"cbvmda:lotNumber": "L1"}, None, line="3"), headers=headers)
    assert ext.status_code == 400 and "eventList[0].line" in ext.text
    assert client.post("/epcis/capture", json=doc({"cbvmda:lotNumber": "L1", "ex:a": "1"},
                                                  [E.EPCIS_CONTEXT, {"ex": "https://example.cn/"}]),
                       headers=headers).status_code == 202
