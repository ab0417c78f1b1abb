"""Switching rules of GB/T 2828.1-2012 §9 (= ISO 2859-1:1999) on constructed lot sequences.

Lot size 1000 at level II gives code letter J: normal 2-A J/1.0 = n 80, Ac 2; tightened 2-B J/1.0 = n 80, Ac 1;
reduced 2-C J/1.0 = n 32, Ac 1. Rules: 2 of <=5 not accepted -> tightened (§9.3.1); 5 accepted on tightened ->
normal (§9.3.2); switching score >= 30 -> reduced (§9.3.3; threshold per sqconline.com/switching-rules-iso-2859-1);
a lot not accepted on reduced -> normal (§9.3.4); 5 not accepted on tightened -> discontinue (§9.4).
"""

from __future__ import annotations

import pytest

from zhijian.stats.errors import StatsError
from zhijian.stats.switching import SwitchingRules, run_switching


def lots(*counts: int, size: int = 1000) -> list[dict]:
    return [{"lot_size": size, "nonconforming": d} for d in counts]


def severities(run) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.severity for s in run.steps]


def test_two_of_five_not_accepted_switch_to_tightened() -> None:
    run = run_switching(lots(0, 3, 1, 1, 5, 0), aql="1.0")
    assert severities(run) == ["normal"] * 5 + ["tightened"]
    assert run.steps[4].next_severity == "tightened" and "9.3.1" in run.steps[4].event


def test_two_not_accepted_six_apart_do_not_switch() -> None:
    run = run_switching(lots(3, 0, 0, 0, 0, 3, 0), aql="1.0")
    assert set(severities(run)) == {"normal"}


def test_tightened_back_to_normal_after_five_accepted() -> None:
    run = run_switching(lots(3, 3, 0, 0, 0, 0, 0, 0), aql="1.0")
    assert severities(run) == ["normal", "normal", "tightened", "tightened", "tightened", "tightened", "tightened", "normal"]
    assert run.steps[2].plan["acceptance_number"] == 1


def test_discontinue_after_five_not_accepted_on_tightened() -> None:
    run = run_switching(lots(3, 3, 2, 0, 2, 0, 2, 2, 2, 0, 0), aql="1.0")
    # tightened from lot 3 (Ac 1): lots 3,5,7,8,9 not accepted -> discontinue at lot 9 (§9.4)
    assert run.discontinued and run.discontinued_at == 9
    assert [s.severity for s in run.steps[9:]] == ["discontinued", "discontinued"]
    assert run.steps[8].next_severity == "discontinued" and "9.4" in run.steps[8].event


def test_switching_score_plus_three_to_reduced() -> None:
    # Ac = 2 (>= 2): +3 when d <= Ac of AQL 0.65 (one step tighter, J/0.65 = 80, Ac 1) -> 10 lots reach 30
    run = run_switching(lots(*([1] * 10), 0, 0), aql="1.0")
    assert [s.switching_score for s in run.steps[:10]] == [3, 6, 9, 12, 15, 18, 21, 24, 27, 30]
    assert severities(run)[10:] == ["reduced", "reduced"]
    assert run.steps[10].plan["sample_size"] == 32
    assert run.unconfirmed  # increments are not confirmed from a citable copy of the standard


def test_switching_score_reset_when_not_accepted_at_tighter_aql() -> None:
    run = run_switching(lots(0, 0, 2, 0), aql="1.0")  # d = 2 is accepted (Ac 2) but not at AQL 0.65 (Ac 1)
    assert [s.switching_score for s in run.steps] == [3, 6, 0, 3]


def test_switching_score_plus_two_for_small_acceptance_numbers() -> None:
    # AQL 0.65: J/0.65 = 80, Ac 1 -> +2 per accepted lot, 15 lots to reach 30
    run = run_switching(lots(*([0] * 15), 0), aql="0.65")
    assert run.steps[14].switching_score == 30 and run.steps[15].severity == "reduced"


def test_reduced_back_to_normal_on_rejection_or_irregular_production() -> None:
    seq = lots(*([0] * 10)) + [{"lot_size": 1000, "nonconforming": 2}, {"lot_size": 1000, "nonconforming": 0}]
    run = run_switching(seq, aql="1.0")
    assert run.steps[10].severity == "reduced" and run.steps[10].accepted is False
    assert run.steps[11].severity == "normal" and run.steps[11].switching_score == 3  # score restarts at 0
    seq = lots(*([0] * 10)) + [{"lot_size": 1000, "nonconforming": 0, "production_irregular": True}, {"lot_size": 1000, "nonconforming": 0}]
    run = run_switching(seq, aql="1.0")
    assert run.steps[10].next_severity == "normal" and run.steps[11].severity == "normal"


def test_rules_are_configurable() -> None:
    run = run_switching(lots(0, 0, 0), aql="1.0", rules=SwitchingRules(score_threshold=6))
    assert severities(run) == ["normal", "normal", "reduced"]
    run = run_switching(lots(*([0] * 12)), aql="1.0", rules=SwitchingRules(authority_approves_reduced=False))
    assert set(severities(run)) == {"normal"}


def test_accepted_flag_without_counts() -> None:
    run = run_switching([{"lot_size": 1000, "accepted": "yes"}, {"lot_size": 1000, "accepted": "no"},
                         {"lot_size": 1000, "accepted": "拒收"}], aql="1.0")
    assert [s.accepted for s in run.steps] == [True, False, False]
    assert run.steps[2].next_severity == "tightened"


def test_z14_reduced_gap_reinstates_normal() -> None:
    # Z1.4 II-C J/1.0 = 32, Ac 1, Re 3 (unconfirmed): d = 2 accepts but returns to normal
    run = run_switching(lots(*([0] * 10), 2, 0), aql="1.0", standard="z14")
    assert run.steps[10].severity == "reduced" and run.steps[10].accepted is True
    assert run.steps[11].severity == "normal"


def test_double_scheme_scores_first_sample_acceptance() -> None:
    seq = [{"lot_size": 1000, "nonconforming": 0}, {"lot_size": 1000, "nonconforming": 1, "nonconforming_second": 1}]
    run = run_switching(seq, aql="1.0", scheme="double")
    assert [s.switching_score for s in run.steps] == [3, 0]
    with pytest.raises(StatsError) as e:
        run_switching([{"lot_size": 1000, "nonconforming": 1}], aql="1.0", scheme="double")
    assert e.value.code == "stats.second_sample_required"


@pytest.mark.parametrize(
    ("seq", "code"),
    [
        ([], "stats.empty_data"),
        ([{"lot_size": 1000}], "stats.missing_value"),
        ([{"lot_size": 0, "nonconforming": 0}], "stats.lot_size_zero"),
        ([{"lot_size": 1000, "nonconforming": "x"}], "stats.non_numeric"),
        ([{"lot_size": 1000, "accepted": "maybe"}], "stats.not_boolean"),
    ],
)
def test_bad_lots(seq: list, code: str) -> None:
    with pytest.raises(StatsError) as e:
        run_switching(seq, aql="1.0")
    assert e.value.code == code
