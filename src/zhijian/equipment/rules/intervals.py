"""Periodic inspection intervals (定期检验周期, versioned tables citing each TSG rule) and the next due date a unit's
last inspection gives; the due state (超期 / 30 日内到期) the lists and the scan view show.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from zhijian.equipment.rules.catalogue import DUE_SOON_DAYS, category_of, is_cylinder
from zhijian.platform.calendar import add_months as add_months  # re-exported: rules.add_months

# ------------------------------------------------------------------ periodic inspection intervals (versioned)

@dataclass(frozen=True, slots=True)
class Interval:
    """One row of the interval table: which units, how many months, and the rule that says so."""

    key: str
    months: int | None          # None: no further periodic date (e.g. 安全状况等级 5 — may not be used)
    source: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class IntervalTable:
    version: str
    effective_from: dt.date
    rows: dict[str, Interval]


_LIFTING_YEARLY = frozenset({"4300", "4400", "4800"})  # 塔式、流动式起重机、升降机

INTERVALS_2023 = IntervalTable("2023.1", dt.date(2024, 4, 2), {
    "elevator": Interval("elevator", 12, "TSG T7001-2023《电梯监督检验和定期检验规则》",
                         "定期检验周期为 1 年（与 TSG T7008-2023 自行检测交替的地方做法未在此确认，按每年检验计）"),
    "boiler": Interval("boiler", 12, "TSG 11-2020《锅炉安全技术规程》第 9 章",
                       "外部检验每年 1 次（内部检验一般每 2 年 1 次；以最近的外部检验计下次到期）"),
    "vessel_grade_1_2": Interval("vessel_grade_1_2", 72, "TSG 21-2016《固定式压力容器安全技术监察规程》8.1.6",
                                 "安全状况等级为 1、2 级的，一般每 6 年检验一次"),
    "vessel_grade_3": Interval("vessel_grade_3", 36, "TSG 21-2016 8.1.6",
                               "安全状况等级为 3 级的，一般每 3 年至 6 年检验一次（取下限 3 年）"),
    "vessel_grade_4": Interval("vessel_grade_4", 36, "TSG 21-2016 8.1.6",
                               "安全状况等级为 4 级的，监控使用，累计监控使用时间不得超过 3 年"),
    "vessel_grade_5": Interval("vessel_grade_5", None, "TSG 21-2016 8.1.6",
                               "安全状况等级为 5 级的，应当对缺陷进行处理，否则不得继续使用"),
    "vessel_first": Interval("vessel_first", 36, "TSG 21-2016 8.1.6", "首次定期检验一般于投入使用后 3 年内进行"),
    "cylinder": Interval("cylinder", None, "TSG 23-2021《气瓶安全技术规程》",
                         "检验周期按充装介质与瓶种确定，登记时在技术参数 inspection_interval_years 中给出"),
    "lifting_yearly": Interval("lifting_yearly", 12, "TSG Q7015-2016《起重机械定期检验规则》",
                               "塔式起重机、升降机、流动式起重机每年 1 次"),
    "lifting": Interval("lifting", 24, "TSG Q7015-2016《起重机械定期检验规则》",
                        "桥式、门式、门座式、缆索式、桅杆式起重机、机械式停车设备等每 2 年 1 次"),
    "ride": Interval("ride", 12, "大型游乐设施定期检验规则（TSG 71 体系）", "大型游乐设施每年 1 次定期检验"),
    "ropeway": Interval("ropeway", 12, "TSG S7001-2013《客运索道监督检验和定期检验规则》", "客运索道每年 1 次定期检验"),
    "vehicle": Interval("vehicle", 12, "TSG 81-2022《场（厂）内专用机动车辆安全技术规程》", "场（厂）车每年 1 次定期检验"),
    "pipeline_grade_1_2": Interval("pipeline_grade_1_2", 72, "TSG D7005-2018《压力管道定期检验规则——工业管道》",
                                   "安全状况等级为 1、2 级的，一般不超过 6 年"),
    "pipeline_grade_3": Interval("pipeline_grade_3", 36, "TSG D7005-2018", "安全状况等级为 3 级的，一般不超过 3 年"),
    "pipeline_grade_4": Interval("pipeline_grade_4", 36, "TSG D7005-2018", "安全状况等级为 4 级的，监控运行，累计不超过 3 年"),
    "pipeline_grade_5": Interval("pipeline_grade_5", None, "TSG D7005-2018", "安全状况等级为 5 级的，不得继续使用"),
})

INTERVAL_TABLES: dict[str, IntervalTable] = {INTERVALS_2023.version: INTERVALS_2023}
CURRENT_TABLE = INTERVALS_2023


def interval_for(variety: str, safety_grade: int | None = None, *, first: bool = False,
                 table: IntervalTable = CURRENT_TABLE) -> Interval:
    """The row of the interval table that governs a unit of this variety (and safety grade, for vessels/pipes)."""
    cat = category_of(variety)
    rows = table.rows
    if cat == "3000":
        return rows["elevator"]
    if cat == "1000":
        return rows["boiler"]
    if cat == "2000":
        if is_cylinder(variety):
            return rows["cylinder"]
        if safety_grade is None:
            return rows["vessel_first"] if first else rows["vessel_grade_3"]
        return rows["vessel_grade_1_2"] if safety_grade <= 2 else rows[f"vessel_grade_{min(safety_grade, 5)}"]
    if cat == "8000":
        g = 3 if safety_grade is None else safety_grade
        return rows["pipeline_grade_1_2"] if g <= 2 else rows[f"pipeline_grade_{min(g, 5)}"]
    if cat == "4000":
        return rows["lifting_yearly"] if variety in _LIFTING_YEARLY else rows["lifting"]
    if cat == "6000":
        return rows["ride"]
    if cat == "9000":
        return rows["ropeway"]
    return rows["vehicle"]


@dataclass(frozen=True, slots=True)
class UnitFacts:
    """What the due-date rule needs of a unit (the service builds it from the row)."""

    variety: str
    status: str = "in_use"
    commissioned_on: dt.date | None = None
    safety_grade: int | None = None
    params: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Due:
    """下次检验日期 with its explanation: the date, the table row and its source."""

    due_on: dt.date | None
    months: int | None
    rule: str
    source: str
    explanation: str
    table_version: str
    base_on: dt.date | None = None  # the date the interval runs from: the last inspection or, the first time, 投入使用
    first: bool = False             # no inspection yet: the interval runs from 投入使用
    note: str = ""                  # the table row's note (the explanation's text in brackets)


def next_due(unit: UnitFacts, last_inspection: dt.date | None, *, table: IntervalTable = CURRENT_TABLE) -> Due:
    """下次定期检验日期 = last passing inspection (or 投入使用 date for the first) + the table's interval.

    A unit never inspected and with no commissioning date has no computable date (None, explained). A cylinder
    takes its interval from its parameters (TSG 23 sets it per medium); a grade-5 vessel or pipe gets none.
    """
    first = last_inspection is None
    row = interval_for(unit.variety, unit.safety_grade, first=first, table=table)
    months = row.months
    if row.key == "cylinder":
        years = (unit.params or {}).get("inspection_interval_years")
        months = int(years) * 12 if years else None
    base = last_inspection or unit.commissioned_on
    if months is None or base is None:
        why = ("无法计算：既无检验记录也无投入使用日期" if base is None else f"{row.note}，不再给出下次检验日期")
        return Due(None, months, row.key, row.source, why, table.version, base, first, row.note)
    due = add_months(base, months)
    start = "上次检验" if not first else "投入使用"
    return Due(due, months, row.key, row.source,
               f"{start} {base.isoformat()} + {months} 个月 = {due.isoformat()}（{row.source}：{row.note}）", table.version,
               base, first, row.note)


@lru_cache(maxsize=4096)
def _row_for(variety: str, safety_grade: int | None, first: bool, version: str) -> Interval:
    return interval_for(variety, safety_grade, first=first, table=INTERVAL_TABLES[version])


def next_due_date(variety: str, safety_grade: int | None, params: Mapping[str, Any] | None,
                  last_inspection: dt.date | None, commissioned_on: dt.date | None, *,
                  table: IntervalTable = CURRENT_TABLE) -> tuple[dt.date | None, str]:
    """``next_due`` without the explanation: (date, table row) — the bulk path (10^6 units) of the same rule."""
    row = _row_for(variety, safety_grade, last_inspection is None, table.version)
    months = row.months
    if row.key == "cylinder":
        years = (params or {}).get("inspection_interval_years")
        months = int(years) * 12 if years else None
    base = last_inspection or commissioned_on
    if months is None or base is None:
        return None, row.key
    return add_months(base, months), row.key


# ------------------------------------------------------------------ the same rule over arrays (10^6 units at once)

NO_DAY = -10_000_000  # "no date" in the epoch-day arrays below (days since 1970-01-01; year −25,410: never real)
Days = npt.NDArray[np.int64]


def add_months_days(days: Days, months: Days) -> Days:
    """``add_months`` over arrays of epoch days: the same day of the month ``months`` later, the last day of that
    month when it is shorter (31 Jan + 1 → 28/29 Feb)."""
    d = days.astype("datetime64[D]")
    month0 = d.astype("datetime64[M]")
    day_index = (d - month0.astype("datetime64[D]")).astype(np.int64)  # 0-based day of the month
    target = month0 + months.astype("timedelta64[M]")
    start = target.astype("datetime64[D]")
    length = ((target + np.timedelta64(1, "M")).astype("datetime64[D]") - start).astype(np.int64)
    out: Days = start.astype(np.int64) + np.minimum(day_index, length - 1)
    return out


def next_due_days(variety: list[str], safety_grade: list[int | None], cylinder_years: list[Any], last: Days,
                  commissioned: Days, *, table: IntervalTable = CURRENT_TABLE) -> tuple[Days, Days, list[str]]:
    """``next_due_date`` for many units at once (the recompute of the whole registry): the table row is looked up
    once per distinct (variety, grade, first inspection), the months added with NumPy. Dates are epoch days with
    ``NO_DAY`` for none; ``cylinder_years`` is each unit's ``inspection_interval_years`` (read for cylinders only,
    TSG 23). Returns (due days, index of the row's key per unit, the keys)."""
    n = len(variety)
    first = last == NO_DAY
    if not n:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), []
    names, vix = np.unique(np.array(variety), return_inverse=True)
    grades = np.array(safety_grade, dtype=np.float64)  # None → NaN, in C
    gix = np.where(np.isnan(grades), -1, grades).astype(np.int64)
    levels, gi = np.unique(gix, return_inverse=True)
    code = (vix.reshape(-1) * len(levels) + gi.reshape(-1)) * 2 + first  # one integer per (variety, grade, first)
    combos, which = np.unique(code, return_inverse=True)
    keys: dict[str, int] = {}
    months_of, key_of = [], []
    for c in combos.tolist():
        v, g, f = c // 2 // len(levels), int(levels[c // 2 % len(levels)]), c % 2
        row = _row_for(str(names[v]), None if g < 0 else g, bool(f), table.version)
        months_of.append(-1 if row.months is None else row.months)
        key_of.append(keys.setdefault(row.key, len(keys)))
    which = which.reshape(-1)
    months = np.array(months_of, dtype=np.int64)[which]
    rule = np.array(key_of, dtype=np.int64)[which]
    if "cylinder" in keys:
        for i in np.flatnonzero(rule == keys["cylinder"]).tolist():
            years = cylinder_years[i]
            months[i] = int(years) * 12 if years else -1
    base = np.where(first, commissioned, last)
    ok = (months >= 0) & (base != NO_DAY)
    due = np.full(n, NO_DAY, dtype=np.int64)
    due[ok] = add_months_days(base[ok], months[ok])
    return due, rule, list(keys)


def due_state(due_on: dt.date | None, today: dt.date, status: str = "in_use", window: int = DUE_SOON_DAYS) -> str:
    """overdue (past its date), due_soon (within ``window`` days, 特种设备安全法 第四十条), ok, none, or inactive."""
    if status in ("scrapped", "cancelled"):
        return "inactive"
    if due_on is None:
        return "none"
    if due_on < today:
        return "overdue"
    if (due_on - today).days <= window:
        return "due_soon"
    return "ok"


DUE_STATE_ZH = {"overdue": "已超期", "due_soon": "30 日内到期", "ok": "在有效期内", "none": "未定", "inactive": "已报废/注销"}
# the same states in English by code (the platform catalogue's 已超期 is "Overdue by", a phrase of another screen)
DUE_STATE_EN = {"overdue": "Overdue", "due_soon": "Due within 30 days", "ok": "Within validity", "none": "Not set",
                "inactive": "Scrapped / cancelled"}
