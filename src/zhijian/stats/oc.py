"""Operating characteristic curves (OC 曲线) of attribute sampling plans.

Pa(p) = P(d ≤ Ac): binomial for a process / large lot, hypergeometric for a finite lot of size N
(D = round(p·N) nonconforming items in the lot), Poisson for nonconformities per unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import scipy  # its submodules load on first use (scipy.stats costs ~0.7 s at every start of the CLI and server)

from zhijian.stats._fields import attrs
from zhijian.stats._validate import err, positive_int, probabilities

Distribution = Literal["binomial", "hypergeometric", "poisson"]


def _check_plan(n: Any, c: Any) -> tuple[int, int]:
    n_ = positive_int(n, "sample_size", minimum=1)
    c_ = positive_int(c, "acceptance", minimum=0)
    if c_ >= n_ + 1:
        raise err("acceptance_too_large", f"接收数 {c_} 超过样本量 {n_}", f"acceptance number {c_} exceeds sample size {n_}", "acceptance")
    return n_, c_


def probability_of_acceptance(
    n: int,
    c: int,
    p: Any,
    *,
    lot_size: int | None = None,
    distribution: Distribution | None = None,
) -> np.ndarray:
    """Pa for a single plan (n, Ac=c) at each p (vectorised; 接收概率)."""
    n_, c_ = _check_plan(n, c)
    dist = distribution or ("hypergeometric" if lot_size is not None else "binomial")
    pa: np.ndarray
    if dist == "poisson":
        pa = scipy.stats.poisson.cdf(c_, n_ * _nonneg(p))
        return pa
    pp = probabilities(p, "p")
    if dist == "binomial":
        pa = scipy.stats.binom.cdf(c_, n_, pp)
        return pa
    if dist == "hypergeometric":
        if lot_size is None:
            raise err("lot_size_required", "超几何分布需要批量", "the hypergeometric model needs lot_size", "lot_size")
        big_n = positive_int(lot_size, "lot_size", minimum=1)
        if n_ > big_n:
            raise err("sample_exceeds_lot", f"样本量 {n_} 超过批量 {big_n}", f"sample size {n_} exceeds lot size {big_n}", "sample_size")
        defects = np.rint(pp * big_n).astype(np.int64)
        return _hyper_pa(c_, big_n, defects, n_)
    raise err("unknown_distribution", f"未知分布：{dist}", f"unknown distribution: {dist}", "distribution")


def _hyper_pa(c: int, big_n: int, defects: Any, n: int) -> np.ndarray:
    """P(d ≤ c) for d ~ Hypergeometric(N, D, n), as a sum of c + 1 vectorised pmf terms (fast for small c)."""
    d = np.asarray(defects)
    if c >= n:
        return np.ones(d.shape)
    dd = np.atleast_1d(d).astype(float)[None, :]
    k = np.arange(c + 1, dtype=float)[:, None]

    def log_choose(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ok = (b >= 0) & (b <= a)
        with np.errstate(invalid="ignore"):
            out = scipy.special.gammaln(a + 1) - scipy.special.gammaln(b + 1) - scipy.special.gammaln(a - b + 1)
        chosen: np.ndarray = np.where(ok, out, -np.inf)
        return chosen

    logp = log_choose(dd, k) + log_choose(big_n - dd, n - k) - log_choose(np.array(float(big_n)), np.array(float(n)))
    pa: np.ndarray = np.minimum(1.0, np.exp(logp).sum(axis=0)).reshape(d.shape)
    return pa


def _nonneg(p: Any) -> np.ndarray:
    from zhijian.stats._validate import as_float_array

    arr = as_float_array(p, "p")
    if (arr < 0).any():
        raise err("p_out_of_range", "每单位不合格数不能为负", "nonconformities per unit cannot be negative", "p")
    return arr


def probability_of_acceptance_double(
    n1: int, ac1: int, re1: int, n2: int, ac2: int, p: Any
) -> np.ndarray:
    """Pa of a double plan (二次抽样), binomial model.

    Pa = P(d1 ≤ Ac1) + Σ_{d1=Ac1+1}^{Re1−1} P(d1)·P(d2 ≤ Ac2 − d1).
    """
    n1_, a1 = _check_plan(n1, ac1)
    n2_, a2 = _check_plan(n2, ac2)
    r1 = positive_int(re1, "re1", minimum=a1 + 1)
    pp = probabilities(p, "p")
    pa: np.ndarray = scipy.stats.binom.cdf(a1, n1_, pp)
    for d1 in range(a1 + 1, r1):
        if a2 - d1 < 0:
            continue
        pa = pa + scipy.stats.binom.pmf(d1, n1_, pp) * scipy.stats.binom.cdf(a2 - d1, n2_, pp)
    return pa


def p_at_pa(n: int, c: int, pa: float, *, lot_size: int | None = None) -> float:
    """Quality level p at which Pa equals ``pa`` (e.g. 0.95 → producer's point, 0.10 → LQ/LTPD).

    Binomial: exact inverse through the beta distribution, p = B⁻¹(1 − Pa; c + 1, n − c).
    Hypergeometric: Pa is a step function of D; returns the largest D/N with Pa ≥ pa when
    pa ≥ 0.5 (producer side) and the smallest D/N with Pa ≤ pa otherwise (consumer side).
    """
    n_, c_ = _check_plan(n, c)
    if not 0.0 < pa < 1.0:
        raise err("p_out_of_range", f"Pa 必须在 (0, 1) 内：{pa}", f"Pa must lie in (0, 1): {pa}", "pa")
    if lot_size is None:
        if c_ >= n_:
            return 1.0
        return float(scipy.stats.beta.ppf(1.0 - pa, c_ + 1, n_ - c_))
    big_n = positive_int(lot_size, "lot_size", minimum=n_)

    def pa_of(d: int) -> float:
        return float(_hyper_pa(c_, big_n, d, n_))

    # Pa(D) does not increase with D: bisection on the integer D.
    if pa >= 0.5:  # largest D with Pa(D) >= pa
        if pa_of(0) < pa:
            return 0.0
        lo, hi = 0, big_n
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if pa_of(mid) >= pa:
                lo = mid
            else:
                hi = mid - 1
        return lo / big_n
    if pa_of(big_n) > pa:  # smallest D with Pa(D) <= pa
        return 1.0
    lo, hi = 0, big_n
    while lo < hi:
        mid = (lo + hi) // 2
        if pa_of(mid) <= pa:
            hi = mid
        else:
            lo = mid + 1
    return lo / big_n


@dataclass(frozen=True)
class OCCurve:
    """An OC curve with its two classical points."""

    sample_size: int
    acceptance_number: int
    distribution: str
    lot_size: int | None
    p: np.ndarray
    pa: np.ndarray
    p_at_pa_95: float
    p_at_pa_10: float

    def to_dict(self) -> dict[str, Any]:
        return {
            **attrs(self, "sample_size", "acceptance_number", "distribution", "lot_size"),
            "points": [{"p": float(a), "pa": float(b)} for a, b in zip(self.p, self.pa, strict=True)],
            **attrs(self, "p_at_pa_95", "p_at_pa_10"),
        }


def oc_curve(
    n: int,
    c: int,
    p: Any = None,
    *,
    lot_size: int | None = None,
    points: int = 101,
) -> OCCurve:
    """OC curve of a single plan; without ``p`` a grid from 0 to where Pa ≈ 0.001 is used."""
    n_, c_ = _check_plan(n, c)
    if p is None:
        top = min(1.0, 1.1 * p_at_pa(n_, c_, 0.001)) if c_ < n_ else 1.0
        grid = np.linspace(0.0, top, positive_int(points, "points", minimum=2))
    else:
        grid = probabilities(p, "p")
    pa = probability_of_acceptance(n_, c_, grid, lot_size=lot_size)
    return OCCurve(
        sample_size=n_,
        acceptance_number=c_,
        distribution="hypergeometric" if lot_size is not None else "binomial",
        lot_size=lot_size,
        p=grid,
        pa=np.asarray(pa, dtype=float),
        p_at_pa_95=p_at_pa(n_, c_, 0.95, lot_size=lot_size),
        p_at_pa_10=p_at_pa(n_, c_, 0.10, lot_size=lot_size),
    )
