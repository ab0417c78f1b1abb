"""罚则目录 and 裁量 (pure): the lawful ranges of the articles, worked from the statute text.

Sources: 《中华人民共和国产品质量法》（2018年修正）第四十九条、第五十条、第五十四条; 《中华人民共和国食品安全法》（2021年修正）
第一百二十四条、第一百二十六条; 《中华人民共和国特种设备安全法》第八十四条; 《中华人民共和国消费者权益保护法》第五十六条;
《中华人民共和国行政处罚法》第三十二条、第三十三条; 《市场监督管理行政处罚听证办法》第五条.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from zhijian.enforcement import penalties as p
from zhijian.platform.errors import DomainError

D = Decimal


def test_product_quality_law_art49_is_one_to_three_times_goods_value():
    # 第四十九条：并处违法生产、销售产品货值金额等值以上三倍以下的罚款
    r = p.compute("PQL-49", p.facts(goods_value=20000))
    assert (r.lawful_min, r.lawful_max) == (D("20000.00"), D("60000.00"))
    assert r.article == "《中华人民共和国产品质量法》第四十九条"
    assert "没收违法生产、销售的产品" in r.other_measures
    # 裁量基准 一般档: 30 %–70 % of the lawful range
    assert (r.tier, r.suggested_min, r.suggested_max) == ("ordinary", D("32000.00"), D("48000.00"))
    assert not r.hearing_right  # 48 000 < 100 000 for an organization (听证办法 第五条)


def test_art50_half_to_three_times_and_art54_thirty_percent():
    r = p.compute("PQL-50", p.facts(goods_value=10000))
    assert (r.lawful_min, r.lawful_max) == (D("5000.00"), D("30000.00"))  # 百分之五十以上三倍以下
    r = p.compute("PQL-54", p.facts(goods_value=10000))
    assert (r.lawful_min, r.lawful_max) == (D("0.00"), D("3000.00"))  # 百分之三十以下


def test_food_safety_law_art124_threshold_of_ten_thousand_yuan():
    # 货值金额不足一万元的，并处五万元以上十万元以下罚款
    r = p.compute("FSL-124", p.facts(goods_value="9999.99"))
    assert (r.lawful_min, r.lawful_max) == (D(50000), D(100000))
    # 货值金额一万元以上的，并处货值金额十倍以上二十倍以下罚款
    r = p.compute("FSL-124", p.facts(goods_value=10000))
    assert (r.lawful_min, r.lawful_max) == (D("100000.00"), D("200000.00"))
    r = p.compute("FSL-124", p.facts(goods_value=12000, circumstances=["repeat"]))
    assert (r.lawful_min, r.lawful_max) == (D("120000.00"), D("240000.00"))
    assert (r.tier, r.suggested_min, r.suggested_max) == ("aggravated", D("204000.00"), D("240000.00"))
    assert r.hearing_right  # ≥ 100 000 yuan for an organization


def test_special_equipment_art84_and_consumer_law_art56():
    r = p.compute("SEL-84", p.facts())
    assert (r.lawful_min, r.lawful_max) == (D(30000), D(300000))  # 三万元以上三十万元以下
    r = p.compute("CRL-56", p.facts(illegal_income=8000))
    assert (r.lawful_min, r.lawful_max) == (D("8000.00"), D("80000.00"))  # 违法所得一倍以上十倍以下
    r = p.compute("CRL-56", p.facts())
    assert (r.lawful_min, r.lawful_max) == (D(0), D(500000))  # 没有违法所得的，处以五十万元以下


def test_mitigating_reducing_and_no_penalty_lists():
    r = p.compute("PQL-49", p.facts(goods_value=10000, circumstances=["corrected"]))
    assert (r.tier, r.suggested_min, r.suggested_max) == ("mitigated", D("10000.00"), D("16000.00"))
    r = p.compute("PQL-49", p.facts(goods_value=10000, circumstances=["reduce_statutory"]))
    assert (r.tier, r.suggested_min, r.suggested_max) == ("reduced", D(0), D("10000.00"))  # 减轻: below the minimum
    # 行政处罚法 第三十三条第一款: 轻微并及时改正、没有造成危害后果 → 不予处罚 (轻微不罚清单)
    r = p.compute("PQL-54", p.facts(goods_value=800, minor_harm=True, corrected=True))
    assert r.tier == "no_penalty" and "第三十三条第一款" in (r.no_penalty or "")
    # 首违不罚 only for the listed violations, not for 第四十九条
    r = p.compute("PQL-49", p.facts(goods_value=800, first_offence=True, minor_harm=True, corrected=True))
    assert r.tier == "ordinary" and r.no_penalty is None
    r = p.compute("SEL-83", p.facts(first_offence=True, minor_harm=True, corrected=True))
    assert r.tier == "no_penalty" and "首违不罚" in (r.no_penalty or "")


def test_fine_must_lie_in_the_lawful_range_and_bad_input_names_the_field():
    f = p.facts(goods_value=20000)
    assert p.check_amount("PQL-49", f, 30000) == D("30000.00")
    with pytest.raises(DomainError) as exc:
        p.check_amount("PQL-49", f, 60000.01)
    assert exc.value.code == "enforcement.fine_out_of_range" and exc.value.field == "fine"
    with pytest.raises(DomainError) as exc:
        p.facts(goods_value="-1")
    assert exc.value.field == "goods_value"
    with pytest.raises(DomainError) as exc:
        p.compute("PQL-99", f)
    assert exc.value.code == "enforcement.unknown_violation"
    with pytest.raises(DomainError) as exc:
        p.facts(circumstances=["bribery"])
    assert exc.value.field == "circumstances"


def test_hearing_threshold_natural_person_and_organization():
    # 听证办法 第五条: 自然人一万元以上, 法人或者其他组织十万元以上
    assert p.hearing_right(D(10000), natural_person=True)
    assert not p.hearing_right(D(9999), natural_person=True)
    assert not p.hearing_right(D(99999), natural_person=False)
    assert p.hearing_right(D(100000), natural_person=False)
    assert p.hearing_right(D(0), natural_person=False, measures=("吊销营业执照",))


def test_criminal_transfer_thresholds_of_art140():
    # 销售金额五万元以上 / 未销售货值十五万元以上 / 已销售×3 + 未销售 ≥ 15 万
    assert p.criminal_grounds("PQL-50", sales=D(50000), unsold_value=D(0))
    assert not p.criminal_grounds("PQL-50", sales=D(30000), unsold_value=D(50000))
    assert p.criminal_grounds("PQL-50", sales=D(30000), unsold_value=D(60000))
    assert not p.criminal_grounds("PQL-54", sales=D(10**6), unsold_value=D(0))


def test_catalogue_rows_carry_sources_and_verification():
    rows = {r["code"]: r for r in p.catalogue_rows()}
    assert {"PQL-49", "PQL-54", "FSL-122", "FSL-126-1", "SEL-83", "SEL-86", "CRL-56"} <= set(rows)
    assert all(r["source"] for r in rows.values())
    assert rows["PQL-49"]["verified"] and rows["FSL-124"]["verified"]
    assert all(r["note"] for r in rows.values() if not r["verified"])  # unverified values say so
