"""维护保养 records (特种设备安全法 第三十九条、第四十五条; TSG T5002-2017): a visit recorded by the unit's maintenance
company (or a file of them), the owner's signature on it, and the list of units whose maintenance is overdue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.equipment import rules
from zhijian.equipment.models import (
    EquipmentMaintainerLicence,
    EquipmentMaintenance,
    EquipmentUnit,
    EquipmentWorkerCert,
)
from zhijian.equipment.schemas import MaintenanceIn
from zhijian.equipment.service.policy import _scope_any, can_read, in_division, readable_record, today
from zhijian.equipment.service.qualifications import _check_registered_cert, _require_licence, licence_of
from zhijian.equipment.service.registry import _cell_day, _units_by_code, get_unit
from zhijian.platform.auth import Actor
from zhijian.platform.crud import flush
from zhijian.platform.errors import Conflict, DomainError, PermissionDenied
from zhijian.platform.pagination import Page, keyset_page
from zhijian.platform.tabular import cell_error, require_columns


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
    _advance(unit, data)
    flush(session, "equipment_maintenance")
    return row


MAINTENANCE_COLUMNS = ("设备代码", "维保日期", "维保类型", "维保人员", "作业人员证编号")
_KIND_BY_ZH = {v: k for k, v in rules.MAINTENANCE_KINDS.items()} | {"维修": "repair"}


def import_maintenance(session: Session, actor: Actor, rows: Iterable[tuple[int, dict[str, Any]]]) -> int:
    """批量导入维保记录 (Excel/CSV: 设备代码, 维保日期, 维保类型, 维保人员, 作业人员证编号[, 维保项目]) by the maintenance
    company — every row validated first (errors by row and column), then stored in one flush with the same effect
    per visit as ``record_maintenance``; all or nothing."""
    if actor.is_public:
        actor.require("enterprise")
    day = today()
    parsed = [_maintenance_row(row_no, row, day) for row_no, row in rows]
    units = _units_by_code(session, {p[1] for p in parsed})
    seen: set[tuple[str, dt.date, str]] = set()
    out: list[dict[str, Any]] = []
    checks = _VisitChecks(session, actor)
    for row_no, code, data in parsed:
        unit = units.get(code)
        if unit is None or not can_read(session, actor, unit):
            raise cell_error(row_no, "设备代码", f"未登记的设备 {code}", f"unregistered unit {code}")
        maintainer = checks.maintainer(row_no, unit, data)
        key = (code, data.maintained_on, data.kind)
        if key in seen:
            raise cell_error(row_no, "维保日期", "文件内重复", "duplicated within the file")
        seen.add(key)
        out.append(dict(unit_id=unit.id, maintainer_id=maintainer, maintained_on=data.maintained_on, kind=data.kind,
                        items=data.items, worker_name=data.worker_name, worker_cert_no=data.worker_cert_no,
                        remarks="", owner_signed_by="", recorded_by=actor.label))
        _advance(unit, data)
    flush(session, "equipment_unit")
    if out:
        _insert_visits(session, actor, out)
    return len(out)


def _maintenance_row(row_no: int, row: dict[str, Any], day: dt.date) -> tuple[int, str, MaintenanceIn]:
    """One row of the visit file: (row number, 设备代码, the visit with its kind and certificate checked)."""
    require_columns(row, MAINTENANCE_COLUMNS, row_no)
    on = _cell_day(row_no, row, "维保日期", day)
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
    return row_no, str(row.get("设备代码") or "").strip().upper(), MaintenanceIn(
        maintained_on=on, kind=kind, items=items, worker_name=worker[:64], worker_cert_no=cert)


class _VisitChecks:
    """The checks ``record_maintenance`` makes per visit (maintainer, its licence, the worker's certificate), for a
    file: one look-up per company and per certificate, errors named by row and column."""

    def __init__(self, session: Session, actor: Actor) -> None:
        self.session, self.actor = session, actor
        self.licences: dict[int, EquipmentMaintainerLicence | None] = {}
        self.certs: dict[str, EquipmentWorkerCert | None] = {}

    def maintainer(self, row_no: int, unit: EquipmentUnit, data: MaintenanceIn) -> int:
        """The company recording the visit, once its licence and the worker's certificate hold on the day."""
        session = self.session
        try:
            maintainer = require_maintain(session, self.actor, unit)
            if maintainer != unit.owner_id:
                if maintainer not in self.licences:
                    self.licences[maintainer] = licence_of(session, maintainer)
                _require_licence(session, maintainer, data.maintained_on, "maintainer_id", required=False,
                                 lic=self.licences[maintainer] or False)
        except DomainError as err:
            raise cell_error(row_no, "设备代码", err.message_zh, err.message_en) from err
        try:
            if data.worker_cert_no not in self.certs:
                self.certs[data.worker_cert_no] = session.scalar(
                    select(EquipmentWorkerCert).where(EquipmentWorkerCert.cert_no == data.worker_cert_no))
            _check_registered_cert(session, data.worker_cert_no, maintainer, data.maintained_on, unit.variety,
                                   row=self.certs[data.worker_cert_no] or False)
        except DomainError as err:
            raise cell_error(row_no, "作业人员证编号", err.message_zh, err.message_en) from err
        return maintainer


def _insert_visits(session: Session, actor: Actor, out: list[dict[str, Any]]) -> None:
    """Set-based: one executemany and one audit record for the file (the house rule for bulk writes)."""
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


def _advance(unit: EquipmentUnit, data: MaintenanceIn) -> None:
    """A scheduled visit later than the last one moves the unit's next maintenance date (a repair does not)."""
    if data.kind in rules.SCHEDULED_KINDS and (unit.last_maintenance_on is None
                                               or data.maintained_on > unit.last_maintenance_on):
        unit.last_maintenance_on = data.maintained_on
        unit.next_maintenance_due_on = rules.next_maintenance_due(unit.variety, unit.params, data.maintained_on,
                                                                  data.maintained_on)


def sign_maintenance(session: Session, actor: Actor, maintenance_id: int, signed_by: str) -> EquipmentMaintenance:
    """使用单位签字确认 (TSG T5002-2017: the owner's safety manager signs the maintenance record)."""
    from zhijian.platform.db import utcnow

    row, unit = readable_record(session, actor, EquipmentMaintenance, maintenance_id, "equipment_maintenance",
                                "enterprise")
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
                        maintainer_id: int | None = None, limit: int = 100, cursor: str | None = None) -> Page[EquipmentUnit]:
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
