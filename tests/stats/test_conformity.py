"""Conformity decisions with measurement uncertainty — ILAC-G8:09/2019 §4.2, JCGM 106:2012 §7.

The 0.52 vs ≤ 0.5 case is DOMAIN.md's GB/T 8170 example (全数值比较法: 0.52 fails a ≤ 0.5 limit)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from zhijian.stats.conformity import judge_value, judge_values, probability_of_conformance
from zhijian.stats.errors import StatsError


def test_simple_acceptance_upper_limit() -> None:
    d = judge_value(0.52, upper=0.5, expanded_uncertainty=0.03)
    assert d.outcome == "fail" and d.outcome_zh == "不合格" and not d.conforms
    # JCGM 106 eq. (7.3)-(7.5): p_c = Phi((T_U - y)/u), u = U/k = 0.015
    assert d.probability_of_conformance == pytest.approx(stats.norm.cdf((0.5 - 0.52) / 0.015))
    assert d.probability_of_conformance == pytest.approx(0.0912, abs=1e-4)
    assert "ILAC-G8" in d.rule_text and d.guard_band == 0


@pytest.mark.parametrize(
    ("value", "outcome"),
    [(0.46, "pass"), (0.47, "pass"), (0.48, "conditional_pass"), (0.5, "conditional_pass"),
     (0.52, "conditional_fail"), (0.53, "conditional_fail"), (0.55, "fail")],
)
def test_guarded_acceptance_four_outcomes(value: float, outcome: str) -> None:
    # w = r U = 1 x 0.03: pass <= 0.47, conditional pass (0.47, 0.5], conditional fail (0.5, 0.53], fail > 0.53
    d = judge_value(value, upper=0.5, expanded_uncertainty=0.03, rule="guarded")
    assert d.outcome == outcome
    assert d.acceptance_upper == pytest.approx(0.47)


def test_value_on_the_limit_follows_the_stated_convention() -> None:
    on = judge_value(0.5, upper=0.5)
    assert on.outcome == "pass" and on.on_boundary and on.on_limit == "pass"
    assert "inclusive" in on.rule_text
    strict = judge_value(0.5, upper=0.5, on_limit="fail")
    assert strict.outcome == "fail" and "exclusive" in strict.rule_text
    assert judge_value(0.5, upper=0.5, expanded_uncertainty=0.02).probability_of_conformance == pytest.approx(0.5)


def test_two_sided_and_lower_limits() -> None:
    d = judge_value(10.0, lower=9.0, upper=11.0, expanded_uncertainty=1.0, coverage_factor=2.0)
    assert d.outcome == "pass"
    assert d.probability_of_conformance == pytest.approx(stats.norm.cdf(2) - stats.norm.cdf(-2))
    low = judge_value(2.9, lower=3.0, expanded_uncertainty=0.2, rule="guarded", guard_factor=0.5)
    assert low.guard_band == pytest.approx(0.1) and low.outcome == "conditional_fail"


def test_guard_bands_wider_than_the_tolerance_leave_no_pass_zone() -> None:
    d = judge_value(10.0, lower=9.9, upper=10.1, expanded_uncertainty=0.5, rule="guarded")
    assert d.outcome == "conditional_pass"


def test_vectorised_bulk_judgement() -> None:
    r = judge_values([0.46, 0.48, 0.52, 0.55], upper=0.5, expanded_uncertainty=0.03, rule="guarded")
    assert r["outcomes"] == ["pass", "conditional_pass", "conditional_fail", "fail"]
    assert len(r["probability_of_conformance"]) == 4


@settings(max_examples=30, deadline=None)
@given(y=st.floats(-100, 100), u=st.floats(0.001, 10))
def test_probability_of_conformance_is_monotone(y: float, u: float) -> None:
    pc = float(probability_of_conformance(y, None, 0.0, u))
    assert 0 <= pc <= 1
    assert float(probability_of_conformance(y + u, None, 0.0, u)) <= pc + 1e-12


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"value": 1.0}, "stats.limit_required", "upper"),
        ({"value": float("nan"), "upper": 1}, "stats.nan_value", "value"),
        ({"value": 1.0, "lower": 2, "upper": 1}, "stats.limit_order", "lower"),
        ({"value": 1.0, "upper": 2, "rule": "guarded"}, "stats.uncertainty_required", "expanded_uncertainty"),
        ({"value": 1.0, "upper": 2, "expanded_uncertainty": -1}, "stats.out_of_range", "expanded_uncertainty"),
        ({"value": 1.0, "upper": 2, "coverage_factor": 0}, "stats.out_of_range", "coverage_factor"),
        ({"value": 1.0, "upper": 2, "on_limit": "maybe"}, "stats.unknown_convention", "on_limit"),
        ({"value": "abc", "upper": 2}, "stats.non_numeric", "value"),
    ],
)
def test_bad_input(kwargs: dict, code: str, field: str) -> None:
    with pytest.raises(StatsError) as e:
        judge_value(**kwargs)
    assert (e.value.code, e.value.field) == (code, field)
