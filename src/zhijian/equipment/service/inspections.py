"""检验报告 (periodic inspections): a report recorded by an inspection institute, or a file of them imported; its
effect on the unit (不合格 → 停用, a pass → next due date, 复检合格 → 启用), and the due lists (超期 / 30 日内到期).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.equipment import rules
from zhijian.equipment.models import EquipmentInspection, EquipmentStatusChange, EquipmentUnit
from zhijian.equipment.schemas import InspectionIn
from zhijian.equipment.service.policy import _active, _division, _scope_any, in_division, require_inspect, today
from zhijian.equipment.service.registry import (
    _cell_day,
    _facts,
    _institute,
    _recompute,
    _units_by_code,
    get_unit,
)
from zhijian.equipment.service.requests import _close_request, _close_requests
from zhijian.platform.auth import Actor
from zhijian.platform.crud import flush
from zhijian.platform.errors import Conflict, DomainError, NotFound
from zhijian.platform.pagination import Page, keyset_page
from zhijian.platform.tabular import cell_error, require_columns

INSPECTION_COLUMNS = ("设备代码", "报告编号", "检验日期", "检验结论")


def record_inspection(session: Session, actor: Actor, code: str, data: InspectionIn) -> EquipmentInspection:
    """检验报告: a 不合格 stops the unit (停用, 特种设备安全法 第四十条); a passing (re-)inspection restarts it and
    moves the next due date (``rules.next_due``)."""
    institute_id = require_inspect(actor) or data.institute_id
    if institute_id is None:
        raise DomainError("equipment.no_institute", "须指明检验机构", "the inspection institute is required",
                          field="institute_id")
    _institute(session, institute_id)
    unit = session.scalar(select(EquipmentUnit).where(EquipmentUnit.code == (code or "").strip().upper()))
    if unit is None:
        raise NotFound("equipment_unit", code)
    if unit.status in ("scrapped", "cancelled"):
        raise DomainError("equipment.inactive", "已报废或注销的设备不能检验", "a scrapped or cancelled unit is not inspected",
                          status=409, field="code")
    conclusion = rules.parse_conclusion(data.conclusion)
    if data.inspected_on > today():
        raise DomainError("equipment.future_date", "检验日期不能晚于今天", "the inspection date cannot be in the future",
                          field="inspected_on")
    if session.scalar(select(EquipmentInspection.id).where(EquipmentInspection.report_no == data.report_no.strip())):
        raise Conflict("equipment.duplicate_report", f"报告编号已存在：{data.report_no}",
                       f"report number exists: {data.report_no}", field="report_no")
    row = EquipmentInspection(unit_id=unit.id, institute_id=institute_id, report_no=data.report_no.strip(),
                              kind=data.kind, inspected_on=data.inspected_on, conclusion=conclusion,
                              safety_grade=data.safety_grade, defects=data.defects, recorded_by=actor.label)
    session.add(row)
    flush(session, "equipment_inspection")
    session.add_all(_apply(unit, row, actor, unit.status == "stopped" and _stopped_by_inspection(session, unit)))
    _close_request(session, unit.id, row)
    flush(session, "equipment_unit")
    return row


def _apply(unit: EquipmentUnit, row: EquipmentInspection, actor: Actor,
           stopped_by_fail: bool) -> list[EquipmentStatusChange]:
    """One report's effect on its unit (the latest report counts): 不合格 → 停用; a pass → last date, next due,
    and 启用 again when the stop was caused by a 不合格 (not by the owner's own 停用 report)."""
    changes: list[EquipmentStatusChange] = []
    if unit.last_inspection_on is not None and row.inspected_on < unit.last_inspection_on:
        return changes
    if row.conclusion == "fail":
        if unit.status == "in_use":
            changes.append(EquipmentStatusChange(unit_id=unit.id, from_status="in_use", to_status="stopped",
                                                 reason=f"检验不合格（报告 {row.report_no}）", document=row.report_no,
                                                 changed_by=actor.label))
            unit.status = "stopped"
        return changes
    if row.safety_grade is not None:
        unit.safety_grade = row.safety_grade
    unit.last_inspection_on = row.inspected_on
    if unit.status == "stopped" and stopped_by_fail:
        changes.append(EquipmentStatusChange(unit_id=unit.id, from_status="stopped", to_status="in_use",
                                             reason=f"复检合格（报告 {row.report_no}）", document=row.report_no,
                                             changed_by=actor.label))
        unit.status = "in_use"
    _recompute(unit)
    return changes


def import_inspections(session: Session, actor: Actor, rows: Iterable[tuple[int, dict[str, Any]]]) -> int:
    """批量导入检验报告 (Excel/CSV: 设备代码, 报告编号, 检验日期, 检验结论[, 安全状况等级, 问题]) — every row
    validated first, errors by row and column, then stored in one flush with the same effect per report as
    ``record_inspection``; all or nothing."""
    institute_id = _institute(session, require_inspect(actor)).id
    day = today()
    parsed = [_inspection_row(row_no, row, day) for row_no, row in rows]
    units = _units_by_code(session, {p[1] for p in parsed})
    _check_report_numbers(session, parsed)
    for row_no, code, _data in parsed:
        unit = units.get(code)
        if unit is None:
            raise cell_error(row_no, "设备代码", f"未登记的设备 {code}", f"unregistered unit {code}")
        if unit.status in ("scrapped", "cancelled"):
            raise cell_error(row_no, "设备代码", "已报废或注销的设备不能检验", "a scrapped or cancelled unit is not inspected")
    stopped_by_fail = {u.id: _stopped_by_inspection(session, u) for u in units.values() if u.status == "stopped"}
    reports = [EquipmentInspection(unit_id=units[code].id, institute_id=institute_id, report_no=data.report_no,
                                   kind=data.kind, inspected_on=data.inspected_on, conclusion=data.conclusion,
                                   safety_grade=data.safety_grade, defects=data.defects, recorded_by=actor.label)
               for _n, code, data in parsed]
    session.add_all(reports)
    changes: list[EquipmentStatusChange] = []
    by_id = {u.id: u for u in units.values()}
    for rep in sorted(reports, key=lambda r: r.inspected_on):
        unit = by_id[rep.unit_id]
        made = _apply(unit, rep, actor, stopped_by_fail.get(unit.id, False))
        changes += made
        for c in made:
            stopped_by_fail[unit.id] = c.to_status == "stopped"
    session.add_all(changes)
    flush(session, "equipment_inspection")
    _close_requests(session, reports)
    flush(session, "equipment_inspection_request")
    return len(reports)


def _inspection_row(row_no: int, row: dict[str, Any], day: dt.date) -> tuple[int, str, InspectionIn]:
    """One row of the report file: (row number, 设备代码, the report with its conclusion parsed)."""
    require_columns(row, INSPECTION_COLUMNS, row_no)
    code = str(row.get("设备代码") or "").strip().upper()
    on = _cell_day(row_no, row, "检验日期", day)
    try:
        conclusion = rules.parse_conclusion(str(row.get("检验结论") or ""))
    except DomainError as err:
        raise cell_error(row_no, "检验结论", err.message_zh, err.message_en) from err
    grade = row.get("安全状况等级")
    try:
        data = InspectionIn(report_no=str(row.get("报告编号") or "").strip(), inspected_on=on, conclusion=conclusion,
                            safety_grade=int(grade) if grade not in (None, "") else None,
                            defects=str(row.get("问题") or ""))
    except (ValueError, TypeError) as err:
        raise cell_error(row_no, "安全状况等级" if grade not in (None, "") else "报告编号", "取值无效",
                         "invalid value") from err
    return row_no, code, data


def _check_report_numbers(session: Session, parsed: list[tuple[int, str, InspectionIn]]) -> None:
    """报告编号 are unique: within the file (the first repeated row named) and against the stored reports."""
    numbers = [p[2].report_no for p in parsed]
    if len(set(numbers)) != len(numbers):
        dup = next(p for p in parsed if numbers.count(p[2].report_no) > 1)
        raise cell_error(dup[0], "报告编号", "文件内重复", "duplicated within the file")
    for i in range(0, len(numbers), 1000):
        taken = session.scalar(select(EquipmentInspection.report_no)
                               .where(EquipmentInspection.report_no.in_(numbers[i:i + 1000])).limit(1))
        if taken:
            raise Conflict("equipment.duplicate_report", f"报告编号已存在：{taken}", f"report number exists: {taken}",
                           field="报告编号")


def _stopped_by_inspection(session: Session, unit: EquipmentUnit) -> bool:
    """Was the last stop caused by a 不合格 report (not by the owner's own 停用 report)?"""
    last = session.scalar(select(EquipmentStatusChange).where(EquipmentStatusChange.unit_id == unit.id,
                                                              EquipmentStatusChange.to_status == "stopped")
                          .order_by(EquipmentStatusChange.id.desc()).limit(1))
    return last is not None and last.reason.startswith("检验不合格")


def inspections(session: Session, actor: Actor, code: str) -> list[EquipmentInspection]:
    unit = get_unit(session, actor, code)
    return list(session.scalars(select(EquipmentInspection).where(EquipmentInspection.unit_id == unit.id)
                                .order_by(EquipmentInspection.inspected_on.desc(), EquipmentInspection.id.desc())))


@dataclass(frozen=True, slots=True)
class DueExplained:
    code: str
    state: str
    due: rules.Due


def explain_due(session: Session, actor: Actor, code: str, on: dt.date | None = None) -> DueExplained:
    unit = get_unit(session, actor, code)
    due = rules.next_due(_facts(unit), unit.last_inspection_on)
    return DueExplained(unit.code, rules.due_state(due.due_on, on or today(), unit.status), due)


def due_list(session: Session, actor: Actor, *, state: str = "overdue", region: str | None = None,
             owner_id: int | None = None, on: dt.date | None = None, limit: int = 100,
             cursor: str | None = None) -> Page[EquipmentUnit]:
    """超期 / 30 日内到期 lists: a regulator's division and below (or a narrower ``region``), an enterprise's units
    (those it owns and those it maintains, who help prepare the inspection)."""
    if state not in ("overdue", "due_soon"):
        raise DomainError("equipment.bad_state", "state 应为 overdue 或 due_soon", "state must be overdue or due_soon",
                          field="state")
    day = on or today()
    stmt = _scope_any(session, actor, select(EquipmentUnit)).where(
        _active(bool(region) or _division(session, actor) is not None), EquipmentUnit.next_due_on.is_not(None))
    if state == "overdue":
        stmt = stmt.where(EquipmentUnit.next_due_on < day)
    else:
        stmt = stmt.where(EquipmentUnit.next_due_on >= day,
                          EquipmentUnit.next_due_on <= day + dt.timedelta(days=rules.DUE_SOON_DAYS))
    if region:
        stmt = stmt.where(in_division(rules.division_prefix(region)))
    if owner_id is not None:
        stmt = stmt.where(EquipmentUnit.owner_id == owner_id)
    return keyset_page(session, stmt, EquipmentUnit.id, limit=limit, cursor=cursor)
