"""Control-chart constants (控制图系数) d2, d3, c4 and the A/B/D/E factors, for any subgroup size.

Computed from their definitions — numerical integration of the distribution of the range of n standard normal
variables — so the values are exact, not the 3-decimal tables of textbooks and R's qcc (they differ in the
4th–5th figure). Split from ``spc`` because the charts and capability (``capability``) both use them.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import scipy  # its submodules load on first use (scipy.stats costs ~0.7 s at every start of the CLI and server)

from zhijian.stats._validate import err, positive_int

# ---------------------------------------------------------------- constants (控制图系数)

_X = np.linspace(-12.0, 12.0, 2401)  # trapezoid on a smooth, fast-decaying integrand: spectrally accurate
_W_MAX = 26.0  # 1 − F(26) < 1e-16 for every n up to 10⁴
_GL_T, _GL_W = np.polynomial.legendre.leggauss(200)
_W_NODES = 0.5 * _W_MAX * (_GL_T + 1.0)
_W_WEIGHTS = 0.5 * _W_MAX * _GL_W


@lru_cache(maxsize=1)
def _normal_on_grid() -> tuple[np.ndarray, np.ndarray]:
    """(Φ, φ) on the x grid, computed at first use (scipy.stats is loaded only then)."""
    return scipy.stats.norm.cdf(_X), scipy.stats.norm.pdf(_X)


@lru_cache(maxsize=1)
def _spacings() -> np.ndarray:
    """Φ(x + w) − Φ(x) on the (w-node × x) grid, shared by every n."""
    phi = _normal_on_grid()[0]
    grid: np.ndarray = np.clip(scipy.stats.norm.cdf(_X[None, :] + _W_NODES[:, None]) - phi[None, :], 0.0, 1.0)
    return grid


def _range_cdf_nodes(n: int) -> np.ndarray:
    """P(R ≤ w) at the w nodes for the range of n iid N(0,1): n ∫ φ(x) [Φ(x+w) − Φ(x)]^{n−1} dx."""
    pdf = _normal_on_grid()[1]
    cdf: np.ndarray = np.minimum(1.0, n * np.trapezoid(pdf[None, :] * _spacings() ** (n - 1), _X, axis=1))
    return cdf


@lru_cache(maxsize=256)
def _range_moments(n: int) -> tuple[float, float]:
    """(E[R], E[R²]) of the range of n standard normal variables.

    E[R] = ∫₀^∞ (1 − F(w)) dw and E[R²] = ∫₀^∞ 2w (1 − F(w)) dw, Gauss–Legendre on [0, 26] where
    1 − F is below 1e-16 (F by the trapezoid rule in x, spectrally accurate for this smooth integrand).
    """
    if n < 2:
        raise err("subgroup_too_small", "极差需要子组容量 ≥ 2", "the range needs subgroups of size >= 2", "subgroup_size")
    surv = 1.0 - _range_cdf_nodes(n)
    return float(np.sum(_W_WEIGHTS * surv)), float(np.sum(_W_WEIGHTS * 2.0 * _W_NODES * surv))


def d2(n: int) -> float:
    """d2(n) = E[R/σ], mean of the relative range (极差系数)."""
    return _range_moments(positive_int(n, "subgroup_size", minimum=2))[0]


def d3(n: int) -> float:
    """d3(n) = SD[R/σ]."""
    m1, m2 = _range_moments(positive_int(n, "subgroup_size", minimum=2))
    return math.sqrt(max(m2 - m1 * m1, 0.0))


def _d2_of(sizes: np.ndarray) -> np.ndarray:
    """d2 for each subgroup size (vectorised over repeated sizes)."""
    uniq, inv = np.unique(np.asarray(sizes, dtype=np.int64), return_inverse=True)
    return np.array([d2(int(k)) for k in uniq])[inv]


def c4(n: int) -> float:
    """c4(n) = E[s]/σ = √(2/(n−1)) Γ(n/2)/Γ((n−1)/2)."""
    n_ = positive_int(n, "subgroup_size", minimum=2)
    return math.sqrt(2.0 / (n_ - 1)) * math.exp(scipy.special.gammaln(n_ / 2) - scipy.special.gammaln((n_ - 1) / 2))


def constants(n: int) -> dict[str, float]:
    """All Shewhart factors for subgroup size n (ISO 7870-2 Table 2 notation)."""
    a, b, c = d2(n), d3(n), c4(n)
    root = math.sqrt(1.0 - c * c)
    return {
        "n": n,
        "d2": a,
        "d3": b,
        "c4": c,
        "A": 3.0 / math.sqrt(n),
        "A2": 3.0 / (a * math.sqrt(n)),
        "A3": 3.0 / (c * math.sqrt(n)),
        "B3": max(0.0, 1.0 - 3.0 * root / c),
        "B4": 1.0 + 3.0 * root / c,
        "B5": max(0.0, c - 3.0 * root),
        "B6": c + 3.0 * root,
        "D1": max(0.0, a - 3.0 * b),
        "D2": a + 3.0 * b,
        "D3": max(0.0, 1.0 - 3.0 * b / a),
        "D4": 1.0 + 3.0 * b / a,
        "E2": 3.0 / a,
    }
