"""特种设备 REST API: thin handlers over the service (role, division and ownership checks live there)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Response, UploadFile

from zhijian.equipment import rules, service
from zhijian.equipment.schemas import (
    ContractEditIn,
    ContractIn,
    ContractOut,
    DeclineIn,
    DueItem,
    DueOut,
    ImportOut,
    IncidentIn,
    IncidentOut,
    InspectionIn,
    InspectionOut,
    InspectionRequestIn,
    InspectionRequestOut,
    LicenceIn,
    LicenceOut,
    MaintainerIn,
    MaintenanceIn,
    MaintenanceOut,
    ScheduleIn,
    SignIn,
    StatusIn,
    TerminateIn,
    UnitIn,
    UnitOut,
    WorkerCertIn,
    WorkerCertOut,
)
from zhijian.platform.actions import Action, action_routes
from zhijian.platform.deps import ActorDep, SessionDep
from zhijian.platform.openapi import PDF_ANSWER
from zhijian.platform.pagination import Limit, PageOut
from zhijian.platform.tabular import read_rows

router = APIRouter(prefix="/api/v1/equipment", tags=["equipment"])


@router.get("/intervals")
def intervals() -> dict[str, Any]:
    """The periodic-inspection interval table in force, each row with its source."""
    t = rules.CURRENT_TABLE
    return {"version": t.version, "effective_from": t.effective_from.isoformat(),
            "rows": [dataclasses.asdict(r) for r in t.rows.values()]}


action_routes(
    router, {"code": str, "licence_id": int, "contract_id": int},
    Action("POST", "/units", "register", service.register_unit, UnitOut, UnitIn, 201),
    Action("POST", "/units/{code}/status", "change_status", service.change_status, UnitOut, StatusIn),
    Action("GET", "/units/{code}/inspections", "list_inspections", service.inspections, InspectionOut, many=True),
    Action("POST", "/units/{code}/inspections", "record_inspection", service.record_inspection, InspectionOut,
           InspectionIn, 201),
    Action("POST", "/units/{code}/maintenance", "record_maintenance", service.record_maintenance, MaintenanceOut,
           MaintenanceIn, 201, doc="维保记录 by the unit's maintenance company."),
    Action("GET", "/units/{code}/maintenance", "list_maintenance", service.maintenance_records, MaintenanceOut,
           many=True),
    Action("POST", "/workers", "register_worker", service.register_worker_cert, WorkerCertOut, WorkerCertIn, 201,
           doc="特种设备作业人员证 登记 (validity 4 years unless given)."),
    Action("POST", "/licences", "register_licence", service.register_licence, LicenceOut, LicenceIn, 201,
           doc="维保单位许可 登记 / 换证 (regulator) — an expired licence takes no contract and records no visit."),
    Action("PUT", "/licences/{licence_id}", "update_licence", service.update_licence, LicenceOut, LicenceIn,
           doc="Correct or renew (换证) a licence (regulator); it stays with its company."),
    Action("PUT", "/contracts/{contract_id}", "update_contract", service.update_contract, ContractOut, ContractEditIn,
           doc="Correct or extend a contract (number, period); a terminated contract is closed (409)."),
    Action("POST", "/contracts/{contract_id}/terminate", "terminate_contract", service.terminate_contract,
           ContractOut, TerminateIn, doc="合同解除 with the day and the reason; the unit has no maintenance company from that day."),
    Action("POST", "/units/{code}/contracts", "create_contract", service.create_contract, ContractOut, ContractIn, 201,
           doc="维保合同 — the unit's maintainer follows the contract in force."),
    Action("GET", "/units/{code}/contracts", "list_contracts", service.contracts, ContractOut, many=True),
)


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


@router.get("/public/{code}")
def public(code: str, session: SessionDep) -> dict[str, Any]:
    """What the scan page shows, as JSON (no login)."""
    return dataclasses.asdict(service.scan_view(session, code))


@router.get("/maintenance/rules")
def maintenance_rules() -> dict[str, Any]:
    """The maintenance frequency per category, each with its source (elevators: 15 days)."""
    return {"rules": [dataclasses.asdict(r) for r in rules.MAINTENANCE_RULES.values()],
            "kinds": rules.MAINTENANCE_KINDS}


@router.put("/units/{code}/maintainer", response_model=UnitOut)
def set_maintainer(code: str, data: MaintainerIn, session: SessionDep, actor: ActorDep) -> UnitOut:
    """维保合同 — the owner (or the regulator) names the unit's maintenance company."""
    return UnitOut.model_validate(service.set_maintainer(session, actor, code, data.maintainer_id))


@router.post("/maintenance/import", response_model=ImportOut)
async def import_maintenance(session: SessionDep, actor: ActorDep, file: Annotated[UploadFile, File()]) -> ImportOut:
    """批量导入维保记录 (CSV / Excel) by the maintenance company — all or nothing; errors name row and column."""
    rows = read_rows(await file.read(), file.filename or "maintenance.xlsx", required=service.MAINTENANCE_COLUMNS)
    return ImportOut(imported=service.import_maintenance(session, actor, rows))


@router.post("/maintenance/{maintenance_id}/sign", response_model=MaintenanceOut)
def sign_maintenance(maintenance_id: int, data: SignIn, session: SessionDep, actor: ActorDep) -> MaintenanceOut:
    """使用单位签字确认 of a maintenance record."""
    return MaintenanceOut.model_validate(service.sign_maintenance(session, actor, maintenance_id, data.signed_by))


@router.get("/maintenance/overdue", response_model=PageOut[DueItem])
def maintenance_overdue(session: SessionDep, actor: ActorDep, region: str | None = None,
                        maintainer_id: int | None = None, on: dt.date | None = None, limit: Limit = 100,
                        cursor: str | None = None) -> PageOut[DueItem]:
    """维保超期 — units in use past their next maintenance date, in the actor's scope."""
    page = service.maintenance_overdue(session, actor, on=on, region=region, maintainer_id=maintainer_id,
                                       limit=limit, cursor=cursor)
    items = [DueItem(id=u.id, code=u.code, variety=u.variety, owner_id=u.owner_id, region_code=u.region_code,
                     address=u.address, status=u.status, next_due_on=u.next_maintenance_due_on,
                     state="maintenance_overdue") for u in page.items]
    return PageOut(items=items, next_cursor=page.next_cursor, limit=page.limit)


def _incident(v: service.IncidentView) -> dict[str, Any]:
    out = IncidentOut.model_validate(v.row).model_dump(mode="json")
    return out | {"unit_code": v.unit_code, "kind_zh": v.kind_zh, "level_zh": v.level_zh,
                  "escalate_to": v.escalate_to, "escalate_by": v.escalate_by.isoformat() if v.escalate_by else None,
                  "followup_until": v.followup_until.isoformat() if v.followup_until else None,
                  "arrival_late": v.arrival_late}


@router.post("/units/{code}/incidents", status_code=201)
def record_incident(code: str, data: IncidentIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """困人 / 故障 / 事故 — the level, the 1-hour report deadline and the rescue timing come back computed."""
    row = service.record_incident(session, actor, code, data)
    return _incident(service.incident_view(row, code.strip().upper()))


@router.get("/incidents")
def list_incidents(session: SessionDep, actor: ActorDep, code: str | None = None, since: dt.date | None = None,
                   accidents_only: bool = False, limit: Limit = 100) -> list[dict[str, Any]]:
    return [_incident(v) for v in service.incidents(session, actor, code=code, since=since,
                                                    accidents_only=accidents_only, limit=limit)]


@router.get("/incidents/{incident_id}")
def get_incident(incident_id: int, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    return _incident(service.get_incident(session, actor, incident_id))


@router.get("/labels.pdf", response_class=Response, responses=PDF_ANSWER)
def labels(session: SessionDep, actor: ActorDep, code: Annotated[list[str] | None, Query()] = None,
           owner_id: int | None = None) -> Response:
    """使用标志 label sheet (PDF) with each unit's GIAI Digital Link QR — listed codes or an owner's units."""
    pdf = service.label_sheet(session, actor, codes=code, owner_id=owner_id)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": 'attachment; filename="equipment-labels.pdf"'})


@router.get("/risk-signals")
def risk_signals(session: SessionDep, actor: ActorDep, since: dt.date | None = None,
                 on: dt.date | None = None) -> list[dict[str, Any]]:
    """Signals for the risk room (staff only): overdue by owner and division, repeated 不合格, accidents."""
    actor.require("regulator")
    prefix = service.division_of(session, actor) or ""
    return [dataclasses.asdict(r) for r in service.risk_signals(session, since, on=on)
            if r.region_code.startswith(prefix)]


@router.get("/workers", response_model=list[WorkerCertOut])
def list_workers(session: SessionDep, actor: ActorDep, employer_id: int | None = None,
                 expiring_within: Annotated[int | None, Query(ge=0, le=3650)] = None) -> list[WorkerCertOut]:
    """The certificates registry (an enterprise: its own workers); ``expiring_within`` days → due for 复审."""
    return [WorkerCertOut.model_validate(r) for r in service.worker_certs(
        session, actor, employer_id=employer_id, expiring_within=expiring_within)]


# ---------------------------------------------------------------- licences, contracts, inspection requests


@router.get("/licences", response_model=list[LicenceOut])
def list_licences(session: SessionDep, actor: ActorDep,
                  expiring_within: Annotated[int | None, Query(ge=0, le=3650)] = None) -> list[LicenceOut]:
    return [LicenceOut.model_validate(r) for r in service.licences(session, actor, expiring_within=expiring_within)]


@router.get("/contracts", response_model=PageOut[ContractOut])
def list_all_contracts(session: SessionDep, actor: ActorDep, code: str | None = None,
                       maintainer_id: int | None = None, limit: Limit = 100,
                       cursor: str | None = None) -> PageOut[ContractOut]:
    """维保合同 in the actor's scope (owner: its units; company: its contracts; regulator: its division)."""
    page = service.contract_page(session, actor, code=code, maintainer_id=maintainer_id, limit=limit, cursor=cursor)
    return PageOut(items=[ContractOut.model_validate(v.row) for v in page.items], next_cursor=page.next_cursor,
                   limit=page.limit)


@router.get("/contracts/gaps")
def contract_gaps(session: SessionDep, actor: ActorDep, on: dt.date | None = None,
                  limit: Limit = 500) -> list[dict[str, Any]]:
    """合同到期未续签 — units in use whose last contract ended without successor."""
    return [dataclasses.asdict(g) | {"ended_on": g.ended_on.isoformat()}
            for g in service.contract_gaps(session, actor, on=on, limit=limit)]


def _request(row: Any, code: str) -> dict[str, Any]:
    return InspectionRequestOut.model_validate(row).model_dump(mode="json") | {
        "unit_code": code, "status_zh": service.REQUEST_STATUSES[row.status]}


@router.post("/units/{code}/inspection-requests", status_code=201)
def request_inspection(code: str, data: InspectionRequestIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """检验申请 by the owner (安全法 第四十条: 届满前一个月); one open request per unit."""
    row = service.request_inspection(session, actor, code, data)
    return _request(row, code.strip().upper())


@router.get("/inspection-requests")
def list_requests(session: SessionDep, actor: ActorDep, status: str | None = None,
                  limit: Limit = 200) -> list[dict[str, Any]]:
    return [_request(r, c) for r, c in service.inspection_requests(session, actor, status=status, limit=limit)]


def _request_of(session: Any, _actor: Any, row: Any) -> dict[str, Any]:
    return _request(row, service.unit_code_of(session, row.unit_id))


# the institute's answers to a request, each answering the request with its unit's code
action_routes(
    router, {"request_id": int},
    Action("POST", "/inspection-requests/{request_id}/schedule", "schedule_request", service.schedule_request, (),
           ScheduleIn, present_for=_request_of,
           doc="The institute accepts and fixes the day; its report on the unit closes the request."),
    Action("POST", "/inspection-requests/{request_id}/decline", "decline_request",
           lambda session, actor, request_id, data: service.decline_request(session, actor, request_id, data.note),
           (), DeclineIn, present_for=_request_of, doc="The institute returns the request with its reason; the owner may ask again."),
)
