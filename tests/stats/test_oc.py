"""OC curves. Published values: Montgomery, Introduction to SQC, ch. 15 (single plan n = 89, c = 2):
Pa = 0.9897, 0.9397, 0.7366, 0.4985, 0.3042, 0.1721 at p = 0.005, 0.01, 0.02, 0.03, 0.04, 0.05."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhijian.stats.errors import StatsError
from zhijian.stats.oc import oc_curve, p_at_pa, probability_of_acceptance, probability_of_acceptance_double


def test_montgomery_n89_c2() -> None:
    pa = probability_of_acceptance(89, 2, [0.005, 0.01, 0.02, 0.03, 0.04, 0.05])
    np.testing.assert_allclose(pa, [0.9897, 0.9397, 0.7366, 0.4985, 0.3042, 0.1721], atol=6e-5)


def test_points_at_095_and_010_invert_the_curve() -> None:
    c = oc_curve(80, 2)
    assert probability_of_acceptance(80, 2, [c.p_at_pa_95])[0] == pytest.approx(0.95, abs=1e-9)
    assert probability_of_acceptance(80, 2, [c.p_at_pa_10])[0] == pytest.approx(0.10, abs=1e-9)
    assert 0 < c.p_at_pa_95 < c.p_at_pa_10 < 1


def test_hypergeometric_for_finite_lot() -> None:
    # lot of 1000 with 10 nonconforming (p = 0.01), n = 80, c = 2
    from scipy.stats import hypergeom

    pa = probability_of_acceptance(80, 2, [0.01], lot_size=1000)[0]
    assert pa == pytest.approx(hypergeom.cdf(2, 1000, 10, 80))
    # large lot: close to binomial
    assert probability_of_acceptance(80, 2, [0.02], lot_size=10**6)[0] == pytest.approx(
        probability_of_acceptance(80, 2, [0.02])[0], abs=2e-4)
    p95 = p_at_pa(80, 2, 0.95, lot_size=1000)
    assert probability_of_acceptance(80, 2, [p95], lot_size=1000)[0] >= 0.95
    assert probability_of_acceptance(80, 2, [p95 + 0.001], lot_size=1000)[0] < 0.95


def test_double_plan_pa_by_enumeration() -> None:
    # Pa = P(d1<=0) + P(d1=1)P(d2<=2) + P(d1=2)P(d2<=1), plan 50/50, (0,3;3,4) at p = 0.02
    from scipy.stats import binom

    p = 0.02
    expected = binom.cdf(0, 50, p) + binom.pmf(1, 50, p) * binom.cdf(2, 50, p) + binom.pmf(2, 50, p) * binom.cdf(1, 50, p)
    assert probability_of_acceptance_double(50, 0, 3, 50, 3, [p])[0] == pytest.approx(expected)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 500), c_frac=st.floats(0, 1), ps=st.lists(st.floats(0, 1), min_size=2, max_size=30))
def test_oc_falls_as_p_grows(n: int, c_frac: float, ps: list[float]) -> None:
    c = int(c_frac * n)
    p = np.sort(np.asarray(ps))
    pa = probability_of_acceptance(n, c, p)
    assert np.all(np.diff(pa) <= 1e-12)
    assert np.all((pa >= 0) & (pa <= 1))


@pytest.mark.parametrize(
    ("args", "kwargs", "code", "field"),
    [
        ((80, 2, [0.1, 1.2]), {}, "stats.p_out_of_range", "p"),
        ((80, 2, [-0.1]), {}, "stats.p_out_of_range", "p"),
        ((80, 2, []), {}, "stats.empty_data", "p"),
        ((80, 2, [float("nan")]), {}, "stats.nan_value", "p"),
        ((0, 0, [0.1]), {}, "stats.out_of_range", "sample_size"),
        # found by schemathesis (100 cases per operation): 8e20 answered 500 (SciPy's beta refuses a uint64 overflow)
        ((8 * 10**20, 1, [0.1]), {}, "stats.out_of_range", "sample_size"),
        ((80, 2, [0.1]), {"lot_size": 50}, "stats.sample_exceeds_lot", "sample_size"),
        ((80, 2, [0.1]), {"lot_size": 0}, "stats.lot_size_zero", "lot_size"),
    ],
)
def test_bad_input(args: tuple, kwargs: dict, code: str, field: str) -> None:
    with pytest.raises(StatsError) as e:
        probability_of_acceptance(*args, **kwargs)
    assert (e.value.code, e.value.field) == (code, field)
