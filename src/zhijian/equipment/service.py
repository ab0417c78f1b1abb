"""特种设备 use cases: registration, status changes, inspection reports, due lists, registry import, scan view.

The API, the CLI, the pages and the demo call these functions; the permission checks are the policy functions at
the top. The next due date is computed by ``rules.next_due`` and stored on the unit, so due lists are one
indexed query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from zhijian.catalog import rules as catalog_rules
from zhijian.catalog.models import Organization
from zhijian.equipment import rules
from zhijian.equipment.models import EquipmentInspection, EquipmentStatusChange, EquipmentUnit
from zhijian.equipment.schemas import InspectionIn, StatusIn, UnitIn
from zhijian.platform.auth import Actor
from zhijian.platform.crud import flush
from zhijian.platform.errors import Conflict, DomainError, NotFound, PermissionDenied
from zhijian.platform.pagination import Page, keyset_page

CHINA = ZoneInfo("Asia/Shanghai")

IMPORT_COLUMNS = ("设备代码", "品种代码", "使用单位统一社会信用代码", "行政区划代码", "地址")
INSPECTION_COLUMNS = ("设备代码", "报告编号", "检验日期", "检验结论")


def today() -> dt.date:
    return dt.datetime.now(CHINA).date()


# ---------------------------------------------------------------- policy (one place for this room)


def _division(session: Session, actor: Actor) -> str | None:
    """The GB/T 2260 prefix a regulator supervises (its organization's own division and below); None = all."""
    if actor.role != "regulator" or actor.organization_id is None:
        return None
    org = session.get(Organization, actor.organization_id)
    return rules.division_prefix(org.region_code) if org is not None else None


def require_register(session: Session, actor: Actor, owner_id: int, region_code: str) -> None:
    """使用登记: the registering regulator (within its division), or the owner (使用单位) for its own units."""
    if actor.role == "enterprise" and actor.owns(owner_id):
        return
    actor.require("regulator")
    prefix = _division(session, actor)
    if prefix is not None and not region_code.startswith(prefix):
        raise PermissionDenied("该设备不在本部门辖区内", "the unit is outside your division", code="equipment.outside_division")


def require_manage(session: Session, actor: Actor, unit: EquipmentUnit) -> None:
    """Status changes: the regulator of the unit's division or its owner."""
    require_register(session, actor, unit.owner_id, unit.region_code)


def require_inspect(actor: Actor) -> int | None:
    """Only an inspection institute (inspector role, lab organization) records reports (admin too)."""
    actor.require("inspector")
    return actor.organization_id


def can_read(session: Session, actor: Actor, unit: EquipmentUnit) -> bool:
    if actor.role in ("admin", "inspector"):
        return True
    if actor.role == "regulator":
        prefix = _division(session, actor)
        return prefix is None or unit.region_code.startswith(prefix)
    return actor.role == "enterprise" and (actor.owns(unit.owner_id) or actor.owns(unit.maintainer_id))


def _scope(session: Session, actor: Actor, stmt: Select[Any]) -> Select[Any]:
    """The units an actor may list: a regulator its division and below, an enterprise its own, inspectors all."""
    if actor.role in ("admin", "inspector"):
        return stmt
    if actor.role == "regulator":
        prefix = _division(session, actor)
        return stmt if prefix is None else stmt.where(EquipmentUnit.region_code.startswith(prefix, autoescape=True))
    if actor.role == "enterprise" and actor.organization_id is not None:
        return stmt.where(EquipmentUnit.owner_id == actor.organization_id)
    actor.require("regulator")
    return stmt


# ---------------------------------------------------------------- registration and status


def _facts(unit: EquipmentUnit) -> rules.UnitFacts:
    return rules.UnitFacts(unit.variety, unit.status, unit.commissioned_on, unit.safety_grade, unit.params)


def _recompute(unit: EquipmentUnit) -> rules.Due:
    due = rules.next_due(_facts(unit), unit.last_inspection_on)
    unit.next_due_on = due.due_on
    unit.due_rule = due.rule
    return due


def _owner(session: Session, owner_id: int, field: str = "owner_id") -> Organization:
    org = session.get(Organization, owner_id)
    if org is None or org.kind != "enterprise":
        raise DomainError("equipment.bad_owner", f"使用单位应为已登记的企业：{owner_id}",
                          f"the owner must be a registered enterprise: {owner_id}", field=field)
    return org


def _validated(session: Session, data: UnitIn, on: dt.date) -> dict[str, Any]:
    variety = rules.parse_variety(data.variety)
    code = rules.parse_device_code(data.code, today=on)
    if code.variety != variety:
        raise DomainError("equipment.code_variety_mismatch",
                          f"设备代码的品种代码 {code.variety} 与登记品种 {variety} 不一致",
                          f"the device code's variety {code.variety} differs from the registered variety {variety}",
                          field="code")
    region = catalog_rules.parse_region(data.region_code).code
    params = rules.check_params(variety, data.params)
    return {"code": code.code, "variety": variety, "category": rules.category_of(variety), "region_code": region,
            "params": params, "registration_no": rules.check_registration_no(data.registration_no),
            "owner_id": data.owner_id, "maintainer_id": data.maintainer_id, "address": data.address.strip(),
            "manufacturer": data.manufacturer.strip(), "installer": data.installer.strip(), "model": data.model.strip(),
            "commissioned_on": data.commissioned_on, "safety_grade": data.safety_grade,
            "last_inspection_on": data.last_inspection_on, "status": "in_use"}


def register_unit(session: Session, actor: Actor, data: UnitIn) -> EquipmentUnit:
    """使用登记 (TSG 08-2017 §3.1): a unit in 在用 with its next due date computed."""
    _owner(session, data.owner_id)
    if data.maintainer_id is not None:
        _owner(session, data.maintainer_id, "maintainer_id")
    values = _validated(session, data, today())
    require_register(session, actor, data.owner_id, values["region_code"])
    if session.scalar(select(EquipmentUnit.id).where(EquipmentUnit.code == values["code"])) is not None:
        raise Conflict("equipment.duplicate", f"设备代码已登记：{values['code']}",
                       f"device code already registered: {values['code']}", field="code")
    unit = EquipmentUnit(**values)
    _recompute(unit)
    session.add(unit)
    flush(session, "equipment_unit")
    session.add(EquipmentStatusChange(unit_id=unit.id, from_status="", to_status="in_use", reason="使用登记",
                                      document=unit.registration_no, changed_by=actor.label))
    return unit


def get_unit(session: Session, actor: Actor, code: str) -> EquipmentUnit:
    unit = session.scalar(select(EquipmentUnit).where(EquipmentUnit.code == (code or "").strip().upper()))
    if unit is None:
        raise NotFound("equipment_unit", code)
    if not can_read(session, actor, unit):
        if actor.is_public:
            actor.require("regulator")
        raise NotFound("equipment_unit", code)
    return unit


def change_status(session: Session, actor: Actor, code: str, data: StatusIn) -> EquipmentUnit:
    """停用 / 启用 / 报废 / 注销 per TSG 08-2017, recorded with reason and document."""
    unit = get_unit(session, actor, code)
    require_manage(session, actor, unit)
    rules.check_transition(unit.status, data.status)
    if data.status == "in_use" and _last_failed(session, unit):
        raise DomainError("equipment.failed_inspection", "检验不合格的设备须经复检合格方可恢复使用",
                          "a unit that failed inspection is back in use only after a passing re-inspection",
                          status=409, field="status")
    session.add(EquipmentStatusChange(unit_id=unit.id, from_status=unit.status, to_status=data.status,
                                      reason=data.reason, document=data.document, changed_by=actor.label))
    unit.status = data.status
    flush(session, "equipment_unit")
    return unit


def _last_failed(session: Session, unit: EquipmentUnit) -> bool:
    last = session.scalar(select(EquipmentInspection.conclusion).where(EquipmentInspection.unit_id == unit.id)
                          .order_by(EquipmentInspection.inspected_on.desc(), EquipmentInspection.id.desc()).limit(1))
    return last == "fail"


def status_history(session: Session, actor: Actor, code: str) -> list[EquipmentStatusChange]:
    unit = get_unit(session, actor, code)
    return list(session.scalars(select(EquipmentStatusChange).where(EquipmentStatusChange.unit_id == unit.id)
                                .order_by(EquipmentStatusChange.id)))


# ---------------------------------------------------------------- inspections


def record_inspection(session: Session, actor: Actor, code: str, data: InspectionIn) -> EquipmentInspection:
    """检验报告: a 不合格 stops the unit (停用, 特种设备安全法 第四十条); a passing (re-)inspection restarts it and
    moves the next due date (``rules.next_due``)."""
    institute_id = require_inspect(actor) or data.institute_id
    if institute_id is None:
        raise DomainError("equipment.no_institute", "须指明检验机构", "the inspection institute is required",
                          field="institute_id")
    inst = session.get(Organization, institute_id)
    if inst is None or inst.kind != "lab":
        raise DomainError("equipment.bad_institute", "检验机构应为已登记的检验检测机构",
                          "the institute must be a registered inspection body", field="institute_id")
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
    from zhijian.platform.tabular import cell_error, require_columns

    institute_id = require_inspect(actor)
    if institute_id is None or (inst := session.get(Organization, institute_id)) is None or inst.kind != "lab":
        raise DomainError("equipment.bad_institute", "检验机构应为已登记的检验检测机构",
                          "the institute must be a registered inspection body", field="institute_id")
    day = today()
    parsed: list[tuple[int, str, InspectionIn, str]] = []
    for row_no, row in rows:
        require_columns(row, INSPECTION_COLUMNS, row_no)
        code = str(row.get("设备代码") or "").strip().upper()
        try:
            on = _cell_date(row.get("检验日期"))
        except ValueError:
            raise cell_error(row_no, "检验日期", "日期格式应为 YYYY-MM-DD", "date must be YYYY-MM-DD") from None
        if on is None or on > day:
            raise cell_error(row_no, "检验日期", "须为不晚于今天的日期", "must be a date not after today")
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
        parsed.append((row_no, code, data, conclusion))
    codes = sorted({p[1] for p in parsed})
    units: dict[str, EquipmentUnit] = {}
    for i in range(0, len(codes), 1000):
        units |= {u.code: u for u in session.scalars(select(EquipmentUnit).where(EquipmentUnit.code.in_(codes[i:i + 1000])))}
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
    for row_no, code, _data, _c in parsed:
        unit = units.get(code)
        if unit is None:
            raise cell_error(row_no, "设备代码", f"未登记的设备 {code}", f"unregistered unit {code}")
        if unit.status in ("scrapped", "cancelled"):
            raise cell_error(row_no, "设备代码", "已报废或注销的设备不能检验", "a scrapped or cancelled unit is not inspected")
    stopped_by_fail = {u.id: _stopped_by_inspection(session, u) for u in units.values() if u.status == "stopped"}
    reports = [EquipmentInspection(unit_id=units[code].id, institute_id=institute_id, report_no=data.report_no,
                                   kind=data.kind, inspected_on=data.inspected_on, conclusion=conclusion,
                                   safety_grade=data.safety_grade, defects=data.defects, recorded_by=actor.label)
               for _n, code, data, conclusion in parsed]
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
    return len(reports)


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
             cursor: str | None = None) -> Page:
    """超期 / 30 日内到期 lists: a regulator's division and below (or a narrower ``region``), an owner's own units."""
    if state not in ("overdue", "due_soon"):
        raise DomainError("equipment.bad_state", "state 应为 overdue 或 due_soon", "state must be overdue or due_soon",
                          field="state")
    day = on or today()
    stmt = _scope(session, actor, select(EquipmentUnit)).where(EquipmentUnit.status.in_(("in_use", "stopped")),
                                                               EquipmentUnit.next_due_on.is_not(None))
    if state == "overdue":
        stmt = stmt.where(EquipmentUnit.next_due_on < day)
    else:
        stmt = stmt.where(EquipmentUnit.next_due_on >= day,
                          EquipmentUnit.next_due_on <= day + dt.timedelta(days=rules.DUE_SOON_DAYS))
    if region:
        stmt = stmt.where(EquipmentUnit.region_code.startswith(rules.division_prefix(region), autoescape=True))
    if owner_id is not None:
        stmt = stmt.where(EquipmentUnit.owner_id == owner_id)
    return keyset_page(session, stmt, EquipmentUnit.id, limit=limit, cursor=cursor)


# ---------------------------------------------------------------- registry import (all or nothing)


def import_registry(session: Session, actor: Actor, rows: Iterable[tuple[int, dict[str, Any]]]) -> int:
    """批量导入使用登记 — every row validated first (errors name row and column), then inserted; all or nothing."""
    from zhijian.platform.tabular import cell_error, require_columns

    actor.require("regulator", "enterprise")
    day = today()
    owners = dict(session.execute(select(Organization.uscc, Organization.id)
                                  .where(Organization.kind == "enterprise")).all())
    seen: set[str] = set()
    units: list[EquipmentUnit] = []
    column_of = {"code": "设备代码", "variety": "品种代码", "region_code": "行政区划代码", "owner_id": "使用单位统一社会信用代码",
                 "registration_no": "使用登记证编号", "commissioned_on": "投入使用日期",
                 "last_inspection_on": "上次检验日期"}
    for row_no, row in rows:
        require_columns(row, IMPORT_COLUMNS, row_no)
        uscc = str(row.get("使用单位统一社会信用代码") or "").strip().upper()
        owner = owners.get(uscc)
        if owner is None:
            raise cell_error(row_no, "使用单位统一社会信用代码", f"未登记的企业 {uscc}", f"unregistered enterprise {uscc!r}")
        params = {k[3:]: v for k, v in row.items() if str(k).startswith("参数.") and v not in (None, "")}
        m_uscc = str(row.get("维保单位统一社会信用代码") or "").strip().upper()
        maintainer = owners.get(m_uscc) if m_uscc else None
        if m_uscc and maintainer is None:
            raise cell_error(row_no, "维保单位统一社会信用代码", f"未登记的企业 {m_uscc}", f"unregistered enterprise {m_uscc!r}")
        grade = row.get("安全状况等级")
        if grade not in (None, "") and str(grade).strip() not in ("1", "2", "3", "4", "5"):
            raise cell_error(row_no, "安全状况等级", "应为 1–5", "must be 1–5")
        try:
            data = UnitIn(code=str(row.get("设备代码") or "").strip(), variety=str(row.get("品种代码") or "").strip(),
                          owner_id=owner, region_code=str(row.get("行政区划代码") or "").strip(),
                          address=str(row.get("地址") or ""), registration_no=str(row.get("使用登记证编号") or ""),
                          manufacturer=str(row.get("制造单位") or ""), model=str(row.get("型号") or ""),
                          commissioned_on=_cell_date(row.get("投入使用日期")),
                          last_inspection_on=_cell_date(row.get("上次检验日期")), params=params,
                          maintainer_id=maintainer, installer=str(row.get("安装单位") or ""),
                          safety_grade=int(str(grade).strip()) if grade not in (None, "") else None)
            values = _validated(session, data, day)
            require_register(session, actor, owner, values["region_code"])
        except DomainError as err:
            col = column_of.get(err.field or "", err.field or "设备代码")
            if col.startswith("params."):
                col = "参数." + col[7:]
            raise cell_error(row_no, col, err.message_zh, err.message_en) from err
        except ValueError as err:
            raise cell_error(row_no, "投入使用日期", "日期格式应为 YYYY-MM-DD", f"bad date: {err}") from err
        if values["code"] in seen:
            raise cell_error(row_no, "设备代码", "文件内重复", "duplicated within the file")
        seen.add(values["code"])
        unit = EquipmentUnit(**values)
        _recompute(unit)
        units.append(unit)
    codes = sorted(seen)
    for i in range(0, len(codes), 1000):
        taken = session.scalar(select(EquipmentUnit.code).where(EquipmentUnit.code.in_(codes[i:i + 1000])).limit(1))
        if taken:
            raise Conflict("equipment.duplicate", f"设备代码已登记：{taken}", f"device code already registered: {taken}",
                           field="设备代码")
    session.add_all(units)
    flush(session, "equipment_unit")
    session.add_all([EquipmentStatusChange(unit_id=u.id, to_status="in_use", reason="使用登记（批量导入）",
                                           changed_by=actor.label) for u in units])
    return len(units)


def _cell_date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip()[:10])


# ---------------------------------------------------------------- public scan view (no login)


@dataclass(frozen=True, slots=True)
class ScanView:
    """What a passer-by sees when scanning a unit's code (使用标志)."""

    code: str
    variety: str
    variety_zh: str
    category_zh: str
    registration_no: str
    owner: str
    maintainer: str | None
    maintainer_phone: str | None
    region_code: str
    region: str
    address: str
    status: str
    status_zh: str
    last_inspection_on: dt.date | None
    last_conclusion: str | None
    next_due_on: dt.date | None
    due_state: str
    usable: bool
    emergency_phone: str | None
    complaint_url: str


def scan_view(session: Session, code: str, on: dt.date | None = None) -> ScanView:
    from urllib.parse import urlencode

    unit = session.scalar(select(EquipmentUnit).where(EquipmentUnit.code == (code or "").strip().upper()))
    if unit is None or unit.status == "cancelled":
        raise NotFound("equipment_unit", code)
    owner = session.get(Organization, unit.owner_id)
    maint = session.get(Organization, unit.maintainer_id) if unit.maintainer_id else None
    last = session.execute(select(EquipmentInspection.conclusion).where(EquipmentInspection.unit_id == unit.id)
                           .order_by(EquipmentInspection.inspected_on.desc(), EquipmentInspection.id.desc())
                           .limit(1)).scalar()
    state = rules.due_state(unit.next_due_on, on or today(), unit.status)
    variety_zh = rules.VARIETIES.get(unit.variety, unit.variety)
    query = urlencode({"kind": "report", "respondent_name": owner.name if owner else "",
                       "respondent_address": unit.address, "product_text": f"{variety_zh} 设备代码 {unit.code}"})
    return ScanView(
        code=unit.code, variety=unit.variety, variety_zh=variety_zh, category_zh=rules.CATEGORIES[unit.category],
        registration_no=unit.registration_no, owner=owner.name if owner else "", maintainer=maint.name if maint else None,
        maintainer_phone=(maint.contact_phone or None) if maint else None, region_code=unit.region_code,
        region=catalog_rules.region_label(unit.region_code), address=unit.address, status=unit.status,
        status_zh=rules.STATUSES[unit.status], last_inspection_on=unit.last_inspection_on,
        last_conclusion=rules.CONCLUSIONS.get(last) if last else None, next_due_on=unit.next_due_on, due_state=state,
        usable=unit.status == "in_use" and state != "overdue",
        emergency_phone=rules.ELEVATOR_EMERGENCY if rules.is_elevator(unit.variety) else None,
        complaint_url=f"/complaints/new?{query}")


# ---------------------------------------------------------------- statistics


@dataclass(frozen=True, slots=True)
class StatRow:
    """统计 — units of one category in one division: total, in use, stopped, overdue, due within 30 days."""

    category: str
    region_code: str
    units: int
    in_use: int
    stopped: int
    overdue: int
    due_soon: int


def statistics(session: Session, actor: Actor, *, on: dt.date | None = None) -> list[StatRow]:
    """Counts by category and division over the units the actor may see (one grouped query, set-based)."""
    from sqlalchemy import case, func

    day = on or today()
    active = EquipmentUnit.status.in_(("in_use", "stopped"))
    soon = day + dt.timedelta(days=rules.DUE_SOON_DAYS)

    def count_if(cond: Any) -> Any:
        return func.sum(case((cond, 1), else_=0))

    stmt = _scope(session, actor, select(
        EquipmentUnit.category, EquipmentUnit.region_code, func.count(),
        count_if(EquipmentUnit.status == "in_use"), count_if(EquipmentUnit.status == "stopped"),
        count_if(active & (EquipmentUnit.next_due_on < day)),
        count_if(active & (EquipmentUnit.next_due_on >= day) & (EquipmentUnit.next_due_on <= soon)),
    )).group_by(EquipmentUnit.category, EquipmentUnit.region_code).order_by(EquipmentUnit.category,
                                                                           EquipmentUnit.region_code)
    return [StatRow(c, r, int(n), int(a or 0), int(b or 0), int(o or 0), int(d or 0))
            for c, r, n, a, b, o, d in session.execute(stmt)]
