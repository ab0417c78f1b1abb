"""Read-only summaries over the equipment data: statistics by category and division (统计), the risk signals the
risk room's scan reads through the contract, and the console home cards.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.equipment import rules
from zhijian.equipment.models import EquipmentIncident, EquipmentInspection, EquipmentUnit
from zhijian.equipment.service.maintenance_contracts import contract_gaps
from zhijian.equipment.service.policy import CHINA, _active, _division, _scope, _scope_any, today
from zhijian.platform.auth import SYSTEM as SYSTEM_ACTOR
from zhijian.platform.auth import Actor


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
