"""维护保养 and the workers who do it: the maintenance kinds and interval per category (elevators every 15 days,
《特种设备安全监察条例》第三十一条), the next maintenance date, and the 特种设备作业人员证 a visit is made under.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from zhijian.equipment.rules.catalogue import is_elevator
from zhijian.equipment.rules.intervals import add_months
from zhijian.platform.errors import DomainError

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
