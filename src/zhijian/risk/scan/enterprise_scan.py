"""Enterprises (企业风险): empirical-Bayes shrinkage of each enterprise's non-conformity rate within its category."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from zhijian.risk import rates
from zhijian.risk.scan.arrays import ResultArrays
from zhijian.risk.scan.base import Configs, SignalDraft, evidence_index, month_index, month_label

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
    ev = evidence_index(idx[fail], bid[fail])
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
