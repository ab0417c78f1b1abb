"""Control charts checked against published examples (sources in tests/stats/published_data.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.stats.published_data import (
    MONTGOMERY_CUSUM,
    NIST_EWMA,
    NIST_EWMA_Z,
    ORANGE_JUICE_D,
    PCB_NONCONFORMITIES,
    PISTON_RINGS,
)
from zhijian.stats import spc
from zhijian.stats.errors import StatsError

# Montgomery, Introduction to SQC, Appendix VI (also ASTM E2587 and NIST/SEMATECH 6.3.2): 3-decimal tables, n = 2..10.
TABLE = {
    "d2": [1.128, 1.693, 2.059, 2.326, 2.534, 2.704, 2.847, 2.970, 3.078],
    "d3": [0.853, 0.888, 0.880, 0.864, 0.848, 0.833, 0.820, 0.808, 0.797],
    "c4": [0.7979, 0.8862, 0.9213, 0.9400, 0.9515, 0.9594, 0.9650, 0.9693, 0.9727],
    "A2": [1.880, 1.023, 0.729, 0.577, 0.483, 0.419, 0.373, 0.337, 0.308],
    "A3": [2.659, 1.954, 1.628, 1.427, 1.287, 1.182, 1.099, 1.032, 0.975],
    "D3": [0, 0, 0, 0, 0, 0.076, 0.136, 0.184, 0.223],
    "D4": [3.267, 2.574, 2.282, 2.114, 2.004, 1.924, 1.864, 1.816, 1.777],
    "B3": [0, 0, 0, 0, 0.030, 0.118, 0.185, 0.239, 0.284],
    "B4": [3.267, 2.568, 2.266, 2.089, 1.970, 1.882, 1.815, 1.761, 1.716],
}


@pytest.mark.parametrize("name", list(TABLE))
def test_constants_match_published_tables(name: str) -> None:
    got = [spc.constants(n)[name] for n in range(2, 11)]
    np.testing.assert_allclose(got, TABLE[name], atol=1.5e-3 if name != "c4" else 1e-4)


def test_exact_constants() -> None:
    assert spc.d2(2) == pytest.approx(2 / np.sqrt(np.pi), abs=1e-10)  # E|X1 - X2| = 2/sqrt(pi)
    assert spc.d3(2) == pytest.approx(np.sqrt(2 - 4 / np.pi), abs=1e-9)  # Var|X1 - X2| = 2 - 4/pi
    assert spc.c4(5) == pytest.approx(0.939985603, abs=1e-9)
    assert spc.d2(25) == pytest.approx(3.931, abs=5e-4) and spc.d2(60) > spc.d2(50)  # any n


def _piston() -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(PISTON_RINGS)
    return x.ravel(), np.repeat(np.arange(1, 26), 5)


def test_piston_rings_xbar_r_montgomery_table_6_3() -> None:
    # Montgomery Table 6.3 / R qcc pistonrings[1:25]: x-double-bar 74.00118, R-bar 0.02324,
    # X-bar limits 73.98777 / 74.01458, R chart UCL 0.04914, process in control.
    values, subgroups = _piston()
    chart = spc.xbar_chart(values, subgroups)
    xbar, rng = chart.panels
    assert chart.parameters["center"] == pytest.approx(74.00118, abs=5e-6)
    assert float(rng.center[0]) == pytest.approx(0.02324, abs=5e-6)
    # Montgomery prints 74.014 / 73.988 from rounded inputs (74.001 +- 0.577 x 0.023)
    assert abs(float(xbar.ucl[0]) - 74.014) < 1e-3 and abs(float(xbar.lcl[0]) - 73.988) < 1e-3
    assert float(xbar.ucl[0]) == pytest.approx(74.01458, abs=2e-5)
    assert float(rng.ucl[0]) == pytest.approx(0.04914, abs=2e-5)
    assert not [v for v in xbar.violations if 1 in v["rules"]] and not rng.violations


def test_phase_two_uses_given_limits() -> None:
    values, subgroups = _piston()
    chart = spc.xbar_chart(values, subgroups, center=74.0, sigma=0.01)
    assert chart.phase == 2
    assert float(chart.panels[0].ucl[0]) == pytest.approx(74.0 + 3 * 0.01 / np.sqrt(5))


def test_xbar_s_chart() -> None:
    values, subgroups = _piston()
    chart = spc.xbar_chart(values, subgroups, kind="s")
    s = np.asarray(PISTON_RINGS).std(axis=1, ddof=1)
    sbar = s.mean()
    assert float(chart.panels[1].center[0]) == pytest.approx(sbar)
    assert float(chart.panels[1].ucl[0]) == pytest.approx(spc.constants(5)["B4"] * sbar)
    assert float(chart.panels[0].ucl[0]) == pytest.approx(74.00118 + spc.constants(5)["A3"] * sbar, abs=1e-5)


def test_p_chart_orange_juice() -> None:
    # Montgomery Table 7.1: p-bar 0.2313, UCL 0.4102, LCL 0.0524; samples 15 and 23 above the UCL.
    chart = spc.attribute_chart("p", ORANGE_JUICE_D, [50] * 30)
    p = chart.panels[0]
    assert chart.parameters["center"] == pytest.approx(0.2313, abs=5e-5)
    assert float(p.ucl[0]) == pytest.approx(0.4102, abs=5e-5) and float(p.lcl[0]) == pytest.approx(0.0524, abs=5e-5)
    assert [v["subgroup"] for v in p.violations if 1 in v["rules"]] == [15, 23]


def test_c_chart_printed_circuit_boards() -> None:
    # Montgomery Table 7.7: c-bar 19.85, UCL 33.22, LCL 6.48; samples 6 and 20 outside the limits.
    chart = spc.attribute_chart("c", PCB_NONCONFORMITIES)
    c = chart.panels[0]
    assert chart.parameters["center"] == pytest.approx(19.85, abs=5e-3)
    assert float(c.ucl[0]) == pytest.approx(33.22, abs=1e-2) and float(c.lcl[0]) == pytest.approx(6.48, abs=5e-3)
    assert [v["subgroup"] for v in c.violations if 1 in v["rules"]] == [6, 20]


def test_p_chart_variable_sizes_give_stepped_limits() -> None:
    chart = spc.attribute_chart("p", [5, 8, 3, 9], [50, 80, 40, 100]).to_dict()
    ucl = chart["charts"][0]["ucl"]
    assert isinstance(ucl, list) and len(set(ucl)) == 4
    pbar = 25 / 270
    assert ucl[0] == pytest.approx(pbar + 3 * np.sqrt(pbar * (1 - pbar) / 50))


def test_np_and_u_charts() -> None:
    npc = spc.attribute_chart("np", ORANGE_JUICE_D, [50] * 30)
    assert float(npc.panels[0].center[0]) == pytest.approx(50 * 0.231333, abs=1e-4)
    u = spc.attribute_chart("u", [10, 12, 8], [5, 6, 4])
    assert u.parameters["center"] == pytest.approx(2.0)


def test_imr_chart() -> None:
    x = [10.0, 12.0, 11.0, 13.0, 12.0]
    chart = spc.imr_chart(x)
    mr_bar = np.mean([2, 1, 2, 1])
    assert chart.parameters["sigma"] == pytest.approx(mr_bar / spc.d2(2))
    assert float(chart.panels[1].ucl[0]) == pytest.approx(spc.constants(2)["D4"] * mr_bar)
    assert chart.to_dict()["charts"][1]["statistics"][0] is None  # first moving range undefined


def test_ewma_nist_example() -> None:
    # NIST/SEMATECH e-Handbook 6.3.2.4: lambda 0.3, target 50, s 2.0539, limits 47.4115 / 52.5884.
    chart = spc.ewma_chart(NIST_EWMA, lam=0.3, target=50, sigma=2.0539, limits="asymptotic")
    p = chart.panels[0]
    np.testing.assert_allclose(p.statistics[:14], NIST_EWMA_Z[:14], atol=6e-3)
    assert float(p.ucl[0]) == pytest.approx(52.5884, abs=1e-3) and float(p.lcl[0]) == pytest.approx(47.4115, abs=1e-3)
    exact = spc.ewma_chart(NIST_EWMA, lam=0.3, target=50, sigma=2.0539)
    assert float(exact.panels[0].ucl[0]) < float(exact.panels[0].ucl[-1]) == pytest.approx(52.5884, abs=1e-3)


def test_cusum_montgomery_table_9_1() -> None:
    # Montgomery Table 9.1: mu0 10, sigma 1, K 0.5, H 5: C+_29 = 5.28 > H, C+_30 = 5.30.
    chart = spc.cusum_chart(MONTGOMERY_CUSUM, k=0.5, h=5, target=10, sigma=1)
    up = chart.panels[0]
    assert up.statistics[28] == pytest.approx(5.28, abs=5e-3) and up.statistics[29] == pytest.approx(5.30, abs=5e-3)
    assert [v["index"] for v in up.violations] == [28, 29]
    assert not chart.panels[1].violations


# ---------------------------------------------------------------- run rules on constructed sequences


def _first(rule: int, z: list[float]) -> int | None:
    m = spc.run_rules(np.asarray(z, dtype=float))
    hits = np.flatnonzero(m[rule - 1])
    return int(hits[0]) if hits.size else None


@pytest.mark.parametrize(
    ("rule", "z", "index"),
    [
        (1, [0, 0.5, 3.2], 2),
        (2, [0.5] * 9, 8),
        (3, [0, 0.1, 0.2, 0.3, 0.4, 0.5], 5),
        (4, [0.5, -0.5] * 7, 13),
        (5, [0, 2.5, 0.1, 2.2], 3),
        (6, [1.5, 1.2, 0, 1.1, 1.3], 4),
        (7, [0.2, -0.3] * 7 + [0.1], 14),
        (8, [1.5, -1.5] * 4, 7),
    ],
)
def test_each_rule_fires_at_the_completing_point(rule: int, z: list[float], index: int) -> None:
    assert _first(rule, z) == index
    assert _first(rule, z[:-1]) is None  # one point short: no signal


def test_violations_report_rule_numbers_per_point() -> None:
    z = [0.5] * 8 + [3.5]
    v = spc.violations(np.asarray(z))
    assert v[-1] == {"index": 8, "subgroup": 9, "rules": [1, 2]}


def test_phase_one_drops_out_of_control_and_reestimates() -> None:
    rng = np.random.default_rng(7)
    data = rng.normal(10, 1, size=(20, 5))
    data[7] += 8  # a gross special cause in subgroup 8
    chart = spc.xbar_chart(data.ravel(), np.repeat(np.arange(1, 21), 5), drop_out_of_control=True)
    assert 8 in chart.excluded_subgroups
    plain = spc.xbar_chart(data.ravel(), np.repeat(np.arange(1, 21), 5))
    assert chart.parameters["center"] < plain.parameters["center"]


@settings(max_examples=25, deadline=None)
@given(shift=st.floats(-1e3, 1e3), scale=st.floats(0.01, 100))
def test_limits_shift_and_scale_with_the_data(shift: float, scale: float) -> None:
    values, subgroups = _piston()
    base = spc.xbar_chart(values - 74.0, subgroups)
    moved = spc.xbar_chart((values - 74.0) * scale + shift, subgroups)
    for a, b in zip(base.panels[0].ucl, moved.panels[0].ucl, strict=True):
        assert b == pytest.approx(a * scale + shift, rel=1e-9, abs=1e-9 * (1 + abs(shift)))
    assert float(moved.panels[1].ucl[0]) == pytest.approx(float(base.panels[1].ucl[0]) * scale, rel=1e-9)
    imr = spc.imr_chart(values * scale + shift)
    assert imr.parameters["center"] == pytest.approx(values.mean() * scale + shift, rel=1e-9, abs=1e-9 * (1 + abs(shift)))


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda: spc.xbar_chart([], []), "stats.empty_data"),
        (lambda: spc.xbar_chart([1.0, float("nan"), 2.0, 3.0], [1, 1, 2, 2]), "stats.nan_value"),
        (lambda: spc.xbar_chart([1.0, 2.0, 3.0], [1, 1, 1]), "stats.single_subgroup"),
        (lambda: spc.xbar_chart([1.0, 2.0, 3.0], [1, 1, 2]), "stats.subgroup_too_small"),
        (lambda: spc.xbar_chart(["1", "x"], [1, 2]), "stats.non_numeric"),
        (lambda: spc.imr_chart([5.0]), "stats.single_subgroup"),
        (lambda: spc.attribute_chart("p", [3], [10]), "stats.single_subgroup"),
        (lambda: spc.attribute_chart("p", [3, 12], [10, 10]), "stats.out_of_range"),
        (lambda: spc.control_chart("xyz", [1, 2]), "stats.unknown_chart"),
        (lambda: spc.control_chart("imr", [1, 2, 3], rules=[9]), "stats.unknown_rule"),
        (lambda: spc.control_chart("c", [1, 2, 3, 40], subgroups=["a", "b"]), "stats.length_mismatch"),
        (lambda: spc.imr_chart([1.0, 2.0, 3.0], labels=["a"]), "stats.length_mismatch"),
    ],
)
def test_bad_input(call, code: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(StatsError) as e:
        call()
    assert e.value.code == code and e.value.field
