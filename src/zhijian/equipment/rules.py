"""特种设备 rules (pure): the catalogue, the 设备代码, status transitions, inspection intervals and due dates.

Sources (each rule below names its own):
- 《特种设备目录》 (原质检总局 2014 年第 114 号公告): categories and varieties with their 4-character codes.
- TSG 08-2017 《特种设备使用管理规则》: the 设备代码 (附件A 特种设备代码编号方法), 使用登记, 变更, 停用, 报废, 注销.
- 《中华人民共和国特种设备安全法》 第四十条: the owner requests the periodic inspection one month before the
  validity of the last one ends (→ the "due within 30 days" list), and a unit not inspected, or found
  不合格, must not be used.
- The periodic-inspection rules named per category in ``INTERVALS``.

What is validated of the 设备代码 is only what TSG 08-2017 附件A states: 18 characters, no spaces, made of
设备基本代码 (the 品种 code of the catalogue, 4 characters), 制造单位代号 (2-digit code of the licensing
authority's region — 10 for the national authority — and the 3-digit licence sequence number), 制造年份 (4 digits)
and 制造顺序号 (5 characters: digits, or letters standing in once the sequence passes 99999). The regulation
defines no check character, so none is computed. The 使用登记证编号 format (附件B) could not be confirmed from a
citable text here, so it is stored as given and only checked against ``REGISTRATION_NO_PATTERN``, which a
deployment may replace (configurable, permissive by default).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from zhijian.platform.errors import DomainError, InvalidTransition

# ------------------------------------------------------------------ 特种设备目录 (2014 年第 114 号公告)

CATEGORIES: dict[str, str] = {
    "1000": "锅炉",
    "2000": "压力容器",
    "3000": "电梯",
    "4000": "起重机械",
    "5000": "场（厂）内专用机动车辆",
    "6000": "大型游乐设施",
    "8000": "压力管道",
    "9000": "客运索道",
}

CATEGORY_EN: dict[str, str] = {
    "1000": "boilers", "2000": "pressure vessels", "3000": "elevators", "4000": "lifting machinery",
    "5000": "field (factory) motor vehicles", "6000": "large amusement rides", "8000": "pressure pipelines",
    "9000": "passenger ropeways",
}

# 品种 (variety) codes of the catalogue; the first character is the category.
VARIETIES: dict[str, str] = {
    "1100": "承压蒸汽锅炉", "1200": "承压热水锅炉", "1300": "有机热载体锅炉",
    "2110": "超高压容器", "2130": "第三类压力容器", "2150": "第二类压力容器", "2170": "第一类压力容器",
    "2210": "铁路罐车", "2220": "汽车罐车", "2230": "长管拖车", "2240": "罐式集装箱", "2250": "管束式集装箱",
    "2310": "无缝气瓶", "2320": "焊接气瓶", "23T0": "特种气瓶", "2400": "氧舱",
    "3110": "曳引驱动乘客电梯", "3120": "曳引驱动载货电梯", "3130": "强制驱动载货电梯",
    "3210": "液压乘客电梯", "3220": "液压载货电梯", "3310": "自动扶梯", "3320": "自动人行道",
    "3410": "防爆电梯", "3420": "消防员电梯", "3430": "杂物电梯",
    "4100": "桥式起重机", "4200": "门式起重机", "4300": "塔式起重机", "4400": "流动式起重机",
    "4700": "门座式起重机", "4800": "升降机", "4900": "缆索式起重机", "4A00": "桅杆式起重机",
    "4D00": "机械式停车设备",
    "5100": "机动工业车辆", "5200": "非公路用旅游观光车辆",
    "6100": "观览车类", "6200": "滑行车类", "6300": "架空游览车类", "6400": "陀螺类", "6500": "飞行塔类",
    "6600": "转马类", "6700": "自控飞机类", "6800": "赛车类", "6900": "小火车类", "6A00": "碰碰车类",
    "6B00": "滑道类", "6D00": "水上游乐设施", "6E00": "无动力游乐设施",
    "8100": "长输管道", "8200": "公用管道", "8300": "工业管道",
    "9100": "客运架空索道", "9200": "客运缆车", "9300": "客运拖牵索道",
}

ELEVATOR_EMERGENCY = "96333"  # 电梯应急处置服务平台 (the national elevator emergency number)

STATUSES: dict[str, str] = {"in_use": "在用", "stopped": "停用", "scrapped": "报废", "cancelled": "注销"}
STATUS_EN: dict[str, str] = {"in_use": "in use", "stopped": "stopped", "scrapped": "scrapped", "cancelled": "cancelled"}

# TSG 08-2017 §3: 停用 (3.8: stopped over a year → 停用报告; a 不合格 or overdue unit may not be used),
# 启用 after 停用 (back to 在用), 报废 (3.9, from 在用 or 停用), 注销 of the registration after 报废.
TRANSITIONS: dict[str, frozenset[str]] = {
    "in_use": frozenset({"stopped", "scrapped"}),
    "stopped": frozenset({"in_use", "scrapped"}),
    "scrapped": frozenset({"cancelled"}),
    "cancelled": frozenset(),
}

CONCLUSIONS: dict[str, str] = {"pass": "合格", "pass_after_retest": "复检合格", "fail": "不合格",
                               "pass_after_rectification": "整改后合格"}
PASSING = frozenset({"pass", "pass_after_retest", "pass_after_rectification"})
CONCLUSION_BY_ZH = {v: k for k, v in CONCLUSIONS.items()}

DUE_SOON_DAYS = 30  # 特种设备安全法 第四十条: 在检验合格有效期届满前一个月 提出定期检验要求

REGISTRATION_NO_PATTERN = re.compile(r"^\S.{3,39}$")  # configurable: 附件B format not confirmed here


def category_of(variety: str) -> str:
    return variety[:1] + "000"


def is_cylinder(variety: str) -> bool:
    return variety[:2] == "23"


def is_elevator(variety: str) -> bool:
    return category_of(variety) == "3000"


def parse_variety(variety: str, field: str = "variety") -> str:
    v = (variety or "").strip().upper()
    if v not in VARIETIES:
        raise DomainError("equipment.bad_variety", f"未知的设备品种代码：{variety}（见《特种设备目录》）",
                          f"unknown equipment variety code: {variety} (see the 特种设备目录)", field=field)
    return v


# ------------------------------------------------------------------ 设备代码 (TSG 08-2017 附件A)

@dataclass(frozen=True, slots=True)
class DeviceCode:
    """设备代码 — the lifelong code of a unit, split into its four parts (TSG 08-2017 附件A)."""

    code: str
    variety: str        # 设备基本代码 (品种 code)
    maker_region: str   # 制造许可审批机关所在地行政区域代码 (2 digits; 10 = the national authority)
    maker_seq: str      # 制造许可证编号中的单位顺序号 (3 digits)
    year: int           # 制造年份
    serial: str         # 制造顺序号 (5 characters)


_CODE = re.compile(r"^([0-9][0-9A-Z]{3})([0-9]{2})([0-9]{3})([0-9]{4})([0-9A-Z]{5})$")


def parse_device_code(code: str, *, today: dt.date | None = None, field: str = "code") -> DeviceCode:
    """Split and check a 设备代码: 4 + 5 + 4 + 5 = 18 characters, no spaces (TSG 08-2017 附件A)."""
    text = (code or "").strip().upper()
    m = _CODE.match(text)
    if m is None:
        raise DomainError("equipment.bad_code",
                          f"设备代码应为 18 位（品种代码4 + 制造单位代号5 + 制造年份4 + 制造顺序号5，TSG 08-2017 附件A）：{code}",
                          f"a device code has 18 characters (variety 4 + maker 5 + year 4 + serial 5, "
                          f"TSG 08-2017 annex A): {code}", field=field)
    variety, region, seq, year, serial = m.groups()
    if variety not in VARIETIES:
        raise DomainError("equipment.bad_code", f"设备代码的前 4 位不是《特种设备目录》中的品种代码：{variety}",
                          f"the first 4 characters of a device code must be a catalogue variety code: {variety}",
                          field=field)
    if not (region == "10" or 11 <= int(region) <= 82):
        raise DomainError("equipment.bad_code", f"设备代码第 5–6 位应为审批机关的行政区域代码（10 或省级代码）：{region}",
                          f"characters 5–6 must be the licensing authority's region (10 or a province code): {region}",
                          field=field)
    limit = (today or dt.date.today()).year + 1
    if not 1900 <= int(year) <= limit:
        raise DomainError("equipment.bad_code", f"设备代码中的制造年份不合理：{year}",
                          f"implausible year of manufacture in the device code: {year}", field=field)
    if not serial.isdigit() and serial[0].isdigit():
        # letters replace the leading digits once the sequence passes 99999 (附件A 2.4)
        raise DomainError("equipment.bad_code", f"制造顺序号超过 99999 时以字母开头：{serial}",
                          f"a serial above 99999 starts with a letter: {serial}", field=field)
    return DeviceCode(text, variety, region, seq, int(year), serial)


def check_registration_no(value: str, field: str = "registration_no") -> str:
    v = (value or "").strip()
    if v and not REGISTRATION_NO_PATTERN.match(v):
        raise DomainError("equipment.bad_registration_no", f"使用登记证编号格式不正确：{value}",
                          f"malformed registration certificate number: {value}", field=field)
    return v


# ------------------------------------------------------------------ technical parameters per category

# (name, zh label, kind) — kind "pos" = a positive number, "text" = non-empty text, "int" = positive integer
PARAMS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "elevator": (("rated_load_kg", "额定载重量(kg)", "pos"), ("rated_speed_m_s", "额定速度(m/s)", "pos"),
                 ("floors", "层站数", "int")),
    "escalator": (("rated_speed_m_s", "名义速度(m/s)", "pos"), ("width_mm", "名义宽度(mm)", "pos")),
    "1000": (("rated_capacity", "额定蒸发量(t/h)或额定热功率(MW)", "pos"), ("rated_pressure_mpa", "额定工作压力(MPa)", "pos")),
    "2000": (("design_pressure_mpa", "设计压力(MPa)", "pos"), ("volume_m3", "容积(m³)", "pos"),
             ("medium", "介质", "text")),
    "cylinder": (("nominal_pressure_mpa", "公称工作压力(MPa)", "pos"), ("volume_l", "公称容积(L)", "pos"),
                 ("medium", "充装介质", "text"), ("inspection_interval_years", "检验周期(年)", "int")),
    "4000": (("rated_capacity_t", "额定起重量(t)", "pos"),),
    "5000": (("rated_capacity_kg", "额定载荷(kg)", "pos"),),
    "6000": (("rated_passengers", "额定乘客人数", "int"),),
    "8000": (("design_pressure_mpa", "设计压力(MPa)", "pos"), ("medium", "介质", "text")),
    "9000": (("length_m", "线路斜长(m)", "pos"),),
}


def param_kind(variety: str) -> str:
    if is_cylinder(variety):
        return "cylinder"
    if variety in ("3310", "3320"):
        return "escalator"
    if is_elevator(variety):
        return "elevator"
    return category_of(variety)


def check_params(variety: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """The technical parameters a category needs, each typed; unknown extra keys are kept as given."""
    out: dict[str, Any] = dict(params or {})
    for name, label, kind in PARAMS.get(param_kind(variety), ()):
        value = out.get(name)
        if value is None or value == "":
            raise DomainError("equipment.missing_param", f"缺少技术参数「{label}」（{name}）",
                              f"missing technical parameter '{name}'", field=f"params.{name}")
        if kind == "text":
            out[name] = str(value).strip()
            continue
        try:
            num = float(value)
        except (TypeError, ValueError):
            num = float("nan")
        if not num > 0 or (kind == "int" and num != int(num)):
            raise DomainError("equipment.bad_param", f"技术参数「{label}」应为正{'整' if kind == 'int' else ''}数：{value}",
                              f"technical parameter '{name}' must be a positive {'integer' if kind == 'int' else 'number'}:"
                              f" {value}", field=f"params.{name}")
        out[name] = int(num) if kind == "int" else num
    return out


# ------------------------------------------------------------------ status transitions (TSG 08-2017)

def check_transition(current: str, target: str) -> None:
    if target not in STATUSES:
        raise DomainError("equipment.bad_status", f"未知状态：{target}", f"unknown status: {target}", field="status")
    if target not in TRANSITIONS[current]:
        raise InvalidTransition("equipment", current, target)


def parse_conclusion(value: str, field: str = "conclusion") -> str:
    v = (value or "").strip()
    if v in CONCLUSIONS:
        return v
    if v in CONCLUSION_BY_ZH:
        return CONCLUSION_BY_ZH[v]
    raise DomainError("equipment.bad_conclusion", f"检验结论应为 合格/复检合格/不合格/整改后合格：{value}",
                      f"conclusion must be 合格/复检合格/不合格/整改后合格: {value}", field=field)


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


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day of the month ``months`` later (the last day when that month is shorter: 31 Jan + 1 → 28/29 Feb)."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


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
        return Due(None, months, row.key, row.source, why, table.version)
    due = add_months(base, months)
    start = "上次检验" if not first else "投入使用"
    return Due(due, months, row.key, row.source,
               f"{start} {base.isoformat()} + {months} 个月 = {due.isoformat()}（{row.source}：{row.note}）", table.version)


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


def division_prefix(region_code: str) -> str:
    """A GB/T 2260 code's own division as a prefix: 110000 → 11, 110100 → 1101, 110105 → 110105."""
    code = (region_code or "").strip()
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def giai(device_code: str, company_prefix: str = "") -> str:  # kept for callers; see giai_for
    """GIAI (AI 8004) element string value: company prefix + the 设备代码 as the asset reference (≤ 30 chars)."""
    value = f"{company_prefix}{device_code}"
    if len(value) > 30:
        raise DomainError("equipment.giai_too_long", "GIAI 不得超过 30 个字符", "a GIAI has at most 30 characters")
    return value


# ------------------------------------------------------------------ GS1 GIAI (AI 8004) Digital Link on the label

GIAI_STEM = "/equipment"  # custom path stem before the key (GS1 Digital Link URI Syntax 1.2, §4: path info)
_GCP = re.compile(r"^[0-9]{4,12}$")
_CSET82 = re.compile(r"^[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]+$")
DEMO_GCP = "9520000"  # GS1 prefix 952: reserved for demonstrations and examples (GS1 General Specifications 1.4.2)


def check_gcp(prefix: str, field: str = "gcp") -> str:
    """A GS1 Company Prefix: 4–12 digits (the regulator's or the owner's, as the deployment configures it)."""
    p = (prefix or "").strip()
    if not _GCP.match(p):
        raise DomainError("equipment.bad_gcp", f"GS1 厂商识别代码应为 4–12 位数字：{prefix}",
                          f"a GS1 Company Prefix has 4–12 digits: {prefix}", field=field)
    return p


def giai_for(device_code: str, gcp: str) -> str:
    """GIAI = GS1 Company Prefix + individual asset reference (here the 设备代码), at most 30 characters of
    GS1 character set 82 (GS1 General Specifications 3.9.10, AI 8004)."""
    value = f"{check_gcp(gcp)}{device_code}"
    if len(value) > 30 or not _CSET82.match(value):
        raise DomainError("equipment.giai_too_long", "GIAI 不得超过 30 个字符（GS1 字符集 82）",
                          "a GIAI has at most 30 characters of GS1 character set 82", field="code")
    return value


def giai_link(host: str, giai_value: str) -> str:
    """The unit's GS1 Digital Link URI: https://{host}/equipment/8004/{GIAI} (what the label's QR encodes)."""
    from urllib.parse import quote

    return f"https://{host}{GIAI_STEM}/8004/{quote(giai_value, safe='')}"


def code_from_giai(giai_value: str, gcp: str) -> str | None:
    """The 设备代码 inside a GIAI issued with ``gcp`` (None if the GIAI is not ours)."""
    v = (giai_value or "").strip().upper()
    return v[len(gcp):] if v.startswith(gcp) and len(v) - len(gcp) == 18 else None


# ------------------------------------------------------------------ maintenance (维护保养)

MAINTENANCE_KINDS: dict[str, str] = {"half_month": "半月维保", "quarter": "季度维保", "half_year": "半年维保",
                                     "year": "年度维保", "repair": "维修（急修）"}
SCHEDULED_KINDS = frozenset({"half_month", "quarter", "half_year", "year"})  # a repair visit is not a 维保 cycle


@dataclass(frozen=True, slots=True)
class MaintenanceRule:
    key: str
    days: int | None  # None: the law sets no fixed frequency for this category
    source: str
    note: str


MAINTENANCE_RULES: dict[str, MaintenanceRule] = {
    "elevator": MaintenanceRule(
        "elevator", 15, "《特种设备安全监察条例》第三十一条；TSG T5002-2017《电梯维护保养规则》",
        "电梯应当至少每 15 日进行一次清洁、润滑、调整和检查；维保分半月、季度、半年、年度（附件A–D），"
        "季度及以上维保同时完成半月项目"),
    "other": MaintenanceRule(
        "other", None, "《特种设备安全法》第三十九条",
        "使用单位应当对其使用的特种设备进行经常性维护保养和定期自行检查（无统一周期，按制造单位要求）"),
}


def maintenance_rule(variety: str) -> MaintenanceRule:
    return MAINTENANCE_RULES["elevator" if is_elevator(variety) else "other"]


def maintenance_interval_days(variety: str, params: Mapping[str, Any] | None = None) -> int | None:
    """The unit's maintenance interval: the rule's (elevators 15 days), or the unit's own
    ``params.maintenance_interval_days`` where the regulator approved another (configurable, e.g. 按需维保 pilots)."""
    own = (params or {}).get("maintenance_interval_days")
    if own not in (None, ""):
        try:
            days = int(own)
        except (TypeError, ValueError):
            days = 0
        if days <= 0:
            raise DomainError("equipment.bad_param", f"维保周期应为正整数天：{own}", f"maintenance interval must be a "
                              f"positive number of days: {own}", field="params.maintenance_interval_days")
        return days
    return maintenance_rule(variety).days


def next_maintenance_due(variety: str, params: Mapping[str, Any] | None, last: dt.date | None,
                         registered_on: dt.date) -> dt.date | None:
    """下次维保期限 = last scheduled maintenance (or the registration day, before any) + the interval."""
    days = maintenance_interval_days(variety, params)
    if days is None:
        return None
    return (last or registered_on) + dt.timedelta(days=days)


_CERT = re.compile(r"^[0-9A-Za-z\-]{6,32}$")


def check_worker_cert(cert_no: str, field: str = "worker_cert_no") -> str:
    """特种设备作业人员证 number (电梯修理 T): 6–32 letters/digits — the national certificate carries the holder's
    identity-card number; the format is not otherwise checked here."""
    v = (cert_no or "").strip().upper()
    if not _CERT.match(v):
        raise DomainError("equipment.bad_cert", f"特种设备作业人员证编号格式不正确：{cert_no}",
                          f"malformed special-equipment operator certificate number: {cert_no}", field=field)
    return v


# ------------------------------------------------------------------ incidents: 困人救援, 故障, 事故

INCIDENT_KINDS: dict[str, str] = {"entrapment": "困人", "fault": "故障", "accident": "事故"}
ACCIDENT_LEVELS: dict[str, str] = {"especially_serious": "特别重大事故", "serious": "重大事故", "larger": "较大事故",
                                   "general": "一般事故"}
LEVEL_SOURCE = "《特种设备安全监察条例》第六十一条至第六十四条"
REPORT_HOURS = 1   # 事故发生单位负责人接到报告后 1 小时内 报告 (《特种设备事故报告和调查处理规定》)
ESCALATION_HOURS_PER_LEVEL = 2  # 市场监督管理部门 每级上报的时间不得超过 2 小时 (same 规定)
FOLLOWUP_DAYS = 30  # 自事故发生之日起 30 日内 伤亡人数变化 → 补报或者续报 (same 规定)
ESCALATE_TO: dict[str, tuple[str, int]] = {  # (to whom, levels above the county): 规定 on 逐级上报
    "general": ("设区的市级市场监督管理部门", 1), "larger": ("省级市场监督管理部门", 2),
    "serious": ("国家市场监督管理总局（报国务院）", 3), "especially_serious": ("国家市场监督管理总局（报国务院）", 3)}


@dataclass(frozen=True, slots=True)
class IncidentFacts:
    """What the accident level depends on (《特种设备安全监察条例》第六十一条至第六十四条)."""

    category: str
    deaths: int = 0
    serious_injuries: int = 0           # 重伤（包括急性工业中毒）
    direct_loss_yuan: int = 0
    evacuated: int = 0                  # 有毒介质泄漏 造成转移的人数
    explosion: bool = False             # 锅炉、压力容器、压力管道 爆炸
    boiler_mw: float = 0.0              # 锅炉 功率 (600 MW 以上 → 特别重大 when it explodes)
    crane_overturned: bool = False      # 起重机械 整体倾覆
    crane_structure_failed: bool = False  # 起重机械 主要受力结构件折断或者起升机构坠落
    stranded_hours: float = 0.0         # 电梯轿厢 / 客运索道 / 大型游乐设施 滞留时间
    stranded_people: int = 0


def accident_level(f: IncidentFacts) -> str | None:
    """事故等级 by the 条例's thresholds, the gravest that applies; None below 一般事故."""
    rope_or_ride = f.category in ("9000", "6000")
    if (f.deaths >= 30 or f.serious_injuries >= 100 or f.direct_loss_yuan >= 100_000_000
            or (f.category == "1000" and f.explosion and f.boiler_mw >= 600) or f.evacuated >= 150_000
            or (rope_or_ride and f.stranded_people >= 100 and f.stranded_hours >= 48)):
        return "especially_serious"  # 第六十一条
    if (f.deaths >= 10 or f.serious_injuries >= 50 or f.direct_loss_yuan >= 50_000_000 or f.evacuated >= 50_000
            or (rope_or_ride and f.stranded_people >= 100 and f.stranded_hours >= 24)):
        return "serious"  # 第六十二条
    if (f.deaths >= 3 or f.serious_injuries >= 10 or f.direct_loss_yuan >= 10_000_000
            or (f.explosion and f.category in ("1000", "2000", "8000")) or f.evacuated >= 10_000
            or (f.category == "4000" and f.crane_overturned) or (rope_or_ride and f.stranded_hours >= 12)):
        return "larger"  # 第六十三条
    if (f.deaths >= 1 or f.serious_injuries >= 1 or f.direct_loss_yuan >= 10_000 or f.evacuated >= 500
            or (f.category == "3000" and f.stranded_hours >= 2)
            or (f.category == "4000" and f.crane_structure_failed)
            or (f.category == "9000" and f.stranded_hours >= 3.5)
            or (f.category == "6000" and f.stranded_hours >= 1)):
        return "general"  # 第六十四条
    return None


def report_deadline(known_at: dt.datetime) -> dt.datetime:
    """The owner's deadline to report an accident to the county-level regulator: 1 hour."""
    return known_at + dt.timedelta(hours=REPORT_HOURS)


def escalation(level: str, reported_at: dt.datetime) -> tuple[str, dt.datetime]:
    """Up to whom the regulator reports, and by when (2 hours per level above the county)."""
    to, levels = ESCALATE_TO[level]
    return to, reported_at + dt.timedelta(hours=ESCALATION_HOURS_PER_LEVEL * levels)


def rescue_limit_minutes(region_code: str) -> int:
    """困人救援 arrival limit (TSG T5002-2017, 维保单位职责): 30 min in a 直辖市 or 设区的市, else 1 h (60 min).

    Read from the GB/T 2260 code: a 市辖区 (last two digits 01–20) is in such a city; a 县 (21–80) or a
    县级市 (81–99) is "其他地区"."""
    tail = (region_code or "")[-2:]
    return 30 if tail.isdigit() and 1 <= int(tail) <= 20 else 60


# ------------------------------------------------------------------ 特种设备作业人员证

# 作业项目代号 per 《特种设备作业人员资格认定分类与项目》(市场监管总局公告 2019 年第 3 号) — the items this room uses
WORK_ITEMS: dict[str, str] = {"A": "特种设备安全管理", "G1": "工业锅炉司炉", "G3": "锅炉水处理", "R1": "快开门式压力容器操作",
                              "P": "气瓶充装", "T": "电梯修理", "Q1": "起重机指挥", "Q2": "起重机司机", "S1": "客运索道修理",
                              "S2": "客运索道司机", "Y1": "大型游乐设施修理", "Y2": "大型游乐设施操作", "N1": "叉车司机",
                              "N2": "观光车和观光列车司机"}
CERT_YEARS = 4  # 《特种设备作业人员证》有效期 4 年 (《特种设备作业人员监督管理办法》: 每 4 年复审)
ELEVATOR_ITEM = "T"  # TSG T5002-2017: 维保人员 持 电梯修理 作业人员证


def cert_valid_until(issued_on: dt.date, valid_until: dt.date | None = None) -> dt.date:
    return valid_until or add_months(issued_on, CERT_YEARS * 12)


def check_cert_for_visit(item: str, valid_until: dt.date, on: dt.date, variety: str) -> None:
    """A registered certificate must be in force on the day of the visit, and an elevator's maintenance worker must
    hold 电梯修理 (T)."""
    if on > valid_until:
        raise DomainError("equipment.cert_expired", f"作业人员证已于 {valid_until.isoformat()} 到期",
                          f"the operator certificate expired on {valid_until.isoformat()}", field="worker_cert_no")
    if is_elevator(variety) and item != ELEVATOR_ITEM:
        raise DomainError("equipment.cert_item", f"电梯维保人员须持电梯修理（T）作业人员证，此证为「{WORK_ITEMS.get(item, item)}」",
                          "an elevator's maintenance worker must hold the 电梯修理 (T) certificate",
                          field="worker_cert_no")
