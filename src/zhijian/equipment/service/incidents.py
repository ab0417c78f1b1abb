"""困人 / 故障 / 事故: an incident with the level the 条例's thresholds give it, the 1-hour report deadline, the
escalation up the divisions and the rescue arrival time; an accident reaches the division's regulators' inbox.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.catalog.models import Organization
from zhijian.equipment import rules
from zhijian.equipment.models import EquipmentIncident, EquipmentUnit
from zhijian.equipment.schemas import IncidentIn
from zhijian.equipment.service.policy import CHINA, _scope_any, readable_record, require_manage
from zhijian.equipment.service.registry import get_unit
from zhijian.platform import jurisdiction
from zhijian.platform.auth import Actor
from zhijian.platform.crud import flush
from zhijian.platform.errors import Conflict, DomainError
from zhijian.platform.rooms import offer


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
    _check_times(now, (("called_at", called, occurred), ("arrived_at", arrived, start), ("released_at", released, start)))
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


def _check_times(now: dt.datetime, times: Iterable[tuple[str, dt.datetime | None, dt.datetime]]) -> None:
    """Each of the call, arrival and release times (when given) comes after what it follows and not after now
    (5 minutes' grace for clocks)."""
    for name, value, after in times:
        if value is not None and value < after:
            raise DomainError("equipment.bad_time_order", f"「{name}」不能早于报警或发生时间",
                              f"'{name}' cannot precede the call or the incident", field=name)
        if value is not None and value > now + dt.timedelta(minutes=5):
            raise DomainError("equipment.future_date", f"「{name}」不能晚于现在", f"'{name}' cannot be in the future",
                              field=name)


def _notify_regulators(session: Session, unit: EquipmentUnit, row: EquipmentIncident) -> int:
    """事故 → the inbox (and mail) of every regulator whose division holds the unit (county, city, province, and the
    national bureau): the division from the organ's region code AND level (platform.jurisdiction), so 总局 at
    110000 is national, not 北京."""
    notify = offer("consumer", "notify")
    if notify is None:
        return 0
    level = rules.ACCIDENT_LEVELS.get(row.level or "", "事故")
    subject = f"特种设备{level}：{rules.VARIETIES.get(unit.variety, unit.variety)} {unit.code}"
    body = (f"发生时间 {row.occurred_at.astimezone(CHINA):%Y-%m-%d %H:%M}，地点 {unit.address}；"
            f"死亡 {row.deaths} 人，重伤 {row.serious_injuries} 人。" + (f"原因：{row.cause}" if row.cause else ""))
    n = 0
    for org in session.scalars(select(Organization).where(Organization.kind == "regulator")):
        prefix = jurisdiction.prefix_for(org.region_code, org.level)
        if prefix != jurisdiction.NONE and unit.region_code.startswith(prefix):
            notify(session, kind="equipment.accident", subject=subject, body=body, room="equipment",
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
    row, unit = readable_record(session, actor, EquipmentIncident, incident_id, "equipment_incident", "regulator")
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
