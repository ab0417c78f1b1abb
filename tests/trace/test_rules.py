"""Pure rules of the trace room: GS1 identifiers, Digital Link, serials with a MAC, answers, signals, EPCIS."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhijian.platform.errors import DomainError
from zhijian.trace import epcis as E
from zhijian.trace import rules

UTC = dt.UTC


# ---------------------------------------------------------------- GTIN (GS1 General Specifications §7.9.1)


@pytest.mark.parametrize(("body", "check"), [
    ("629104150021", "3"),  # GS1 GenSpecs §7.9.1 worked example: GTIN-13 6291041500213
    ("400638133393", "1"),  # EAN-13 4006381333931 (a commonly cited worked example)
    ("1061414107346", "4"),  # EPC TDS 2.0 example: urn:epc:id:sgtin:0614141.107346.2017 ↔ (01)10614141073464
    ("8061414112345", "8"),  # EPC TDS 2.0 example: urn:epc:id:sgtin:0614141.812345.6789 ↔ (01)80614141123458
])
def test_gtin_check_digit_gs1_examples(body, check):
    assert rules.gtin_check_digit(body) == check
    assert rules.normalize_gtin(body + check) == (body + check).zfill(14)


def test_gtin_wrong_check_digit_names_the_right_one():
    with pytest.raises(DomainError) as exc:
        rules.normalize_gtin("6291041500214")
    assert exc.value.code == "trace.invalid_gtin" and "3" in exc.value.message_zh
    with pytest.raises(DomainError):
        rules.normalize_gtin("12345")


# ---------------------------------------------------------------- Digital Link and GB/T 33993


def test_digital_link_format_orders_qualifiers_22_10_21():
    uri = rules.format_digital_link("id.example.cn", "6291041500213", serial="ABC123", lot="L2026", cpv="2A")
    assert uri == "https://id.example.cn/01/06291041500213/22/2A/10/L2026/21/ABC123"


def test_digital_link_parse_roundtrip_with_percent_encoding():
    uri = rules.format_digital_link("id.example.cn", "06291041500213", lot="A+B(1)", serial="X!Y*'")
    link = rules.parse_digital_link(uri)
    assert (link.gtin, link.lot, link.serial, link.host) == ("06291041500213", "A+B(1)", "X!Y*'", "id.example.cn")
    # GS1 Digital Link standard's own example URI (https://id.gs1.org/01/09520123456788/10/ABC123/21/12345)
    ex = rules.parse_digital_link("https://id.gs1.org/01/09520123456788/10/ABC123/21/12345")
    assert (ex.gtin, ex.lot, ex.serial) == ("09520123456788", "ABC123", "12345")
    # a custom path prefix before /01/ is allowed; AI (01) is N14, so a GTIN-13 must be padded in the URI
    assert rules.parse_digital_link("https://brand.cn/qr/01/06291041500213/21/S1").gtin == "06291041500213"
    with pytest.raises(DomainError) as err:
        rules.parse_digital_link("https://brand.cn/qr/01/6291041500213/21/S1")
    assert (err.value.status, err.value.field) == (400, "ai:01")


@pytest.mark.parametrize("bad", [
    "/01/06291041500213/21/S1/10/L1",  # qualifiers out of order
    "/01/06291041500214/21/S1",  # wrong check digit
    "/02/06291041500213",  # no /01/
    "/01/06291041500213/21",  # AI without value
    "/01/06291041500213/17/260101",  # 17 is a data attribute, not a key qualifier
    "/01/06291041500213/21/" + "X" * 21,  # serial longer than 20
])
def test_digital_link_invalid_is_400(bad):
    with pytest.raises(DomainError) as exc:
        rules.parse_digital_link(bad)
    assert exc.value.status == 400


def test_ai_element_string_gbt_33993():
    human = rules.ai_element_string("6291041500213", lot="L1", serial="S9", expiry=dt.date(2027, 3, 31))
    assert human == "(01)06291041500213(17)270331(10)L1(21)S9"
    raw = rules.ai_element_string("6291041500213", lot="L1", serial="S9", expiry=dt.date(2027, 3, 31), human=False)
    assert raw == "010629104150021317270331" + "10L1\x1d" + "21S9"  # FNC1 after a variable field unless last


# ---------------------------------------------------------------- serials with a keyed MAC


def test_serials_shape_entropy_and_mac():
    key = rules.new_key()
    serials = rules.generate_serials(key, 3, "06291041500213", 20000)
    assert len(set(serials)) == 20000
    assert all(len(s) == 20 and s[0] == rules.ALPHABET[3] and set(s) <= set(rules.ALPHABET) for s in serials)
    assert all(rules.check_serial({3: key}, "06291041500213", s) for s in serials[:2000])
    # 13 random characters = 65 bits: every character position takes many values (not sequential)
    for pos in range(1, 14):
        assert len({s[pos] for s in serials}) == 32 or pos == 13
    assert rules.make_serial(key, 3, "06291041500213", "0" * 13)[:14] == "3" + "0" * 13


@settings(max_examples=200, deadline=None)
@given(pos=st.integers(0, 19), repl=st.sampled_from(rules.ALPHABET))
def test_any_single_character_change_breaks_the_mac(pos, repl):
    key = "11" * 32
    serial = rules.make_serial(key, 0, "06291041500213", "ABCDEFGHJKMNP")
    forged = serial[:pos] + repl + serial[pos + 1:]
    assert rules.check_serial({0: key}, "06291041500213", forged) == (forged == serial)


def test_mac_depends_on_key_gtin_and_version():
    k0, k1 = rules.new_key(), rules.new_key()
    s = rules.make_serial(k0, 0, "06291041500213")
    assert not rules.check_serial({0: k1}, "06291041500213", s)  # another enterprise's key
    assert not rules.check_serial({0: k0}, "04006381333931", s)  # another GTIN
    assert rules.check_serial({0: k0, 1: k1}, "06291041500213", s)  # old version still verifies after rotation
    assert not rules.check_serial({1: k1}, "06291041500213", s)  # unknown version
    assert not rules.check_serial({0: k0}, "06291041500213", "short")


# ---------------------------------------------------------------- answers, freezing, signals


def test_answers_carry_the_chinese_messages():
    assert rules.verification_answer(None, 0).message_zh == "查无此码，谨防假冒"
    assert rules.verification_answer("active", 1).message_zh == "首次查询，正品"
    first = dt.datetime(2026, 3, 15, 12, 30, tzinfo=UTC)  # 20:30 Beijing time
    rep = rules.verification_answer("active", 3, first, "浙江省 杭州市")
    assert rep.code == "genuine_repeat"
    assert rep.message_zh == "此码已被查询3次，首次查询时间2026-03-15 20:30，地点浙江省 杭州市；如非本人查询，谨防假冒"
    assert rules.verification_answer("recalled", 2).message_zh == "该批次已召回"
    assert rules.verification_answer("frozen", 11).code == "frozen"
    assert rules.verification_answer("voided", 1).code == "voided"


@pytest.mark.parametrize(("count", "threshold", "frozen"), [(2, 2, False), (3, 2, True), (10, 10, False),
                                                            (11, 10, True), (31, 30, True), (500, 0, False)])
def test_freeze_past_the_threshold(count, threshold, frozen):
    assert rules.should_freeze(count, threshold) is frozen


def test_counterfeit_signals():
    t0 = dt.datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
    bj = rules.ScanPoint(t0, "110000", 39.9, 116.4)
    gz = rules.ScanPoint(t0 + dt.timedelta(hours=1), "440100", 23.1, 113.3)
    kinds = {h.kind: h for h in rules.counterfeit_signals([bj], gz, ["110000"])}
    assert set(kinds) == {"far_apart", "diversion"}
    assert 1850 < kinds["far_apart"].evidence["distance_km"] < 1950  # Beijing–Guangzhou great circle ≈ 1 890 km
    sh = rules.ScanPoint(t0 + dt.timedelta(hours=2), "310000")
    assert "multi_city" in {h.kind for h in rules.counterfeit_signals([bj, gz], sh)}
    burst = [rules.ScanPoint(t0 + dt.timedelta(minutes=i), "110000") for i in range(4)]
    assert {h.kind for h in rules.counterfeit_signals(burst, rules.ScanPoint(t0 + dt.timedelta(minutes=5), "110000"))} \
        == {"burst"}
    # a buyer re-checking at home the next week raises nothing
    assert rules.counterfeit_signals([bj], rules.ScanPoint(t0 + dt.timedelta(days=7), "110000"), ["110000"]) == []


def test_coarse_location_keeps_city_level_only():
    assert rules.coarse_region("330106") == "330100"  # 杭州市西湖区 → 杭州市
    assert rules.coarse_region("110105") == "110000"  # 北京市朝阳区 → 北京市
    assert rules.coarse_region("abc") is None
    assert rules.coarse_coord(30.27456) == 30.3
    assert rules.in_sales_region("330100", ["330000"]) and not rules.in_sales_region("440100", ["330000", "320100"])


# ---------------------------------------------------------------- EPCIS identifiers and event hash


@pytest.mark.parametrize(("urn", "dl"), [  # EPC Tag Data Standard 2.0 examples
    ("urn:epc:id:sgtin:0614141.812345.6789", "https://id.gs1.org/01/80614141123458/21/6789"),
    ("urn:epc:id:sscc:0614141.1234567890", "https://id.gs1.org/00/106141412345678908"),
    ("urn:epc:id:sgln:0614141.12345.400", "https://id.gs1.org/414/0614141123452/254/400"),
    ("urn:epc:class:lgtin:4012345.012345.998877", "https://id.gs1.org/01/04012345123456/10/998877"),
    ("https://example.com/a/01/04012345123456/21/9?x=1", "https://id.gs1.org/01/04012345123456/21/9"),
])
def test_epc_urn_to_digital_link(urn, dl):
    assert E.canonical_id(urn) == dl


def test_event_hash_is_canonical():
    ev = {"type": "ObjectEvent", "action": "OBSERVE", "bizStep": "shipping", "eventTimeZoneOffset": "+08:00",
          "eventTime": "2026-03-15T20:00:00.000+08:00",
          "epcList": ["urn:epc:id:sgtin:0614141.812345.6789", "https://id.gs1.org/01/80614141123458/21/1"]}
    same = json.loads(json.dumps(ev))
    same["eventTime"] = "2026-03-15T12:00:00Z"  # the same instant in UTC
    same["epcList"] = list(reversed(["https://id.gs1.org/01/80614141123458/21/6789",
                                     "urn:epc:id:sgtin:0614141.812345.1"]))  # other order and spelling
    same["bizStep"] = "https://ref.gs1.org/cbv/BizStep-shipping"  # the CBV 2.0 web URI of `shipping`
    h = E.event_hash_id(ev)
    assert h == E.event_hash_id(same)
    assert h.startswith("ni:///sha-256;") and h.endswith("?ver=CBV2.0")
    assert E.event_hash_id({**ev, "bizStep": "receiving"}) != h
    assert E.event_hash_id({**ev, "eventID": "urn:uuid:1", "recordTime": "2026-01-01T00:00:00Z"}) == h


def test_unknown_vocabulary_term_is_a_validation_exception():
    doc = {"@context": [E.EPCIS_CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
           "creationDate": "2026-03-15T00:00:00Z", "epcisBody": {"eventList": [
               {"type": "ObjectEvent", "eventTime": "2026-03-15T00:00:00Z", "eventTimeZoneOffset": "+00:00",
                "action": "OBSERVE", "epcList": [], "bizStep": "teleporting"}]}}
    with pytest.raises(E.EpcisError) as exc:
        E.validate_document(doc)
    assert exc.value.extra["type"] == "epcisException:ValidationException" and "teleporting" in exc.value.message_en
    doc["epcisBody"]["eventList"][0]["bizStep"] = "https://example.cn/steps/teleporting"  # user vocabulary as URI
    E.validate_document(doc)
