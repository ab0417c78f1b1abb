"""投诉数量异常检测 — outbreak detection on weekly complaint counts, pure NumPy/SciPy.

- `ears` — CDC EARS C1, C2, C3 (Hutwagner et al. 2003): 7-period baseline, lag 0 (C1) or 2 (C2),
  C3 = Σ_{j=0..2} max(0, C2_{t−j} − 1). Used when less than two years of history exist.
- `farrington_flexible` — the improved Farrington method (Noufaily et al. 2013, Stat Med 32:1206):
  quasi-Poisson GLM on b years of reference data with a 10-level seasonal factor (one level for the
  2w+1-week windows around the same week in past years, the rest of each year in 9 blocks), a trend
  kept only when significant (p < 0.05), down-weighting of past outbreaks by Anscombe residuals above
  2.58, a negative-binomial (1−α) threshold, and no alarm when fewer than 5 cases fell in the last 4
  periods. The GLM is fitted here by IRLS (no statsmodels).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from zhijian.platform.errors import DomainError


def _counts(y: object, name: str = "counts") -> np.ndarray:
    a = np.asarray(y, dtype=float)
    if a.size and (not np.all(np.isfinite(a)) or np.any(a < 0)):
        raise DomainError("risk.bad_series", f"{name} 必须是非负有限数", f"{name} must be finite and non-negative",
                          field=name)
    return a


# ---------------------------------------------------------------- EARS C1 / C2 / C3


@dataclass(frozen=True)
class EarsResult:
    method: str  # C1 | C2 | C3
    expected: np.ndarray  # baseline mean (NaN where the baseline is incomplete)
    sd: np.ndarray
    stat: np.ndarray  # C statistic
    threshold: float  # alarm when stat > threshold
    upper: np.ndarray  # count threshold mean + k·sd (C1/C2), NaN for C3
    alarm: np.ndarray


def ears(y: object, method: str = "C1", *, baseline: int = 7, threshold: float | None = None,
         min_sigma: float = 0.5) -> EarsResult:
    """EARS statistics along the last axis. `min_sigma` floors the baseline SD so that a single complaint
    after weeks of zeros does not give an infinite score (R surveillance's `minSigma`, here 0.5 by default)."""
    Y = np.atleast_2d(_counts(y))
    method = method.upper()
    if method not in ("C1", "C2", "C3"):
        raise DomainError("risk.bad_method", f"未知 EARS 方法：{method}", f"unknown EARS method: {method}", field="method")
    lag = 0 if method == "C1" else 2
    T = Y.shape[1]
    mean = np.full(Y.shape, np.nan)
    sd = np.full(Y.shape, np.nan)
    csum = np.concatenate([np.zeros((Y.shape[0], 1)), np.cumsum(Y, axis=1)], axis=1)
    csq = np.concatenate([np.zeros((Y.shape[0], 1)), np.cumsum(Y**2, axis=1)], axis=1)
    for t in range(baseline + lag, T):
        lo, hi = t - lag - baseline, t - lag  # baseline periods [lo, hi)
        s1 = csum[:, hi] - csum[:, lo]
        s2 = csq[:, hi] - csq[:, lo]
        m = s1 / baseline
        var = np.maximum((s2 - baseline * m**2) / (baseline - 1), 0.0)
        mean[:, t] = m
        sd[:, t] = np.maximum(np.sqrt(var), min_sigma)
    with np.errstate(invalid="ignore"):
        c = (Y - mean) / sd
    if method == "C3":
        k = 2.0 if threshold is None else threshold
        part = np.where(np.isfinite(c), np.maximum(0.0, c - 1.0), np.nan)
        stat = np.full(Y.shape, np.nan)
        for t in range(baseline + lag + 2, T):
            stat[:, t] = part[:, t] + part[:, t - 1] + part[:, t - 2]
        upper = np.full(Y.shape, np.nan)
    else:
        k = 3.0 if threshold is None else threshold
        stat = c
        upper = mean + k * sd
    with np.errstate(invalid="ignore"):
        alarm = np.isfinite(stat) & (stat > k)
    out = EarsResult(method, mean, sd, stat, k, upper, alarm)
    if np.ndim(y) == 1:
        out = EarsResult(method, mean[0], sd[0], stat[0], k, upper[0], alarm[0])
    return out


# ---------------------------------------------------------------- quasi-Poisson GLM by IRLS (many series at once)


@dataclass
class GlmFit:
    """Fits of S series sharing one design matrix X (n × p): arrays with a leading series axis."""

    coef: np.ndarray  # (S, p)
    cov_unscaled: np.ndarray  # (S, p, p) = (XᵀWX)⁻¹
    mu: np.ndarray  # (S, n)
    phi: np.ndarray  # (S,) Pearson dispersion Σ w (y−μ)²/μ / (n − p)
    hat: np.ndarray  # (S, n) leverages
    df_resid: int


def poisson_irls(X: np.ndarray, Y: np.ndarray, *, offset: np.ndarray | None = None,  # noqa: N803
                 prior_weights: np.ndarray | None = None, max_iter: int = 50, tol: float = 1e-8) -> GlmFit:
    """Poisson log-link GLM by iteratively reweighted least squares, for every row of Y (S × n) at once:
    the S weighted normal equations are solved as one stacked call, so a thousand series cost about as
    much as a handful."""
    Y = np.atleast_2d(Y)
    S, n = Y.shape
    p = X.shape[1]
    off = np.zeros((S, n)) if offset is None else np.broadcast_to(offset, (S, n))
    pw = np.ones((S, n)) if prior_weights is None else np.broadcast_to(prior_weights, (S, n))
    mu = Y + 0.5 * (Y.mean(axis=1, keepdims=True) + 0.1)
    beta = (np.log(mu) - off) @ np.linalg.pinv(X).T
    eye = 1e-10 * np.eye(p)
    dev_old = np.full(S, np.inf)
    for _ in range(max_iter):
        eta = beta @ X.T + off
        mu = np.exp(np.clip(eta, -30, 30))
        z = eta - off + (Y - mu) / mu
        w = pw * mu
        Xw = w[:, :, None] * X[None]  # (S, n, p); batched matmuls, not einsum (much faster)
        A = np.swapaxes(Xw, 1, 2) @ X + eye
        b = (Xw * z[:, :, None]).sum(axis=1)
        beta = np.linalg.solve(A, b[..., None])[..., 0]
        mu = np.exp(np.clip(beta @ X.T + off, -30, 30))
        with np.errstate(divide="ignore", invalid="ignore"):
            dev = 2.0 * np.sum(pw * (np.where(Y > 0, Y * np.log(Y / mu), 0.0) - (Y - mu)), axis=1)
        # R's glm.fit criterion, per series: |dev − dev_old| / (|dev| + 0.1) < ε (a level with only zeros drifts
        # towards −∞ without changing the deviance: it still counts as converged)
        if np.all(np.abs(dev - dev_old) / (np.abs(dev) + 0.1) < tol):
            break
        dev_old = dev
    mu = np.exp(np.clip(beta @ X.T + off, -30, 30))
    w = pw * mu
    cov = np.linalg.inv(np.swapaxes(w[:, :, None] * X[None], 1, 2) @ X + eye)
    hat = w * ((X[None] @ cov) * X[None]).sum(axis=2)
    df = max(n - p, 1)
    phi = np.sum(pw * (Y - mu) ** 2 / mu, axis=1) / df
    return GlmFit(beta, cov, mu, phi, hat, df)


# ---------------------------------------------------------------- improved Farrington (Noufaily 2013)


@dataclass(frozen=True)
class FarringtonParams:
    """Defaults of Noufaily et al. (2013) / R surveillance `farringtonFlexible` "improved" settings."""

    b: int = 2  # years back (Noufaily use 5 when available; 2 is the minimum this system accepts)
    w: int = 3  # half-window around the same week in past years
    freq: int = 52  # periods per year
    no_periods: int = 10  # levels of the seasonal factor
    alpha: float = 0.05  # one-sided: threshold is the (1−α) quantile
    reweight_threshold: float = 2.58
    trend: bool = True
    p_threshold_trend: float = 0.05
    limit_cases: int = 5  # no alarm if fewer than 5 cases ...
    limit_periods: int = 4  # ... in the last 4 periods (the current one included)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class FarringtonResult:
    expected: float  # predicted μ0 for the current period
    upper: float  # (1−α) negative-binomial (or Poisson) quantile
    observed: float
    phi: float
    trend_used: bool
    score: float  # (y0 − μ0)/(U − μ0), > 1 means above the threshold
    p_value: float  # P(Y ≥ y0) under the fitted NB / Poisson
    alarm: bool
    guarded: bool  # True when the low-count rule suppressed an alarm
    n_baseline: int
    params: dict[str, Any] = field(default_factory=dict)


def min_history(params: FarringtonParams) -> int:
    """Periods needed before the current one: b years plus the half-window."""
    return params.b * params.freq + params.w


def _season_levels(t_baseline: np.ndarray, t0: int, p: FarringtonParams) -> np.ndarray:
    """Level 0 for weeks within ±w of t0 − k·freq; the other weeks of each year in (no_periods−1) blocks."""
    d = (t0 - t_baseline) % p.freq  # 0 = same week of the year
    d = np.where(d > p.freq // 2, d - p.freq, d)  # centred: −freq/2 .. freq/2
    in_window = np.abs(d) <= p.w
    if p.no_periods <= 1:
        return np.zeros(t_baseline.size, dtype=int)
    # position after the window, 0 .. freq − (2w+1) − 1
    pos = (d - p.w - 1) % p.freq
    rest = p.freq - (2 * p.w + 1)
    block = 1 + np.minimum((pos * (p.no_periods - 1)) // max(rest, 1), p.no_periods - 2)
    return np.where(in_window, 0, block)


def _design(t: np.ndarray, levels: np.ndarray, n_levels: int, trend: bool) -> np.ndarray:
    cols = [np.ones(t.size)]
    if trend:
        cols.append(t.astype(float))
    for lev in range(1, n_levels):
        cols.append((levels == lev).astype(float))
    return np.column_stack(cols)


def _thresholds(mu0: np.ndarray, phi: np.ndarray, alpha: float) -> np.ndarray:
    """(1−α) quantile: negative binomial with size μ0/(φ−1) when φ > 1 (Noufaily), Poisson otherwise."""
    out = np.zeros(mu0.shape)
    over = (phi > 1.0) & (mu0 > 0)
    pois = (phi <= 1.0) & (mu0 > 0)
    if over.any():
        size = mu0[over] / (phi[over] - 1.0)
        out[over] = stats.nbinom.ppf(1 - alpha, size, size / (size + mu0[over]))
    if pois.any():
        out[pois] = stats.poisson.ppf(1 - alpha, mu0[pois])
    return out


def _p_values(y0: np.ndarray, mu0: np.ndarray, phi: np.ndarray) -> np.ndarray:
    out = np.where(y0 > 0, 0.0, 1.0)
    over = (phi > 1.0) & (mu0 > 0)
    pois = (phi <= 1.0) & (mu0 > 0)
    if over.any():
        size = mu0[over] / (phi[over] - 1.0)
        out[over] = stats.nbinom.sf(y0[over] - 1, size, size / (size + mu0[over]))
    if pois.any():
        out[pois] = stats.poisson.sf(y0[pois] - 1, mu0[pois])
    return out


@dataclass(frozen=True)
class FarringtonBatch:
    """Arrays (one entry per series) for the period t0."""

    expected: np.ndarray
    upper: np.ndarray
    observed: np.ndarray
    phi: np.ndarray
    trend_used: np.ndarray
    score: np.ndarray
    p_value: np.ndarray
    alarm: np.ndarray
    guarded: np.ndarray
    n_baseline: int


def farrington_batch(Y: object, params: FarringtonParams | None = None, *, t0: int | None = None,  # noqa: N803
                     population: object | None = None) -> FarringtonBatch:
    """Improved Farrington for the period `t0` (default: the last) of every row of the weekly counts `Y` (S × T).

    Reference data: the weeks from t0 − b·freq − w to t0 − freq + w (the recent weeks of the current year are
    not used, so an ongoing outbreak does not raise its own baseline). `population` (S × T) is an exposure
    offset (e.g. units sold) when known. All series share the design, so every GLM step runs stacked.
    """
    p = params or FarringtonParams()
    Yall = np.atleast_2d(_counts(Y))
    S, T = Yall.shape
    t0 = T - 1 if t0 is None else t0
    start = t0 - p.b * p.freq - p.w
    if start < 0:
        raise DomainError("risk.history_too_short", f"改进 Farrington 方法需要 {min_history(p)} 期历史数据",
                          f"improved Farrington needs {min_history(p)} periods of history", field="counts")
    tb = np.arange(start, t0 - p.freq + p.w + 1)
    yb = Yall[:, tb]
    y0 = Yall[:, t0].astype(float)
    recent = Yall[:, max(0, t0 - p.limit_periods + 1): t0 + 1].sum(axis=1)
    off = off0 = None
    if population is not None:
        pops = np.atleast_2d(_counts(population, "population"))
        off = np.log(np.maximum(pops[:, tb], 1e-9))
        off0 = np.log(np.maximum(pops[:, t0], 1e-9))
    mu0 = np.zeros(S)
    phi = np.ones(S)
    trend_used = np.zeros(S, dtype=bool)
    fit_rows = np.flatnonzero(yb.sum(axis=1) > 0)  # an all-zero baseline predicts 0
    if fit_rows.size:
        levels = _season_levels(tb, t0, p)
        present = np.unique(levels)
        lv = np.searchsorted(present, levels)  # drop empty levels so the design has full rank
        lv0 = int(np.searchsorted(present, 0)) if 0 in present else 0
        n_lev = present.size
        X1, X0 = _design(tb, lv, n_lev, True), _design(tb, lv, n_lev, False)
        x1, x0 = np.zeros(X1.shape[1]), np.zeros(X0.shape[1])
        x1[0] = x0[0] = 1.0
        x1[1] = t0
        if lv0 > 0:
            x1[1 + lv0] = 1.0
            x0[lv0] = 1.0
        y = yb[fit_rows]
        o = None if off is None else off[fit_rows]
        o0 = np.zeros(fit_rows.size) if off0 is None else off0[fit_rows]
        f1 = poisson_irls(X1, y, offset=o)
        f0 = poisson_irls(X0, y, offset=o)
        if p.trend:
            se = np.sqrt(np.maximum(f1.phi, 1.0) * f1.cov_unscaled[:, 1, 1])
            with np.errstate(divide="ignore", invalid="ignore"):
                pt = 2 * stats.norm.sf(np.abs(f1.coef[:, 1]) / se)
            use = np.nan_to_num(pt, nan=1.0) < p.p_threshold_trend
        else:
            use = np.zeros(fit_rows.size, dtype=bool)
        # reweighting: Anscombe residuals 3/2 (y^⅔ − μ^⅔)/(μ^⅙ √(φ(1−h))) above 2.58 get weight ∝ s⁻², Σw = n
        mu = np.where(use[:, None], f1.mu, f0.mu)
        hat = np.where(use[:, None], f1.hat, f0.hat)
        ph = np.maximum(np.where(use, f1.phi, f0.phi), 1.0)[:, None]
        s = 1.5 * (np.cbrt(y**2) - np.cbrt(mu**2)) / (mu ** (1 / 6) * np.sqrt(ph * np.maximum(1 - hat, 1e-9)))
        raw = np.where(s > p.reweight_threshold, 1.0 / np.maximum(s, 1e-9) ** 2, 1.0)
        wts = raw * y.shape[1] / raw.sum(axis=1, keepdims=True)
        g1 = poisson_irls(X1, y, offset=o, prior_weights=wts)
        g0 = poisson_irls(X0, y, offset=o, prior_weights=wts)
        eta1 = g1.coef @ x1 + o0
        eta0 = g0.coef @ x0 + o0
        use &= np.exp(eta1) <= y.max(axis=1)  # Farrington: a trend may not extrapolate beyond the data
        chosen_mu = np.where(use[:, None], g1.mu, g0.mu)
        n_par = np.where(use, X1.shape[1], X0.shape[1])
        disp = np.sum(wts * (y - chosen_mu) ** 2 / chosen_mu, axis=1) / np.maximum(y.shape[1] - n_par, 1)
        mu0[fit_rows] = np.exp(np.where(use, eta1, eta0))
        phi[fit_rows] = np.maximum(1.0, disp)
        trend_used[fit_rows] = use
    upper = _thresholds(mu0, phi, p.alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.where(upper > mu0, (y0 - mu0) / (upper - mu0), np.where(y0 > mu0, np.inf, 0.0))
    above = y0 > upper
    guarded = above & (recent < p.limit_cases)
    return FarringtonBatch(mu0, upper, y0, phi, trend_used, score, _p_values(y0, mu0, phi), above & ~guarded,
                           guarded, int(tb.size))


def farrington_flexible(y: object, params: FarringtonParams | None = None, *, t0: int | None = None,
                        population: object | None = None) -> FarringtonResult:
    """Improved Farrington for one series (see `farrington_batch`)."""
    p = params or FarringtonParams()
    pop = None if population is None else np.atleast_2d(np.asarray(population, dtype=float))
    b = farrington_batch(np.atleast_2d(np.asarray(y, dtype=float)), p, t0=t0, population=pop)
    return FarringtonResult(expected=float(b.expected[0]), upper=float(b.upper[0]), observed=float(b.observed[0]),
                            phi=float(b.phi[0]), trend_used=bool(b.trend_used[0]), score=float(b.score[0]),
                            p_value=float(b.p_value[0]), alarm=bool(b.alarm[0]), guarded=bool(b.guarded[0]),
                            n_baseline=b.n_baseline, params=p.as_dict())
