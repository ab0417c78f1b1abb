"""Process capability (过程能力) — ISO 22514-2 / Montgomery ch. 8 conventions.

Within-subgroup σ (short term): R̄/d2 from subgroups (mean of R_i/d2(n_i)), or MR̄/d2(2) for
individual values. Overall σ (long term): sample standard deviation. Cp, Cpk use the within σ;
Pp, Ppk use the overall σ; Cpm = (USL − LSL) / (6 √(s² + (x̄ − T)²)).
Confidence intervals: χ² for Cp/Pp, Bissell (1990) normal approximation for Cpk/Ppk,
Boyles (1991) χ² with ν = N(1+a²)²/(1+2a²), a = (x̄−T)/s, for Cpm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy  # its submodules load on first use (scipy.stats costs ~0.7 s at every start of the CLI and server)

from zhijian.stats._fields import attrs
from zhijian.stats._validate import as_float_array, err, finite_float, group_labels
from zhijian.stats.spc import _group_stats
from zhijian.stats.spc_constants import _d2_of, d2


def anderson_darling(x: np.ndarray) -> tuple[float, float]:
    """Anderson–Darling normality test: (A², p-value).

    p-value from A*² = A²(1 + 0.75/n + 2.25/n²) with D'Agostino & Stephens (1986) Table 4.9
    (same formulas as R nortest::ad.test and Minitab).
    """
    n = x.size
    if n < 8:
        raise err("too_few_values", "Anderson-Darling 检验至少需要 8 个值", "the Anderson-Darling test needs at least 8 values", "values")
    z = np.sort((x - x.mean()) / x.std(ddof=1))
    i = np.arange(1, n + 1)
    a2 = float(-n - np.sum((2 * i - 1) * (scipy.stats.norm.logcdf(z) + scipy.stats.norm.logsf(z[::-1]))) / n)
    aa = a2 * (1 + 0.75 / n + 2.25 / n**2)
    if aa < 0.2:
        p = 1 - math.exp(-13.436 + 101.14 * aa - 223.73 * aa**2)
    elif aa < 0.34:
        p = 1 - math.exp(-8.318 + 42.796 * aa - 59.938 * aa**2)
    elif aa < 0.6:
        p = math.exp(0.9177 - 4.279 * aa - 1.38 * aa**2)
    elif aa < 10:
        p = math.exp(1.2937 - 5.709 * aa + 0.0186 * aa**2)
    else:
        p = 3.7e-24
    return a2, float(min(max(p, 0.0), 1.0))


@dataclass
class Capability:
    n: int
    mean: float
    sigma_within: float
    sigma_overall: float
    sigma_within_method: str
    lsl: float | None
    usl: float | None
    target: float | None
    indices: dict[str, float | None]
    intervals: dict[str, tuple[float, float] | None]
    ppm: dict[str, dict[str, float]]
    normality: dict[str, Any]
    confidence: float
    warnings: list[str] = field(default_factory=list)
    warnings_zh: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            **attrs(self, "n", "mean", "sigma_within", "sigma_overall", "sigma_within_method", "lsl", "usl", "target"),
            **self.indices,
            "confidence_level": self.confidence,
            "confidence_intervals": {k: (list(v) if v else None) for k, v in self.intervals.items()},
            **attrs(self, "ppm", "normality", "warnings", "warnings_zh"),
        }


def capability(
    values: Any,
    *,
    lsl: float | None = None,
    usl: float | None = None,
    subgroups: Any | None = None,
    target: float | None = None,
    confidence: float = 0.95,
) -> Capability:
    """Cp, Cpk, Pp, Ppk, Cpm with confidence intervals, expected and observed ppm, AD normality test."""
    x = as_float_array(values, "values", min_size=2)
    lo, hi, tgt = _spec(lsl, usl, target)
    if not 0 < confidence < 1:
        raise err("out_of_range", "置信水平须在 (0, 1) 内", "confidence must lie in (0, 1)", "confidence")
    n = x.size
    mean = float(x.mean())
    s_overall = float(x.std(ddof=1))
    s_within, method, df_within = _sigma_within(x, subgroups)
    if s_overall == 0 or s_within == 0:
        raise err("zero_variation", "数据无波动，无法计算能力指数", "the data have no variation; capability indices are undefined", "values")
    alpha = 1 - confidence
    zq = float(scipy.stats.norm.ppf(1 - alpha / 2))
    cp, cpk, cpu, cpl = _indices(mean, s_within, lo, hi)
    pp, ppk, ppu, ppl = _indices(mean, s_overall, lo, hi)
    cpm, cpm_ci = _cpm(n, mean, s_overall, lo, hi, tgt, alpha)
    obs_below = float(np.mean(x < lo) * 1e6) if lo is not None else 0.0
    obs_above = float(np.mean(x > hi) * 1e6) if hi is not None else 0.0
    normality, warnings, warnings_zh = _normality(x)
    return Capability(
        n=n,
        mean=mean,
        sigma_within=s_within,
        sigma_overall=s_overall,
        sigma_within_method=method,
        lsl=lo,
        usl=hi,
        target=tgt,
        indices={"cp": cp, "cpk": cpk, "cpu": cpu, "cpl": cpl, "pp": pp, "ppk": ppk, "ppu": ppu, "ppl": ppl, "cpm": cpm},
        intervals={
            "cp": _chi_ci(cp, df_within, alpha),
            "cpk": _bissell(cpk, n, zq),
            "pp": _chi_ci(pp, n - 1, alpha),
            "ppk": _bissell(ppk, n, zq),
            "cpm": cpm_ci,
        },
        ppm={"expected_within": _ppm(mean, s_within, lo, hi), "expected_overall": _ppm(mean, s_overall, lo, hi),
             "observed": {"below_lsl": obs_below, "above_usl": obs_above, "total": obs_below + obs_above}},
        normality=normality,
        confidence=confidence,
        warnings=warnings,
        warnings_zh=warnings_zh,
    )


def _spec(lsl: Any, usl: Any, target: Any) -> tuple[float | None, float | None, float | None]:
    """The specification limits (规格限: at least one, LSL below USL) and the target, checked."""
    lo = finite_float(lsl, "lsl", allow_none=True)
    hi = finite_float(usl, "usl", allow_none=True)
    if lo is None and hi is None:
        raise err("spec_required", "至少需要规格下限或上限之一", "give at least one of lsl and usl", "usl")
    if lo is not None and hi is not None and lo >= hi:
        raise err("spec_order", f"规格下限 {lo} 必须小于上限 {hi}", f"lsl {lo} must be below usl {hi}", "lsl")
    return lo, hi, finite_float(target, "target", allow_none=True)


def _sigma_within(x: np.ndarray, subgroups: Any | None) -> tuple[float, str, float]:
    """Short-term σ, how it was estimated and its degrees of freedom: R̄/d2 per subgroup, or MR̄/d2(2)."""
    if subgroups is None:
        return float(np.mean(np.abs(np.diff(x))) / d2(2)), "MR-bar/d2(2)", float(x.size - 1)
    codes, labels = group_labels(subgroups, x.size, "subgroups")
    _m, ranges, _s, sizes = _group_stats(x, codes, len(labels))
    if (sizes < 2).any():
        raise err("subgroup_too_small", "子组容量须 ≥ 2", "subgroups need at least 2 values each", "subgroups")
    return float(np.mean(ranges / _d2_of(sizes))), "mean of R_i/d2(n_i)", float(np.sum(sizes - 1))


def _indices(mean: float, sig: float, lo: float | None,
             hi: float | None) -> tuple[float | None, float, float | None, float | None]:
    """(Cp, Cpk, Cpu, Cpl) for σ = `sig` (Pp, Ppk, Ppu, Ppl with the overall σ)."""
    cp = (hi - lo) / (6 * sig) if lo is not None and hi is not None else None
    cpu = (hi - mean) / (3 * sig) if hi is not None else None
    cpl = (mean - lo) / (3 * sig) if lo is not None else None
    cpk = min(v for v in (cpu, cpl) if v is not None)
    return cp, cpk, cpu, cpl


def _chi_ci(value: float | None, df: float, alpha: float) -> tuple[float, float] | None:
    """χ² interval for Cp / Pp."""
    if value is None:
        return None
    chi2 = scipy.stats.chi2
    return (value * math.sqrt(chi2.ppf(alpha / 2, df) / df), value * math.sqrt(chi2.ppf(1 - alpha / 2, df) / df))


def _bissell(value: float | None, count: int, zq: float) -> tuple[float, float] | None:
    """Bissell (1990) normal-approximation interval for Cpk / Ppk."""
    if value is None:
        return None
    half = zq * math.sqrt(1 / (9 * count) + value**2 / (2 * (count - 1)))
    return (value - half, value + half)


def _cpm(n: int, mean: float, s_overall: float, lo: float | None, hi: float | None, tgt: float | None,
         alpha: float) -> tuple[float | None, tuple[float, float] | None]:
    """Taguchi Cpm (two-sided specs only) and its Boyles (1991) χ² interval."""
    if lo is None or hi is None:
        return None, None
    t = tgt if tgt is not None else (lo + hi) / 2
    tau = math.sqrt(s_overall**2 + (mean - t) ** 2)
    cpm = (hi - lo) / (6 * tau)
    a = (mean - t) / s_overall
    nu = n * (1 + a * a) ** 2 / (1 + 2 * a * a)
    chi2 = scipy.stats.chi2
    return cpm, (cpm * math.sqrt(chi2.ppf(alpha / 2, nu) / nu), cpm * math.sqrt(chi2.ppf(1 - alpha / 2, nu) / nu))


def _ppm(mean: float, sig: float, lo: float | None, hi: float | None) -> dict[str, float]:
    """Expected parts per million outside the limits under a normal model with σ = `sig`."""
    below = float(scipy.stats.norm.cdf((lo - mean) / sig) * 1e6) if lo is not None else 0.0
    above = float(scipy.stats.norm.sf((hi - mean) / sig) * 1e6) if hi is not None else 0.0
    return {"below_lsl": below, "above_usl": above, "total": below + above}


def _normality(x: np.ndarray) -> tuple[dict[str, Any], list[str], list[str]]:
    """The Anderson–Darling test (8 values or more) and the warnings it gives, in English and Chinese."""
    warnings: list[str] = []
    warnings_zh: list[str] = []
    normality: dict[str, Any] = {"test": "Anderson-Darling"}
    if x.size >= 8:
        a2, p = anderson_darling(x)
        normality.update(statistic=a2, p_value=p, normal_at_5_percent=p >= 0.05)
        if p < 0.05:
            warnings.append(f"Anderson-Darling p = {p:.4g} < 0.05: the data do not look normal; normal-theory indices and ppm may mislead")
            warnings_zh.append(f"Anderson-Darling 检验 p = {p:.4g} < 0.05：数据不服从正态分布，基于正态的能力指数与 ppm 可能失真")
    else:
        normality.update(statistic=None, p_value=None, normal_at_5_percent=None)
        warnings.append("fewer than 8 values: normality not tested")
        warnings_zh.append("数据少于 8 个：未做正态性检验")
    return normality, warnings, warnings_zh
