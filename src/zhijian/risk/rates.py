"""不合格率信号检测 — detectors for non-conformity rates (x failing batches out of n), pure NumPy/SciPy.

Every detector works on arrays, vectorised over many series at once where the method allows it
(the scan runs them over all category × region series in one call):

- `p_chart_exact` — p-chart whose limits are exact binomial quantiles (small n: no negative LCL,
  no normal approximation), with the one-sided exact p-value of each point;
- `laney_p_prime` — Laney (2002) p′ chart: z-scores rescaled by their moving-range σ_z (overdispersion);
- `funnel` — Spiegelhalter (2005) funnel plot against a target (national) rate, with the additive
  random-effects overdispersion correction estimated from winsorised z-scores;
- `ewma_rate` — EWMA of proportions with exact time-varying variance for unequal n;
- `binomial_cusum` — log-likelihood-ratio CUSUM S_t = max(0, S_{t−1} + x ln(p1/p0) + (n−x) ln((1−p1)/(1−p0)));
  `binomial_cusum_cases` — the failing batches this period that would raise its alarm;
- `beta_binomial_fit` / `shrink` — empirical-Bayes beta-binomial shrinkage (x+α)/(n+α+β), so 1 of 2 does
  not shout louder than 30 of 300.

Checked period by period against R (tests/risk/reference/make_reference.R, rates_reference.csv): the CUSUM against
`surveillance::categoricalCUSUM` with the binomial PMF, the others against their published formulas in base R.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy  # its submodules load on first use (scipy.stats costs ~0.7 s at every start of the CLI and server)

from zhijian.platform.errors import DomainError

D2_2 = 2.0 / math.sqrt(math.pi)  # d2 for n = 2 (moving range of 2), exact: 1.1283791670955126


def _arr(x: object, name: str) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    if a.size and not np.all(np.isfinite(a)):
        raise DomainError("risk.bad_series", f"{name} 含非有限数值", f"{name} has non-finite values", field=name)
    return a


def _check_xn(x: object, n: object) -> tuple[np.ndarray, np.ndarray]:
    xa, na = _arr(x, "x"), _arr(n, "n")
    if xa.shape != na.shape:
        raise DomainError("risk.bad_series", "x 与 n 形状不同", "x and n differ in shape", field="x")
    if np.any(xa < 0) or np.any(xa > na):
        raise DomainError("risk.bad_series", "不合格数应在 0 与样本数之间", "x must lie between 0 and n", field="x")
    return xa, na


def _check_p(p: float, name: str = "p0") -> float:
    if not (0.0 < p < 1.0):
        raise DomainError("risk.bad_parameter", f"{name} 应在 0 与 1 之间（不含端点）", f"{name} must be in (0, 1)",
                          field=name)
    return float(p)


# ---------------------------------------------------------------- p-chart with exact binomial limits


@dataclass(frozen=True)
class RateChart:
    """One chart's arrays (same shape as the input): centre, limits (as rates), p-values and alarms."""

    center: np.ndarray
    lcl: np.ndarray
    ucl: np.ndarray
    stat: np.ndarray  # the charted value (rate, z, EWMA or CUSUM)
    p_value: np.ndarray  # one-sided upper p-value where defined, else NaN
    alarm: np.ndarray  # bool, upward signals only (a rising rate is the risk)


def p_chart_exact(x: object, n: object, p0: float, alpha: float = 0.0027) -> RateChart:
    """p-chart with exact binomial limits: UCL is the (1−α/2) quantile of Bin(n, p0) divided by n.

    A point alarms when P(X ≥ x | n, p0) ≤ α/2 (the exact one-sided test), which is the same as
    x > UCL·n for the discrete quantile. Works for n as small as 1, where 3σ limits are meaningless.
    Periods with n = 0 have no limits (NaN) and no alarm. Source: the exact binomial test as a Shewhart chart
    (Montgomery, Introduction to Statistical Quality Control, 7th ed., §7.2; R: qbinom / pbinom).
    """
    xa, na = _check_xn(x, n)
    p0 = _check_p(p0)
    safe_n = np.where(na > 0, na, 1.0)
    upper_count = scipy.stats.binom.ppf(1.0 - alpha / 2.0, safe_n, p0)
    lower_count = scipy.stats.binom.ppf(alpha / 2.0, safe_n, p0)
    # P(X ≥ x) = sf(x − 1)
    pval = np.where(na > 0, scipy.stats.binom.sf(xa - 1.0, safe_n, p0), np.nan)
    alarm = (na > 0) & (pval <= alpha / 2.0)
    rate = np.where(na > 0, xa / safe_n, np.nan)
    lcl = np.where(na > 0, lower_count / safe_n, np.nan)
    ucl = np.where(na > 0, upper_count / safe_n, np.nan)
    return RateChart(np.full(xa.shape, p0), lcl, ucl, rate, pval, alarm)


# ---------------------------------------------------------------- Laney p′


def laney_p_prime(x: object, n: object, L: float = 3.0) -> RateChart:  # noqa: N803
    """Laney p′ chart along the last axis (Laney 2002, Quality Engineering 14(4):531): σ_z from the mean moving
    range of the z-scores (÷ d2 = 2/√π = 1.128), limits p̄ ± L·σ_z·√(p̄(1−p̄)/n_i), alarm when z_i/σ_z > L.

    With σ_z ≈ 1 it is the ordinary p-chart; overdispersed series (σ_z > 1) get wider limits instead of
    alarming on every point. Periods with n = 0 are skipped (NaN).
    """
    xa, na = _check_xn(x, n)
    two_d = xa.ndim == 2
    X = xa if two_d else xa[None, :]
    N = na if two_d else na[None, :]
    pbar = X.sum(axis=-1, keepdims=True) / np.maximum(N.sum(axis=-1, keepdims=True), 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        sig = np.sqrt(pbar * (1.0 - pbar) / N)
        p = X / N
        z = (p - pbar) / sig
    z = np.where((N > 0) & (sig > 0), z, np.nan)
    sigma_z = np.empty(X.shape[0])
    for i in range(X.shape[0]):  # moving range over the observed points only
        zi = z[i][np.isfinite(z[i])]
        sigma_z[i] = np.mean(np.abs(np.diff(zi))) / D2_2 if zi.size >= 2 else 1.0
    sigma_z = np.where(np.isfinite(sigma_z) & (sigma_z > 0), sigma_z, 1.0)[:, None]
    half = L * sig * sigma_z
    ucl = np.minimum(pbar + half, 1.0)
    lcl = np.maximum(pbar - half, 0.0)
    with np.errstate(invalid="ignore"):
        zprime = z / sigma_z
        pval = np.where(np.isfinite(zprime), scipy.stats.norm.sf(zprime), np.nan)
        alarm = np.isfinite(zprime) & (zprime > L)
    center = np.broadcast_to(pbar, X.shape)
    out = [center, lcl, ucl, np.where(N > 0, X / np.maximum(N, 1), np.nan), pval, alarm]
    if not two_d:
        out = [a[0] for a in out]
    return RateChart(*out)


def laney_sigma_z(x: object, n: object) -> float:
    """σ_z of a single series (1 = binomial, > 1 overdispersed)."""
    xa, na = _check_xn(x, n)
    pbar = xa.sum() / max(na.sum(), 1.0)
    keep = na > 0
    z = (xa[keep] / na[keep] - pbar) / np.sqrt(pbar * (1 - pbar) / na[keep])
    return float(np.mean(np.abs(np.diff(z))) / D2_2) if z.size >= 2 else 1.0


# ---------------------------------------------------------------- funnel plot (Spiegelhalter 2005)


@dataclass(frozen=True)
class Funnel:
    """Funnel plot of units (enterprises, regions) against a target rate."""

    target: float
    z: np.ndarray  # raw z-scores
    z_adj: np.ndarray  # z-scores after the overdispersion correction
    phi: float  # overdispersion estimate from winsorised z (1 = none)
    tau2: float  # additive random-effects variance (0 when Iφ ≤ I−1)
    p_value: np.ndarray  # one-sided upper p-value of z_adj
    alarm: np.ndarray  # above the upper (1−α) limit
    alarm_warn: np.ndarray  # above the 95 % limit (two-sided 0.05)

    def limits(self, n_grid: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper limits (rates) at each n of the grid for a two-sided level (e.g. 0.998)."""
        zq = scipy.stats.norm.ppf(0.5 + level / 2.0)
        s = np.sqrt(self.target * (1 - self.target) / n_grid + self.tau2)
        return np.maximum(self.target - zq * s, 0.0), np.minimum(self.target + zq * s, 1.0)


def funnel(x: object, n: object, target: float | None = None, *, alpha: float = 0.002,
           overdispersion: bool = True, winsor: float = 0.10) -> Funnel:
    """Spiegelhalter (2005, Stat Med 24:1185; Qual Saf Health Care 14:347): z_i = (y_i − θ0)/s_i with
    s_i² = θ0(1−θ0)/n_i; φ = Σ z_w²/I from z-scores winsorised at the 10 %/90 % points (linear quantiles, R's
    type 7); if Iφ > I−1, τ² = (Iφ − (I−1)) / (Σw − Σw²/Σw) with w = 1/s², and the limits become
    θ0 ± z_α √(s_i² + τ²). The target defaults to the pooled rate."""
    xa, na = _check_xn(x, n)
    keep = na > 0
    if target is None:
        target = float(xa[keep].sum() / max(na[keep].sum(), 1.0))
    target = _check_p(target, "target")
    s2 = np.where(keep, target * (1 - target) / np.where(keep, na, 1.0), np.nan)
    y = np.where(keep, xa / np.where(keep, na, 1.0), np.nan)
    z = (y - target) / np.sqrt(s2)
    phi, tau2 = 1.0, 0.0
    zk = z[keep]
    if overdispersion and zk.size >= 3:
        lo, hi = np.quantile(zk, [winsor, 1.0 - winsor])
        zw = np.clip(zk, lo, hi)
        n_units = zk.size
        phi = float(np.sum(zw**2) / n_units)
        if n_units * phi > n_units - 1:
            w = 1.0 / s2[keep]
            tau2 = max(0.0, float((n_units * phi - (n_units - 1)) / (w.sum() - np.sum(w**2) / w.sum())))
    z_adj = (y - target) / np.sqrt(s2 + tau2)
    pval = np.where(keep, scipy.stats.norm.sf(z_adj), np.nan)
    with np.errstate(invalid="ignore"):
        alarm = keep & (z_adj > scipy.stats.norm.ppf(1 - alpha / 2.0))
        warn = keep & (z_adj > scipy.stats.norm.ppf(0.975))
    return Funnel(target, z, z_adj, phi, tau2, pval, alarm, warn)


# ---------------------------------------------------------------- EWMA of proportions


def ewma_rate(x: object, n: object, p0: float | np.ndarray, lam: float = 0.2, L: float = 2.7) -> RateChart:  # noqa: N803
    """EWMA z_t = λ p_t + (1−λ) z_{t−1}, z_0 = p0, along the last axis, with the exact variance for unequal n:
    V_t = (1−λ)² V_{t−1} + λ² p0(1−p0)/n_t (Roberts 1959, Technometrics 1:239; Montgomery 7th ed. §9.2, whose
    λ/(2−λ)[1 − (1−λ)^{2t}]σ² it is for constant n). Periods with n = 0 leave z and V unchanged (nothing was
    added). Upper alarm when z_t > p0 + L√V_t."""
    xa, na = _check_xn(x, n)
    if not 0 < lam <= 1:
        raise DomainError("risk.bad_parameter", "λ 应在 (0, 1] 内", "lambda must be in (0, 1]", field="lambda")
    X = np.atleast_2d(xa)
    N = np.atleast_2d(na)
    P0 = np.broadcast_to(np.asarray(p0, dtype=float).reshape(-1, 1) if np.ndim(p0) else np.full((X.shape[0], 1), p0),
                         (X.shape[0], 1)).astype(float)
    zt = P0[:, 0].copy()
    vt = np.zeros(X.shape[0])
    T = X.shape[1]
    stat = np.empty(X.shape)
    var = np.empty(X.shape)
    for t in range(T):
        has = N[:, t] > 0
        pt = np.where(has, X[:, t] / np.where(has, N[:, t], 1.0), zt)
        zt = np.where(has, lam * pt + (1 - lam) * zt, zt)
        vt = np.where(has, (1 - lam) ** 2 * vt + lam**2 * P0[:, 0] * (1 - P0[:, 0]) / np.where(has, N[:, t], 1.0), vt)
        stat[:, t], var[:, t] = zt, vt
    sd = np.sqrt(var)
    center = np.broadcast_to(P0, X.shape)
    ucl = center + L * sd
    lcl = np.maximum(center - L * sd, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        zsc = (stat - center) / sd
    pval = np.where(sd > 0, scipy.stats.norm.sf(zsc), np.nan)
    alarm = (sd > 0) & (stat > ucl)
    out = [np.array(center), lcl, ucl, stat, pval, alarm]
    if xa.ndim == 1:
        out = [a[0] for a in out]
    return RateChart(*out)


# ---------------------------------------------------------------- binomial LLR CUSUM


def binomial_cusum(x: object, n: object, p0: float | np.ndarray, p1: float | np.ndarray | None = None, h: float = 4.0,
                   odds_ratio: float = 2.0, reset: bool = True) -> RateChart:
    """Binomial log-likelihood-ratio CUSUM along the last axis (Steiner et al. 2000; Höhle 2010, R surveillance's
    `categoricalCUSUM` with the binomial PMF): S_t = max(0, S_{t−1} + x_t ln(p1/p0) + (n_t − x_t) ln((1−p1)/(1−p0)));
    alarm when S_t > h, then restart from 0 (reset=True). p1 defaults to the rate with odds p0/(1−p0) × odds_ratio."""
    xa, na = _check_xn(x, n)
    X = np.atleast_2d(xa)
    N = np.atleast_2d(na)
    P0 = np.broadcast_to(np.asarray(p0, dtype=float).reshape(-1) if np.ndim(p0) else np.full(X.shape[0], p0),
                         (X.shape[0],)).astype(float)
    if np.any((P0 <= 0) | (P0 >= 1)):
        raise DomainError("risk.bad_parameter", "p0 应在 0 与 1 之间", "p0 must be in (0, 1)", field="p0")
    if p1 is None:
        odds = P0 / (1 - P0) * odds_ratio
        P1 = odds / (1 + odds)
    else:
        P1 = np.broadcast_to(np.asarray(p1, dtype=float).reshape(-1) if np.ndim(p1) else np.full(X.shape[0], p1),
                             (X.shape[0],)).astype(float)
    a = np.log(P1 / P0)
    b = np.log((1 - P1) / (1 - P0))
    s = np.zeros(X.shape[0])
    stat = np.empty(X.shape)
    alarm = np.zeros(X.shape, dtype=bool)
    for t in range(X.shape[1]):
        s = np.maximum(0.0, s + X[:, t] * a + (N[:, t] - X[:, t]) * b)
        stat[:, t] = s
        alarm[:, t] = s > h
        if reset:
            s = np.where(s > h, 0.0, s)
    center = np.zeros(X.shape)
    out = [center, center.copy(), np.full(X.shape, h), stat, np.full(X.shape, np.nan), alarm]
    if xa.ndim == 1:
        out = [arr[0] for arr in out]
    return RateChart(*out)


def binomial_cusum_cases(chart: RateChart, n: object, p0: float | np.ndarray, p1: float | np.ndarray | None = None,
                         odds_ratio: float = 2.0, reset: bool = True) -> np.ndarray:
    """Failing batches that period t would have needed to raise the CUSUM's alarm, given S_{t−1} (0 after an alarm
    when reset): ⌈max(0, (h − S_{t−1} − n ln((1−p1)/(1−p0))) / (ln(p1/p0) − ln((1−p1)/(1−p0))))⌉, NaN when more than
    n would be needed — `categoricalCUSUM`'s `ret = "cases"` for the binomial PMF (Höhle 2010). Evidence for the
    regulator: how far this period was from signalling."""
    stat = np.atleast_2d(chart.stat)
    alarm = np.atleast_2d(chart.alarm)
    h = np.atleast_2d(chart.ucl)
    N = np.atleast_2d(np.asarray(n, dtype=float))
    P0 = np.asarray(p0, dtype=float).reshape(-1, 1) if np.ndim(p0) else np.full((stat.shape[0], 1), float(p0))
    if p1 is None:
        odds = P0 / (1 - P0) * odds_ratio
        P1 = odds / (1 + odds)
    else:
        P1 = np.asarray(p1, dtype=float).reshape(-1, 1) if np.ndim(p1) else np.full((stat.shape[0], 1), float(p1))
    prev = np.zeros(stat.shape)
    prev[:, 1:] = np.where(alarm[:, :-1] & reset, 0.0, stat[:, :-1])
    b = np.log((1 - P1) / (1 - P0))
    at = (h - prev - N * b) / (np.log(P1 / P0) - b)
    cases = np.ceil(np.maximum(0.0, at))
    cases = np.where(cases > N, np.nan, cases)
    return cases[0] if np.ndim(chart.stat) == 1 else cases


def run_length(alarm: np.ndarray) -> int | None:
    """Index (0-based) of the first alarm, or None."""
    idx = np.flatnonzero(alarm)
    return int(idx[0]) if idx.size else None


# ---------------------------------------------------------------- empirical-Bayes beta-binomial shrinkage


@dataclass(frozen=True)
class BetaPrior:
    alpha: float
    beta: float

    @property
    def mean(self) -> float:
        return self.alpha / (self.alpha + self.beta)


def beta_binomial_fit(x: object, n: object) -> BetaPrior:
    """Maximum-likelihood Beta(α, β) prior from units' (x, n) under the beta-binomial model.

    Started from the method of moments; falls back to a nearly flat-around-the-mean prior when the
    units show no extra-binomial variation (then all units shrink strongly to the pooled rate).
    """
    xa, na = _check_xn(x, n)
    keep = na > 0
    xa, na = xa[keep], na[keep]
    if xa.size < 2:
        raise DomainError("risk.too_few_units", "经验贝叶斯收缩至少需要 2 个单位", "shrinkage needs at least 2 units",
                          field="x")
    m = xa.sum() / na.sum()
    m = min(max(m, 1e-6), 1 - 1e-6)

    # many units share the same (x, n): evaluate the likelihood once per distinct pair, weighted
    pairs, weight = np.unique(np.stack([xa, na], axis=1), axis=0, return_counts=True)
    ux, un = pairs[:, 0], pairs[:, 1]

    # method-of-moments start: Var(p̂) ≈ m(1−m)[1/n + ρ(1 − 1/n)], ρ = 1/(α+β+1)
    p = xa / na
    v = np.var(p)
    mean_inv_n = np.mean(1.0 / na)
    rho = (v / (m * (1 - m)) - mean_inv_n) / max(1 - mean_inv_n, 1e-9)
    rho = min(max(rho, 1e-5), 0.5)
    s0 = 1.0 / rho - 1.0
    a, b = _beta_binomial_newton(ux, un, weight, m * s0, (1 - m) * s0)
    return BetaPrior(float(a), float(b))


MAX_STRENGTH = 1e6  # α+β cap: no extra-binomial variation → every unit shrinks (almost) fully to the mean


def _loglik(ux: np.ndarray, un: np.ndarray, w: np.ndarray, a: float, b: float) -> float:
    return float(np.sum(w * (scipy.special.betaln(ux + a, un - ux + b) - scipy.special.betaln(a, b))))


def _beta_binomial_newton(ux: np.ndarray, un: np.ndarray, w: np.ndarray, a: float, b: float,
                          max_iter: int = 100) -> tuple[float, float]:
    """Maximise Σ w [ln B(x+α, n−x+β) − ln B(α, β)] by Newton steps in (ln α, ln β) with the exact gradient and
    Hessian (digamma/trigamma) and step halving; plain NumPy, no optimiser (and no BLAS threads)."""
    dg, tg = scipy.special.digamma, scipy.special.polygamma
    ll = _loglik(ux, un, w, a, b)
    for _ in range(max_iter):
        nab = un + a + b
        ga = np.sum(w * (dg(ux + a) - dg(nab))) + w.sum() * (dg(a + b) - dg(a))
        gb = np.sum(w * (dg(un - ux + b) - dg(nab))) + w.sum() * (dg(a + b) - dg(b))
        t_ab = np.sum(w * -tg(1, nab)) + w.sum() * tg(1, a + b)
        haa = np.sum(w * tg(1, ux + a)) + t_ab - w.sum() * tg(1, a)
        hbb = np.sum(w * tg(1, un - ux + b)) + t_ab - w.sum() * tg(1, b)
        gu, gv = a * ga, b * gb  # chain rule to u = ln α, v = ln β
        huu, hvv, huv = a * a * haa + gu, b * b * hbb + gv, a * b * t_ab
        det = huu * hvv - huv * huv
        if huu < 0 and det > 0:  # concave here: Newton direction
            du, dv = -(hvv * gu - huv * gv) / det, -(huu * gv - huv * gu) / det
        else:  # otherwise a scaled gradient step
            scale = 1.0 / max(abs(gu), abs(gv), 1.0)
            du, dv = gu * scale, gv * scale
        step = 1.0
        for _ in range(30):
            na_, nb_ = a * np.exp(np.clip(step * du, -5, 5)), b * np.exp(np.clip(step * dv, -5, 5))
            if na_ + nb_ > MAX_STRENGTH:
                k = MAX_STRENGTH / (na_ + nb_)
                na_, nb_ = na_ * k, nb_ * k
            new = _loglik(ux, un, w, na_, nb_)
            if new >= ll - 1e-12:
                break
            step /= 2
        else:
            break
        moved = abs(np.log(na_ / a)) + abs(np.log(nb_ / b))
        a, b, ll = na_, nb_, new
        if moved < 1e-9 or a + b >= MAX_STRENGTH * (1 - 1e-9):
            break
    return float(a), float(b)


def shrink(x: object, n: object, prior: BetaPrior) -> np.ndarray:
    """Posterior mean (x + α)/(n + α + β) of each unit's rate."""
    xa, na = _check_xn(x, n)
    return (xa + prior.alpha) / (na + prior.alpha + prior.beta)


def posterior_exceedance(x: object, n: object, prior: BetaPrior, threshold: float) -> np.ndarray:
    """P(p_i > threshold | data) under the Beta(α + x, β + n − x) posterior."""
    xa, na = _check_xn(x, n)
    out: np.ndarray = scipy.stats.beta.sf(threshold, prior.alpha + xa, prior.beta + na - xa)
    return out
