"""Division names in both languages (issue #21 finding 8: "广东", "黑龙江：0" on English pages). The English forms
are the divisions' own: SAMR's and the provinces' English sites write Inner Mongolia, Xizang, Hong Kong, Macao,
and cities in Hanyu Pinyin (Hohhot, Harbin, Xi'an, Urumqi are the established exceptions)."""

from __future__ import annotations

import re

from zhijian.catalog.rules import region_label, region_name, region_names, region_names_en


def test_every_division_kept_has_an_english_name_in_latin_script() -> None:
    assert region_names().keys() == region_names_en().keys()
    for code, name in region_names_en().items():
        assert re.fullmatch(r"[A-Z][A-Za-z' ]+", name), (code, name)


def test_names_in_both_languages() -> None:
    assert region_name("440000") == "广东省" and region_name("440000", "en") == "Guangdong"
    assert region_name("150000", "en") == "Inner Mongolia" and region_name("230100", "en") == "Harbin"
    assert region_name("110105", "en") == "Chaoyang District"  # 朝 read cháo here, not zhāo
    assert region_name("310112", "en") == "Minhang District"  # 行 háng
    assert region_name("999999", "en") == "999999"
    assert region_label("330106") == "浙江省 杭州市 西湖区"
    assert region_label("330106", "en") == "Xihu District, Hangzhou, Zhejiang"
    assert region_label("330000", "en") == "Zhejiang"
