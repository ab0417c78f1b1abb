"""GS1 Digital Link syntax and GS1-Conformant resolver behaviour (issue #16, resolver findings).

Sources: GS1 Digital Link URI Syntax standard (primary keys and key qualifiers, §4; query-string data
attributes, §6: a key or key qualifier never in the query string, each AI once), GS1 General Specifications
(AI formats: (01) is N14; (21)/(10)/(235) are CSET 82, which includes `/ < > ? % &`), GS1-Conformant
Resolver standard 1.x (GET, HEAD and OPTIONS; CORS; linkType `all`/`linkset` or `Accept:
application/linkset+json` → RFC 9264 linkset; a requested link type → 307 with the query string passed on;
400 for bad syntax; 404 for an unknown key) and GS1's resolver description file schema
(github gs1/GS1_DigitalLink_Resolver_CE, resolverDescriptionFile.schema.json: name, resolverRoot,
supportedPrimaryKeys, supportedLinkType{namespace,prefix}, linkTypeDefaultCanBeAll, contact …).
"""

from __future__ import annotations

import pytest

from tests import factories
from tests.trace.conftest import issue_lot
from zhijian.platform.errors import DomainError
from zhijian.trace import digital_link as D
from zhijian.trace import epcis as E
from zhijian.trace import rules

G = "09506000134352"  # GS1's example GTIN (digital-link.js and the standard's examples)
JSON = {"accept": "application/json"}

# URIs GS1's syntax rules refuse that the old parser accepted (finding: "accepts 13 URIs that GS1's syntax
# rules refuse"), each with the AI the 400 must name.
REFUSED = [
    (f"/01/{G}/21/X?10=ABC", "ai:10"),  # a key qualifier in the query string
    (f"/01/{G}/21/X?22=ABC", "ai:22"),
    (f"/01/{G}/21/X?01={G}", "ai:01"),  # the primary key in the query string
    (f"/01/{G}/10/L1/10/L2/21/X", "ai:10"),  # duplicate AI in the path
    (f"/01/{G}/21/X?17=270331&17=270331", "ai:17"),  # duplicate AI in the query
    (f"/01/{G}/21/X?17=", "ai:17"),  # empty value
    (f"/01/{G}/21/X?89=1", "ai:89"),  # unknown AI
    (f"/01/{G}/21/X?89=", "ai:89"),
    (f"/01/{G}/21/A%00B", "uri"),  # NUL
    (f"/01/{G}//21/X", "uri"),  # empty path segment
    (f"/01/{G}/21/", "uri"),
    ("/01/95060001343", "ai:01"),  # GTIN-12 not padded (AI (01) is N14)
    ("/01/9506000134352", "ai:01"),  # GTIN-13 not padded
    ("/01/95012346", "ai:01"),  # GTIN-8 not padded
    (f"/01/{G}/21/X?17=271340", "ai:17"),  # not a date in YYMMDD's pattern (month 13)
]


@pytest.mark.parametrize(("uri", "field"), REFUSED, ids=[u for u, _ in REFUSED])
def test_refused_by_syntax_rules(uri: str, field: str) -> None:
    with pytest.raises(DomainError) as err:
        D.parse(uri)
    assert (err.value.status, err.value.field) == (400, field)


@pytest.mark.parametrize(("uri", "element_string"), [
    (f"https://id.gs1.org/01/{G}/235/TEST", f"(01){G}(235)TEST"),  # 235 is a key qualifier of 01
    (f"https://id.gs1.org/01/{G}/22/2A/10/ABC/21/XYZ?17=270331", f"(01){G}(22)2A(10)ABC(21)XYZ(17)270331"),
    (f"/01/{G}/21/ABC%2F1", f"(01){G}(21)ABC/1"),  # '/' is CSET 82: valid GS1, refused only when we issue
    ("/00/106141412345678908", "(00)106141412345678908"),
    ("/414/9520123456788/254/32a%2Fb", "(414)9520123456788(254)32a/b"),
    ("/8004/0614141ABC123", "(8004)0614141ABC123"),
    ("/8003/03870585000552987", "(8003)03870585000552987"),
    ("/253/4602443000331XYZ", "(253)4602443000331XYZ"),
    ("https://brand.example.cn/qr/p/01/09506000134352/21/S1", f"(01){G}(21)S1"),  # custom path stem
])
def test_accepted_by_syntax_rules(uri: str, element_string: str) -> None:
    assert D.parse(uri).element_string() == element_string


def test_issuing_still_applies_gbt_33993() -> None:
    with pytest.raises(DomainError):
        rules.check_ai_value("ABC/1", "serial")  # our own codes keep GB/T 33993-2017's exclusions


def test_resolver_http_behaviour(client, db) -> None:  # type: ignore[no-untyped-def]
    lot = issue_lot(db, quantity=3)
    path = f"/01/{lot.gtin}/10/{lot.lot}/21/{lot.serials[0]}"
    # HEAD: known code → 200 with the linkset Link header, and no scan recorded
    head = client.head(path)
    assert head.status_code == 200 and 'rel="linkset"' in head.headers["link"]
    assert head.headers["access-control-allow-origin"] == "*"
    first = client.get(path, headers=JSON).json()
    assert first["answer"] == "genuine_first"  # the HEAD before did not count as a query
    # OPTIONS preflight
    pre = client.options(path, headers={"Origin": "https://shop.example", "Access-Control-Request-Method": "GET"})
    assert pre.status_code == 204 and "HEAD" in pre.headers["access-control-allow-methods"]
    # linkset by linkType=all, linkType=linkset and by Accept
    for params, headers in (({"linkType": "all"}, {}), ({"linkType": "linkset"}, {}),
                            ({}, {"accept": "application/linkset+json"})):
        r = client.get(path, params=params, headers=headers)
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/linkset+json")
        assert r.json()["linkset"][0]["anchor"].endswith(f"/21/{lot.serials[0]}")
    # a requested link type redirects (307) with the rest of the query passed on
    r = client.get(path, params={"linkType": "gs1:traceability", "lang": "zh"}, follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"].endswith("/events?lang=zh")
    # unknown code: 404, and the consumer page still says 查无此码
    unknown = f"/01/{factories.new_gtin().zfill(14)}/21/{lot.serials[1]}"
    assert client.get(unknown, headers=JSON).status_code == 404
    page = client.get(unknown)
    assert page.status_code == 404 and "查无此码" in page.text
    assert client.head(unknown).status_code == 404
    # bad syntax: 400 problem+json naming the AI
    bad = client.get(f"/01/{lot.gtin}/21/{lot.serials[0]}?10=ABC", headers=JSON)
    assert bad.status_code == 400 and bad.json()["field"] == "ai:10"
    assert bad.headers["content-type"].startswith("application/problem+json")
    # a GS1-valid serial we did not issue is not a syntax error (was 400 under GB/T 33993 on scan)
    assert client.get(f"/01/{lot.gtin}/21/ABC%2F1", headers=JSON).status_code == 404


def test_description_file_has_the_standard_keys(client) -> None:  # type: ignore[no-untyped-def]
    d = client.get("/.well-known/gs1resolver").json()
    assert d["resolverRoot"].startswith("https://") and d["name"]
    assert {"00", "01", "253", "255", "401", "402", "414", "417", "8003", "8004", "8006", "8010", "8013",
            "8017", "8018"} <= set(d["supportedPrimaryKeys"])
    assert d["supportedLinkType"] == [{"namespace": "https://gs1.org/voc/", "prefix": "gs1:"}]
    assert d["linkTypeDefaultCanBeAll"] is False and "fn" in d["contact"] and d["termsOfUse"]
    assert "keyQualifierOrder" not in d and "supportedLinkType" in d  # only the schema's keys


def test_pallet_sscc_resolves_to_its_trace(client, admin_token) -> None:  # type: ignore[no-untyped-def]
    uid = factories.uid()
    ref = str(int(uid[:6], 16) % 10**9).zfill(9)
    body = "1" + "6901234" + ref
    sscc = body + D.gs1_check_digit(body)
    event = {"type": "ObjectEvent", "eventTime": "2026-03-02T09:00:00+08:00", "eventTimeZoneOffset": "+08:00",
             "action": "OBSERVE", "bizStep": "shipping", "epcList": [f"https://id.gs1.org/00/{sscc}"]}
    doc = {"@context": [E.EPCIS_CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
           "creationDate": "2026-03-15T00:00:00Z", "epcisBody": {"eventList": [event]}}
    r = client.post("/epcis/capture", json=doc, headers={**admin_token, "content-type": "application/ld+json"})
    assert r.status_code == 202, r.text
    res = client.get(f"/00/{sscc}", follow_redirects=False)
    assert res.status_code == 307 and "/epcis/epcs/" in res.headers["location"]
    ls = client.get(f"/00/{sscc}", params={"linkType": "all"}).json()["linkset"][0]
    assert "https://gs1.org/voc/traceability" in ls
    other = "1" + "6901234" + str((int(ref) + 1) % 10**9).zfill(9)
    assert client.get(f"/00/{other + D.gs1_check_digit(other)}", headers=JSON).status_code == 404


def test_element_string_keeps_22_and_query_attributes() -> None:
    """Finding: element strings dropped AI 22 and every query attribute. GS1 GenSpecs §5.10: predefined-
    length AIs ((17), (3103) …) need no FNC1; the others are separated by FNC1 unless last."""
    link = rules.parse_digital_link(f"https://id.gs1.org/01/{G}/22/2A/10/ABC/21/XYZ?17=270331&3103=000189")
    assert link.element_string() == f"(01){G}(17)270331(3103)000189(22)2A(10)ABC(21)XYZ"
    carrier = rules.ai_element_string(G, lot="L1", serial="S9", cpv="2A", human=False,
                                      attributes={"17": "270331"})
    assert carrier == f"01{G}17270331222A\x1d10L1\x1d21S9"


def test_issued_links_carry_the_expiry(client, db) -> None:  # type: ignore[no-untyped-def]
    """Finding: issued QR links omitted `?17=` expiry though the CSV's element string had it."""
    import datetime as dt

    from zhijian.platform.auth import SYSTEM
    from zhijian.trace import service

    lot = issue_lot(db, quantity=2, expiry=dt.date(2027, 3, 31))
    with db.session(SYSTEM) as s:
        chunk = next(service.iter_batch_codes(s, SYSTEM, lot.batch_id, host="id.zhijian.example"))
    assert chunk[0].uri.endswith(f"/21/{chunk[0].serial}?17=270331")
    assert "(17)270331" in chunk[0].element_string
    r = client.get(chunk[0].uri.removeprefix("https://id.zhijian.example"), headers=JSON)
    assert r.status_code == 200 and r.json()["answer"] == "genuine_first"  # the resolver reads it back


# Cases from GS1's Barcode Syntax Engine unit tests (github gs1/gs1-syntax-engine, src/c-lib/dl.c,
# test_parseDLuri, commit 50657db), default options; the engine's AI data strings written here as element
# strings. Run against the whole of that test list, this parser agrees on all 99 default-option cases.
@pytest.mark.parametrize(("uri", "element_string"), [
    ("HTTPS://a/00/006141411234567890", "(00)006141411234567890"),
    ("https://[2001:db8::1]/01/12312312312333", "(01)12312312312333"),
    ("https://a:65535/01/12312312312333", "(01)12312312312333"),
    ("https://a/00/faux/00/006141411234567890", "(00)006141411234567890"),  # fake AI in the stem: rightmost key
    ("https://example.com/8004/9520614141234567?01=09520123456788", "(8004)9520614141234567(01)09520123456788"),
    ("https://id.gs1.org/01/09520123456788/235/XYZ?10=ABC123", "(01)09520123456788(235)XYZ(10)ABC123"),
    ("https://id.gs1.org/01/09520123456788?17=201225&3103=000195&3922=0299",
     "(01)09520123456788(17)201225(3103)000195(3922)0299"),  # query order kept
])
def test_syntax_engine_accepts(uri: str, element_string: str) -> None:
    assert D.parse(uri).element_string() == element_string


@pytest.mark.parametrize("uri", [
    "HtTp://a/b/00/006141411234567890",  # mixed-case scheme
    "https://[fe80::1%25lo]/01/12312312312333",  # IPv6 zone identifier
    "https://a/01/12312312312333<bad",  # characters outside RFC 3986
    "https://a/01/12312312312333^bad",
    "https://example.com/01/09520123456788?10=ABC123",  # qualifier in the query string
    "https://id.gs1.org/01/09520123456788/10/ABC123?99=XYZ789&01=09520123456788",  # own key repeated
    "https://example.com/01/09520123456788/89/ABC123?99=XYZ",  # unknown AI
    "https://a/gtin/12312312312333",  # convenience alphas are off by default
])
def test_syntax_engine_refuses(uri: str) -> None:
    with pytest.raises(DomainError):
        D.parse(uri)
