"""The EU Safety Gate risk matrix (Decision (EU) 2019/417 Part 1 §4, kept by (EU) 2024/3173 Annex II):
every cell, both sides of every band edge, and the guidelines' folding-chair example."""

from __future__ import annotations

from fractions import Fraction

import pytest

from zhijian.platform.errors import DomainError
from zhijian.risk import matrix

# rows of the published matrix, from "> 1/2" down to "≤ 1/1 000 000"; columns severity 1..4
GOLDEN = [
    ("high", "serious", "serious", "serious"),
    ("medium", "serious", "serious", "serious"),
    ("medium", "serious", "serious", "serious"),
    ("low", "high", "serious", "serious"),
    ("low", "medium", "high", "serious"),
    ("low", "low", "medium", "high"),
    ("low", "low", "low", "medium"),
    ("low", "low", "low", "low"),
]
# a probability strictly inside each band
INSIDE = [Fraction(3, 4), Fraction(1, 5), Fraction(1, 50), Fraction(1, 500), Fraction(1, 5000), Fraction(1, 50_000),
          Fraction(1, 500_000), Fraction(1, 5_000_000)]
EDGES = [Fraction(1, 2), Fraction(1, 10), Fraction(1, 100), Fraction(1, 1000), Fraction(1, 10_000),
         Fraction(1, 100_000), Fraction(1, 1_000_000)]


@pytest.mark.parametrize("row", range(8))
@pytest.mark.parametrize("severity", [1, 2, 3, 4])
def test_every_cell(row: int, severity: int) -> None:
    assert matrix.risk_level(INSIDE[row], severity) == GOLDEN[row][severity - 1]


@pytest.mark.parametrize("k", range(7))
@pytest.mark.parametrize("severity", [1, 2, 3, 4])
def test_band_edges_are_strict(k: int, severity: int) -> None:
    """Exactly 1/10 is not "> 1/10": it belongs to the band below; a hair above belongs to the band itself."""
    edge = EDGES[k]
    assert matrix.risk_level(edge, severity) == GOLDEN[k + 1][severity - 1]
    assert matrix.risk_level(edge + Fraction(1, 10**12), severity) == GOLDEN[k][severity - 1]


def test_probability_one_is_top_band() -> None:
    assert matrix.risk_level(1, 1) == "high"


def test_product_of_decimal_steps_is_exact() -> None:
    """0.1 × 0.01 in binary floats is 0.0010000000000000002 (> 1/1000): the exact product is 1/1000."""
    a = matrix.parse_assessment({"product": "x", "scenarios": [
        {"consumer": "others", "severity": 2, "steps": [{"probability": 0.1}, {"probability": 0.01}]}]})
    r = matrix.assess(a)
    assert r["scenarios"][0]["probability_fraction"] == "1/1000"
    assert r["risk_level"] == "medium"  # "> 1/10 000" band, severity 2 (it would be "high" one band up)


def test_folding_chair_example() -> None:
    """Guidelines to Decision 2019/417: a folding chair, steps 1 × 1/50 × 1/10 × 1 = 1/500, severity 1 → Low."""
    a = matrix.parse_assessment({"product": "折叠椅", "scenarios": [{
        "description": "椅子折叠时夹伤手指", "consumer": "others", "severity": 1,
        "steps": [{"description": "椅子在使用中", "probability": 1}, {"description": "锁止机构失效", "probability": "1/50"},
                  {"description": "手指在铰链处", "probability": 0.1}, {"description": "夹伤", "probability": 1}]}]})
    r = matrix.assess(a)
    assert r["scenarios"][0]["probability"] == pytest.approx(1 / 500)
    assert r["scenarios"][0]["probability_fraction"] == "1/500"
    assert r["scenarios"][0]["band"] == "> 1/1 000"
    assert r["risk_level"] == "low"


def test_product_risk_is_the_highest_scenario_and_flags_override() -> None:
    data = {"product": "玩具", "scenarios": [
        {"consumer": "very_vulnerable", "severity": 4, "steps": [{"probability": 0.1}, {"probability": 0.5},
                                                                 {"probability": 0.01}]},  # 1/2000 sev 4 → serious
        {"consumer": "vulnerable", "severity": 1, "steps": [{"probability": 0.2}, {"probability": 0.1}]}]}
    assert matrix.assess(matrix.parse_assessment(data))["risk_level"] == "serious"
    data["scenarios"] = data["scenarios"][1:]  # 1/50 sev 1 → medium
    r = matrix.assess(matrix.parse_assessment(data))
    assert r["risk_level"] == "medium"
    flagged = matrix.assess(matrix.parse_assessment({**data, "presumed_serious": ["accessible_live_parts"]}))
    assert (flagged["risk_level"], flagged["risk_level_by_matrix"]) == ("serious", "medium")


def test_exposure_adjustment_is_off_by_default_and_does_not_change_the_level() -> None:
    data = {"product": "x", "units_in_use": 200_000, "scenarios": [
        {"consumer": "others", "severity": 3, "steps": [{"probability": "1/20000"}]}]}
    plain = matrix.assess(matrix.parse_assessment(data))
    assert "exposure" not in plain
    adj = matrix.assess(matrix.parse_assessment(data), exposure_adjustment=True)
    assert adj["exposure"]["expected_injuries"] == pytest.approx(10.0)
    assert "not part of the EU method" in adj["exposure"]["note_en"]
    assert adj["risk_level"] == plain["risk_level"] == "medium"


@pytest.mark.parametrize(("data", "field"), [
    ({"scenarios": []}, "product"),
    ({"product": "x", "scenarios": []}, "scenarios"),
    ({"product": "x", "scenarios": [{"severity": 5, "steps": [{"probability": 0.1}]}]}, "scenarios[0].severity"),
    ({"product": "x", "scenarios": [{"severity": 2, "consumer": "kids", "steps": [{"probability": 0.1}]}]},
     "scenarios[0].consumer"),
    ({"product": "x", "scenarios": [{"severity": 2, "steps": [{"probability": 1.5}]}]}, "scenarios[0].steps[0].probability"),
    ({"product": "x", "scenarios": [{"severity": 2, "steps": [{"probability": "abc"}]}]},
     "scenarios[0].steps[0].probability"),
    ({"product": "x", "scenarios": [{"severity": 2, "steps": [{"probability": 0}]}]}, "scenarios[0].steps[0].probability"),
    ({"product": "x", "presumed_serious": ["nope"], "scenarios": [{"severity": 2, "steps": [{"probability": 0.5}]}]},
     "presumed_serious"),
])
def test_bad_input_names_the_field(data: dict, field: str) -> None:
    with pytest.raises(DomainError) as exc:
        matrix.parse_assessment(data)
    assert exc.value.field == field
