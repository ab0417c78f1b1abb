"""The improved Farrington method against R surveillance's `farringtonFlexible`, week by week.

tests/risk/reference/make_reference.R generates seeded weekly series (flat with outbreaks, rising trend, steep
growth beyond its history, overdispersed decreasing, low counts, and counts with a population offset) and runs
farringtonFlexible with the Noufaily et al. (2013) settings zhijian uses (`thresholdMethod = "nbPlugin"`,
`noPeriods = 10`, `w = 3`, reweighting at 2.58, α = 0.05, trend tested at 0.05, `limit54 = c(5, 4)`) for b = 2
and b = 3 and `pastWeeksNotIncluded` 48 (zhijian's default: the current year left out) and 26 (Noufaily's).
The committed CSV outputs are read here; R is never needed.

Tolerances: expected values and φ 1e-5 relative — R's glm stops when the relative change of the deviance is
below 1e-8, which leaves up to ~6e-6 relative in μ0 of slowly converging fits (the low-count series; tightening
zhijian's own IRLS to 1e-12 does not move the difference, so it is R's); all other weeks agree to 1e-6. Upper
bounds are integer quantiles and must be equal; alarm and trend flags must be equal, every week. φ is compared
to 1e-3 relative: R's summary.glm takes the IRLS weights of the last iteration's start (one step before the final
μ), zhijian those of the final μ, which differ by up to ~1.5e-4 relative in the dispersion at the 1e-8 deviance
criterion; the thresholds built from φ agree exactly.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from zhijian.risk import counts

REF = Path(__file__).parent / "reference"


def _series() -> dict[str, np.ndarray]:
    with open(REF / "series.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return {k: np.array([float(r[k]) for r in rows]) for k in rows[0] if k != "week"}


def _reference() -> dict[tuple[str, int, int, str], list[dict[str, str]]]:
    groups: dict[tuple[str, int, int, str], list[dict[str, str]]] = defaultdict(list)
    with open(REF / "farrington_reference.csv", newline="") as f:
        for r in csv.DictReader(f):
            groups[(r["series"], int(float(r["b"])), int(float(r["past_weeks"])), r["variant"])].append(r)
    return dict(groups)


SERIES = _series()
GROUPS = _reference()


def _params(b: int, past: int, variant: str) -> counts.FarringtonParams:
    extra: dict[str, object] = {}
    if past != 52 - 3 - 1:
        extra["past_weeks_not_included"] = past
    if variant != "surveillance":
        extra["trend_dispersion"] = variant
    return counts.FarringtonParams(b=b, **extra)  # type: ignore[arg-type]


def _run(key: tuple[str, int, int, str]) -> tuple[list[dict[str, str]], list[counts.FarringtonResult]]:
    name, b, past, variant = key
    y = SERIES[name]
    pop = SERIES["population"] if name == "pop_counts" else None
    rows = GROUPS[key]
    p = _params(b, past, variant)
    out = [counts.farrington_flexible(y, p, t0=int(r["t"]) - 1, population=pop) for r in rows]
    return rows, out


@pytest.mark.parametrize("key", sorted(GROUPS), ids=lambda k: "-".join(map(str, k)))
def test_every_week_agrees_with_farrington_flexible(key: tuple[str, int, int, str]) -> None:
    rows, out = _run(key)
    assert len(rows) == (260 - 52 * key[1] - 3)  # 153 weeks at b = 2, 101 at b = 3
    for r, z in zip(rows, out, strict=True):
        where = f"{key} week {r['t']}"
        assert z.observed == float(r["observed"]), where
        assert z.expected == pytest.approx(float(r["expected"]), rel=1e-5), where
        assert z.upper == float(r["upper"]), where
        assert z.phi == pytest.approx(float(r["phi"]), rel=1e-3), where
        assert z.trend_used == (r["trend"] == "1"), where
        assert z.alarm == (r["alarm"] == "1"), where


def test_reference_covers_trends_and_alarms() -> None:
    """The reference data exercise what the fix is about: at b = 3 trends kept in some weeks and dropped in
    others, at b = 2 never a trend, and alarms in every kind of series."""
    b3 = [r for k, rs in GROUPS.items() if k[1] == 3 for r in rs]
    b2 = [r for k, rs in GROUPS.items() if k[1] == 2 for r in rs]
    assert sum(r["trend"] == "1" for r in b3) > 50
    assert sum(r["trend"] == "0" for r in b3) > 50
    assert not any(r["trend"] == "1" for r in b2)
    for name in ("flat", "trend", "down", "low", "pop_counts"):
        assert any(r["alarm"] == "1" for k, rs in GROUPS.items() if k[0] == name for r in rs), name


def _row(key: tuple[str, int, int, str], week: int) -> dict[str, str]:
    return next(r for r in GROUPS[key] if int(r["t"]) == week)


def test_no_trend_with_two_years() -> None:
    """Finding 1: the rising series at b = 2, week 133: the trend is significant in two years of history but
    Farrington et al. (1996) and surveillance fit one only when b ≥ 3; the expected value is the no-trend
    model's, as in farringtonFlexible."""
    ref = _row(("trend", 2, 48, "surveillance"), 133)
    r = counts.farrington_flexible(SERIES["trend"], t0=132)
    assert ref["trend"] == "0" and not r.trend_used
    assert r.expected == pytest.approx(float(ref["expected"]), rel=1e-6)


def test_dropped_trend_refits_from_scratch() -> None:
    """Finding 3: the steep series at b = 3 grows past its history, so in most weeks the extrapolation rule drops
    its significant trend; the model without trend is then refitted with fresh weights. Every such week agrees
    with farringtonFlexible."""
    key = ("steep", 3, 48, "surveillance")
    dropped = [r for r in GROUPS[key] if r["trend"] == "0"]
    assert len(dropped) > 50
    for ref in dropped:
        r = counts.farrington_flexible(SERIES["steep"], t0=int(ref["t"]) - 1, params=counts.FarringtonParams(b=3))
        assert not r.trend_used
        assert r.expected == pytest.approx(float(ref["expected"]), rel=1e-5), ref["t"]


def test_trend_p_value_uses_the_reweighted_fit_dispersion() -> None:
    """Finding 2: the trend's t-test uses the reweighted fit; with the published package's dispersion (Σ w (y−μ)²
    /μ² / df) a trend is kept in weeks where the Pearson t-test (Σ w (y−μ)²/μ / df) drops it: in the series without
    a trend, 95 of 101 weeks against 34."""
    key = ("flat", 3, 48, "surveillance")
    pearson = ("flat", 3, 48, "pearson")
    kept = [r["trend"] == "1" for r in GROUPS[key]]
    kept_p = [r["trend"] == "1" for r in GROUPS[pearson]]
    assert (sum(kept), sum(kept_p)) == (95, 34)
    _, out = _run(key)
    assert [z.trend_used for z in out] == kept
