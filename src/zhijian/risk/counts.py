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
import scipy  # its submodules load on first use (scipy.stats costs ~0.7 s at every start of the CLI and server)

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
         min_sigma: float = 0.5, c3_rule: str = "hutwagner") -> EarsResult:
    """EARS statistics along the last axis (Hutwagner et al. 2003, J Urban Health 80(2 Suppl 1):i89; the same windows
    as R surveillance's `earsC`): C1 compares week t with the mean and SD of weeks t−7..t−1, C2 with weeks t−9..t−3,
    and C3_t = Σ_{i=t−2..t} max(0, C2_i − 1). C1/C2 alarm when y_t > mean + k·sd (k = 3; `earsC` with
    α = Φ(−3)), C3 when C3_t > k (k = 2). `min_sigma` floors the baseline SD so that a single complaint after weeks
    of zeros does not give an infinite score (`earsC`'s `minSigma`, here 0.5 by default).

    `c3_rule="surveillance"` reproduces `earsC`'s C3 as published instead: its bound y_t + S_t(k − p_{t−1} − p_{t−2})
    (floored at 0) puts the observed count where the C2 mean belongs, so it alarms whenever the two previous weeks'
    parts exceed k and y_t > 0, whatever week t shows. The default follows the definition (which `earsC`'s help page
    also states)."""
    y1 = _counts(y)
    Y = np.atleast_2d(y1)
    method = method.upper()
    if method not in ("C1", "C2", "C3"):
        raise DomainError("risk.bad_method", f"未知 EARS 方法：{method}", f"unknown EARS method: {method}", field="method")
    if c3_rule not in ("hutwagner", "surveillance"):
        raise DomainError("risk.bad_parameter", f"未知 C3 规则：{c3_rule}", f"unknown C3 rule: {c3_rule}", field="c3_rule")
    if int(baseline) != baseline or baseline < 3:
        raise DomainError("risk.bad_parameter", "EARS 基线至少 3 期", "the EARS baseline needs at least 3 periods",
                          field="baseline")
    if not (np.isfinite(min_sigma) and min_sigma >= 0):
        raise DomainError("risk.bad_parameter", "min_sigma 应为非负数", "min_sigma must be non-negative", field="min_sigma")
    baseline = int(baseline)
    lag = 0 if method == "C1" else 2
    T = Y.shape[1]
    mean = np.full(Y.shape, np.nan)
    sd = np.full(Y.shape, np.nan)
    for t in range(baseline + lag, T):
        win = Y[:, t - lag - baseline:t - lag]  # baseline periods [t − lag − baseline, t − lag)
        m = win.mean(axis=1)
        mean[:, t] = m
        # two-pass variance (as R's sd): exact for a flat window, where Σy² − n·m² can leave a rounding residue
        sd[:, t] = np.maximum(np.sqrt(np.sum((win - m[:, None]) ** 2, axis=1) / (baseline - 1)), min_sigma)
    with np.errstate(invalid="ignore", divide="ignore"):
        c = (Y - mean) / sd  # ±inf / NaN where min_sigma = 0 and the window is flat, as in earsC
    if method == "C3":
        k = 2.0 if threshold is None else threshold
        part = np.maximum(0.0, c - 1.0)  # NaN stays NaN
        stat = np.full(Y.shape, np.nan)
        upper = np.full(Y.shape, np.nan)
        first = baseline + lag + 2
        stat[:, first:] = part[:, first:] + part[:, first - 1:-1] + part[:, first - 2:-2]
        with np.errstate(invalid="ignore"):
            if c3_rule == "surveillance":
                upper[:, first:] = np.maximum(
                    0.0, Y[:, first:] + sd[:, first:] * (k - (part[:, first - 1:-1] + part[:, first - 2:-2])))
                alarm = np.isfinite(upper) & (Y > upper)
            else:
                alarm = ~np.isnan(stat) & (stat > k)
    else:
        k = 3.0 if threshold is None else threshold
        stat = c
        upper = mean + k * sd
        with np.errstate(invalid="ignore"):
            alarm = np.isfinite(upper) & (Y > upper)  # earsC's comparison (the same as C > k where sd > 0)
    out = EarsResult(method, mean, sd, stat, k, upper, alarm)
    if y1.ndim == 1:
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
    """Defaults of Noufaily et al. (2013) / R surveillance `farringtonFlexible` "improved" settings
    (`thresholdMethod = "nbPlugin"`, `noPeriods = 10`, `reweight = TRUE`, `weightsThreshold = 2.58`)."""

    b: int = 2  # years back (Noufaily use 5 when available; 2 is the minimum this system accepts)
    w: int = 3  # half-window around the same week in past years
    freq: int = 52  # periods per year
    no_periods: int = 10  # levels of the seasonal factor
    alpha: float = 0.05  # one-sided: threshold is the (1−α) quantile
    reweight_threshold: float = 2.58
    trend: bool = True  # a trend is tried only when b ≥ 3 (Farrington et al. 1996)
    p_threshold_trend: float = 0.05
    limit_cases: int = 5  # no alarm if fewer than 5 cases ...
    limit_periods: int = 4  # ... in the last 4 periods (the current one included)
    # surveillance's `pastWeeksNotIncluded`: the last weeks before t0 left out of the reference data. None: all of
    # the current year (freq − w − 1 weeks, the reference data end at t0 − freq + w), so that an outbreak of the
    # last months does not raise its own baseline; Noufaily et al. use 26, surveillance's default is w.
    past_weeks_not_included: int | None = None
    # dispersion in the trend's t-test: "surveillance" reproduces farringtonFlexible exactly (its fitGLM stores
    # the Farrington weights in model$weights, so summary.glm divides by Σ w (y−μ)²/μ² / df); "pearson" is the
    # quasi-Poisson t-test of the paper, Σ w (y−μ)²/μ / df
    trend_dispersion: str = "surveillance"

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @property
    def past_weeks(self) -> int:
        return self.freq - self.w - 1 if self.past_weeks_not_included is None else int(self.past_weeks_not_included)


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
    """surveillance's `blocks`: level `no_periods` for the weeks within ±w of t0 − i·freq (i = 0..b); the
    freq − 2w − 1 weeks between two windows split into no_periods − 1 consecutive blocks, levels 1, 2, ...
    from the older window on, the first (freq − 2w − 1) mod (no_periods − 1) blocks one week longer. With
    no_periods = 1 only the windows are used (level 1, the other weeks 0)."""
    lag = t0 - t_baseline  # ≥ 0
    year = np.maximum(0, -((p.w - lag) // p.freq))  # ceil((lag − w)/freq): the window that opens the stretch
    u = year * p.freq + p.w - lag  # 0 .. freq−1 from the start of that window
    if p.no_periods <= 1:  # the windows only (the original Farrington method); 0 marks weeks left out
        return np.where((u <= 2 * p.w) | (lag <= p.w), 1, 0)
    period = p.freq - 2 * p.w - 1
    n_blocks = p.no_periods - 1
    if period < n_blocks:
        raise DomainError("risk.bad_parameter", f"季节因子水平过多：no_periods = {p.no_periods}",
                          f"too many seasonal levels for freq = {p.freq} and w = {p.w}: no_periods = {p.no_periods}",
                          field="no_periods")
    size, rest = divmod(period, n_blocks)
    lengths = np.full(n_blocks, size) + (np.arange(n_blocks) < rest)
    starts = np.cumsum(np.r_[0, lengths[:-1]])
    block = 1 + np.searchsorted(starts, u - 2 * p.w - 1, side="right") - 1
    return np.where((u <= 2 * p.w) | (lag <= p.w), p.no_periods, block)


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
        out[over] = scipy.stats.nbinom.ppf(1 - alpha, size, size / (size + mu0[over]))
    if pois.any():
        out[pois] = scipy.stats.poisson.ppf(1 - alpha, mu0[pois])
    return out


def _p_values(y0: np.ndarray, mu0: np.ndarray, phi: np.ndarray) -> np.ndarray:
    out = np.where(y0 > 0, 0.0, 1.0)
    over = (phi > 1.0) & (mu0 > 0)
    pois = (phi <= 1.0) & (mu0 > 0)
    if over.any():
        size = mu0[over] / (phi[over] - 1.0)
        out[over] = scipy.stats.nbinom.sf(y0[over] - 1, size, size / (size + mu0[over]))
    if pois.any():
        out[pois] = scipy.stats.poisson.sf(y0[pois] - 1, mu0[pois])
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


def _reweighted_fit(X: np.ndarray, y: np.ndarray, o: np.ndarray | None, threshold: float,  # noqa: N803
                    ) -> tuple[GlmFit, np.ndarray]:
    """surveillance's `algo.farrington.fitGLM.flexible`: an unweighted quasi-Poisson fit, Anscombe residuals
    s = 3/2 (y^⅔ − μ^⅔)/(μ^⅙ √(φ(1−h))) with φ = max(1, dispersion), weights ∝ s⁻² above `threshold` and 1
    below, scaled to Σw = n, and the weighted refit."""
    f = poisson_irls(X, y, offset=o)
    ph = np.maximum(f.phi, 1.0)[:, None]
    mu = f.mu
    s = 1.5 * (np.cbrt(y**2) - np.cbrt(mu**2)) / (mu ** (1 / 6) * np.sqrt(ph * np.maximum(1 - f.hat, 1e-12)))
    raw = np.where(s > threshold, 1.0 / np.maximum(s, 1e-12) ** 2, 1.0)
    wts = raw * y.shape[1] / raw.sum(axis=1, keepdims=True)
    return poisson_irls(X, y, offset=o, prior_weights=wts), wts


def _pearson(g: GlmFit, y: np.ndarray, wts: np.ndarray, power: float = 1.0) -> np.ndarray:
    out: np.ndarray = np.sum(wts * (y - g.mu) ** 2 / g.mu**power, axis=1) / g.df_resid
    return out


def _fit_baseline(y: np.ndarray, tb: np.ndarray, levels: np.ndarray, t0: int, p: FarringtonParams,
                  o: np.ndarray | None, off0: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The GLMs of the series with a non-zero baseline `y` (reference weeks `tb`, seasonal `levels`): η, the log
    expected count at t0, the Pearson dispersion of the final fit, and whether the trend model was kept."""
    present = np.unique(levels)
    lv = np.searchsorted(present, levels)  # drop empty levels so the design has full rank
    n_lev = present.size
    lv0 = int(np.searchsorted(present, p.no_periods)) if p.no_periods in present else 0  # t0's level
    X1, X0 = _design(tb, lv, n_lev, True), _design(tb, lv, n_lev, False)
    x1, x0 = np.zeros(X1.shape[1]), np.zeros(X0.shape[1])
    x1[0] = x0[0] = 1.0
    x1[1] = t0
    if lv0 > 0:
        x1[1 + lv0] = 1.0
        x0[lv0] = 1.0
    o0 = np.zeros(y.shape[0]) if off0 is None else off0
    use = np.zeros(y.shape[0], dtype=bool)
    eta = np.zeros(y.shape[0])
    disp = np.zeros(y.shape[0])
    if p.trend and p.b >= 3:  # Farrington et al. (1996): a trend needs at least three years of data
        g1, w1 = _reweighted_fit(X1, y, o, p.reweight_threshold)
        d_test = _pearson(g1, y, w1, 2.0 if p.trend_dispersion == "surveillance" else 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            tval = g1.coef[:, 1] / np.sqrt(d_test * g1.cov_unscaled[:, 1, 1])
            pt = 2 * scipy.stats.t.sf(np.abs(tval), g1.df_resid)
        eta1 = g1.coef @ x1 + o0
        use = (np.nan_to_num(pt, nan=1.0) < p.p_threshold_trend) & (np.exp(eta1) <= y.max(axis=1))
        eta[use] = eta1[use]
        disp[use] = _pearson(g1, y, w1)[use]
    rest = np.flatnonzero(~use)
    if rest.size:  # refitted from scratch without the trend: fresh Anscombe weights
        g0, w0 = _reweighted_fit(X0, y[rest], None if o is None else o[rest], p.reweight_threshold)
        eta[rest] = g0.coef @ x0 + o0[rest]
        disp[rest] = _pearson(g0, y[rest], w0)
    return eta, disp, use


def farrington_batch(Y: object, params: FarringtonParams | None = None, *, t0: int | None = None,  # noqa: N803
                     population: object | None = None) -> FarringtonBatch:
    """Improved Farrington for the period `t0` (default: the last) of every row of the weekly counts `Y` (S × T).

    Reference data: the weeks from t0 − b·freq − w to t0 − `past_weeks` − 1 (by default the recent weeks of the
    current year are not used, so an ongoing outbreak does not raise its own baseline). `population` (S × T) is
    an exposure offset (e.g. units sold) when known. All series share the design, so every GLM step runs stacked.

    The steps are those of R surveillance's `farringtonFlexible` (checked week by week against it, see
    tests/risk/reference): the reweighted fit with a trend when b ≥ 3; the trend is kept when its t-test on that
    reweighted fit gives p < `p_threshold_trend` and the prediction does not exceed the largest count of the
    reference data; otherwise the model without trend is fitted from scratch (fresh weights). φ = max(1, the
    weighted Pearson dispersion of the final fit).
    """
    p = params or FarringtonParams()
    if p.trend_dispersion not in ("surveillance", "pearson"):
        raise DomainError("risk.bad_parameter", f"未知的趋势检验离散度：{p.trend_dispersion}",
                          f"unknown trend_dispersion: {p.trend_dispersion}", field="trend_dispersion")
    Yall = np.atleast_2d(_counts(Y))
    S, T = Yall.shape
    t0 = T - 1 if t0 is None else t0
    start = t0 - p.b * p.freq - p.w
    if start < 0:
        raise DomainError("risk.history_too_short", f"改进 Farrington 方法需要 {min_history(p)} 期历史数据",
                          f"improved Farrington needs {min_history(p)} periods of history", field="counts")
    tb = np.arange(start, t0 - p.past_weeks)
    levels = _season_levels(tb, t0, p)
    tb, levels = tb[levels > 0], levels[levels > 0]
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
        eta, disp, use = _fit_baseline(yb[fit_rows], tb, levels, t0, p, None if off is None else off[fit_rows],
                                       None if off0 is None else off0[fit_rows])
        mu0[fit_rows] = np.exp(eta)
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


# ---------------------------------------------------------------- Poisson CUSUM (Lucas 1985) for counts


@dataclass(frozen=True)
class CountCusum:
    """Upper Poisson CUSUM of counts against in-control means μ0 (arrays with the shape of the counts)."""

    expected: np.ndarray  # μ0 of each period (NaN where unknown: the chart waits)
    stat: np.ndarray  # S_t, the log-likelihood-ratio CUSUM
    upper: np.ndarray  # cases in period t that bring S_t to h: alarm when the count exceeds it
    reference: np.ndarray  # Lucas's reference value in counts, k_t = (κ − 1) μ0 / ln κ
    alarm: np.ndarray
    kappa: float
    h: float


def poisson_cusum(y: object, mu0: object, *, kappa: float = 2.0, h: float = 5.0) -> CountCusum:
    """泊松 CUSUM — the likelihood-ratio CUSUM for a step from μ0 to κ·μ0 (Lucas 1985; Hawkins & Olwell 1998):
    S_t = max(0, S_{t−1} + y_t ln κ − (κ − 1) μ0_t), alarm when S_t > h, and the chart restarts from 0 after an
    alarm. Dividing by ln κ gives Lucas's count form S'_t = max(0, S'_{t−1} + y_t − k_t) with k_t = (κ−1)μ0/ln κ
    and decision interval h/ln κ. This is R surveillance's `glrpois` with `theta = log(κ)` and `c.ARL = h`
    (C routine lr_cusum), `upper` its `ret = "cases"` bound. Rows are series; the recursion runs along the
    last axis, vectorised over the rows. Periods with an unknown μ0 (NaN) keep S at 0."""
    y1 = _counts(y)
    Y = np.atleast_2d(y1)
    M = np.broadcast_to(np.atleast_2d(np.asarray(mu0, dtype=float)), Y.shape)
    if not (np.isfinite(kappa) and kappa > 1):
        raise DomainError("risk.bad_parameter", f"CUSUM 的倍数 κ 必须大于 1：{kappa}",
                          f"the CUSUM shift kappa must exceed 1: {kappa}", field="kappa")
    if not (np.isfinite(h) and h > 0):
        raise DomainError("risk.bad_parameter", f"CUSUM 的决策界 h 必须为正：{h}",
                          f"the CUSUM decision interval h must be positive: {h}", field="h")
    if np.any(M[np.isfinite(M)] < 0):
        raise DomainError("risk.bad_series", "期望值必须是非负数", "expected counts must be non-negative", field="mu0")
    lk = float(np.log(kappa))
    S, T = Y.shape
    stat = np.zeros((S, T))
    upper = np.full((S, T), np.nan)
    alarm = np.zeros((S, T), dtype=bool)
    prev = np.zeros(S)
    for t in range(T):
        m = M[:, t]
        known = np.isfinite(m)
        drift = np.where(known, (kappa - 1.0) * np.where(known, m, 0.0), 0.0)
        s = np.where(known, np.maximum(0.0, prev + Y[:, t] * lk - drift), 0.0)
        upper[:, t] = np.where(known, np.maximum(0.0, (h - prev + drift) / lk), np.nan)
        a = known & (s > h)
        stat[:, t], alarm[:, t] = s, a
        prev = np.where(a, 0.0, s)
    ref = (kappa - 1.0) * M / lk
    out = CountCusum(np.array(M), stat, upper, ref, alarm, float(kappa), float(h))
    if y1.ndim == 1:
        out = CountCusum(out.expected[0], stat[0], upper[0], ref[0], alarm[0], out.kappa, out.h)
    return out


def trailing_mean(y: object, *, baseline: int = 52, lag: int = 4, first: object | None = None) -> np.ndarray:
    """In-control means for the count CUSUM: the mean of the `baseline` periods that end `lag` periods before
    each period (the most recent weeks are left out so a beginning outbreak does not raise its own baseline).
    NaN until a whole baseline exists, or before a series' first period with data (`first`, one index per row),
    so a new product is not judged against weeks when it was not on the market."""
    y1 = _counts(y)
    Y = np.atleast_2d(y1)
    S, T = Y.shape
    cs = np.concatenate([np.zeros((S, 1)), np.cumsum(Y, axis=1)], axis=1)
    out = np.full((S, T), np.nan)
    t = np.arange(baseline + lag, T)
    if t.size:
        out[:, t] = (cs[:, t - lag] - cs[:, t - lag - baseline]) / baseline
    if first is not None:
        f = np.asarray(first, dtype=np.int64).reshape(S, 1)
        out[np.arange(T)[None, :] - lag - baseline < f] = np.nan
    return out[0] if y1.ndim == 1 else out
