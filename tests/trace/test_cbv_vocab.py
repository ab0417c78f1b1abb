"""CBV 2.0 vocabulary terms are one term whatever their spelling (issue #16, first finding).

Finding: `EQ_bizStep=https://ref.gs1.org/cbv/BizStep-shipping` returned 0 events while `EQ_bizStep=shipping`
returned 9, because the repository normalised only a pre-standard namespace. CBV 2.0 §6 and the EPCIS 2.0
JSON-LD context (`"cbv": "https://ref.gs1.org/cbv/"`, `"shipping": "cbv:BizStep-shipping"`) make the bare
term, the web URI and the CURIE the same IRI; CBV 1.x URNs (`urn:epcglobal:cbv:bizstep:shipping`) are the
older spelling of it. Capture and query must agree on all of them.
"""

from __future__ import annotations

import pytest

from tests import factories
from zhijian.trace import epcis as E

LD = {"content-type": "application/ld+json"}

SPELLINGS = {
    "bizStep": ["shipping", "https://ref.gs1.org/cbv/BizStep-shipping", "cbv:BizStep-shipping",
                "urn:epcglobal:cbv:bizstep:shipping"],
    "disposition": ["in_transit", "https://ref.gs1.org/cbv/Disp-in_transit", "cbv:Disp-in_transit",
                    "urn:epcglobal:cbv:disp:in_transit"],
    "bizTransaction": ["po", "https://ref.gs1.org/cbv/BTT-po", "cbv:BTT-po", "urn:epcglobal:cbv:btt:po"],
    "sourceDest": ["owning_party", "https://ref.gs1.org/cbv/SDT-owning_party", "cbv:SDT-owning_party",
                   "urn:epcglobal:cbv:sdt:owning_party"],
    "errorReason": ["incorrect_data", "https://ref.gs1.org/cbv/ER-incorrect_data", "cbv:ER-incorrect_data",
                    "urn:epcglobal:cbv:er:incorrect_data"],
}


@pytest.mark.parametrize("kind", sorted(SPELLINGS))
def test_every_spelling_is_the_short_term(kind: str) -> None:
    short = SPELLINGS[kind][0]
    assert {E.vocab_short(kind, v) for v in SPELLINGS[kind]} == {short}
    assert E.vocab_full(kind, short) == E.VOC_PREFIX[kind] + short
    assert E.VOC_PREFIX[kind].startswith("https://ref.gs1.org/cbv/")


def test_user_vocabulary_is_left_alone() -> None:
    assert E.vocab_short("bizStep", "https://example.cn/voc/steaming") == "https://example.cn/voc/steaming"
    # a CBV-looking URI whose term is not in the CBV stays what it is (it is a user term, not `nonsense`)
    assert E.vocab_short("bizStep", "https://ref.gs1.org/cbv/BizStep-nonsense").endswith("BizStep-nonsense")


def test_capture_in_one_spelling_query_in_another(client, admin_token) -> None:
    headers = {**admin_token, **LD}
    uid = factories.uid()
    po = f"urn:test:po:{uid}"
    events = []
    # the JSON schema admits the bare term, the web URI and the CURIE at capture (a URN is a 1.x XML form)
    for i, (step, disp, btt, sdt) in enumerate(zip(*(SPELLINGS[k][:3] for k in ("bizStep", "disposition",
                                                                             "bizTransaction", "sourceDest")),
                                                   strict=True)):
        events.append({"type": "ObjectEvent", "eventTime": f"2026-03-0{i + 1}T09:00:00+08:00",
                       "eventTimeZoneOffset": "+08:00", "action": "OBSERVE", "bizStep": step, "disposition": disp,
                       "epcList": [f"urn:epc:id:sgtin:6901234.000123.{uid}{i}"],
                       "bizTransactionList": [{"type": btt, "bizTransaction": po}],
                       "sourceList": [{"type": sdt, "source": "urn:epc:id:pgln:6901234.00001"}]})
    doc = {"@context": [E.EPCIS_CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
           "creationDate": "2026-03-15T00:00:00Z", "epcisBody": {"eventList": events}}
    r = client.post("/epcis/capture", json=doc, headers=headers)
    assert r.status_code == 202, r.text

    def count(**params: str) -> int:
        resp = client.get("/epcis/events", headers=headers, params={
                                                                   "EQ_bizTransaction_po": po, **params})
        assert resp.status_code == 200, resp.text
        return len(resp.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"])

    assert count() == 3
    steps = client.get("/epcis/bizSteps", headers=headers)
    assert steps.status_code == 200, steps.text
    assert "https://ref.gs1.org/cbv/BizStep-shipping" not in steps.text  # one value per term, not two
    for step in SPELLINGS["bizStep"]:
        assert count(EQ_bizStep=step) == 3, step
    for disp in SPELLINGS["disposition"]:
        assert count(EQ_disposition=disp) == 3, disp
    for sdt in SPELLINGS["sourceDest"]:
        assert count(**{f"EQ_source_{sdt}": "urn:epc:id:pgln:6901234.00001"}) == 3, sdt
    for btt in SPELLINGS["bizTransaction"][1:]:
        resp = client.get("/epcis/events", headers=headers, params={f"EQ_bizTransaction_{btt}": po})
        assert resp.status_code == 200, resp.text
        assert len(resp.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]) == 3, btt
