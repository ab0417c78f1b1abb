"""Process capability. Published values: Montgomery, Introduction to SQC — piston rings (Table 6.3) with
specifications 74.000 +- 0.05: Cp = 1.68 from sigma-hat = R-bar/d2 = 0.0099 (Example 6.1); Example 8.5: n = 20,
s = 1.75, USL 62, LSL 38 -> Cp = 2.29 with 95 % interval 1.57 <= Cp <= 3.01 (chi-square)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats

from tests.stats.published_data import PISTON_RINGS
from zhijian.stats.capability import anderson_darling, capability
from zhijian.stats.errors import StatsError
from zhijian.stats.spc import d2


def test_piston_rings_cp() -> None:
    x = np.asarray(PISTON_RINGS)
    res = capability(x.ravel(), lsl=73.95, usl=74.05, subgroups=np.repeat(np.arange(25), 5))
    sigma = np.mean(x.max(1) - x.min(1)) / d2(5)
    assert res.sigma_within == pytest.approx(sigma)
    assert res.indices["cp"] == pytest.approx(0.1 / (6 * sigma))
    assert abs(res.indices["cp"] - 1.68) < 0.015  # Montgomery rounds sigma-hat to 0.0099
    assert res.indices["cpk"] == pytest.approx(min(74.05 - x.mean(), x.mean() - 73.95) / (3 * sigma))
    assert res.indices["pp"] == pytest.approx(0.1 / (6 * x.std(ddof=1)))
    assert res.ppm["expected_within"]["total"] < 1.0


def _exact_sample(n: int, mean: float, sd: float) -> np.ndarray:
    z = np.random.default_rng(3).normal(size=n)
    z = (z - z.mean()) / z.std(ddof=1)
    return mean + sd * z


def test_montgomery_example_8_5_confidence_interval() -> None:
    res = capability(_exact_sample(20, 50.0, 1.75), lsl=38, usl=62)
    assert res.indices["pp"] == pytest.approx(2.29, abs=5e-3)
    lo, hi = res.intervals["pp"]  # type: ignore[misc]
    # Montgomery multiplies the rounded 2.29: 2.29 x 0.6847 = 1.57; exactly 2.2857 x 0.6847 = 1.565
    assert lo == pytest.approx(1.57, abs=6e-3) and hi == pytest.approx(3.01, abs=6e-3)


def test_cpm_and_cpk_interval_formulas() -> None:
    x = _exact_sample(50, 10.2, 0.5)
    res = capability(x, lsl=8.5, usl=11.5, target=10.0)
    tau = np.sqrt(0.5**2 + 0.2**2)
    assert res.indices["cpm"] == pytest.approx(3.0 / (6 * tau))
    ppk = res.indices["ppk"]
    half = stats.norm.ppf(0.975) * np.sqrt(1 / (9 * 50) + ppk**2 / (2 * 49))  # Bissell (1990)
    assert res.intervals["ppk"] == pytest.approx((ppk - half, ppk + half))


def test_one_sided_specification() -> None:
    res = capability(_exact_sample(30, 5.0, 1.0), usl=8.0).to_dict()
    assert res["cp"] is None and res["cpl"] is None and res["cpm"] is None
    assert res["cpk"] == res["cpu"]
    assert res["ppm"]["expected_overall"]["below_lsl"] == 0.0
    assert res["ppm"]["expected_overall"]["above_usl"] == pytest.approx(stats.norm.sf(3.0) * 1e6)


def test_normality_warning() -> None:
    rng = np.random.default_rng(11)
    normal = capability(rng.normal(0, 1, 200), lsl=-4, usl=4)
    assert normal.normality["normal_at_5_percent"] and not normal.warnings
    skewed = capability(rng.exponential(1, 200), lsl=0, usl=6)
    assert skewed.normality["p_value"] < 0.05 and skewed.warnings and skewed.warnings_zh


def test_anderson_darling_statistic_matches_scipy() -> None:
    x = np.random.default_rng(5).normal(size=40)
    a2, p = anderson_darling(x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SciPy >= 1.17 asks for a p-value method; only the statistic is compared
        assert a2 == pytest.approx(stats.anderson(x, dist="norm").statistic)
    assert 0 <= p <= 1


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"values": [], "usl": 1}, "stats.empty_data"),
        ({"values": [1.0, 2.0, float("nan")], "usl": 3}, "stats.nan_value"),
        ({"values": [1.0, 2.0, 3.0]}, "stats.spec_required"),
        ({"values": [1.0, 2.0, 3.0], "lsl": 5, "usl": 4}, "stats.spec_order"),
        ({"values": [2.0, 2.0, 2.0], "usl": 4}, "stats.zero_variation"),
    ],
)
def test_bad_input(kwargs: dict, code: str) -> None:
    with pytest.raises(StatsError) as e:
        capability(**kwargs)
    assert e.value.code == code
