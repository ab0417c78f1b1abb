"""Identifier validation (pure)."""

from __future__ import annotations

import pytest

from zhijian.catalog import rules
from zhijian.platform.errors import DomainError


def test_uscc_check_character_published_example():
    # GB 32100-2015 worked example as used by python-stdnum's test data: 91110000600037341L.
    assert rules.uscc_check_character("91110000600037341") == "L"
    assert rules.validate_uscc("91110000600037341L") == "91110000600037341L"


def test_uscc_wrong_check_character_names_the_field():
    with pytest.raises(DomainError) as exc:
        rules.validate_uscc("91110000600037341M")
    assert exc.value.code == "catalog.invalid_uscc" and exc.value.field == "uscc"


@pytest.mark.parametrize(("gtin", "gtin14"), [
    ("96385074", "00000096385074"),        # GS1 GTIN-8 example
    ("614141000036", "00614141000036"),    # GS1 GTIN-12 (UPC-A) example, GS1 General Specifications
    ("6901234567892", "06901234567892"),   # GTIN-13 with GS1 China prefix 690
    ("09506000134352", "09506000134352"),  # GS1 Digital Link standard's example GTIN
])
def test_gtin_check_digit(gtin, gtin14):
    assert rules.normalize_gtin(gtin) == gtin14
    assert rules.gtin_check_digit(gtin[:-1]) == gtin[-1]


@pytest.mark.parametrize("bad", ["6901234567891", "12345", "69012345678x2", ""])
def test_gtin_rejects(bad):
    with pytest.raises(DomainError) as exc:
        rules.normalize_gtin(bad)
    assert exc.value.code == "catalog.invalid_gtin"


def test_region_levels():
    assert rules.parse_region("330000").level == "province"
    r = rules.parse_region("330106")
    assert (r.level, r.name, r.province_code, r.city_code) == ("county", "西湖区", "330000", "330100")
    assert rules.region_label("330106") == "浙江省 杭州市 西湖区"
    for bad in ("33010", "990000", "abcdef"):
        with pytest.raises(DomainError):
            rules.parse_region(bad)


@pytest.mark.parametrize(("code", "kind"), [("GB 2762-2022", "GB"), ("GB/T 1354-2018", "GB/T"),
                                            ("T/CAQI 29-2017", "group"), ("Q/ABC 0001S-2024", "enterprise"),
                                            ("YY 0469-2011", "industry")])
def test_standard_kind(code, kind):
    assert rules.standard_kind_from_code(code) == kind
