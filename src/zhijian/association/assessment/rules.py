"""机构评价 rules (pure): the checklist (ISO/IEC 17025:2017 clauses 4–8), finding deadlines, the decision.

The association assesses inspection bodies against ISO/IEC 17025:2017 (GB/T 27025-2019): every clause of the
checklist is recorded; a nonconformity becomes a finding (major or minor) with a corrective-action deadline
(30 days for minor, 60 for major, by default — the association's rules); a certificate (valid three years) is
granted only when every finding is closed after verification, and the lab's proficiency-testing record (clause
7.7.2) is shown beside the decision.
"""

from __future__ import annotations

import datetime as dt

from zhijian.platform.errors import DomainError, InvalidTransition

CHECKLIST: dict[str, str] = {
    "4.1": "公正性", "4.2": "保密性", "5": "结构要求",
    "6.1": "资源要求 总则", "6.2": "人员", "6.3": "设施和环境条件", "6.4": "设备", "6.5": "计量溯源性",
    "6.6": "外部提供的产品和服务",
    "7.1": "要求、标书和合同的评审", "7.2": "方法的选择、验证和确认", "7.3": "抽样", "7.4": "检测或校准物品的处置",
    "7.5": "技术记录", "7.6": "测量不确定度的评定", "7.7": "确保结果有效性", "7.8": "报告结果", "7.9": "投诉",
    "7.10": "不符合工作", "7.11": "数据控制和信息管理",
    "8.1": "管理体系 总则", "8.2": "管理体系文件", "8.3": "管理体系文件的控制", "8.4": "记录控制",
    "8.5": "应对风险和机遇的措施", "8.6": "改进", "8.7": "纠正措施", "8.8": "内部审核", "8.9": "管理评审",
}
RESULTS = {"conform": "符合", "nonconform": "不符合", "observation": "观察项", "na": "不适用"}
SEVERITIES = {"major": "严重不符合", "minor": "一般不符合"}
DUE_DAYS = {"minor": 30, "major": 60}
VALID_YEARS = 3
STATUSES = {"applied": "已申请", "planned": "已安排", "assessed": "已现场评价", "corrective": "整改中",
            "granted": "已发证", "refused": "不予发证"}
TRANSITIONS = {"applied": ("planned",), "planned": ("assessed",), "assessed": ("corrective", "granted", "refused"),
               "corrective": ("granted", "refused"), "granted": (), "refused": ()}


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, ()):
        raise InvalidTransition("assessment", current, target)


def check_clause(clause: str) -> str:
    c = str(clause or "").strip()
    if c not in CHECKLIST:
        raise DomainError("association.assessment.bad_clause", f"评价条款不在清单中：{clause!r}（ISO/IEC 17025:2017）",
                          f"clause not on the checklist: {clause!r}", field="clause")
    return c


def due_on(severity: str, assessed_on: dt.date) -> dt.date:
    if severity not in SEVERITIES:
        raise DomainError("association.assessment.bad_severity", "不符合项等级应为 major 或 minor",
                          "severity must be major or minor", field="severity")
    return assessed_on + dt.timedelta(days=DUE_DAYS[severity])


def missing_clauses(recorded: set[str]) -> list[str]:
    return [c for c in CHECKLIST if c not in recorded]


def valid_until(granted_on: dt.date) -> dt.date:
    try:
        return granted_on.replace(year=granted_on.year + VALID_YEARS)
    except ValueError:
        return granted_on.replace(year=granted_on.year + VALID_YEARS, day=28)
