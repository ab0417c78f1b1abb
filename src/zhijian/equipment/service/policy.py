"""The room's policy (权限与辖区) in one place: which units a regulator (its GB/T 2260 division and below), an owner
(使用单位), a maintenance company (维保单位) or an inspection institute may read and change; and the room's clock
(China time), so every workflow module agrees on "today".
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar, TypeVarTuple
from zoneinfo import ZoneInfo

from sqlalchemy import Select
from sqlalchemy.orm import Session

from zhijian.catalog.models import Organization
from zhijian.equipment.models import EquipmentIncident, EquipmentMaintenance, EquipmentUnit
from zhijian.platform.auth import Actor
from zhijian.platform.errors import NotFound, PermissionDenied

CHINA = ZoneInfo("Asia/Shanghai")
Row = TypeVarTuple("Row")  # the scoped statement keeps its row type


def today() -> dt.date:
    return dt.datetime.now(CHINA).date()


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


def _scope(session: Session, actor: Actor, stmt: Select[*Row]) -> Select[*Row]:
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


def _scope_any(session: Session, actor: Actor, stmt: Select[*Row]) -> Select[*Row]:
    """Like ``_scope``, but an enterprise sees the units it owns and the units it maintains."""
    from sqlalchemy import or_

    if actor.role == "enterprise" and actor.organization_id is not None:
        return stmt.where(or_(EquipmentUnit.owner_id == actor.organization_id,
                              EquipmentUnit.maintainer_id == actor.organization_id))
    return _scope(session, actor, stmt)


UnitRecord = TypeVar("UnitRecord", EquipmentIncident, EquipmentMaintenance)


def readable_record(session: Session, actor: Actor, model: type[UnitRecord], record_id: int, entity: str,
                    login_as: str) -> tuple[UnitRecord, EquipmentUnit]:
    """A record of a unit (an incident, a maintenance visit) with its unit, when the actor may read the unit; else
    404 (a caller without login is asked to log in as ``login_as`` first)."""
    row = session.get(model, record_id)
    unit = session.get(EquipmentUnit, row.unit_id) if row is not None else None
    if row is None or unit is None or not can_read(session, actor, unit):
        if actor.is_public:
            actor.require(login_as)
        raise NotFound(entity, record_id)
    return row, unit
