"""ISO 13528:2022 Algorithm A and performance scores.

Data: the creosote example of ISO 5725-5:1998 (cell averages of 9 laboratories, as quoted in the metRology
R package). The first iteration is worked by hand from equations C.1-C.6 of ISO 13528 (2005 numbering):
median 20.300; |x - x*| median 0.640 -> s* = 1.483 x 0.640 = 0.94912; delta = 1.5 s* = 1.42368;
winsorised to [18.87632, 21.72368] -> x* = 183.485 / 9 = 20.38722.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.stats.published_data import CREOSOTE
from zhijian.stats.errors import StatsError
from zhijian.stats.proficiency import algorithm_a, score_participants


def test_algorithm_a_first_iteration_by_hand() -> None:
    r = algorithm_a(CREOSOTE)
    x0, s0 = r.history[0]
    assert x0 == pytest.approx(20.300) and s0 == pytest.approx(0.94912)
    x1, s1 = r.history[1]
    w = np.clip(CREOSOTE, 20.3 - 1.42368, 20.3 + 1.42368)
    assert x1 == pytest.approx(20.387222, abs=1e-6)
    assert s1 == pytest.approx(1.134 * w.std(ddof=1))


def test_stopping_rule_third_significant_figure() -> None:
    r = algorithm_a(CREOSOTE)
    (xa, sa), (xb, sb) = r.history[-2], r.history[-1]
    dec = 2 - math.floor(math.log10(sb))
    assert round(xa, dec) == round(xb, dec) and round(sa, dec) == round(sb, dec)
    for (xp, sp), (xn, sn) in zip(r.history[:-2], r.history[1:-1], strict=True):  # no earlier stop was allowed
        d = 2 - math.floor(math.log10(sn))
        assert round(xp, d) != round(xn, d) or round(sp, d) != round(sn, d)
    assert "third significant figure" in r.stopping_rule
    assert (round(r.x_star, 2), round(r.s_star, 2)) == (20.41, 1.05)


def test_full_convergence_is_a_fixed_point() -> None:
    r = algorithm_a(CREOSOTE, stopping="converged")
    w = np.clip(CREOSOTE, r.x_star - 1.5 * r.s_star, r.x_star + 1.5 * r.s_star)
    assert w.mean() == pytest.approx(r.x_star, abs=1e-10)
    assert 1.134 * w.std(ddof=1) == pytest.approx(r.s_star, rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(center=st.floats(-1e4, 1e4), half=st.lists(st.floats(0.01, 10), min_size=2, max_size=20))
def test_algorithm_a_equals_the_mean_on_symmetric_clean_data(center: float, half: list[float]) -> None:
    data = np.concatenate([center - np.asarray(half), center + np.asarray(half), [center]])
    r = algorithm_a(data)
    assert r.x_star == pytest.approx(data.mean(), abs=1e-9 * (1 + abs(center)))


def test_scores_with_algorithm_a_assigned_value() -> None:
    res = score_participants(CREOSOTE, participants=[f"L{i}" for i in range(1, 10)])
    d = res.to_dict()
    rob = algorithm_a(CREOSOTE)
    assert d["assigned_value"] == rob.x_star and d["sigma_pt"] == rob.s_star
    assert d["u_assigned"] == pytest.approx(1.25 * rob.s_star / 3)  # 1.25 s*/sqrt(p), p = 9
    lab1 = d["participants"][0]
    assert lab1["z"] == pytest.approx((24.140 - rob.x_star) / rob.s_star)
    assert lab1["z_prime"] == pytest.approx((24.140 - rob.x_star) / math.sqrt(rob.s_star**2 + d["u_assigned"] ** 2))
    assert lab1["z_signal"] == "unsatisfactory" and lab1["signal_zh"] == "不满意"
    assert lab1["zeta"] is None and lab1["en"] is None


def test_given_assigned_value_zeta_and_en() -> None:
    res = score_participants([10.5, 12.0, 9.0], participants=["A", "B", "C"], expanded_uncertainties=[0.4, 1.0, None],
                             coverage_factors=[2, 2, None], assigned=10.0, assigned_expanded_uncertainty=0.6, sigma_pt=0.5)
    a, b, c = res.to_dict()["participants"]
    assert a["z"] == pytest.approx(1.0) and a["z_signal"] == "satisfactory"
    assert a["zeta"] == pytest.approx(0.5 / math.sqrt(0.2**2 + 0.3**2))
    assert a["en"] == pytest.approx(0.5 / math.sqrt(0.4**2 + 0.6**2))
    assert b["z"] == pytest.approx(4.0) and b["z_signal"] == "unsatisfactory"
    assert c["zeta"] is None and c["z"] == pytest.approx(-2.0) and c["z_signal"] == "satisfactory"  # |z| = 2: satisfactory


def test_signal_boundaries_and_en_convention() -> None:
    res = score_participants([12.0, 13.0, 12.5], assigned=10.0, sigma_pt=1.0)
    z = [p.z_signal for p in res.participants]
    assert z == ["satisfactory", "unsatisfactory", "questionable"]  # |z| = 2, 3, 2.5
    # |En| exactly 1.0: dev 1, U(x) 0.6, U(x_pt) 0.8 -> sqrt(0.36 + 0.64) = 1
    sat = score_participants([11.0, 10.0, 10.2], expanded_uncertainties=[0.6, 0.6, 0.6], assigned=10.0,
                             assigned_expanded_uncertainty=0.8, sigma_pt=1.0)
    assert sat.participants[0].en == pytest.approx(1.0) and sat.participants[0].en_signal == "satisfactory"
    strict = score_participants([11.0, 10.0, 10.2], expanded_uncertainties=[0.6, 0.6, 0.6], assigned=10.0,
                                assigned_expanded_uncertainty=0.8, sigma_pt=1.0, en_limit="unsatisfactory")
    assert strict.participants[0].en_signal == "unsatisfactory"
    assert "exactly 1.0" in strict.to_dict()["en_limit_convention"]


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"results": []}, "stats.empty_data"),
        ({"results": [1.0, float("nan"), 2.0]}, "stats.nan_value"),
        ({"results": [1.0, 2.0]}, "stats.too_few_values"),
        ({"results": [1.0, 2.0, 3.0], "sigma_pt": 0.0, "assigned": 1.0}, "stats.zero_variation"),
        ({"results": [1.0, 2.0, 3.0], "participants": ["a"]}, "stats.length_mismatch"),
    ],
)
def test_bad_input(kwargs: dict, code: str) -> None:
    with pytest.raises(StatsError) as e:
        score_participants(**kwargs)
    assert e.value.code == code
