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


# ---------------------------------------------------------------- quasi-Poisson GLM by IRLS


@dataclass
class GlmFit:
    coef: np.ndarray
    cov_unscaled: np.ndarray  # (XᵀWX)⁻¹
    mu: np.ndarray
    phi: float  # Pearson dispersion
    hat: np.ndarray
    df_resid: int


def poisson_irls(X: np.ndarray, y: np.ndarray, *, offset: np.ndarray | None = None,  # noqa: N803
                 prior_weights: np.ndarray | None = None, max_iter: int = 50, tol: float = 1e-10) -> GlmFit:
    """Poisson log-link GLM by iteratively reweighted least squares; dispersion by Pearson χ²/(n−p)."""
    n, p = X.shape
    off = np.zeros(n) if offset is None else offset
    pw = np.ones(n) if prior_weights is None else prior_weights
    mu = y + 0.5 * (y.mean() + 0.1)
    eta = np.log(mu) - off
    beta = np.linalg.lstsq(X, eta, rcond=None)[0]
    dev_old = np.inf
    for _ in range(max_iter):
        eta = X @ beta + off
        mu = np.exp(np.clip(eta, -30, 30))
        z = eta - off + (y - mu) / mu
        w = pw * mu
        XtW = X.T * w
        A = XtW @ X
        try:
            beta = np.linalg.solve(A + 1e-10 * np.eye(p), XtW @ z)
        except np.linalg.LinAlgError:
            beta = np.linalg.lstsq(A, XtW @ z, rcond=None)[0]
        mu = np.exp(np.clip(X @ beta + off, -30, 30))
        with np.errstate(divide="ignore", invalid="ignore"):
            dev = 2.0 * np.sum(pw * (np.where(y > 0, y * np.log(y / mu), 0.0) - (y - mu)))
        if abs(dev - dev_old) <= tol * (abs(dev) + 0.1):
            break
        dev_old = dev
    w = pw * mu
    A = (X.T * w) @ X
    cov = np.linalg.pinv(A)
    sw = np.sqrt(w)
    hat = np.einsum("ij,jk,ik->i", X * sw[:, None], cov, X * sw[:, None])
    df = max(n - p, 1)
    phi = float(np.sum(pw * (y - mu) ** 2 / mu) / df)
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


def _threshold(mu0: float, phi: float, alpha: float) -> float:
    if mu0 <= 0:
        return 0.0
    if phi > 1.0:
        size = mu0 / (phi - 1.0)
        return float(stats.nbinom.ppf(1 - alpha, size, size / (size + mu0)))
    return float(stats.poisson.ppf(1 - alpha, mu0))


def _p_value(y0: float, mu0: float, phi: float) -> float:
    if mu0 <= 0:
        return 0.0 if y0 > 0 else 1.0
    if phi > 1.0:
        size = mu0 / (phi - 1.0)
        return float(stats.nbinom.sf(y0 - 1, size, size / (size + mu0)))
    return float(stats.poisson.sf(y0 - 1, mu0))


def farrington_flexible(y: object, params: FarringtonParams | None = None, *, t0: int | None = None,
                        population: object | None = None) -> FarringtonResult:
    """Improved Farrington for the period `t0` (default: the last) of the weekly series `y`.

    Reference data: the weeks from t0 − b·freq − w to t0 − freq + w (the recent weeks of the current
    year are not used, so an ongoing outbreak does not raise its own baseline). `population` is an
    exposure offset (e.g. units sold) when known.
    """
    p = params or FarringtonParams()
    Y = _counts(y)
    t0 = Y.size - 1 if t0 is None else t0
    start = t0 - p.b * p.freq - p.w
    if start < 0:
        raise DomainError("risk.history_too_short", f"改进 Farrington 方法需要 {min_history(p)} 期历史数据",
                          f"improved Farrington needs {min_history(p)} periods of history", field="counts")
    end = t0 - p.freq + p.w  # inclusive
    tb = np.arange(start, end + 1)
    yb = Y[tb]
    y0 = float(Y[t0])
    recent = float(Y[max(0, t0 - p.limit_periods + 1): t0 + 1].sum())
    pops = None if population is None else _counts(population, "population")
    off = None if pops is None else np.log(np.maximum(pops[tb], 1e-9))
    off0 = 0.0 if pops is None else float(np.log(max(pops[t0], 1e-9)))
    base = dict(params=p.as_dict(), n_baseline=int(tb.size), observed=y0)
    if yb.sum() == 0:
        mu0, phi, upper, trend_used = 0.0, 1.0, 0.0, False
    else:
        levels = _season_levels(tb, t0, p)
        present = np.unique(levels)
        remap = {lev: i for i, lev in enumerate(present)}  # drop empty levels so the design has full rank
        lv = np.array([remap[v] for v in levels])
        lv0 = remap.get(0, 0)
        n_lev = present.size
        trend_used = p.trend
        X = _design(tb, lv, n_lev, trend_used)
        fit = poisson_irls(X, yb, offset=off)
        if trend_used:
            phi_t = max(fit.phi, 1.0)
            se = np.sqrt(phi_t * fit.cov_unscaled[1, 1])
            pt = 2 * stats.norm.sf(abs(fit.coef[1]) / se) if se > 0 else 1.0
            if not pt < p.p_threshold_trend:
                trend_used = False
                X = _design(tb, lv, n_lev, False)
                fit = poisson_irls(X, yb, offset=off)
        # reweighting: Anscombe residuals 3/2 (y^⅔ − μ^⅔)/(μ^⅙ √(φ(1−h))) above 2.58 get weight ∝ s⁻², the rest ∝ 1, Σw = n
        phi0 = max(fit.phi, 1.0)
        mu = fit.mu
        s = 1.5 * (np.cbrt(yb**2) - np.cbrt(mu**2)) / (mu ** (1 / 6) * np.sqrt(phi0 * np.maximum(1 - fit.hat, 1e-9)))
        raw = np.where(s > p.reweight_threshold, 1.0 / np.maximum(s, 1e-9) ** 2, 1.0)
        wts = raw * yb.size / raw.sum()
        fit = poisson_irls(X, yb, offset=off, prior_weights=wts)
        # dispersion of the reweighted fit: Σ w (y−μ)²/μ / (n − p), floored at 1
        phi = max(1.0, float(np.sum(wts * (yb - fit.mu) ** 2 / fit.mu) / max(yb.size - X.shape[1], 1)))
        x0 = np.zeros(X.shape[1])
        x0[0] = 1.0
        col = 1
        if trend_used:
            x0[1] = t0
            col = 2
        if lv0 > 0:
            x0[col + lv0 - 1] = 1.0
        eta0 = float(x0 @ fit.coef) + off0
        if trend_used and np.exp(eta0) > yb.max():  # Farrington: a trend may not extrapolate beyond the data
            trend_used = False
            X = _design(tb, lv, n_lev, False)
            fit = poisson_irls(X, yb, offset=off, prior_weights=wts)
            x0 = np.zeros(X.shape[1])
            x0[0] = 1.0
            if lv0 > 0:
                x0[lv0] = 1.0
            eta0 = float(x0 @ fit.coef) + off0
        mu0 = float(np.exp(eta0))
        upper = _threshold(mu0, phi, p.alpha)
    score = (y0 - mu0) / (upper - mu0) if upper > mu0 else (np.inf if y0 > mu0 else 0.0)
    above = y0 > upper
    guarded = above and recent < p.limit_cases
    return FarringtonResult(expected=mu0, upper=upper, phi=phi, trend_used=trend_used, score=float(score),
                            p_value=_p_value(y0, mu0, phi), alarm=bool(above and not guarded), guarded=bool(guarded),
                            **base)  # type: ignore[arg-type]
