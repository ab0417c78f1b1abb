"""EARS C1 / C2 / C3 against R surveillance's `earsC`, week by week.

tests/risk/reference/make_reference.R runs `earsC` (baseline 7; C1 lag 0, C2 and C3 lag 2) on the six weekly
series of series.csv and the sparse one of series_sparse.csv (≈ 0.2 a week: flat all-zero baselines) with zhijian's thresholds — k = 3 for C1/C2 and k = 2 for C3, i.e. `alpha = pnorm(-k)`,
since earsC alarms when y > mean + qnorm(1 − α)·max(sd, minSigma) — and with `minSigma` 0.5 (zhijian's default)
and 0 (the package's). C3 is there twice: `variant = "surveillance"` is `earsC` as published, whose C3 bound
y_t + S_t(z − p_{t−1} − p_{t−2}) ignores the week judged; `variant = "hutwagner"` is the C3 statistic as defined
by Hutwagner et al. (2003) and on the earsC help page, Σ_{i=t−2..t} max(0, C2_i − 1), computed in the same script
from base-R means and SDs (checked there against earsC's own C2 bound). zhijian's default is the definition;
`c3_rule="surveillance"` reproduces the package. Bounds and statistics agree to 1e-9 (±∞ and NaN where R has
them: minSigma = 0 on a flat baseline); every alarm flag is equal, R's NA alarm (an undefined C2, 0/0) being
no alarm.
The committed CSV is read here; R is never needed.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from zhijian.platform.errors import DomainError
from zhijian.risk import counts

REF = Path(__file__).parent / "reference"
Key = tuple[str, str, str, float]


def _series() -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for name in ("series.csv", "series_sparse.csv"):
        with open(REF / name, newline="") as f:
            rows = list(csv.DictReader(f))
        out |= {k: np.array([float(r[k]) for r in rows]) for k in rows[0] if k not in ("week", "population")}
    return out


def _reference() -> dict[Key, list[dict[str, str]]]:
    groups: dict[Key, list[dict[str, str]]] = defaultdict(list)
    with open(REF / "ears_reference.csv", newline="") as f:
        for r in csv.DictReader(f):
            groups[(r["series"], r["method"], r["variant"], float(r["min_sigma"]))].append(r)
    return dict(groups)


SERIES = _series()
GROUPS = _reference()


def _num(v: str) -> float:
    return math.nan if v in ("NA", "NaN", "") else float(v)


def _run(key: Key) -> tuple[list[dict[str, str]], counts.EarsResult, np.ndarray]:
    name, method, variant, ms = key
    rows = GROUPS[key]
    rule = "surveillance" if variant == "surveillance" else "hutwagner"
    res = counts.ears(SERIES[name], method, min_sigma=ms, c3_rule=rule)
    idx = np.array([int(r["t"]) - 1 for r in rows])  # R's 1-based week
    return rows, res, idx


def test_reference_covers_every_case() -> None:
    assert len(GROUPS) == 7 * 2 * 4  # 7 series × 2 minSigma × (C1, C2, C3 published, C3 defined)
    assert sum(len(v) for v in GROUPS.values()) == 12780
    assert sum(r["alarm"] == "1" for v in GROUPS.values() for r in v) == 1046
    assert sum(r["alarm"] == "NA" for v in GROUPS.values() for r in v) == 47  # minSigma 0, C2 = 0/0
    # the ranges earsC judges: from week baseline+1 (C1), +3 (C2), +5 (C3)
    first = {m: min(int(r["t"]) for k, v in GROUPS.items() if k[1] == m for r in v) for m in ("C1", "C2", "C3")}
    assert first == {"C1": 8, "C2": 10, "C3": 12}


@pytest.mark.parametrize("key", sorted(GROUPS), ids=lambda k: f"{k[0]}-{k[1]}-{k[2]}-ms{k[3]}")
def test_agrees_with_earsC(key: Key) -> None:  # noqa: N802
    rows, res, idx = _run(key)
    assert [float(r["observed"]) for r in rows] == SERIES[key[0]][idx].tolist()
    assert res.threshold == float(rows[0]["k"])
    if key[2] == "hutwagner":
        want = np.array([_num(r["stat"]) for r in rows])
        got = res.stat[idx]
    else:
        want = np.array([_num(r["upper"]) for r in rows])
        got = res.upper[idx]
    assert np.array_equal(np.isnan(got), np.isnan(want))
    fin = ~np.isnan(want)
    assert np.array_equal(np.isinf(got[fin]), np.isinf(want[fin]))
    ok = np.isfinite(want)
    assert got[ok] == pytest.approx(want[ok], rel=1e-9, abs=1e-9)
    assert res.alarm[idx].astype(int).tolist() == [0 if r["alarm"] == "NA" else int(r["alarm"]) for r in rows]
    assert not res.alarm[: idx[0]].any()  # nothing before the first week earsC can judge


def test_flat_window_without_min_sigma_alarms_like_earsC() -> None:  # noqa: N802
    """minSigma = 0 on the sparse series: a week above an all-zero baseline (sd = 0) has C1 = +∞ and earsC's bound is
    the baseline mean 0, so any complaint alarms: 5 such weeks for C1 and 9 for C2. The old code asked for a finite
    C1 and missed them (and with C3 turned an infinite C2 into NaN)."""
    for method, n_flat in (("C1", 5), ("C2", 9)):
        rows, res, idx = _run(("sparse", method, "surveillance", 0.0))
        hits = [i for i in idx if res.sd[i] == 0.0 and res.alarm[i]]
        assert len(hits) == n_flat
        assert all(np.isposinf(res.stat[i]) and res.upper[i] == 0.0 for i in hits)
    rows, res, idx = _run(("sparse", "C3", "hutwagner", 0.0))
    assert sum(bool(res.alarm[i]) and np.isposinf(res.stat[i]) for i in idx) == 7


def test_published_c3_misses_the_current_weeks_surge() -> None:
    """earsC's published C3 alarms only when the two previous weeks' parts already exceed z (and y_t > 0), so its
    alarms are a subset of the definition's: on the seven test series (min_sigma 0.5) it raises 138 alarms where
    C3 as defined raises 234; the 96 it misses are weeks whose own C2 carries C3 over k = 2."""
    pub_n = def_n = missed = 0
    for name in SERIES:
        pub = GROUPS[(name, "C3", "surveillance", 0.5)]
        dfn = GROUPS[(name, "C3", "hutwagner", 0.5)]
        for a, b in zip(pub, dfn, strict=True):
            assert not (a["alarm"] == "1" and b["alarm"] == "0")
            pub_n += a["alarm"] == "1"
            def_n += b["alarm"] == "1"
            missed += a["alarm"] == "0" and b["alarm"] == "1"
    assert (pub_n, def_n, missed) == (138, 234, 96)
    res = counts.ears([2, 3, 2, 3, 2, 3, 2, 2, 2, 2, 2, 12], "C3")  # quiet, then a surge in the last week
    assert res.alarm[-1] and not counts.ears([2, 3, 2, 3, 2, 3, 2, 2, 2, 2, 2, 12], "C3", c3_rule="surveillance").alarm[-1]


def test_c1_by_hand_and_the_k_alpha_mapping() -> None:
    """Baseline 1,2,3,1,2,3,2: mean 2, sd √(4/6); k = 3 ↔ earsC alpha = Φ(−3) = 0.0013499: bound 2 + 3·0.8165."""
    from scipy.stats import norm

    res = counts.ears([1, 2, 3, 1, 2, 3, 2, 5], "C1")
    assert res.upper[-1] == pytest.approx(2 + norm.ppf(1 - norm.cdf(-3)) * math.sqrt(4 / 6), abs=1e-12)
    assert bool(res.alarm[-1])


@pytest.mark.parametrize(("kw", "field"), [({"baseline": 2}, "baseline"), ({"min_sigma": -1.0}, "min_sigma"),
                                           ({"c3_rule": "cdc"}, "c3_rule"), ({"method": "C4"}, "method")])
def test_bad_parameters_name_the_field(kw: dict[str, object], field: str) -> None:
    with pytest.raises(DomainError) as e:
        counts.ears([1, 2, 3] * 5, **kw)  # type: ignore[arg-type]
    assert e.value.field == field
