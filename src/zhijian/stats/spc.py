"""Control charts (控制图) — GB/T 17989 (ISO 7870) and the usual practice of R's qcc.

Charts: X̄-R, X̄-S, I-MR, p, np, c, u (variable sizes give stepped limits), EWMA and tabular CUSUM.
Constants d2, d3, c4 and the A/B/D factors are computed from their definitions for any subgroup
size (numerical integration of the distribution of the range of n standard normal variables):
exact values, not the 3-decimal tables of textbooks and qcc (they differ in the 4th-5th figure).
Run rules: the eight Western Electric / Nelson rules, reported per point with the rule number.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from zhijian.stats._validate import as_float_array, err, finite_float, group_labels
from zhijian.stats.spc_constants import _d2_of as _d2_of  # re-exported (capability, old import paths)
from zhijian.stats.spc_constants import c4 as c4
from zhijian.stats.spc_constants import constants as constants
from zhijian.stats.spc_constants import d2 as d2
from zhijian.stats.spc_constants import d3 as d3
from zhijian.stats.spc_rules import RULES_TEXT as RULES_TEXT
from zhijian.stats.spc_rules import RULES_TEXT_ZH as RULES_TEXT_ZH
from zhijian.stats.spc_rules import _jsonable
from zhijian.stats.spc_rules import run_rules as run_rules
from zhijian.stats.spc_rules import violations as violations

CHART_TYPES = ("xbar-r", "xbar-s", "imr", "p", "np", "c", "u", "ewma", "cusum")
CONSTANTS_NOTE = (
    "control-chart constants are exact values computed from their definitions (numerical integration); "
    "textbooks and R's qcc use 3-decimal tables, which differ in the 4th-5th significant figure"
)
CONSTANTS_NOTE_ZH = "控制图系数按定义数值积分精确计算；教材与 R qcc 使用三位小数表，二者在第 4–5 位有效数字上略有差异"


# ---------------------------------------------------------------- result types


@dataclass
class ChartPanel:
    """One panel of a chart (e.g. the X̄ part of an X̄-R chart)."""

    name: str
    statistics: np.ndarray
    center: np.ndarray
    ucl: np.ndarray
    lcl: np.ndarray
    sigma_point: np.ndarray
    rules: tuple[int, ...]
    labels: Sequence[Any]
    flags: np.ndarray = field(init=False, repr=False)
    _violations: list[dict[str, Any]] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        zone_rules = [r for r in self.rules if r != 1]
        if zone_rules:
            z = np.divide(self.statistics - self.center, self.sigma_point, out=np.full(self.statistics.shape, np.nan),
                          where=self.sigma_point > 0)
            flags = run_rules(z, zone_rules)
        else:
            flags = np.zeros((8, self.statistics.size), dtype=bool)
        # rule 1 uses the actual (possibly clipped or asymmetric) limits, the zone rules use σ units
        if 1 in self.rules:
            with np.errstate(invalid="ignore"):
                flags[0] = (self.statistics > self.ucl + 1e-12 * np.abs(self.ucl)) | (self.statistics < self.lcl - 1e-12 * np.abs(self.lcl))
        self.flags = flags

    @property
    def violations(self) -> list[dict[str, Any]]:
        """[{index, subgroup, rules}] for every point where a rule signals (built on first use)."""
        if self._violations is None:
            hit = np.flatnonzero(self.flags.any(axis=0))
            rows = self.flags[:, hit].T.tolist()
            self._violations = [
                {"index": i, "subgroup": _jsonable(self.labels[i]), "rules": [r + 1 for r, f in enumerate(row) if f]}
                for i, row in zip(hit.tolist(), rows, strict=True)
            ]
        return self._violations

    @property
    def out_of_limits(self) -> np.ndarray:
        return (self.statistics > self.ucl) | (self.statistics < self.lcl)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "center_line": _compact(self.center),
            "ucl": _compact(self.ucl),
            "lcl": _compact(self.lcl),
            "statistics": _finite_list(self.statistics),
            "subgroups": [_jsonable(v) for v in self.labels],
            "violations": self.violations,
            "rules_applied": list(self.rules),
        }


def _compact(a: np.ndarray) -> float | None | list[float | None]:
    """A scalar when constant, else the per-point list (stepped limits); non-finite → None."""
    if a.size and np.all(a == a[0]):
        return float(a[0]) if np.isfinite(a[0]) else None
    return _finite_list(a)


def _finite_list(a: np.ndarray) -> list[float | None]:
    """JSON-safe list: NaN/±inf become None (e.g. the first moving range)."""
    a = np.asarray(a, dtype=float)
    if np.isfinite(a).all():
        values: list[float | None] = a.tolist()
        return values
    return [float(v) if math.isfinite(v) else None for v in a.tolist()]


@dataclass
class ControlChart:
    chart_type: str
    phase: int
    panels: list[ChartPanel]
    parameters: dict[str, Any]
    excluded_subgroups: list[Any] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.chart_type,
            "phase": self.phase,
            "charts": [p.to_dict() for p in self.panels],
            "parameters": self.parameters,
            "excluded_subgroups": self.excluded_subgroups,
            "rules": {str(k): v for k, v in RULES_TEXT.items()},
            "rules_zh": {str(k): v for k, v in RULES_TEXT_ZH.items()},
            "notes": self.notes,
        }


def _const(v: float, n: int) -> np.ndarray:
    return np.full(n, float(v))


# ---------------------------------------------------------------- variables charts


def _subgroups(values: Any, subgroups: Any | None, field_name: str = "values") -> tuple[np.ndarray, np.ndarray, list[Any]]:
    x = as_float_array(values, field_name)
    if subgroups is None:
        raise err("subgroups_required", "该控制图需要子组标识（subgroup）", "this chart needs subgroup labels", "subgroups")
    codes, labels = group_labels(subgroups, x.size, "subgroups")
    return x, codes, labels


def _group_stats(x: np.ndarray, codes: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    order = np.argsort(codes, kind="stable")
    xs, cs = x[order], codes[order]
    starts = np.flatnonzero(np.concatenate(([True], cs[1:] != cs[:-1])))
    sizes = np.diff(np.concatenate((starts, [xs.size])))
    sums = np.add.reduceat(xs, starts)
    means = sums / sizes
    mx = np.maximum.reduceat(xs, starts)
    mn = np.minimum.reduceat(xs, starts)
    dev = xs - np.repeat(means, sizes)
    ss = np.add.reduceat(dev * dev, starts)
    sds = np.sqrt(np.divide(ss, sizes - 1, out=np.zeros_like(ss), where=sizes > 1))
    return means, mx - mn, sds, sizes


def _exclude(keep: np.ndarray, out: np.ndarray, labels: Sequence[Any], excluded: list[Any]) -> bool:
    """Phase I re-estimation: drop the kept subgroups `out` flags (their labels join `excluded`, `keep` is updated in
    place); False when none of them is left to drop, so the limits stand."""
    ooc = keep & out
    if not ooc.any():
        return False
    excluded.extend(labels[i] for i in np.flatnonzero(ooc).tolist())
    keep &= ~ooc
    return True


def _rules_arg(rules: Sequence[int] | None, default: Sequence[int]) -> tuple[int, ...]:
    if rules is None:
        return tuple(default)
    rr = tuple(sorted({int(r) for r in rules}))
    bad = [r for r in rr if r < 1 or r > 8]
    if bad:
        raise err("unknown_rule", f"判异准则编号无效：{bad}（1–8）", f"invalid run-rule numbers: {bad} (1-8)", "rules")
    return rr


def xbar_chart(
    values: Any,
    subgroups: Any,
    *,
    kind: str = "r",
    center: float | None = None,
    sigma: float | None = None,
    rules: Sequence[int] | None = None,
    drop_out_of_control: bool = False,
    max_iterations: int = 10,
) -> ControlChart:
    """X̄-R (kind='r') or X̄-S (kind='s') chart from long-format data (one row per measurement).

    Phase II when ``center`` and ``sigma`` are given; Phase I otherwise (limits from the data,
    optionally dropping out-of-control subgroups and re-estimating).
    """
    x, codes, labels = _subgroups(values, subgroups)
    means, ranges, sds, sizes = _group_stats(x, codes, len(labels))
    m = means.size
    phase = 2 if (center is not None and sigma is not None) else 1
    _check_xbar_subgroups(sizes, labels, phase)
    rr = _rules_arg(rules, (1, 2, 3, 4, 5, 6, 7, 8))
    uniq, inv = np.unique(sizes, return_inverse=True)
    d2a = np.array([d2(int(k)) for k in uniq])[inv]
    d3a = np.array([d3(int(k)) for k in uniq])[inv]
    c4a = np.array([c4(int(k)) for k in uniq])[inv]
    keep = np.ones(m, dtype=bool)
    excluded: list[Any] = []
    mu = sig = 0.0
    for _ in range(max(1, max_iterations)):
        if phase == 2:
            mu = finite_float(center, "center")
            sig = finite_float(sigma, "sigma")
            if sig <= 0:
                raise err("out_of_range", "sigma 必须 > 0", "sigma must be > 0", "sigma")
        else:
            if keep.sum() < 2:
                raise err("single_subgroup", "剔除后不足 2 个子组", "fewer than 2 subgroups left after exclusion", "subgroups")
            w = sizes[keep]
            mu = float(np.sum(means[keep] * w) / np.sum(w))
            sig = float(np.mean(ranges[keep] / d2a[keep])) if kind == "r" else float(np.mean(sds[keep] / c4a[keep]))
        root_n = np.sqrt(sizes)
        x_ucl = mu + 3 * sig / root_n
        x_lcl = mu - 3 * sig / root_n
        d_stat, d_center, d_sig, d_ucl, d_lcl = _dispersion_limits(kind, sig, d2a, d3a, c4a, ranges, sds)
        if phase == 2 or not drop_out_of_control or not _exclude(
                keep, ((means > x_ucl) | (means < x_lcl)) | ((d_stat > d_ucl) | (d_stat < d_lcl)), labels, excluded):
            break
    xp = ChartPanel("xbar", means, _const(mu, m), x_ucl, x_lcl, sig / np.sqrt(sizes), rr, labels)
    dp = ChartPanel("R" if kind == "r" else "S", d_stat, d_center, d_ucl, d_lcl, d_sig, (1,), labels)
    params: dict[str, Any] = {
        "center": mu,
        "sigma": sig,
        "sigma_method": ("mean of R_i/d2(n_i)" if kind == "r" else "mean of S_i/c4(n_i)") if phase == 1 else "given",
        "subgroup_sizes": _compact(sizes.astype(float)),
        "constants": {int(k): constants(int(k)) for k in uniq} if uniq.size <= 10 else None,
    }
    notes = [CONSTANTS_NOTE, CONSTANTS_NOTE_ZH]
    if uniq.size > 1:
        notes.append("variable subgroup sizes: limits are computed per subgroup (stepped limits)")
    return ControlChart(f"xbar-{kind}", phase, [xp, dp], params, excluded, notes)


def _dispersion_limits(kind: str, sig: float, d2a: np.ndarray, d3a: np.ndarray, c4a: np.ndarray, ranges: np.ndarray,
                       sds: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(statistic, CL, σ, UCL, LCL) of the R chart (kind 'r': d2σ, d3σ) or the S chart (c4σ, σ√(1−c4²))."""
    if kind == "r":
        d_stat, d_center, d_sig = ranges, d2a * sig, d3a * sig
    else:
        d_stat, d_center, d_sig = sds, c4a * sig, np.sqrt(1 - c4a**2) * sig
    return d_stat, d_center, d_sig, d_center + 3 * d_sig, np.maximum(0.0, d_center - 3 * d_sig)


def _check_xbar_subgroups(sizes: np.ndarray, labels: list[Any], phase: int) -> None:
    """Every subgroup has 2 values or more (else the I-MR chart), and Phase I has 2 subgroups or more."""
    if (sizes < 2).any():
        i = int(np.flatnonzero(sizes < 2)[0])
        raise err(
            "subgroup_too_small",
            f"子组 {labels[i]!r} 只有 1 个观测值；单值数据请用 imr 控制图",
            f"subgroup {labels[i]!r} has a single value; use the imr chart for individual values",
            "subgroups",
        )
    if phase == 1 and sizes.size < 2:
        raise err("single_subgroup", "只有 1 个子组，无法估计控制限", "a single subgroup cannot estimate control limits", "subgroups")


def imr_chart(
    values: Any,
    *,
    center: float | None = None,
    sigma: float | None = None,
    rules: Sequence[int] | None = None,
    labels: Sequence[Any] | None = None,
    drop_out_of_control: bool = False,
    max_iterations: int = 10,
) -> ControlChart:
    """Individuals and moving-range chart (单值-移动极差图); σ̂ = MR̄/d2(2)."""
    x = as_float_array(values, "values")
    n = x.size
    phase = 2 if (center is not None and sigma is not None) else 1
    if phase == 1 and n < 2:
        raise err("single_subgroup", "单值图至少需要 2 个值", "the individuals chart needs at least 2 values", "values")
    labs = _point_labels(labels, n)
    mr = np.concatenate(([np.nan], np.abs(np.diff(x))))
    rr = _rules_arg(rules, (1, 2, 3, 4, 5, 6, 7, 8))
    keep = np.ones(n, dtype=bool)
    excluded: list[Any] = []
    d2_2 = d2(2)
    d3_2 = d3(2)
    for _ in range(max(1, max_iterations)):
        if phase == 2:
            mu = float(finite_float(center, "center"))
            sig = float(finite_float(sigma, "sigma"))
        else:
            if keep.sum() < 2:
                raise err("single_subgroup", "剔除后不足 2 个值", "fewer than 2 values left after exclusion", "values")
            mu = float(np.mean(x[keep]))
            mr_ok = keep.copy()
            mr_ok[0] = False
            mr_ok[1:] &= keep[:-1]
            if not mr_ok.any():
                raise err("single_subgroup", "没有相邻的有效值可计算移动极差", "no adjacent values left for moving ranges", "values")
            sig = float(np.mean(mr[mr_ok]) / d2_2)
        ucl = mu + 3 * sig
        lcl = mu - 3 * sig
        if phase == 2 or not drop_out_of_control or not _exclude(keep, (x > ucl) | (x < lcl), labs, excluded):
            break
    xp = ChartPanel("individuals", x, _const(mu, n), _const(ucl, n), _const(lcl, n), _const(sig, n), rr, labs)
    mr_center = d2_2 * sig
    mp = ChartPanel(
        "MR", mr, _const(mr_center, n), _const(mr_center + 3 * d3_2 * sig, n), _const(max(0.0, mr_center - 3 * d3_2 * sig), n),
        _const(d3_2 * sig, n), (1,), labs,
    )
    params = {"center": mu, "sigma": sig, "sigma_method": "MR-bar/d2(2)" if phase == 1 else "given", "mr_bar": mr_center,
              "constants": constants(2)}
    return ControlChart("imr", phase, [xp, mp], params, excluded, [CONSTANTS_NOTE, CONSTANTS_NOTE_ZH])


# ---------------------------------------------------------------- attribute charts


def attribute_chart(
    chart_type: str,
    counts: Any,
    sizes: Any | None = None,
    *,
    center: float | None = None,
    rules: Sequence[int] | None = None,
    labels: Sequence[Any] | None = None,
    drop_out_of_control: bool = False,
    max_iterations: int = 10,
) -> ControlChart:
    """p, np, c or u chart (计数/计件控制图). Variable sizes give stepped limits.

    ``center`` (p̄, c̄ or ū) makes it a Phase II chart.
    """
    t = chart_type.lower()
    if t not in ("p", "np", "c", "u"):
        raise err("unknown_chart", f"未知控制图类型：{chart_type}", f"unknown chart type: {chart_type}", "type")
    d = as_float_array(counts, "counts")
    if (d < 0).any():
        raise err("out_of_range", "不合格数不能为负", "counts cannot be negative", "counts")
    m = d.size
    n = _attribute_sizes(t, d, sizes)
    phase = 2 if center is not None else 1
    if phase == 1 and m < 2:
        raise err("single_subgroup", "只有 1 个子组，无法估计控制限", "a single subgroup cannot estimate control limits", "counts")
    labs = _point_labels(labels, m)
    rr = _rules_arg(rules, (1, 2, 3, 4, 5, 6, 7, 8))
    keep = np.ones(m, dtype=bool)
    excluded: list[Any] = []
    for _ in range(max(1, max_iterations)):
        if phase == 2:
            cbar = finite_float(center, "center")
        else:
            if keep.sum() < 2:
                raise err("single_subgroup", "剔除后不足 2 个子组", "fewer than 2 subgroups left after exclusion", "counts")
            cbar = float(d[keep].sum() / n[keep].sum()) if t in ("p", "np", "u") else float(d[keep].mean())
        stat, cl, s, ucl, lcl = _attribute_limits(t, d, n, cbar)
        if phase == 2 or not drop_out_of_control or not _exclude(keep, (stat > ucl) | (stat < lcl), labs, excluded):
            break
    panel = ChartPanel(t, stat, cl, ucl, lcl, s, rr, labs)
    params = {"center": cbar, "center_method": "given" if phase == 2 else "pooled from the data"}
    notes = ["LCL below zero is set to 0"]
    if t in ("p", "np", "u") and np.unique(n).size > 1:
        notes.append("variable sample sizes: limits are computed per subgroup (stepped limits)")
    return ControlChart(t, phase, [panel], params, excluded, notes)


def _point_labels(labels: Sequence[Any] | None, m: int) -> Sequence[Any]:
    """One label per point of an individuals or attribute chart (its `subgroups`), 1…m when none are given."""
    if labels is None:
        return range(1, m + 1)
    labs = list(labels)
    if len(labs) != m:
        raise err("length_mismatch", f"子组标签有 {len(labs)} 个，数据有 {m} 个", f"{len(labs)} subgroup labels for {m} "
                  "values", "subgroups")
    return labs


def _attribute_sizes(t: str, d: np.ndarray, sizes: Any | None) -> np.ndarray:
    """The sample sizes n of a p, np or u chart, checked against the counts (a c chart: all 1)."""
    m = d.size
    if t not in ("p", "np", "u"):
        return np.ones(m)
    if sizes is None:
        raise err("sizes_required", f"{t} 图需要样本量（size）", f"the {t} chart needs sample sizes", "sizes")
    n = as_float_array(sizes, "sizes")
    if n.size != m:
        raise err("length_mismatch", "样本量与不合格数的个数不一致", "sizes and counts differ in length", "sizes")
    if (n <= 0).any():
        raise err("out_of_range", "样本量必须 > 0", "sample sizes must be > 0", "sizes")
    if t in ("p", "np") and (d > n).any():
        i = int(np.flatnonzero(d > n)[0])
        raise err("out_of_range", f"第 {i + 1} 个子组不合格品数大于样本量", f"subgroup {i + 1} has more nonconforming items than its size", "counts")
    return n


def _attribute_limits(t: str, d: np.ndarray, n: np.ndarray,
                      cbar: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(statistic, CL, σ per point, UCL, LCL) of a p, np, u or c chart with centre `cbar`; LCL below 0 is 0."""
    m = d.size
    hi_cap = None
    if t == "p":
        stat, cl, s = d / n, _const(cbar, m), np.sqrt(cbar * (1 - cbar) / n)
        hi_cap = 1.0
    elif t == "np":
        stat, cl, s = d, n * cbar, np.sqrt(n * cbar * (1 - cbar))
    elif t == "u":
        stat, cl, s = d / n, _const(cbar, m), np.sqrt(cbar / n)
    else:
        stat, cl, s = d, _const(cbar, m), _const(math.sqrt(max(cbar, 0.0)), m)
    ucl = cl + 3 * s
    if hi_cap is not None:
        ucl = np.minimum(ucl, hi_cap)
    if t == "np":
        ucl = np.minimum(ucl, n)
    return stat, cl, s, ucl, np.maximum(0.0, cl - 3 * s)


# ---------------------------------------------------------------- time-weighted charts


def _series_for_tw(values: Any, subgroups: Any | None) -> tuple[np.ndarray, np.ndarray, Sequence[Any], str]:
    x = as_float_array(values, "values")
    if subgroups is None:
        return x, np.ones(x.size), range(1, x.size + 1), "individuals"
    codes, labels = group_labels(subgroups, x.size, "subgroups")
    means, _r, _s, sizes = _group_stats(x, codes, len(labels))
    return means, sizes.astype(float), labels, "subgroup means"


def _tw_sigma(values: Any, subgroups: Any | None) -> tuple[float, str]:
    x = as_float_array(values, "values")
    if subgroups is None:
        if x.size < 2:
            raise err("single_subgroup", "至少需要 2 个值估计 σ", "at least 2 values are needed to estimate sigma", "values")
        return float(np.mean(np.abs(np.diff(x))) / d2(2)), "MR-bar/d2(2)"
    codes, labels = group_labels(subgroups, x.size, "subgroups")
    _m, ranges, _s, sizes = _group_stats(x, codes, len(labels))
    if len(labels) < 2 and (sizes < 2).all():
        raise err("single_subgroup", "数据不足以估计 σ", "not enough data to estimate sigma", "subgroups")
    if (sizes < 2).any():
        raise err("subgroup_too_small", "子组容量须 ≥ 2 才能用极差估计 σ", "subgroups need size >= 2 to estimate sigma from ranges", "subgroups")
    return float(np.mean(ranges / _d2_of(sizes))), "mean of R_i/d2(n_i)"


@dataclass(frozen=True)
class _TwSeries:
    """What EWMA and CUSUM share: the plotted series, its phase, target μ0 and σ (and how σ was found)."""

    xs: np.ndarray
    sizes: np.ndarray
    labels: Sequence[Any]
    what: str
    phase: int
    mu: float
    sigma: float
    sigma_method: str


def _tw_series(values: Any, subgroups: Any | None, target: float | None, sigma: float | None) -> _TwSeries:
    """The series of a time-weighted chart with its target and σ: given (Phase II) or from the data (Phase I)."""
    xs, sizes, labels, what = _series_for_tw(values, subgroups)
    phase = 2 if (target is not None and sigma is not None) else 1
    if phase == 1 and xs.size < 2:
        raise err("single_subgroup", "只有 1 个点，无法估计控制限", "a single point cannot estimate control limits", "values")
    mu = finite_float(target, "target") if target is not None else float(np.average(xs, weights=sizes))
    if sigma is not None:
        sig, how = finite_float(sigma, "sigma"), "given"
    else:
        sig, how = _tw_sigma(values, subgroups)
    if sig <= 0:
        raise err("out_of_range", "σ 必须 > 0", "sigma must be > 0", "sigma")
    return _TwSeries(xs, sizes, labels, what, phase, mu, sig, how)


def ewma_chart(
    values: Any,
    subgroups: Any | None = None,
    *,
    lam: float = 0.2,
    L: float = 3.0,
    target: float | None = None,
    sigma: float | None = None,
    limits: str = "exact",
) -> ControlChart:
    """EWMA chart (指数加权移动平均控制图): z_t = λ x_t + (1 − λ) z_{t−1}, z_0 = target.

    Limits target ± L σ_x √(λ/(2−λ) [1 − (1−λ)^{2t}]) (``limits='exact'``) or the asymptotic form.
    """
    lam_ = float(finite_float(lam, "lambda"))
    if not 0 < lam_ <= 1:
        raise err("out_of_range", f"λ 必须在 (0, 1] 内：{lam}", f"lambda must lie in (0, 1]: {lam}", "lambda")
    L_ = float(finite_float(L, "L"))
    tw = _tw_series(values, subgroups, target, sigma)
    xs, labels, what, phase, mu, sig, how = tw.xs, tw.labels, tw.what, tw.phase, tw.mu, tw.sigma, tw.sigma_method
    sx = sig / np.sqrt(tw.sizes)
    # recursive filter, vectorised: scipy.signal would also do; use lfilter for speed
    from scipy.signal import lfilter

    z, _ = lfilter([lam_], [1.0, -(1.0 - lam_)], xs, zi=[(1.0 - lam_) * mu])
    t = np.arange(1, xs.size + 1)
    if limits == "asymptotic":
        width = L_ * sx * math.sqrt(lam_ / (2 - lam_))
    elif limits == "exact":
        width = L_ * sx * np.sqrt(lam_ / (2 - lam_) * (1 - (1 - lam_) ** (2 * t)))
    else:
        raise err("out_of_range", "limits 只能是 exact 或 asymptotic", "limits must be exact or asymptotic", "limits")
    width = np.broadcast_to(width, xs.shape).astype(float)
    panel = ChartPanel("ewma", np.asarray(z, dtype=float), _const(mu, xs.size), mu + width, mu - width, width / L_, (1,), labels)
    params = {"lambda": lam_, "L": L_, "target": mu, "sigma": sig, "sigma_method": how, "statistic_of": what, "limits": limits}
    return ControlChart("ewma", phase, [panel], params, [], [CONSTANTS_NOTE])


def cusum_chart(
    values: Any,
    subgroups: Any | None = None,
    *,
    k: float = 0.5,
    h: float = 4.0,
    target: float | None = None,
    sigma: float | None = None,
) -> ControlChart:
    """Tabular CUSUM (累积和控制图), k and h in units of σ of the plotted statistic.

    C⁺_t = max(0, x_t − (μ0 + kσ) + C⁺_{t−1}); C⁻_t = max(0, (μ0 − kσ) − x_t + C⁻_{t−1}); signal when > hσ.
    """
    k_ = float(finite_float(k, "k"))
    h_ = float(finite_float(h, "h"))
    if k_ < 0 or h_ <= 0:
        raise err("out_of_range", "k 须 ≥ 0，h 须 > 0", "k must be >= 0 and h > 0", "h")
    tw = _tw_series(values, subgroups, target, sigma)
    xs, labels, what, phase, mu, sig, how = tw.xs, tw.labels, tw.what, tw.phase, tw.mu, tw.sigma, tw.sigma_method
    sx = sig / np.sqrt(tw.sizes)
    up = _cusum_pass(xs - (mu + k_ * sx))
    lo = _cusum_pass((mu - k_ * sx) - xs)
    hx = h_ * sx
    n = xs.size
    pu = ChartPanel("cusum_upper", up, np.zeros(n), hx, np.zeros(n), hx / 3.0, (1,), labels)
    pl = ChartPanel("cusum_lower", -lo, np.zeros(n), np.zeros(n), -hx, hx / 3.0, (1,), labels)
    params = {"k": k_, "h": h_, "target": mu, "sigma": sig, "sigma_method": how, "statistic_of": what}
    notes = ["lower CUSUM is plotted as −C⁻ (signals below −hσ)"]
    return ControlChart("cusum", phase, [pu, pl], params, [], notes)


def _cusum_pass(inc: np.ndarray) -> np.ndarray:
    """S_t = max(0, S_{t−1} + inc_t), vectorised via the running-minimum identity."""
    c = np.cumsum(inc)
    run_min = np.minimum.accumulate(np.concatenate(([0.0], c)))[1:]
    return c - np.minimum(run_min, 0.0)


# ---------------------------------------------------------------- dispatcher


def control_chart(
    chart_type: str,
    values: Any,
    *,
    subgroups: Any | None = None,
    sizes: Any | None = None,
    center: float | None = None,
    sigma: float | None = None,
    lam: float = 0.2,
    L: float = 3.0,
    k: float = 0.5,
    h: float = 4.0,
    rules: Sequence[int] | None = None,
    drop_out_of_control: bool = False,
) -> ControlChart:
    """One entry point for every chart type (used by the API and the CLI)."""
    t = str(chart_type).lower()
    if t in ("xbar-r", "xbar-s"):
        return xbar_chart(values, subgroups, kind=t[-1], center=center, sigma=sigma, rules=rules, drop_out_of_control=drop_out_of_control)
    if t == "imr":
        return imr_chart(values, center=center, sigma=sigma, rules=rules, labels=subgroups, drop_out_of_control=drop_out_of_control)
    if t in ("p", "np", "c", "u"):
        return attribute_chart(t, values, sizes, center=center, rules=rules, labels=subgroups, drop_out_of_control=drop_out_of_control)
    if t == "ewma":
        return ewma_chart(values, subgroups, lam=lam, L=L, target=center, sigma=sigma)
    if t == "cusum":
        return cusum_chart(values, subgroups, k=k, h=h, target=center, sigma=sigma)
    raise err("unknown_chart", f"未知控制图类型：{chart_type}（可选 {', '.join(CHART_TYPES)}）",
              f"unknown chart type: {chart_type} (choose {', '.join(CHART_TYPES)})", "type")
