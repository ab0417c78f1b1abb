"""Reason codes (issue #21 finding 8): the rules' sentences as a code and parameters, zh-CN and English from one
table. The zh sentences stay byte-identical to what the pattern-era rules wrote (the golden file was written from
them over the existing test cases), and the English is rendered from the codes, not by patterns over the zh."""

from __future__ import annotations

import json
from pathlib import Path

from tests.consumer.reason_cases import AS_OF, credit_cases, limit_pairs, zh_output
from zhijian.consumer import rules
from zhijian.consumer.rules import reasons
from zhijian.consumer.rules.english import caps_of, detail_en, detail_of

GOLDEN = Path(__file__).parent / "data" / "reason_golden.json"


def test_zh_sentences_are_byte_identical_to_the_pattern_era_rules():
    old = json.loads(GOLDEN.read_text(encoding="utf-8"))
    new = json.loads(json.dumps(zh_output(), ensure_ascii=False))
    assert new == old
    assert sum(len(v) for v in old.values()) == 46


def test_every_item_and_check_carries_codes_whose_zh_is_its_detail():
    res = rules.score_credit(credit_cases()["everything"], rules.CreditModel(), AS_OF)
    for row in res.breakdown():
        if row["factor"] != "base":
            assert reasons.known(row["reasons"]), row
            assert reasons.sentence(row["reasons"]) == row["detail"]
    capped = rules.score_credit(credit_cases()["serious_listed"], rules.CreditModel(), AS_OF)
    assert [reasons.sentence([r]) for r in capped.cap_reasons] == list(capped.caps) != []
    for nat, ent in limit_pairs().values():
        row = rules.compare_indicator(nat, ent).as_dict()
        assert reasons.sentence(row["reasons"]) == row["detail"]


def test_english_is_rendered_from_the_codes():
    res = rules.score_credit(credit_cases()["everything"], rules.CreditModel(), AS_OF)
    en = {(r["factor"], r["label_zh"]): detail_of(r, "en") for r in res.breakdown()}
    assert en[("spotcheck", "监督抽查不合格（安全项目）")] == "2026-05-21 铅, 镉 ×0.95"  # no report number: no gap
    assert en[("complaints", "属实投诉")] == "2 justified complaints (sales unknown: counted per case)"
    assert en[("ccc", "强制性认证产品无有效 CCC 证书")] == "1 product(s)"
    assert en[("stable", "稳定合格产品")] == "4 listed product(s)"
    pens = [detail_of(r, "en") for r in res.breakdown() if r["factor"] == "penalty"]
    assert pens == ["2026-05-31 杭市监罚〔2026〕9号 minor ×0.96", "2026-05-01 浙市监罚〔2026〕2号 serious ×0.93",
                    "2026-04-21 N-1 odd ×0.92"]
    listed = rules.score_credit(credit_cases()["serious_listed"], rules.CreditModel(), AS_OF)
    assert caps_of(listed.caps, [r.as_dict() for r in listed.cap_reasons], "en") == [
        "on the list of serious illegal and dishonest enterprises: class D directly"]
    both = rules.score_credit(credit_cases()["safety_half_year"], rules.CreditModel(), AS_OF)
    assert caps_of(both.caps, [r.as_dict() for r in both.cap_reasons], "en") == [
        "a safety item failed within 365 days: class C at best"]
    nat, ent = limit_pairs()["range_laxer_both"]
    row = rules.compare_indicator(nat, ent).as_dict()
    assert row["detail"] == "上限 0.8 g/100kJ 高于国家标准 0.72 g/100kJ；下限 0.4 g/100kJ 低于国家标准 0.43 g/100kJ"
    assert detail_of(row, "en") == ("maximum 0.8 g/100kJ above the national standard's 0.72 g/100kJ; "
                                    "minimum 0.4 g/100kJ below the national standard's 0.43 g/100kJ")
    nat, ent = limit_pairs()["lead_4"]
    assert detail_of(rules.compare_indicator(nat, ent).as_dict(), "en") == (
        "maximum 0.3 mg/kg above the national standard's 0.2 mg/kg (g/kg converted to mg/kg)")
    assert detail_of(rules.check_standard(*_missing()).as_dict()["rows"][0], "en") == (
        "the enterprise standard does not list this mandatory indicator")


def _missing() -> tuple[list[rules.Limit], list[rules.Limit]]:
    return [rules.Limit("铅", "mg/kg", "max", upper=0.2)], []


def test_a_reworded_zh_sentence_no_longer_leaves_the_english_page_in_chinese():
    """The pattern era: English was found by matching the zh text, so a new zh wording stayed Chinese. With the
    codes the English does not read the zh at all."""
    nat, ent = limit_pairs()["lead_1"]
    row = rules.compare_indicator(nat, ent).as_dict() | {"detail": "比国家标准更严格"}  # a zh rewording
    assert detail_en(row["detail"]) == "比国家标准更严格"
    assert detail_of(row, "en") == "stricter than the national standard"
    assert detail_of(row, "zh_CN") == "比国家标准更严格"  # the stored zh as it is


def test_rows_stored_before_the_codes_fall_back_to_the_patterns():
    old_item = {"detail": "3 件属实投诉 / 0.75 千万元销售额 = 4.00"}  # no "reasons": an assessment from before
    assert detail_of(old_item, "en") == "3 justified complaints / 0.75 × 10 million yuan of sales = 4.00"
    assert caps_of(["365 天内有安全项目不合格，最高 C 类"], None, "en") == [
        "a safety item failed within 365 days: class C at best"]
    assert caps_of(["365 天内有安全项目不合格，最高 C 类"], None, "zh_CN") == ["365 天内有安全项目不合格，最高 C 类"]


def test_every_code_has_both_sentences_with_the_same_parameters():
    import string

    for code, (zh, en) in reasons.SENTENCES.items():
        names = [{f[1] for f in string.Formatter().parse(t) if f[1]} for t in (zh, en)]
        assert names[0] == names[1], code
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in en), code
