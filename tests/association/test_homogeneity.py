"""ISO 13528:2015 Annex B homogeneity and stability checks (zhijian.stats.homogeneity), pure.

Worked example: the homogeneity data set of M. Koch's ISO 13528:2015 B.2/B.3 spreadsheet (Univ. Stuttgart,
AQS Baden-Württemberg, 2017; https://pdfcoffee.com/homogeneity-iso-13528-2015-pdf-free.html): 10 items ×
2 replicates, published s_x̄² = 1.5836E-05, s_w² = 3.095E-05 (= Σw²/2g), s_s² = 3.6111E-07, general mean 0.18715,
and the critical factors F1, F2 of ISO 13528:2015 Table B.1 for g = 7 … 20.
"""

from __future__ import annotations

import math

import pytest

from zhijian.stats.errors import StatsError  # stats raises its own error since 00149ea (mapped like a DomainError)
from zhijian.stats.homogeneity import f_factors, homogeneity, stability

FIRST = [0.185, 0.187, 0.182, 0.188, 0.191, 0.188, 0.187, 0.177, 0.179, 0.188]
SECOND = [0.194, 0.189, 0.186, 0.196, 0.181, 0.180, 0.196, 0.186, 0.187, 0.196]
KOCH = [list(p) for p in zip(FIRST, SECOND, strict=True)]
# ISO 13528:2015 Table B.1 (m = 2), as printed (two decimals)
TABLE_B1 = {7: (2.10, 1.43), 8: (2.01, 1.25), 9: (1.94, 1.11), 10: (1.88, 1.01), 11: (1.83, 0.93), 12: (1.79, 0.86),
            13: (1.75, 0.80), 14: (1.72, 0.75), 15: (1.69, 0.71), 16: (1.67, 0.68), 17: (1.64, 0.64), 18: (1.62, 0.62),
            19: (1.60, 0.59), 20: (1.59, 0.57)}


def test_koch_worked_example_variances() -> None:
    h = homogeneity(KOCH, sigma_pt=0.015)
    assert h.general_mean == pytest.approx(0.18715, abs=1e-12)
    assert h.s_x**2 == pytest.approx(1.5836e-05, rel=1e-4)
    assert h.s_w**2 == pytest.approx(3.095e-05, rel=1e-12)
    assert h.s_s**2 == pytest.approx(3.6111e-07, rel=1e-4)
    # ss = 0.000601 against 0.3 σ_pt = 0.0045: homogeneous by B.2.2, and by B.2.3
    assert h.s_s == pytest.approx(6.0093e-4, rel=1e-4) and h.passes and h.passes_expanded


@pytest.mark.parametrize("g", sorted(TABLE_B1))
def test_f_factors_reproduce_table_b1(g: int) -> None:
    f1, f2 = f_factors(g)
    assert (round(f1, 2), round(f2, 2)) == TABLE_B1[g]


def test_criterion_boundary_and_expanded_criterion() -> None:
    # the same data with σ_pt so small that 0.3σ_pt < s_s: fails B.2.2
    h = homogeneity(KOCH, sigma_pt=0.0015)
    assert not h.passes and h.limit == pytest.approx(0.00045)
    # c = F1 (0.3σ_pt)² + F2 s_w² (B.2.3): with g = 10, F1 = 1.880, F2 = 1.010 → c ≈ 3.164e-5 > s_s²
    assert h.c == pytest.approx(1.8799 * 0.00045**2 + 1.0102 * 3.095e-05, rel=1e-3)
    assert h.passes_expanded
    assert h.sigma_pt_widened == pytest.approx(math.sqrt(0.0015**2 + 3.6111e-07), rel=1e-4)
    assert "B.2.3" in h.verdict_zh


def test_inhomogeneous_items_fail_both_criteria() -> None:
    bad = [[v, v + 0.0005] for v in (10.0, 10.4, 9.6, 10.8, 9.2, 10.0, 10.5, 9.5, 10.2, 9.8)]
    h = homogeneity(bad, sigma_pt=0.5)
    assert h.s_s > 0.15 and not h.passes and not h.passes_expanded
    assert "不均匀" in h.verdict_zh


def test_stability_b5() -> None:
    st = stability([10.02, 9.98, 10.01], [9.90, 9.94, 9.92], sigma_pt=0.5)
    assert st.difference == pytest.approx(0.0833333, rel=1e-5)
    assert st.limit == pytest.approx(0.15) and st.passes
    st = stability([10.02, 9.98, 10.01], [9.70, 9.74, 9.72], sigma_pt=0.5)
    assert not st.passes and not st.passes_expanded


@pytest.mark.parametrize(("data", "field"), [([[1.0, 2.0]], "measurements"), ([[1.0, 2.0], [1.0]], "measurements"),
                                             ([[1.0], [2.0]], "measurements"), ([[1.0, "x"], [1, 2]], "measurements")])
def test_bad_input_names_the_field(data: list[list[float]], field: str) -> None:
    with pytest.raises(StatsError) as e:
        homogeneity(data, sigma_pt=1.0)
    assert e.value.field == field and e.value.code.startswith("stats.")


def test_sigma_must_be_positive() -> None:
    with pytest.raises(StatsError) as e:
        homogeneity(KOCH, sigma_pt=0)
    assert e.value.field == "sigma_pt"
