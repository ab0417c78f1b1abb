"""The working-day calendar as data (zhijian.platform.calendar): notices, the statutory rule, period arithmetic.

Sources quoted:
- 《民法典》第二百零一条: 按照年、月、日计算期间的，开始的当日不计入，自下一日开始计算。
- 《民法典》第二百零三条: 期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日。
- 《全国年节及纪念日放假办法》（2024年11月10日国务院令第795号修订，2025年1月1日施行）第二条: 全体公民放假的节日：
  新年，放假1天（1月1日）；春节，放假4天（农历除夕、正月初一至初三）；清明节，放假1天（农历清明当日）；劳动节，放假2天
  （5月1日、2日）；端午节，放假1天（农历端午当日）；中秋节，放假1天（农历中秋当日）；国庆节，放假3天（10月1日至3日）。
  第六条: 全体公民放假的假日，如果适逢星期六、星期日，应当在工作日补假。
- 国务院办公厅关于2026年部分节假日安排的通知: 国庆节、中秋节 10月1日至7日放假调休，共7天；9月20日（周日）、
  10月10日（周六）上班 (as held by the chinesecalendar package, 1.11.0).
"""

from __future__ import annotations

import datetime as dt

import pytest

from zhijian.platform.calendar import (
    REST,
    WORK,
    DayEntry,
    WorkCalendar,
    YearNotice,
    check_notice,
    default_calendar,
    package_notices,
    parse_notice_csv,
    qingming,
    rule_year,
    statutory_holidays,
)
from zhijian.platform.errors import DomainError

D = dt.date
CAL = default_calendar()


def test_objection_window_ending_on_national_day_2026_moves_to_the_next_working_day():
    # Finding: notified 2026-09-16, 15 calendar days end 2026-10-01 (国庆节). Art. 203: the period ends on the day
    # after the holiday ends — the 2026 notice has 10-01..10-07 off, so 2026-10-08 (Thursday, a working day).
    d = CAL.add_calendar_days(D(2026, 9, 16), 15)
    assert d.due == D(2026, 10, 8)
    assert not d.provisional
    assert "第二百零三条" in d.basis and "2026-10-01" in d.basis and "国庆节" in d.basis
    assert [CAL.is_workday(D(2026, 10, k)) for k in range(1, 9)] == [False] * 7 + [True]


def test_calendar_days_not_ending_on_a_rest_day_stay_put():
    d = CAL.add_calendar_days(D(2026, 3, 2), 15)  # 2026-03-17, a Tuesday
    assert d.due == D(2026, 3, 17) and not d.provisional and "第二百零一条" in d.basis


def test_calendar_days_ending_on_a_weekend_move_to_monday_but_a_tiaoxiu_saturday_is_a_working_day():
    assert CAL.add_calendar_days(D(2026, 3, 6), 15).due == D(2026, 3, 23)  # 03-21 Sat → Mon 03-23
    # 2026-10-10 is a Saturday worked (调休上班) in the 2026 notice: a period ending on it ends on it
    assert CAL.is_workday(D(2026, 10, 10))
    assert CAL.add_calendar_days(D(2026, 9, 25), 15).due == D(2026, 10, 10)


def test_new_year_2027_is_not_a_working_day():
    # Finding: 2026-12-24 + 7 working days counted 2027-01-01 as a working day (Mon–Fri fallback after the data):
    # 12-25, 12-28, 12-29, 12-30, 12-31, [01-01 元旦 rest], 01-04, 01-05 → 2027-01-05 (old code: 2027-01-04).
    d = CAL.add_working_days(D(2026, 12, 24), 7)
    assert d.due == D(2027, 1, 5)
    assert d.provisional and "2027" in d.basis and "暂定" in d.basis
    assert not CAL.is_workday(D(2027, 1, 1))


def test_national_day_2027_by_rule_is_skipped_and_provisional():
    # Art. 2: 10-01..10-03 (Fri–Sun); Art. 6: 10-02 (Sat) and 10-03 (Sun) are made up on 10-04 and 10-05.
    assert [CAL.is_workday(D(2027, 10, k)) for k in range(1, 7)] == [False] * 5 + [True]
    d = CAL.add_working_days(D(2027, 9, 28), 5)  # 09-29, 09-30, [10-01..10-05], 10-06, 10-07, 10-08
    assert d.due == D(2027, 10, 8) and d.provisional
    # the old Mon–Fri count gave 10-05 (a week early in the words for longer periods)
    assert CAL.add_calendar_days(D(2027, 9, 16), 15).due == D(2027, 10, 6)


def test_spring_festival_2027_from_chuxi():
    # 除夕 2027 = 腊月廿九 (the twelfth month of 丙午 has 29 days) = 2027-02-05; 正月初一 = 2027-02-06.
    days = [e.day for e in statutory_holidays(2027) if e.name == "春节"]
    assert days == [D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8)]
    assert all(not CAL.is_workday(D(2027, 2, k)) for k in (5, 6, 7, 8))
    # Art. 6: 02-06 (Sat) and 02-07 (Sun) are made up on the next weekdays, 02-09 and 02-10
    assert not CAL.is_workday(D(2027, 2, 9)) and not CAL.is_workday(D(2027, 2, 10))
    assert CAL.is_workday(D(2027, 2, 11)) and CAL.is_workday(D(2027, 2, 4))
    assert CAL.add_working_days(D(2027, 2, 4), 1).due == D(2027, 2, 11)


def test_statutory_rule_days_of_2027():
    got = {e.day: e.name for e in statutory_holidays(2027)}
    assert got == {
        D(2027, 1, 1): "元旦", D(2027, 2, 5): "春节", D(2027, 2, 6): "春节", D(2027, 2, 7): "春节",
        D(2027, 2, 8): "春节", D(2027, 4, 5): "清明节", D(2027, 5, 1): "劳动节", D(2027, 5, 2): "劳动节",
        D(2027, 6, 9): "端午节", D(2027, 9, 15): "中秋节",  # 农历五月初五, 八月十五 of 丁未
        D(2027, 10, 1): "国庆节", D(2027, 10, 2): "国庆节", D(2027, 10, 3): "国庆节"}
    assert len(got) == 13  # 13 days of holidays for all citizens since the 2024 amendment


@pytest.mark.parametrize("year", [2025, 2026])
def test_rule_agrees_with_the_published_notices(year):
    # Every day the rule computes is a rest day in the State Council's notice of that year (package data).
    notice = package_notices()[year]
    check_notice(year, notice.days)  # raises on any statutory day the notice does not give off
    rests = {e.day for e in notice.days if e.kind == REST}
    for h in statutory_holidays(year):
        assert h.day in rests or h.day.weekday() >= 5


def test_qingming_solar_term():
    # 清明 2025-04-04, 2026-04-05, 2027-04-05, 2028-04-04 (the 2025 and 2026 notices give those days off)
    assert [qingming(y) for y in (2025, 2026, 2027, 2028)] == [D(2025, 4, 4), D(2026, 4, 5), D(2027, 4, 5),
                                                              D(2028, 4, 4)]


def test_mid_autumn_on_national_day_is_made_up():
    # 2031: 中秋 (八月十五) falls on 2031-10-01, the same day as National Day: the day is owed (made up) once more.
    hol = {e.day: e.name for e in statutory_holidays(2031)}
    assert hol[D(2031, 10, 1)] in ("国庆节", "中秋节")
    assert sum(1 for e in statutory_holidays(2031) if e.day == D(2031, 10, 1)) == 2
    rests = [e for e in rule_year(2031).days if e.name.endswith("（补假）")]
    assert any(e.day.month == 10 for e in rests)


def test_years_with_a_notice_are_not_provisional_and_others_are():
    assert not CAL.is_provisional_year(2026) and CAL.is_provisional_year(2027)
    assert not CAL.add_working_days(D(2026, 6, 1), 10).provisional
    assert CAL.notice(2027).provisional and CAL.notice(2027).source.startswith("《全国年节及纪念日放假办法》")


def test_imported_notice_overrides_the_rule():
    # a (hypothetical) 2027 notice with 10-01..10-07 off and 09-26 (Sun), 10-09 (Sat) worked
    entries = [DayEntry(D(2027, 10, k), REST, "国庆节") for k in range(1, 8)]
    entries += [DayEntry(D(2027, 9, 26), WORK, "国庆节"), DayEntry(D(2027, 10, 9), WORK, "国庆节")]
    entries += [DayEntry(d, REST, "x") for d in (D(2027, 1, 1), *[D(2027, 2, k) for k in range(5, 9)],
                                                 D(2027, 4, 5), D(2027, 5, 3), D(2027, 6, 9), D(2027, 9, 15))]
    cal = CAL.with_notices({2027: YearNotice(2027, tuple(entries), "test notice")})
    assert not cal.is_provisional_year(2027)
    assert cal.is_workday(D(2027, 9, 26)) and cal.is_workday(D(2027, 10, 9)) and not cal.is_workday(D(2027, 10, 6))
    d = cal.add_working_days(D(2027, 9, 28), 5)  # 09-29, 09-30, [10-01..10-07], 10-08, 10-09 (Sat worked), 10-11
    assert d.due == D(2027, 10, 11) and not d.provisional


def test_working_days_between_and_excluded_intervals():
    assert CAL.working_days_between(D(2026, 9, 30), D(2026, 10, 9)) == 2  # 10-08, 10-09
    assert CAL.working_days_between(D(2026, 10, 9), D(2026, 9, 30)) == -2
    assert CAL.working_days_between(D(2026, 5, 6), D(2026, 5, 6)) == 0
    excl = [(D(2026, 6, 1), D(2026, 6, 5))]
    assert CAL.add_working_days(D(2026, 5, 29), 1, excl).due == D(2026, 6, 8)
    assert CAL.working_days_between(D(2026, 5, 29), D(2026, 6, 8), excl) == 1
    with pytest.raises(DomainError) as e:
        CAL.add_working_days(D(2026, 5, 29), 1, [(D(2026, 6, 5), D(2026, 6, 1))])
    assert e.value.code == "calendar.bad_interval"
    with pytest.raises(DomainError) as e:
        CAL.add_calendar_days(D(2026, 5, 29), -1)
    assert e.value.code == "calendar.bad_days"


def test_working_days_agree_with_the_package_in_its_years():
    import chinese_calendar

    day = D(2025, 1, 1)
    while day <= D(2026, 12, 31):
        assert CAL.is_workday(day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)


NOTICE_2027 = """date,kind,name
2027-01-01,休,元旦
2027-02-05,休,春节
2027-02-06,休,春节
2027-02-07,休,春节
2027-02-08,休,春节
2027-04-05,休,清明节
2027-05-01,休,劳动节
2027-05-02,休,劳动节
2027-06-09,休,端午节
2027-09-15,休,中秋节
2027-10-01,休,国庆节
2027-10-02,休,国庆节
2027-10-03,休,国庆节
2027-09-26,班,国庆节
"""


def test_parse_notice_csv():
    got = parse_notice_csv(NOTICE_2027, year=2027)
    assert list(got) == [2027] and len(got[2027]) == 14
    assert DayEntry(D(2027, 9, 26), WORK, "国庆节") in got[2027]


@pytest.mark.parametrize("text,code", [
    ("", "calendar.empty"),
    ("date,kind,name\n", "calendar.empty"),
    ("2027-13-01,休,x\n", "calendar.bad_date"),
    ("2027-01-01,放,元旦\n", "calendar.bad_kind"),
    ("2027-01-01\n", "calendar.bad_line"),
    (NOTICE_2027 + "2027-01-01,休,元旦\n", "calendar.duplicate_date"),
    (NOTICE_2027 + "2027-09-27,班,国庆节\n", "calendar.bad_workday"),  # a Monday is a working day anyway
    (NOTICE_2027 + "2028-01-01,休,元旦\n", "calendar.wrong_year"),
    (NOTICE_2027.replace("2027-10-01,休", "2027-10-11,休"), "calendar.missing_holiday"),
])
def test_parse_notice_csv_refuses_bad_files(text, code):
    with pytest.raises(DomainError) as e:
        parse_notice_csv(text, year=2027)
    assert e.value.code == code and e.value.message_zh and e.value.message_en


def test_workcalendar_without_notices_is_all_rule():
    cal = WorkCalendar()
    assert cal.is_provisional_year(2026)
    assert not cal.is_workday(D(2026, 10, 1))


# ---------------------------------------------------------------------------------------------- properties

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

days_2004_2035 = st.dates(min_value=D(2004, 1, 1), max_value=D(2035, 12, 31))


@settings(max_examples=300, deadline=None)
@given(days_2004_2035, st.integers(min_value=0, max_value=60))
def test_working_days_round_trip(start, n):
    d = CAL.add_working_days(start, n)
    assert CAL.working_days_between(start, d.due) == n
    if n:
        assert CAL.is_workday(d.due) and d.due > start


@settings(max_examples=300, deadline=None)
@given(days_2004_2035, st.integers(min_value=1, max_value=60))
def test_calendar_days_end_on_the_first_working_day_on_or_after_the_nominal_end(start, n):
    nominal = start + dt.timedelta(days=n)
    d = CAL.add_calendar_days(start, n)
    assert d.due >= nominal and CAL.is_workday(d.due)
    assert all(not CAL.is_workday(nominal + dt.timedelta(days=k)) for k in range((d.due - nominal).days))
    assert d.provisional == any(CAL.is_provisional_year(y) for y in range(nominal.year, d.due.year + 1))


@pytest.mark.parametrize("year", range(2027, 2051))
def test_rule_years_have_13_holidays_and_a_makeup_for_each_weekend_one(year):
    hol = statutory_holidays(year)
    assert len(hol) == 13 and all(e.day.year == year for e in hol)
    # each holiday on a Saturday/Sunday, or on a day already a holiday (中秋 on 国庆), is owed one weekday off
    owed = sum(1 for i, e in enumerate(hol) if e.day.weekday() >= 5 or e.day in {x.day for x in hol[:i]})
    made_up = [e for e in rule_year(year).days if e.name.endswith("（补假）")]
    assert len(made_up) == owed and all(e.day.weekday() < 5 for e in made_up)
    # 春节 always starts on 除夕, the day before 正月初一, between 21 Jan and 20 Feb
    spring = [e.day for e in hol if e.name == "春节"]
    assert D(year, 1, 20) <= spring[0] <= D(year, 2, 19) and spring[-1] - spring[0] == dt.timedelta(days=3)
