"""特种设备 use cases: registration, status changes, inspection reports, due lists, registry import, scan view,
maintenance (维护保养), incidents (困人 / 故障 / 事故), reminders, GIAI labels, risk signals.

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
from zhijian.equipment.models import (
    EquipmentContract,
    EquipmentIncident,
    EquipmentInspection,
    EquipmentInspectionRequest,
    EquipmentMaintainerLicence,
    EquipmentMaintenance,
    EquipmentReminder,
    EquipmentStatusChange,
    EquipmentUnit,
    EquipmentWorkerCert,
)
from zhijian.equipment.schemas import (
    ContractIn,
    IncidentIn,
    InspectionIn,
    InspectionRequestIn,
    LicenceIn,
    MaintenanceIn,
    ScheduleIn,
    StatusIn,
    UnitIn,
    WorkerCertIn,
)
from zhijian.platform.auth import SYSTEM as SYSTEM_ACTOR
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
    """The GB/T 2260 prefix a regulator supervises (its organization's division and below, by its level:
    ``platform.jurisdiction.prefix_for`` — the national level sees all); None = all."""
    from zhijian.platform.jurisdiction import prefix_for

    if actor.role != "regulator":
        return None
    if actor.division is not None:
        return actor.division or None
    if actor.organization_id is None:
        return None
    org = session.get(Organization, actor.organization_id)
    return (prefix_for(org.region_code, org.level) or None) if org is not None else None


def division_of(session: Session, actor: Actor) -> str | None:
    """The actor's division prefix (regulators), None for all."""
    return _division(session, actor)


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


def in_division(prefix: str) -> Any:
    """Units whose GB/T 2260 code starts with ``prefix``, as a range (``'33' <= code < '34'``) so that the
    (region_code, next_due_on) index serves a province's due list on every backend (a LIKE with ESCAPE does not)."""
    col = EquipmentUnit.region_code
    if prefix.isdigit():
        upper = str(int(prefix) + 1).zfill(len(prefix))
        if len(upper) == len(prefix):
            return (col >= prefix) & (col < upper)
        return col >= prefix
    return col.startswith(prefix, autoescape=True)


def _active(regional: bool) -> Any:
    """在用 or 停用 (not 报废 / 注销). Within a division it is written as NOT IN, so that SQLite's planner (without
    ANALYZE statistics) takes the (region_code, next_due_on) index rather than the national (status, next_due_on)
    one — a province's overdue list reads its own units only."""
    if regional:
        return EquipmentUnit.status.not_in(("scrapped", "cancelled"))
    return EquipmentUnit.status.in_(("in_use", "stopped"))


def _scope(session: Session, actor: Actor, stmt: Select[Any]) -> Select[Any]:
    """The units an actor may list: a regulator its division and below, an enterprise its own, inspectors all."""
    if actor.role in ("admin", "inspector"):
        return stmt
    if actor.role == "regulator":
        prefix = _division(session, actor)
        return stmt if prefix is None else stmt.where(in_division(prefix))
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
    unit.next_maintenance_due_on = rules.next_maintenance_due(unit.variety, unit.params, None, today())
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
    for rep in reports:  # each unit's open request is closed by its (latest) report
        _close_request(session, rep.unit_id, rep)
    flush(session, "equipment_inspection_request")
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


def recompute_due_dates(session: Session, actor: Actor, *, chunk: int = 50_000,
                        table: rules.IntervalTable | None = None) -> dict[str, int]:
    """Recompute every unit's next inspection date (after a new version of the interval table): read in id order,
    chunk by chunk, computed by ``rules.next_due_date`` and only the changed rows written (set-based)."""
    from sqlalchemy import JSON, bindparam, case, func, type_coerce, update

    actor.require("regulator")
    tbl = table or rules.CURRENT_TABLE
    u = EquipmentUnit.__table__
    stmt = update(u).where(u.c.id == bindparam("b_id")).values(next_due_on=bindparam("b_due"),
                                                               due_rule=bindparam("b_rule"))
    # only a cylinder's interval reads its parameters (TSG 23): decode the JSON of those rows alone
    cylinder_params = type_coerce(case((u.c.variety.like("23%"), u.c.params), else_=None), JSON).label("params")
    after, seen, changed = 0, 0, 0
    sqlite = session.connection().dialect.name == "sqlite"
    due_indexes = [ix for ix in u.indexes if ix.name in ("ix_equipment_unit_due", "ix_equipment_unit_region_due")]
    dropped = False
    while True:
        if sqlite:
            rows = _sqlite_due_rows(session, after, chunk)
        else:
            rows = [tuple(r) for r in session.execute(
                select(u.c.id, u.c.variety, u.c.safety_grade, cylinder_params, u.c.last_inspection_on,
                       u.c.commissioned_on, u.c.next_due_on, u.c.due_rule)
                .where(u.c.id > after).order_by(u.c.id).limit(chunk))]
        if not rows:
            break
        out = []
        for uid, variety, grade, params, last, commissioned, stored, stored_rule in rows:
            due, key = rules.next_due_date(variety, grade, params, last, commissioned, table=tbl)
            if due != stored or key != stored_rule:
                out.append({"b_id": uid, "b_due": due, "b_rule": key})
        if (sqlite and not dropped and after == 0 and len(out) > len(rows) // 2
                and (session.scalar(select(func.count()).select_from(u)) or 0) > 200_000):
            # most of a large registry changes: SQLite rebuilds the two due-date indexes 3× faster than it
            # updates them row by row (the DDL is part of this transaction, rolled back with it)
            for ix in due_indexes:
                ix.drop(session.connection())
            dropped = True
        if out:
            _write_due(session, stmt, out)
        seen += len(rows)
        changed += len(out)
        after = rows[-1][0]
    for ix in due_indexes if dropped else ():
        ix.create(session.connection())
    if changed:
        from zhijian.platform import audit

        audit.record(session, "recompute_due", "equipment_unit", "*", None,
                     {"table_version": tbl.version, "units": seen, "changed": changed})
    return {"units": seen, "changed": changed}


def _sqlite_due_rows(session: Session, after: int, chunk: int) -> list[tuple[Any, ...]]:
    """One chunk of what the due rule reads, through the SQLite driver: dates arrive as ISO text and are parsed
    by ``date.fromisoformat`` (SQLAlchemy's SQLite date processor matches a regex per value: 3× slower)."""
    import json

    raw = session.connection().connection.driver_connection
    rows = raw.execute("SELECT id, variety, safety_grade, CASE WHEN variety LIKE '23%' THEN params END, "
                       "last_inspection_on, commissioned_on, next_due_on, due_rule FROM equipment_unit "
                       "WHERE id > ? ORDER BY id LIMIT ?", (after, chunk)).fetchall()
    day = dt.date.fromisoformat
    return [(i, v, g, json.loads(p) if p else None, day(a) if a else None, day(c) if c else None,
             day(n) if n else None, r) for i, v, g, p, a, c, n, r in rows]


def _write_due(session: Session, stmt: Any, out: list[dict[str, Any]]) -> None:
    """Write changed due dates set-based: SQLite through the driver's executemany (one prepared UPDATE by id),
    PostgreSQL by COPY into a temporary table and one UPDATE … FROM, others by Core executemany."""
    conn = session.connection()
    name = conn.dialect.name
    if name == "sqlite":
        raw = conn.connection.driver_connection
        raw.executemany("UPDATE equipment_unit SET next_due_on = ?, due_rule = ? WHERE id = ?",
                        [(o["b_due"].isoformat() if o["b_due"] else None, o["b_rule"], o["b_id"]) for o in out])
    elif name == "postgresql":
        raw = conn.connection.driver_connection
        with raw.cursor() as cur:
            cur.execute("CREATE TEMP TABLE IF NOT EXISTS equipment_due_tmp (id bigint, due date, rule varchar(32)) "
                        "ON COMMIT DROP")
            with cur.copy("COPY equipment_due_tmp (id, due, rule) FROM STDIN") as cp:
                for o in out:
                    cp.write_row((o["b_id"], o["b_due"], o["b_rule"]))
            cur.execute("UPDATE equipment_unit u SET next_due_on = t.due, due_rule = t.rule FROM equipment_due_tmp t "
                        "WHERE u.id = t.id")
            cur.execute("TRUNCATE equipment_due_tmp")
    else:
        session.execute(stmt, out)


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
        unit.next_maintenance_due_on = rules.next_maintenance_due(unit.variety, unit.params, None, day)
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
    last_maintenance_on: dt.date | None = None
    maintenance_overdue: bool = False
    giai: str = ""
    digital_link: str = ""


def scan_view(session: Session, code: str, on: dt.date | None = None) -> ScanView:
    """The public answer to a scan. The hazard-report link opens the public complaint form (投诉举报) prefilled the
    way that form reads its query (``kind=report``, ``product``, ``code``, ``place``), so the report names the unit."""
    from urllib.parse import urlencode

    unit = session.scalar(select(EquipmentUnit).where(EquipmentUnit.code == (code or "").strip().upper()))
    if unit is None or unit.status == "cancelled":
        raise NotFound("equipment_unit", code)
    owner = session.get(Organization, unit.owner_id)
    maint = session.get(Organization, unit.maintainer_id) if unit.maintainer_id else None
    last = session.execute(select(EquipmentInspection.conclusion).where(EquipmentInspection.unit_id == unit.id)
                           .order_by(EquipmentInspection.inspected_on.desc(), EquipmentInspection.id.desc())
                           .limit(1)).scalar()
    day = on or today()
    state = rules.due_state(unit.next_due_on, day, unit.status)
    variety_zh = rules.VARIETIES.get(unit.variety, unit.variety)
    place = f"{catalog_rules.region_label(unit.region_code)} {unit.address}".strip()
    query = urlencode({"kind": "report", "product": f"{variety_zh} 设备代码", "code": unit.code, "place": place})
    giai = rules.giai_for(unit.code, gs1_prefix())
    return ScanView(
        code=unit.code, variety=unit.variety, variety_zh=variety_zh, category_zh=rules.CATEGORIES[unit.category],
        registration_no=unit.registration_no, owner=owner.name if owner else "", maintainer=maint.name if maint else None,
        maintainer_phone=(maint.contact_phone or None) if maint else None, region_code=unit.region_code,
        region=catalog_rules.region_label(unit.region_code), address=unit.address, status=unit.status,
        status_zh=rules.STATUSES[unit.status], last_inspection_on=unit.last_inspection_on,
        last_conclusion=rules.CONCLUSIONS.get(last) if last else None, next_due_on=unit.next_due_on, due_state=state,
        usable=unit.status == "in_use" and state != "overdue",
        emergency_phone=rules.ELEVATOR_EMERGENCY if rules.is_elevator(unit.variety) else None,
        complaint_url=f"/complaints/new?{query}", last_maintenance_on=unit.last_maintenance_on,
        maintenance_overdue=(unit.status == "in_use" and unit.next_maintenance_due_on is not None
                             and unit.next_maintenance_due_on < day),
        giai=giai, digital_link=rules.giai_link(resolver_host(), giai))


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
    active = _active(_division(session, actor) is not None)
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


# ---------------------------------------------------------------- GS1 GIAI (AI 8004) on the label


def gs1_prefix() -> str:
    """The GS1 Company Prefix the GIAIs are issued under: ``ZHIJIAN_EQUIPMENT_GCP`` (the regulator's or the
    deployment's own prefix), else 9520000 (prefix 952 is GS1's range for demonstrations)."""
    import os

    return rules.check_gcp(os.environ.get("ZHIJIAN_EQUIPMENT_GCP") or rules.DEMO_GCP, "ZHIJIAN_EQUIPMENT_GCP")


def resolver_host() -> str:
    from zhijian.platform.config import get_settings

    return get_settings().resolver_host


def code_for_giai(giai: str) -> str:
    """The 设备代码 a scanned GIAI stands for (404 when the GIAI was not issued under our prefix)."""
    code = rules.code_from_giai(giai, gs1_prefix())
    if code is None:
        raise NotFound("equipment_unit", giai)
    return code


def label_sheet(session: Session, actor: Actor, *, codes: list[str] | None = None, owner_id: int | None = None,
                limit: int = 2000) -> bytes:
    """使用标志 label sheet (PDF): one label per unit with the QR of its GIAI Digital Link — the owner's units, or
    the listed codes the actor may read; at most ``limit`` labels per sheet."""
    from zhijian.equipment import labels

    if actor.is_public:
        actor.require("enterprise")
    stmt = _scope(session, actor, select(EquipmentUnit)).where(EquipmentUnit.status.in_(("in_use", "stopped")))
    if codes:
        wanted = sorted({(c or "").strip().upper() for c in codes})[:limit]
        stmt = stmt.where(EquipmentUnit.code.in_(wanted))
    if owner_id is not None:
        stmt = stmt.where(EquipmentUnit.owner_id == owner_id)
    units = list(session.scalars(stmt.order_by(EquipmentUnit.id).limit(limit)))
    if not units:
        raise DomainError("equipment.no_units", "没有可打印标志的设备", "no units to label", status=404, field="codes")
    gcp, host = gs1_prefix(), resolver_host()
    rows = [labels.Label(u.code, rules.VARIETIES.get(u.variety, u.variety), u.registration_no,
                         rules.giai_for(u.code, gcp), rules.giai_link(host, rules.giai_for(u.code, gcp)),
                         rules.ELEVATOR_EMERGENCY if rules.is_elevator(u.variety) else "") for u in units]
    return labels.render(rows)


# ---------------------------------------------------------------- maintenance (维护保养)


def require_maintain(session: Session, actor: Actor, unit: EquipmentUnit) -> int:
    """Who records a visit: the unit's maintenance company (an elevator's must be one, 特种设备安全法 第四十五条);
    for other categories without a contracted company, the owner itself (第三十九条). Returns the maintainer id."""
    if unit.maintainer_id is None and rules.is_elevator(unit.variety):
        raise DomainError("equipment.no_maintainer", "电梯须由取得许可的维保单位维护保养，请先登记维保单位（特种设备安全法第四十五条）",
                          "an elevator is maintained by a licensed company: set its maintenance company first",
                          status=409, field="maintainer_id")
    doer = unit.maintainer_id if unit.maintainer_id is not None else unit.owner_id
    if actor.role == "admin" or (actor.role == "enterprise" and actor.owns(doer)):
        return doer
    if actor.is_public:
        actor.require("enterprise")
    raise PermissionDenied("只有该设备的维保单位可以录入维保记录", "only the unit's maintenance company records maintenance",
                           code="equipment.not_maintainer")


def set_maintainer(session: Session, actor: Actor, code: str, maintainer_id: int | None) -> EquipmentUnit:
    """维保合同: the owner (or the regulator) names the maintenance company; the next maintenance date restarts."""
    unit = get_unit(session, actor, code)
    require_manage(session, actor, unit)
    if maintainer_id is not None:
        _owner(session, maintainer_id, "maintainer_id")
    unit.maintainer_id = maintainer_id
    flush(session, "equipment_unit")
    return unit


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def record_maintenance(session: Session, actor: Actor, code: str, data: MaintenanceIn) -> EquipmentMaintenance:
    """维保记录: a scheduled visit moves the unit's next maintenance date (elevators: + 15 days, 条例 第三十一条);
    one visit of a kind per unit and day (a concurrent duplicate gets 409)."""
    unit = get_unit(session, actor, code)
    maintainer = require_maintain(session, actor, unit)
    if unit.status in ("scrapped", "cancelled"):
        raise DomainError("equipment.inactive", "已报废或注销的设备不能维保", "a scrapped or cancelled unit is not maintained",
                          status=409, field="code")
    if data.maintained_on > today():
        raise DomainError("equipment.future_date", "维保日期不能晚于今天", "the maintenance date cannot be in the future",
                          field="maintained_on")
    if unit.commissioned_on is not None and data.maintained_on < unit.commissioned_on:
        raise DomainError("equipment.before_commissioning", "维保日期不能早于投入使用日期",
                          "the maintenance date cannot precede commissioning", field="maintained_on")
    if maintainer != unit.owner_id:
        _require_licence(session, maintainer, data.maintained_on, "maintainer_id", required=False)
    cert = rules.check_worker_cert(data.worker_cert_no)
    _check_registered_cert(session, cert, maintainer, data.maintained_on, unit.variety)
    items = [i.strip()[:200] for i in data.items if i and i.strip()]
    if session.scalar(select(EquipmentMaintenance.id).where(EquipmentMaintenance.unit_id == unit.id,
                                                            EquipmentMaintenance.maintained_on == data.maintained_on,
                                                            EquipmentMaintenance.kind == data.kind)):
        raise Conflict("equipment.duplicate_maintenance", "该设备当日同类维保已登记",
                       "this visit is already recorded for that day", field="maintained_on")
    row = EquipmentMaintenance(unit_id=unit.id, maintainer_id=maintainer, maintained_on=data.maintained_on,
                               kind=data.kind, items=items, worker_name=data.worker_name.strip(), worker_cert_no=cert,
                               remarks=data.remarks, recorded_by=actor.label)
    session.add(row)
    if data.kind in rules.SCHEDULED_KINDS and (unit.last_maintenance_on is None
                                               or data.maintained_on > unit.last_maintenance_on):
        unit.last_maintenance_on = data.maintained_on
        unit.next_maintenance_due_on = rules.next_maintenance_due(unit.variety, unit.params, data.maintained_on,
                                                                  data.maintained_on)
    flush(session, "equipment_maintenance")
    return row


MAINTENANCE_COLUMNS = ("设备代码", "维保日期", "维保类型", "维保人员", "作业人员证编号")
_KIND_BY_ZH = {v: k for k, v in rules.MAINTENANCE_KINDS.items()} | {"维修": "repair"}


def import_maintenance(session: Session, actor: Actor, rows: Iterable[tuple[int, dict[str, Any]]]) -> int:
    """批量导入维保记录 (Excel/CSV: 设备代码, 维保日期, 维保类型, 维保人员, 作业人员证编号[, 维保项目]) by the maintenance
    company — every row validated first (errors by row and column), then stored in one flush with the same effect
    per visit as ``record_maintenance``; all or nothing."""
    from zhijian.platform.tabular import cell_error, require_columns

    if actor.is_public:
        actor.require("enterprise")
    day = today()
    parsed: list[tuple[int, str, MaintenanceIn]] = []
    for row_no, row in rows:
        require_columns(row, MAINTENANCE_COLUMNS, row_no)
        try:
            on = _cell_date(row.get("维保日期"))
        except ValueError:
            raise cell_error(row_no, "维保日期", "日期格式应为 YYYY-MM-DD", "date must be YYYY-MM-DD") from None
        if on is None or on > day:
            raise cell_error(row_no, "维保日期", "须为不晚于今天的日期", "must be a date not after today")
        kind_text = str(row.get("维保类型") or "").strip()
        kind = _KIND_BY_ZH.get(kind_text, kind_text)
        if kind not in rules.MAINTENANCE_KINDS:
            raise cell_error(row_no, "维保类型", "应为 半月维保/季度维保/半年维保/年度维保/维修", "unknown maintenance type")
        try:
            cert = rules.check_worker_cert(str(row.get("作业人员证编号") or ""))
        except DomainError as err:
            raise cell_error(row_no, "作业人员证编号", err.message_zh, err.message_en) from err
        worker = str(row.get("维保人员") or "").strip()
        if not worker:
            raise cell_error(row_no, "维保人员", "不能为空", "required")
        items = [i for i in str(row.get("维保项目") or "").replace("；", ";").split(";") if i.strip()]
        parsed.append((row_no, str(row.get("设备代码") or "").strip().upper(),
                       MaintenanceIn(maintained_on=on, kind=kind, items=items, worker_name=worker[:64],
                                     worker_cert_no=cert)))
    codes = sorted({p[1] for p in parsed})
    units: dict[str, EquipmentUnit] = {}
    for i in range(0, len(codes), 1000):
        units |= {u.code: u for u in session.scalars(select(EquipmentUnit).where(EquipmentUnit.code.in_(codes[i:i + 1000])))}
    seen: set[tuple[str, dt.date, str]] = set()
    out: list[dict[str, Any]] = []
    lic_cache: dict[int, EquipmentMaintainerLicence | None] = {}  # one look-up per company and certificate
    cert_cache: dict[str, EquipmentWorkerCert | None] = {}
    for row_no, code, data in parsed:
        unit = units.get(code)
        if unit is None or not can_read(session, actor, unit):
            raise cell_error(row_no, "设备代码", f"未登记的设备 {code}", f"unregistered unit {code}")
        try:
            maintainer = require_maintain(session, actor, unit)
            if maintainer != unit.owner_id:
                if maintainer not in lic_cache:
                    lic_cache[maintainer] = licence_of(session, maintainer)
                _require_licence(session, maintainer, data.maintained_on, "maintainer_id", required=False,
                                 lic=lic_cache[maintainer] or False)
        except DomainError as err:
            raise cell_error(row_no, "设备代码", err.message_zh, err.message_en) from err
        try:
            if data.worker_cert_no not in cert_cache:
                cert_cache[data.worker_cert_no] = session.scalar(
                    select(EquipmentWorkerCert).where(EquipmentWorkerCert.cert_no == data.worker_cert_no))
            _check_registered_cert(session, data.worker_cert_no, maintainer, data.maintained_on, unit.variety,
                                   row=cert_cache[data.worker_cert_no] or False)
        except DomainError as err:
            raise cell_error(row_no, "作业人员证编号", err.message_zh, err.message_en) from err
        key = (code, data.maintained_on, data.kind)
        if key in seen:
            raise cell_error(row_no, "维保日期", "文件内重复", "duplicated within the file")
        seen.add(key)
        out.append(dict(unit_id=unit.id, maintainer_id=maintainer, maintained_on=data.maintained_on, kind=data.kind,
                        items=data.items, worker_name=data.worker_name, worker_cert_no=data.worker_cert_no,
                        remarks="", owner_signed_by="", recorded_by=actor.label))
        if data.kind in rules.SCHEDULED_KINDS and (unit.last_maintenance_on is None
                                                   or data.maintained_on > unit.last_maintenance_on):
            unit.last_maintenance_on = data.maintained_on
            unit.next_maintenance_due_on = rules.next_maintenance_due(unit.variety, unit.params, data.maintained_on,
                                                                      data.maintained_on)
    flush(session, "equipment_unit")
    if out:  # set-based: one executemany and one audit record for the file (the house rule for bulk writes)
        from sqlalchemy import insert
        from sqlalchemy.exc import IntegrityError

        from zhijian.platform import audit

        try:
            with session.begin_nested():
                session.execute(insert(EquipmentMaintenance), out)
        except IntegrityError as exc:  # a concurrent import or visit stored the same visit first
            raise Conflict("equipment.duplicate_maintenance", "该设备当日同类维保已登记",
                           "this visit is already recorded for that day", field="维保日期") from exc
        audit.record(session, "create", "equipment_maintenance", f"import:{actor.label}", None,
                     {"n": len(out), "units": sorted({str(o["unit_id"]) for o in out})})
    return len(out)


def _check_registered_cert(session: Session, cert_no: str, maintainer_id: int, on: dt.date, variety: str,
                           row: EquipmentWorkerCert | None | bool = None) -> None:
    """A certificate in the registry must be in force on the day, of the right item, held by the company's worker;
    a number not (yet) in the registry is kept as given. ``row``: the registry row already read (False: none)."""
    if row is None:
        row = session.scalar(select(EquipmentWorkerCert).where(EquipmentWorkerCert.cert_no == cert_no))
    if not isinstance(row, EquipmentWorkerCert):
        return
    rules.check_cert_for_visit(row.item, row.valid_until, on, variety)
    if row.employer_id is not None and row.employer_id != maintainer_id:
        raise DomainError("equipment.cert_employer", "该作业人员证登记在其他单位", "the certificate is registered to "
                          "another company", field="worker_cert_no")


def register_worker_cert(session: Session, actor: Actor, data: WorkerCertIn) -> EquipmentWorkerCert:
    """作业人员证 登记: the employer for its own workers, or the regulator."""
    employer = data.employer_id if data.employer_id is not None else actor.organization_id
    if not (actor.role in ("admin", "regulator") or (actor.role == "enterprise" and actor.owns(employer))):
        if actor.is_public:
            actor.require("enterprise")
        raise PermissionDenied("只能登记本单位人员的作业人员证", "you register your own workers' certificates only",
                               code="equipment.not_employer")
    if employer is not None:
        _owner(session, employer, "employer_id")
    item = data.item.strip().upper()
    if item not in rules.WORK_ITEMS:
        raise DomainError("equipment.bad_item", f"未知的作业项目代号：{data.item}", f"unknown work item: {data.item}",
                          field="item")
    until = rules.cert_valid_until(data.issued_on, data.valid_until)
    if until <= data.issued_on:
        raise DomainError("equipment.bad_validity", "有效期应晚于发证日期", "validity must end after issue",
                          field="valid_until")
    cert = rules.check_worker_cert(data.cert_no, "cert_no")
    if session.scalar(select(EquipmentWorkerCert.id).where(EquipmentWorkerCert.cert_no == cert)):
        raise Conflict("equipment.duplicate_cert", f"作业人员证已登记：{cert}", f"certificate already registered: {cert}",
                       field="cert_no")
    row = EquipmentWorkerCert(cert_no=cert, name=data.name.strip(), item=item, employer_id=employer,
                              issued_on=data.issued_on, valid_until=until, issuer=data.issuer.strip())
    session.add(row)
    flush(session, "equipment_worker_cert")
    return row


def worker_certs(session: Session, actor: Actor, *, employer_id: int | None = None,
                 expiring_within: int | None = None, on: dt.date | None = None,
                 limit: int = 500) -> list[EquipmentWorkerCert]:
    """The registry: an enterprise its own workers, staff everyone; ``expiring_within`` days → due for 复审."""
    if actor.is_public:
        actor.require("enterprise")
    stmt = select(EquipmentWorkerCert)
    if actor.role == "enterprise":
        stmt = stmt.where(EquipmentWorkerCert.employer_id == actor.organization_id)
    elif employer_id is not None:
        stmt = stmt.where(EquipmentWorkerCert.employer_id == employer_id)
    if expiring_within is not None:
        day = on or today()
        stmt = stmt.where(EquipmentWorkerCert.valid_until <= day + dt.timedelta(days=expiring_within))
    return list(session.scalars(stmt.order_by(EquipmentWorkerCert.valid_until, EquipmentWorkerCert.id).limit(limit)))


def sign_maintenance(session: Session, actor: Actor, maintenance_id: int, signed_by: str) -> EquipmentMaintenance:
    """使用单位签字确认 (TSG T5002-2017: the owner's safety manager signs the maintenance record)."""
    from zhijian.platform.db import utcnow

    row = session.get(EquipmentMaintenance, maintenance_id)
    unit = session.get(EquipmentUnit, row.unit_id) if row is not None else None
    if row is None or unit is None or not can_read(session, actor, unit):
        if actor.is_public:
            actor.require("enterprise")
        raise NotFound("equipment_maintenance", maintenance_id)
    if not (actor.role == "admin" or (actor.role == "enterprise" and actor.owns(unit.owner_id))):
        raise PermissionDenied("只有使用单位可以签字确认维保记录", "only the owner signs a maintenance record",
                               code="equipment.not_owner")
    if row.owner_signed_at is not None:
        raise Conflict("equipment.already_signed", "该维保记录已签字确认", "this record is already signed")
    row.owner_signed_by, row.owner_signed_at = signed_by.strip()[:64], utcnow()
    flush(session, "equipment_maintenance")
    return row


def maintenance_records(session: Session, actor: Actor, code: str, limit: int = 200) -> list[EquipmentMaintenance]:
    unit = get_unit(session, actor, code)
    return list(session.scalars(select(EquipmentMaintenance).where(EquipmentMaintenance.unit_id == unit.id)
                                .order_by(EquipmentMaintenance.maintained_on.desc(), EquipmentMaintenance.id.desc())
                                .limit(limit)))


def _scope_any(session: Session, actor: Actor, stmt: Select[Any]) -> Select[Any]:
    """Like ``_scope``, but an enterprise sees the units it owns and the units it maintains."""
    from sqlalchemy import or_

    if actor.role == "enterprise" and actor.organization_id is not None:
        return stmt.where(or_(EquipmentUnit.owner_id == actor.organization_id,
                              EquipmentUnit.maintainer_id == actor.organization_id))
    return _scope(session, actor, stmt)


def units_of(session: Session, actor: Actor, limit: int = 100) -> list[EquipmentUnit]:
    """The units an enterprise owns or maintains (others: their scope), soonest inspection date first."""
    stmt = _scope_any(session, actor, select(EquipmentUnit)).where(EquipmentUnit.status.in_(("in_use", "stopped")))
    return list(session.scalars(stmt.order_by(EquipmentUnit.next_due_on, EquipmentUnit.id).limit(limit)))


def unsigned_maintenance(session: Session, actor: Actor, limit: int = 50) -> list[tuple[EquipmentMaintenance, str]]:
    """Maintenance records of the owner's units still waiting for its signature (with the unit's code)."""
    if actor.role != "enterprise" or actor.organization_id is None:
        return []
    rows = session.execute(select(EquipmentMaintenance, EquipmentUnit.code)
                           .join(EquipmentUnit, EquipmentUnit.id == EquipmentMaintenance.unit_id)
                           .where(EquipmentUnit.owner_id == actor.organization_id,
                                  EquipmentMaintenance.owner_signed_at.is_(None))
                           .order_by(EquipmentMaintenance.maintained_on.desc(), EquipmentMaintenance.id.desc())
                           .limit(limit)).all()
    return [(r, c) for r, c in rows]


def maintenance_overdue(session: Session, actor: Actor, *, on: dt.date | None = None, region: str | None = None,
                        maintainer_id: int | None = None, limit: int = 100, cursor: str | None = None) -> Page:
    """维保超期: units in use whose next maintenance date has passed (elevators: no visit within 15 days)."""
    day = on or today()
    stmt = _scope_any(session, actor, select(EquipmentUnit)).where(
        EquipmentUnit.status == "in_use", EquipmentUnit.next_maintenance_due_on.is_not(None),
        EquipmentUnit.next_maintenance_due_on < day)
    if region:
        stmt = stmt.where(in_division(rules.division_prefix(region)))
    if maintainer_id is not None:
        stmt = stmt.where(EquipmentUnit.maintainer_id == maintainer_id)
    return keyset_page(session, stmt, EquipmentUnit.id, limit=limit, cursor=cursor)


# ---------------------------------------------------------------- incidents (困人救援 / 故障 / 事故)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """Times without an offset are China time (the forms' datetime-local fields)."""
    if value is None:
        return None
    return value.replace(tzinfo=CHINA) if value.tzinfo is None else value


def require_report_incident(session: Session, actor: Actor, unit: EquipmentUnit) -> None:
    """The owner, the maintenance company, or the regulator of the division records an incident."""
    if actor.role == "enterprise" and (actor.owns(unit.owner_id) or actor.owns(unit.maintainer_id)):
        return
    require_manage(session, actor, unit)


def record_incident(session: Session, actor: Actor, code: str, data: IncidentIn,
                    now: dt.datetime | None = None) -> EquipmentIncident:
    """困人 / 故障 / 事故: the level by the 条例's thresholds (an elevator stranding of 2 h or more is a 一般事故),
    the owner's 1-hour report deadline for an accident and whether it was missed, the rescue arrival time against
    TSG T5002-2017's limit; the regulators of the division get the accident in their inbox (and by mail)."""
    from zhijian.platform.db import utcnow

    unit = get_unit(session, actor, code)
    require_report_incident(session, actor, unit)
    now = now or utcnow()
    occurred, called = _aware(data.occurred_at), _aware(data.called_at)
    arrived, released = _aware(data.arrived_at), _aware(data.released_at)
    assert occurred is not None
    if occurred > now + dt.timedelta(minutes=5):
        raise DomainError("equipment.future_date", "发生时间不能晚于现在", "the time of the incident cannot be in the future",
                          field="occurred_at")
    if data.kind == "entrapment" and unit.category not in ("3000", "6000", "9000"):
        raise DomainError("equipment.bad_kind", "困人（滞留）只适用于电梯、大型游乐设施和客运索道",
                          "an entrapment applies to elevators, rides and ropeways only", field="kind")
    start = called or occurred
    for name, value, after in (("called_at", called, occurred), ("arrived_at", arrived, start),
                               ("released_at", released, start)):
        if value is not None and value < after:
            raise DomainError("equipment.bad_time_order", f"「{name}」不能早于报警或发生时间",
                              f"'{name}' cannot precede the call or the incident", field=name)
        if value is not None and value > now + dt.timedelta(minutes=5):
            raise DomainError("equipment.future_date", f"「{name}」不能晚于现在", f"'{name}' cannot be in the future",
                              field=name)
    stranded = data.stranded_hours
    if stranded is None and data.kind == "entrapment" and released is not None:
        stranded = (released - start).total_seconds() / 3600
    level = rules.accident_level(rules.IncidentFacts(
        unit.category, data.deaths, data.serious_injuries, data.direct_loss_yuan, data.evacuated, data.explosion,
        data.boiler_mw, data.crane_overturned, data.crane_structure_failed, stranded or 0.0, data.trapped_people))
    is_accident = data.kind == "accident" or level is not None
    due = rules.report_deadline(occurred) if is_accident else None
    arrival = None
    limit = None
    if data.kind == "entrapment":
        limit = rules.rescue_limit_minutes(unit.region_code)
        if arrived is not None:
            arrival = int((arrived - start).total_seconds() // 60)
    if session.scalar(select(EquipmentIncident.id).where(EquipmentIncident.unit_id == unit.id,
                                                         EquipmentIncident.kind == data.kind,
                                                         EquipmentIncident.occurred_at == occurred)):
        raise Conflict("equipment.duplicate_incident", "该设备同一时间的同类事件已报告",
                       "this event of the unit is already reported", field="occurred_at")
    row = EquipmentIncident(
        unit_id=unit.id, kind=data.kind, occurred_at=occurred, reported_at=now, called_at=called, arrived_at=arrived,
        released_at=released, trapped_people=data.trapped_people, deaths=data.deaths,
        serious_injuries=data.serious_injuries, direct_loss_yuan=data.direct_loss_yuan, evacuated=data.evacuated,
        facts={"explosion": data.explosion, "boiler_mw": data.boiler_mw, "crane_overturned": data.crane_overturned,
               "crane_structure_failed": data.crane_structure_failed, "stranded_hours": stranded},
        level=level, report_due_at=due, reported_late=due is not None and now > due, arrival_minutes=arrival,
        arrival_limit_minutes=limit, cause=data.cause.strip(), description=data.description, reported_by=actor.label)
    session.add(row)
    flush(session, "equipment_incident")
    if is_accident:
        _notify_regulators(session, unit, row)
    return row


def _notify_regulators(session: Session, unit: EquipmentUnit, row: EquipmentIncident) -> int:
    """事故 → the inbox (and mail) of every regulator whose division holds the unit (county, city, province)."""
    from zhijian.platform.rooms import room_module

    notes = room_module("consumer", "notifications")
    if notes is None:
        return 0
    level = rules.ACCIDENT_LEVELS.get(row.level or "", "事故")
    subject = f"特种设备{level}：{rules.VARIETIES.get(unit.variety, unit.variety)} {unit.code}"
    body = (f"发生时间 {row.occurred_at.astimezone(CHINA):%Y-%m-%d %H:%M}，地点 {unit.address}；"
            f"死亡 {row.deaths} 人，重伤 {row.serious_injuries} 人。" + (f"原因：{row.cause}" if row.cause else ""))
    n = 0
    for org in session.scalars(select(Organization).where(Organization.kind == "regulator")):
        prefix = rules.division_prefix(org.region_code)
        if unit.region_code.startswith(prefix):
            notes.notify(session, kind="equipment.accident", subject=subject, body=body, room="equipment",
                         link=f"/console/equipment/incidents/{row.id}", organization_id=org.id)
            n += 1
    return n


@dataclass(frozen=True, slots=True)
class IncidentView:
    """An incident with what the rules say of it: level, deadlines, escalation, rescue timing."""

    row: EquipmentIncident
    unit_code: str
    kind_zh: str
    level_zh: str | None
    report_due_at: dt.datetime | None
    reported_late: bool
    escalate_to: str | None
    escalate_by: dt.datetime | None
    followup_until: dt.datetime | None
    arrival_minutes: int | None
    arrival_limit_minutes: int | None
    arrival_late: bool


def incident_view(row: EquipmentIncident, unit_code: str) -> IncidentView:
    to = by = follow = None
    if row.level is not None:
        to, by = rules.escalation(row.level, row.reported_at)
    if row.report_due_at is not None:
        follow = row.occurred_at + dt.timedelta(days=rules.FOLLOWUP_DAYS)
    late = (row.arrival_minutes is not None and row.arrival_limit_minutes is not None
            and row.arrival_minutes > row.arrival_limit_minutes)
    return IncidentView(row, unit_code, rules.INCIDENT_KINDS[row.kind], rules.ACCIDENT_LEVELS.get(row.level or ""),
                        row.report_due_at, row.reported_late, to, by, follow, row.arrival_minutes,
                        row.arrival_limit_minutes, late)


def get_incident(session: Session, actor: Actor, incident_id: int) -> IncidentView:
    row = session.get(EquipmentIncident, incident_id)
    unit = session.get(EquipmentUnit, row.unit_id) if row is not None else None
    if row is None or unit is None or not can_read(session, actor, unit):
        if actor.is_public:
            actor.require("regulator")
        raise NotFound("equipment_incident", incident_id)
    return incident_view(row, unit.code)


def incidents(session: Session, actor: Actor, *, code: str | None = None, since: dt.date | None = None,
              accidents_only: bool = False, limit: int = 100) -> list[IncidentView]:
    """Incidents the actor may see (a unit's, or all in scope), newest first."""
    stmt = _scope_any(session, actor, select(EquipmentIncident, EquipmentUnit.code)
                      .join(EquipmentUnit, EquipmentUnit.id == EquipmentIncident.unit_id))
    if code:
        stmt = stmt.where(EquipmentUnit.code == get_unit(session, actor, code).code)
    if since is not None:
        stmt = stmt.where(EquipmentIncident.occurred_at >= dt.datetime.combine(since, dt.time(), CHINA))
    if accidents_only:
        from sqlalchemy import or_

        stmt = stmt.where(or_(EquipmentIncident.kind == "accident", EquipmentIncident.level.is_not(None)))
    rows = session.execute(stmt.order_by(EquipmentIncident.occurred_at.desc(), EquipmentIncident.id.desc())
                           .limit(limit)).all()
    return [incident_view(r, c) for r, c in rows]


# ---------------------------------------------------------------- reminders (30 days before, on the day, overdue)


def reminder_stage(due_on: dt.date, on: dt.date) -> str | None:
    """due_soon (within 30 days: 特种设备安全法 第四十条, request the inspection a month before), due_today, overdue."""
    if due_on < on:
        return "overdue"
    if due_on == on:
        return "due_today"
    if (due_on - on).days <= rules.DUE_SOON_DAYS:
        return "due_soon"
    return None


STAGE_LABELS = {"due_soon": "30 日内到期", "due_today": "今日到期", "overdue": "已超期"}


def send_reminders(session: Session, on: dt.date | None = None, *, chunk: int = 5000) -> dict[str, int]:
    """The daily reminder: every owner with units entering a stage (30 days before, the due date, overdue) gets
    one inbox message and one mail listing them; each unit, due date and stage is reminded once."""
    from zhijian.platform.rooms import room_module

    day = on or today()
    rows = session.execute(select(EquipmentUnit.id, EquipmentUnit.code, EquipmentUnit.variety, EquipmentUnit.owner_id,
                                  EquipmentUnit.address, EquipmentUnit.next_due_on)
                           .where(EquipmentUnit.status.in_(("in_use", "stopped")),
                                  EquipmentUnit.next_due_on.is_not(None),
                                  EquipmentUnit.next_due_on <= day + dt.timedelta(days=rules.DUE_SOON_DAYS))
                           .order_by(EquipmentUnit.id)).all()
    sent: set[tuple[int, dt.date, str]] = set()
    ids = [r.id for r in rows]
    for i in range(0, len(ids), chunk):
        sent |= {(u, d, st) for u, d, st in session.execute(
            select(EquipmentReminder.unit_id, EquipmentReminder.due_on, EquipmentReminder.stage)
            .where(EquipmentReminder.unit_id.in_(ids[i:i + chunk])))}
    by_owner: dict[int, list[tuple[str, Any]]] = {}
    new: list[EquipmentReminder] = []
    for r in rows:
        stage = reminder_stage(r.next_due_on, day)
        if stage is None or (r.id, r.next_due_on, stage) in sent:
            continue
        new.append(EquipmentReminder(unit_id=r.id, due_on=r.next_due_on, stage=stage, owner_id=r.owner_id))
        by_owner.setdefault(r.owner_id, []).append((stage, r))
    session.add_all(new)
    flush(session, "equipment_reminder")
    notes = room_module("consumer", "notifications")
    mailed = 0
    if notes is not None:
        for owner_id, items in by_owner.items():
            counts = {st: sum(1 for s2, _ in items if s2 == st) for st in STAGE_LABELS}
            lines = [f"{STAGE_LABELS[st]}\t{r.code}\t{rules.VARIETIES.get(r.variety, r.variety)}\t下次检验 {r.next_due_on}"
                     f"\t{r.address}" for st, r in sorted(items, key=lambda x: (x[1].next_due_on, x[1].code))]
            summary = "，".join(f"{STAGE_LABELS[k]} {v} 台" for k, v in counts.items() if v)
            notes.notify(session, kind="equipment.due", room="equipment", organization_id=owner_id,
                         subject=f"特种设备定期检验提醒：{summary}",
                         body="请在检验合格有效期届满前一个月向检验机构提出定期检验要求（特种设备安全法第四十条）；"
                              "未经定期检验或者检验不合格的特种设备，不得继续使用。\n" + "\n".join(lines),
                         link="/console/equipment")
            mailed += 1
    return {"units": len(new), "owners": len(by_owner), "notified": mailed,
            **{st: sum(1 for x in new if x.stage == st) for st in STAGE_LABELS}}


# ---------------------------------------------------------------- risk signals and console cards


@dataclass(frozen=True, slots=True)
class RiskSignal:
    """One signal for the risk room: what, about whom (owner / unit), where, how many, why."""

    kind: str  # overdue_inspection | repeated_fail | accident | entrapment_rate | maintenance_overdue | contract_lapsed
    owner_id: int | None
    region_code: str
    count: int
    unit_code: str | None
    detail: str


def risk_signals(session: Session, since: dt.date | None = None, *, on: dt.date | None = None,
                 min_fails: int = 2) -> list[RiskSignal]:
    """Signals over the equipment data, set-based: overdue inspections by owner and division, overdue
    maintenance by owner, units with repeated 不合格 since ``since``, accidents and entrapments per unit."""
    from sqlalchemy import func, or_

    day = on or today()
    since_day = since or (day - dt.timedelta(days=365))
    out: list[RiskSignal] = []
    active = EquipmentUnit.status.in_(("in_use", "stopped"))
    for owner, region, n in session.execute(
            select(EquipmentUnit.owner_id, EquipmentUnit.region_code, func.count())
            .where(active, EquipmentUnit.next_due_on < day)
            .group_by(EquipmentUnit.owner_id, EquipmentUnit.region_code)):
        out.append(RiskSignal("overdue_inspection", owner, region, int(n), None, f"{n} 台设备超期未检验"))
    for owner, region, n in session.execute(
            select(EquipmentUnit.owner_id, EquipmentUnit.region_code, func.count())
            .where(EquipmentUnit.status == "in_use", EquipmentUnit.next_maintenance_due_on < day)
            .group_by(EquipmentUnit.owner_id, EquipmentUnit.region_code)):
        out.append(RiskSignal("maintenance_overdue", owner, region, int(n), None, f"{n} 台设备维保超期"))
    for code, owner, region, n in session.execute(
            select(EquipmentUnit.code, EquipmentUnit.owner_id, EquipmentUnit.region_code, func.count())
            .join(EquipmentInspection, EquipmentInspection.unit_id == EquipmentUnit.id)
            .where(EquipmentInspection.conclusion == "fail", EquipmentInspection.inspected_on >= since_day)
            .group_by(EquipmentUnit.code, EquipmentUnit.owner_id, EquipmentUnit.region_code)
            .having(func.count() >= min_fails)):
        out.append(RiskSignal("repeated_fail", owner, region, int(n), code, f"{n} 次检验不合格"))
    start = dt.datetime.combine(since_day, dt.time(), CHINA)
    for code, owner, region, kind, n in session.execute(
            select(EquipmentUnit.code, EquipmentUnit.owner_id, EquipmentUnit.region_code,
                   func.coalesce(EquipmentIncident.level, EquipmentIncident.kind), func.count())
            .join(EquipmentIncident, EquipmentIncident.unit_id == EquipmentUnit.id)
            .where(EquipmentIncident.occurred_at >= start,
                   or_(EquipmentIncident.kind.in_(("accident", "entrapment")), EquipmentIncident.level.is_not(None)))
            .group_by(EquipmentUnit.code, EquipmentUnit.owner_id, EquipmentUnit.region_code,
                      func.coalesce(EquipmentIncident.level, EquipmentIncident.kind))):
        sig = "entrapment_rate" if kind == "entrapment" else "accident"
        label = rules.ACCIDENT_LEVELS.get(kind, rules.INCIDENT_KINDS.get(kind, kind))
        out.append(RiskSignal(sig, owner, region, int(n), code, f"{n} 起{label}"))
    lapsed: dict[tuple[int, str], int] = {}
    for gap in contract_gaps(session, SYSTEM_ACTOR, on=day, limit=100_000):
        lapsed[(gap.owner_id, gap.region_code)] = lapsed.get((gap.owner_id, gap.region_code), 0) + 1
    for (owner, region), n in sorted(lapsed.items()):
        out.append(RiskSignal("contract_lapsed", owner, region, n, None, f"{n} 台设备维保合同到期未续签"))
    return out


def dashboard_cards(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """Console home cards: overdue inspections, due within 30 days and overdue maintenance in the actor's scope."""
    from sqlalchemy import func

    if actor.role not in ("admin", "regulator", "inspector", "enterprise"):
        return []
    day = today()
    active = EquipmentUnit.status.in_(("in_use", "stopped"))

    def count(*conds: Any) -> int:
        return int(session.scalar(_scope_any(session, actor, select(func.count()).select_from(EquipmentUnit))
                                  .where(*conds)) or 0)

    overdue = count(active, EquipmentUnit.next_due_on < day)
    soon = count(active, EquipmentUnit.next_due_on >= day,
                 EquipmentUnit.next_due_on <= day + dt.timedelta(days=rules.DUE_SOON_DAYS))
    maint = count(EquipmentUnit.status == "in_use", EquipmentUnit.next_maintenance_due_on < day)
    return [{"label": "特种设备超期未检", "value": overdue, "href": "/console/equipment/due?state=overdue",
             "tone": "bad" if overdue else ""},
            {"label": "特种设备30日内到期", "value": soon, "href": "/console/equipment/due?state=due_soon", "tone": "warn"},
            {"label": "特种设备维保超期", "value": maint, "href": "/console/equipment", "tone": "bad" if maint else ""}]


# ---------------------------------------------------------------- maintenance companies: licences and contracts


def register_licence(session: Session, actor: Actor, data: LicenceIn) -> EquipmentMaintainerLicence:
    """维保单位许可 登记 / 换证 by the regulator (the licence is the authority's act, 《特种设备安全法》第十八条、
    第四十五条); a company holds one licence, a renewal replaces its number and validity."""
    actor.require("regulator")
    _owner(session, data.organization_id, "organization_id")
    number = data.licence_no.strip()
    if not number:
        raise DomainError("equipment.bad_licence", "许可证编号不能为空", "the licence number is required", field="licence_no")
    if data.valid_until <= data.issued_on:
        raise DomainError("equipment.bad_validity", "有效期应晚于发证日期", "validity must end after issue",
                          field="valid_until")
    taken = session.scalar(select(EquipmentMaintainerLicence).where(EquipmentMaintainerLicence.licence_no == number))
    if taken is not None and taken.organization_id != data.organization_id:
        raise Conflict("equipment.duplicate_licence", f"许可证编号已登记：{number}", f"licence number taken: {number}",
                       field="licence_no")
    row = session.scalar(select(EquipmentMaintainerLicence)
                         .where(EquipmentMaintainerLicence.organization_id == data.organization_id))
    if row is None:
        row = EquipmentMaintainerLicence(organization_id=data.organization_id)
        session.add(row)
    row.licence_no, row.scope, row.issued_on, row.valid_until = number, data.scope.strip(), data.issued_on, data.valid_until
    row.issuer, row.phone = data.issuer.strip(), data.phone.strip()
    flush(session, "equipment_maintainer_licence")
    return row


def licence_of(session: Session, organization_id: int) -> EquipmentMaintainerLicence | None:
    return session.scalar(select(EquipmentMaintainerLicence)
                          .where(EquipmentMaintainerLicence.organization_id == organization_id))


def licences(session: Session, actor: Actor, *, expiring_within: int | None = None,
             on: dt.date | None = None) -> list[EquipmentMaintainerLicence]:
    """The licensed maintenance companies (an enterprise sees its own), soonest expiry first."""
    if actor.is_public:
        actor.require("enterprise")
    stmt = select(EquipmentMaintainerLicence)
    if actor.role == "enterprise":
        stmt = stmt.where(EquipmentMaintainerLicence.organization_id == actor.organization_id)
    if expiring_within is not None:
        stmt = stmt.where(EquipmentMaintainerLicence.valid_until <= (on or today()) + dt.timedelta(days=expiring_within))
    return list(session.scalars(stmt.order_by(EquipmentMaintainerLicence.valid_until, EquipmentMaintainerLicence.id)))


def _require_licence(session: Session, maintainer_id: int, on: dt.date, field: str, *, required: bool,
                     lic: EquipmentMaintainerLicence | None | bool = None) -> None:
    """A company whose licence has expired (``valid_until`` before ``on``) neither takes contracts nor records
    visits (《特种设备安全法》第四十五条: 依照本法取得许可; TSG T5002-2017 第2.1条). ``required``: no licence
    on record is refused too (contracts); for visits a company not yet in the licence registry is let through."""
    if lic is None:  # not read yet (False: read, none on record)
        lic = licence_of(session, maintainer_id)
    if not isinstance(lic, EquipmentMaintainerLicence):
        if required:
            raise DomainError("equipment.unlicensed", "该维保单位未登记特种设备维保许可（特种设备安全法第四十五条）",
                              "the maintenance company holds no registered licence", status=409, field=field)
        return
    if lic.valid_until < on:
        raise DomainError("equipment.licence_expired",
                          f"维保单位许可证 {lic.licence_no} 已于 {lic.valid_until.isoformat()} 过期（特种设备安全法第四十五条）",
                          f"the company's licence {lic.licence_no} expired on {lic.valid_until.isoformat()}",
                          status=409, field=field)


def _contract_in_force(session: Session, unit_id: int, on: dt.date) -> EquipmentContract | None:
    return session.scalar(select(EquipmentContract).where(
        EquipmentContract.unit_id == unit_id, EquipmentContract.starts_on <= on, EquipmentContract.ends_on >= on,
        EquipmentContract.terminated_on.is_(None)).order_by(EquipmentContract.starts_on.desc()).limit(1))


def _follow_contract(session: Session, unit: EquipmentUnit, on: dt.date) -> None:
    """The unit's maintainer is the company of the contract in force; with contracts on record but none in force
    the unit has no maintainer (and shows in ``contract_gaps``)."""
    current = _contract_in_force(session, unit.id, on)
    if current is not None:
        unit.maintainer_id = current.maintainer_id
    elif session.scalar(select(EquipmentContract.id).where(EquipmentContract.unit_id == unit.id,
                                                          EquipmentContract.starts_on <= on).limit(1)):
        unit.maintainer_id = None


def create_contract(session: Session, actor: Actor, code: str, data: ContractIn) -> EquipmentContract:
    """维保合同: the owner (or the regulator) contracts a company holding a licence in force today and on the start
    day; contracts of one unit do not overlap; the unit's maintainer follows the contract in force."""
    unit = get_unit(session, actor, code)
    require_manage(session, actor, unit)
    if unit.status in ("scrapped", "cancelled"):
        raise DomainError("equipment.inactive", "已报废或注销的设备不能签订维保合同", "a scrapped or cancelled unit takes "
                          "no contract", status=409, field="code")
    _owner(session, data.maintainer_id, "maintainer_id")
    if data.ends_on <= data.starts_on:
        raise DomainError("equipment.bad_contract_period", "合同终止日期应晚于起始日期", "the contract must end after it "
                          "starts", field="ends_on")
    day = today()
    _require_licence(session, data.maintainer_id, max(day, data.starts_on), "maintainer_id", required=True)
    overlap = session.scalar(select(EquipmentContract.id).where(
        EquipmentContract.unit_id == unit.id, EquipmentContract.terminated_on.is_(None),
        EquipmentContract.starts_on <= data.ends_on, EquipmentContract.ends_on >= data.starts_on).limit(1))
    if overlap:
        raise Conflict("equipment.contract_overlap", "该设备在此期间已有维保合同", "the unit already has a contract in "
                       "that period", field="starts_on")
    row = EquipmentContract(unit_id=unit.id, maintainer_id=data.maintainer_id, contract_no=data.contract_no.strip(),
                            starts_on=data.starts_on, ends_on=data.ends_on, created_by=actor.label)
    session.add(row)
    from sqlalchemy.exc import OperationalError

    try:
        flush(session, "equipment_contract")
    except OperationalError as exc:  # MariaDB: two signings of the same unit at once deadlock; one has won
        if "deadlock" not in str(exc.orig).lower():
            raise
        session.rollback()
        raise Conflict("equipment.contract_overlap", "该设备在此期间已有维保合同（并发签订）",
                       "the unit already has a contract in that period (concurrent)", field="starts_on") from exc
    _follow_contract(session, unit, day)
    flush(session, "equipment_unit")
    return row


def contracts(session: Session, actor: Actor, code: str) -> list[EquipmentContract]:
    unit = get_unit(session, actor, code)
    return list(session.scalars(select(EquipmentContract).where(EquipmentContract.unit_id == unit.id)
                                .order_by(EquipmentContract.starts_on.desc())))


def sync_contracts(session: Session, on: dt.date | None = None) -> dict[str, int]:
    """Daily: every unit with contracts takes the maintainer of the contract in force (a successor starting
    today takes over; a contract that ended without one leaves the unit without maintainer)."""
    day = on or today()
    active = dict(session.execute(select(EquipmentContract.unit_id, EquipmentContract.maintainer_id).where(
        EquipmentContract.starts_on <= day, EquipmentContract.ends_on >= day,
        EquipmentContract.terminated_on.is_(None))).all())
    with_contracts = set(session.scalars(select(EquipmentContract.unit_id).where(EquipmentContract.starts_on <= day)
                                         .distinct()))
    switched = lapsed = 0
    ids = sorted(with_contracts)
    for i in range(0, len(ids), 1000):
        for unit in session.scalars(select(EquipmentUnit).where(EquipmentUnit.id.in_(ids[i:i + 1000]))):
            want = active.get(unit.id)
            if unit.maintainer_id != want:
                unit.maintainer_id = want
                if want is None:
                    lapsed += 1
                else:
                    switched += 1
    flush(session, "equipment_unit")
    return {"units": len(ids), "switched": switched, "lapsed": lapsed}


@dataclass(frozen=True, slots=True)
class ContractGap:
    """合同到期未续签 — a unit in use whose last contract ended with no successor in force."""

    code: str
    owner_id: int
    region_code: str
    last_maintainer_id: int
    ended_on: dt.date


def contract_gaps(session: Session, actor: Actor, *, on: dt.date | None = None, limit: int = 500) -> list[ContractGap]:
    """Units in use (in the actor's scope) whose contracts all ended before ``on``: flagged for the owner and the
    regulator (an elevator without a maintenance company may not be used, 安全法 第四十五条)."""
    from sqlalchemy import func

    day = on or today()
    in_force = select(EquipmentContract.unit_id).where(EquipmentContract.starts_on <= day,
                                                       EquipmentContract.ends_on >= day,
                                                       EquipmentContract.terminated_on.is_(None))
    last = (select(EquipmentContract.unit_id, func.max(EquipmentContract.ends_on).label("ended"))
            .where(EquipmentContract.starts_on <= day).group_by(EquipmentContract.unit_id).subquery())
    stmt = _scope_any(session, actor, select(EquipmentUnit, last.c.ended)
                      .join(last, last.c.unit_id == EquipmentUnit.id)
                      .where(EquipmentUnit.status == "in_use", last.c.ended < day, EquipmentUnit.id.not_in(in_force)))
    out: list[ContractGap] = []
    for unit, ended in session.execute(stmt.order_by(last.c.ended, EquipmentUnit.id).limit(limit)):
        prev = session.scalar(select(EquipmentContract.maintainer_id).where(
            EquipmentContract.unit_id == unit.id, EquipmentContract.ends_on == ended).limit(1))
        out.append(ContractGap(unit.code, unit.owner_id, unit.region_code, int(prev or 0), ended))
    return out


# ---------------------------------------------------------------- inspection requests (检验申请)


REQUEST_STATUSES = {"requested": "已申请", "scheduled": "已排期", "closed": "已出具报告", "declined": "已退回"}


def request_inspection(session: Session, actor: Actor, code: str, data: InspectionRequestIn,
                       ) -> EquipmentInspectionRequest:
    """检验申请: the owner asks an institute before the due date (《特种设备安全法》第四十条: 在检验合格有效期届满前
    一个月向特种设备检验机构提出定期检验要求); one open request per unit (a concurrent duplicate gets 409)."""
    unit = get_unit(session, actor, code)
    if not (actor.role == "admin" or (actor.role == "enterprise" and actor.owns(unit.owner_id))):
        raise PermissionDenied("只有使用单位可以申请检验", "only the unit's owner requests an inspection",
                               code="equipment.not_owner")
    if unit.status in ("scrapped", "cancelled"):
        raise DomainError("equipment.inactive", "已报废或注销的设备不能申请检验", "a scrapped or cancelled unit is not "
                          "inspected", status=409, field="code")
    inst = session.get(Organization, data.institute_id)
    if inst is None or inst.kind != "lab":
        raise DomainError("equipment.bad_institute", "检验机构应为已登记的检验检测机构",
                          "the institute must be a registered inspection body", field="institute_id")
    if session.scalar(select(EquipmentInspectionRequest.id).where(EquipmentInspectionRequest.open_key == unit.id)):
        raise Conflict("equipment.request_open", "该设备已有未完成的检验申请", "the unit already has an open request",
                       field="code")
    row = EquipmentInspectionRequest(unit_id=unit.id, institute_id=inst.id, owner_id=unit.owner_id,
                                     due_on=unit.next_due_on, requested_on=today(), note=data.note.strip(),
                                     open_key=unit.id, requested_by=actor.label)
    session.add(row)
    try:
        flush(session, "equipment_inspection_request")
    except Conflict as exc:
        raise Conflict("equipment.request_open", "该设备已有未完成的检验申请", "the unit already has an open request",
                       field="code") from exc
    return row


def _request_for_institute(session: Session, actor: Actor, request_id: int) -> EquipmentInspectionRequest:
    institute = require_inspect(actor)
    row = session.get(EquipmentInspectionRequest, request_id)
    if row is None or (actor.role != "admin" and row.institute_id != institute):
        raise NotFound("equipment_inspection_request", request_id)
    return row


def schedule_request(session: Session, actor: Actor, request_id: int, data: ScheduleIn) -> EquipmentInspectionRequest:
    """The institute accepts the request and fixes the inspection day (not in the past)."""
    row = _request_for_institute(session, actor, request_id)
    if row.status not in ("requested", "scheduled"):
        from zhijian.platform.errors import InvalidTransition

        raise InvalidTransition("equipment_inspection_request", row.status, "scheduled")
    if data.scheduled_on < today():
        raise DomainError("equipment.past_date", "检验日期不能早于今天", "the inspection day cannot be in the past",
                          field="scheduled_on")
    row.status, row.scheduled_on = "scheduled", data.scheduled_on
    if data.note.strip():
        row.note = data.note.strip()
    flush(session, "equipment_inspection_request")
    return row


def decline_request(session: Session, actor: Actor, request_id: int, note: str) -> EquipmentInspectionRequest:
    """The institute returns the request (with the reason); the owner may ask again."""
    row = _request_for_institute(session, actor, request_id)
    if row.status not in ("requested", "scheduled"):
        from zhijian.platform.errors import InvalidTransition

        raise InvalidTransition("equipment_inspection_request", row.status, "declined")
    if not note.strip():
        raise DomainError("equipment.reason_required", "退回须说明理由", "a reason is required", field="note")
    row.status, row.note, row.open_key = "declined", note.strip()[:300], None
    flush(session, "equipment_inspection_request")
    return row


def _close_request(session: Session, unit_id: int, report: EquipmentInspection) -> None:
    """The report closes the unit's open request (whichever institute it was asked of)."""
    row = session.scalar(select(EquipmentInspectionRequest).where(EquipmentInspectionRequest.open_key == unit_id))
    if row is not None:
        row.status, row.inspection_id, row.open_key = "closed", report.id, None


def inspection_requests(session: Session, actor: Actor, *, status: str | None = None,
                        limit: int = 200) -> list[tuple[EquipmentInspectionRequest, str]]:
    """Requests with the unit's code: an owner its own, an institute those asked of it, a regulator its division's."""
    stmt = select(EquipmentInspectionRequest, EquipmentUnit.code).join(
        EquipmentUnit, EquipmentUnit.id == EquipmentInspectionRequest.unit_id)
    if actor.role == "enterprise":
        stmt = stmt.where(EquipmentInspectionRequest.owner_id == actor.organization_id)
    elif actor.role == "inspector":
        stmt = stmt.where(EquipmentInspectionRequest.institute_id == actor.organization_id)
    elif actor.role == "regulator":
        prefix = _division(session, actor)
        if prefix:
            stmt = stmt.where(in_division(prefix))
    elif actor.role != "admin":
        actor.require("enterprise")
    if status:
        if status not in REQUEST_STATUSES:
            raise DomainError("equipment.bad_status", "状态应为 requested/scheduled/closed/declined",
                              "status must be requested, scheduled, closed or declined", field="status")
        stmt = stmt.where(EquipmentInspectionRequest.status == status)
    rows = session.execute(stmt.order_by(EquipmentInspectionRequest.id.desc()).limit(limit)).all()
    return [(r, c) for r, c in rows]


def unit_code_of(session: Session, unit_id: int) -> str:
    return session.scalar(select(EquipmentUnit.code).where(EquipmentUnit.id == unit_id)) or ""
