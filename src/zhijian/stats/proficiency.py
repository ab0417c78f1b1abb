"""Proficiency-testing statistics (能力验证) — ISO 13528:2022.

Algorithm A (C.3.1): x* = median, s* = 1.483·median|x − x*|; repeat δ = 1.5 s*, winsorise to
[x* − δ, x* + δ], x* = mean, s* = 1.134·SD of the winsorised data. Stopping rule (explicit): stop when
neither s* nor x* changes in the third significant figure of s* (the "equivalent figure" of x*) from
one iteration to the next; ``stopping='converged'`` iterates to machine precision instead.

Scores (§9): z = (x − x_pt)/σ_pt; z′ = (x − x_pt)/√(σ_pt² + u²(x_pt)); ζ = (x − x_pt)/√(u²(x) + u²(x_pt));
En = (x − x_pt)/√(U²(x) + U²(x_pt)). u(x_pt) = 1.25·s*/√p when x_pt is the robust mean (§7.7.3).
Signals: |z| ≤ 2 satisfactory, 2 < |z| < 3 questionable (warning), |z| ≥ 3 unsatisfactory (action);
|En| ≤ 1 satisfactory, |En| > 1 unsatisfactory — |En| exactly 1.0 follows ``en_limit`` (default satisfactory).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

from zhijian.stats._fields import attrs
from zhijian.stats._validate import as_float_array, err, finite_float

SIGNAL_ZH = {"satisfactory": "满意", "questionable": "有问题", "unsatisfactory": "不满意", None: None}


@dataclass(frozen=True)
class RobustEstimate:
    """Result of Algorithm A (稳健平均值与稳健标准差)."""

    x_star: float
    s_star: float
    iterations: int
    stopping_rule: str
    history: tuple[tuple[float, float], ...]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["history"] = [list(h) for h in self.history]
        return d


def _third_sig_decimals(s: float) -> int:
    """Decimals that keep the third significant figure of s."""
    if s == 0:
        return 12
    return 2 - int(math.floor(math.log10(abs(s))))


def algorithm_a(
    values: Any,
    *,
    stopping: Literal["third_significant_figure", "converged"] = "third_significant_figure",
    max_iterations: int = 100,
) -> RobustEstimate:
    """ISO 13528:2022 Algorithm A with an explicit stopping rule."""
    x = as_float_array(values, "results", min_size=3)
    if stopping not in ("third_significant_figure", "converged"):
        raise err("unknown_stopping_rule", f"停止规则无效：{stopping}", f"invalid stopping rule: {stopping}", "stopping")
    xs = float(np.median(x))
    ss = 1.483 * float(np.median(np.abs(x - xs)))
    history = [(xs, ss)]
    rule_text = (
        "stop when x* and s* no longer change in the third significant figure of s* (ISO 13528:2022 C.3.1)"
        if stopping == "third_significant_figure"
        else "iterate until x* and s* change by less than 1e-12 relative (full convergence)"
    )
    if ss == 0:
        return RobustEstimate(xs, 0.0, 0, rule_text + "; s* = 0 at the start (more than half the results equal): x* = median", tuple(history))
    it = 0
    for it in range(1, max_iterations + 1):  # noqa: B007
        delta = 1.5 * ss
        w = np.clip(x, xs - delta, xs + delta)
        new_x = float(w.mean())
        new_s = 1.134 * float(w.std(ddof=1))
        history.append((new_x, new_s))
        if stopping == "third_significant_figure":
            dec = _third_sig_decimals(new_s)
            done = round(new_x, dec) == round(xs, dec) and round(new_s, dec) == round(ss, dec)
        else:
            done = abs(new_x - xs) <= 1e-12 * max(abs(xs), 1e-300) + 1e-15 and abs(new_s - ss) <= 1e-12 * max(ss, 1e-300)
        xs, ss = new_x, new_s
        if done:
            break
    return RobustEstimate(xs, ss, it, rule_text, tuple(history))


def z_signal(z: float | None) -> str | None:
    if z is None or not math.isfinite(z):
        return None
    a = abs(z)
    if a <= 2.0:
        return "satisfactory"
    if a < 3.0:
        return "questionable"
    return "unsatisfactory"


def en_signal(en: float | None, en_limit: str = "satisfactory") -> str | None:
    if en is None or not math.isfinite(en):
        return None
    a = abs(en)
    if a < 1.0:
        return "satisfactory"
    if a > 1.0:
        return "unsatisfactory"
    return en_limit


@dataclass
class ParticipantScore:
    participant: str
    result: float
    standard_uncertainty: float | None
    z: float
    z_prime: float
    zeta: float | None
    en: float | None
    z_signal: str | None
    z_prime_signal: str | None
    zeta_signal: str | None
    en_signal: str | None
    signal_zh: str | None


@dataclass
class PTResult:
    assigned_value: float
    assigned_value_source: str
    u_assigned: float
    sigma_pt: float
    sigma_pt_source: str
    robust: RobustEstimate | None
    participants: list[ParticipantScore]
    en_limit: str
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            **attrs(self, "assigned_value", "assigned_value_source", "u_assigned"),
            "x_star": self.robust.x_star if self.robust else None,
            "s_star": self.robust.s_star if self.robust else None,
            "algorithm_a": self.robust.to_dict() if self.robust else None,
            **attrs(self, "sigma_pt", "sigma_pt_source"),
            "p": len(self.participants),
            "en_limit_convention": f"|En| exactly 1.0 is {self.en_limit}",
            "signal_rules": "|z| <= 2 satisfactory; 2 < |z| < 3 questionable; |z| >= 3 unsatisfactory (same for z' and zeta); |En| <= 1 satisfactory, > 1 unsatisfactory",
            "participants": [asdict(p) for p in self.participants],
            "notes": self.notes,
        }


def score_participants(
    results: Any,
    *,
    participants: Sequence[str] | None = None,
    expanded_uncertainties: Any | None = None,
    coverage_factors: Any | None = None,
    assigned: float | None = None,
    assigned_expanded_uncertainty: float | None = None,
    sigma_pt: float | None = None,
    en_limit: Literal["satisfactory", "unsatisfactory"] = "satisfactory",
    stopping: Literal["third_significant_figure", "converged"] = "third_significant_figure",
) -> PTResult:
    """Assigned value, s*, u(x_pt) and each participant's z, z′, ζ, En and signal."""
    x = as_float_array(results, "result", min_size=1)
    p = x.size
    names = [str(n) for n in participants] if participants is not None else [str(i + 1) for i in range(p)]
    if len(names) != p:
        raise err("length_mismatch", "参加者与结果个数不一致", "participants and results differ in length", "participant")
    if en_limit not in ("satisfactory", "unsatisfactory"):
        raise err("unknown_convention", f"|En| = 1 的约定无效：{en_limit}", f"invalid |En| = 1 convention: {en_limit}", "en_limit")
    notes: list[str] = []
    robust = None
    if assigned is None or sigma_pt is None:
        if p < 3:
            raise err("too_few_values", "稳健统计至少需要 3 个结果", "robust statistics need at least 3 results", "result")
        robust = algorithm_a(x, stopping=stopping)
    x_pt, src, u_pt = _assigned_value(x, robust, assigned, assigned_expanded_uncertainty, notes)
    if sigma_pt is None:
        assert robust is not None  # computed above whenever sigma_pt is not given
        sp, sp_src = robust.s_star, "robust standard deviation s* (Algorithm A)"
    else:
        sp, sp_src = finite_float(sigma_pt, "sigma_pt"), "given"
    if sp <= 0:
        raise err("zero_variation", "能力评定标准差 σ_pt 必须 > 0", "the standard deviation for proficiency assessment must be > 0", "sigma_pt")
    if u_pt > 0.3 * sp:
        notes.append("u(x_pt) > 0.3 σ_pt: ISO 13528 recommends z' instead of z (§9.5)")
    big_ux, u_x = _participant_uncertainties(expanded_uncertainties, coverage_factors, p)
    out = _scores(x, names, x_pt, u_pt, sp, big_ux, u_x, en_limit)
    return PTResult(x_pt, src, u_pt, sp, sp_src, robust, out, en_limit, notes)


def _assigned_value(x: np.ndarray, robust: Any, assigned: float | None, big_u: float | None,
                    notes: list[str]) -> tuple[float, str, float]:
    """x_pt (指定值), where it comes from and its standard uncertainty u(x_pt) (ISO 13528 §7.7, k = 2)."""
    if assigned is None:
        assert robust is not None  # computed by the caller whenever no assigned value is given
        if big_u is not None:
            notes.append("u(x_pt) taken from the given expanded uncertainty (k = 2)")
            return robust.x_star, "robust mean x* (Algorithm A)", finite_float(big_u, "assigned_uncertainty") / 2.0
        return robust.x_star, "robust mean x* (Algorithm A)", 1.25 * robust.s_star / math.sqrt(x.size)
    x_pt = finite_float(assigned, "assigned")
    if big_u is None:
        notes.append("no uncertainty given for the assigned value: u(x_pt) = 0")
        return x_pt, "given", 0.0
    big = finite_float(big_u, "assigned_uncertainty")
    if big < 0:
        raise err("out_of_range", "指定值不确定度不能为负", "the assigned-value uncertainty cannot be negative", "assigned_uncertainty")
    return x_pt, "given", big / 2.0


def _participant_uncertainties(expanded: Any | None, coverage: Any | None,
                               p: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Each participant's expanded uncertainty U and standard uncertainty u = U / k (k = 2 unless given)."""
    if expanded is None:
        return None, None
    big_ux = np.asarray([np.nan if (v is None or v == "") else float(v) for v in expanded], dtype=float)
    if big_ux.size != p:
        raise err("length_mismatch", "扩展不确定度与结果个数不一致", "expanded uncertainties and results differ in length", "expanded_uncertainty")
    if (big_ux[np.isfinite(big_ux)] < 0).any():
        raise err("out_of_range", "扩展不确定度不能为负", "expanded uncertainty cannot be negative", "expanded_uncertainty")
    kk = np.full(p, 2.0)
    if coverage is not None:
        kk = np.asarray([2.0 if (v is None or v == "") else float(v) for v in coverage], dtype=float)
        if kk.size != p or (kk <= 0).any() or not np.isfinite(kk).all():
            raise err("out_of_range", "包含因子须为正数", "coverage factors must be positive numbers", "coverage_factor")
    return big_ux, big_ux / kk


def _finite_at(a: np.ndarray | None, i: int) -> float | None:
    return float(a[i]) if a is not None and np.isfinite(a[i]) else None


def _scores(x: np.ndarray, names: list[str], x_pt: float, u_pt: float, sp: float, big_ux: np.ndarray | None,
            u_x: np.ndarray | None, en_limit: Literal["satisfactory", "unsatisfactory"]) -> list[ParticipantScore]:
    """z, z′, ζ and En of every participant with their signals (ISO 13528 §9.4–§9.7)."""
    dev = x - x_pt
    z = dev / sp
    zp = dev / math.sqrt(sp**2 + u_pt**2)
    zeta = dev / np.sqrt(u_x**2 + u_pt**2) if u_x is not None else None
    en = dev / np.sqrt(big_ux**2 + (2.0 * u_pt) ** 2) if big_ux is not None else None
    out = []
    for i in range(x.size):
        zi = float(z[i])
        zpi = float(zp[i])
        zti = _finite_at(zeta, i)
        eni = _finite_at(en, i)
        sig = z_signal(zi)
        out.append(
            ParticipantScore(
                participant=names[i],
                result=float(x[i]),
                standard_uncertainty=_finite_at(u_x, i),
                z=zi,
                z_prime=zpi,
                zeta=zti,
                en=eni,
                z_signal=sig,
                z_prime_signal=z_signal(zpi),
                zeta_signal=z_signal(zti),
                en_signal=en_signal(eni, en_limit),
                signal_zh=SIGNAL_ZH[sig],
            )
        )
    return out
