"""`orderBy` on extension fields (issue #16, "orderBy on every orderable field").

EPCIS 2.0 §8.2.7.1 (SimpleEventQuery), as the REST binding's OpenAPI (tests/data/gs1-epcis/epcis-rest-openapi.json,
parameter `orderBy`) words it: the value "SHALL be one of: eventTime, recordTime, or the fully qualified name of an
extension field whose type is Int, Float, Time, or String"; events that lack the field "may occur in any position";
`orderDirection` defaults to DESC; `eventCountLimit` takes the first N in that order (the standard's extremal
query: orderBy + DESC + eventCountLimit=1). Paging by nextPageToken must keep the order across pages.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

import pytest

from tests import factories
from tests.conftest import GS1_EPCIS
from zhijian.trace import epcis as E

LD = {"content-type": "application/ld+json"}
# numbers that sort differently as text ("9" > "10" > "100") and a float: order must be numeric
RANKS = {1: 10, 2: 9, 3: 100, 4: 2.5, 5: None, 6: 42}
GRADES = {1: "B", 2: "A", 3: "C", 4: "AA", 5: "Z", 6: None}


def test_the_binding_allows_extension_fields() -> None:
    spec = json.loads((GS1_EPCIS / "epcis-rest-openapi.json").read_text(encoding="utf-8"))
    text = spec["components"]["parameters"]["orderBy"]["description"]
    assert "fully qualified name of an extension field whose type is Int, Float, Time, or String" in text


def _capture(client: Any, headers: dict[str, str], uid: str) -> None:
    events = []
    for day in RANKS:
        ev: dict[str, Any] = {"type": "ObjectEvent", "eventTime": f"2026-04-0{day}T08:00:00+08:00",
                              "eventTimeZoneOffset": "+08:00", "action": "OBSERVE",
                              "epcList": [f"urn:epc:id:sgtin:6901234.000321.{uid}{day}"],
                              "bizTransactionList": [{"type": "po", "bizTransaction": f"urn:test:po:{uid}"}]}
        if RANKS[day] is not None:
            ev["example:rank"] = RANKS[day]
        if GRADES[day] is not None:
            ev["example:grade"] = GRADES[day]
        events.append(ev)
    doc = {"@context": [E.EPCIS_CONTEXT, {"example": "https://example.com/epcis/"}], "type": "EPCISDocument",
           "schemaVersion": "2.0", "creationDate": "2026-04-10T00:00:00Z", "epcisBody": {"eventList": events}}
    r = client.post("/epcis/capture", json=doc, headers={**headers, **LD})
    assert r.status_code == 202, r.text


def _days(client: Any, headers: dict[str, str], uid: str, **params: str) -> list[int]:
    """Every page of the query, following nextPageToken; the events' days in answer order."""
    out: list[int] = []
    token: str | None = None
    for _ in range(10):
        q = {"EQ_bizTransaction_po": f"urn:test:po:{uid}", "perPage": "2", **params}
        if token:
            q["nextPageToken"] = token
        r = client.get("/epcis/events", headers=headers, params=q)
        assert r.status_code == 200, r.text
        out += [int(e["eventTime"][8:10]) for e in r.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]
        link = r.headers.get("link", "")
        if "nextPageToken=" not in link:
            return out
        token = unquote(link.split("nextPageToken=")[1].split(">")[0])
    raise AssertionError("paging did not end")


def test_order_by_an_extension_field(client, admin_token) -> None:  # type: ignore[no-untyped-def]
    uid = factories.uid()
    _capture(client, admin_token, uid)
    by_rank = [d for d, _ in sorted(((d, r) for d, r in RANKS.items() if r is not None), key=lambda x: x[1])]
    assert by_rank == [4, 2, 1, 6, 3]  # 2.5 < 9 < 10 < 42 < 100
    asc = _days(client, admin_token, uid, orderBy="example:rank", orderDirection="ASC")
    assert sorted(asc) == [1, 2, 3, 4, 5, 6]  # every event once, across the pages
    assert [d for d in asc if RANKS[d] is not None] == by_rank
    desc = _days(client, admin_token, uid, orderBy="example:rank")  # DESC by default
    assert [d for d in desc if RANKS[d] is not None] == by_rank[::-1]
    grades = _days(client, admin_token, uid, orderBy="example:grade", orderDirection="ASC")
    assert [d for d in grades if GRADES[d] is not None] == [2, 4, 1, 3, 5]  # A < AA < B < C < Z
    # the extremal query: the event with the highest rank
    assert _days(client, admin_token, uid, orderBy="example:rank", eventCountLimit="1") == [3]
    # eventTime still works as before
    assert _days(client, admin_token, uid, orderBy="eventTime", orderDirection="ASC") == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("value", ["rank", "quantity", "eventTime desc"])
def test_order_by_refuses_other_names(client, admin_token, value: str) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/epcis/events", headers=admin_token, params={"orderBy": value})
    assert r.status_code == 400 and "orderBy" in r.text


# ILMD (instance/lot master data, EPCIS 2.0 §7.3.6): fields of a commissioning event's `ilmd` order as extension
# fields do; ranks that sort differently as text, one event without the field, a text field beside them
LOT_RANKS = {1: 7, 2: 70, 3: None, 4: 8.5, 5: 700}
LOT_GRADES = {1: "特级", 2: "一级", 3: "二级", 4: None, 5: "一级"}


def _capture_ilmd(client: Any, headers: dict[str, str], uid: str) -> None:
    events = []
    for day in LOT_RANKS:
        ilmd: dict[str, Any] = {"cbvmda:lotNumber": f"LOT{day}"}
        if LOT_RANKS[day] is not None:
            ilmd["example:lotRank"] = LOT_RANKS[day]
        if LOT_GRADES[day] is not None:
            ilmd["example:lotGrade"] = LOT_GRADES[day]
        events.append({"type": "ObjectEvent", "eventTime": f"2026-05-0{day}T08:00:00+08:00",
                       "eventTimeZoneOffset": "+08:00", "action": "ADD", "bizStep": "commissioning",
                       "epcList": [f"urn:epc:id:sgtin:6901234.000321.{uid}{day}"],
                       "bizTransactionList": [{"type": "po", "bizTransaction": f"urn:test:po:{uid}"}],
                       "ilmd": ilmd})
    doc = {"@context": [E.EPCIS_CONTEXT, {"example": "https://example.com/epcis/"}], "type": "EPCISDocument",
           "schemaVersion": "2.0", "creationDate": "2026-05-10T00:00:00Z", "epcisBody": {"eventList": events}}
    r = client.post("/epcis/capture", json=doc, headers={**headers, **LD})
    assert r.status_code == 202, r.text


def test_order_by_an_ilmd_field(client, admin_token) -> None:  # type: ignore[no-untyped-def]
    uid = factories.uid()
    _capture_ilmd(client, admin_token, uid)
    # numerically 7 < 8.5 < 70 < 700 (as text "7" < "70" < "700" < "8.5"); day 3 has no rank: the lowest key
    asc = _days(client, admin_token, uid, orderBy="example:lotRank", orderDirection="ASC")
    assert asc == [3, 1, 4, 2, 5]  # across three pages of two
    assert _days(client, admin_token, uid, orderBy="example:lotRank") == [5, 2, 4, 1, 3]  # DESC: missing last
    assert _days(client, admin_token, uid, orderBy="example:lotRank", eventCountLimit="1") == [5]
    # text as text (code points: 一 U+4E00 < 二 U+4E8C < 特 U+7279), ties by storage order
    assert _days(client, admin_token, uid, orderBy="example:lotGrade", orderDirection="ASC") == [4, 2, 5, 3, 1]
    # the ILMD's standard lot number (cbvmda:, a CURIE of the standard context) is a field like any other
    assert _days(client, admin_token, uid, orderBy="cbvmda:lotNumber", orderDirection="ASC") == [1, 2, 3, 4, 5]
