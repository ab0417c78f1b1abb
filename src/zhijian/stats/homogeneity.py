"""Homogeneity and stability of proficiency-test items (均匀性与稳定性检验) — ISO 13528:2015 Annex B.

Homogeneity (B.2, B.3): g items drawn at random, m ≥ 2 replicate measurements each.
x̄_t = item means, s_x = SD of the item means, s_w = within-item SD (for m = 2: s_w² = Σ w_t² / 2g with
w_t the replicate range), s_s² = max(0, s_x² − s_w²/m) the between-items variance.
Criterion (B.2.2): s_s ≤ 0.3 σ_pt. Expanded criterion (B.2.3): s_s² ≤ c = F1 σ_allow² + F2 s_w² with
σ_allow² = (0.3 σ_pt)², F1 = χ²_{0.95, g−1}/(g − 1), F2 = (F_{0.95; g−1, g(m−1)} − 1)/m (ISO 13528:2015
Table B.1 lists them for m = 2: g = 10 → F1 = 1.88, F2 = 1.01). When the check fails, B.2.4 allows σ_pt to be
widened to √(σ_pt² + s_s²) and u(x_pt) to include s_s.

Stability (B.5): |ȳ_1 − ȳ_2| ≤ 0.3 σ_pt (means before and after, or at the start and the end of the round);
the expanded form adds 2·√(u²(ȳ_1) + u²(ȳ_2)) when the measurement uncertainty is not negligible.
Pure: numbers in, a frozen dataclass out; bad input raises a ``stats.*`` StatsError naming the field.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from zhijian.stats._validate import as_float_array, err, finite_float


@dataclass(frozen=True)
class Homogeneity:
    """Result of the homogeneity check (均匀性检验) with both criteria."""

    g: int
    m: int
    general_mean: float
    s_x: float
    s_w: float
    s_s: float
    sigma_pt: float
    limit: float  # 0.3 σ_pt
    passes: bool  # s_s ≤ 0.3 σ_pt (B.2.2)
    f1: float
    f2: float
    c: float  # F1 σ_allow² + F2 s_w² (B.2.3)
    passes_expanded: bool  # s_s² ≤ c
    sigma_pt_widened: float  # √(σ_pt² + s_s²) (B.2.4), for when the check fails
    sw_ratio_ok: bool  # s_w ≤ 0.5 σ_pt: the method is precise enough for the check (B.2.2 note)
    verdict_zh: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _items(measurements: Sequence[Sequence[Any]]) -> np.ndarray:
    rows = list(measurements)
    if len(rows) < 2:
        raise err("too_few_values", "均匀性检验至少需要 2 个样品", "a homogeneity check needs at least 2 items",
                  "measurements")
    widths = {len(list(r)) for r in rows}
    if len(widths) != 1:
        raise err("unbalanced", "每个样品的重复测定次数应相同", "every item needs the same number of replicates",
                  "measurements")
    m = widths.pop()
    if m < 2:
        raise err("too_few_values", "每个样品至少需要 2 次重复测定", "each item needs at least 2 replicates",
                  "measurements")
    flat = as_float_array([v for r in rows for v in r], "measurements", min_size=4)
    return flat.reshape(len(rows), m)


def f_factors(g: int, m: int = 2) -> tuple[float, float]:
    """F1 and F2 of ISO 13528:2015 B.2.3 (Table B.1 for m = 2) computed from the χ² and F distributions."""
    from scipy import stats as sps

    if g < 2:
        raise err("too_few_values", "至少需要 2 个样品", "at least 2 items are needed", "measurements")
    f1 = float(sps.chi2.ppf(0.95, g - 1)) / (g - 1)
    f2 = (float(sps.f.ppf(0.95, g - 1, g * (m - 1))) - 1.0) / m
    return f1, f2


def homogeneity(measurements: Sequence[Sequence[Any]], sigma_pt: float) -> Homogeneity:
    """ISO 13528:2015 B.2/B.3 homogeneity check of g items × m replicates against σ_pt."""
    x = _items(measurements)
    sp = finite_float(sigma_pt, "sigma_pt")
    if sp <= 0:
        raise err("out_of_range", "σ_pt 必须大于 0", "σ_pt must be greater than 0", "sigma_pt")
    g, m = x.shape
    means = x.mean(axis=1)
    s_x = float(means.std(ddof=1))
    s_w = float(math.sqrt(float(x.var(axis=1, ddof=1).mean())))  # = √(Σw²/2g) for m = 2
    ss2 = max(0.0, s_x**2 - s_w**2 / m)
    s_s = math.sqrt(ss2)
    limit = 0.3 * sp
    f1, f2 = f_factors(g, m)
    c = f1 * limit**2 + f2 * s_w**2
    passes = s_s <= limit
    passes_expanded = ss2 <= c
    if passes:
        verdict = f"均匀：s_s = {s_s:.4g} ≤ 0.3σ_pt = {limit:.4g}（ISO 13528:2015 B.2.2）"
    elif passes_expanded:
        verdict = f"按扩展判据均匀：s_s² = {ss2:.4g} ≤ c = {c:.4g}（B.2.3）"
    else:
        verdict = (f"不均匀：s_s = {s_s:.4g} > 0.3σ_pt = {limit:.4g}，可将 σ_pt 扩大为 "
                   f"{math.sqrt(sp**2 + ss2):.4g}（B.2.4）或重新制备样品")
    return Homogeneity(g, m, float(means.mean()), s_x, s_w, s_s, sp, limit, passes, f1, f2, c, passes_expanded,
                       math.sqrt(sp**2 + ss2), s_w <= 0.5 * sp, verdict)


@dataclass(frozen=True)
class Stability:
    """Result of the stability check (稳定性检验, ISO 13528:2015 B.5)."""

    mean_first: float
    mean_second: float
    difference: float
    limit: float  # 0.3 σ_pt
    limit_expanded: float  # 0.3 σ_pt + 2√(u1² + u2²)
    passes: bool
    passes_expanded: bool
    u_stab: float  # |difference|/√3 when included in u(x_pt) (B.5.3)
    verdict_zh: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def stability(first: Sequence[Any], second: Sequence[Any], sigma_pt: float) -> Stability:
    """Means of the measurements at the first and the second time compared with 0.3 σ_pt (B.5.1, B.5.2)."""
    a = as_float_array(first, "first", min_size=2)
    b = as_float_array(second, "second", min_size=2)
    sp = finite_float(sigma_pt, "sigma_pt")
    if sp <= 0:
        raise err("out_of_range", "σ_pt 必须大于 0", "σ_pt must be greater than 0", "sigma_pt")
    m1, m2 = float(a.mean()), float(b.mean())
    diff = abs(m1 - m2)
    u = math.sqrt(float(a.var(ddof=1)) / a.size + float(b.var(ddof=1)) / b.size)
    limit = 0.3 * sp
    limit_x = limit + 2.0 * u
    ok, ok_x = diff <= limit, diff <= limit_x
    verdict = (f"稳定：|ȳ1 − ȳ2| = {diff:.4g} ≤ 0.3σ_pt = {limit:.4g}（ISO 13528:2015 B.5.1）" if ok else
               f"按扩展判据稳定：{diff:.4g} ≤ {limit_x:.4g}（B.5.2）" if ok_x else
               f"不稳定：|ȳ1 − ȳ2| = {diff:.4g} > {limit_x:.4g}")
    return Stability(m1, m2, diff, limit, limit_x, ok, ok_x, diff / math.sqrt(3.0), verdict)
