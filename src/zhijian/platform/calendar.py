"""The PRC working-day calendar as data, and period arithmetic on it (pure: no I/O, no database).

工作日 follow the State Council's yearly 放假安排 (国务院办公厅关于××年部分节假日安排的通知): the notice lists the
rest days (休) and the adjusted working weekends (调休上班, 班) of a year; every other day is a working day Monday to
Friday and a rest day on Saturday and Sunday. A `WorkCalendar` holds one `YearNotice` per year:

* years that have a published notice — seeded from the maintained ``chinesecalendar`` package for the years it
  has, or imported by an admin from the notice (`zhijian calendar import 2027.csv`);
* years with no notice yet — the statutory holidays computed by rule from 《全国年节及纪念日放假办法》 (as amended by
  State Council Decree No. 795, 2024, in force 2025-01-01), Art. 2 (新年 1 日; 春节 4 日: 农历除夕、正月初一至初三;
  清明节 1 日: 农历清明当日; 劳动节 2 日: 5 月 1、2 日; 端午节 1 日; 中秋节 1 日; 国庆节 3 日: 10 月 1 日至 3 日) and
  Art. 6 (a holiday of all citizens falling on a Saturday or Sunday is made up on a working day — 补假; the rule
  puts it on the first weekday after the holiday), with weekends as rest days and no 调休 (only a notice sets those).
  Every deadline that touches such a year is marked provisional.

Periods (《民法典》): the day a period starts is not counted, it runs from the next day (Art. 201); a period counted
in days whose last day is a 法定休假日 ends on the day after the rest period ends (Art. 203) — the next working day.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from zhijian.platform.errors import DomainError

REST, WORK = "休", "班"
Interval = tuple[dt.date, dt.date]

#: the first year governed by the 2024 text of 《全国年节及纪念日放假办法》 (Spring Festival from 除夕, Labour Day 2 days)
RULE_SINCE = 2025

RULE_SOURCE = "《全国年节及纪念日放假办法》（2024年修订）第二条、第六条推算"
PACKAGE_SOURCE = "chinesecalendar"

_EN_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "Mid-autumn Festival": "中秋节", "National Day": "国庆节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}
_KINDS = {"休": REST, "rest": REST, "holiday": REST, "h": REST, "班": WORK, "work": WORK, "workday": WORK, "w": WORK}


@dataclass(frozen=True)
class Deadline:
    """期限 — the day a period ends, whether it rests on a rule-computed year, and how it was counted (zh)."""

    due: dt.date
    provisional: bool
    basis: str


@dataclass(frozen=True)
class DayEntry:
    """One line of a 放假安排: a rest day (休) or an adjusted working weekend (班), with the festival's name."""

    day: dt.date
    kind: str
    name: str = ""


@dataclass(frozen=True)
class YearNotice:
    """The days of one year that differ from Monday–Friday work / weekend rest, and where they come from.

    `provisional` is true for a year computed by rule (no notice published or imported yet).
    """

    year: int
    days: tuple[DayEntry, ...]
    source: str
    provisional: bool = False

    @property
    def rest_days(self) -> int:
        return sum(1 for e in self.days if e.kind == REST)

    @property
    def working_weekends(self) -> int:
        return sum(1 for e in self.days if e.kind == WORK)


# ---------------------------------------------------------------------------------------------- statutory rule


def _lunar_to_solar(year: int, month: int, day: int) -> dt.date:
    from lunar_python import Lunar

    s = Lunar.fromYmd(year, month, day).getSolar()
    return dt.date(s.getYear(), s.getMonth(), s.getDay())


def qingming(year: int) -> dt.date:
    """清明 — the solar-term day (from the lunar_python ephemeris)."""
    from lunar_python import Solar

    s = Solar.fromYmd(year, 4, 15).getLunar().getJieQiTable()["清明"]
    day = dt.date(s.getYear(), s.getMonth(), s.getDay())
    if day.year != year:  # pragma: no cover - the table of the lunar year around April always holds that April's term
        raise ValueError(f"清明 of {year} not found")
    return day


@lru_cache(maxsize=256)
def statutory_holidays(year: int) -> tuple[DayEntry, ...]:
    """Art. 2 of 《全国年节及纪念日放假办法》 (2024): the 13 days of holidays for all citizens, by rule.

    New Year 1 Jan; Spring Festival 除夕 and 正月初一–初三 (除夕 is the last day of the twelfth lunar month, 29th or
    30th); Qingming on the solar term; Labour Day 1–2 May; Dragon Boat 农历五月初五; Mid-Autumn 农历八月十五;
    National Day 1–3 Oct.
    """
    d = dt.date
    new_year = _lunar_to_solar(year, 1, 1)
    out = [DayEntry(d(year, 1, 1), REST, "元旦")]
    out += [DayEntry(new_year + dt.timedelta(days=k), REST, "春节") for k in (-1, 0, 1, 2)]
    out.append(DayEntry(qingming(year), REST, "清明节"))
    out += [DayEntry(d(year, 5, 1), REST, "劳动节"), DayEntry(d(year, 5, 2), REST, "劳动节")]
    out.append(DayEntry(_lunar_to_solar(year, 5, 5), REST, "端午节"))
    out.append(DayEntry(_lunar_to_solar(year, 8, 15), REST, "中秋节"))
    out += [DayEntry(d(year, 10, k), REST, "国庆节") for k in (1, 2, 3)]
    return tuple(sorted(out, key=lambda e: e.day))


@lru_cache(maxsize=256)
def rule_year(year: int) -> YearNotice:
    """A year without a notice: the statutory holidays plus Art. 6 补假 on the first free weekday after each
    holiday that falls on a weekend (or on another holiday, as 中秋 on 国庆 does), weekends rest, no 调休."""
    holidays = statutory_holidays(year)
    rest: dict[dt.date, str] = {}
    owed: list[tuple[dt.date, str]] = []
    for e in holidays:
        if e.day.weekday() >= 5 or e.day in rest:
            owed.append((e.day, e.name))
        rest.setdefault(e.day, e.name)
    makeups: dict[dt.date, str] = {}
    for day, name in owed:
        cand = day + dt.timedelta(days=1)
        while cand.weekday() >= 5 or cand in rest or cand in makeups:
            cand += dt.timedelta(days=1)
        makeups[cand] = f"{name}（补假）"
    entries = [DayEntry(k, REST, v) for k, v in rest.items()] + [DayEntry(k, REST, v) for k, v in makeups.items()]
    entries = [e for e in entries if e.day.year == year]  # a 补假 pushed past 31 Dec belongs to no year's notice
    return YearNotice(year, tuple(sorted(entries, key=lambda e: e.day)), RULE_SOURCE, provisional=True)


# ---------------------------------------------------------------------------------------------- notices


@lru_cache(maxsize=1)
def package_notices() -> dict[int, YearNotice]:
    """The years the ``chinesecalendar`` package holds (the State Council notices up to its last release)."""
    import chinese_calendar  # type: ignore[import-untyped]  # the package ships no type hints
    from chinese_calendar import constants

    try:
        from importlib.metadata import version

        label = f"{PACKAGE_SOURCE} {version('chinesecalendar')}"
    except Exception:  # pragma: no cover
        label = PACKAGE_SOURCE
    by_year: dict[int, list[DayEntry]] = {}
    for day, name in constants.holidays.items():
        by_year.setdefault(day.year, []).append(DayEntry(day, REST, _EN_NAMES.get(str(name), str(name))))
    for day, name in constants.workdays.items():
        by_year.setdefault(day.year, []).append(DayEntry(day, WORK, _EN_NAMES.get(str(name), str(name))))
    out: dict[int, YearNotice] = {}
    for year, entries in by_year.items():
        try:  # the package raises for years it has no data for
            chinese_calendar.is_workday(dt.date(year, 6, 1))
        except NotImplementedError:  # pragma: no cover
            continue
        out[year] = YearNotice(year, tuple(sorted(entries, key=lambda e: e.day)), label)
    return out


def _bad(code: str, zh: str, en: str, fld: str = "file") -> DomainError:
    return DomainError(f"calendar.{code}", zh, en, field=fld)


def parse_notice_csv(text: str, *, year: int | None = None) -> dict[int, list[DayEntry]]:
    """Read a 放假安排 as CSV `date,kind,name` (kind 休 or 班; a header line is optional), one or more years.

    Every line is checked (date, kind, duplicates, a 班 only on a Saturday or Sunday, the year if given) and then
    every year against the statutory rule (`check_notice`); the first problem is raised with its line number.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    rows = list(csv.reader(io.StringIO(text)))
    by_year: dict[int, list[DayEntry]] = {}
    seen: set[dt.date] = set()
    for lineno, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row]
        if not cells or not any(cells) or cells[0].startswith("#"):
            continue
        if lineno == 1 and cells[0].lower() in ("date", "日期"):
            continue
        if len(cells) < 2:
            raise _bad("bad_line", f"第 {lineno} 行应为「日期,休/班,名称」", f"line {lineno}: expected date,kind,name")
        try:
            day = dt.date.fromisoformat(cells[0].replace("/", "-"))
        except ValueError:
            raise _bad("bad_date", f"第 {lineno} 行日期「{cells[0]}」无效（应为 YYYY-MM-DD）",
                       f"line {lineno}: invalid date '{cells[0]}' (expected YYYY-MM-DD)") from None
        kind = _KINDS.get(cells[1].lower())
        if kind is None:
            raise _bad("bad_kind", f"第 {lineno} 行类型「{cells[1]}」无效（应为 休 或 班）",
                       f"line {lineno}: invalid kind '{cells[1]}' (expected 休 or 班)")
        name = cells[2] if len(cells) > 2 else ""
        if len(name) > 32:
            raise _bad("bad_name", f"第 {lineno} 行名称超过 32 字", f"line {lineno}: name longer than 32 characters")
        if day in seen:
            raise _bad("duplicate_date", f"第 {lineno} 行日期 {day} 重复", f"line {lineno}: date {day} listed twice")
        if year is not None and day.year != year:
            raise _bad("wrong_year", f"第 {lineno} 行日期 {day} 不属于 {year} 年",
                       f"line {lineno}: date {day} is not in {year}")
        if kind == WORK and day.weekday() < 5:
            raise _bad("bad_workday", f"第 {lineno} 行：{day} 是周一至周五，本就是工作日，不能标为调休上班（班）",
                       f"line {lineno}: {day} is a weekday; only a Saturday or Sunday can be an adjusted working day")
        seen.add(day)
        by_year.setdefault(day.year, []).append(DayEntry(day, kind, name))
    if not by_year:
        raise _bad("empty", "放假安排文件没有任何日期", "the holiday notice file lists no dates")
    for y, entries in by_year.items():
        check_notice(y, entries)
    return by_year


def check_notice(year: int, entries: Iterable[DayEntry]) -> None:
    """A notice for a year under the 2024 text must give every statutory holiday as a rest day (a 休 line, or a
    weekend not turned into a working day): a missing one is almost always a mistyped date."""
    if year < RULE_SINCE:
        return
    kinds = {e.day: e.kind for e in entries}
    for h in statutory_holidays(year):
        k = kinds.get(h.day)
        rests = k == REST or (k is None and h.day.weekday() >= 5)
        if not rests:
            raise _bad("missing_holiday",
                       f"{year} 年放假安排缺少法定节假日 {h.day}（{h.name}，《全国年节及纪念日放假办法》第二条）",
                       f"the {year} notice does not give the statutory holiday {h.day} ({h.name}) as a rest day")


# ---------------------------------------------------------------------------------------------- the calendar


@dataclass
class WorkCalendar:
    """工作日历: published notices per year, the statutory rule for every other year.

    `notices` maps a year to its notice; later sources override earlier ones when the caller merges them
    (`with_notices`). Instances are treated as immutable once built (rule years are cached inside).
    """

    notices: Mapping[int, YearNotice] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._days: dict[int, dict[dt.date, tuple[bool, str]]] = {}
        self._flags: dict[int, tuple[int, int, bytes]] = {}  # year → (ordinal of 1 Jan, of next 1 Jan, 1 = work)

    # -- data
    def with_notices(self, notices: Mapping[int, YearNotice]) -> WorkCalendar:
        merged = dict(self.notices)
        merged.update(notices)
        return WorkCalendar(merged)

    def notice(self, year: int) -> YearNotice:
        """The year's notice, or the rule-computed year (provisional) when none is published."""
        return self.notices.get(year) or rule_year(year)

    def is_provisional_year(self, year: int) -> bool:
        return year not in self.notices

    def _year(self, year: int) -> dict[dt.date, tuple[bool, str]]:
        days = self._days.get(year)
        if days is None:
            days = {e.day: (e.kind == WORK, e.name) for e in self.notice(year).days}
            self._days[year] = days
        return days

    def _year_flags(self, year: int) -> tuple[int, int, bytes]:
        f = self._flags.get(year)
        if f is None:
            lo, hi = dt.date(year, 1, 1).toordinal(), dt.date(year + 1, 1, 1).toordinal()
            arr = bytearray(1 if (o - 1) % 7 < 5 else 0 for o in range(lo, hi))  # ordinal 1 is a Monday
            for e in self.notice(year).days:
                arr[e.day.toordinal() - lo] = 1 if e.kind == WORK else 0
            f = (lo, hi, bytes(arr))
            self._flags[year] = f
        return f

    def _count(self, first: int, last: int, excluded: Sequence[Interval], stop_at: int | None = None) -> tuple[int, int]:
        """Working days among the ordinals first..last (both included), or — with `stop_at` — walk from `first` until
        that many are counted; returns (count, last ordinal looked at)."""
        ex = [(a.toordinal(), b.toordinal()) for a, b in excluded]
        lo, hi, fl = self._year_flags(dt.date.fromordinal(first).year)
        n, o = 0, first - 1
        while (o < last) if stop_at is None else (n < stop_at):
            o += 1
            if o >= hi:
                lo, hi, fl = self._year_flags(dt.date.fromordinal(o).year)
            if fl[o - lo] and not (ex and any(a <= o <= b for a, b in ex)):
                n += 1
        return n, o

    # -- days
    def day_name(self, d: dt.date) -> str:
        entry = self._year(d.year).get(d)
        return entry[1] if entry else ("周末" if d.weekday() >= 5 else "")

    def is_workday(self, d: dt.date) -> bool:
        """工作日: Monday–Friday unless a rest day of the year's notice (or rule), plus the 调休 working weekends."""
        lo, _hi, fl = self._year_flags(d.year)
        return bool(fl[d.toordinal() - lo])

    def next_workday(self, d: dt.date) -> dt.date:
        """`d` itself when it is a working day, else the first working day after it."""
        while not self.is_workday(d):
            d += dt.timedelta(days=1)
        return d

    # -- periods
    def _provisional_years(self, first: dt.date, last: dt.date) -> list[int]:
        return [y for y in range(first.year, last.year + 1) if self.is_provisional_year(y)]

    def _basis_tail(self, years: Sequence[int]) -> str:
        if not years:
            return ""
        ys = "、".join(str(y) for y in years)
        return f"；{ys}年尚无国务院放假安排，按《全国年节及纪念日放假办法》推算，暂定，公布后重算"

    def add_working_days(self, start: dt.date, n: int, excluded: Sequence[Interval] = ()) -> Deadline:
        """The n-th working day after `start` (the start day is not counted: day after start is day 1).

        Days inside an `excluded` interval (both ends inclusive: e.g. 检测、检验、鉴定 time) do not count.
        """
        _check_days(n)
        _check_intervals(excluded)
        day = dt.date.fromordinal(self._count(start.toordinal() + 1, 0, excluded, stop_at=n)[1]) if n else start
        years = self._provisional_years(start + dt.timedelta(days=1), day) if n else []
        excl = f"，不计{len(excluded)}段除外期间" if excluded else ""
        basis = f"{n}个工作日（自{start.isoformat()}次日起算，按国务院放假安排{excl}）{self._basis_tail(years)}"
        return Deadline(day, bool(years), basis)

    def add_calendar_days(self, start: dt.date, n: int) -> Deadline:
        """The n-th day after `start`; when it is a rest day, the next working day (《民法典》第二百零一条、第二百零三条)."""
        _check_days(n)
        nominal = start + dt.timedelta(days=n)
        due = self.next_workday(nominal) if n else nominal
        years = self._provisional_years(nominal, due) if n else []
        if due != nominal:
            why = self.day_name(nominal) or "休息日"
            basis = (f"{n}日（自{start.isoformat()}次日起算；末日{nominal.isoformat()}为法定休假日（{why}），"
                     f"顺延至节后第一个工作日{due.isoformat()}，《民法典》第二百零三条）")
        else:
            basis = f"{n}日（自{start.isoformat()}次日起算，《民法典》第二百零一条）"
        return Deadline(due, bool(years), basis + self._basis_tail(years))

    def working_days_between(self, start: dt.date, end: dt.date, excluded: Sequence[Interval] = ()) -> int:
        """Working days in (start, end], negative when end is before start; excluded intervals not counted."""
        _check_intervals(excluded)
        if end == start:
            return 0
        sign = 1
        if end < start:
            start, end, sign = end, start, -1
        return sign * self._count(start.toordinal() + 1, end.toordinal(), excluded)[0]


def _check_days(n: int) -> None:
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise DomainError("calendar.bad_days", "期间天数应为非负整数", "the number of days must be a whole number ≥ 0",
                          field="days")


def _check_intervals(excluded: Sequence[Interval]) -> None:
    for a, b in excluded:
        if b < a:
            raise DomainError("calendar.bad_interval", f"除外期间 {a}–{b} 的结束日早于开始日",
                              f"excluded interval {a}–{b} ends before it starts", field="excluded")


@lru_cache(maxsize=1)
def default_calendar() -> WorkCalendar:
    """The package's notices plus the rule for every other year (no database: pure callers and tests)."""
    return WorkCalendar(package_notices())


def parse_date(value: object, field: str, *, code: str | None = None, required: bool = False) -> dt.date | None:
    """A date typed by a person (form field, CLI option): '' or None is no date (an error when `required`), else
    YYYY-MM-DD or a `validation.invalid` error naming the field — the one parser the pages and CLIs share. With a
    room's own `code` (`cli.bad_date`, `spotcheck.bad_date`, `calendar.bad_date`, which their tests and callers
    know) the message quotes the value, as those commands and forms always said."""
    text = "" if value is None else str(value).strip()
    if not text and not required:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        if code is None:
            raise DomainError("validation.invalid", f"「{field}」应为日期 YYYY-MM-DD",
                              f"'{field}' must be a date (YYYY-MM-DD)", field=field) from None
        raise DomainError(code, f"日期「{text}」无效（应为 YYYY-MM-DD）", f"invalid date '{text}' (expected YYYY-MM-DD)",
                          field=field) from None


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day of the month ``months`` later (the last day when that month is shorter: 31 Jan + 1 → 28/29 Feb):
    the repeat-check window of a spot check and the inspection intervals of special equipment count this way."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # day 28 exists in every month
