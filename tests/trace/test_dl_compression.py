"""Compressed GS1 Digital Links and custom path stems (issue #16: "compressed Digital Links and custom path stems
give 404").

Sources of the worked examples (published, not made here):
- GS1 Resolver CE v3.0 announcement ("Resolver v3.0 and GS1 Digital Link Compression", gs1/GS1_DigitalLink_
  Resolver_CE discussion #95): `https://example.com/01/05392000229648/10/LOT01/21/SERIAL01?compress=true` →
  `/AQnO2IRCICDKWcnpqQtCQiJABemo`.
- Trust Codes' gs1-compression README (the Python port GS1's prototype points to): `https://dlnkd.tn.gg/ARHKVAdpQg`
  → `https://dlnkd.tn.gg/01/09780345418913`.
- GS1's compression prototype (gs1/GS1DigitalLinkCompressionPrototype, the code written alongside the DL 1.1 §8
  algorithm), its examples of a fully compressed link with non-GS1 pairs,
  `…/AQnYUc1gmiERBhQ0ytiyZuAGOLc1TXhXsaXbQKHFuaprwUmrBX6g`, and of the same without them,
  `…/AQnYUc1gmiERBhQ0ytiyZuAGOLc1TQ?expdt=1903061658&k1=v1`, both of (01)05412345000013 (10)ABC&+123
  (7003)1903061658. The optimised and partially compressed tokens below were computed with that prototype
  (`compressGS1DigitalLink(…, useOptimisations=true)`, `gs1ElementStringsToCompressedGS1DigitalLink(…,
  uncompressedPrimary=true)`); 1,000 random element strings agreed with it both ways when this was written.
Custom stems: GS1 Digital Link URI Syntax 1.2 §4.1 (any path may precede the primary key).
"""

from __future__ import annotations

import dataclasses

import pytest
from fastapi.testclient import TestClient

from tests.trace.conftest import issue_lot
from zhijian.platform.app import create_app
from zhijian.platform.errors import DomainError
from zhijian.trace import digital_link as D
from zhijian.trace import dl_compression as C
from zhijian.trace import resolver_routes as R

JSON = {"accept": "application/json"}
CE = {"01": "05392000229648", "10": "LOT01", "21": "SERIAL01"}
PROTO = {"01": "05412345000013", "10": "ABC&+123", "7003": "1903061658"}


def test_published_examples_decompress() -> None:
    assert C.decompress("AQnO2IRCICDKWcnpqQtCQiJABemo") == C.Decompressed(CE, {})
    assert C.decompress("ARHKVAdpQg") == C.Decompressed({"01": "09780345418913"}, {})
    full = C.decompress("AQnYUc1gmiERBhQ0ytiyZuAGOLc1TXhXsaXbQKHFuaprwUmrBX6g")
    assert full == C.Decompressed(PROTO, {"expdt": "1903061658", "k1": "v1"})
    assert C.decompress("AQnYUc1gmiERBhQ0ytiyZuAGOLc1TQ") == C.Decompressed(PROTO, {})


def test_compression_gives_the_published_tokens() -> None:
    assert C.compress(CE, optimise=False) == "AQnO2IRCICDKWcnpqQtCQiJABemo"  # what Resolver CE answers
    assert C.compress({"01": "09780345418913"}, optimise=False) == "ARHKVAdpQg"
    assert C.compress(PROTO, optimise=False) == "AQnYUc1gmiERBhQ0ytiyZuAGOLc1TQ"
    # with the standard's optimisation table, (01)+(10) is the one code 0B (hex 0, B → 'C' …)
    assert C.compress(CE, optimise=True) == "CwnO2IRCIMpZyempC0JCIkAF6ag"
    assert C.decompress("CwnO2IRCIMpZyempC0JCIkAF6ag").pairs == CE
    assert len("CwnO2IRCIMpZyempC0JCIkAF6ag") < len("AQnO2IRCICDKWcnpqQtCQiJABemo")


ROUND_TRIPS = [
    {"00": "106141412345678908"},  # SSCC
    {"414": "9520123456788", "254": "32a/b"},  # GLN + extension (optimisation 9D), 7-bit ASCII value
    {"01": "09506000134352", "22": "2A", "10": "abc123", "21": "ABC-_xyz", "17": "270331", "3103": "000189"},
    {"01": "09506000134352", "10": "0012", "21": "DEADBEEF", "3922": "0042"},  # leading zeros kept
    {"8003": "03870585000552987", "253": "4000001000005ABC"},
    {"255": "0614141123452"},  # the optional N..12 absent: still one bit (as GS1's prototype writes it)
    {"8017": "795260646688514634", "8019": "12"},
]


@pytest.mark.parametrize("pairs", ROUND_TRIPS)
@pytest.mark.parametrize("optimise", [False, True])
def test_round_trip(pairs: dict[str, str], optimise: bool) -> None:
    assert C.decompress(C.compress(pairs, optimise=optimise)).pairs == pairs


@pytest.mark.parametrize("token", ["AQnO2IRCICDKWcnpqQtCQiJABem=", "AQnO2IRCICDKWcnpqQtCQiJABemo_", "A",
                                   "wAAAAAAA", "//", ""])
def test_not_a_compressed_link(token: str) -> None:
    with pytest.raises(DomainError) as err:
        C.decompress(token)
    assert (err.value.code, err.value.status) == ("trace.invalid_uri", 400)


def test_parse_reads_every_compressed_form() -> None:
    el = "(01)05392000229648(10)LOT01(21)SERIAL01"
    assert D.parse("https://example.com/AQnO2IRCICDKWcnpqQtCQiJABemo").element_string() == el
    assert D.parse("https://example.com/01/05392000229648/EGUs5PTUhaEhESAC9NQ").element_string() == el
    assert D.parse("/p/CwnO2IRCIMpZyempC0JCIkAF6ag?linkType=all").params == {"linkType": "all"}
    link = D.parse("http://example.org/AQnYUc1gmiERBhQ0ytiyZuAGOLc1TXhXsaXbQKHFuaprwUmrBX6g")
    assert (link.qualifiers, link.attributes) == ({"10": "ABC&+123"}, {"7003": "1903061658"})
    assert (link.host, link.params) == ("example.org", {"expdt": "1903061658", "k1": "v1"})
    # syntax rules still apply after decompression: two primary keys, a bad check digit
    with pytest.raises(DomainError):
        D.parse("/" + C.compress({"01": "05392000229648", "00": "106141412345678908"}))
    with pytest.raises(DomainError) as err:
        D.parse("/" + C.compress({"01": "05392000229640"}))
    assert err.value.field == "ai:01"
    with pytest.raises(DomainError):  # urlsplit's ValueError (an unclosed IPv6 bracket) is a 400, not a 500
        D.parse("http://[::1/01/05392000229648")


def test_issued_links_offer_the_compressed_form() -> None:
    link = D.parse("https://example.com/01/05392000229648/10/LOT01/21/SERIAL01")
    assert D.compressed_link(link, origin="https://example.com") == "https://example.com/AQnO2IRCICDKWcnpqQtCQiJABemo"
    assert D.compressed_link(link, keep_key=True) == "/01/05392000229648/EGUs5PTUhaEhESAC9NQ"
    expiry = D.parse("/01/05392000229648/10/LOT01/21/SERIAL01?17=270331&linkType=gs1:pip")
    short = D.compressed_link(expiry)
    assert short.endswith("?linkType=gs1%3Apip") and D.parse(short).attributes == {"17": "270331"}


def test_the_resolver_answers_compressed_links(client, lot) -> None:  # type: ignore[no-untyped-def]
    serial = lot.serials[0]
    full = "/" + C.compress({"01": lot.gtin, "10": lot.lot, "21": serial})
    r = client.get(full, headers=JSON)
    assert r.status_code == 200, r.text
    assert (r.json()["answer"], r.json()["count"]) == ("genuine_first", 1)
    partial = f"/01/{lot.gtin}/" + C.compress({"10": lot.lot, "21": serial})
    r = client.get(partial, headers=JSON)
    assert (r.status_code, r.json()["answer"], r.json()["count"]) == (200, "genuine_repeat", 2)
    assert client.head(full).status_code == 200
    linkset = client.get(full, params={"linkType": "linkset"})
    assert linkset.headers["content-type"].startswith("application/linkset+json")
    unknown = "/" + C.compress({"01": lot.gtin, "10": lot.lot, "21": serial[:-1] + ("Z" if serial[-1] != "Z" else "Y")})
    assert client.get(unknown, headers=JSON).status_code == 404
    # other pages are not shadowed; a one-segment path that is no compressed link stays the app's 404
    assert client.get("/login").status_code == 200
    assert client.get("/NotACompressedLink", headers=JSON).status_code == 404


def test_custom_path_stems(sqlite_db, settings) -> None:  # type: ignore[no-untyped-def]
    lot = issue_lot(sqlite_db)
    app = create_app(sqlite_db, dataclasses.replace(settings, extra={"resolver_stems": "/p, gs1/dl/"}))
    with TestClient(app) as c:
        for stem in ("/p", "/gs1/dl"):
            r = c.get(f"{stem}/01/{lot.gtin}/10/{lot.lot}/21/{lot.serials[1]}", headers=JSON)
            assert (r.status_code, r.json()["gtin"]) == (200, lot.gtin), stem
        token = C.compress({"01": lot.gtin, "10": lot.lot, "21": lot.serials[1]})
        assert c.get(f"/p/{token}", headers=JSON).json()["count"] == 3
        assert c.options(f"/p/01/{lot.gtin}").headers["access-control-allow-origin"] == "*"
        assert c.get(f"/q/01/{lot.gtin}/10/{lot.lot}/21/{lot.serials[1]}", headers=JSON).status_code == 404
        bad = c.get(f"/p/01/{lot.gtin}/21/X?10=ABC", headers=JSON)
        assert (bad.status_code, bad.json()["field"]) == (400, "ai:10")


@pytest.mark.parametrize("raw", ["/api", "/epcis/x", "/01", "/p q"])
def test_stems_that_shadow_the_platform_are_refused(raw: str) -> None:
    with pytest.raises(DomainError):
        R.parse_stems(raw)
    assert R.parse_stems(" /p/ ,, /a/b") == ("/p", "/a/b")


def test_the_api_offers_the_compressed_form(client) -> None:  # type: ignore[no-untyped-def]
    uri = "https://example.com/01/05392000229648/10/LOT01/21/SERIAL01"
    r = client.get("/api/v1/trace/links/compressed", params={"uri": uri})
    assert r.status_code == 200, r.text
    assert r.json() == {"uri": uri, "compressed": "https://example.com/AQnO2IRCICDKWcnpqQtCQiJABemo",
                        "element_string": "(01)05392000229648(10)LOT01(21)SERIAL01"}
    r = client.get("/api/v1/trace/links/compressed", params={"uri": uri, "keep_key": "true"})
    assert r.json()["compressed"] == "https://example.com/01/05392000229648/EGUs5PTUhaEhESAC9NQ"
    bad = client.get("/api/v1/trace/links/compressed", params={"uri": "/01/05392000229640"})
    assert (bad.status_code, bad.json()["field"]) == (400, "ai:01")
