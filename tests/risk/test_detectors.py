"""Detectors on series whose truth is known: exact limits by hand, injected shifts found within a stated number
of periods, in-control run lengths above the configured level (fixed seeds), constructed count series."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from zhijian.platform.errors import DomainError
from zhijian.risk import counts, rates

SEED = 20261127


# ---------------------------------------------------------------- p-chart with exact binomial limits


def test_exact_limits_small_n_by_hand() -> None:
    """n = 10, p0 = 0.05, α = 0.0027: P(X ≥ 3) = 0.011504 > α/2, P(X ≥ 4) = 0.0010285 ≤ α/2 → UCL = 3/10."""
    assert stats.binom.sf(2, 10, 0.05) == pytest.approx(0.0115036, rel=1e-5)
    ch = rates.p_chart_exact([3, 4, 0], [10, 10, 10], 0.05)
    assert ch.ucl[0] == pytest.approx(0.3)
    assert ch.lcl[0] == 0.0  # never negative, unlike p0 − 3σ = −0.157
    assert ch.p_value[1] == pytest.approx(0.00102850, rel=1e-5)
    assert ch.alarm.tolist() == [False, True, False]


def test_exact_chart_one_sample() -> None:
    """n = 1: one failure has p = p0, which must not alarm (3σ limits would give UCL = 0.70 and alarm)."""
    assert not rates.p_chart_exact([1], [1], 0.05).alarm[0]


def test_bad_series_is_refused() -> None:
    with pytest.raises(DomainError) as e:
        rates.p_chart_exact([5], [3], 0.05)
    assert e.value.field == "x"


# ---------------------------------------------------------------- shifts and in-control run lengths


def _in_control(r: int = 200, t: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(SEED)
    return rng.binomial(50, 0.05, (r, t)).astype(float), np.full((r, t), 50.0)


def _arl(alarm: np.ndarray) -> float:
    """Mean run length to the first alarm, censored at the series length (so an underestimate)."""
    t = alarm.shape[1]
    return float(np.where(alarm.any(axis=1), alarm.argmax(axis=1) + 1, t).mean())


def test_in_control_false_alarms_stay_under_configured_level() -> None:
    """p0 = 5 %, n = 50 per period, 200 series × 1000 periods, fixed seed. Configured level: exact p-chart
    α/2 = 0.00135 per point; CUSUM (h = 4, OR = 2) and EWMA (λ = 0.2, L = 2.7) ARL0 ≥ 200 periods."""
    x, n = _in_control()
    p = rates.p_chart_exact(x, n, 0.05)
    assert p.alarm.mean() <= 0.0027 / 2
    assert _arl(rates.binomial_cusum(x, n, 0.05, h=4.0).alarm) >= 200
    assert _arl(rates.ewma_rate(x, n, 0.05, lam=0.2, L=2.7).alarm) >= 200


def test_injected_shift_found_within_four_periods() -> None:
    """0.05 → 0.15 at period 20 (n = 50): CUSUM and EWMA alarm within 4 periods in ≥ 95 % of 200 series."""
    rng = np.random.default_rng(SEED + 1)
    x = rng.binomial(50, 0.05, (200, 40)).astype(float)
    x[:, 20:] = rng.binomial(50, 0.15, (200, 20))
    n = np.full(x.shape, 50.0)
    for chart in (rates.binomial_cusum(x, n, 0.05, h=4.0), rates.ewma_rate(x, n, 0.05)):
        after = chart.alarm[:, 20:]
        delay = np.where(after.any(axis=1), after.argmax(axis=1), 99)
        assert np.mean(delay <= 3) >= 0.95  # found at the 1st..4th shifted period


def test_cusum_recursion_by_hand() -> None:
    """S_t = max(0, S_{t−1} + x ln(p1/p0) + (n−x) ln((1−p1)/(1−p0))), p0 = 0.1, p1 = 0.2."""
    a, b = np.log(2.0), np.log(0.8 / 0.9)
    ch = rates.binomial_cusum([3, 0, 5], [10, 10, 10], 0.1, p1=0.2, h=100)
    s1 = max(0.0, 3 * a + 7 * b)
    s2 = max(0.0, s1 + 10 * b)
    s3 = max(0.0, s2 + 5 * a + 5 * b)
    assert ch.stat.tolist() == pytest.approx([s1, s2, s3])


def test_ewma_exact_variance_for_unequal_n() -> None:
    """V_t = (1−λ)² V_{t−1} + λ² p0(1−p0)/n_t."""
    ch = rates.ewma_rate([1, 2], [10, 40], 0.1, lam=0.2, L=3)
    v1 = 0.04 * 0.09 / 10
    v2 = 0.64 * v1 + 0.04 * 0.09 / 40
    assert ch.stat.tolist() == pytest.approx([0.2 * 0.1 + 0.8 * 0.1, 0.2 * 0.05 + 0.8 * 0.1])
    assert ch.ucl.tolist() == pytest.approx([0.1 + 3 * np.sqrt(v1), 0.1 + 3 * np.sqrt(v2)])


def test_laney_widens_limits_for_overdispersed_series() -> None:
    """Between-period variation in the true rate (beta-distributed) → σ_z > 1; the p′ chart alarms far less than
    the binomial p-chart on the same in-control-but-overdispersed series."""
    rng = np.random.default_rng(SEED)
    p = rng.beta(5, 95, 60)
    n = np.full(60, 400.0)
    x = rng.binomial(400, p).astype(float)
    sz = rates.laney_sigma_z(x, n)
    assert sz > 1.5
    lp = rates.laney_p_prime(x, n)
    naive = rates.p_chart_exact(x, n, float(x.sum() / n.sum()))
    assert lp.alarm.sum() < naive.alarm.sum()
    assert lp.ucl[0] - lp.center[0] == pytest.approx(3 * sz * np.sqrt(lp.center[0] * (1 - lp.center[0]) / 400))


# ---------------------------------------------------------------- funnel plot


def test_funnel_z_scores_and_overdispersion() -> None:
    """z = (y − θ0)/√(θ0(1−θ0)/n): 10/100 against 5 % is 2.2942. Binomial units give τ² = 0; overdispersed
    units give τ² > 0 and their limits widen."""
    f = rates.funnel([10, 5, 2, 6], [100, 100, 50, 120], 0.05, overdispersion=False)
    assert f.z[0] == pytest.approx(0.05 / np.sqrt(0.05 * 0.95 / 100), rel=1e-9)
    assert f.z[0] == pytest.approx(2.2942, abs=1e-4)
    rng = np.random.default_rng(SEED)
    n = rng.integers(50, 2000, 80).astype(float)
    binom = rates.funnel(rng.binomial(n.astype(int), 0.05), n, 0.05)
    over = rates.funnel(rng.binomial(n.astype(int), rng.beta(4, 76, 80)), n, 0.05)
    assert binom.tau2 == 0.0 or binom.tau2 < 1e-5
    assert over.tau2 > 1e-4 and over.phi > 2
    lo, hi = over.limits(np.array([1000.0]), 0.998)
    assert hi[0] - 0.05 == pytest.approx(stats.norm.ppf(0.999) * np.sqrt(0.05 * 0.95 / 1000 + over.tau2))


# ---------------------------------------------------------------- empirical-Bayes shrinkage


def test_shrinkage_numbers() -> None:
    """Prior Beta(2, 38) (mean 5 %): 1 of 2 → 3/42 = 7.14 %, 30 of 300 → 32/340 = 9.41 %: the small unit no longer
    shouts louder than the large one."""
    prior = rates.BetaPrior(2.0, 38.0)
    s = rates.shrink([1, 30], [2, 300], prior)
    assert s.tolist() == pytest.approx([3 / 42, 32 / 340])
    assert s[1] > s[0]
    exc = rates.posterior_exceedance([1, 30], [2, 300], prior, 0.06)
    assert exc[1] > 0.95 > exc[0]


def test_beta_binomial_fit_recovers_the_prior() -> None:
    rng = np.random.default_rng(SEED)
    n = rng.integers(5, 200, 3000)
    x = rng.binomial(n, rng.beta(2, 38, 3000))
    prior = rates.beta_binomial_fit(x, n)
    assert prior.mean == pytest.approx(0.05, abs=0.004)
    assert prior.alpha + prior.beta == pytest.approx(40, rel=0.25)


# ---------------------------------------------------------------- counts: EARS and improved Farrington


def test_ears_c1_c2_c3_on_a_constructed_series() -> None:
    """Baseline 1,2,3,1,2,3,2: mean 2, sd √(4/6) = 0.8165 → C1 threshold 2 + 3·0.8165 = 4.449."""
    base = [1, 2, 3, 1, 2, 3, 2]
    c1 = counts.ears(base + [5], "C1")
    assert c1.expected[-1] == pytest.approx(2.0)
    assert c1.upper[-1] == pytest.approx(2 + 3 * np.sqrt(4 / 6))
    assert bool(c1.alarm[-1]) and not counts.ears(base + [4], "C1").alarm[-1]
    c2 = counts.ears(base + [9, 9, 6], "C2")  # lag 2: baseline is the same 7 weeks for the last point
    assert c2.expected[-1] == pytest.approx(2.0) and bool(c2.alarm[-1])
    c3 = counts.ears(base + [0, 0, 4, 4, 4], "C3")
    # C2 at the last three points: baselines end two weeks earlier; C3 = Σ max(0, C2 − 1) over them
    c2b = counts.ears(base + [0, 0, 4, 4, 4], "C2")
    assert c3.stat[-1] == pytest.approx(sum(max(0.0, v - 1) for v in c2b.stat[-3:]))


def test_farrington_constant_series_threshold() -> None:
    """Two years of exactly 10 a week: μ0 = 10, φ = 1 → threshold = Poisson(10) 95 % quantile = 15
    (P(X ≤ 14) = 0.9165, P(X ≤ 15) = 0.9513); 16 alarms, 15 does not."""
    y = np.full(2 * 52 + 3 + 1, 10.0)
    r = counts.farrington_flexible(np.r_[y[:-1], 15.0])
    assert r.expected == pytest.approx(10.0, rel=1e-6)
    assert (r.upper, r.phi, r.trend_used) == (15.0, 1.0, False)
    assert not r.alarm
    r16 = counts.farrington_flexible(np.r_[y[:-1], 16.0])
    assert r16.alarm and r16.score > 1


def test_farrington_low_count_guard() -> None:
    """Baseline of 1 a week: threshold Poisson(1) 95 % = 3. Four cases now after three empty weeks: above the
    threshold but only 4 cases in the last 4 weeks (< 5) → no alarm; after 1, 0, 1 it is 6 → alarm."""
    y = np.ones(2 * 52 + 3 + 1)
    guarded = counts.farrington_flexible(np.r_[y[:-4], 0, 0, 0, 4.0])
    assert guarded.upper == 3.0 and guarded.guarded and not guarded.alarm
    fires = counts.farrington_flexible(np.r_[y[:-4], 1, 0, 1, 4.0])
    assert fires.alarm and not fires.guarded


def test_farrington_downweights_past_outbreaks() -> None:
    """A past outbreak week (60 among 10s) in the reference window: the reweighting at 2.58 keeps μ0 near 10."""
    y = np.full(2 * 52 + 3 + 1, 10.0)
    y[52] = 60.0  # the same week one year ago → inside the reference window
    r = counts.farrington_flexible(y)
    naive_window_mean = np.mean(np.r_[y[52 - 3:52 + 4], y[:7]])
    assert abs(r.expected - 10.0) < 0.5 < naive_window_mean - 10.0


def test_farrington_needs_history() -> None:
    with pytest.raises(DomainError) as e:
        counts.farrington_flexible(np.ones(50))
    assert e.value.code == "risk.history_too_short"


def test_farrington_in_control_false_alarm_rate() -> None:
    """Poisson(5) weeks, fixed seed, 150 series: alarm rate close to the configured α = 5 % (≤ 10 %: the plug-in
    threshold ignores estimation error with only two reference years)."""
    rng = np.random.default_rng(SEED)
    alarms = [counts.farrington_flexible(rng.poisson(5, 108).astype(float)).alarm for _ in range(150)]
    assert np.mean(alarms) <= 0.10
