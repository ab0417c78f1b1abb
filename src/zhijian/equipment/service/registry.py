"""使用登记 and the life of a unit (TSG 08-2017): registration one by one or from an Excel/CSV registry (all or
nothing), status changes (停用 / 启用 / 报废 / 注销) with their history. The next inspection date is computed here on
registration (``rules.next_due``) and stored on the unit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.catalog import rules as catalog_rules
from zhijian.catalog.models import Organization
from zhijian.equipment import rules
from zhijian.equipment.models import EquipmentInspection, EquipmentStatusChange, EquipmentUnit
from zhijian.equipment.schemas import StatusIn, UnitIn
from zhijian.equipment.service.policy import _scope_any, can_read, require_manage, require_register, today
from zhijian.platform.auth import Actor
from zhijian.platform.crud import flush
from zhijian.platform.errors import Conflict, DomainError, NotFound
from zhijian.platform.tabular import cell_error, require_columns

IMPORT_COLUMNS = ("设备代码", "品种代码", "使用单位统一社会信用代码", "行政区划代码", "地址")


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


def _institute(session: Session, institute_id: int | None) -> Organization:
    """The inspection institute (检验机构) of a report or a request: a registered lab organization."""
    inst = session.get(Organization, institute_id) if institute_id is not None else None
    if inst is None or inst.kind != "lab":
        raise DomainError("equipment.bad_institute", "检验机构应为已登记的检验检测机构",
                          "the institute must be a registered inspection body", field="institute_id")
    return inst


def _units_by_code(session: Session, codes: Iterable[str]) -> dict[str, EquipmentUnit]:
    """The registered units of an imported file, by 设备代码 (read 1,000 codes at a time)."""
    wanted = sorted(set(codes))
    units: dict[str, EquipmentUnit] = {}
    for i in range(0, len(wanted), 1000):
        units |= {u.code: u for u in session.scalars(select(EquipmentUnit)
                                                     .where(EquipmentUnit.code.in_(wanted[i:i + 1000])))}
    return units


def _cell_day(row_no: int, row: dict[str, Any], column: str, day: dt.date) -> dt.date:
    """An imported file's date cell that must hold a day not after ``day`` (检验日期, 维保日期)."""
    try:
        on = _cell_date(row.get(column))
    except ValueError:
        raise cell_error(row_no, column, "日期格式应为 YYYY-MM-DD", "date must be YYYY-MM-DD") from None
    if on is None or on > day:
        raise cell_error(row_no, column, "须为不晚于今天的日期", "must be a date not after today")
    return on


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
    unit = _new_unit(values, today())
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


REGISTRY_COLUMN_OF = {"code": "设备代码", "variety": "品种代码", "region_code": "行政区划代码", "owner_id": "使用单位统一社会信用代码",
                      "registration_no": "使用登记证编号", "commissioned_on": "投入使用日期",
                      "last_inspection_on": "上次检验日期"}  # a validation error's field → the file's column


def import_registry(session: Session, actor: Actor, rows: Iterable[tuple[int, dict[str, Any]]]) -> int:
    """批量导入使用登记 — every row validated first (errors name row and column), then inserted; all or nothing."""
    actor.require("regulator", "enterprise")
    day = today()
    owners = dict(session.execute(select(Organization.uscc, Organization.id)
                                  .where(Organization.kind == "enterprise")).all())
    seen: set[str] = set()
    units: list[EquipmentUnit] = []
    for row_no, row in rows:
        values = _registry_row(session, actor, row_no, row, owners, day)
        if values["code"] in seen:
            raise cell_error(row_no, "设备代码", "文件内重复", "duplicated within the file")
        seen.add(values["code"])
        units.append(_new_unit(values, day))
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


def _registry_row(session: Session, actor: Actor, row_no: int, row: dict[str, Any], owners: dict[str | None, int],
                  day: dt.date) -> dict[str, Any]:
    """One row of the registry file validated as ``register_unit`` would (errors by row and column)."""
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
        col = REGISTRY_COLUMN_OF.get(err.field or "", err.field or "设备代码")
        if col.startswith("params."):
            col = "参数." + col[7:]
        raise cell_error(row_no, col, err.message_zh, err.message_en) from err
    except ValueError as err:
        raise cell_error(row_no, "投入使用日期", "日期格式应为 YYYY-MM-DD", f"bad date: {err}") from err
    return values


def _new_unit(values: dict[str, Any], day: dt.date) -> EquipmentUnit:
    """A registered unit with its next inspection and maintenance dates computed (one or imported)."""
    unit = EquipmentUnit(**values)
    _recompute(unit)
    unit.next_maintenance_due_on = rules.next_maintenance_due(unit.variety, unit.params, None, day)
    return unit


def _cell_date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip()[:10])


def units_of(session: Session, actor: Actor, limit: int = 100) -> list[EquipmentUnit]:
    """The units an enterprise owns or maintains (others: their scope), soonest inspection date first."""
    stmt = _scope_any(session, actor, select(EquipmentUnit)).where(EquipmentUnit.status.in_(("in_use", "stopped")))
    return list(session.scalars(stmt.order_by(EquipmentUnit.next_due_on, EquipmentUnit.id).limit(limit)))
