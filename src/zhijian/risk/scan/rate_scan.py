"""Rates (不合格率) per category × province × month (pure): exact-limit p-chart, Laney p′, EWMA and CUSUM on each
series against the category's national rate, funnel plots of the provinces, and the dashboard's heatmap and trends."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from zhijian.risk import rates
from zhijian.risk.scan import base
from zhijian.risk.scan.arrays import ResultArrays
from zhijian.risk.scan.base import Config, Configs, SignalDraft


@dataclass(frozen=True)
class _RateSeries:
    """Failing (X) and sampled (N) batches per series (rows: category × province) and month of the window."""

    X: np.ndarray
    N: np.ndarray
    keys: list[str]
    s_cat: np.ndarray
    s_prov: np.ndarray
    ucats: np.ndarray  # the categories, and each series' index into them
    cidx: np.ndarray
    p0: np.ndarray  # the category's national rate, per series
    ev: Callable[..., list[int]]
    m0: int
    m1: int
    excluded: int
    basis_label: str

    @property
    def T(self) -> int:
        return self.m1 - self.m0 + 1


def scan_rates(a: ResultArrays, cfgs: Configs, as_of: dt.date,
               progress: Callable[[str], None] | None = None) -> tuple[list[SignalDraft], dict[str, Any]]:
    """Non-conformity rate per category × province × month: p-chart (exact), Laney p′, EWMA, CUSUM on each
    series' last `months` months, and funnel plots of provinces against the national rate per category."""
    base_params = (cfgs.for_series("rate", "*") or Config([], dict(base.DEFAULTS["rate"]["params"]))).params
    months = int(base_params.get("months", 24))
    m1 = base.month_index(as_of)
    m0 = m1 - months + 1
    in_window = (a.month >= m0) & (a.month <= m1)
    include_targeted = bool(base_params.get("include_targeted", False))
    prevalence = a.basis == 0
    use = in_window & (prevalence | include_targeted)
    excluded = int((in_window & ~prevalence).sum()) if not include_targeted else 0
    basis_label = "includes_targeted" if include_targeted and (in_window & ~prevalence).any() else "random"
    summary: dict[str, Any] = {"months": [base.month_label(m) for m in range(m0, m1 + 1)], "excluded_targeted": excluded,
                               "n_used": int(use.sum())}
    if not use.any():
        summary.update(heatmap=[], trends=[], funnels=[])
        return [], summary
    s = _rate_series(a, use, m0, m1, excluded, basis_label)
    if progress:
        progress("rates")
    drafts: list[SignalDraft] = []
    for cfg, ix in base.group_by_config(cfgs, "rate", s.keys):
        drafts += _chart_drafts(s, cfg, ix)
    fm = int(base_params.get("funnel_months", 12))
    rate_cfg = cfgs.for_series("rate", "*")
    funnels, funnel_drafts = _funnels(s, fm, float(base_params.get("funnel_alpha", 0.002)),
                                      rate_cfg is None or "funnel" in rate_cfg.methods)
    drafts += funnel_drafts
    summary.update(_rate_summary(s, drafts, fm, funnels))
    return drafts, summary


def _rate_series(a: ResultArrays, use: np.ndarray, m0: int, m1: int, excluded: int, basis_label: str) -> _RateSeries:
    """Group the used batches into series × months (set-based: np.unique and bincount) and each category's national
    rate over the window (the target of every chart of that category)."""
    T = m1 - m0 + 1
    cat, prov, mon, fail = a.category_id[use], a.province[use], a.month[use] - m0, a.fail[use]
    ukeys, sidx = np.unique(cat * 100 + prov, return_inverse=True)
    S = ukeys.size
    flat = sidx * T + mon
    N = np.bincount(flat, minlength=S * T).reshape(S, T).astype(float)
    X = np.bincount(flat, weights=fail.astype(float), minlength=S * T).reshape(S, T)
    s_cat, s_prov = ukeys // 100, ukeys % 100
    ucats, cidx = np.unique(s_cat, return_inverse=True)
    cx = np.bincount(cidx, weights=X.sum(axis=1))
    cn = np.bincount(cidx, weights=N.sum(axis=1))
    p_nat = np.clip((cx + 0.5) / (cn + 1.0), 1e-4, 1 - 1e-4)
    return _RateSeries(X=X, N=N, keys=[base.rate_key(int(c), int(p)) for c, p in zip(s_cat, s_prov, strict=True)],
                       s_cat=s_cat, s_prov=s_prov, ucats=ucats, cidx=cidx, p0=p_nat[cidx],
                       ev=base.evidence_index(flat[fail], a.batch_id[use][fail]), m0=m0, m1=m1, excluded=excluded,
                       basis_label=basis_label)


def _charts(cfg: Config, Xg: np.ndarray, Ng: np.ndarray, p0g: np.ndarray) -> dict[str, rates.RateChart]:
    """The configured control charts of one group of series."""
    P = cfg.params
    results: dict[str, rates.RateChart] = {}
    if "p_exact" in cfg.methods:
        results["p_exact"] = _p_exact_rows(Xg, Ng, p0g, P["alpha"])
    if "laney" in cfg.methods:
        results["laney"] = rates.laney_p_prime(Xg, Ng, L=P["laney_L"])
    if "ewma" in cfg.methods:
        results["ewma"] = rates.ewma_rate(Xg, Ng, p0g, lam=P["lambda"], L=P["ewma_L"])
    if "cusum" in cfg.methods:
        results["cusum"] = rates.binomial_cusum(Xg, Ng, p0g, h=P["cusum_h"], odds_ratio=P["odds_ratio"])
    return results


def _chart_drafts(s: _RateSeries, cfg: Config, ix: np.ndarray) -> list[SignalDraft]:
    """Alarms of the last `lookback` months of the group's charts (p-chart and Laney only where ≥ min_batches)."""
    P = cfg.params
    lookback = int(P.get("lookback", 2))
    min_n = float(P.get("min_batches", 3))
    T = s.T
    Ng = s.N[ix]
    params_of = {"p_exact": {"alpha": P["alpha"], "limits": "exact binomial"},
                 "laney": {"L": P["laney_L"]}, "ewma": {"lambda": P["lambda"], "L": P["ewma_L"]},
                 "cusum": {"h": P["cusum_h"], "odds_ratio": P["odds_ratio"]}}
    out: list[SignalDraft] = []
    for method, res in _charts(cfg, s.X[ix], Ng, s.p0[ix]).items():
        al = res.alarm[:, T - lookback:] & (Ng[:, T - lookback:] >= (min_n if method in ("p_exact", "laney") else 1))
        for gi, tt in zip(*np.nonzero(al), strict=True):
            out.append(_chart_draft(s, method, res, int(ix[gi]), int(gi), T - lookback + int(tt), params_of[method]))
    return out


def _chart_draft(s: _RateSeries, method: str, res: rates.RateChart, si: int, gi: int, t: int,
                 params: dict[str, Any]) -> SignalDraft:
    """One chart alarm: series `si` (row `gi` of its group) in month `t` of the window."""
    X, N = s.X, s.N
    p0 = s.p0[si]
    observed = float(X[si, t] / N[si, t]) if N[si, t] > 0 else float("nan")
    stat = float(res.stat[gi, t])
    cumulative = method in ("cusum", "ewma")
    return SignalDraft(
        kind="rate", method=method, series_key=s.keys[si], period=base.month_label(s.m0 + t),
        observed=stat if cumulative else observed,
        expected=base.finite(p0) if method != "laney" else base.finite(res.center[gi, t]),
        threshold=base.finite(res.ucl[gi, t]),
        score=stat if cumulative else base.finite((observed - p0) / max(float(res.ucl[gi, t]) - p0, 1e-12)),
        p_value=base.finite(res.p_value[gi, t]), params={**params, "p0": float(p0)},
        evidence={"failing_batch_ids": s.ev(si * s.T + t), "x": int(X[si, t]), "n": int(N[si, t]),
                  "rate": base.finite(observed), "excluded_targeted": s.excluded},
        sampling_basis=s.basis_label, category_id=int(s.s_cat[si]), region_code=base.province_code(int(s.s_prov[si])))


def _funnels(s: _RateSeries, fm: int, alpha: float, do_funnel: bool) -> tuple[list[dict[str, Any]], list[SignalDraft]]:
    """Funnel plots (Spiegelhalter): the provinces of each category (≥ 3 with batches) over the last `fm` months,
    against the category's rate; the points for the dashboard, and a draft per alarm when funnels are on."""
    T = s.T
    Xf, Nf = s.X[:, T - fm:].sum(axis=1), s.N[:, T - fm:].sum(axis=1)
    funnels: list[dict[str, Any]] = []
    drafts: list[SignalDraft] = []
    for ci, c in enumerate(s.ucats):
        members = np.flatnonzero(s.cidx == ci)
        members = members[Nf[members] > 0]
        if members.size < 3:
            continue
        target = float(np.clip(Xf[members].sum() / Nf[members].sum(), 1e-4, 1 - 1e-4))
        fu = rates.funnel(Xf[members], Nf[members], target, alpha=alpha)
        funnels.append({"category_id": int(c), "target": target, "tau2": fu.tau2, "phi": fu.phi,
                        "points": [{"region": base.province_code(int(s.s_prov[m])), "x": int(Xf[m]), "n": int(Nf[m]),
                                    "alarm": bool(fu.alarm[k])} for k, m in enumerate(members)]})
        if not do_funnel:
            continue
        for k in np.flatnonzero(fu.alarm):
            si = int(members[k])
            _lo, hi = fu.limits(np.array([Nf[si]]), 1 - alpha)
            drafts.append(SignalDraft(
                kind="rate", method="funnel", series_key=s.keys[si],
                period=f"{base.month_label(s.m1 - fm + 1)}~{base.month_label(s.m1)}"[:16],
                observed=float(Xf[si] / Nf[si]), expected=target, threshold=float(hi[0]), score=base.finite(fu.z_adj[k]),
                p_value=base.finite(fu.p_value[k]), params={"alpha": alpha, "phi": fu.phi, "tau2": fu.tau2, "winsor": 0.1},
                evidence={"x": int(Xf[si]), "n": int(Nf[si]),
                          "failing_batch_ids": [b for t in range(T - fm, T) for b in s.ev(si * T + t, 10)][:50],
                          "excluded_targeted": s.excluded},
                sampling_basis=s.basis_label, category_id=int(c), region_code=base.province_code(int(s.s_prov[si]))))
    return funnels, drafts


def _rate_summary(s: _RateSeries, drafts: list[SignalDraft], fm: int,
                  funnels: list[dict[str, Any]]) -> dict[str, Any]:
    """The dashboard's aggregates: the heatmap over the funnel months, six trends (flagged and large series
    first) and the four largest funnels."""
    T = s.T
    hx, hn = s.X[:, T - fm:].sum(axis=1), s.N[:, T - fm:].sum(axis=1)
    S = len(s.keys)
    flagged = {d.series_key for d in drafts}
    order = sorted(range(S), key=lambda i: (s.keys[i] not in flagged, -s.N[i].sum()))[:6]
    return {
        "heatmap": [{"category_id": int(s.s_cat[i]), "region": base.province_code(int(s.s_prov[i])), "x": int(hx[i]),
                     "n": int(hn[i])} for i in range(S) if hn[i] > 0],
        "trends": [{"series_key": s.keys[i], "category_id": int(s.s_cat[i]), "region": base.province_code(int(s.s_prov[i])),
                    "x": s.X[i].astype(int).tolist(), "n": s.N[i].astype(int).tolist(),
                    "p0": float(s.p0[i])} for i in order],
        "funnels": sorted(funnels, key=lambda f: -sum(p["n"] for p in f["points"]))[:4],
    }


def _p_exact_rows(X: np.ndarray, N: np.ndarray, p0: np.ndarray, alpha: float) -> rates.RateChart:
    """Exact-limit p-chart with a target per row (category's national rate)."""
    from scipy import stats

    P = np.broadcast_to(p0[:, None], X.shape)
    safe = np.where(N > 0, N, 1.0)
    pval = np.where(N > 0, stats.binom.sf(X - 1.0, safe, P), np.nan)
    ucl = stats.binom.ppf(1 - alpha / 2, safe, P) / safe
    lcl = stats.binom.ppf(alpha / 2, safe, P) / safe
    return rates.RateChart(np.array(P), lcl, ucl, np.where(N > 0, X / safe, np.nan), pval,
                           (N > 0) & (pval <= alpha / 2))

