"""维保合同: the owner contracts a licensed maintenance company for a period; the unit's maintainer follows the
contract in force (a daily sync), and units whose contracts lapsed without a successor are flagged (合同到期未续签).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.equipment.models import EquipmentContract, EquipmentUnit
from zhijian.equipment.schemas import ContractIn
from zhijian.equipment.service.policy import _scope_any, require_manage, today
from zhijian.equipment.service.qualifications import _require_licence
from zhijian.equipment.service.registry import _owner, get_unit
from zhijian.platform.auth import Actor
from zhijian.platform.crud import flush
from zhijian.platform.errors import Conflict, DomainError


def set_maintainer(session: Session, actor: Actor, code: str, maintainer_id: int | None) -> EquipmentUnit:
    """维保合同: the owner (or the regulator) names the maintenance company; the next maintenance date restarts."""
    unit = get_unit(session, actor, code)
    require_manage(session, actor, unit)
    if maintainer_id is not None:
        _owner(session, maintainer_id, "maintainer_id")
    unit.maintainer_id = maintainer_id
    flush(session, "equipment_unit")
    return unit


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


class ContractSync(TypedDict):
    """What the daily sync did (the job's result): units with contracts, maintainers switched, units left without."""

    units: int
    switched: int
    lapsed: int


def sync_contracts(session: Session, on: dt.date | None = None) -> ContractSync:
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
