"""The catalogue and the unit's identity: categories and varieties of 《特种设备目录》 (2014 年第 114 号公告), the
设备代码 (TSG 08-2017 附件A), technical parameters per category, status transitions and inspection conclusions.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
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


# what each key of PARAMS stands for (the registration form's hint names them), in Chinese and in English by key
# (not through the catalogue: 锅炉, 电梯, 气瓶 are also the catalog's stored category names)
PARAM_KINDS: dict[str, str] = {
    "elevator": "电梯（自动扶梯、自动人行道除外）", "escalator": "自动扶梯、自动人行道", "1000": "锅炉",
    "2000": "压力容器（气瓶除外）", "cylinder": "气瓶", "4000": "起重机械", "5000": "场（厂）内专用机动车辆",
    "6000": "大型游乐设施", "8000": "压力管道", "9000": "客运索道",
}
PARAM_KINDS_EN: dict[str, str] = {
    "elevator": "Lifts (except escalators and moving walks)", "escalator": "Escalators and moving walks",
    "1000": "Boilers", "2000": "Pressure vessels (except gas cylinders)", "cylinder": "Gas cylinders",
    "4000": "Lifting machinery", "5000": "Field (factory) motor vehicles", "6000": "Large amusement rides",
    "8000": "Pressure pipelines", "9000": "Passenger ropeways",
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


def division_prefix(region_code: str) -> str:
    """A GB/T 2260 code's own division as a prefix: 110000 → 11, 110100 → 1101, 110105 → 110105."""
    code = (region_code or "").strip()
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code
