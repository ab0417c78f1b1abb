"""EPCIS master data (issue #16, 主数据): the header's vocabulary list is stored per owner and read by the
SimpleEventQuery families `HASATTR_<field>` and `EQ_ATTR_<field>_<attr>` (EPCIS 2.0 §8.2.7.1).

The master data is the standard's own worked example of a master-data document (EPCIS 1.2 §9.8 / 2.0 §9.8,
"EPCISMasterDataDocument" with SGLNs 0037000.00729.0, .8201, .8202, .8203): the same SGLN is a BusinessLocation
and a ReadPoint with *different* `sst` values (8203: business location sst 202 + ssa 402, read point sst 203 and
site 0037000007296), so a query must read the vocabulary type of the field it names. Transcribed into the
JSON-LD header (`epcisHeader.epcisMasterData.vocabularyList`, EPCIS 2.0 JSON schema `vocabulary`), attribute ids
in both spellings the standard uses (`urn:epcglobal:cbv:mda:sst` and the context's CURIE `cbvmda:sst`).
The EPC class attributes are CBV 2.0 §8.2 master-data attributes of a trade item (`cbvmda:dosageFormType`,
`cbvmda:regulatedProductName`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest

from tests import factories
from zhijian.trace import epcis as E
from zhijian.trace.epcis import master_data as M

LD = {"content-type": "application/ld+json"}
SGLN = "urn:epc:id:sgln:0037000.00729."
MDA = "urn:epcglobal:cbv:mda:"


def _master(rp_8203_sst: str = "203") -> dict[str, Any]:
    bl = [{"id": SGLN + "0", "attributes": [
              {"id": "http://epcis.example.com/mda/latitude", "attribute": "+18.0000"},
              {"id": "http://epcis.example.com/mda/longitude", "attribute": "-70.0000"},
              {"id": "http://epcis.example.com/mda/address",
               "attribute": {"example:Street": "100 Nowhere Street", "example:City": "Fancy"}}],
           "children": [SGLN + "8201", SGLN + "8202", SGLN + "8203"]},
          {"id": SGLN + "8201", "attributes": [{"id": MDA + "sst", "attribute": "201"}]},
          {"id": SGLN + "8202", "attributes": [{"id": "cbvmda:sst", "attribute": "202"}],
           "children": [SGLN + "8203"]},
          {"id": SGLN + "8203", "attributes": [{"id": MDA + "sst", "attribute": "202"},
                                               {"id": MDA + "ssa", "attribute": "402"}]}]
    rp = [{"id": SGLN + f"820{i}", "attributes": [{"id": MDA + "site", "attribute": "0037000007296"},
                                                   {"id": "cbvmda:sst", "attribute": sst}]}
          for i, sst in ((1, "201"), (2, "202"), (3, rp_8203_sst))]
    cls = [{"id": "urn:epc:idpat:sgtin:4012345.098765.*", "attributes": [
        {"id": "cbvmda:dosageFormType", "attribute": "CAPSULE"},
        {"id": "cbvmda:regulatedProductName", "attribute": "阿莫西林胶囊"}]}]
    return {"vocabularyList": [
        {"type": "urn:epcglobal:epcis:vtype:BusinessLocation", "vocabularyElementList": bl},
        {"type": "urn:epcglobal:epcis:vtype:ReadPoint", "vocabularyElementList": rp},
        {"type": "urn:epcglobal:epcis:vtype:EPCClass", "vocabularyElementList": cls}]}


def _doc(events: list[dict[str, Any]], master: dict[str, Any] | None) -> dict[str, Any]:
    doc: dict[str, Any] = {"@context": [E.EPCIS_CONTEXT, {"example": "http://epcis.example.com/ns/"}],
                           "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2026-03-15T00:00:00Z",
                           "epcisBody": {"eventList": events}}
    if master is not None:
        doc["epcisHeader"] = {"epcisMasterData": master}
    return doc


def _event(uid: str, i: int, rp: str, bl: str, *, quantity: bool = False) -> dict[str, Any]:
    ev: dict[str, Any] = {"type": "ObjectEvent", "eventTime": f"2026-03-0{i}T09:00:00+08:00",
                          "eventTimeZoneOffset": "+08:00", "action": "OBSERVE",
                          "readPoint": {"id": SGLN + rp}, "bizLocation": {"id": SGLN + bl},
                          "bizTransactionList": [{"type": "po", "bizTransaction": f"urn:test:po:{uid}"}]}
    if quantity:
        ev["quantityList"] = [{"epcClass": "urn:epc:idpat:sgtin:4012345.098765.*", "quantity": 20, "uom": "EA"}]
    else:
        ev["epcList"] = [f"urn:epc:id:sgtin:4012345.098765.{uid}{i}"]
    return ev


def test_rows_of_the_standard_example() -> None:
    rows = M.vocabulary_rows(_doc([], _master()))
    by = {(v, el.rsplit(".", 1)[-1] if el.startswith("urn:") else el, a): t for v, el, a, t, _ in rows}
    # the SGLN ids become their canonical Digital Link (414 + 254), as events' locations do
    assert ("BusinessLocation", E.canonical_id(SGLN + "8203"), MDA + "ssa") in {(v, el, a) for v, el, a, _t, _n in rows}
    assert E.canonical_id(SGLN + "8203") == "https://id.gs1.org/414/0037000007296/254/8203"
    ssts = {(v, el): t for (v, el, a), t in by.items() if a == MDA + "sst"}
    assert ssts[("BusinessLocation", E.canonical_id(SGLN + "8203"))] == "202"
    assert ssts[("ReadPoint", E.canonical_id(SGLN + "8203"))] == "203"
    assert len(rows) == 3 + 1 + 1 + 2 + 6 + 2  # 0: 3 attributes; 8201: 1; 8202: 1; 8203: 2; read points 3×2; class 2
    address = next(t for v, el, a, t, _n in rows if a.endswith("/address"))
    assert '"example:City": "Fancy"' in address
    assert M.attribute_iri("cbvmda:sst", E.standard_prefixes()) == MDA + "sst"
    assert M.attribute_iri("urn:epcglobal:cbv:mda#sst", {}) == MDA + "sst"  # the CBV 1.x '#' spelling
    assert M.vtype_name("urn:epcglobal:epcis:vtype:ReadPoint") == "ReadPoint"


@pytest.mark.parametrize("name, ok", [("HASATTR_readPoint", True), ("HASATTR_bizLocation", True),
                                      ("EQ_ATTR_readPoint_sst", True), ("EQ_ATTR_epcClass_cbvmda:x", True),
                                      ("HASATTR_readPoint_sst", False), ("EQ_ATTR_readPoint", False),
                                      ("EQ_ATTR_disposition_x", False)])
def test_parameter_names(name: str, ok: bool) -> None:
    assert M.is_attr_param(name) is ok


def test_queries_read_the_owners_master_data(client, db, login) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        ent_a = factories.enterprise(s)
        ent_b = factories.enterprise(s)
    a, b = {**login("enterprise", ent_a), **LD}, {**login("enterprise", ent_b), **LD}
    uid = factories.uid()
    events = [_event(uid, 1, "8201", "8202"), _event(uid, 2, "8203", "8203"), _event(uid, 3, "0", "0"),
              _event(uid, 4, "8202", "8201", quantity=True)]
    r = client.post("/epcis/capture", json=_doc(events, _master()), headers=a)
    assert r.status_code == 202, r.text
    assert client.get(r.headers["Location"], headers=a).json()["success"] is True

    def days(headers: dict[str, str], **params: str) -> list[int]:
        resp = client.get("/epcis/events", headers=headers, params={"EQ_bizTransaction_po": f"urn:test:po:{uid}",
                                                                    **params})
        assert resp.status_code == 200, resp.text
        return sorted(int(ev["eventTime"][8:10]) for ev in resp.json()["epcisBody"]["queryResults"]["resultsBody"]
                      ["eventList"])

    assert days(a) == [1, 2, 3, 4]
    # the vocabulary type of the field: 8203 is read point sst 203 but business location sst 202
    assert days(a, EQ_ATTR_readPoint_sst="203") == [2]
    assert days(a, EQ_ATTR_bizLocation_sst="203") == []
    assert days(a, **{"EQ_ATTR_bizLocation_cbvmda:sst": "202"}) == [1, 2]
    assert days(a, **{"EQ_ATTR_bizLocation_urn:epcglobal:cbv:mda:ssa": "402"}) == [2]
    assert days(a, EQ_ATTR_readPoint_sst="201,202") == [1, 4]  # a list: any of the values
    assert days(a, EQ_ATTR_readPoint_sst="203", EQ_ATTR_bizLocation_ssa="402") == [2]  # parameters are ANDed
    # HASATTR_: an attribute of that name exists; 0037000.00729.0 has no ReadPoint master data
    assert days(a, HASATTR_readPoint="site") == [1, 2, 4]
    assert days(a, HASATTR_bizLocation="ssa") == [2]
    assert days(a, HASATTR_bizLocation="http://epcis.example.com/mda/latitude") == [3]
    assert days(a, HASATTR_bizLocation="nonexistent,latitude") == [3]
    # EPC class master data reaches quantity-list classes
    assert days(a, **{"EQ_ATTR_epcClass_cbvmda:dosageFormType": "CAPSULE"}) == [4]
    assert days(a, EQ_ATTR_epcClass_regulatedProductName="阿莫西林胶囊") == [4]
    assert days(a, HASATTR_epcClass="dosageFormType", EQ_ATTR_readPoint_sst="203") == []

    # another owner's events at the same locations: A's master data does not describe them
    r = client.post("/epcis/capture", json=_doc([_event(uid, 5, "8203", "8203")], None), headers=b)
    assert r.status_code == 202, r.text
    assert days(b) == [5]
    assert days(b, EQ_ATTR_readPoint_sst="203") == []
    assert days(a, EQ_ATTR_readPoint_sst="203") == [2]
    # … nor its EPC classes: the class's master data is matched by the event's own owner (the nested EXISTS had
    # left the owner uncorrelated — a second scan of every event — so A's CAPSULE described B's event 6)
    r = client.post("/epcis/capture", json=_doc([_event(uid, 6, "8203", "8203", quantity=True)], None), headers=b)
    assert r.status_code == 202, r.text
    assert days(b, EQ_ATTR_epcClass_dosageFormType="CAPSULE") == []
    assert days(b, HASATTR_epcClass="dosageFormType") == []
    assert days(a, EQ_ATTR_epcClass_dosageFormType="CAPSULE") == [4]

    # a later declaration of an element replaces its attributes (only that element's)
    r = client.post("/epcis/capture", json=_doc([], _master(rp_8203_sst="204")), headers=a)
    assert r.status_code == 202, r.text
    assert days(a, EQ_ATTR_readPoint_sst="203") == []
    assert days(a, EQ_ATTR_readPoint_sst="204") == [2]
    assert days(a, EQ_ATTR_readPoint_sst="201") == [1]


@pytest.mark.parametrize("param", ["EQ_ATTR_disposition_sst", "HASATTR_readPoint_sst", "HASATTR_ex:field"])
def test_unsupported_master_data_fields_are_refused(client, admin_token, param: str) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/epcis/events", headers=admin_token, params={param: "x"})
    assert r.status_code == 400, r.text
    assert r.json()["type"].endswith("QueryParameterException") or "QueryParameterException" in r.text


XML_MASTER = """<?xml version="1.0" encoding="UTF-8"?>
<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0" creationDate="2026-03-15T00:00:00Z">
<EPCISHeader><extension><EPCISMasterData><VocabularyList>
  <Vocabulary type="urn:epcglobal:epcis:vtype:ReadPoint"><VocabularyElementList>
    <VocabularyElement id="urn:epc:id:sgln:0037000.00729.8203">
      <attribute id="urn:epcglobal:cbv:mda:site">0037000007296</attribute>
      <attribute id="urn:epcglobal:cbv:mda:sst">203</attribute>
    </VocabularyElement>
  </VocabularyElementList></Vocabulary>
</VocabularyList></EPCISMasterData></extension></EPCISHeader>
<EPCISBody><EventList><ObjectEvent>
  <eventTime>2026-03-07T09:00:00+08:00</eventTime><eventTimeZoneOffset>+08:00</eventTimeZoneOffset>
  <epcList><epc>urn:epc:id:sgtin:4012345.098765.{uid}</epc></epcList><action>OBSERVE</action>
  <readPoint><id>urn:epc:id:sgln:0037000.00729.8203</id></readPoint>
  <bizTransactionList><bizTransaction type="urn:epcglobal:cbv:btt:po">urn:test:po:{uid}</bizTransaction></bizTransactionList>
</ObjectEvent></EventList></EPCISBody></epcis:EPCISDocument>"""


def test_master_data_in_the_xml_header(client, db, login) -> None:  # type: ignore[no-untyped-def]
    """The XML binding's `EPCISHeader/extension/EPCISMasterData` (the standard example's read point 8203)."""
    with db.session() as s:
        ent = factories.enterprise(s)
    headers = login("enterprise", ent)
    uid = factories.uid()
    r = client.post("/epcis/capture", content=XML_MASTER.replace("{uid}", uid).encode(),
                    headers={**headers, "content-type": "application/xml"})
    assert r.status_code == 202, r.text
    q = {"EQ_bizTransaction_po": f"urn:test:po:{uid}"}
    found = client.get("/epcis/events", headers=headers, params={**q, "EQ_ATTR_readPoint_sst": "203"}).json()
    assert len(found["epcisBody"]["queryResults"]["resultsBody"]["eventList"]) == 1
    none = client.get("/epcis/events", headers=headers, params={**q, "EQ_ATTR_bizLocation_sst": "203"}).json()
    assert none["epcisBody"]["queryResults"]["resultsBody"]["eventList"] == []


# ---------------------------------------------------------------- EPCISMasterDataDocument: master data without events
# The standard's master-data example (EPCIS 2.0 §9.8, the XML binding's EPCISMasterDataDocument; the same master
# data `_master()` transcribes above), in its two forms: JSON-LD ("type": "EPCISMasterDataDocument", the vocabulary
# list in epcisHeader.epcisMasterData as in an EPCISDocument) and XML (epcismd:EPCISMasterDataDocument, the
# vocabulary list in EPCISBody, namespace urn:epcglobal:epcis-masterdata:xsd:2).


def _master_document(master: dict[str, Any]) -> dict[str, Any]:
    return {"@context": [E.EPCIS_CONTEXT, {"example": "http://epcis.example.com/ns/"}],
            "type": "EPCISMasterDataDocument", "schemaVersion": "2.0", "creationDate": "2005-07-11T11:30:47.0Z",
            "epcisHeader": {"epcisMasterData": master}}


XML_MASTER_DOCUMENT = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<epcismd:EPCISMasterDataDocument xmlns:epcismd="urn:epcglobal:epcis-masterdata:xsd:2"
    schemaVersion="2.0" creationDate="2005-07-11T11:30:47.0Z">
 <EPCISBody><VocabularyList>
  <Vocabulary type="urn:epcglobal:epcis:vtype:BusinessLocation"><VocabularyElementList>
   <VocabularyElement id="urn:epc:id:sgln:0037000.00729.0">
    <attribute id="http://epcis.example.com/mda/latitude">+18.0000</attribute>
    <attribute id="http://epcis.example.com/mda/longitude">-70.0000</attribute>
    <attribute id="http://epcis.example.com/mda/address">
     <example:Address xmlns:example="http://epcis.example.com/ns">
      <Street>100 Nowhere Street</Street><City>Fancy</City><State>DC</State><Zip>99999</Zip>
     </example:Address>
    </attribute>
    <children><id>urn:epc:id:sgln:0037000.00729.8201</id><id>urn:epc:id:sgln:0037000.00729.8202</id>
     <id>urn:epc:id:sgln:0037000.00729.8203</id></children>
   </VocabularyElement>
   <VocabularyElement id="urn:epc:id:sgln:0037000.00729.8201">
    <attribute id="urn:epcglobal:cbv:mda:sst">201</attribute></VocabularyElement>
   <VocabularyElement id="urn:epc:id:sgln:0037000.00729.8202">
    <attribute id="urn:epcglobal:cbv:mda:sst">202</attribute>
    <children><id>urn:epc:id:sgln:0037000.00729.8203</id></children></VocabularyElement>
   <VocabularyElement id="urn:epc:id:sgln:0037000.00729.8203">
    <attribute id="urn:epcglobal:cbv:mda:sst">202</attribute>
    <attribute id="urn:epcglobal:cbv:mda:ssa">402</attribute></VocabularyElement>
  </VocabularyElementList></Vocabulary>
  <Vocabulary type="urn:epcglobal:epcis:vtype:ReadPoint"><VocabularyElementList>
   <VocabularyElement id="urn:epc:id:sgln:0037000.00729.8201">
    <attribute id="urn:epcglobal:cbv:mda:site">0037000007296</attribute>
    <attribute id="urn:epcglobal:cbv:mda:sst">201</attribute></VocabularyElement>
   <VocabularyElement id="urn:epc:id:sgln:0037000.00729.8202">
    <attribute id="urn:epcglobal:cbv:mda:site">0037000007296</attribute>
    <attribute id="urn:epcglobal:cbv:mda:sst">202</attribute></VocabularyElement>
   <VocabularyElement id="urn:epc:id:sgln:0037000.00729.8203">
    <attribute id="urn:epcglobal:cbv:mda:site">0037000007296</attribute>
    <attribute id="urn:epcglobal:cbv:mda:sst">203</attribute></VocabularyElement>
  </VocabularyElementList></Vocabulary>
 </VocabularyList></EPCISBody>
</epcismd:EPCISMasterDataDocument>"""


def _days_of(client: Any, headers: dict[str, str], uid: str, **params: str) -> list[int]:
    resp = client.get("/epcis/events", headers=headers, params={"EQ_bizTransaction_po": f"urn:test:po:{uid}", **params})
    assert resp.status_code == 200, resp.text
    return sorted(int(ev["eventTime"][8:10]) for ev in resp.json()["epcisBody"]["queryResults"]["resultsBody"]
                  ["eventList"])


def _accepted(client: Any, response: Any, headers: dict[str, str]) -> dict[str, Any]:
    """The binding's answer to a capture: 202, the job's Location; the job itself finished and successful."""
    assert response.status_code == 202, response.text
    assert response.headers["location"].startswith("/epcis/capture/")
    assert response.json()["success"] is True
    job = client.get(response.headers["location"], headers=headers)
    assert job.status_code == 200, job.text
    out: dict[str, Any] = job.json()
    assert out["success"] is True and out["running"] is False and out["finishedAt"]
    assert out["capturedEvents"] == 0 and out["errors"] == []
    return out


def test_master_data_document_json_ld(client, db, login) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        ent_a = factories.enterprise(s)
        ent_b = factories.enterprise(s)
    a, b = {**login("enterprise", ent_a), **LD}, {**login("enterprise", ent_b), **LD}
    uid = factories.uid()
    # events first, without master data: nothing answers the attribute queries yet
    events = [_event(uid, 1, "8201", "8202"), _event(uid, 2, "8203", "8203"), _event(uid, 3, "0", "0"),
              _event(uid, 4, "8202", "8201", quantity=True)]
    assert client.post("/epcis/capture", json=_doc(events, None), headers=a).status_code == 202
    assert _days_of(client, a, uid, EQ_ATTR_readPoint_sst="203") == []
    # the master data alone, in its own document: usable at once
    _accepted(client, client.post("/epcis/capture", json=_master_document(_master()), headers=a), a)
    assert _days_of(client, a, uid, EQ_ATTR_readPoint_sst="203") == [2]
    assert _days_of(client, a, uid, EQ_ATTR_bizLocation_sst="203") == []  # 8203 is business location sst 202
    assert _days_of(client, a, uid, **{"EQ_ATTR_bizLocation_cbvmda:sst": "202"}) == [1, 2]
    assert _days_of(client, a, uid, HASATTR_readPoint="site") == [1, 2, 4]
    assert _days_of(client, a, uid, EQ_ATTR_epcClass_dosageFormType="CAPSULE") == [4]
    # the same replacement rule as header master data: a later declaration of an element replaces it
    _accepted(client, client.post("/epcis/capture", json=_master_document(_master(rp_8203_sst="204")), headers=a), a)
    assert _days_of(client, a, uid, EQ_ATTR_readPoint_sst="203") == []
    assert _days_of(client, a, uid, EQ_ATTR_readPoint_sst="204") == [2]
    assert _days_of(client, a, uid, EQ_ATTR_readPoint_sst="201") == [1]
    # per capturing organisation: B's document describes B's events only
    _accepted(client, client.post("/epcis/capture", json=_master_document(_master(rp_8203_sst="999")), headers=b), b)
    assert _days_of(client, a, uid, EQ_ATTR_readPoint_sst="999") == []
    assert _days_of(client, a, uid, EQ_ATTR_readPoint_sst="204") == [2]
    # the jobs are listed with the others
    jobs = client.get("/epcis/capture", headers=a).json()
    assert sum(1 for j in jobs if j["capturedEvents"] == 0 and j["success"]) >= 2


def test_master_data_document_xml(client, db, login) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        ent = factories.enterprise(s)
    headers = login("enterprise", ent)
    uid = factories.uid()
    events = [_event(uid, 1, "8201", "8202"), _event(uid, 2, "8203", "8203"), _event(uid, 3, "0", "0")]
    assert client.post("/epcis/capture", json=_doc(events, None), headers={**headers, **LD}).status_code == 202
    r = client.post("/epcis/capture", content=XML_MASTER_DOCUMENT.encode(),
                    headers={**headers, "content-type": "application/xml"})
    _accepted(client, r, headers)
    assert _days_of(client, headers, uid, EQ_ATTR_readPoint_sst="203") == [2]
    assert _days_of(client, headers, uid, EQ_ATTR_bizLocation_ssa="402") == [2]
    assert _days_of(client, headers, uid, HASATTR_bizLocation="latitude") == [3]
    assert _days_of(client, headers, uid, EQ_ATTR_readPoint_site="0037000007296") == [1, 2]


def test_master_data_document_from_xml_is_the_json_ld_form() -> None:
    from zhijian.trace.epcis import xml as X

    doc = X.document_from_xml(XML_MASTER_DOCUMENT)
    assert doc["type"] == "EPCISMasterDataDocument" and "epcisBody" not in doc
    vocabularies = doc["epcisHeader"]["epcisMasterData"]["vocabularyList"]
    assert [v["type"] for v in vocabularies] == ["urn:epcglobal:epcis:vtype:BusinessLocation",
                                                 "urn:epcglobal:epcis:vtype:ReadPoint"]
    assert M.master_document_errors(doc) == []
    rows = M.vocabulary_rows(doc)
    assert len(rows) == 3 + 1 + 1 + 2 + 3 * 2  # as the JSON-LD transcription above (without its EPC class)
    address = next(t for _v, _el, a, t, _n in rows if a.endswith("/address"))
    assert '"City": "Fancy"' in address


def _bad_documents() -> list[tuple[str, Any, str]]:
    no_list = _master_document({})
    no_id = _master_document({"vocabularyList": [{"type": "urn:epcglobal:epcis:vtype:ReadPoint",
                                                  "vocabularyElementList": [{"attributes": [
                                                      {"id": "cbvmda:sst", "attribute": "201"}]}]}]})
    empty_id = _master_document({"vocabularyList": [{"type": "urn:epcglobal:epcis:vtype:ReadPoint",
                                                     "vocabularyElementList": [{"id": " "}]}]})
    unknown = _master_document({"vocabularyList": [{"type": "urn:epcglobal:epcis:vtype:Warehouse",
                                                    "vocabularyElementList": [{"id": SGLN + "8201"}]}]})
    no_type = _master_document({"vocabularyList": [{"vocabularyElementList": [{"id": SGLN + "8201"}]}]})
    attr_no_id = _master_document({"vocabularyList": [{"type": "urn:epcglobal:epcis:vtype:ReadPoint",
                                                       "vocabularyElementList": [{"id": SGLN + "8201", "attributes": [
                                                           {"attribute": "201"}]}]}]})
    with_events = {**_master_document(_master()), "epcisBody": {"eventList": [_event("x", 1, "8201", "8201")]}}
    no_header = {k: v for k, v in _master_document(_master()).items() if k != "epcisHeader"}
    return [("no vocabularyList", no_list, "vocabularyList"), ("element without id", no_id, "'id' is a required"),
            ("blank element id", empty_id, "empty element id"), ("unknown type", unknown, "Warehouse"),
            ("vocabulary without type", no_type, "'type' is a required"),
            ("attribute without id", attr_no_id, "'id' is a required"), ("events inside", with_events, "no events"),
            ("no header", no_header, "epcisHeader")]


@pytest.mark.parametrize("case", range(len(_bad_documents())), ids=[c[0] for c in _bad_documents()])
def test_invalid_master_data_documents_are_refused(client, db, login, case: int) -> None:  # type: ignore[no-untyped-def]
    _name, doc, said = _bad_documents()[case]
    with db.session() as s:
        ent = factories.enterprise(s)
    headers = {**login("enterprise", ent), **LD}
    r = client.post("/epcis/capture", json=doc, headers=headers)
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["type"] == "epcisException:ValidationException"
    assert said in body["detail"] or any(said in e for e in body.get("errors", [])), body
    assert client.get("/epcis/capture", headers=headers).json() == []  # no job, nothing stored


def test_a_user_vocabulary_type_is_accepted() -> None:
    """Only a type in the standard's namespace must be one of its types; a user vocabulary is any other URI."""
    doc = _master_document({"vocabularyList": [{"type": "https://example.com/vtype/Warehouse",
                                                "vocabularyElementList": [{"id": SGLN + "8201"}]},
                                               {"type": "urn:epcglobal:epcis:vtype:SourceDest",
                                                "vocabularyElementList": [{"id": "urn:epc:id:pgln:0037000.00729"}]}]})
    assert M.master_document_errors(doc) == []
    assert M.master_document_errors({**doc, "type": "EPCISDocument"}) == ["type: must be EPCISMasterDataDocument"]


def test_an_invalid_xml_master_data_document_is_refused(client, admin_token) -> None:  # type: ignore[no-untyped-def]
    no_id = XML_MASTER_DOCUMENT.replace('<VocabularyElement id="urn:epc:id:sgln:0037000.00729.8201">',
                                        "<VocabularyElement>", 1)
    r = client.post("/epcis/capture", content=no_id.encode(), headers={**admin_token, "content-type": "text/xml"})
    assert r.status_code == 400, r.text
    assert r.json()["type"] == "epcisException:ValidationException" and "empty element id" in r.json()["detail"]


# ---------------------------------------------------------------- reading master data back (GET /api/v1/trace/vocabularies)


def test_the_binding_defines_no_vocabulary_endpoint() -> None:
    """Why the read endpoint is zhijian's own: the REST binding's OpenAPI has no path for master data."""
    import json

    from tests.conftest import GS1_EPCIS

    spec = json.loads((GS1_EPCIS / "epcis-rest-openapi.json").read_text(encoding="utf-8"))
    assert not [p for p in spec["paths"] if "vocab" in p.lower() or "master" in p.lower()]


def _read_all(client: Any, headers: dict[str, str], **params: str) -> tuple[list[dict[str, Any]], int]:
    """Every page (following the Link header): the vocabularies in answer order, merged by type; the pages."""
    out: dict[str, list[dict[str, Any]]] = {}
    url, pages = "/api/v1/trace/vocabularies?" + urlencode(params), 0
    while True:
        r = client.get(url, headers=headers)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("application/ld+json")
        doc = r.json()
        assert M.master_document_errors(doc) == []  # each page is a valid EPCISMasterDataDocument
        pages += 1
        for v in doc["epcisHeader"]["epcisMasterData"]["vocabularyList"]:
            out.setdefault(v["type"], []).extend(v["vocabularyElementList"])
        link = r.headers.get("link")
        if not link:
            return [{"type": t, "vocabularyElementList": els} for t, els in out.items()], pages
        url = link[1:link.index(">")]


def test_master_data_reads_back_for_its_own_organisation_only(client, db, login) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        ent_a = factories.enterprise(s)
        ent_b = factories.enterprise(s)
    a, b = {**login("enterprise", ent_a), **LD}, {**login("enterprise", ent_b), **LD}
    assert _read_all(client, b)[0] == []  # nothing captured yet
    _accepted(client, client.post("/epcis/capture", json=_master_document(_master()), headers=a), a)
    got, pages = _read_all(client, a, limit="2")
    assert pages == 4  # 4 business locations, 3 read points, 1 EPC class: 8 elements, two a page
    by_type = {v["type"]: {el["id"]: el for el in v["vocabularyElementList"]} for v in got}
    assert set(by_type) == {"urn:epcglobal:epcis:vtype:BusinessLocation", "urn:epcglobal:epcis:vtype:ReadPoint",
                            "urn:epcglobal:epcis:vtype:EPCClass"}
    rp = by_type["urn:epcglobal:epcis:vtype:ReadPoint"]
    assert len(rp) == 3 and len(by_type["urn:epcglobal:epcis:vtype:BusinessLocation"]) == 4
    rp_8203 = rp[E.canonical_id(SGLN + "8203")]  # ids canonical (Digital Link), attribute CURIEs expanded
    assert {x["id"]: x["attribute"] for x in rp_8203["attributes"]} == {MDA + "site": "0037000007296",
                                                                        MDA + "sst": "203"}
    bl_0 = by_type["urn:epcglobal:epcis:vtype:BusinessLocation"][E.canonical_id(SGLN + "0")]
    address = next(x["attribute"] for x in bl_0["attributes"] if x["id"].endswith("/address"))
    assert address == {"example:Street": "100 Nowhere Street", "example:City": "Fancy"}  # an object stays one
    # narrowed by type and by element (URN or Digital Link alike)
    only_rp, _ = _read_all(client, a, type="ReadPoint")
    assert [v["type"] for v in only_rp] == ["urn:epcglobal:epcis:vtype:ReadPoint"]
    one, _ = _read_all(client, a, type="urn:epcglobal:epcis:vtype:BusinessLocation", id=SGLN + "8203")
    assert [el["id"] for v in one for el in v["vocabularyElementList"]] == [E.canonical_id(SGLN + "8203")]
    # never another organisation's
    assert _read_all(client, b)[0] == []
    # what one organisation reads back can be captured as it is (the answer is a capture document)
    doc = client.get("/api/v1/trace/vocabularies", headers=a, params={"limit": "500"}).json()
    _accepted(client, client.post("/epcis/capture", json=doc, headers=b), b)
    uid = factories.uid()
    assert client.post("/epcis/capture", json=_doc([_event(uid, 2, "8203", "8203")], None), headers=b).status_code == 202
    assert _days_of(client, b, uid, EQ_ATTR_readPoint_sst="203") == [2]
    assert _days_of(client, b, uid, **{"EQ_ATTR_bizLocation_cbvmda:ssa": "402"}) == [2]


def test_master_data_reading_needs_an_organisation_role(client, admin_token) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/v1/trace/vocabularies").status_code == 401
    bad = client.get("/api/v1/trace/vocabularies", params={"cursor": "not-a-cursor"}, headers=admin_token)
    assert bad.status_code == 400 and bad.json()["type"] == "epcisException:QueryParameterException", bad.text
