"""特种设备 rules (pure), by topic: ``catalogue`` (目录, 设备代码, parameters, transitions), ``intervals`` (定期检验周期,
due dates), ``gs1`` (GIAI on the label), ``maintenance`` (维保, 作业人员证), ``incidents`` (事故等级, reporting); this
package re-exports them, so callers write ``rules.next_due(...)``.

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
citable text here, so it is stored as given and only checked against ``catalogue.REGISTRATION_NO_PATTERN``, which a
deployment may replace (configurable, permissive by default).
"""

from __future__ import annotations

from zhijian.equipment.rules.catalogue import (
    CATEGORIES,
    CATEGORY_EN,
    CONCLUSION_BY_ZH,
    CONCLUSIONS,
    DUE_SOON_DAYS,
    ELEVATOR_EMERGENCY,
    PARAM_KINDS,
    PARAM_KINDS_EN,
    PARAMS,
    PASSING,
    REGISTRATION_NO_PATTERN,
    STATUS_EN,
    STATUSES,
    TRANSITIONS,
    VARIETIES,
    DeviceCode,
    category_of,
    check_params,
    check_registration_no,
    check_transition,
    division_prefix,
    is_cylinder,
    is_elevator,
    param_kind,
    parse_conclusion,
    parse_device_code,
    parse_variety,
)
from zhijian.equipment.rules.gs1 import DEMO_GCP, GIAI_STEM, check_gcp, code_from_giai, giai, giai_for, giai_link
from zhijian.equipment.rules.incidents import (
    ACCIDENT_LEVELS,
    ESCALATE_TO,
    ESCALATION_HOURS_PER_LEVEL,
    FOLLOWUP_DAYS,
    INCIDENT_KINDS,
    LEVEL_SOURCE,
    REPORT_HOURS,
    IncidentFacts,
    accident_level,
    escalation,
    report_deadline,
    rescue_limit_minutes,
)
from zhijian.equipment.rules.intervals import (
    CURRENT_TABLE,
    DUE_STATE_EN,
    DUE_STATE_ZH,
    INTERVAL_TABLES,
    INTERVALS_2023,
    NO_DAY,
    Due,
    Interval,
    IntervalTable,
    UnitFacts,
    add_months,
    add_months_days,
    due_state,
    interval_for,
    next_due,
    next_due_date,
    next_due_days,
)
from zhijian.equipment.rules.maintenance import (
    CERT_YEARS,
    ELEVATOR_ITEM,
    MAINTENANCE_KINDS,
    MAINTENANCE_RULES,
    SCHEDULED_KINDS,
    WORK_ITEMS,
    MaintenanceRule,
    cert_valid_until,
    check_cert_for_visit,
    check_worker_cert,
    maintenance_interval_days,
    maintenance_rule,
    next_maintenance_due,
)

__all__ = ["ACCIDENT_LEVELS", "CATEGORIES", "CATEGORY_EN", "CERT_YEARS", "CONCLUSIONS", "CONCLUSION_BY_ZH", "CURRENT_TABLE", "DEMO_GCP", "DUE_SOON_DAYS", "DUE_STATE_EN", "DUE_STATE_ZH", "DeviceCode", "Due", "ELEVATOR_EMERGENCY", "ELEVATOR_ITEM", "ESCALATE_TO", "ESCALATION_HOURS_PER_LEVEL", "FOLLOWUP_DAYS", "GIAI_STEM", "INCIDENT_KINDS", "INTERVALS_2023", "INTERVAL_TABLES", "NO_DAY", "IncidentFacts", "Interval", "IntervalTable", "LEVEL_SOURCE", "MAINTENANCE_KINDS", "MAINTENANCE_RULES", "MaintenanceRule", "PARAMS", "PARAM_KINDS", "PARAM_KINDS_EN", "PASSING", "REGISTRATION_NO_PATTERN", "REPORT_HOURS", "SCHEDULED_KINDS", "STATUSES", "STATUS_EN", "TRANSITIONS", "UnitFacts", "VARIETIES", "WORK_ITEMS", "accident_level", "add_months", "add_months_days", "category_of", "cert_valid_until", "check_cert_for_visit", "check_gcp", "check_params", "check_registration_no", "check_transition", "check_worker_cert", "code_from_giai", "division_prefix", "due_state", "escalation", "giai", "giai_for", "giai_link", "interval_for", "is_cylinder", "is_elevator", "maintenance_interval_days", "maintenance_rule", "next_due", "next_due_date", "next_due_days", "next_maintenance_due", "param_kind", "parse_conclusion", "parse_device_code", "parse_variety", "report_deadline", "rescue_limit_minutes"]
