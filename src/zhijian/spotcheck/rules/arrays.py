"""The vectorised judgement of many items at once (`judge_arrays`): the same refusals and verdicts as `judge`, for
imports of 10^5 rows."""

from __future__ import annotations

import math

import numpy as np

from zhijian.platform.errors import DomainError
from zhijian.spotcheck.rules.judging import item_problems, round_gbt8170_array
from zhijian.spotcheck.rules.measured import Measured
from zhijian.spotcheck.rules.requirements import FAIL, INCONCLUSIVE, KIND_CODE, KINDS, MANUAL, PASS, QUALS, Requirement

V_PASS, V_FAIL, V_MANUAL, V_INCONCLUSIVE = 0, 1, 2, 3
CODE_VERDICT = (PASS, FAIL, MANUAL, INCONCLUSIVE)
QUAL_CODE = {q: i for i, q in enumerate(QUALS)}
LAB_CODE = {None: -1, PASS: 0, FAIL: 1}


def judge_arrays(kind: np.ndarray, lower: np.ndarray, upper: np.ndarray, value: np.ndarray,
                 not_detected: np.ndarray, *, lower_inclusive: np.ndarray | None = None,
                 upper_inclusive: np.ndarray | None = None, lod: np.ndarray | None = None,
                 uncertainty: np.ndarray | None = None, decimals: np.ndarray | None = None,
                 rounded: np.ndarray | None = None, guarded: bool = False, guard_factor: float = 1.0,
                 qual: np.ndarray | None = None, reported: np.ndarray | None = None,
                 lab_verdict: np.ndarray | None = None, plan_n: np.ndarray | None = None,
                 plan_c: np.ndarray | None = None, big_m: np.ndarray | None = None,
                 units: np.ndarray | None = None, unit_limits: np.ndarray | None = None,
                 unit_count: np.ndarray | None = None, field_prefix: str = "items.") -> np.ndarray:
    """Judge many items at once; codes 0 合格, 1 不合格, 2 待人工判定, 3 无法判定 (NaN limits mean 'none').

    Refuses (DomainError, field ``<prefix><i>.<field>``) the first item :func:`item_problems` would refuse.
    Longer than the house's 60 lines on purpose: one vectorised pass whose masks (has_value, lod_eff, the
    limits) feed both the refusals and every verdict branch; split, each part would take the same 20 arrays."""
    n = value.shape[0]
    kind = kind.astype(np.int8, copy=False)
    li = np.ones(n, bool) if lower_inclusive is None else lower_inclusive
    ui = np.ones(n, bool) if upper_inclusive is None else upper_inclusive
    lod = np.full(n, np.nan) if lod is None else lod
    rep = np.full(n, np.nan) if reported is None else reported
    unc = np.full(n, np.nan) if uncertainty is None else uncertainty
    q = np.zeros(n, np.int8) if qual is None else qual
    lab = np.full(n, -1, np.int8) if lab_verdict is None else lab_verdict
    ucount = np.zeros(n, np.int64) if unit_count is None else unit_count
    pn = np.zeros(n, np.int64) if plan_n is None else plan_n
    k_nd, k_eq, k_text, k_max = KIND_CODE["not_detected"], KIND_CODE["equals"], KIND_CODE["text"], KIND_CODE["max"]
    k_min, k_range, k_neg, k_plan = KIND_CODE["min"], KIND_CODE["range"], KIND_CODE["negative"], KIND_CODE["plan"]
    is_plan = kind == k_plan
    is_text = kind == k_text
    numeric_kind = (kind == k_max) | (kind == k_min) | (kind == k_range) | (kind == k_eq)
    has_value = ~np.isnan(value) & ~not_detected & (q == 0) & ~is_plan & ~is_text
    # refusals: the same list, in the same order, as item_problems()
    with np.errstate(invalid="ignore"):
        bad = ~np.isnan(unc) & ~(np.isfinite(unc) & (unc >= 0))
        bad |= ~np.isnan(lod) & ~(np.isfinite(lod) & (lod >= 0))
    bad |= is_plan & ((ucount == 0) | (ucount != pn))
    bad |= ~is_plan & (ucount > 0)
    bad |= numeric_kind & not_detected & np.isnan(rep) & np.isnan(lod)
    if guarded:
        bad |= ((kind == k_max) | (kind == k_min) | (kind == k_range)) & has_value & np.isnan(unc)
    bad |= is_text & (lab < 0)
    if bad.any():
        raise _array_problem(int(np.argmax(bad)), kind, lower, upper, li, ui, value, not_detected, q, lod, rep, unc,
                             lab, pn, plan_c, ucount, guarded, field_prefix)
    lod_eff = np.where(np.isnan(rep), lod, rep)
    v = value
    if rounded is not None and decimals is not None and rounded.any():
        v = np.where(rounded, round_gbt8170_array(value, decimals), value)
    big_u = np.nan_to_num(unc, nan=0.0)
    w = guard_factor * big_u if guarded else np.zeros(n)
    has_lo = ~np.isnan(lower)
    has_hi = ~np.isnan(upper)
    lo_f = np.where(has_lo, lower, -np.inf)
    hi_f = np.where(has_hi, upper, np.inf)
    with np.errstate(invalid="ignore"):
        below = np.where(w > 0, v < lo_f - w, (v < lo_f) | (~li & (v == lo_f)))
        above = np.where(w > 0, v > hi_f + w, (v > hi_f) | (~ui & (v == hi_f)))
        numeric_fail = below | above
        nd_limit_fail = np.where(has_hi, (v > hi_f) | (~ui & (v == hi_f)), ~(value < lod_eff))
        equals_fail = v != lo_f
    out = np.where(numeric_fail, V_FAIL, V_PASS)
    out = np.where(kind == k_nd, np.where(nd_limit_fail, V_FAIL, V_PASS), out)
    out = np.where(kind == k_eq, np.where(equals_fail, V_FAIL, V_PASS), out)
    out = np.where(kind == k_neg, V_INCONCLUSIVE, out)
    # results reported as 未检出 / "<x"
    with np.errstate(invalid="ignore"):
        nd_req = np.where(has_hi & ~np.isnan(lod_eff) & (lod_eff > hi_f), V_INCONCLUSIVE, V_PASS)
        nd_max = np.where(lod_eff <= hi_f, V_PASS, V_INCONCLUSIVE)
        nd_low = np.where(lod_eff <= np.where(has_lo, lo_f, np.inf), V_FAIL, V_INCONCLUSIVE)
    nd_out = np.where(kind == k_nd, nd_req, np.where(kind == k_neg, V_PASS, np.where(kind == k_max, nd_max, nd_low)))
    out = np.where(not_detected, nd_out, out)
    # qualitative results: 阴性 conforms to 阴性/不得检出, 检出/阳性 fail them; against a number: 无法判定
    qual_req = (kind == k_nd) | (kind == k_neg)
    out = np.where(q > 0, np.where(qual_req, np.where(q == QUAL_CODE["negative"], V_PASS, V_FAIL), V_INCONCLUSIVE), out)
    if is_plan.any():
        out = np.where(is_plan, _plan_arrays(upper, big_m, plan_c, units, unit_limits, ucount), out)
    out = np.where(is_text, np.where(lab == 1, V_FAIL, V_PASS), out)
    return out.astype(np.int8)


def _plan_arrays(m: np.ndarray, big_m: np.ndarray | None, c: np.ndarray | None, units: np.ndarray | None,
                 lims: np.ndarray | None, ucount: np.ndarray) -> np.ndarray:
    n = m.shape[0]
    assert units is not None and c is not None
    lims = np.full(units.shape, np.nan) if lims is None else lims
    big = np.full(n, np.nan) if big_m is None else big_m
    mm, bb = m[:, None], big[:, None]
    three = ~np.isnan(big)
    with np.errstate(invalid="ignore"):
        known = ~np.isnan(units)
        over_big = (known & (units > bb)).sum(axis=1)
        mid = (known & (units > mm) & (units <= bb)).sum(axis=1)
        over_m = (known & (units > mm)).sum(axis=1)
        unknown = (~known & ~np.isnan(lims) & (lims > mm)).sum(axis=1)
    fail = np.where(three, (over_big > 0) | (mid > c), over_m > c)
    return np.where(fail, V_FAIL, np.where(unknown > 0, V_INCONCLUSIVE, V_PASS))


def _array_problem(i: int, kind: np.ndarray, lower: np.ndarray, upper: np.ndarray, li: np.ndarray, ui: np.ndarray,
                   value: np.ndarray, nd: np.ndarray, q: np.ndarray, lod: np.ndarray, rep: np.ndarray,
                   unc: np.ndarray, lab: np.ndarray, pn: np.ndarray, pc: np.ndarray | None, ucount: np.ndarray,
                   guarded: bool, prefix: str) -> DomainError:
    """The refusal of item i, worded by item_problems() itself (so both forms give the same error)."""
    def f(x: float) -> float | None:
        return None if math.isnan(x) else float(x)

    k = KINDS[int(kind[i])]
    req = Requirement(k, lower=f(lower[i]), upper=f(upper[i]), lower_inclusive=bool(li[i]), upper_inclusive=bool(ui[i]),
                      n=int(pn[i]) if k == "plan" else None, c=int(pc[i]) if (k == "plan" and pc is not None) else None)
    has_val = not (math.isnan(value[i]) or nd[i] or q[i] or k in ("plan", "text"))
    measured = Measured(float(value[i]) if has_val else None, bool(nd[i]), "", QUALS[int(q[i])], f(rep[i]),
                        tuple([0.0] * int(ucount[i])) or None)
    lab_v = {-1: None, 0: PASS, 1: FAIL}[int(lab[i])]
    probs = item_problems(req, measured, lod=f(lod[i]), uncertainty=f(unc[i]), rule="guarded" if guarded else "simple",
                          lab_verdict=lab_v)
    assert probs, "judge_arrays refused an item that item_problems accepts"
    return probs[0].error(f"{prefix}{i}.")
