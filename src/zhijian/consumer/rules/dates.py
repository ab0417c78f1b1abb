"""Dates of the room (pure): working days on the PRC calendar (工作日, delegated to `zhijian.platform.calendar`) and
the one whole-year shift (the same calendar day n years later) that the three-year limit of a complaint and the
five-year validity of a CCC certificate both count with."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from zhijian.platform.calendar import WorkCalendar, default_calendar
from zhijian.platform.errors import DomainError

# ====================================================================== working days (工作日)
# Thin delegations to the platform calendar (zhijian.platform.calendar): the State Council's notices as data, the
# statutory rule of 《全国年节及纪念日放假办法》 for years without one. Pure callers get the package calendar; a service
# passes `calendar=zhijian.platform.deadlines.calendar(session)` to see the notices an admin imported.

Interval = tuple[dt.date, dt.date]


def _cal(calendar: WorkCalendar | None) -> WorkCalendar:
    return calendar if calendar is not None else default_calendar()


def calendar_known(day: dt.date, calendar: WorkCalendar | None = None) -> bool:
    """Whether a published 放假安排 covers the year (else the day is computed by rule and provisional)."""
    return not _cal(calendar).is_provisional_year(day.year)


def is_workday(day: dt.date, calendar: WorkCalendar | None = None) -> bool:
    """工作日: Monday–Friday unless a rest day of the year's notice (or the statutory rule), plus 调休上班 weekends."""
    return _cal(calendar).is_workday(day)


def add_working_days(start: dt.date, n: int, excluded: Sequence[Interval] = (),
                     calendar: WorkCalendar | None = None) -> dt.date:
    """The n-th working day after `start` (the day of receipt is not counted: 期间开始之日不计算在内).

    Days inside an `excluded` interval (检测、检验、鉴定 time) do not count, both ends inclusive.
    """
    if n < 0:
        raise DomainError("consumer.bad_days", "工作日数不能为负", "number of working days must not be negative",
                          field="days")
    return _cal(calendar).add_working_days(start, n, excluded).due


def working_days_between(start: dt.date, end: dt.date, excluded: Sequence[Interval] = (),
                         calendar: WorkCalendar | None = None) -> int:
    """Working days in (start, end], negative when end is before start; excluded intervals not counted."""
    return _cal(calendar).working_days_between(start, end, excluded)


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` later (29 February → 28 February): the three-year limit of a complaint
    (《暂行办法》第十五条) and the five-year validity of a CCC certificate are both counted this way."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
