"""特种设备 console pages of maintenance: the licences of maintenance companies (维保单位许可: the regulator registers
and renews them, a company reads its own) and the maintenance contracts (维保合同: the owner or the regulator signs,
corrects and terminates; the company reads its own and may terminate), with the units left without a maintenance
company (无维保单位). Each form calls the same service function as the API and the CLI.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from zhijian.equipment import rules, service
from zhijian.equipment.models import EquipmentMaintainerLicence
from zhijian.equipment.schemas import ContractEditIn, ContractIn, LicenceIn, TerminateIn, WorkerCertIn
from zhijian.platform.auth import Actor
from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError
from zhijian.web.core import audit_history, console_actor, console_form, locale_of, nav_item, render
from zhijian.web.forms import bind_form, domain_field_errors

router = APIRouter(include_in_schema=False)
ROLES = ("regulator", "enterprise")
nav_item("/console/equipment/contracts", "维保合同", roles=ROLES, order=36)
nav_item("/console/equipment/licences", "维保单位许可", roles=ROLES, order=37)
nav_item("/console/equipment/workers", "作业人员证", roles=ROLES, order=38)

DONE_ZH = {"licence": "许可证已保存", "contract": "维保合同已保存", "terminated": "维保合同已解除",
           "worker": "作业人员证已登记"}
LICENCE_FIELDS = ("organization_id", "licence_no", "scope", "issued_on", "valid_until", "issuer", "phone")
CONTRACT_FIELDS = ("code", "maintainer_id", "starts_on", "ends_on", "contract_no")


def _bind(request: Request, form: Any, schema: type[BaseModel], fields: tuple[str, ...],
          **extra: Any) -> tuple[Any, dict[str, str]]:
    return bind_form(form, schema, lang=locale_of(request), fields=[f for f in fields if f in schema.model_fields],
                     extra=extra or None)


def _values(form: Any, fields: tuple[str, ...]) -> dict[str, str]:
    return {k: str(form.get(k) or "").strip() for k in fields}


def _attempt(request: Request, session: SessionDep, fields: tuple[str, ...], call: Any) -> tuple[dict[str, str], int]:
    """Run the service call in a savepoint: ({}, 200) when done, else its DomainError beside its field and its
    status (422, 409 for a conflict, 403 …)."""
    try:
        with session.begin_nested():
            call()
    except DomainError as err:
        return domain_field_errors(err, locale_of(request), fields), err.status
    return {}, 200


# ---------------------------------------------------------------- 维保单位许可


def _licence_list(request: Request, session: SessionDep, actor: Actor, *, errors: dict[str, str] | None = None,
                  values: dict[str, str] | None = None, status: int = 200) -> Response:
    rows = service.licences(session, actor)
    names = service.organization_names(session, {r.organization_id for r in rows})
    return render(request, "equipment/licences.html", {
        "rows": rows, "names": names, "day": service.today(), "errors": errors or {}, "values": values or {},
        "can_edit": actor.role in ("regulator", "admin"), "companies": _companies(session),
        "notice": DONE_ZH.get(request.query_params.get("done", ""), "")}, status_code=status, actor=actor)


def _companies(session: SessionDep) -> list[tuple[str, str]]:
    """Enterprises a licence can be registered to (the catalog's organizations of kind enterprise)."""
    from sqlalchemy import select

    from zhijian.catalog.models import Organization

    return [(str(i), n) for i, n in session.execute(select(Organization.id, Organization.name).where(
        Organization.kind == "enterprise").order_by(Organization.name).limit(500))]


@router.get("/console/equipment/licences", response_class=HTMLResponse)
def licences_page(request: Request, session: SessionDep) -> Response:
    """维保单位许可 — every company's (regulator, with the registration form) or the company's own."""
    return _licence_list(request, session, console_actor(request, session, *ROLES))


@router.post("/console/equipment/licences")
async def licence_create(request: Request, session: SessionDep) -> Response:
    actor, form = await console_form(request, session, "regulator")
    values = _values(form, LICENCE_FIELDS)
    data, errors = _bind(request, form, LicenceIn, LICENCE_FIELDS)
    status = 422
    if data is not None:
        errors, status = _attempt(request, session, LICENCE_FIELDS, lambda: service.register_licence(session, actor, data))
    if errors:
        return _licence_list(request, session, actor, errors=errors, values=values, status=status)
    return RedirectResponse("/console/equipment/licences?done=licence", status_code=303)


def _licence_page(request: Request, session: SessionDep, actor: Actor, row: EquipmentMaintainerLicence, *,
                  errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                  status: int = 200) -> Response:
    current = {k: str(getattr(row, k)) for k in LICENCE_FIELDS}
    return render(request, "equipment/licence.html", {
        "row": row, "name": service.organization_names(session, {row.organization_id}).get(row.organization_id, ""),
        "values": values or current, "errors": errors or {}, "can_edit": actor.role in ("regulator", "admin"),
        "audit": audit_history(session, "equipment_maintainer_licence", row.id)}, status_code=status, actor=actor)


@router.get("/console/equipment/licences/{licence_id}", response_class=HTMLResponse)
def licence_page(request: Request, session: SessionDep, licence_id: int) -> Response:
    actor = console_actor(request, session, *ROLES)
    return _licence_page(request, session, actor, service.get_licence(session, actor, licence_id))


@router.post("/console/equipment/licences/{licence_id}")
async def licence_update(request: Request, session: SessionDep, licence_id: int) -> Response:
    """Correct or renew (换证): the licence stays with its company."""
    actor, form = await console_form(request, session, "regulator")
    row = service.get_licence(session, actor, licence_id)
    values = _values(form, LICENCE_FIELDS) | {"organization_id": str(row.organization_id)}
    data, errors = _bind(request, form, LicenceIn, LICENCE_FIELDS, organization_id=row.organization_id)
    status = 422
    if data is not None:
        errors, status = _attempt(request, session, LICENCE_FIELDS,
                          lambda: service.update_licence(session, actor, licence_id, data))
    if errors:
        return _licence_page(request, session, actor, row, errors=errors, values=values, status=status)
    return RedirectResponse("/console/equipment/licences?done=licence", status_code=303)


# ---------------------------------------------------------------- 维保合同


def _may_sign(session: SessionDep, actor: Actor) -> bool:
    """The contract form is for the regulator and for an owner with units (a maintenance company only reads)."""
    from sqlalchemy import select

    from zhijian.equipment.models import EquipmentUnit

    if actor.role in ("regulator", "admin"):
        return True
    return actor.role == "enterprise" and session.scalar(
        select(EquipmentUnit.id).where(EquipmentUnit.owner_id == actor.organization_id).limit(1)) is not None


def _contract_list(request: Request, session: SessionDep, actor: Actor, *, errors: dict[str, str] | None = None,
                   values: dict[str, str] | None = None, status: int = 200, cursor: str | None = None) -> Response:
    page = service.contract_page(session, actor, code=request.query_params.get("code") or None, limit=50,
                                 cursor=cursor)
    gaps = service.contract_gaps(session, actor, limit=200)
    ids = {v.row.maintainer_id for v in page.items} | {g.last_maintainer_id for g in gaps}
    return render(request, "equipment/contracts.html", {
        "page": page, "gaps": gaps, "names": service.organization_names(session, ids), "day": service.today(),
        "errors": errors or {}, "values": values or {}, "may_sign": _may_sign(session, actor),
        "companies": [(str(i), n) for i, n in service.licensed_companies(session)],
        "notice": DONE_ZH.get(request.query_params.get("done", ""), "")}, status_code=status, actor=actor)


@router.get("/console/equipment/contracts", response_class=HTMLResponse)
def contracts_page(request: Request, session: SessionDep, cursor: str | None = None) -> Response:
    """维保合同 in the actor's scope, the units without a maintenance company, and the signing form."""
    return _contract_list(request, session, console_actor(request, session, *ROLES), cursor=cursor)


@router.post("/console/equipment/contracts")
async def contract_create(request: Request, session: SessionDep) -> Response:
    actor, form = await console_form(request, session, *ROLES)
    values = _values(form, CONTRACT_FIELDS)
    data, errors = _bind(request, form, ContractIn, CONTRACT_FIELDS)
    status = 422
    if not values["code"]:
        errors["code"] = "this field is required" if locale_of(request) == "en" else "此项必填"
    elif data is not None:
        errors, status = _attempt(request, session, CONTRACT_FIELDS,
                          lambda: service.create_contract(session, actor, values["code"], data))
    if errors:
        return _contract_list(request, session, actor, errors=errors, values=values, status=status)
    return RedirectResponse("/console/equipment/contracts?done=contract", status_code=303)


def _contract_page(request: Request, session: SessionDep, actor: Actor, contract_id: int, *,
                   errors: dict[str, str] | None = None, values: dict[str, str] | None = None, form: str = "",
                   status: int = 200) -> Response:
    row, unit = service.get_contract(session, actor, contract_id)
    manager = actor.role in ("regulator", "admin") or actor.owns(unit.owner_id)
    current = {"starts_on": row.starts_on.isoformat(), "ends_on": row.ends_on.isoformat(),
               "contract_no": row.contract_no, "terminated_on": service.today().isoformat(), "reason": ""}
    names = service.organization_names(session, {row.maintainer_id, unit.owner_id})
    return render(request, "equipment/contract.html", {
        "row": row, "unit": unit, "names": names, "values": current | (values or {}), "errors": errors or {},
        "form": form, "can_edit": manager and row.terminated_on is None,
        "can_terminate": (manager or actor.owns(row.maintainer_id)) and row.terminated_on is None,
        "in_force": service.contract_in_force(row, service.today()), "audit": audit_history(session, "equipment_contract", row.id)},
        status_code=status, actor=actor)


@router.get("/console/equipment/contracts/{contract_id}", response_class=HTMLResponse)
def contract_page(request: Request, session: SessionDep, contract_id: int) -> Response:
    return _contract_page(request, session, console_actor(request, session, *ROLES), contract_id)


async def _contract_action(request: Request, session: Session, contract_id: int, schema: type[BaseModel],
                           fields: tuple[str, ...], act: Callable[[Actor, Any], object], form_name: str,
                           done: str) -> Response:
    """One contract form posted: bound, acted on, and on refusal the contract page again with the message at the
    field and the typed values kept."""
    actor, form = await console_form(request, session, *ROLES)
    values = _values(form, fields)
    data, errors = _bind(request, form, schema, fields)
    status = 422
    if data is not None:
        errors, status = _attempt(request, session, fields, lambda: act(actor, data))
    if errors:
        return _contract_page(request, session, actor, contract_id, errors=errors, values=values, form=form_name,
                              status=status)
    return RedirectResponse(done, status_code=303)


@router.post("/console/equipment/contracts/{contract_id}")
async def contract_update(request: Request, session: SessionDep, contract_id: int) -> Response:
    """Correct or extend a contract (编号, 起止日期)."""
    return await _contract_action(
        request, session, contract_id, ContractEditIn, ("starts_on", "ends_on", "contract_no"),
        lambda actor, data: service.update_contract(session, actor, contract_id, data), "edit",
        f"/console/equipment/contracts/{contract_id}?done=contract")


@router.post("/console/equipment/contracts/{contract_id}/terminate")
async def contract_terminate(request: Request, session: SessionDep, contract_id: int) -> Response:
    """合同解除 — the day and the reason; the unit is flagged as without maintenance company from that day."""
    return await _contract_action(
        request, session, contract_id, TerminateIn, ("terminated_on", "reason"),
        lambda actor, data: service.terminate_contract(session, actor, contract_id, data), "terminate",
        "/console/equipment/contracts?done=terminated")


# ---------------------------------------------------------------- 特种设备作业人员证

WORKER_FIELDS = ("cert_no", "name", "item", "employer_id", "issued_on", "valid_until", "issuer")
EXPIRING_DAYS = 90  # the list's "due for 复审" window


def _workers(request: Request, session: SessionDep, actor: Actor, *, errors: dict[str, str] | None = None,
             values: dict[str, str] | None = None, status: int = 200) -> Response:
    expiring = request.query_params.get("expiring") == "1"
    rows = service.worker_certs(session, actor, expiring_within=EXPIRING_DAYS if expiring else None, limit=500)
    return render(request, "equipment/workers.html", {
        "rows": rows, "names": service.organization_names(session, {r.employer_id or 0 for r in rows}),
        "items": list(rules.WORK_ITEMS.items()), "day": service.today(), "expiring": expiring,
        "soon": service.today().toordinal() + EXPIRING_DAYS, "errors": errors or {}, "values": values or {},
        "companies": _companies(session) if actor.role != "enterprise" else [],
        "notice": DONE_ZH.get(request.query_params.get("done", ""), "")}, status_code=status, actor=actor)


@router.get("/console/equipment/workers", response_class=HTMLResponse)
def workers_page(request: Request, session: SessionDep) -> Response:
    """作业人员证 registry: a company its own workers, the regulator everyone; ``?expiring=1``: due for 复审."""
    return _workers(request, session, console_actor(request, session, *ROLES))


@router.post("/console/equipment/workers")
async def worker_create(request: Request, session: SessionDep) -> Response:
    """登记作业人员证 — the employer for its own workers (or the regulator): the same call as POST /workers."""
    actor, form = await console_form(request, session, *ROLES)
    values = _values(form, WORKER_FIELDS)
    extra = {"employer_id": actor.organization_id} if actor.role == "enterprise" else {}
    data, errors = _bind(request, form, WorkerCertIn, WORKER_FIELDS, **extra)
    status = 422
    if data is not None:
        errors, status = _attempt(request, session, WORKER_FIELDS,
                                  lambda: service.register_worker_cert(session, actor, data))
    if errors:
        return _workers(request, session, actor, errors=errors, values=values, status=status)
    return RedirectResponse("/console/equipment/workers?done=worker", status_code=303)
