"""特种设备 console pages of the registry (使用登记): the registration form (the regulator of the division, or the
owner for its own units, TSG 08-2017 §3.1) and a unit's record — its next due date with the rule and the source,
its inspections, maintenance and status history, and the status form (停用 / 启用 / 报废 / 注销, TSG 08-2017 §3.3–3.6)
for the regulator and the owner. Each form calls the same service function as the API and the CLI.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from zhijian.equipment import rules, service
from zhijian.equipment.schemas import StatusIn, UnitIn
from zhijian.platform.auth import Actor
from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError
from zhijian.web.core import audit_history, console_actor, console_form, locale_of, render
from zhijian.web.forms import bind_form, domain_field_errors

router = APIRouter(include_in_schema=False)
ROLES = ("regulator", "inspector", "enterprise")
UNIT_FIELDS = ("code", "variety", "owner_id", "region_code", "address", "registration_no", "manufacturer",
               "installer", "model", "commissioned_on", "last_inspection_on", "safety_grade", "params")


def _params(text: str) -> dict[str, Any]:
    """技术参数 typed one per line as ``name=value`` (the rules check and type them per category)."""
    out: dict[str, Any] = {}
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip():
            out[name.strip()] = value.strip()
    return out


def _param_hints(lang: str) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """Per category, the parameters it needs: (key, what the key stands for in ``lang``, [(name, label)]) — the
    template shows each name as code and translates the labels."""
    kinds = rules.PARAM_KINDS_EN if lang == "en" else rules.PARAM_KINDS
    return [(kind, kinds[kind], [(name, label) for name, label, _ in fields]) for kind, fields in rules.PARAMS.items()]


# the registration file's optional columns (besides service.IMPORT_COLUMNS); 参数.名称 is one column per parameter
OPTIONAL_COLUMNS = ("使用登记证编号", "投入使用日期", "上次检验日期", "维保单位统一社会信用代码", "参数.名称")


def _new_form(request: Request, session: SessionDep, actor: Actor, *, errors: dict[str, str] | None = None,
              values: dict[str, str] | None = None, status: int = 200) -> Response:
    from sqlalchemy import select

    from zhijian.catalog.models import Organization

    owners = [(str(i), n) for i, n in session.execute(select(Organization.id, Organization.name).where(
        Organization.kind == "enterprise").order_by(Organization.name).limit(500))] if actor.role != "enterprise" \
        else [(str(actor.organization_id), service.organization_names(
            session, {actor.organization_id or 0}).get(actor.organization_id or 0, ""))]
    return render(request, "equipment/unit_new.html", {
        "errors": errors or {}, "values": values or {}, "owners": owners, "param_hints": _param_hints(locale_of(request)),
        "varieties": sorted(rules.VARIETIES.items()), "import_columns": service.IMPORT_COLUMNS,
        "optional_columns": OPTIONAL_COLUMNS}, status_code=status, actor=actor)


@router.get("/console/equipment/units/new", response_class=HTMLResponse)
def unit_new(request: Request, session: SessionDep) -> Response:
    """使用登记 form — the regulator (its division) or the owner (its own units)."""
    return _new_form(request, session, console_actor(request, session, "regulator", "enterprise"))


@router.post("/console/equipment/units")
async def unit_create(request: Request, session: SessionDep) -> Response:
    actor, form = await console_form(request, session, "regulator", "enterprise")
    values = {k: str(form.get(k) or "").strip() for k in UNIT_FIELDS}
    lang = locale_of(request)
    extra: dict[str, Any] = {"params": _params(values["params"])}
    if actor.role == "enterprise":
        extra["owner_id"] = actor.organization_id
    data, errors = bind_form(form, UnitIn, lang=lang, fields=[f for f in UNIT_FIELDS if f != "params"],
                             extra=extra)
    status = 422
    if data is not None:
        try:
            with session.begin_nested():
                unit = service.register_unit(session, actor, data)
        except DomainError as err:
            errors, status = domain_field_errors(err, lang, UNIT_FIELDS), err.status
    if errors:
        return _new_form(request, session, actor, errors=errors, values=values, status=status)
    return RedirectResponse(f"/console/equipment/units/{unit.code}?done=registered", status_code=303)


# reasons the service itself writes into the status history (registration, an inspection's verdict), shown in the
# page's language; a reason a person typed is shown as typed
_SYSTEM_REASONS = (re.compile(r"^(检验不合格|复检合格)（报告 (.+)）$"), re.compile(r"^(使用登记|使用登记（批量导入）)$"))


def status_reason(text: str | None, lang: str) -> str:
    from zhijian.platform.i18n import gettext_for

    _ = gettext_for(lang)
    if m := _SYSTEM_REASONS[0].match(text or ""):
        return str(_(m.group(1) + "（报告 {no}）", no=m.group(2)))
    if m := _SYSTEM_REASONS[1].match(text or ""):
        return str(_(m.group(1)))
    return text or ""


def _unit_page(request: Request, session: SessionDep, actor: Actor, code: str, *,
               errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
               status: int = 200) -> Response:
    unit = service.get_unit(session, actor, code)
    due = service.explain_due(session, actor, code)
    manager = actor.role in ("regulator", "admin") or (actor.role == "enterprise" and actor.owns(unit.owner_id))
    names = service.organization_names(session, {unit.owner_id, unit.maintainer_id or 0})
    return render(request, "equipment/unit.html", {
        "u": unit, "due": due, "names": names, "inspections": service.inspections(session, actor, code),
        "maintenance": service.maintenance_records(session, actor, code, limit=50),
        "history": service.status_history(session, actor, code), "statuses": rules.STATUSES,
        "reason_of": lambda text: status_reason(text, locale_of(request)),
        "varieties": rules.VARIETIES, "conclusions": rules.CONCLUSIONS, "kinds": rules.MAINTENANCE_KINDS,
        "due_source": Markup('<span lang="zh-CN">{}</span>').format(due.due.source) if due.due.source else None,
        "due_zh": rules.DUE_STATE_EN if locale_of(request) == "en" else rules.DUE_STATE_ZH,
        "targets": [(t, rules.STATUSES[t]) for t in sorted(rules.TRANSITIONS[unit.status])] if manager else [],
        "errors": errors or {}, "values": values or {},
        "notice": {"registered": "设备已登记", "status": "设备状态已变更"}.get(request.query_params.get("done", ""), ""),
        "audit": audit_history(session, "equipment_unit", unit.id)}, status_code=status, actor=actor)


@router.get("/console/equipment/units/{code}", response_class=HTMLResponse)
def unit_page(request: Request, session: SessionDep, code: str) -> Response:
    """A unit's record in the console: who reads the unit (regulator, institute, owner, its company) sees it."""
    return _unit_page(request, session, console_actor(request, session, *ROLES), code)


@router.post("/console/equipment/units/{code}/status")
async def unit_status(request: Request, session: SessionDep, code: str) -> Response:
    """停用 / 启用 / 报废 / 注销 with the reason and the document (the same call as the API's)."""
    actor, form = await console_form(request, session, "regulator", "enterprise")
    fields = ("status", "reason", "document")
    values = {k: str(form.get(k) or "").strip() for k in fields}
    lang = locale_of(request)
    data, errors = bind_form(form, StatusIn, lang=lang, fields=fields)
    status = 422
    if data is not None and not data.status:
        errors = {"status": "this field is required" if lang == "en" else "此项必填"}
    elif data is not None:
        try:
            with session.begin_nested():
                service.change_status(session, actor, code, data)
        except DomainError as err:
            errors, status = domain_field_errors(err, lang, fields), err.status
            if err.code.endswith("invalid_transition"):
                errors = {"status": err.message_en if lang == "en" else err.message_zh}
    if errors:
        return _unit_page(request, session, actor, code, errors=errors, values=values, status=status)
    return RedirectResponse(f"/console/equipment/units/{code.strip().upper()}?done=status", status_code=303)


async def run_import(request: Request, session: SessionDep, form: Any, columns: tuple[str, ...],
                     store: Any) -> tuple[int, dict[str, str], int]:
    """An uploaded CSV / Excel file through ``platform.tabular`` into ``store(rows) -> count``, all or nothing (in a
    savepoint): (count, {}, 200), or (0, {"file": the error naming row and column}, its status)."""
    from zhijian.platform.tabular import read_rows

    upload = form.get("file")
    lang = locale_of(request)
    try:
        if upload is None or isinstance(upload, str) or not upload.filename:
            raise DomainError("import.no_file", "请选择文件", "choose a file", field="file")
        with session.begin_nested():
            count = int(store(read_rows(await upload.read(), upload.filename, required=columns)))
    except DomainError as err:
        return 0, {"file": err.message_en if lang == "en" else err.message_zh}, err.status
    return count, {}, 200


@router.post("/console/equipment/units/import")
async def unit_import(request: Request, session: SessionDep) -> Response:
    """批量导入使用登记 (the same call as POST /api/v1/equipment/units/import): every row checked first, errors by
    row and column, nothing stored unless all rows are good."""
    actor, form = await console_form(request, session, "regulator", "enterprise")
    count, errors, status = await run_import(request, session, form, service.IMPORT_COLUMNS,
                                             lambda rows: service.import_registry(session, actor, rows))
    if errors:
        return _new_form(request, session, actor, errors=errors, status=status)
    return RedirectResponse(f"/console/equipment?done=imported&n={count}", status_code=303)
