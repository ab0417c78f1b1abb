"""Pure rules of the consumer room: PRC working days, complaint workflow, credit model, certificate
verification, enterprise standard vs national limits (with unit conversion), comparative ranking.

Holiday facts: 国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号): 国庆节、中秋节
10月1日至8日放假调休共8天；9月28日（周日）、10月11日（周六）上班.
"""

from __future__ import annotations

import datetime as dt

import pytest

from zhijian.consumer import report, rules
from zhijian.platform.errors import DomainError, InvalidTransition

D = dt.date
DL = rules.Deadlines()


# ---------------------------------------------------------------- working days


def test_national_day_2025_calendar_facts():
    assert rules.is_workday(D(2025, 9, 28))  # Sunday, adjusted working day
    assert rules.is_workday(D(2025, 10, 11))  # Saturday, adjusted working day
    assert not any(rules.is_workday(D(2025, 10, d)) for d in range(1, 9))
    assert not rules.is_workday(D(2025, 10, 12))  # ordinary Sunday


def test_acceptance_deadline_received_on_adjusted_sunday():
    # 9-28 (receipt day, not counted) → 9-29, 9-30, 10-9, 10-10, 10-11 (Sat, worked), 10-13, 10-14
    assert rules.add_working_days(D(2025, 9, 28), 7) == D(2025, 10, 14)


def test_acceptance_deadline_received_just_before_national_day():
    # 9-30 → 10-9, 10-10, 10-11, 10-13, 10-14, 10-15, 10-16
    assert rules.add_working_days(D(2025, 9, 30), DL.accept) == D(2025, 10, 16)


def test_report_verification_15_plus_15_working_days():
    assert rules.add_working_days(D(2025, 9, 30), 15) == D(2025, 10, 28)
    assert rules.add_working_days(D(2025, 9, 30), 30) == D(2025, 11, 18)


def test_mediation_45_working_days_with_testing_excluded():
    # accepted 10-09: Oct 18 wd after it, Nov 20 → 38; Dec 1–5 → 43; Dec 8, 9, 10 → 45
    assert rules.add_working_days(D(2025, 10, 9), 45) == D(2025, 12, 10)
    # a test from 10-20 to 10-24 (5 working days) does not count: 5 more working days
    assert rules.add_working_days(D(2025, 10, 9), 45, [(D(2025, 10, 20), D(2025, 10, 24))]) == D(2025, 12, 17)
    # a test over a weekend only costs its working days
    assert rules.add_working_days(D(2025, 10, 9), 45, [(D(2025, 10, 18), D(2025, 10, 21))]) == D(2025, 12, 12)


def test_working_days_between_signs():
    assert rules.working_days_between(D(2025, 9, 30), D(2025, 10, 16)) == 7
    assert rules.working_days_between(D(2025, 10, 16), D(2025, 9, 30)) == -7
    assert rules.working_days_between(D(2025, 10, 1), D(2025, 10, 8)) == 0


def test_uncovered_year_follows_the_statutory_rule_and_is_flagged():
    day = D(2040, 1, 2)  # Monday in a year no published notice covers
    assert not rules.calendar_known(day)
    # 2040-01-01 (元旦) is a Sunday: 《全国年节及纪念日放假办法》第六条 makes it up on Monday 1-2 (补假)
    assert rules.add_working_days(D(2039, 12, 30), 1) == D(2040, 1, 3)  # Fri 12-30 → Tue 1-3


def test_deadlines_are_validated_data():
    assert rules.Deadlines.from_dict({"accept": 10}).accept == 10
    with pytest.raises(DomainError) as e:
        rules.Deadlines.from_dict({"accept": 0})
    assert e.value.field == "accept"
    with pytest.raises(DomainError):
        rules.Deadlines.from_dict({"acept": 7})


# ---------------------------------------------------------------- clock and workflow


def test_clock_states_and_pause():
    c = rules.CaseDates("complaint", "received", D(2025, 9, 30))
    ck = rules.case_clock(c, DL, D(2025, 10, 10))
    assert (ck.kind, ck.due_on, ck.days_left, ck.overdue) == ("accept", D(2025, 10, 16), 5, False)  # 10-11 (Sat, worked), 13, 14, 15, 16
    ck = rules.case_clock(c, DL, D(2025, 10, 17))
    assert ck.overdue and ck.days_left == -1
    m = rules.CaseDates("complaint", "mediating", D(2025, 9, 30), accepted_on=D(2025, 10, 9),
                        pauses=((D(2025, 10, 20), D(2025, 10, 24)),))
    assert rules.case_clock(m, DL, D(2025, 11, 3)).due_on == D(2025, 12, 17)
    running = rules.CaseDates("complaint", "mediating", D(2025, 9, 30), accepted_on=D(2025, 10, 9),
                              pauses=((D(2025, 10, 20), None),))
    ck = rules.case_clock(running, DL, D(2026, 3, 1))
    assert ck.paused and not ck.overdue
    closed = rules.CaseDates("complaint", "closed", D(2025, 9, 30))
    assert rules.case_clock(closed, DL, D(2026, 1, 1)).kind is None


def test_report_clock_extension_and_notice():
    r = rules.CaseDates("report", "accepted", D(2025, 9, 30))
    assert rules.case_clock(r, DL, D(2025, 10, 9)).due_on == D(2025, 10, 28)
    r2 = rules.CaseDates("report", "accepted", D(2025, 9, 30), extended=True)
    assert rules.case_clock(r2, DL, D(2025, 10, 9)).due_on == D(2025, 11, 18)
    d = rules.CaseDates("report", "decided", D(2025, 9, 1), decided_on=D(2025, 9, 26))
    # 9-26 Fri → 9-28 (Sun, worked), 9-29, 9-30, 10-9, 10-10
    assert rules.case_clock(d, DL, D(2025, 9, 29)).due_on == D(2025, 10, 10)
    anon = rules.CaseDates("report", "decided", D(2025, 9, 1), decided_on=D(2025, 9, 26), named_reporter=False)
    assert rules.case_clock(anon, DL, D(2025, 9, 29)).kind is None


@pytest.mark.parametrize(("kind", "path"), [
    ("complaint", ["received", "accepted", "forwarded", "mediating", "closed"]),
    ("complaint", ["received", "accepted", "mediating", "closed"]),
    ("complaint", ["received", "accepted", "closed"]),
    ("complaint", ["received", "rejected"]),
    ("report", ["received", "accepted", "decided", "closed"]),
    ("report", ["received", "rejected"]),
])
def test_allowed_paths(kind, path):
    for a, b in zip(path, path[1:], strict=False):
        rules.check_transition(kind, a, b)


@pytest.mark.parametrize(("kind", "cur", "target"), [
    ("complaint", "received", "mediating"), ("complaint", "rejected", "accepted"), ("complaint", "closed", "mediating"),
    ("complaint", "mediating", "forwarded"), ("complaint", "received", "decided"), ("report", "received", "forwarded"),
    ("report", "accepted", "closed"),
])
def test_refused_transitions(kind, cur, target):
    with pytest.raises(InvalidTransition) as e:
        rules.check_transition(kind, cur, target)
    assert e.value.status == 409 and e.value.extra == {"current": cur, "target": target}


def test_hazard_words():
    assert rules.hazard_words("使用时突然起火，手被烫伤") == ["起火", "烫伤"]
    assert rules.hazard_words("颜色与图片不符") == []


# ---------------------------------------------------------------- credit


AS_OF = D(2026, 6, 30)
M = rules.CreditModel()


def _labels(res: rules.CreditResult) -> dict[str, float]:
    return {i.label_zh: i.points for i in res.items}


def test_clean_enterprise_is_a():
    inp = rules.CreditInputs(inspections=tuple(rules.InspectionFact(AS_OF - dt.timedelta(days=d), "合格")
                                               for d in (30, 200, 400)), system_certs=1)
    res = rules.score_credit(inp, M, AS_OF)
    assert res.credit_class == "A" and res.score == 100.0 and res.caps == ()
    lab = _labels(res)
    assert lab["基础分"] == 100 and lab["有效管理体系认证"] == 2.0
    # passes weighted by recency: 0.5**(30/365.25/1.5) + 0.5**(200/365.25/1.5) + 0.5**(400/365.25/1.5)
    assert lab["监督抽查合格"] == pytest.approx(0.9627 + 0.7764 + 0.6027, abs=0.01)


def test_safety_failure_half_a_year_ago_caps_at_c():
    inp = rules.CreditInputs(inspections=(rules.InspectionFact(AS_OF - dt.timedelta(days=182), "不合格", True,
                                                               "No.2026-001", ("泄漏电流",)),))
    res = rules.score_credit(inp, M, AS_OF)
    # 20 × 0.5**(182/365.25/1.5) = 20 × 0.79433 = 15.89
    assert _labels(res)["监督抽查不合格（安全项目）"] == -15.89
    assert res.score == 84.11
    assert rules.class_for(res.score, M) == "B" and res.credit_class == "C"
    assert len(res.caps) == 1 and "安全项目" in res.caps[0]


def test_serious_penalty_caps_at_d():
    inp = rules.CreditInputs(penalties=((AS_OF - dt.timedelta(days=100), "serious", "浙市监罚〔2026〕1号"),))
    res = rules.score_credit(inp, M, AS_OF)
    assert _labels(res)["行政处罚"] == -17.62  # 20 × 0.5**(100/365.25/1.5) = 20 × 0.88109
    assert res.credit_class == "D"


def test_many_signals_give_d_by_score_and_old_events_drop_out():
    inp = rules.CreditInputs(
        inspections=(rules.InspectionFact(AS_OF - dt.timedelta(days=730), "不合格"),
                     rules.InspectionFact(AS_OF - dt.timedelta(days=1500), "不合格", True)),  # outside 3 years
        justified_complaints=6, sales_10m_yuan=2.0, recalls=((AS_OF - dt.timedelta(days=365), "serious"),),
        ccc_missing=3)
    res = rules.score_credit(inp, M, AS_OF)
    lab = _labels(res)
    assert lab["属实投诉"] == -6.0  # 6 / 2 千万元 = 3 per 千万元 × 2 points
    assert lab["缺陷产品召回"] == pytest.approx(-20 * 0.5 ** (365 / 365.25 / 1.5), abs=0.01)  # −12.6
    assert lab["强制性认证产品无有效 CCC 证书"] == -30.0  # 3 × 15 capped at 30
    assert lab["监督抽查不合格"] == pytest.approx(-8 * 0.5 ** (730 / 365.25 / 1.5), abs=0.01)  # −3.17
    assert sum(1 for i in res.items if i.factor == "spotcheck") == 1
    assert res.score == pytest.approx(100 - 6 - 12.61 - 30 - 3.17, abs=0.02)
    assert res.credit_class == "D"


def test_credit_model_is_configurable_and_checked():
    strict = rules.CreditModel.from_dict({"thresholds": {"A": 98, "B": 80, "C": 60}})
    inp = rules.CreditInputs(penalties=((AS_OF - dt.timedelta(days=800), "general", "x"),))  # −2.91
    assert rules.score_credit(inp, M, AS_OF).credit_class == "A"
    assert rules.score_credit(inp, strict, AS_OF).credit_class == "B"
    with pytest.raises(DomainError):
        rules.CreditModel.from_dict({"thresholds": {"A": 50, "B": 80, "C": 60}})
    with pytest.raises(DomainError):
        rules.CreditModel.from_dict({"nonsense": 1})


# ---------------------------------------------------------------- certificates


def _cert(**kw: object) -> rules.CertView:
    base = dict(number="2024010701123456", kind="CCC", status="valid", holder_name="杭州美家电器有限公司",
                holder_uscc="91330106MA2XXXXX1X", scope="电热水壶", products=("美家 电热水壶 MK-1701",),
                issued_on=D(2024, 3, 1), valid_until=D(2029, 2, 28), body_name="中国质量认证中心", body_accredited=True,
                body_kinds=("CCC", "CQC"))
    base.update(kw)
    return rules.CertView(**base)  # type: ignore[arg-type]


TODAY = D(2026, 1, 15)


def test_certificate_valid():
    v = rules.verify_certificate("2024 0107 0112 3456", _cert(), today=TODAY, claimed_holder="杭州美家电器有限公司",
                                 claimed_product="电热水壶")
    assert v.valid and v.status == "valid" and v.findings == () and v.number == "2024010701123456"


def test_certificate_expired():
    v = rules.verify_certificate("2024010701123456", _cert(valid_until=D(2025, 12, 31)), today=TODAY)
    assert not v.valid and v.status == "expired" and [f.code for f in v.findings] == ["expired"]


def test_certificate_unknown_number():
    v = rules.verify_certificate("CQC2099", None, today=TODAY)
    assert not v.valid and [f.code for f in v.findings] == ["unknown_number", "bad_format"]


def test_certificate_holder_mismatch_and_scope():
    v = rules.verify_certificate("2024010701123456", _cert(), today=TODAY, claimed_holder="宁波某某贸易有限公司",
                                 claimed_product="电吹风")
    assert not v.valid and {f.code for f in v.findings} == {"holder_mismatch", "scope_mismatch"}
    ok = rules.verify_certificate("2024010701123456", _cert(), today=TODAY, claimed_holder="杭州美家电器 有限公司")
    assert ok.valid  # spaces and full-width forms do not matter


def test_certificate_body_not_accredited_and_suspended():
    v = rules.verify_certificate("2024010701123456", _cert(body_accredited=False), today=TODAY)
    assert [f.code for f in v.findings] == ["body_not_accredited"]
    v = rules.verify_certificate("2024010701123456", _cert(body_kinds=("ISO9001",)), today=TODAY)
    assert [f.code for f in v.findings] == ["body_not_accredited"]
    v = rules.verify_certificate("2024010701123456", _cert(status="suspended"), today=TODAY)
    assert not v.valid and v.status == "suspended"


# ---------------------------------------------------------------- enterprise standard vs national


LEAD = rules.Limit("铅(以Pb计)", "mg/kg", "max", upper=0.2, text="≤0.2", source="GB 2762-2022")


@pytest.mark.parametrize(("ent", "verdict"), [
    (rules.Limit("铅", "mg/kg", "max", upper=0.3), "laxer"),
    (rules.Limit("铅", "mg/kg", "max", upper=0.15), "stricter"),
    (rules.Limit("铅", "mg/kg", "max", upper=0.2), "equal"),
    (rules.Limit("铅(以Pb计)", "g/kg", "max", upper=0.0002), "equal"),
    (rules.Limit("铅", "g/kg", "max", upper=0.0003), "laxer"),
    (rules.Limit("铅", "μg/kg", "max", upper=150), "stricter"),
    (rules.Limit("铅", "mg/kg", "max", upper=0.2, upper_inclusive=False), "stricter"),
    (rules.Limit("铅", "mg/kg", "min", lower=0.0), "laxer"),
    (rules.Limit("铅", "mA", "max", upper=0.1), "unit_mismatch"),
    (rules.Limit("铅", "", "not_detected"), "stricter"),
])
def test_lead_limit(ent, verdict):
    assert rules.compare_indicator(LEAD, ent).verdict == verdict


def test_laxer_detail_shows_the_converted_value():
    row = rules.compare_indicator(LEAD, rules.Limit("铅", "g/kg", "max", upper=0.0003))
    assert row.detail == "上限 0.3 mg/kg 高于国家标准 0.2 mg/kg（g/kg 换算为 mg/kg）"


def test_min_and_range_with_conversion():
    protein = rules.Limit("蛋白质", "g/100g", "min", lower=2.9)
    assert rules.compare_indicator(protein, rules.Limit("蛋白质", "g/kg", "min", lower=30)).verdict == "stricter"
    assert rules.compare_indicator(protein, rules.Limit("蛋白质", "g/kg", "min", lower=28)).verdict == "laxer"
    assert rules.compare_indicator(protein, rules.Limit("蛋白质", "%", "min", lower=2.9)).verdict == "equal"
    rng = rules.Limit("蛋白质", "g/100kJ", "range", lower=0.43, upper=0.72)
    assert rules.compare_indicator(rng, rules.Limit("蛋白质", "g/100kJ", "range", lower=0.45, upper=0.70)).verdict \
        == "stricter"
    assert rules.compare_indicator(rng, rules.Limit("蛋白质", "g/100kJ", "range", lower=0.40, upper=0.70)).verdict \
        == "laxer"


def test_not_detected_text_and_missing():
    nd = rules.Limit("阪崎克罗诺杆菌", "", "not_detected")
    assert rules.compare_indicator(nd, rules.Limit("阪崎克罗诺杆菌", "CFU/g", "max", upper=1)).verdict == "laxer"
    result = rules.check_standard(
        [LEAD, nd, rules.Limit("镉", "mg/kg", "max", upper=0.2, mandatory=False),
         rules.Limit("外观", "", "text", text="无异物")],
        [rules.Limit("铅", "mg/kg", "max", upper=0.1), rules.Limit("外观", "", "text", text="无异物"),
         rules.Limit("水分", "%", "max", upper=5)])
    verdicts = {r.name: r.verdict for r in result.rows}
    assert verdicts == {"铅(以Pb计)": "stricter", "阪崎克罗诺杆菌": "missing", "外观": "manual"}
    assert result.overall == "laxer" and result.extra == ("水分",)
    leader = rules.check_standard([LEAD], [rules.Limit("铅", "mg/kg", "max", upper=0.1)])
    assert leader.overall == "stricter"  # not "领跑者": that is a published ranking programme (issue 15)


# ---------------------------------------------------------------- comparative testing

ITEMS = [rules.TestItem("efficiency", "热效率", "%", 30, True),
         rules.TestItem("boil_time", "烧水时间", "s", 20, False),
         rules.TestItem("noise", "噪声", "dB(A)", 15, False),
         rules.TestItem("handle_rise", "手柄温升", "K", 20, False, rules.Limit("手柄温升", "K", "max", upper=35)),
         rules.TestItem("leakage", "泄漏电流", "mA", 15, False, rules.Limit("泄漏电流", "mA", "max", upper=0.75))]
KETTLES = [("天工", (90.1, 298, 63, 16, 0.04)), ("美家", (88.5, 312, 58, 18, 0.05)), ("润泽", (87.3, 320, 57, 20, 0.09)),
           ("康宝", (86.2, 335, 61, 22, 0.08)), ("优贝", (84.0, 348, 55, 25, 0.06)), ("安康", (81.7, 372, 60, 38, 0.12))]


def _kettles() -> list[rules.Ranked]:
    keys = [i.key for i in ITEMS]
    return rules.rank_comparative(ITEMS, [(b, dict(zip(keys, v, strict=True))) for b, v in KETTLES])


def test_comparative_scores_ranks_and_weighted_overall():
    by = {r.sample: r for r in _kettles()}
    mj = by["美家"]
    # min–max: efficiency (88.5−81.7)/8.4 = 80.95; boil (372−312)/74 = 81.08; noise (63−58)/8 = 62.5;
    # handle (38−18)/22 = 90.91; leakage (0.12−0.05)/0.08 = 87.5
    assert mj.scores == {"efficiency": 80.95, "boil_time": 81.08, "noise": 62.5, "handle_rise": 90.91,
                         "leakage": 87.5}
    # (30×80.95 + 20×81.08 + 15×62.5 + 20×90.91 + 15×87.5) / 100 = 81.18
    assert mj.overall == 81.18
    assert by["天工"].overall == 85.0  # 100 on all but noise (worst: 0)
    assert by["天工"].rank == 1 and mj.rank == 2
    assert [by[b].ranks["noise"] for b in ("优贝", "润泽", "美家", "安康", "康宝", "天工")] == [1, 2, 3, 4, 5, 6]
    assert by["安康"].failures == ("手柄温升",) and by["美家"].failures == ()
    assert by["安康"].rank == 6


def test_a_sample_failing_a_limit_is_never_ranked_above_a_conforming_one():
    """Issue 15: 天工 fails 泄漏电流 (0.80 > 0.75 mA) yet scores above 优贝 and 康宝 (the old code ranked it 3rd);
    it is ranked after every conforming sample (安康 fails too and stays last)."""
    keys = [i.key for i in ITEMS]
    data = [(b, dict(zip(keys, (v[:4] + (0.80,)) if b == "天工" else v, strict=True))) for b, v in KETTLES]
    by = {r.sample: r for r in rules.rank_comparative(ITEMS, data)}
    assert by["天工"].failures == ("泄漏电流",) and not by["天工"].conforming
    conforming = [r.rank for r in by.values() if r.conforming]
    assert sorted(conforming) == [1, 2, 3, 4]
    assert by["天工"].overall > by["优贝"].overall  # the score alone would have put it above 优贝 …
    assert by["天工"].rank == 5 and by["安康"].rank == 6  # … but it comes after every conforming sample


def test_ties_and_missing_values():
    assert rules.competition_ranks([3.0, 5.0, 5.0, 1.0], True) == [3, 1, 1, 4]
    assert rules.competition_ranks([3.0, None, 1.0], False) == [2, None, 1]
    assert rules.item_scores([2.0, 2.0], True) == [100.0, 100.0]
    rows = rules.rank_comparative([rules.TestItem("a", "A", "", 1, True), rules.TestItem("b", "B", "", 3, True)],
                                  [("x", {"a": 1.0, "b": None}), ("y", {"a": 0.0, "b": 5.0})])
    assert rows[0].overall == 100.0  # only item a counts for x
    assert rows[1].overall == 75.0  # (1×0 + 3×100) / 4
    with pytest.raises(DomainError):
        rules.rank_comparative([rules.TestItem("a", "A", "", 0, True)], [("x", {"a": 1.0})])


def test_report_pdf_and_charts_render_chinese():
    rows = _kettles()
    rep = {"id": 1, "title": "电热水壶比较试验", "product_type": "电热水壶", "organizer": "中国质量检验协会",
           "lab_name": "检验院", "tested_on": D(2026, 1, 5), "published_on": None, "method": "按 GB 4706.19 检测",
           "items": [{"key": i.key, "name": i.name, "unit": i.unit, "weight": i.weight, "weight_pct": i.weight,
                      "higher_is_better": i.higher_is_better, "requirement": ""} for i in ITEMS],
           "rows": [{"label": r.sample, "values": r.values, "ranks": r.ranks, "scores": r.scores, "overall": r.overall,
                     "rank": r.rank, "failures": list(r.failures)} for r in sorted(rows, key=lambda r: r.rank)]}
    pdf = report.pdf_report(rep)
    assert pdf.startswith(b"%PDF") and b"/FontFile2" in pdf  # the CJK font embedded (issue 21), not STSong-Light
    from zhijian.platform.fonts import cjk_font_path, matplotlib_cjk_family

    if cjk_font_path():
        assert "CJK" in (matplotlib_cjk_family() or "")


@pytest.mark.parametrize(("model", "code", "zh", "en"), [
    (rules.Deadlines, "consumer.bad_deadlines", "未知的时限项：bogus, extra", "unknown deadline keys: bogus, extra"),
    (rules.CreditModel, "credit.bad_model", "评分模型含未知参数：bogus, extra",
     "unknown credit model parameters: bogus, extra"),
])
def test_stored_settings_name_only_the_models_fields(model, code, zh, en):  # type: ignore[no-untyped-def]
    """A stored 时限 table or credit model with keys the dataclass does not have is refused, naming them (sorted)."""
    with pytest.raises(DomainError) as e:
        model.from_dict({"extra": 1, "bogus": 2})
    assert (e.value.code, e.value.message_zh, e.value.message_en, e.value.field) == (code, zh, en, "bogus")
    assert model.from_dict(None) == model()
