"""特种设备 pages: the public scan page of a unit (no login; by 设备代码 or by its GIAI Digital Link), the console
home of each role (regulator, inspection institute, owner / maintenance company) with its forms, the due list,
incident pages and the label sheet; ``pages.maintenance``: the licences and contracts of maintenance companies;
``pages.registry``: 使用登记, a unit's record and its status changes.

Every page calls the same service functions as the API and the CLI.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from zhijian.equipment import rules, service
from zhijian.equipment.pages import maintenance, registry
from zhijian.equipment.schemas import (
    DeclineIn,
    IncidentIn,
    InspectionIn,
    InspectionRequestIn,
    MaintenanceIn,
    ScheduleIn,
)
from zhijian.platform.auth import Actor
from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError
from zhijian.web.core import console_actor, console_form, error_page, locale_of, nav_item, render

router = APIRouter(include_in_schema=False)
ROLES = ("regulator", "inspector", "enterprise")
nav_item("/console/equipment", "特种设备", roles=ROLES, order=35)

NOTICE_ZH = {"inspection": "检验报告已录入", "maintenance": "维保记录已录入", "signed": "已签字确认",
             "requested": "检验申请已提交", "scheduled": "检验已排期", "declined": "检验申请已退回",
             "imported": "文件已导入"}


def due_labels(request: Request) -> dict[str, str]:
    """The due states' labels in the page's language, by code (templates show ``_(due_zh[state])``)."""
    return rules.DUE_STATE_EN if locale_of(request) == "en" else rules.DUE_STATE_ZH


def _scan(request: Request, session: Any, code: str) -> Response:
    from zhijian.catalog.rules import region_label

    try:
        view = service.scan_view(session, code)
    except DomainError as err:
        return error_page(request, err)
    return render(request, "equipment/scan.html", {
        "v": view, "due_zh": due_labels(request), "region": region_label(view.region_code, locale_of(request)),
        "category_en": rules.CATEGORY_EN.get(rules.category_of(view.variety), "")})


@router.get("/equipment/u/{code}", response_class=HTMLResponse)
def scan(request: Request, session: SessionDep, code: str) -> Response:
    """扫码查询 — registration, owner, maintenance company, inspections, status; 96333 for elevators."""
    return _scan(request, session, code)


@router.get(rules.GIAI_STEM + "/8004/{giai}", response_class=HTMLResponse)
def scan_giai(request: Request, session: SessionDep, giai: str) -> Response:
    """The label's GS1 Digital Link (AI 8004 GIAI under our company prefix) → the same scan page."""
    try:
        code = service.code_for_giai(giai)
    except DomainError as err:
        return error_page(request, err)
    return _scan(request, session, code)


# ---------------------------------------------------------------- console: the role homes


def _owns_units(session: Any, actor: Actor) -> bool:
    """Offer the label sheet only to a using unit that has units to label (else the link would lead to a 404)."""
    from sqlalchemy import select

    from zhijian.equipment.models import EquipmentUnit

    return session.scalar(select(EquipmentUnit.id).where(EquipmentUnit.owner_id == actor.organization_id).limit(1)) \
        is not None


def _home(request: Request, session: Any, actor: Actor, *, errors: dict[str, str] | None = None,
          values: dict[str, Any] | None = None, status: int = 200, form: str = "") -> Response:
    """One page per role: what is due, what is overdue, what happened, and the forms that role fills in."""
    day = service.today()
    ctx: dict[str, Any] = {"cards": service.dashboard_cards(session, actor), "role": actor.role, "day": day,
                           "errors": errors or {}, "values": values or {}, "form": form,
                           "notice": NOTICE_ZH.get(request.query_params.get("done", ""), ""),
                           "varieties": rules.VARIETIES, "statuses": rules.STATUSES,
                           "conclusions": [(v, v) for v in rules.CONCLUSIONS.values()],
                           "kinds": list(rules.MAINTENANCE_KINDS.items()), "incident_kinds": list(rules.INCIDENT_KINDS.items()),
                           "is_owner": actor.role == "enterprise" and _owns_units(session, actor),
                           "due_zh": due_labels(request), "import_columns": _import_columns(actor.role)}
    if actor.role in ("regulator", "admin", "enterprise"):
        ctx["overdue"] = service.due_list(session, actor, state="overdue", on=day, limit=50).items
    if actor.role in ("inspector", "enterprise", "admin"):
        ctx["due_soon"] = service.due_list(session, actor, state="due_soon", on=day, limit=50).items
    ctx["maint_overdue"] = service.maintenance_overdue(session, actor, on=day, limit=50).items
    ctx["incidents"] = service.incidents(session, actor, limit=20)
    if actor.role == "enterprise" and actor.organization_id is not None:
        ctx["own_units"] = service.units_of(session, actor, limit=100)
        ctx["unsigned"] = service.unsigned_maintenance(session, actor, limit=50)
    if actor.role in ("enterprise", "inspector"):
        ctx["requests"] = service.inspection_requests(session, actor, limit=50)
        ctx["request_statuses"] = service.REQUEST_STATUSES
    if ctx["is_owner"]:
        ctx["institutes"] = _institutes(session)
    return render(request, "equipment/console_home.html", ctx, status_code=status, actor=actor)


def _import_columns(role: str) -> tuple[str, ...]:
    """The columns the role's import file must have: typed literally in Chinese (the header row is read as is)."""
    return service.INSPECTION_COLUMNS if role == "inspector" else service.MAINTENANCE_COLUMNS


def _institutes(session: Any) -> list[tuple[str, str]]:
    """The inspection institutes (检验检测机构) an owner may ask, for the request form's select — all of them: a cap
    (it was the first 200 by name) left the later ones impossible to ask."""
    from sqlalchemy import select

    from zhijian.catalog.models import Organization

    return [(str(i), n) for i, n in session.execute(select(Organization.id, Organization.name)
                                                    .where(Organization.kind == "lab").order_by(Organization.name))]


@router.get("/console/equipment", response_class=HTMLResponse)
def console_home(request: Request, session: SessionDep) -> Response:
    actor = console_actor(request, session, *ROLES)
    return _home(request, session, actor)


@router.get("/console/equipment/due", response_class=HTMLResponse)
def console_due(request: Request, session: SessionDep, state: str = "overdue", region: str = "",
                cursor: str | None = None) -> Response:
    actor = console_actor(request, session, *ROLES)
    day = service.today()
    page = service.due_list(session, actor, state=state, region=region or None, on=day, limit=100, cursor=cursor)
    return render(request, "equipment/console_due.html", {
        "page": page, "state": state, "region": region, "varieties": rules.VARIETIES, "statuses": rules.STATUSES},
        actor=actor)


def _errors(request: Request, exc: ValidationError | DomainError, prefix: str = "") -> dict[str, str]:
    """The error beside its field (``prefix`` + field name: the incident form's fields are prefixed so that no two
    forms on the page share an id)."""
    if isinstance(exc, DomainError):
        return {prefix + (exc.field or "code").split(".")[0]: exc.message_en if locale_of(request) == "en"
                else exc.message_zh}
    e = exc.errors()[0]
    name = ".".join(str(p) for p in e["loc"]) or "code"
    return {prefix + name: ("invalid: " if locale_of(request) == "en" else "此项无效：") + str(e["msg"])}


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return str(value).strip() if isinstance(value, str) else ""


def _opt_time(value: str) -> str | None:
    return value or None


@router.post("/console/equipment/inspections")
async def console_inspection(request: Request, session: SessionDep) -> Response:
    """检验机构 录入检验报告 — the same service call as POST /api/v1/equipment/units/{code}/inspections."""
    actor, form = await console_form(request, session, "inspector")
    values = {k: _text(form, k) for k in ("code", "report_no", "inspected_on", "conclusion", "defects")}
    return _record_form(request, session, actor, values, "inspection", lambda: service.record_inspection(
        session, actor, values["code"], InspectionIn.model_validate({k: v for k, v in values.items() if k != "code"})))


@router.post("/console/equipment/maintenance")
async def console_maintenance(request: Request, session: SessionDep) -> Response:
    """维保单位 录入维保记录 — the same service call as POST /api/v1/equipment/units/{code}/maintenance."""
    actor, form = await console_form(request, session, "enterprise")
    values = {k: _text(form, k) for k in ("code", "maintained_on", "kind", "worker_name", "worker_cert_no", "items")}
    items = [i for i in values["items"].splitlines() if i.strip()]
    return _record_form(request, session, actor, values, "maintenance", lambda: service.record_maintenance(
        session, actor, values["code"], MaintenanceIn.model_validate({**values, "items": items})))


def _record_form(request: Request, session: SessionDep, actor: Actor, values: dict[str, str], form: str,
                 record: Callable[[], object]) -> Response:
    """A console home form's record (validation and the service call, in a savepoint): back home with the
    form's errors and values, or on to the home page with ``done``."""
    try:
        with session.begin_nested():
            record()
    except (ValidationError, DomainError) as exc:
        status = exc.status if isinstance(exc, DomainError) else 422
        return _home(request, session, actor, errors=_errors(request, exc), values=values, status=status, form=form)
    return RedirectResponse(f"/console/equipment?done={form}", status_code=303)


@router.post("/console/equipment/maintenance/{maintenance_id}/sign")
async def console_sign(request: Request, session: SessionDep, maintenance_id: int) -> Response:
    actor, form = await console_form(request, session, "enterprise")
    try:
        with session.begin_nested():
            service.sign_maintenance(session, actor, maintenance_id, _text(form, "signed_by") or actor.username)
    except DomainError as err:
        return error_page(request, err, actor)
    return RedirectResponse("/console/equipment?done=signed", status_code=303)


@router.post("/console/equipment/incidents")
async def console_incident(request: Request, session: SessionDep) -> Response:
    """使用单位 / 维保单位 报告困人、故障、事故 — the same service call as the API."""
    actor, form = await console_form(request, session, *ROLES)
    names = ("code", "kind", "occurred_at", "called_at", "arrived_at", "released_at", "trapped_people", "deaths",
             "serious_injuries", "cause")
    values = {k: _text(form, "in_" + k) for k in names}
    try:
        data = IncidentIn.model_validate({
            "kind": values["kind"], "occurred_at": values["occurred_at"],
            **{k: _opt_time(values[k]) for k in ("called_at", "arrived_at", "released_at")},
            **{k: int(values[k]) if values[k].isdigit() else 0 for k in ("trapped_people", "deaths", "serious_injuries")},
            "cause": values["cause"]})
        with session.begin_nested():
            row = service.record_incident(session, actor, values["code"], data)
    except (ValidationError, DomainError) as exc:
        status = exc.status if isinstance(exc, DomainError) else 422
        return _home(request, session, actor, errors=_errors(request, exc, "in_"),
                     values={"in_" + k: v for k, v in values.items()}, status=status, form="incident")
    return RedirectResponse(f"/console/equipment/incidents/{row.id}", status_code=303)


@router.get("/console/equipment/incidents/{incident_id}", response_class=HTMLResponse)
def console_incident_page(request: Request, session: SessionDep, incident_id: int) -> Response:
    actor = console_actor(request, session, *ROLES)
    v = service.get_incident(session, actor, incident_id)
    return render(request, "equipment/console_incident.html", {"v": v, "china": service.CHINA}, actor=actor)


@router.get("/console/equipment/labels.pdf")
def console_labels(request: Request, session: SessionDep) -> Response:
    """使用标志 label sheet of the owner's units (or, for a regulator, its division's first 2,000)."""
    actor = console_actor(request, session, *ROLES)
    pdf = service.label_sheet(session, actor, owner_id=actor.organization_id if actor.role == "enterprise" else None)
    stamp = dt.date.today().isoformat()
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="equipment-labels-{stamp}.pdf"'})


@router.post("/console/equipment/requests")
async def console_request(request: Request, session: SessionDep) -> Response:
    """使用单位 申请检验 — the same service call as POST /api/v1/equipment/units/{code}/inspection-requests."""
    actor, form = await console_form(request, session, "enterprise")
    values = {k: _text(form, k) for k in ("rq_code", "rq_institute_id", "rq_note")}
    try:
        data = InspectionRequestIn.model_validate({"institute_id": values["rq_institute_id"] or None,
                                                   "note": values["rq_note"]})
        with session.begin_nested():
            service.request_inspection(session, actor, values["rq_code"], data)
    except (ValidationError, DomainError) as exc:
        status = exc.status if isinstance(exc, DomainError) else 422
        errs = _errors(request, exc, "rq_")
        if "rq_code" not in errs and isinstance(exc, DomainError) and exc.field in (None, "code"):
            errs = {"rq_code": next(iter(errs.values()))}
        return _home(request, session, actor, errors=errs, values=values, status=status, form="request")
    return RedirectResponse("/console/equipment?done=requested", status_code=303)


@router.post("/console/equipment/requests/{request_id}/schedule")
async def console_schedule(request: Request, session: SessionDep, request_id: int) -> Response:
    """检验机构 受理并排期 — the same service call as POST /api/v1/equipment/inspection-requests/{id}/schedule."""
    actor, form = await console_form(request, session, "inspector")
    values = {"scheduled_on": _text(form, "scheduled_on")}
    try:
        data = ScheduleIn.model_validate(values)
        with session.begin_nested():
            service.schedule_request(session, actor, request_id, data)
    except (ValidationError, DomainError) as exc:
        status = exc.status if isinstance(exc, DomainError) else 422
        return _home(request, session, actor, errors=_errors(request, exc, "sc_"), values=values, status=status,
                     form="schedule")
    return RedirectResponse("/console/equipment?done=scheduled", status_code=303)


@router.post("/console/equipment/requests/{request_id}/decline")
async def console_decline(request: Request, session: SessionDep, request_id: int) -> Response:
    """检验机构 退回申请 with the reason (the owner sees it and may ask again) — the same service call as
    POST /api/v1/equipment/inspection-requests/{id}/decline."""
    actor, form = await console_form(request, session, "inspector")
    values = {"dc_note": _text(form, "dc_note")}
    try:
        data = DeclineIn.model_validate({"note": values["dc_note"]})
        with session.begin_nested():
            service.decline_request(session, actor, request_id, data.note)
    except (ValidationError, DomainError) as exc:
        status = exc.status if isinstance(exc, DomainError) else 422
        return _home(request, session, actor, errors=_errors(request, exc, "dc_"), values=values, status=status,
                     form="schedule")
    return RedirectResponse("/console/equipment?done=declined", status_code=303)


# the maintenance pages (licences, contracts) and the registry pages (registration, a unit's record, its status)
# in their own modules, served by this room's router
router.include_router(maintenance.router)
router.include_router(registry.router)


@router.post("/console/equipment/inspections/import")
async def console_import_reports(request: Request, session: SessionDep) -> Response:
    """检验机构 批量导入检验报告 — the same call as POST /api/v1/equipment/inspections/import (all or nothing)."""
    actor, form = await console_form(request, session, "inspector")
    return await _home_import(request, session, actor, form, service.INSPECTION_COLUMNS,
                              lambda rows: service.import_inspections(session, actor, rows))


@router.post("/console/equipment/maintenance/import")
async def console_import_maintenance(request: Request, session: SessionDep) -> Response:
    """维保单位 批量导入维保记录 — the same call as POST /api/v1/equipment/maintenance/import (all or nothing)."""
    actor, form = await console_form(request, session, "enterprise")
    return await _home_import(request, session, actor, form, service.MAINTENANCE_COLUMNS,
                              lambda rows: service.import_maintenance(session, actor, rows))


async def _home_import(request: Request, session: SessionDep, actor: Actor, form: Any, columns: tuple[str, ...],
                       store: Callable[[Any], int]) -> Response:
    count, errors, status = await registry.run_import(request, session, form, columns, store)
    if errors:
        return _home(request, session, actor, errors=errors, status=status, form="import")
    return RedirectResponse(f"/console/equipment?done=imported&n={count}", status_code=303)
