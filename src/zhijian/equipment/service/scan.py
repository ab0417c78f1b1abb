"""What a passer-by sees on scanning a unit's 使用标志, and the label sheet itself: the GS1 GIAI (AI 8004) Digital
Link on the label, the prefix it is issued under, and the way back from a scanned GIAI to the 设备代码.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.catalog import rules as catalog_rules
from zhijian.catalog.models import Organization
from zhijian.equipment import rules
from zhijian.equipment.models import EquipmentInspection, EquipmentUnit
from zhijian.equipment.service.policy import _scope, today
from zhijian.platform.auth import Actor
from zhijian.platform.errors import DomainError, NotFound


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
    no_maintainer: bool = False  # an elevator in use without a maintenance company (安全法 第四十五条)


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
        giai=giai, digital_link=rules.giai_link(resolver_host(), giai),
        no_maintainer=unit.status == "in_use" and maint is None and rules.is_elevator(unit.variety))


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
