"""特种设备 REST API: thin handlers over the service (role, division and ownership checks live there)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, UploadFile

from zhijian.catalog.schemas import PageOut
from zhijian.equipment import rules, service
from zhijian.equipment.schemas import DueItem, DueOut, ImportOut, InspectionIn, InspectionOut, StatusIn, UnitIn, UnitOut
from zhijian.platform.deps import ActorDep, SessionDep
from zhijian.platform.tabular import read_rows

router = APIRouter(prefix="/api/v1/equipment", tags=["equipment"])
Limit = Annotated[int, Query(ge=1, le=500)]


@router.get("/intervals")
def intervals() -> dict[str, Any]:
    """The periodic-inspection interval table in force, each row with its source."""
    t = rules.CURRENT_TABLE
    return {"version": t.version, "effective_from": t.effective_from.isoformat(),
            "rows": [dataclasses.asdict(r) for r in t.rows.values()]}


@router.post("/units", response_model=UnitOut, status_code=201)
def register(data: UnitIn, session: SessionDep, actor: ActorDep) -> UnitOut:
    return UnitOut.model_validate(service.register_unit(session, actor, data))


@router.post("/units/import", response_model=ImportOut)
async def import_units(session: SessionDep, actor: ActorDep, file: Annotated[UploadFile, File()]) -> ImportOut:
    """批量导入使用登记 (CSV / Excel) — all or nothing; errors name the row and the column."""
    rows = read_rows(await file.read(), file.filename or "registry.xlsx", required=service.IMPORT_COLUMNS)
    return ImportOut(imported=service.import_registry(session, actor, rows))


@router.post("/inspections/import", response_model=ImportOut)
async def import_inspections(session: SessionDep, actor: ActorDep, file: Annotated[UploadFile, File()]) -> ImportOut:
    """批量导入检验报告 (CSV / Excel) by the institute — all or nothing; errors name the row and the column."""
    rows = read_rows(await file.read(), file.filename or "reports.xlsx", required=service.INSPECTION_COLUMNS)
    return ImportOut(imported=service.import_inspections(session, actor, rows))


@router.get("/units/due", response_model=PageOut[DueItem])
def due(session: SessionDep, actor: ActorDep, state: str = "overdue", region: str | None = None,
        owner_id: int | None = None, on: dt.date | None = None, limit: Limit = 100,
        cursor: str | None = None) -> PageOut[DueItem]:
    """超期 / 30 日内到期 — a regulator's division and below, an owner's own units."""
    day = on or service.today()
    page = service.due_list(session, actor, state=state, region=region, owner_id=owner_id, on=day, limit=limit,
                            cursor=cursor)
    items = [DueItem(id=u.id, code=u.code, variety=u.variety, owner_id=u.owner_id, region_code=u.region_code,
                     address=u.address, status=u.status, next_due_on=u.next_due_on,
                     state=rules.due_state(u.next_due_on, day, u.status)) for u in page.items]
    return PageOut(items=items, next_cursor=page.next_cursor, limit=page.limit)


@router.get("/statistics")
def statistics(session: SessionDep, actor: ActorDep, on: dt.date | None = None) -> list[dict[str, Any]]:
    """Units, in use, stopped, overdue and due within 30 days by category and division (the actor's scope)."""
    return [dataclasses.asdict(r) for r in service.statistics(session, actor, on=on)]


@router.get("/units/{code}", response_model=UnitOut)
def get_unit(code: str, session: SessionDep, actor: ActorDep) -> UnitOut:
    return UnitOut.model_validate(service.get_unit(session, actor, code))


@router.get("/units/{code}/due", response_model=DueOut)
def explain(code: str, session: SessionDep, actor: ActorDep, on: dt.date | None = None) -> DueOut:
    e = service.explain_due(session, actor, code, on)
    return DueOut(code=e.code, due_on=e.due.due_on, state=e.state, rule=e.due.rule, source=e.due.source,
                  explanation=e.due.explanation, table_version=e.due.table_version)


@router.post("/units/{code}/status", response_model=UnitOut)
def change_status(code: str, data: StatusIn, session: SessionDep, actor: ActorDep) -> UnitOut:
    return UnitOut.model_validate(service.change_status(session, actor, code, data))


@router.get("/units/{code}/inspections", response_model=list[InspectionOut])
def list_inspections(code: str, session: SessionDep, actor: ActorDep) -> list[InspectionOut]:
    return [InspectionOut.model_validate(r) for r in service.inspections(session, actor, code)]


@router.post("/units/{code}/inspections", response_model=InspectionOut, status_code=201)
def record_inspection(code: str, data: InspectionIn, session: SessionDep, actor: ActorDep) -> InspectionOut:
    return InspectionOut.model_validate(service.record_inspection(session, actor, code, data))


@router.get("/public/{code}")
def public(code: str, session: SessionDep) -> dict[str, Any]:
    """What the scan page shows, as JSON (no login)."""
    return dataclasses.asdict(service.scan_view(session, code))
