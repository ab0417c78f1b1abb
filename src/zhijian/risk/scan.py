"""监测扫描 (pure) — turn spot-check result rows and complaint rows into NumPy arrays, run the
configured detectors over every series at once, and return signal drafts plus the dashboard aggregates.

No database here: the service fetches the rows (through the spotcheck and consumer rooms' services),
calls `result_arrays` / `complaint_arrays`, `scan_rates`, `scan_enterprises`, `scan_counts`, and stores
the drafts. Everything is set-based: grouping by `np.unique`/`bincount`, detectors vectorised over series.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

import numpy as np

from zhijian.risk import counts, rates

BASIS_CODES = {"random": 0, "targeted": 1, "complaint": 2}
FAIL = "不合格"
MONDAY0 = np.datetime64("1970-01-05")  # a Monday: week index = (date − MONDAY0) // 7

DEFAULTS: dict[str, dict[str, Any]] = {
    "rate": {"methods": ["p_exact", "laney", "ewma", "cusum", "funnel"],
             "params": {"alpha": 0.0027, "laney_L": 3.0, "lambda": 0.2, "ewma_L": 2.7, "cusum_h": 4.0,
                        "odds_ratio": 2.0, "lookback": 2, "months": 24, "funnel_months": 12, "funnel_alpha": 0.002,
                        "include_targeted": False, "min_batches": 3}},
    "enterprise": {"methods": ["eb_shrinkage"],
                   "params": {"months": 24, "ratio": 1.5, "prob": 0.95, "min_batches": 2, "include_targeted": False}},
    "count": {"methods": ["farrington", "ears_c1", "ears_c2", "ears_c3", "count_cusum"],
              "params": {"b": 2, "w": 3, "alpha": 0.05, "no_periods": 10, "reweight_threshold": 2.58,
                         "limit_cases": 5, "limit_periods": 4, "ears_baseline": 7, "min_sigma": 0.5,
                         "cusum_kappa": 2.0, "cusum_h": 4.0, "cusum_baseline": 52, "cusum_lag": 4,
                         "lookback": 1, "exclude_unjustified": True, "product_series": True}},
}
RATE_METHODS = ("p_exact", "laney", "ewma", "cusum", "funnel")
COUNT_METHODS = ("farrington", "ears_c1", "ears_c2", "ears_c3", "count_cusum")
ENTERPRISE_METHODS = ("eb_shrinkage",)
METHOD_ZH = {"p_exact": "p 控制图（精确二项限）", "laney": "Laney p′ 图", "ewma": "EWMA", "cusum": "二项 LLR CUSUM",
             "funnel": "漏斗图（Spiegelhalter）", "eb_shrinkage": "经验贝叶斯收缩", "farrington": "改进 Farrington",
             "ears_c1": "EARS C1", "ears_c2": "EARS C2", "ears_c3": "EARS C3", "count_cusum": "泊松 CUSUM",
             "equipment_overdue_inspection": "特种设备超期未检", "equipment_maintenance_overdue": "特种设备维保超期",
             "equipment_repeated_fail": "特种设备多次检验不合格", "equipment_accident": "特种设备事故",
             "equipment_entrapment_rate": "电梯困人"}


@dataclass
class SignalDraft:
    """What a detector found; the service stores it as a Signal (deduplicated by fingerprint)."""

    kind: str
    method: str
    series_key: str
    period: str
    observed: float
    expected: float | None
    threshold: float | None
    score: float | None
    p_value: float | None
    params: dict[str, Any]
    evidence: dict[str, Any]
    sampling_basis: str = "random"
    category_id: int | None = None
    region_code: str | None = None
    enterprise_id: int | None = None
    product_id: int | None = None

    @property
    def fingerprint(self) -> str:
        return f"{self.method}|{self.series_key}|{self.period}"[:64]


# ---------------------------------------------------------------- rows → arrays


@dataclass
class ResultArrays:
    batch_id: np.ndarray
    fail: np.ndarray  # bool
    category_id: np.ndarray
    province: np.ndarray  # int, first two digits of the division code (0 unknown)
    enterprise_id: np.ndarray
    product_id: np.ndarray  # −1 when unknown
    month: np.ndarray  # months since 1970-01
    basis: np.ndarray  # 0 random, 1 targeted, 2 complaint-driven

    def __len__(self) -> int:
        return int(self.batch_id.size)


@dataclass
class ComplaintArrays:
    complaint_id: np.ndarray
    week: np.ndarray
    category_id: np.ndarray  # −1 unknown
    product_id: np.ndarray  # −1 unknown
    enterprise_id: np.ndarray
    province: np.ndarray
    justified: np.ndarray  # 1 yes, 0 no, −1 undecided
    hazard: np.ndarray  # bool

    def __len__(self) -> int:
        return int(self.complaint_id.size)


def _ints(col: Sequence[Any], missing: int = -1) -> np.ndarray:
    try:
        return np.array(col, dtype=np.int64)
    except TypeError:  # some None
        pass
    a = np.array(col, dtype=object)
    a[a == None] = missing  # noqa: E711  (element-wise)
    return a.astype(np.int64)


class _Columns:
    """Column k of a list of tuples, built only when asked for (cheaper than zip(*rows) over all columns)."""

    def __init__(self, rows: Sequence[tuple[Any, ...]]) -> None:
        self.rows = rows

    def __getitem__(self, k: int) -> list[Any]:
        return list(map(itemgetter(k), self.rows))


@contextmanager
def _no_gc() -> Iterator[None]:
    """Column building allocates millions of small objects and no cycles: the cyclic GC only slows it."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _memo_codes(col: Sequence[Any], fn: Callable[[Any], int]) -> np.ndarray:
    """Map each value through `fn` once per distinct value (dates and division codes repeat a lot)."""
    class Memo(dict[Any, int]):
        def __missing__(self, key: Any) -> int:
            value = self[key] = fn(key)
            return value

    return np.fromiter(map(Memo().__getitem__, col), dtype=np.int64, count=len(col))


def _province_of(code: Any) -> int:
    s = str(code or "")[:2]
    return int(s) if len(s) == 2 and s.isdigit() else 0


def _provinces(col: Sequence[Any]) -> np.ndarray:
    return _memo_codes(col, _province_of)


_EPOCH = dt.date(1970, 1, 1).toordinal()


def _dates(col: Sequence[Any]) -> np.ndarray:
    """Days since 1970-01-01 as datetime64[D] (dates or ISO strings)."""
    def day(v: Any) -> int:
        d = v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v)[:10])
        return d.toordinal() - _EPOCH

    return _memo_codes(col, day).astype("datetime64[D]")


def result_arrays(rows: Sequence[tuple[Any, ...]]) -> ResultArrays:
    """From `spotcheck.service.final_results` tuples `(batch_id, final_verdict, category_id, region_code,
    enterprise_id, product_id, sampled_on, basis)` (or `result_rows`, whose further columns are ignored);
    rows without a final verdict are dropped (only final verdicts count)."""
    if not rows:
        z = np.zeros(0, dtype=np.int64)
        return ResultArrays(z, z.astype(bool), z, z, z, z, z, z)
    with _no_gc():
        return _result_arrays(rows)


def _col_codes(rows: Sequence[tuple[Any, ...]], k: int, fn: Callable[[Any], int]) -> np.ndarray:
    """Column k mapped through `fn` once per distinct value, without building the column as a list."""

    class Memo(dict[Any, int]):
        def __missing__(self, key: Any) -> int:
            value = self[key] = fn(key)
            return value

    return np.fromiter(map(Memo().__getitem__, map(itemgetter(k), rows)), dtype=np.int64, count=len(rows))


def _col_ints(rows: Sequence[tuple[Any, ...]], k: int) -> np.ndarray:
    try:
        return np.fromiter(map(itemgetter(k), rows), dtype=np.int64, count=len(rows))
    except TypeError:  # some None
        return _col_codes(rows, k, lambda v: -1 if v is None else int(v))


def _month_of(v: Any) -> int:
    d = v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v)[:10])
    return (d.year - 1970) * 12 + d.month - 1


def _verdict_code(v: Any) -> int:
    return -1 if v is None else (1 if v == FAIL else 0)


def _result_arrays(rows: Sequence[tuple[Any, ...]]) -> ResultArrays:
    verdict = _col_codes(rows, 1, _verdict_code)
    final = verdict >= 0
    out = ResultArrays(
        batch_id=_col_ints(rows, 0), fail=verdict == 1, category_id=_col_ints(rows, 2),
        province=_col_codes(rows, 3, _province_of), enterprise_id=_col_ints(rows, 4), product_id=_col_ints(rows, 5),
        month=_col_codes(rows, 6, _month_of), basis=_col_codes(rows, 7, lambda b: BASIS_CODES.get(b, 0)).astype(np.int8))
    if not final.all():
        for name in ("batch_id", "fail", "category_id", "province", "enterprise_id", "product_id", "month", "basis"):
            setattr(out, name, getattr(out, name)[final])
    return out


def complaint_arrays(rows: Sequence[tuple[Any, ...]]) -> ComplaintArrays:
    """From `consumer.service.complaint_records` tuples `(complaint_id, received_on, kind, category_id,
    product_id, enterprise_id, region_code, justified, hazard)`."""
    if not rows:
        z = np.zeros(0, dtype=np.int64)
        return ComplaintArrays(z, z, z, z, z, z, z, z.astype(bool))
    with _no_gc():
        return _complaint_arrays(rows)


def _complaint_arrays(rows: Sequence[tuple[Any, ...]]) -> ComplaintArrays:
    cols = _Columns(rows)
    days = _dates(cols[1])
    week = ((days - MONDAY0).astype(np.int64)) // 7
    just = np.array(cols[7], dtype=object)
    j = np.full(len(rows), -1, dtype=np.int8)
    j[just == True] = 1  # noqa: E712
    j[just == False] = 0  # noqa: E712
    return ComplaintArrays(np.asarray(cols[0], dtype=np.int64), week, _ints(cols[3]), _ints(cols[4]), _ints(cols[5]),
                           _provinces(cols[6]), j, np.array(cols[8], dtype=bool))


def month_index(d: dt.date) -> int:
    return (d.year - 1970) * 12 + d.month - 1


def month_label(m: int) -> str:
    return f"{1970 + m // 12:04d}-{m % 12 + 1:02d}"


def week_index(d: dt.date) -> int:
    return int((np.datetime64(d, "D") - MONDAY0).astype(np.int64) // 7)


def week_label(w: int) -> str:
    monday = (MONDAY0 + np.timedelta64(int(w) * 7, "D")).astype(dt.date)
    y, wk, _ = monday.isocalendar()
    return f"{y:04d}-W{wk:02d}"


def province_code(p: int) -> str:
    return f"{int(p):02d}0000"


# ---------------------------------------------------------------- configuration


@dataclass
class Config:
    methods: list[str]
    params: dict[str, Any]


@dataclass
class Configs:
    """Per-kind defaults plus per-series overrides (from the risk_series_config table)."""

    by_kind: dict[str, Config] = field(default_factory=dict)
    overrides: dict[tuple[str, str], Config] = field(default_factory=dict)
    disabled: set[tuple[str, str]] = field(default_factory=set)

    def for_series(self, kind: str, key: str) -> Config | None:
        if (kind, key) in self.disabled:
            return None
        if (kind, key) in self.overrides:
            return self.overrides[(kind, key)]
        if (kind, "*") in self.disabled:
            return None
        if kind not in self.by_kind:  # one shared default object per kind, so series group together
            self.by_kind[kind] = Config(list(DEFAULTS[kind]["methods"]), dict(DEFAULTS[kind]["params"]))
        return self.by_kind[kind]


def build_configs(rows: Sequence[tuple[str, str, list[str], dict[str, Any], bool]]) -> Configs:
    """rows: (kind, series_key, methods, params, enabled); params are merged over the defaults."""
    cfg = Configs()
    for kind, key, methods, params, enabled in rows:
        base = DEFAULTS[kind]
        c = Config(list(methods or base["methods"]), {**base["params"], **(params or {})})
        if not enabled:
            cfg.disabled.add((kind, key))
        elif key == "*":
            cfg.by_kind[kind] = c
        else:
            cfg.overrides[(kind, key)] = c
    return cfg


def _group_by_config(cfgs: Configs, kind: str, keys: list[str]) -> list[tuple[Config, np.ndarray]]:
    groups: dict[int, tuple[Config, list[int]]] = {}
    for i, k in enumerate(keys):
        c = cfgs.for_series(kind, k)
        if c is None:
            continue
        groups.setdefault(id(c), (c, []))[1].append(i)
    return [(c, np.asarray(ix, dtype=np.int64)) for c, ix in groups.values()]


# ---------------------------------------------------------------- rates per category × province


def _rate_key(cat: int, prov: int) -> str:
    return f"cat:{cat}|reg:{province_code(prov)}"


def _evidence_index(keys: np.ndarray, batch_ids: np.ndarray) -> Callable[[int], list[int]]:
    order = np.argsort(keys, kind="stable")
    sk = keys[order]
    sb = batch_ids[order]

    def lookup(key: int, limit: int = 50) -> list[int]:
        lo, hi = np.searchsorted(sk, key, "left"), np.searchsorted(sk, key, "right")
        return [int(b) for b in sb[lo:min(hi, lo + limit)]]

    return lookup


def _f(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if np.isfinite(f) else None


def scan_rates(a: ResultArrays, cfgs: Configs, as_of: dt.date,
               progress: Callable[[str], None] | None = None) -> tuple[list[SignalDraft], dict[str, Any]]:
    """Non-conformity rate per category × province × month: p-chart (exact), Laney p′, EWMA, CUSUM on each
    series' last `months` months, and funnel plots of provinces against the national rate per category."""
    drafts: list[SignalDraft] = []
    base_params = (cfgs.for_series("rate", "*") or Config([], dict(DEFAULTS["rate"]["params"]))).params
    months = int(base_params.get("months", 24))
    m1 = month_index(as_of)
    m0 = m1 - months + 1
    in_window = (a.month >= m0) & (a.month <= m1)
    include_targeted = bool(base_params.get("include_targeted", False))
    prevalence = a.basis == 0
    use = in_window & (prevalence | include_targeted)
    excluded = int((in_window & ~prevalence).sum()) if not include_targeted else 0
    basis_label = "includes_targeted" if include_targeted and (in_window & ~prevalence).any() else "random"
    cat, prov, mon, fail = a.category_id[use], a.province[use], a.month[use] - m0, a.fail[use]
    summary: dict[str, Any] = {"months": [month_label(m) for m in range(m0, m1 + 1)], "excluded_targeted": excluded,
                               "n_used": int(use.sum())}
    if cat.size == 0:
        summary.update(heatmap=[], trends=[], funnels=[])
        return drafts, summary
    T = months
    combo = cat * 100 + prov
    ukeys, sidx = np.unique(combo, return_inverse=True)
    S = ukeys.size
    flat = sidx * T + mon
    N = np.bincount(flat, minlength=S * T).reshape(S, T).astype(float)
    X = np.bincount(flat, weights=fail.astype(float), minlength=S * T).reshape(S, T)
    s_cat = ukeys // 100
    s_prov = ukeys % 100
    keys = [_rate_key(int(c), int(p)) for c, p in zip(s_cat, s_prov, strict=True)]
    # national rate per category over the window (the target of every chart of that category)
    ucats, cidx = np.unique(s_cat, return_inverse=True)
    cx = np.bincount(cidx, weights=X.sum(axis=1))
    cn = np.bincount(cidx, weights=N.sum(axis=1))
    p_nat = np.clip((cx + 0.5) / (cn + 1.0), 1e-4, 1 - 1e-4)
    p0 = p_nat[cidx]
    ev = _evidence_index((sidx * T + mon)[fail], a.batch_id[use][fail])
    if progress:
        progress("rates")
    for cfg, ix in _group_by_config(cfgs, "rate", keys):
        P = cfg.params
        lookback = int(P.get("lookback", 2))
        min_n = float(P.get("min_batches", 3))
        Xg, Ng, p0g = X[ix], N[ix], p0[ix]
        results: dict[str, rates.RateChart] = {}
        if "p_exact" in cfg.methods:
            results["p_exact"] = _p_exact_rows(Xg, Ng, p0g, P["alpha"])
        if "laney" in cfg.methods:
            results["laney"] = rates.laney_p_prime(Xg, Ng, L=P["laney_L"])
        if "ewma" in cfg.methods:
            results["ewma"] = rates.ewma_rate(Xg, Ng, p0g, lam=P["lambda"], L=P["ewma_L"])
        if "cusum" in cfg.methods:
            results["cusum"] = rates.binomial_cusum(Xg, Ng, p0g, h=P["cusum_h"], odds_ratio=P["odds_ratio"])
        params_of = {"p_exact": {"alpha": P["alpha"], "limits": "exact binomial"},
                     "laney": {"L": P["laney_L"]}, "ewma": {"lambda": P["lambda"], "L": P["ewma_L"]},
                     "cusum": {"h": P["cusum_h"], "odds_ratio": P["odds_ratio"]}}
        for method, res in results.items():
            al = res.alarm[:, T - lookback:] & (Ng[:, T - lookback:] >= (min_n if method in ("p_exact", "laney") else 1))
            for gi, tt in zip(*np.nonzero(al), strict=True):
                t = T - lookback + int(tt)
                si = int(ix[gi])
                observed = float(X[si, t] / N[si, t]) if N[si, t] > 0 else float("nan")
                stat = float(res.stat[gi, t])
                drafts.append(SignalDraft(
                    kind="rate", method=method, series_key=keys[si], period=month_label(m0 + t),
                    observed=stat if method in ("cusum", "ewma") else observed,
                    expected=_f(p0g[gi]) if method != "laney" else _f(res.center[gi, t]),
                    threshold=_f(res.ucl[gi, t]), score=stat if method in ("cusum", "ewma") else _f(
                        (observed - p0g[gi]) / max(float(res.ucl[gi, t]) - p0g[gi], 1e-12)),
                    p_value=_f(res.p_value[gi, t]), params={**params_of[method], "p0": float(p0g[gi])},
                    evidence={"failing_batch_ids": ev(si * T + t), "x": int(X[si, t]), "n": int(N[si, t]),
                              "rate": _f(observed), "excluded_targeted": excluded},
                    sampling_basis=basis_label, category_id=int(s_cat[si]), region_code=province_code(int(s_prov[si]))))
    # funnels: provinces of a category over the last funnel_months, against the category's national rate
    fm = int(base_params.get("funnel_months", 12))
    Xf, Nf = X[:, T - fm:].sum(axis=1), N[:, T - fm:].sum(axis=1)
    funnels = []
    rate_cfg = cfgs.for_series("rate", "*")
    do_funnel = rate_cfg is None or "funnel" in rate_cfg.methods
    for ci, c in enumerate(ucats):
        members = np.flatnonzero(cidx == ci)
        members = members[Nf[members] > 0]
        if members.size < 3:
            continue
        target = float(np.clip(Xf[members].sum() / Nf[members].sum(), 1e-4, 1 - 1e-4))
        fu = rates.funnel(Xf[members], Nf[members], target, alpha=float(base_params.get("funnel_alpha", 0.002)))
        funnels.append({"category_id": int(c), "target": target, "tau2": fu.tau2, "phi": fu.phi,
                        "points": [{"region": province_code(int(s_prov[m])), "x": int(Xf[m]), "n": int(Nf[m]),
                                    "alarm": bool(fu.alarm[k])} for k, m in enumerate(members)]})
        if not do_funnel:
            continue
        for k in np.flatnonzero(fu.alarm):
            si = int(members[k])
            lo, hi = fu.limits(np.array([Nf[si]]), 1 - float(base_params.get("funnel_alpha", 0.002)))
            drafts.append(SignalDraft(
                kind="rate", method="funnel", series_key=keys[si], period=f"{month_label(m1 - fm + 1)}~{month_label(m1)}"[:16],
                observed=float(Xf[si] / Nf[si]), expected=target, threshold=float(hi[0]), score=_f(fu.z_adj[k]),
                p_value=_f(fu.p_value[k]), params={"alpha": float(base_params.get("funnel_alpha", 0.002)),
                                                  "phi": fu.phi, "tau2": fu.tau2, "winsor": 0.1},
                evidence={"x": int(Xf[si]), "n": int(Nf[si]),
                          "failing_batch_ids": [b for t in range(T - fm, T) for b in ev(si * T + t, 10)][:50],
                          "excluded_targeted": excluded},
                sampling_basis=basis_label, category_id=int(c), region_code=province_code(int(s_prov[si]))))
    # dashboard aggregates
    hx, hn = X[:, T - fm:].sum(axis=1), N[:, T - fm:].sum(axis=1)
    summary["heatmap"] = [{"category_id": int(s_cat[i]), "region": province_code(int(s_prov[i])), "x": int(hx[i]),
                           "n": int(hn[i])} for i in range(S) if hn[i] > 0]
    flagged = {d.series_key for d in drafts}
    order = sorted(range(S), key=lambda i: (keys[i] not in flagged, -N[i].sum()))[:6]
    summary["trends"] = [{"series_key": keys[i], "category_id": int(s_cat[i]), "region": province_code(int(s_prov[i])),
                          "x": X[i].astype(int).tolist(), "n": N[i].astype(int).tolist(),
                          "p0": float(p0[i])} for i in order]
    summary["funnels"] = sorted(funnels, key=lambda f: -sum(p["n"] for p in f["points"]))[:4]
    return drafts, summary


def _p_exact_rows(X: np.ndarray, N: np.ndarray, p0: np.ndarray, alpha: float) -> rates.RateChart:  # noqa: N803
    """Exact-limit p-chart with a target per row (category's national rate)."""
    from scipy import stats

    P = np.broadcast_to(p0[:, None], X.shape)
    safe = np.where(N > 0, N, 1.0)
    pval = np.where(N > 0, stats.binom.sf(X - 1.0, safe, P), np.nan)
    ucl = stats.binom.ppf(1 - alpha / 2, safe, P) / safe
    lcl = stats.binom.ppf(alpha / 2, safe, P) / safe
    return rates.RateChart(np.array(P), lcl, ucl, np.where(N > 0, X / safe, np.nan), pval,
                           (N > 0) & (pval <= alpha / 2))


# ---------------------------------------------------------------- enterprises: empirical-Bayes shrinkage


def scan_enterprises(a: ResultArrays, cfgs: Configs, as_of: dt.date) -> tuple[list[SignalDraft], dict[str, Any]]:
    """Per category, fit a beta-binomial prior over the enterprises' (x, n) and flag enterprises whose
    posterior probability of a rate above `ratio` × the national rate reaches `prob`."""
    cfg = cfgs.for_series("enterprise", "*")
    if cfg is None or "eb_shrinkage" not in cfg.methods:
        return [], {}
    P = cfg.params
    m1 = month_index(as_of)
    m0 = m1 - int(P["months"]) + 1
    use = (a.month >= m0) & (a.month <= m1) & ((a.basis == 0) | bool(P.get("include_targeted")))
    if not use.any():
        return [], {"enterprises": []}
    cat, ent, fail, bid = a.category_id[use], a.enterprise_id[use], a.fail[use], a.batch_id[use]
    ucomb, idx = np.unique(cat * (1 << 32) + ent, return_inverse=True)
    ukeys = np.stack([ucomb >> 32, ucomb & ((1 << 32) - 1)], axis=1)
    n = np.bincount(idx).astype(float)
    x = np.bincount(idx, weights=fail.astype(float))
    ev = _evidence_index(idx[fail], bid[fail])
    drafts: list[SignalDraft] = []
    top: list[dict[str, Any]] = []
    period = f"{month_label(m0)}~{month_label(m1)}"[:16]
    for c in np.unique(ukeys[:, 0]):
        members = np.flatnonzero(ukeys[:, 0] == c)
        if members.size < 3 or x[members].sum() == 0:
            continue
        prior = rates.beta_binomial_fit(x[members], n[members])
        nat = float(x[members].sum() / n[members].sum())
        thr = min(nat * float(P["ratio"]), 0.999)
        post = rates.shrink(x[members], n[members], prior)
        exc = np.zeros(members.size)
        cand = np.flatnonzero((post > thr) & (n[members] >= float(P["min_batches"])))  # else P(p > thr) < 1/2
        exc[cand] = rates.posterior_exceedance(x[members][cand], n[members][cand], prior, thr)
        for k in np.flatnonzero(exc >= float(P["prob"])):
            m = int(members[k])
            key = f"ent:{int(ukeys[m, 1])}|cat:{int(c)}"
            conf = cfgs.for_series("enterprise", key)
            if conf is None:
                continue
            drafts.append(SignalDraft(
                kind="enterprise", method="eb_shrinkage", series_key=key, period=period, observed=float(x[m] / n[m]),
                expected=nat, threshold=thr, score=float(post[k]), p_value=float(1 - exc[k]),
                params={"alpha": prior.alpha, "beta": prior.beta, "ratio": P["ratio"], "prob": P["prob"],
                        "posterior_mean": float(post[k])},
                evidence={"x": int(x[m]), "n": int(n[m]), "failing_batch_ids": ev(m)},
                sampling_basis="includes_targeted" if P.get("include_targeted") else "random",
                category_id=int(c), enterprise_id=int(ukeys[m, 1])))
        best = members[np.argsort(-post)[:5]]
        top.extend({"category_id": int(c), "enterprise_id": int(ukeys[m, 1]), "x": int(x[m]), "n": int(n[m]),
                    "shrunk": float(rates.shrink(x[m], n[m], prior))} for m in best)
    return drafts, {"enterprises": sorted(top, key=lambda r: -r["shrunk"])[:20]}


# ---------------------------------------------------------------- complaint counts per week


def scan_counts(c: ComplaintArrays, cfgs: Configs, as_of: dt.date,
                progress: Callable[[str], None] | None = None) -> tuple[list[SignalDraft], dict[str, Any]]:
    """Weekly complaint counts per category × province and per product: improved Farrington where the
    series has b years of history, EARS C1/C2/C3 otherwise, and the Poisson CUSUM against the mean of the
    year before wherever that year exists; only the last complete week(s) are judged."""
    base = cfgs.for_series("count", "*") or Config(list(DEFAULTS["count"]["methods"]), dict(DEFAULTS["count"]["params"]))
    P0 = base.params
    fp = counts.FarringtonParams(b=int(P0["b"]), w=int(P0["w"]), alpha=float(P0["alpha"]),
                                 no_periods=int(P0["no_periods"]), reweight_threshold=float(P0["reweight_threshold"]),
                                 limit_cases=int(P0["limit_cases"]), limit_periods=int(P0["limit_periods"]))
    hist = counts.min_history(fp)
    w_last = week_index(as_of) - 1  # the last complete week
    W = hist + 1 + 8  # weeks kept
    w0 = w_last - W + 1
    keep = (c.week >= w0) & (c.week <= w_last)
    if P0.get("exclude_unjustified", True):
        keep &= c.justified != 0
    summary: dict[str, Any] = {"weeks": [week_label(w) for w in range(w_last - 25, w_last + 1)]}
    if not keep.any():
        summary["weekly_total"] = [0] * 26
        return [], summary
    wk = c.week[keep] - w0
    cid = c.complaint_id[keep]
    summary["weekly_total"] = np.bincount(wk, minlength=W)[-26:].astype(int).tolist()
    # first week each series has data (history): from all complaints, not only the window
    series_sets: list[tuple[str, np.ndarray, Callable[[int], dict[str, Any]], np.ndarray]] = []
    cat_ok = c.category_id[keep] >= 0
    combo = np.where(cat_ok, c.category_id[keep] * 100 + c.province[keep], -1)
    series_sets.append(("cat", combo, lambda k: {"category_id": int(k // 100), "region_code": province_code(int(k % 100))},
                        c.category_id * 100 + c.province))
    if P0.get("product_series", True):
        series_sets.append(("prod", c.product_id[keep], lambda k: {"product_id": int(k)}, c.product_id))
    drafts: list[SignalDraft] = []
    lookback = int(P0.get("lookback", 1))
    for prefix, key_arr, meta, all_keys in series_sets:
        ok = key_arr >= 0
        if not ok.any():
            continue
        ukeys, sidx = np.unique(key_arr[ok], return_inverse=True)
        S = ukeys.size
        Y = np.bincount(sidx * W + wk[ok], minlength=S * W).reshape(S, W).astype(float)
        # history: earliest week of each series over all rows
        first = np.full(S, np.iinfo(np.int64).max)
        pos = np.searchsorted(ukeys, all_keys)
        valid = (pos < S) & (all_keys >= 0)
        valid[valid] &= ukeys[pos[valid]] == all_keys[valid]
        np.minimum.at(first, pos[valid], c.week[valid])
        has_hist = first <= (w_last - hist)
        ev = _evidence_index(sidx * W + wk[ok], cid[ok])
        keys = [f"{prefix}:{int(k)}" if prefix == "prod" else f"cat:{int(k // 100)}|reg:{province_code(int(k % 100))}"
                for k in ukeys]
        if progress:
            progress(f"counts:{prefix}")
        for cfg, ix in _group_by_config(cfgs, "count", keys):
            P = cfg.params
            recent = Y[ix, W - int(P["limit_periods"]):].sum(axis=1)
            # EARS for series without enough history (vectorised)
            short = ix[~has_hist[ix]]
            for m in ("ears_c1", "ears_c2", "ears_c3"):
                if m not in cfg.methods or short.size == 0:
                    continue
                res = counts.ears(Y[short], m[-2:].upper(), baseline=int(P["ears_baseline"]),
                                  min_sigma=float(P["min_sigma"]))
                for gi, tt in zip(*np.nonzero(res.alarm[:, W - lookback:]), strict=True):
                    t = W - lookback + int(tt)
                    si = int(short[gi])
                    drafts.append(SignalDraft(
                        kind="count", method=m, series_key=keys[si], period=week_label(w0 + t),
                        observed=float(Y[si, t]), expected=_f(res.expected[gi, t]),
                        threshold=_f(res.upper[gi, t]) if m != "ears_c3" else res.threshold,
                        score=_f(res.stat[gi, t]), p_value=None,
                        params={"baseline": int(P["ears_baseline"]), "lag": 0 if m == "ears_c1" else 2,
                                "threshold": res.threshold, "min_sigma": float(P["min_sigma"])},
                        evidence={"complaint_ids": ev(si * W + t)}, sampling_basis="complaints",
                        **meta(int(ukeys[si]))))
            if "count_cusum" in cfg.methods:
                drafts.extend(_count_cusum_drafts(Y, ix, first - w0, P, keys, ukeys, meta, ev, w0, W, lookback))
            if "farrington" not in cfg.methods:
                continue
            fpp = counts.FarringtonParams(b=int(P["b"]), w=int(P["w"]), alpha=float(P["alpha"]),
                                          no_periods=int(P["no_periods"]),
                                          reweight_threshold=float(P["reweight_threshold"]),
                                          limit_cases=int(P["limit_cases"]), limit_periods=int(P["limit_periods"]))
            # the low-count rule makes an alarm impossible below limit_cases: fit only the others
            cand = ix[has_hist[ix] & (recent >= fpp.limit_cases)]
            if cand.size == 0:
                continue
            for t in range(W - lookback, W):
                fb = counts.farrington_batch(Y[cand, : t + 1], fpp)
                for k in np.flatnonzero(fb.alarm):
                    si = int(cand[k])
                    drafts.append(SignalDraft(
                        kind="count", method="farrington", series_key=keys[si], period=week_label(w0 + t),
                        observed=float(fb.observed[k]), expected=float(fb.expected[k]), threshold=float(fb.upper[k]),
                        score=_f(fb.score[k]), p_value=float(fb.p_value[k]),
                        params={**fpp.as_dict(), "phi": float(fb.phi[k]), "trend": bool(fb.trend_used[k])},
                        evidence={"complaint_ids": ev(si * W + t)}, sampling_basis="complaints",
                        **meta(int(ukeys[si]))))
    return drafts, summary


def _count_cusum_drafts(Y: np.ndarray, ix: np.ndarray, first: np.ndarray, P: dict[str, Any], keys: list[str],  # noqa: N803
                        ukeys: np.ndarray, meta: Callable[[int], dict[str, Any]], ev: Callable[..., list[int]],
                        w0: int, W: int, lookback: int) -> list[SignalDraft]:  # noqa: N803
    """Poisson CUSUM (κ = cusum_kappa, h = cusum_h) of the weekly counts against the mean of the
    `cusum_baseline` weeks ending `cusum_lag` weeks earlier; evidence: the complaints of the run, i.e. the
    weeks since the statistic last stood at 0."""
    baseline, lag = int(P["cusum_baseline"]), int(P["cusum_lag"])
    kappa, h = float(P["cusum_kappa"]), float(P["cusum_h"])
    mu0 = counts.trailing_mean(Y[ix], baseline=baseline, lag=lag, first=np.maximum(first[ix], 0))
    res = counts.poisson_cusum(Y[ix], mu0, kappa=kappa, h=h)
    out: list[SignalDraft] = []
    for gi, tt in zip(*np.nonzero(res.alarm[:, W - lookback:]), strict=True):
        t = W - lookback + int(tt)
        si = int(ix[gi])
        run0 = t
        while run0 > 0 and res.stat[gi, run0 - 1] > 0 and not res.alarm[gi, run0 - 1]:
            run0 -= 1
        ids = [c for u in range(run0, t + 1) for c in ev(si * W + u)][:50]
        out.append(SignalDraft(
            kind="count", method="count_cusum", series_key=keys[si], period=week_label(w0 + t),
            observed=float(Y[si, t]), expected=_f(res.expected[gi, t]), threshold=_f(res.upper[gi, t]),
            score=_f(res.stat[gi, t]), p_value=None,
            params={"kappa": kappa, "h": h, "baseline": baseline, "lag": lag,
                    "reference_value": _f(res.reference[gi, t])},
            evidence={"complaint_ids": ids, "run_start": week_label(w0 + run0),
                      "run_counts": Y[si, run0:t + 1].astype(int).tolist()},
            sampling_basis="complaints", **meta(int(ukeys[si]))))
    return out
