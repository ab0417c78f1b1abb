"""检验申请: the owner asks an inspection institute for the periodic inspection before the due date (特种设备安全法
第四十条); the institute schedules or returns it, and the report closes it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.equipment.models import EquipmentInspection, EquipmentInspectionRequest, EquipmentUnit
from zhijian.equipment.schemas import InspectionRequestIn, ScheduleIn
from zhijian.equipment.service.policy import _division, in_division, require_inspect, today
from zhijian.equipment.service.registry import _institute, get_unit
from zhijian.platform.auth import Actor
from zhijian.platform.crud import flush
from zhijian.platform.errors import Conflict, DomainError, NotFound, PermissionDenied

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
    inst = _institute(session, data.institute_id)
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


def _close_requests(session: Session, reports: list[EquipmentInspection]) -> None:
    """An imported file's reports close their units' open requests: each by the unit's first report in the file
    (as ``_close_request`` one by one would), with one read per 1,000 units."""
    ids = sorted({r.unit_id for r in reports})
    open_rows: dict[int, EquipmentInspectionRequest] = {}
    for i in range(0, len(ids), 1000):
        open_rows |= {r.unit_id: r for r in session.scalars(select(EquipmentInspectionRequest).where(
            EquipmentInspectionRequest.open_key.in_(ids[i:i + 1000])))}
    for rep in reports:
        row = open_rows.pop(rep.unit_id, None)
        if row is not None:
            row.status, row.inspection_id, row.open_key = "closed", rep.id, None


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
