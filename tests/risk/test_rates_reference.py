"""The rate detectors against R, month by month (tests/risk/reference/rates_reference.csv, made by make_reference.R).

Four seeded monthly spot-check series — x failing batches of n, national rate p0: `steady` (≈ 40 batches, the rate
doubles from month 36), `small` (0–5 batches a month, months with none, a burst), `over` (beta-binomial:
overdispersed) and `rare` (p0 = 1 %, ≈ 200 batches, a spike) — each with zhijian's default setting and one other:

- binomial LLR CUSUM ↔ `surveillance::categoricalCUSUM` with the binomial PMF (Höhle 2010), `ret = "value"` (S_t)
  and `ret = "cases"` (failing batches that would have raised the alarm), restart after each alarm;
- exact p-chart, Laney p′, EWMA of proportions ↔ their published formulas in base R (qbinom/pbinom/pnorm; sources in
  the script and in the docstrings of `zhijian.risk.rates`);
- Spiegelhalter funnel of 31 provinces (overdispersed with the pooled target, binomial with a given target) ↔ its
  formulas in base R (winsorised φ, additive τ²), `t` being the province.

Statistics, limits and p-values agree to 1e-9 (1e-6 is the bar), integer bounds exactly, every alarm flag.
The suite never runs R.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from zhijian.risk import rates, scan

REF = Path(__file__).parent / "reference" / "rates_reference.csv"
Key = tuple[str, str, str]


def _groups() -> dict[Key, list[dict[str, str]]]:
    g: dict[Key, list[dict[str, str]]] = defaultdict(list)
    with open(REF, newline="") as f:
        for r in csv.DictReader(f):
            g[(r["series"], r["method"], r["param"])].append(r)
    return dict(g)


GROUPS = _groups()


def _num(v: str) -> float:
    return math.nan if v in ("NA", "NaN", "") else float(v)


def _col(rows: list[dict[str, str]], name: str) -> np.ndarray:
    return np.array([_num(r[name]) for r in rows])


def _params(param: str) -> dict[str, float]:
    return {k: float(v) for k, v in (p.split("=") for p in param.split(";"))}


def _same(got: np.ndarray, want: np.ndarray, tol: float = 1e-9) -> None:
    got = np.asarray(got, dtype=float)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    ok = ~np.isnan(want)
    assert got[ok] == pytest.approx(want[ok], rel=tol, abs=tol)


def _keys(*methods: str) -> list[Key]:
    return sorted(k for k in GROUPS if k[1] in methods)


def test_reference_covers_every_series_and_setting() -> None:
    assert len(_keys("p_exact", "laney", "ewma", "cusum")) == 4 * 4 * 2
    assert len(_keys("funnel", "funnel_pooled")) == 4
    assert all(len(GROUPS[k]) == 48 for k in _keys("p_exact", "laney", "ewma", "cusum"))
    alarms = {m: sum(r["alarm"] == "1" for k in _keys(m) for r in GROUPS[k])
              for m in ("p_exact", "laney", "ewma", "cusum", "funnel", "funnel_pooled")}
    assert alarms == {"p_exact": 23, "laney": 18, "ewma": 38, "cusum": 17, "funnel": 4, "funnel_pooled": 6}
    small = GROUPS[("small", "p_exact", "alpha=0.0027")]
    assert sum(r["n"] == "0" for r in small) >= 5  # months without batches are in the test


@pytest.mark.parametrize("key", _keys("cusum"), ids="-".join)
def test_binomial_cusum_agrees_with_categoricalCUSUM(key: Key) -> None:  # noqa: N802
    rows = GROUPS[key]
    x, n, p0 = _col(rows, "x"), _col(rows, "n"), float(rows[0]["p0"])
    P = _params(key[2])
    ch = rates.binomial_cusum(x, n, p0, h=P["h"], odds_ratio=P["odds_ratio"])
    _same(ch.stat, _col(rows, "stat"))
    assert ch.alarm.astype(int).tolist() == [int(r["alarm"]) for r in rows]
    assert np.all(ch.ucl == P["h"])
    cases = rates.binomial_cusum_cases(ch, n, p0, odds_ratio=P["odds_ratio"])
    assert np.array_equal(np.isnan(cases), np.isnan(_col(rows, "cases")))
    assert cases[~np.isnan(cases)].tolist() == _col(rows, "cases")[~np.isnan(cases)].tolist()


def test_cusum_reference_restarts_after_alarms() -> None:
    over = GROUPS[("over", "cusum", "h=4;odds_ratio=2")]
    hits = [i for i, r in enumerate(over) if r["alarm"] == "1"]
    assert len(hits) == 4
    assert all(float(over[i + 1]["stat"]) < float(over[i]["stat"]) for i in hits if i + 1 < len(over))


def test_cusum_cases_vectorised_over_series() -> None:
    """Two series at once give row by row the same cases as one at a time."""
    a, b = GROUPS[("steady", "cusum", "h=4;odds_ratio=2")], GROUPS[("rare", "cusum", "h=4;odds_ratio=2")]
    X, N = np.vstack([_col(a, "x"), _col(b, "x")]), np.vstack([_col(a, "n"), _col(b, "n")])
    p0 = np.array([0.06, 0.01])
    cases = rates.binomial_cusum_cases(rates.binomial_cusum(X, N, p0, h=4.0), N, p0)
    _same(cases[0], _col(a, "cases"))
    _same(cases[1], _col(b, "cases"))


@pytest.mark.parametrize("key", _keys("p_exact"), ids="-".join)
def test_exact_p_chart_agrees(key: Key) -> None:
    rows = GROUPS[key]
    x, n, p0 = _col(rows, "x"), _col(rows, "n"), float(rows[0]["p0"])
    alpha = _params(key[2])["alpha"]
    want = [int(r["alarm"]) for r in rows]
    for ch in (rates.p_chart_exact(x, n, p0, alpha), scan._p_exact_rows(x[None, :], n[None, :], np.array([p0]), alpha)):
        stat, lcl, ucl = (np.ravel(v) for v in (ch.stat, ch.lcl, ch.ucl))
        has = n > 0
        _same(stat, _col(rows, "stat"))
        _same(np.ravel(ch.p_value), _col(rows, "p_value"))
        _same(lcl[has], _col(rows, "lcl")[has])
        _same(ucl[has], _col(rows, "ucl")[has])
        assert np.ravel(ch.alarm).astype(int).tolist() == want
    assert np.isnan(rates.p_chart_exact(x, n, p0, alpha).ucl[n == 0]).all()  # no limit without batches


@pytest.mark.parametrize("key", _keys("laney"), ids="-".join)
def test_laney_p_prime_agrees(key: Key) -> None:
    rows = GROUPS[key]
    x, n = _col(rows, "x"), _col(rows, "n")
    ch = rates.laney_p_prime(x, n, L=_params(key[2])["L"])
    for name in ("center", "lcl", "ucl", "stat", "p_value"):
        _same(getattr(ch, name), _col(rows, name))
    assert ch.alarm.astype(int).tolist() == [int(r["alarm"]) for r in rows]


def test_laney_sigma_z_on_the_overdispersed_series() -> None:
    rows = GROUPS[("over", "laney", "L=3")]
    x, n = _col(rows, "x"), _col(rows, "n")
    pbar, ucl = float(rows[0]["center"]), _col(rows, "ucl")
    sz = (ucl[0] - pbar) / (3 * math.sqrt(pbar * (1 - pbar) / n[0]))  # σ_z as R's limits imply it
    assert rates.laney_sigma_z(x, n) == pytest.approx(sz, rel=1e-9)
    assert sz > 1.3  # overdispersed: Laney widens the limits, the exact p-chart alarms in 3 months, Laney in none
    assert sum(r["alarm"] == "1" for r in GROUPS[("over", "p_exact", "alpha=0.0027")]) == 3
    assert sum(r["alarm"] == "1" for r in rows) == 0


@pytest.mark.parametrize("key", _keys("ewma"), ids="-".join)
def test_ewma_agrees(key: Key) -> None:
    rows = GROUPS[key]
    x, n, p0 = _col(rows, "x"), _col(rows, "n"), float(rows[0]["p0"])
    P = _params(key[2])
    ch = rates.ewma_rate(x, n, p0, lam=P["lambda"], L=P["L"])
    for name in ("center", "lcl", "ucl", "stat", "p_value"):
        _same(getattr(ch, name), _col(rows, name))
    assert ch.alarm.astype(int).tolist() == [int(r["alarm"]) for r in rows]


@pytest.mark.parametrize("key", _keys("funnel", "funnel_pooled"), ids="-".join)
def test_funnel_agrees(key: Key) -> None:
    rows = GROUPS[key]
    x, n = _col(rows, "x"), _col(rows, "n")
    alpha = _params(key[2])["alpha"]
    target = None if key[1] == "funnel_pooled" else float(rows[0]["p0"])
    fu = rates.funnel(x, n, target, alpha=alpha)
    assert fu.target == pytest.approx(float(rows[0]["center"]), rel=1e-12)
    assert fu.phi == pytest.approx(float(rows[0]["phi"]), rel=1e-9)
    assert fu.tau2 == pytest.approx(float(rows[0]["tau2"]), rel=1e-9, abs=1e-15)
    _same(fu.z, _col(rows, "z"))
    _same(fu.z_adj, _col(rows, "stat"))
    _same(fu.p_value, _col(rows, "p_value"))
    lo, hi = fu.limits(n, 1 - alpha)
    _same(lo, _col(rows, "lcl"))
    _same(hi, _col(rows, "ucl"))
    assert fu.alarm.astype(int).tolist() == [int(r["alarm"]) for r in rows]
    assert fu.alarm_warn.astype(int).tolist() == [int(r["warn"]) for r in rows]


def test_funnel_finds_the_planted_provinces() -> None:
    """The provinces given a rate of 15 % (4 and 17 among the overdispersed, 9 among the binomial ones) are the
    alarms at the 99.8 % limits; the overdispersed set's τ² (9.3e-4) is ten times the binomial set's (9.4e-5, left
    by the planted outlier and chance)."""
    over = GROUPS[("provinces_over", "funnel_pooled", "alpha=0.002")]
    binom = GROUPS[("provinces_binomial", "funnel", "alpha=0.002")]
    assert [int(r["t"]) for r in over if r["alarm"] == "1"] == [4, 17]
    assert [int(r["t"]) for r in binom if r["alarm"] == "1"] == [9]
    assert float(over[0]["tau2"]) == pytest.approx(9.27028e-4, rel=1e-5)
    assert float(binom[0]["tau2"]) == pytest.approx(9.39691e-5, rel=1e-5)
