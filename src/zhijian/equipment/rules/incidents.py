"""困人 / 故障 / 事故: the accident level by the thresholds of 《特种设备安全监察条例》第六十一条至第六十四条, the 1-hour
report deadline, the escalation up the divisions, and the rescue arrival limit (TSG T5002-2017).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

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
