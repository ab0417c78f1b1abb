"""维保合同: the owner contracts a licensed maintenance company for a period; the unit's maintainer follows the
contract in force (a daily sync), and units whose contracts lapsed without a successor are flagged (合同到期未续签).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypedDict

from sqlalchemy import and_, case, or_, select
from sqlalchemy.orm import Session

from zhijian.equipment.models import EquipmentContract, EquipmentUnit
from zhijian.equipment.schemas import ContractEditIn, ContractIn, TerminateIn
from zhijian.equipment.service.policy import _scope, _scope_any, require_manage, today
from zhijian.equipment.service.qualifications import _require_licence
from zhijian.equipment.service.registry import _owner, get_unit
from zhijian.platform.auth import Actor
from zhijian.platform.crud import flush
from zhijian.platform.errors import Conflict, DomainError, InvalidTransition, NotFound
from zhijian.platform.pagination import Page, keyset_page


def set_maintainer(session: Session, actor: Actor, code: str, maintainer_id: int | None) -> EquipmentUnit:
    """维保合同: the owner (or the regulator) names the maintenance company; the next maintenance date restarts."""
    unit = get_unit(session, actor, code)
    require_manage(session, actor, unit)
    if maintainer_id is not None:
        _owner(session, maintainer_id, "maintainer_id")
    unit.maintainer_id = maintainer_id
    flush(session, "equipment_unit")
    return unit


def in_force(on: dt.date) -> Any:
    """A contract is in force on ``on`` from its start to its end (inclusive) unless terminated by then: a
    termination takes effect on ``terminated_on`` (解除之日起不再有效)."""
    c = EquipmentContract
    return and_(c.starts_on <= on, c.ends_on >= on, or_(c.terminated_on.is_(None), c.terminated_on > on))


def _effective_end() -> Any:
    """The day a contract stopped: its termination day when terminated, else its end day."""
    return case((EquipmentContract.terminated_on.is_not(None), EquipmentContract.terminated_on),
                else_=EquipmentContract.ends_on)


def _contract_in_force(session: Session, unit_id: int, on: dt.date) -> EquipmentContract | None:
    return session.scalar(select(EquipmentContract).where(EquipmentContract.unit_id == unit_id, in_force(on))
                          .order_by(EquipmentContract.starts_on.desc()).limit(1))


def _follow_contract(session: Session, unit: EquipmentUnit, on: dt.date) -> None:
    """The unit's maintainer is the company of the contract in force; with contracts on record but none in force
    the unit has no maintainer (and shows in ``contract_gaps``)."""
    current = _contract_in_force(session, unit.id, on)
    if current is not None:
        unit.maintainer_id = current.maintainer_id
    elif session.scalar(select(EquipmentContract.id).where(EquipmentContract.unit_id == unit.id,
                                                          EquipmentContract.starts_on <= on).limit(1)):
        unit.maintainer_id = None


def _check_overlap(session: Session, unit_id: int, starts_on: dt.date, ends_on: dt.date,
                   exclude: int | None = None) -> None:
    """Contracts of one unit do not overlap; a terminated one occupies its days before the termination only."""
    c = EquipmentContract
    stmt = select(c.id).where(c.unit_id == unit_id, c.starts_on <= ends_on, c.ends_on >= starts_on,
                              or_(c.terminated_on.is_(None), c.terminated_on > starts_on))
    if exclude is not None:
        stmt = stmt.where(c.id != exclude)
    if session.scalar(stmt.limit(1)):
        raise Conflict("equipment.contract_overlap", "该设备在此期间已有维保合同", "the unit already has a contract in "
                       "that period", field="starts_on")


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
    _check_overlap(session, unit.id, data.starts_on, data.ends_on)
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
    active = dict(session.execute(select(EquipmentContract.unit_id, EquipmentContract.maintainer_id)
                                  .where(in_force(day))).all())
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
    """无维保单位: units in use (in the actor's scope) with contracts on record but none in force on ``on`` — ended
    without successor or terminated (解除): flagged for the owner and the regulator (an elevator without a
    maintenance company may not be used, 安全法 第四十五条). ``ended_on``: the end day, or the termination day."""
    from sqlalchemy import func

    day = on or today()
    in_force_units = select(EquipmentContract.unit_id).where(in_force(day))
    last = (select(EquipmentContract.unit_id, func.max(_effective_end()).label("ended"))
            .where(EquipmentContract.starts_on <= day).group_by(EquipmentContract.unit_id).subquery())
    stmt = _scope_any(session, actor, select(EquipmentUnit, last.c.ended)
                      .join(last, last.c.unit_id == EquipmentUnit.id)
                      .where(EquipmentUnit.status == "in_use", EquipmentUnit.id.not_in(in_force_units)))
    out: list[ContractGap] = []
    for unit, ended in session.execute(stmt.order_by(last.c.ended, EquipmentUnit.id).limit(limit)):
        prev = session.scalar(select(EquipmentContract.maintainer_id).where(
            EquipmentContract.unit_id == unit.id, EquipmentContract.starts_on <= day)
            .order_by(_effective_end().desc(), EquipmentContract.id.desc()).limit(1))
        out.append(ContractGap(unit.code, unit.owner_id, unit.region_code, int(prev or 0), ended))
    return out


# ---------------------------------------------------------------- the contract's own record: list, edit, terminate


def _contract_scope(session: Session, actor: Actor, stmt: Any) -> Any:
    """Contracts an actor may see: an enterprise those of the units it owns and those it is the company of; staff
    and institutes as for the units (``_scope``)."""
    if actor.role == "enterprise" and actor.organization_id is not None:
        return stmt.where(or_(EquipmentUnit.owner_id == actor.organization_id,
                              EquipmentContract.maintainer_id == actor.organization_id))
    if actor.is_public:
        actor.require("enterprise")
    return _scope(session, actor, stmt)


@dataclass(frozen=True, slots=True)
class ContractView:
    """A contract with its unit's code and whether it is in force today (for the lists)."""

    row: EquipmentContract
    unit_code: str
    in_force: bool


def contract_page(session: Session, actor: Actor, *, code: str | None = None, maintainer_id: int | None = None,
                  limit: int = 100, cursor: str | None = None) -> Page[ContractView]:
    """维保合同 list (newest first): the owner's units, the company's own contracts, a regulator's division."""
    stmt = _contract_scope(session, actor, select(EquipmentContract).join(
        EquipmentUnit, EquipmentUnit.id == EquipmentContract.unit_id))
    if code:
        stmt = stmt.where(EquipmentUnit.code == code.strip().upper())
    if maintainer_id is not None:
        stmt = stmt.where(EquipmentContract.maintainer_id == maintainer_id)
    page = keyset_page(session, stmt, EquipmentContract.id, limit=limit, cursor=cursor, descending=True)
    codes = dict(session.execute(select(EquipmentUnit.id, EquipmentUnit.code).where(
        EquipmentUnit.id.in_({c.unit_id for c in page.items}))).all()) if page.items else {}
    day = today()
    return Page([ContractView(c, codes.get(c.unit_id, ""), contract_in_force(c, day)) for c in page.items],
                page.next_cursor, page.limit)


def contract_in_force(c: EquipmentContract, day: dt.date) -> bool:
    """``in_force`` for one loaded contract."""
    return c.starts_on <= day <= c.ends_on and (c.terminated_on is None or c.terminated_on > day)


def get_contract(session: Session, actor: Actor, contract_id: int) -> tuple[EquipmentContract, EquipmentUnit]:
    """One contract with its unit, when the actor may see it (else 404)."""
    stmt = _contract_scope(session, actor, select(EquipmentContract, EquipmentUnit).join(
        EquipmentUnit, EquipmentUnit.id == EquipmentContract.unit_id).where(EquipmentContract.id == contract_id))
    row = session.execute(stmt).first()
    if row is None:
        raise NotFound("equipment_contract", contract_id)
    return row[0], row[1]


def update_contract(session: Session, actor: Actor, contract_id: int, data: ContractEditIn) -> EquipmentContract:
    """Correct or extend a contract (编号, 起止日期) — the owner or the regulator; a terminated contract is closed;
    a changed period is checked as a new one (licence in force, no overlap)."""
    row, unit = get_contract(session, actor, contract_id)
    require_manage(session, actor, unit)
    if row.terminated_on is not None:
        raise InvalidTransition("equipment_contract", "terminated", "edited")
    if data.ends_on <= data.starts_on:
        raise DomainError("equipment.bad_contract_period", "合同终止日期应晚于起始日期", "the contract must end after it "
                          "starts", field="ends_on")
    if (data.starts_on, data.ends_on) != (row.starts_on, row.ends_on):
        _require_licence(session, row.maintainer_id, max(today(), data.starts_on), "maintainer_id", required=True)
        _check_overlap(session, unit.id, data.starts_on, data.ends_on, exclude=row.id)
    row.contract_no, row.starts_on, row.ends_on = data.contract_no.strip(), data.starts_on, data.ends_on
    flush(session, "equipment_contract")
    _follow_contract(session, unit, today())
    flush(session, "equipment_unit")
    return row


def terminate_contract(session: Session, actor: Actor, contract_id: int, data: TerminateIn) -> EquipmentContract:
    """合同解除: the owner, the regulator or the company itself ends a contract early, from ``terminated_on`` (within
    the contract's period) with the reason; from that day the unit has no maintenance company until a new contract
    (listed in ``contract_gaps``)."""
    row, unit = get_contract(session, actor, contract_id)
    if not (actor.role == "enterprise" and actor.owns(row.maintainer_id)):
        require_manage(session, actor, unit)
    if row.terminated_on is not None:
        raise InvalidTransition("equipment_contract", "terminated", "terminated")
    if not row.starts_on <= data.terminated_on <= row.ends_on:
        raise DomainError("equipment.bad_termination", f"解除日期应在合同期限内（{row.starts_on} 至 {row.ends_on}）",
                          f"the termination day must fall within the contract ({row.starts_on} to {row.ends_on})",
                          field="terminated_on")
    reason = data.reason.strip()
    if not reason:
        raise DomainError("equipment.reason_required", "解除合同须说明理由", "a reason is required", field="reason")
    row.terminated_on, row.termination_reason, row.terminated_by = data.terminated_on, reason, actor.label
    flush(session, "equipment_contract")
    _follow_contract(session, unit, today())
    flush(session, "equipment_unit")
    return row
