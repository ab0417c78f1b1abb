"""Issue #14 findings as tests: requirement language, qualitative results, GB/T 8170 §4.3 rounding on ×10ⁿ
limits, microbiological sampling plans (GB 4789.1), the guarded rule's wording, and one judge whose bulk and
single forms refuse and accept the same inputs. Each failed on the code before the fix."""

from __future__ import annotations

import numpy as np
import pytest

from zhijian.platform.errors import DomainError
from zhijian.spotcheck import rules
from zhijian.spotcheck.rules import FAIL, INCONCLUSIVE, PASS, judge, parse_measured, parse_requirement


def _j(req: str, value: str, **kw):  # type: ignore[no-untyped-def]
    r = parse_requirement(req)
    return judge(r, rules.parse_measured_for(r, value), **kw)


def test_reported_limit_above_the_specification_limit_is_inconclusive():
    """"<0.05" against ≤0.01: the method's limit is above the specification limit, so conformity cannot be shown."""
    j = _j("≤0.01", "<0.05")
    assert j.verdict == INCONCLUSIVE and "方法不适用" in j.reason_zh
    assert _j("≤0.01", "<0.005").verdict == PASS


@pytest.mark.parametrize("text", ["0.5-1.5", "0.5~1.5", "0.5～1.5", "0.5—1.5", "0.5至1.5", "0.5–1.5"])
def test_range_separators(text):
    """"0.5-1.5" with an ASCII hyphen was read as "=0.5", so 1.0 failed."""
    r = parse_requirement(text)
    assert (r.kind, r.lower, r.upper) == ("range", 0.5, 1.5)
    assert judge(r, parse_measured("1.0")).verdict == PASS


@pytest.mark.parametrize(("text", "kind", "limit", "inclusive"), [
    ("≤0.5", "max", 0.5, True), ("＜0.5", "max", 0.5, False), ("≥3", "min", 3.0, True), ("＞3", "min", 3.0, False),
    ("不大于0.5", "max", 0.5, True), ("不超过0.5", "max", 0.5, True), ("不小于3", "min", 3.0, True),
    ("不低于3", "min", 3.0, True), ("≤5×10⁴", "max", 50000.0, True), ("≤5x10^4", "max", 50000.0, True),
    ("≤5E4", "max", 50000.0, True), ("≤10^4", "max", 10000.0, True), ("≤10⁴", "max", 10000.0, True),
    ("≥95%", "min", 95.0, True),
])
def test_comparison_words_and_number_forms(text, kind, limit, inclusive):
    r = parse_requirement(text)
    got = (r.kind, r.upper if kind == "max" else r.lower, r.upper_inclusive if kind == "max" else r.lower_inclusive)
    assert got == (kind, limit, inclusive)


def test_rounding_to_the_limits_last_significant_digit():
    """GB/T 8170-2008 §4.3: 修约值比较法 rounds to the limit's last significant digit — 5.4×10⁴ → 5×10⁴ against
    ≤5×10⁴, 1.05×10³ → 1.0×10³ (五成双) against ≤1.0×10³: both conform (both failed: rounded to units)."""
    a = _j("≤5×10⁴", "5.4×10⁴", comparison_method="rounded")
    b = _j("≤1.0×10³", "1.05×10³", comparison_method="rounded")
    assert (a.verdict, a.compared_value) == (PASS, 50000.0)
    assert (b.verdict, b.compared_value) == (PASS, 1000.0)
    assert _j("≤5×10⁴", "5.6×10⁴", comparison_method="rounded").verdict == FAIL  # 5.6 → 6×10⁴
    assert parse_requirement("≤1.0×10³").decimals == -2 and parse_requirement("≤0.50").decimals == 2


def test_qualitative_results():
    """检出 against 不得检出 is a non-conformity (it was refused as unreadable); 阳性/阴性 are judged (were manual)."""
    assert _j("不得检出", "检出").verdict == FAIL
    assert _j("不得检出", "阳性").verdict == FAIL
    assert _j("不得检出", "阴性").verdict == PASS
    assert _j("阴性", "阴性").verdict == PASS
    assert _j("阴性", "阳性").verdict == FAIL
    assert _j("≤0.5", "检出").verdict == INCONCLUSIVE


def test_qualitative_requirements_go_to_manual_with_the_standard_named():
    r = parse_requirement("符合GB 2760的规定")
    assert r.kind == "text" and r.standard_ref == "GB 2760" and "GB 2760" in r.parse_zh
    assert parse_requirement("无异物").manual_reason.startswith("定性要求")
    odd = parse_requirement("≤0.5（见表2注）")  # not a plain limit: manual, with a warning, never misread
    assert odd.kind == "text" and "请核对" in odd.manual_reason


def test_sampling_plans_gb4789_1():
    """GB 4789.1: any unit > M fails; more than c units in (m, M] fail; two-class: more than c units > m fail."""
    three = parse_requirement("n=5, c=2, m=100, M=1000 CFU/g")
    assert (three.kind, three.n, three.c, three.upper, three.big_m, three.unit) == ("plan", 5, 2, 100.0, 1000.0, "CFU/g")

    def v(req, units):  # type: ignore[no-untyped-def]
        return judge(req, rules.parse_measured_for(req, None, units=units)).verdict

    assert v(three, ["50", "150", "200", "80", "90"]) == PASS  # two in (m, M]
    assert v(three, ["50", "150", "200", "180", "90"]) == FAIL  # three in (m, M] > c
    assert v(three, ["50", "1001", "20", "30", "40"]) == FAIL  # one above M
    assert v(three, ["50", "1000", "20", "30", "40"]) == PASS  # M itself is in (m, M]
    two = parse_requirement("n=5, c=0, m=0/25g")
    assert (two.kind, two.big_m) == ("plan", None)
    assert v(two, ["未检出"] * 5) == PASS and v(two, ["未检出"] * 4 + ["1"]) == FAIL
    soy = parse_requirement("n=5, c=2, m=5×10³, M=5×10⁴")  # GB 2717-2018 酱油 菌落总数
    assert (soy.upper, soy.big_m) == (5000.0, 50000.0)
    with pytest.raises(DomainError) as e:
        v(three, ["50", "60"])
    assert e.value.code == "spotcheck.units_count"
    with pytest.raises(DomainError):
        parse_requirement("n=5, c=5, m=100")  # c must be below n


def test_guarded_result_wording():
    """A guarded-rule result shown as 合格 with the reason "有条件不合格": the reason now says why it is 合格."""
    j = _j("≤0.5", "0.6", uncertainty=0.2, rule="guarded")
    assert j.verdict == PASS and j.outcome == "conditional_fail"
    assert j.reason_zh != "有条件不合格" and "判为合格" in j.reason_zh and "未得到证明" in j.reason_zh


def test_bulk_and_single_refuse_the_same_inputs():
    """judge_arrays treated a missing U as 0 under the guarded rule (judge refused); a negative U was accepted."""
    one = np.array([rules.KIND_CODE["max"]])
    args = (one, np.array([np.nan]), np.array([0.5]), np.array([0.6]), np.array([False]))
    with pytest.raises(DomainError) as bulk:
        rules.judge_arrays(*args, uncertainty=np.array([np.nan]), guarded=True)
    with pytest.raises(DomainError) as single:
        judge(parse_requirement("≤0.5"), parse_measured("0.6"), rule="guarded")
    assert bulk.value.code == single.value.code == "spotcheck.uncertainty_required"
    with pytest.raises(DomainError) as neg:
        rules.judge_arrays(*args, uncertainty=np.array([-5.0]))
    assert neg.value.code == "spotcheck.bad_uncertainty"
    with pytest.raises(DomainError) as nd:  # 未检出 without a detection limit against a number
        rules.judge_arrays(one, np.array([np.nan]), np.array([0.5]), np.array([np.nan]), np.array([True]))
    assert nd.value.code == "spotcheck.lod_required"


def test_explanation_states_every_step():
    j = _j("≤0.5", "0.52", comparison_method="rounded")
    e = j.explain()
    assert e["requirement"] == "≤0.5" and "上限 0.5" in e["parsed"] and e["comparison_method"].startswith("修约值比较法")
    assert "0.52 → 0.5" in e["rounding"] and "简单接受" in e["uncertainty_rule"] and e["result"].startswith("合格")
    assert j.explain_zh.startswith("标准要求：≤0.5；解析：")
