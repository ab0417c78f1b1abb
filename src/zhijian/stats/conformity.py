"""Conformity decisions with measurement uncertainty (符合性判定) — ILAC-G8:09/2019, JCGM 106:2012.

Rules:
* ``simple`` — simple acceptance (ILAC-G8 §4.2.1, guard band w = 0): pass inside the limits, fail outside.
* ``guarded`` — guarded acceptance with w = r·U (ILAC-G8 §4.2.2–4.2.3), non-binary statement:
  pass when the value lies inside the limits by at least w, conditional pass inside the limits but
  within w of one, conditional fail outside by less than w, fail outside by w or more.

Probability of conformance (JCGM 106 §7, normal measurand with standard uncertainty u = U/k):
p_c = Φ((T_U − y)/u) − Φ((T_L − y)/u).

A value exactly on a limit or on a guard-band boundary goes to the favourable side when
``on_limit='pass'`` (limits inclusive, the GB/T 8170 reading of ≤ / ≥) and to the unfavourable
side when ``on_limit='fail'``; the convention is stated in every decision.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import scipy  # its submodules load on first use (scipy.stats costs ~0.7 s at every start of the CLI and server)

from zhijian.stats._validate import as_float_array, err, finite_float

Outcome = Literal["pass", "conditional_pass", "conditional_fail", "fail"]
OUTCOME_ZH = {"pass": "合格", "conditional_pass": "有条件合格", "conditional_fail": "有条件不合格", "fail": "不合格"}


@dataclass(frozen=True)
class ConformityDecision:
    """The verdict on one measured value (单项判定) with the rule that produced it."""

    value: float
    outcome: Outcome
    outcome_zh: str
    conforms: bool
    probability_of_conformance: float | None
    rule: str
    rule_text: str
    rule_text_zh: str
    lower: float | None
    upper: float | None
    expanded_uncertainty: float | None
    coverage_factor: float
    standard_uncertainty: float | None
    guard_factor: float
    guard_band: float
    acceptance_lower: float | None
    acceptance_upper: float | None
    on_limit: str
    on_boundary: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _check(lower: float | None, upper: float | None, expanded_uncertainty: float | None, coverage_factor: float,
           rule: str, guard_factor: float, on_limit: str) -> tuple[float | None, float | None, float | None, float, float]:
    lo = finite_float(lower, "lower", allow_none=True)
    hi = finite_float(upper, "upper", allow_none=True)
    if lo is None and hi is None:
        raise err("limit_required", "至少需要下限或上限之一", "give a lower limit, an upper limit or both", "upper")
    if lo is not None and hi is not None and lo > hi:
        raise err("limit_order", f"下限 {lo} 大于上限 {hi}", f"lower limit {lo} is above upper limit {hi}", "lower")
    big_u = finite_float(expanded_uncertainty, "expanded_uncertainty", allow_none=True)
    if big_u is not None and big_u < 0:
        raise err("out_of_range", "扩展不确定度不能为负", "expanded uncertainty cannot be negative", "expanded_uncertainty")
    k = float(finite_float(coverage_factor, "coverage_factor"))
    if k <= 0:
        raise err("out_of_range", "包含因子须 > 0", "coverage factor must be > 0", "coverage_factor")
    r = float(finite_float(guard_factor, "guard_factor"))
    if r < 0:
        raise err("out_of_range", "保护带系数不能为负", "guard factor cannot be negative", "guard_factor")
    if rule not in ("simple", "guarded"):
        raise err("unknown_rule", f"判定规则无效：{rule}（simple 或 guarded）", f"invalid decision rule: {rule} (simple or guarded)", "rule")
    if on_limit not in ("pass", "fail"):
        raise err("unknown_convention", f"限值处约定无效：{on_limit}（pass 或 fail）", f"invalid on-limit convention: {on_limit} (pass or fail)", "on_limit")
    if rule == "guarded" and big_u is None:
        raise err("uncertainty_required", "保护带判定需要扩展不确定度 U", "guarded acceptance needs the expanded uncertainty U", "expanded_uncertainty")
    return lo, hi, big_u, k, r


def _inside(v: np.ndarray, lo: float | None, hi: float | None, inclusive: bool) -> np.ndarray:
    ok = np.ones(v.shape, dtype=bool)
    if lo is not None:
        ok &= (v >= lo) if inclusive else (v > lo)
    if hi is not None:
        ok &= (v <= hi) if inclusive else (v < hi)
    return ok


def _decide(v: np.ndarray, lo: float | None, hi: float | None, w: float, rule: str, on_limit: str) -> tuple[np.ndarray, np.ndarray]:
    inclusive = on_limit == "pass"
    within = _inside(v, lo, hi, inclusive)
    codes = np.where(within, 0, 3)  # 0 pass, 1 conditional pass, 2 conditional fail, 3 fail
    bounds = [b for b in (lo, hi) if b is not None]
    if rule == "guarded" and w > 0:
        a_lo = lo + w if lo is not None else None
        a_hi = hi - w if hi is not None else None
        r_lo = lo - w if lo is not None else None
        r_hi = hi + w if hi is not None else None
        empty = a_lo is not None and a_hi is not None and a_lo > a_hi  # guard bands overlap: no pass zone
        inner = np.zeros(v.shape, bool) if empty else _inside(v, a_lo, a_hi, inclusive)
        # a value on a boundary goes to the favourable zone when on_limit == 'pass'
        outer = _inside(v, r_lo, r_hi, inclusive)
        codes = np.where(inner, 0, np.where(within, 1, np.where(outer, 2, 3)))
        bounds += [b for b in (a_lo, a_hi, r_lo, r_hi) if b is not None]
    on_boundary = np.zeros(v.shape, dtype=bool)
    for b in bounds:
        on_boundary |= v == b
    return codes, on_boundary


_NAMES: tuple[Outcome, ...] = ("pass", "conditional_pass", "conditional_fail", "fail")


def probability_of_conformance(value: Any, lower: float | None, upper: float | None, standard_uncertainty: float) -> np.ndarray:
    """p_c for a normal measurand, y = value, u = standard uncertainty (JCGM 106 eq. 7.3 ff.)."""
    y = np.asarray(value, dtype=float)
    if standard_uncertainty == 0:
        return _inside(y, lower, upper, True).astype(float)
    hi = scipy.stats.norm.cdf((upper - y) / standard_uncertainty) if upper is not None else 1.0
    lo = scipy.stats.norm.cdf((lower - y) / standard_uncertainty) if lower is not None else 0.0
    return np.asarray(hi - lo, dtype=float)


def _rule_text(rule: str, w: float, r: float, on_limit: str) -> tuple[str, str]:
    lim_en = "a value exactly on a limit or boundary passes (limits inclusive)" if on_limit == "pass" else "a value exactly on a limit or boundary fails (limits exclusive)"
    lim_zh = "恰在限值或边界上的值判为有利一侧（含限值）" if on_limit == "pass" else "恰在限值或边界上的值判为不利一侧（不含限值）"
    if rule == "simple":
        return (
            f"simple acceptance (ILAC-G8:09/2019 §4.2.1, guard band w = 0): pass inside the limits, fail outside; {lim_en}",
            f"简单接受规则（ILAC-G8:09/2019 4.2.1，保护带 w = 0）：限值内合格，限值外不合格；{lim_zh}",
        )
    return (
        f"guarded acceptance (ILAC-G8:09/2019 §4.2.2-4.2.3), w = r·U = {r:g} × U = {w:g}: pass inside the limits by at least w, "
        f"conditional pass inside within w of a limit, conditional fail outside by less than w, fail outside by w or more; {lim_en}",
        f"保护带判定规则（ILAC-G8:09/2019 4.2.2–4.2.3），w = r·U = {r:g} × U = {w:g}：距限值内侧 ≥ w 合格，限值内但距限值 < w 有条件合格，"
        f"限值外但超出 < w 有条件不合格，超出 ≥ w 不合格；{lim_zh}",
    )


def judge_value(
    value: float,
    *,
    lower: float | None = None,
    upper: float | None = None,
    expanded_uncertainty: float | None = None,
    coverage_factor: float = 2.0,
    rule: Literal["simple", "guarded"] = "simple",
    guard_factor: float = 1.0,
    on_limit: Literal["pass", "fail"] = "pass",
) -> ConformityDecision:
    """Judge one measured value against a lower, upper or two-sided limit."""
    v = float(finite_float(value, "value"))
    lo, hi, big_u, k, r = _check(lower, upper, expanded_uncertainty, coverage_factor, rule, guard_factor, on_limit)
    w = r * big_u if (rule == "guarded" and big_u is not None) else 0.0
    codes, boundary = _decide(np.array([v]), lo, hi, w, rule, on_limit)
    outcome = _NAMES[int(codes[0])]
    u = big_u / k if big_u is not None else None
    pc = float(probability_of_conformance(v, lo, hi, u)[()]) if u is not None else None
    text, text_zh = _rule_text(rule, w, r, on_limit)
    return ConformityDecision(
        value=v,
        outcome=outcome,
        outcome_zh=OUTCOME_ZH[outcome],
        conforms=outcome in ("pass", "conditional_pass"),
        probability_of_conformance=pc,
        rule=rule,
        rule_text=text,
        rule_text_zh=text_zh,
        lower=lo,
        upper=hi,
        expanded_uncertainty=big_u,
        coverage_factor=k,
        standard_uncertainty=u,
        guard_factor=r if rule == "guarded" else 0.0,
        guard_band=w,
        acceptance_lower=(lo + w) if lo is not None else None,
        acceptance_upper=(hi - w) if hi is not None else None,
        on_limit=on_limit,
        on_boundary=bool(boundary[0]),
    )


def judge_values(
    values: Any,
    *,
    lower: float | None = None,
    upper: float | None = None,
    expanded_uncertainty: float | None = None,
    coverage_factor: float = 2.0,
    rule: Literal["simple", "guarded"] = "simple",
    guard_factor: float = 1.0,
    on_limit: Literal["pass", "fail"] = "pass",
) -> dict[str, Any]:
    """Vectorised form for bulk judgement (批量判定): outcomes and p_c as lists, one rule for all."""
    v = as_float_array(values, "values")
    lo, hi, big_u, k, r = _check(lower, upper, expanded_uncertainty, coverage_factor, rule, guard_factor, on_limit)
    w = r * big_u if (rule == "guarded" and big_u is not None) else 0.0
    codes, boundary = _decide(v, lo, hi, w, rule, on_limit)
    u = big_u / k if big_u is not None else None
    text, text_zh = _rule_text(rule, w, r, on_limit)
    return {
        "outcomes": [_NAMES[int(c)] for c in codes],
        "probability_of_conformance": probability_of_conformance(v, lo, hi, u).tolist() if u is not None else None,
        "on_boundary": boundary.tolist(),
        "rule": rule,
        "rule_text": text,
        "rule_text_zh": text_zh,
        "guard_band": w,
        "on_limit": on_limit,
    }
