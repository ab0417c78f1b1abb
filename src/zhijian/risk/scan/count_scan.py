"""Complaint counts per week (投诉举报周计数, pure): improved Farrington where a series has b years of history, EARS
C1/C2/C3 otherwise, and the Poisson CUSUM against the year before; per category × province and per product."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from zhijian.risk import counts
from zhijian.risk.scan import base
from zhijian.risk.scan.arrays import ComplaintArrays
from zhijian.risk.scan.base import Config, Configs, SignalDraft

Meta = Callable[[int], dict[str, Any]]


@dataclass(frozen=True)
class _Window:
    """The weeks kept: W weeks from w0 to w_last (the last complete week); `hist` weeks make a history."""

    w0: int
    W: int
    w_last: int
    hist: int
    lookback: int


@dataclass(frozen=True)
class _CountSeries:
    """Weekly counts Y (series × weeks of the window) of one kind of series (category × province, or product)."""

    Y: np.ndarray
    ukeys: np.ndarray
    keys: list[str]
    first: np.ndarray  # the week of each series' first complaint, over all rows
    has_hist: np.ndarray
    ev: Callable[..., list[int]]
    meta: Meta


def _farrington_params(P: dict[str, Any]) -> counts.FarringtonParams:
    return counts.FarringtonParams(b=int(P["b"]), w=int(P["w"]), alpha=float(P["alpha"]),
                                   no_periods=int(P["no_periods"]), reweight_threshold=float(P["reweight_threshold"]),
                                   limit_cases=int(P["limit_cases"]), limit_periods=int(P["limit_periods"]))


def scan_counts(c: ComplaintArrays, cfgs: Configs, as_of: dt.date,
                progress: Callable[[str], None] | None = None) -> tuple[list[SignalDraft], dict[str, Any]]:
    """Weekly complaint counts per category × province and per product: improved Farrington where the
    series has b years of history, EARS C1/C2/C3 otherwise, and the Poisson CUSUM against the mean of the
    year before wherever that year exists; only the last complete week(s) are judged."""
    default = cfgs.for_series("count", "*") or Config(list(base.DEFAULTS["count"]["methods"]),
                                                      dict(base.DEFAULTS["count"]["params"]))
    P0 = default.params
    hist = counts.min_history(_farrington_params(P0))
    w_last = base.week_index(as_of) - 1  # the last complete week
    W = hist + 1 + 8  # weeks kept
    win = _Window(w0=w_last - W + 1, W=W, w_last=w_last, hist=hist, lookback=int(P0.get("lookback", 1)))
    keep = (c.week >= win.w0) & (c.week <= w_last)
    if P0.get("exclude_unjustified", True):
        keep &= c.justified != 0
    summary: dict[str, Any] = {"weeks": [base.week_label(w) for w in range(w_last - 25, w_last + 1)]}
    if not keep.any():
        summary["weekly_total"] = [0] * 26
        return [], summary
    wk = c.week[keep] - win.w0
    summary["weekly_total"] = np.bincount(wk, minlength=W)[-26:].astype(int).tolist()
    drafts: list[SignalDraft] = []
    for prefix, key_arr, meta, all_keys in _series_sets(c, keep, P0):
        s = _count_series(c, keep, wk, win, prefix, key_arr, meta, all_keys)
        if s is None:
            continue
        if progress:
            progress(f"counts:{prefix}")
        for cfg, ix in base.group_by_config(cfgs, "count", s.keys):
            drafts += _group_drafts(s, win, cfg, ix)
    return drafts, summary


def _series_sets(c: ComplaintArrays, keep: np.ndarray, P0: dict[str, Any],
                 ) -> list[tuple[str, np.ndarray, Meta, np.ndarray]]:
    """The kinds of series: category × province (always) and product (`product_series`); per kind the key of each
    kept row, the series' labels, and the key of every row (for the history)."""
    cat_ok = c.category_id[keep] >= 0
    combo = np.where(cat_ok, c.category_id[keep] * 100 + c.province[keep], -1)
    sets: list[tuple[str, np.ndarray, Meta, np.ndarray]] = [
        ("cat", combo, lambda k: {"category_id": int(k // 100), "region_code": base.province_code(int(k % 100))},
         c.category_id * 100 + c.province)]
    if P0.get("product_series", True):
        sets.append(("prod", c.product_id[keep], lambda k: {"product_id": int(k)}, c.product_id))
    return sets


def _count_series(c: ComplaintArrays, keep: np.ndarray, wk: np.ndarray, win: _Window, prefix: str,
                  key_arr: np.ndarray, meta: Meta, all_keys: np.ndarray) -> _CountSeries | None:
    """Weekly counts per series (set-based) and each series' first week over all complaints, not only the window."""
    ok = key_arr >= 0
    if not ok.any():
        return None
    W = win.W
    ukeys, sidx = np.unique(key_arr[ok], return_inverse=True)
    S = ukeys.size
    Y = np.bincount(sidx * W + wk[ok], minlength=S * W).reshape(S, W).astype(float)
    first = np.full(S, np.iinfo(np.int64).max)
    pos = np.searchsorted(ukeys, all_keys)
    valid = (pos < S) & (all_keys >= 0)
    valid[valid] &= ukeys[pos[valid]] == all_keys[valid]
    np.minimum.at(first, pos[valid], c.week[valid])
    keys = [f"{prefix}:{int(k)}" if prefix == "prod" else base.rate_key(int(k // 100), int(k % 100)) for k in ukeys]
    return _CountSeries(Y=Y, ukeys=ukeys, keys=keys, first=first, has_hist=first <= (win.w_last - win.hist),
                        ev=base.evidence_index(sidx * W + wk[ok], c.complaint_id[keep][ok]), meta=meta)


def _group_drafts(s: _CountSeries, win: _Window, cfg: Config, ix: np.ndarray) -> list[SignalDraft]:
    """The configured detectors on one group of series: EARS where there is no history, the CUSUM, Farrington."""
    P = cfg.params
    out: list[SignalDraft] = []
    short = ix[~s.has_hist[ix]]
    for m in ("ears_c1", "ears_c2", "ears_c3"):
        if m in cfg.methods and short.size:
            out += _ears_drafts(s, win, m, P, short)
    if "count_cusum" in cfg.methods:
        out += _count_cusum_drafts(s.Y, ix, s.first - win.w0, P, s.keys, s.ukeys, s.meta, s.ev, win.w0, win.W,
                                   win.lookback)
    if "farrington" in cfg.methods:
        out += _farrington_drafts(s, win, P, ix)
    return out


def _ears_drafts(s: _CountSeries, win: _Window, m: str, P: dict[str, Any], short: np.ndarray) -> list[SignalDraft]:
    """EARS C1/C2/C3 (vectorised) on the series without enough history for Farrington."""
    W, lookback = win.W, win.lookback
    res = counts.ears(s.Y[short], m[-2:].upper(), baseline=int(P["ears_baseline"]), min_sigma=float(P["min_sigma"]))
    out: list[SignalDraft] = []
    for gi, tt in zip(*np.nonzero(res.alarm[:, W - lookback:]), strict=True):
        t = W - lookback + int(tt)
        si = int(short[gi])
        out.append(SignalDraft(
            kind="count", method=m, series_key=s.keys[si], period=base.week_label(win.w0 + t),
            observed=float(s.Y[si, t]), expected=base.finite(res.expected[gi, t]),
            threshold=base.finite(res.upper[gi, t]) if m != "ears_c3" else res.threshold,
            score=base.finite(res.stat[gi, t]), p_value=None,
            params={"baseline": int(P["ears_baseline"]), "lag": 0 if m == "ears_c1" else 2,
                    "threshold": res.threshold, "min_sigma": float(P["min_sigma"])},
            evidence={"complaint_ids": s.ev(si * W + t)}, sampling_basis="complaints",
            **s.meta(int(s.ukeys[si]))))
    return out


def _farrington_drafts(s: _CountSeries, win: _Window, P: dict[str, Any], ix: np.ndarray) -> list[SignalDraft]:
    """Improved Farrington on the series with history; the low-count rule makes an alarm impossible below
    limit_cases in the last limit_periods weeks, so only the others are fitted."""
    W, lookback = win.W, win.lookback
    fpp = _farrington_params(P)
    recent = s.Y[ix, W - int(P["limit_periods"]):].sum(axis=1)
    cand = ix[s.has_hist[ix] & (recent >= fpp.limit_cases)]
    out: list[SignalDraft] = []
    if cand.size == 0:
        return out
    for t in range(W - lookback, W):
        fb = counts.farrington_batch(s.Y[cand, : t + 1], fpp)
        for k in np.flatnonzero(fb.alarm):
            si = int(cand[k])
            out.append(SignalDraft(
                kind="count", method="farrington", series_key=s.keys[si], period=base.week_label(win.w0 + t),
                observed=float(fb.observed[k]), expected=float(fb.expected[k]), threshold=float(fb.upper[k]),
                score=base.finite(fb.score[k]), p_value=float(fb.p_value[k]),
                params={**fpp.as_dict(), "phi": float(fb.phi[k]), "trend": bool(fb.trend_used[k])},
                evidence={"complaint_ids": s.ev(si * W + t)}, sampling_basis="complaints",
                **s.meta(int(s.ukeys[si]))))
    return out


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
            kind="count", method="count_cusum", series_key=keys[si], period=base.week_label(w0 + t),
            observed=float(Y[si, t]), expected=base.finite(res.expected[gi, t]), threshold=base.finite(res.upper[gi, t]),
            score=base.finite(res.stat[gi, t]), p_value=None,
            params={"kappa": kappa, "h": h, "baseline": baseline, "lag": lag,
                    "reference_value": base.finite(res.reference[gi, t])},
            evidence={"complaint_ids": ids, "run_start": base.week_label(w0 + run0),
                      "run_counts": Y[si, run0:t + 1].astype(int).tolist()},
            sampling_basis="complaints", **meta(int(ukeys[si]))))
    return out
