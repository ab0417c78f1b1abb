"""The Poisson CUSUM for complaint counts: reference values from R surveillance's `glrpois` with a known shift
(theta = log κ, C routine lr_cusum) on given in-control means (tests/risk/reference/cusum_reference.csv, made by
make_reference.R), Lucas's count form by hand, and the detector inside the risk scan."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from tests.risk.synthetic import AS_OF, complaint_rows
from zhijian.platform.errors import DomainError
from zhijian.risk import counts, scan

REF = Path(__file__).parent / "reference" / "cusum_reference.csv"


def _cases() -> dict[tuple[str, float, float], list[dict[str, str]]]:
    g: dict[tuple[str, float, float], list[dict[str, str]]] = defaultdict(list)
    with open(REF, newline="") as f:
        for r in csv.DictReader(f):
            g[(r["case"], float(r["kappa"]), float(r["h"]))].append(r)
    return dict(g)


CASES = _cases()


@pytest.mark.parametrize("key", sorted(CASES), ids=lambda k: f"{k[0]}-k{k[1]}-h{k[2]}")
def test_agrees_with_glrpois(key: tuple[str, float, float]) -> None:
    rows = CASES[key]
    y = np.array([float(r["observed"]) for r in rows])
    mu0 = np.array([float(r["mu0"]) for r in rows])
    res = counts.poisson_cusum(y, mu0, kappa=key[1], h=key[2])
    assert res.stat.tolist() == pytest.approx([float(r["stat"]) for r in rows], rel=1e-9, abs=1e-9)
    assert res.upper.tolist() == pytest.approx([float(r["cases"]) for r in rows], rel=1e-9, abs=1e-9)
    assert res.alarm.astype(int).tolist() == [int(r["alarm"]) for r in rows]


def test_reference_has_alarms_and_restarts() -> None:
    for key, rows in CASES.items():
        assert sum(r["alarm"] == "1" for r in rows) >= 2, key  # so the restart after an alarm is checked


def test_lucas_count_form_by_hand() -> None:
    """μ0 = 2, κ = 2: k = (κ−1)μ0/ln κ = 2.885 cases a week, decision interval h/ln κ = 5/0.6931 = 7.213 cases.
    Counts 5, 6, 6: S′ = 2.115, 5.229, 8.344 > 7.213 → alarm in the third week, then a restart at 0."""
    res = counts.poisson_cusum([5, 6, 6, 2], [2, 2, 2, 2], kappa=2.0, h=5.0)
    k, lk = 2 / np.log(2), np.log(2)
    assert res.reference[0] == pytest.approx(2.8854, abs=1e-4)
    s = np.cumsum([5 - k, 6 - k, 6 - k])
    assert (res.stat[:3] / lk).tolist() == pytest.approx(s.tolist())
    assert res.alarm.tolist() == [False, False, True, False]
    assert res.stat[3] == 0.0  # 2 < k after the restart
    assert res.upper[1] == pytest.approx((5.0 - res.stat[0] + 2.0) / lk)  # y2 > 5.07 raises the alarm ...
    assert not counts.poisson_cusum([5, 5], [2, 2], kappa=2.0, h=5.0).alarm[1]  # ... 5 does not


def test_unknown_expected_waits_and_bad_parameters() -> None:
    res = counts.poisson_cusum([9, 9, 9], [np.nan, 1.0, 1.0], kappa=2.0, h=5.0)
    assert res.stat[0] == 0.0 and not res.alarm[0] and np.isnan(res.upper[0])
    for kw, field in (({"kappa": 1.0}, "kappa"), ({"h": 0.0}, "h")):
        with pytest.raises(DomainError) as e:
            counts.poisson_cusum([1, 2], [1, 1], **kw)  # type: ignore[arg-type]
        assert e.value.field == field and e.value.code == "risk.bad_parameter"


def test_trailing_mean() -> None:
    y = np.arange(20, dtype=float)
    m = counts.trailing_mean(y, baseline=5, lag=2)
    assert np.isnan(m[6]) and m[7] == pytest.approx(np.mean(y[0:5])) and m[19] == pytest.approx(np.mean(y[12:17]))
    m2 = counts.trailing_mean(np.vstack([y, y]), baseline=5, lag=2, first=[0, 3])
    assert not np.isnan(m2[0, 7]) and np.isnan(m2[1, 9]) and m2[1, 10] == pytest.approx(np.mean(y[3:8]))


def test_in_the_scan_with_evidence() -> None:
    """1 complaint a week on product 11 for two years, then 12: the CUSUM alarms in the last week with μ0 = the
    mean of the year before (≈ 0.5), the complaints of the run as evidence."""
    rows = complaint_rows(cat=1, product=10, spike_product=11)
    drafts, _ = scan.scan_counts(scan.complaint_arrays(rows), scan.build_configs([]), AS_OF)
    d = next(d for d in drafts if d.series_key == "prod:11" and d.method == "count_cusum")
    assert d.period == scan.week_label(scan.week_index(AS_OF) - 1)
    assert d.observed == 12 and d.expected == pytest.approx(0.5, abs=0.05)
    assert d.threshold is not None and d.threshold < 12 and d.score is not None and d.score > 4.0
    assert set(d.params) >= {"kappa", "h", "baseline", "lag", "reference_value"}
    assert len(d.evidence["complaint_ids"]) >= 12 and d.evidence["run_counts"][-1] == 12
    assert not [d for d in drafts if d.series_key == "prod:10" and d.method == "count_cusum"]
    off = scan.build_configs([("count", "*", ["farrington"], {}, True)])
    assert not [d for d in scan.scan_counts(scan.complaint_arrays(rows), off, AS_OF)[0] if d.method == "count_cusum"]
