"""The one deadline service of every room (期限): working-day and calendar-day periods on the calendar in the database.

The calendar is the ``chinesecalendar`` package's notices, overridden and extended by the notices an admin imports
(`import_notice`: `zhijian calendar import 2027.csv`, or the console page), and the statutory rule for every year
without one (see `zhijian.platform.calendar`). It is cached per database and rebuilt when a notice is imported
(in this process at once; in other processes on their next call, which compares a cheap stamp of the tables).

Rooms that store due dates keep a ``provisional`` flag beside them and offer two functions in their ``service``
or ``deadlines`` module, found through `zhijian.platform.rooms` (a room without them is skipped):
``provisional_deadlines(session) -> list[ProvisionalDeadline]`` and ``recompute_provisional_deadlines(session) -> int``
(recompute every stored provisional due date with `calendar(session)`, returning how many changed or were settled).
`import_notice` calls `recompute_provisional` in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from zhijian.platform import audit
from zhijian.platform.auth import Actor
from zhijian.platform.calendar import (
    REST,
    WORK,
    DayEntry,
    Deadline,
    Interval,
    WorkCalendar,
    YearNotice,
    default_calendar,
    parse_notice_csv,
    rule_year,
)
from zhijian.platform.calendar_models import CalendarDay, CalendarYear
from zhijian.platform.errors import DomainError

__all__ = ["Deadline", "ImportResult", "ProvisionalDeadline", "YearInfo", "calendar", "calendar_days",
           "import_notice", "invalidate", "provisional_deadlines", "recompute_provisional", "working_days",
           "year_notice", "years"]

_DB_KIND = {REST: "rest", WORK: "work"}
_KIND = {v: k for k, v in _DB_KIND.items()}

_lock = threading.Lock()
_cache: dict[str, tuple[tuple[Any, ...], WorkCalendar]] = {}


@dataclass(frozen=True)
class ProvisionalDeadline:
    """A stored due date computed on a rule-computed year (暂定), as a room reports it."""

    room: str
    entity: str
    entity_id: int
    kind: str
    due: dt.date
    basis: str = ""


@dataclass(frozen=True)
class YearInfo:
    """One year of the calendar as the admin page and `zhijian calendar show` list it."""

    year: int
    origin: str  # "imported" | "package" | "rule"
    source: str
    rest_days: int
    working_weekends: int
    provisional: bool
    imported_at: dt.datetime | None = None
    imported_by: str = ""


@dataclass(frozen=True)
class ImportResult:
    years: list[int]
    days: int
    recomputed: int


def _key(session: Session) -> str:
    bind = session.get_bind()
    return str(getattr(bind, "url", id(bind)))


def _stamp(session: Session) -> tuple[Any, ...]:
    years, last = session.execute(select(func.count(CalendarYear.year), func.max(CalendarYear.imported_at))).one()
    days = session.scalar(select(func.count()).select_from(CalendarDay))
    return (years, str(last), days)


def _imported(session: Session) -> dict[int, YearNotice]:
    heads = {y.year: y for y in session.scalars(select(CalendarYear))}
    by_year: dict[int, list[DayEntry]] = {y: [] for y in heads}
    for row in session.execute(select(CalendarDay.day, CalendarDay.year, CalendarDay.kind, CalendarDay.name)):
        by_year.setdefault(row.year, []).append(DayEntry(row.day, _KIND.get(row.kind, REST), row.name))
    return {y: YearNotice(y, tuple(sorted(days, key=lambda e: e.day)), _label(heads.get(y)))
            for y, days in by_year.items()}


def _label(head: CalendarYear | None) -> str:
    src = head.source if head is not None and head.source else "国务院办公厅放假安排"
    return f"{src}（导入）"


def invalidate() -> None:
    """Forget every cached calendar (called on import; other processes notice the changed stamp)."""
    with _lock:
        _cache.clear()


_SESSION_KEY = "zhijian.calendar"


def calendar(session: Session) -> WorkCalendar:
    """The working-day calendar of this database: package notices, imported notices over them, the rule elsewhere.

    Looked up once per session (one unit of work sees one calendar; an import in it resets the lookup).
    """
    held = session.info.get(_SESSION_KEY)
    if isinstance(held, WorkCalendar):
        return held
    key, stamp = _key(session), _stamp(session)
    with _lock:
        hit = _cache.get(key)
    if hit is not None and hit[0] == stamp:
        cal = hit[1]
    else:
        cal = default_calendar().with_notices(_imported(session)) if stamp[0] else default_calendar()
        with _lock:
            _cache[key] = (stamp, cal)
    session.info[_SESSION_KEY] = cal
    return cal


def working_days(session: Session, start: dt.date, n: int, excluded: Sequence[Interval] = ()) -> Deadline:
    """The n-th working day after `start` (the start day not counted), excluded intervals not counted."""
    return calendar(session).add_working_days(start, n, excluded)


def calendar_days(session: Session, start: dt.date, n: int) -> Deadline:
    """n days after `start`; a last day on a rest day moves to the next working day (《民法典》第二百零三条)."""
    return calendar(session).add_calendar_days(start, n)


def working_days_between(session: Session, start: dt.date, end: dt.date, excluded: Sequence[Interval] = ()) -> int:
    return calendar(session).working_days_between(start, end, excluded)


# ---------------------------------------------------------------------------------------------- years and import


def years(session: Session, *, first: int | None = None, last: int | None = None) -> list[YearInfo]:
    """Every year from `first` (default: five years ago) to `last` (default: two years ahead), with its origin."""
    today = dt.date.today()
    first = first if first is not None else today.year - 5
    last = last if last is not None else today.year + 2
    if last < first or last - first > 200:
        raise DomainError("calendar.bad_range", "年份范围无效", "invalid range of years", field="year")
    heads = {y.year: y for y in session.scalars(select(CalendarYear))}
    cal = calendar(session)
    pkg = default_calendar().notices
    out = []
    for y in range(first, last + 1):
        n = cal.notice(y)
        head = heads.get(y)
        origin = "imported" if head is not None else ("package" if y in pkg else "rule")
        out.append(YearInfo(y, origin, n.source, n.rest_days, n.working_weekends, cal.is_provisional_year(y),
                            head.imported_at if head else None, head.imported_by if head else ""))
    return out


def year_notice(session: Session, year: int) -> YearNotice:
    """The days of one year (its notice, or the rule-computed year marked provisional)."""
    if year < 1900 or year > 2200:
        raise DomainError("calendar.bad_year", f"年份 {year} 超出范围", f"year {year} is out of range", field="year")
    return calendar(session).notice(year)


def import_notice(session: Session, actor: Actor, text: str, *, source: str = "",
                  year: int | None = None) -> ImportResult:
    """Import a 放假安排 (CSV date,kind,name; kind 休/班) for one or more years, replacing those years whole, then
    recompute every stored provisional deadline. Admins only; nothing is written when any line is wrong."""
    actor.require("admin")
    if len(source) > 200:
        raise DomainError("calendar.bad_source", "来源（通知名称或文号）不能超过 200 字",
                          "the source (notice title or number) must be at most 200 characters", field="source")
    parsed = parse_notice_csv(text, year=year)
    n_days = 0
    for y, entries in sorted(parsed.items()):
        head = session.get(CalendarYear, y)
        before = None
        if head is not None:
            before = {"source": head.source, "days": _days_json(session, y)}
            session.execute(delete(CalendarDay).where(CalendarDay.year == y))
            head.source = source
            head.imported_at = _now()
            head.imported_by = actor.label
        else:
            head = CalendarYear(year=y, source=source, imported_at=_now(), imported_by=actor.label)
            session.add(head)
        session.flush()
        rows = [{"day": e.day, "year": y, "kind": _DB_KIND[e.kind], "name": e.name} for e in entries]
        session.execute(insert(CalendarDay), rows)
        n_days += len(rows)
        audit.record(session, "import" if before is None else "replace", "calendar_year", y, before,
                     {"source": source, "days": [[e.day.isoformat(), e.kind, e.name] for e in
                                                 sorted(entries, key=lambda e: e.day)]})
    session.flush()
    invalidate()
    session.info.pop(_SESSION_KEY, None)
    recomputed = recompute_provisional(session)
    return ImportResult(sorted(parsed), n_days, recomputed)


def _now() -> dt.datetime:
    from zhijian.platform.db import utcnow

    return utcnow()


def _days_json(session: Session, year: int) -> list[list[str]]:
    rows = session.execute(select(CalendarDay.day, CalendarDay.kind, CalendarDay.name)
                           .where(CalendarDay.year == year).order_by(CalendarDay.day))
    return [[r.day.isoformat(), _KIND.get(r.kind, REST), r.name] for r in rows]


def rule_preview(year: int) -> YearNotice:
    """The rule-computed year (for the page: what applies until the notice is imported)."""
    return rule_year(year)


# ---------------------------------------------------------------------------------------------- rooms' deadlines


def _room_services() -> list[tuple[str, Any]]:
    """Each room's ``deadlines`` module (its clocks), else its ``service`` module, that offers the hooks."""
    from zhijian.platform.rooms import ROOMS, room_module

    out = []
    for room in ROOMS:
        if room == "platform":
            continue
        for name in ("deadlines", "service"):
            mod = room_module(room, name)
            if mod is not None and (hasattr(mod, "provisional_deadlines")
                                    or hasattr(mod, "recompute_provisional_deadlines")):
                out.append((room, mod))
                break
    return out


def provisional_deadlines(session: Session) -> list[ProvisionalDeadline]:
    """Every stored deadline that rests on a rule-computed year, from every room that stores deadlines."""
    out: list[ProvisionalDeadline] = []
    for _room, mod in _room_services():
        fn = getattr(mod, "provisional_deadlines", None)
        if fn is not None:
            out.extend(fn(session))
    return sorted(out, key=lambda d: (d.due, d.room, d.entity, d.entity_id))


def recompute_provisional(session: Session) -> int:
    """Recompute every stored provisional deadline on the current calendar (after a notice is imported)."""
    total = 0
    for _room, mod in _room_services():
        fn = getattr(mod, "recompute_provisional_deadlines", None)
        if fn is not None:
            total += int(fn(session) or 0)
    return total
