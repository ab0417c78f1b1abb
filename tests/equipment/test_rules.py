"""Pure rules of the equipment room, each asserting what the cited regulation says."""

from __future__ import annotations

import datetime as dt

import pytest

from zhijian.equipment import rules
from zhijian.platform.errors import DomainError, InvalidTransition

TODAY = dt.date(2026, 12, 2)


def test_device_code_worked_example_tsg08_annex_a():
    """TSG 08-2017 附件A: 第二类压力容器 2150, maker licensed by the national authority (10) with sequence 890,
    made in 2015, serial 98 → "2150" + "10890" + "2015" + "00098" (18 characters, no spaces)."""
    code = rules.parse_device_code("215010890201500098", today=TODAY)
    assert (code.variety, code.maker_region, code.maker_seq, code.year, code.serial) == ("2150", "10", "890", 2015, "00098")
    # the provincial example of the same annex: 黑龙江 (23), licence sequence 010
    assert rules.parse_device_code("2150230102015A0000", today=TODAY).serial == "A0000"


@pytest.mark.parametrize("bad", ["21501089020150009",      # 17 characters
                                 "2150 10890201500098",    # a space
                                 "999910890201500098",     # not a catalogue variety
                                 "215009890201500098",     # region 09 is neither 10 nor a province
                                 "215010890203000098",     # made in 2030
                                 "2150108902015000A8"])    # letters only replace leading digits (附件A 2.4)
def test_device_code_rejects_what_annex_a_forbids(bad):
    with pytest.raises(DomainError) as exc:
        rules.parse_device_code(bad, today=TODAY)
    assert exc.value.code == "equipment.bad_code"


def test_catalogue_categories_and_second_class_vessel_code():
    """特种设备目录 (2014 年第 114 号): eight categories of equipment; 第二类压力容器 is 2150 (TSG 08-2017 附件A)."""
    assert set(rules.CATEGORIES.values()) == {"锅炉", "压力容器", "电梯", "起重机械", "场（厂）内专用机动车辆",
                                              "大型游乐设施", "压力管道", "客运索道"}
    assert rules.VARIETIES["2150"] == "第二类压力容器"
    assert rules.category_of("23T0") == "2000" and rules.is_cylinder("2310")


def test_transitions_tsg08():
    """TSG 08-2017: 在用 ↔ 停用, either → 报废, 报废 → 注销; 注销 is final."""
    rules.check_transition("in_use", "stopped")
    rules.check_transition("stopped", "in_use")
    rules.check_transition("stopped", "scrapped")
    rules.check_transition("scrapped", "cancelled")
    for cur, target in (("scrapped", "in_use"), ("cancelled", "in_use"), ("in_use", "cancelled")):
        with pytest.raises(InvalidTransition) as exc:
            rules.check_transition(cur, target)
        assert exc.value.code == "equipment.invalid_transition"


def test_elevator_one_year_tsg_t7001_2023():
    """TSG T7001-2023: 电梯定期检验周期为 1 年."""
    due = rules.next_due(rules.UnitFacts("3110"), dt.date(2026, 3, 15))
    assert due.due_on == dt.date(2027, 3, 15)
    assert due.source.startswith("TSG T7001-2023") and "2026-03-15" in due.explanation


@pytest.mark.parametrize(("grade", "months"), [(1, 72), (2, 72), (3, 36), (4, 36)])
def test_vessel_by_safety_grade_tsg21(grade, months):
    """TSG 21-2016 8.1.6: 1、2 级 每 6 年; 3 级 3–6 年 (lower bound); 4 级 累计监控使用不超过 3 年."""
    due = rules.next_due(rules.UnitFacts("2150", safety_grade=grade), dt.date(2024, 1, 31))
    assert due.due_on == rules.add_months(dt.date(2024, 1, 31), months)
    assert "TSG 21-2016" in due.source


def test_vessel_grade_5_has_no_next_date_and_first_inspection_within_3_years():
    """TSG 21-2016 8.1.6: grade 5 may not be used; the first inspection within 3 years of 投入使用."""
    assert rules.next_due(rules.UnitFacts("2150", safety_grade=5), dt.date(2024, 1, 1)).due_on is None
    first = rules.next_due(rules.UnitFacts("2150", commissioned_on=dt.date(2025, 6, 1)), None)
    assert first.due_on == dt.date(2028, 6, 1) and first.rule == "vessel_first"


def test_lifting_machinery_tsg_q7015():
    """TSG Q7015-2016: tower cranes, hoists and mobile cranes yearly; bridge/gantry cranes every 2 years."""
    last = dt.date(2026, 1, 10)
    assert rules.next_due(rules.UnitFacts("4300"), last).due_on == dt.date(2027, 1, 10)
    assert rules.next_due(rules.UnitFacts("4800"), last).due_on == dt.date(2027, 1, 10)
    assert rules.next_due(rules.UnitFacts("4100"), last).due_on == dt.date(2028, 1, 10)


def test_boiler_ride_ropeway_vehicle_yearly():
    """TSG 11-2020 (外部检验每年), rides, TSG S7001-2013 (ropeways) and TSG 81-2022 (vehicles): 1 year."""
    last = dt.date(2026, 2, 28)
    for variety, key in (("1100", "boiler"), ("6200", "ride"), ("9100", "ropeway"), ("5100", "vehicle")):
        due = rules.next_due(rules.UnitFacts(variety), last)
        assert (due.due_on, due.rule) == (dt.date(2027, 2, 28), key)


def test_cylinder_interval_from_its_params_tsg23():
    due = rules.next_due(rules.UnitFacts("2310", params={"inspection_interval_years": 4}), dt.date(2024, 5, 1))
    assert due.due_on == dt.date(2028, 5, 1)
    assert rules.next_due(rules.UnitFacts("2310"), dt.date(2024, 5, 1)).due_on is None


def test_month_end_arithmetic():
    assert rules.add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)
    assert rules.add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)


def test_due_state_one_month_window_special_equipment_law_art40():
    """特种设备安全法 第四十条: request the inspection one month before validity ends → 30-day due-soon window."""
    due = dt.date(2027, 1, 1)
    assert rules.due_state(due, dt.date(2027, 1, 2)) == "overdue"
    assert rules.due_state(due, dt.date(2027, 1, 1)) == "due_soon"
    assert rules.due_state(due, dt.date(2026, 12, 2)) == "due_soon"   # 30 days before
    assert rules.due_state(due, dt.date(2026, 12, 1)) == "ok"         # 31 days before
    assert rules.due_state(due, dt.date(2028, 1, 1), "scrapped") == "inactive"


def test_params_per_category():
    assert rules.check_params("3110", {"rated_load_kg": "1000", "rated_speed_m_s": 1.75, "floors": 18})["rated_load_kg"] == 1000.0
    with pytest.raises(DomainError) as exc:
        rules.check_params("3110", {"rated_load_kg": 1000, "floors": 18})
    assert (exc.value.code, exc.value.field) == ("equipment.missing_param", "params.rated_speed_m_s")
    with pytest.raises(DomainError) as exc:
        rules.check_params("2150", {"design_pressure_mpa": -1, "volume_m3": 2, "medium": "空气"})
    assert exc.value.code == "equipment.bad_param"
    assert rules.check_params("3310", {"rated_speed_m_s": 0.5, "width_mm": 1000})


def test_conclusions_and_division_prefix():
    assert rules.parse_conclusion("整改后合格") == "pass_after_rectification"
    assert rules.parse_conclusion("不合格") == "fail"
    with pytest.raises(DomainError):
        rules.parse_conclusion("基本合格")
    assert [rules.division_prefix(c) for c in ("330000", "330100", "330106")] == ["33", "3301", "330106"]


def test_bulk_due_date_is_the_explained_rule():
    """rules.next_due_date (the 10^6-unit path) gives the date and row of rules.next_due for every kind of unit:
    elevators 12 months (TSG T7001-2023), vessels by grade (TSG 21-2016 8.1.6: 1–2 → 6 y, 3 → 3 y, 5 → none),
    a cylinder by its own interval (TSG 23-2021), cranes 1 or 2 years (TSG Q7015-2016)."""
    import datetime as dt

    from zhijian.equipment import rules

    last, comm = dt.date(2024, 2, 29), dt.date(2020, 5, 31)
    cases = [("3110", None, None), ("2150", 1, None), ("2150", 3, None), ("2150", 5, None), ("2150", None, None),
             ("2310", None, {"inspection_interval_years": 3}), ("2310", None, {}), ("4300", None, None),
             ("4100", None, None), ("8300", 2, None), ("1100", None, None), ("6200", None, None)]
    for variety, grade, params in cases:
        for li in (last, None):
            due = rules.next_due(rules.UnitFacts(variety, "in_use", comm, grade, params), li)
            assert rules.next_due_date(variety, grade, params, li, comm) == (due.due_on, due.rule), (variety, grade, li)
    assert rules.next_due_date("3110", None, None, last, comm) == (dt.date(2025, 2, 28), "elevator")
    assert rules.next_due_date("2150", 1, None, last, comm) == (dt.date(2030, 2, 28), "vessel_grade_1_2")


def test_array_due_dates_equal_the_scalar_rule_for_every_category():
    """rules.next_due_days (NumPy, the whole-registry recompute) gives exactly rules.next_due's date and row for a
    sample of every category and interval-table row: month ends (31 Jan + 1 month → 28/29 Feb, as add_months
    counts), leap days, never inspected (投入使用 + interval, TSG 21-2016 8.1.6 首次定期检验 3 年内), no date at all,
    grade 5 (no date), cylinders with and without their own interval (TSG 23-2021)."""
    import datetime as dt
    import random

    import numpy as np

    from zhijian.equipment import rules

    rng = random.Random(18)
    varieties = ["3110", "3310", "3210", "1100", "1200", "2150", "2310", "2320", "4100", "4300", "4400", "4800", "5100",
                 "6200", "8300", "9100"]
    ends = [dt.date(2024, 1, 31), dt.date(2024, 2, 29), dt.date(2023, 3, 31), dt.date(2025, 8, 31), dt.date(2020, 12, 31)]
    cases = []
    for _ in range(3000):
        v = rng.choice(varieties)
        grade = rng.choice([None, 1, 2, 3, 4, 5]) if v[0] in "28" else None
        params = rng.choice([{"inspection_interval_years": rng.choice([2, 3, 5])}, {}, None]) if v[:2] == "23" else None
        day = lambda: rng.choice(ends + [dt.date(1990, 1, 1) + dt.timedelta(days=rng.randrange(15000)), None])  # noqa: E731
        cases.append((v, grade, params, day(), day()))
    epoch = dt.date(1970, 1, 1)

    def days(ds):
        return np.array([rules.NO_DAY if d is None else (d - epoch).days for d in ds], dtype=np.int64)

    due, rule, keys = rules.next_due_days([c[0] for c in cases], [c[1] for c in cases],
                                          [(c[2] or {}).get("inspection_interval_years") for c in cases],
                                          days([c[3] for c in cases]), days([c[4] for c in cases]))
    for (v, grade, params, last, comm), d, r in zip(cases, due.tolist(), rule.tolist(), strict=True):
        want = rules.next_due(rules.UnitFacts(v, "in_use", comm, grade, params), last)
        got = None if d == rules.NO_DAY else epoch + dt.timedelta(days=d)
        assert (got, keys[r]) == (want.due_on, want.rule), (v, grade, params, last, comm)
    assert {keys[r] for r in rule.tolist()} == set(rules.CURRENT_TABLE.rows)  # every row of the table was hit
    jan31 = np.array([(dt.date(2024, 1, 31) - epoch).days], dtype=np.int64)
    assert (epoch + dt.timedelta(days=int(rules.add_months_days(jan31, np.array([1]))[0]))) == dt.date(2024, 2, 29)
    assert (epoch + dt.timedelta(days=int(rules.add_months_days(jan31, np.array([13]))[0]))) == dt.date(2025, 2, 28)
