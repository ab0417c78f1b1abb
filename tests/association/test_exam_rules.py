"""Exam rules, pure: answer keys, marking rules, the seeded paper, item statistics worked by hand."""

from __future__ import annotations

import pytest

from zhijian.association.exams import rules
from zhijian.platform.errors import DomainError


def test_answer_keys_from_the_import_sheet() -> None:
    assert rules.parse_answer("single", "B", 4) == [1]
    assert rules.parse_answer("multiple", "A，C, D", 4) == [0, 2, 3]
    assert rules.parse_answer("truefalse", "√", 0) is True and rules.parse_answer("truefalse", "错", 0) is False
    for kind, raw in (("single", "AB"), ("single", "E"), ("multiple", "A"), ("truefalse", "也许")):
        with pytest.raises(DomainError) as e:
            rules.parse_answer(kind, raw, 4)
        assert e.value.field == "答案"


def test_question_checks_name_the_column() -> None:
    q = rules.check_question("题库", "Q1", "多选题", "计量", "难", "题干", ["a", "b", "c", "", None], "AB", 2)
    assert (q.kind, q.difficulty, q.options, q.answer) == ("multiple", 3, ["a", "b", "c"], [0, 1])
    assert rules.check_question("题库", "Q2", "判断", "计量", 1.0, "题干", [], "对").difficulty == 1
    for args, field in (((" ", "Q", "单选题", "t", "易", "s", ["a", "b"], "A"), "题号"),
                        (("b", "Q", "填空题", "t", "易", "s", ["a", "b"], "A"), "题型"),
                        (("b", "Q", "单选题", "t", "10", "s", ["a", "b"], "A"), "难度"),
                        (("b", "Q", "单选题", "t", "易", "", ["a", "b"], "A"), "题干"),
                        (("b", "Q", "单选题", "t", "易", "s", ["a"], "A"), "选项A")):
        with pytest.raises(DomainError) as e:
            rules.check_question(*args)
        assert e.value.field == field


def test_marking_rules() -> None:
    assert rules.mark_objective("single", [1], [1], 2) == 2 and rules.mark_objective("single", [1], [2], 2) == 0
    assert rules.mark_objective("multiple", [0, 2], [0, 2], 2) == 2
    assert rules.mark_objective("multiple", [0, 2], [0], 2) == 1  # 少选: half
    assert rules.mark_objective("multiple", [0, 2], [0, 1], 2) == 0  # 错选: none
    assert rules.mark_objective("truefalse", True, None, 1) == 0
    assert rules.normalise_answer("multiple", "ca") == [0, 2] and rules.normalise_answer("multiple", ["1", 3]) == [1, 3]
    assert rules.normalise_answer("truefalse", "对") is True and rules.normalise_answer("single", "") is None


def test_paper_is_reproducible_and_follows_the_blueprint() -> None:
    pools = {("a", 1, None): list(range(1, 21)), ("b", 3, None): list(range(100, 110))}
    cells = [rules.Cell("a", 1, 5), rules.Cell("b", 3, 2)]
    s1 = rules.seed_of(42, "K00001")
    assert s1 == rules.seed_of(42, "K00001") and s1 != rules.seed_of(42, "K00002") != rules.seed_of(43, "K00001")
    p = rules.draw_paper(pools, cells, s1)
    assert p == rules.draw_paper(pools, cells, s1) and len(set(p)) == 7
    assert sum(1 for q in p if q < 100) == 5 and sum(1 for q in p if q >= 100) == 2
    with pytest.raises(DomainError) as e:
        rules.check_blueprint([{"topic": "b", "difficulty": 3, "count": 11}], {("b", 3, None): 10})
    assert e.value.code == "association.exam.bank_too_small"


def test_item_statistics_by_hand() -> None:
    """10 candidates; the item (1 point) is right for the 4 best and 1 of the others.
    27 % of 10 → 3 per group: upper 3 all right (1.0), lower 3 none right (0.0) → D = 1.0; p = 5/10 = 0.5."""
    totals = [95, 90, 85, 80, 70, 60, 55, 50, 40, 30]
    item = [1, 1, 1, 1, 0, 1, 0, 0, 0, 0]
    [st] = rules.item_statistics({7: list(zip(item, totals, strict=True))}, {7: 1.0})
    assert st.difficulty_p == 0.5 and st.discrimination_d == 1.0
    import numpy as np

    rest = np.array(totals) - np.array(item)
    assert st.point_biserial == pytest.approx(float(np.corrcoef(item, rest)[0, 1]))
    assert st.point_biserial > 0.7


def test_options_shuffled_per_candidate_reproducibly() -> None:
    """选项乱序: the order is a permutation fixed by the recorded exam seed, the candidate number and the question;
    candidates differ; a shown answer goes back to the bank's indices and back again."""
    exam_seed = 20260915
    orders = {no: rules.option_order(rules.seed_of(exam_seed, no), 42, 4) for no in (f"{i:04d}" for i in range(40))}
    assert all(sorted(o) == [0, 1, 2, 3] for o in orders.values())
    assert orders["0001"] == rules.option_order(rules.seed_of(exam_seed, "0001"), 42, 4)  # reproducible
    assert len({tuple(o) for o in orders.values()}) > 10  # of 24 orders, 40 candidates see many different ones
    assert rules.option_order(rules.seed_of(exam_seed, "0001"), 43, 4) != orders["0001"] or \
        rules.option_order(rules.seed_of(exam_seed, "0001"), 44, 4) != orders["0001"]  # per question too
    order = [2, 0, 3, 1]  # shown A = bank C, shown B = bank A, ...
    assert rules.to_bank_order("single", [0], order) == [2]
    assert rules.to_bank_order("multiple", [1, 3], order) == [0, 1]
    assert rules.to_shown_order("multiple", [0, 1], order) == [1, 3]
    assert rules.to_bank_order("truefalse", True, order) is True and rules.to_bank_order("single", None, order) is None
    with pytest.raises(DomainError) as e:
        rules.to_bank_order("single", [4], order)
    assert e.value.field == "answers"
    # scoring is on the bank's key: the right option ticked at its shown position scores full points
    key = [1]  # bank B
    shown_position = order.index(1)
    assert rules.mark_objective("single", key, rules.to_bank_order("single", [shown_position], order), 2.0) == 2.0
