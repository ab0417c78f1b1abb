"""Enterprise standard pages (企业标准自我声明): the public list and declaration, the console list and actions,
and the declaration form with its indicator rows."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from zhijian.consumer import rules, service
from zhijian.consumer.pages.common import IND_COLS, IND_ROWS, REQ_KINDS, _domain_field_errors, _form_errors, router
from zhijian.consumer.rules.english import detail_of
from zhijian.consumer.schemas import DeclarationIn
from zhijian.platform.auth import Actor
from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError
from zhijian.web.core import console_actor, console_form, locale_of, render


@router.get("/standards/declarations", response_class=HTMLResponse)
def declarations(request: Request, session: SessionDep, overall: str = "", q: str = "",
                 cursor: str | None = None) -> Response:
    actor = session.info["actor"]
    page = service.list_declarations(session, actor, overall=overall or None, q=q or None, cursor=cursor)
    return render(request, "consumer/declarations.html", {
        "page": page, "rows": [service.declaration_dict(session, d) for d in page.items], "overall": overall, "q": q,
        "overall_zh": rules.OVERALL_ZH, "console": False})


@router.get("/standards/declarations/{decl_id}", response_class=HTMLResponse)
def declaration(decl_id: int, request: Request, session: SessionDep) -> Response:
    d = service.get_declaration(session, session.info["actor"], decl_id)
    return render(request, "consumer/declaration.html", {"d": service.declaration_dict(session, d),
                                                         "detail": lambda r: detail_of(r, locale_of(request))})


# ---------------------------------------------------------------- console: declarations and comparative tests


@router.get("/console/declarations", response_class=HTMLResponse)
def console_declarations(request: Request, session: SessionDep, overall: str = "", q: str = "",
                         cursor: str | None = None) -> Response:
    actor = console_actor(request, session, "regulator", "association", "enterprise")
    ent = actor.organization_id if actor.role == "enterprise" else None
    page = service.list_declarations(session, actor, overall=overall or None, q=q or None, enterprise_id=ent,
                                     cursor=cursor)
    return render(request, "consumer/console_declarations.html", {
        "page": page, "rows": [service.declaration_dict(session, d) for d in page.items], "overall": overall, "q": q,
        "overall_zh": rules.OVERALL_ZH, "console": True})


@router.post("/console/declarations/{decl_id}/{action}")
async def console_declaration_action(decl_id: int, action: str, request: Request, session: SessionDep) -> Response:
    actor, form = await console_form(request, session, "regulator", "association", "enterprise")
    if action == "recheck":
        service.recheck_declaration(session, actor, decl_id)
    elif action == "withdraw":
        service.withdraw_declaration(session, actor, decl_id)
    else:
        raise DomainError("request.not_found", "未知操作", "unknown action", status=404)
    return RedirectResponse("/console/declarations", status_code=303)


DECL_FIELDS = ("enterprise_id", "category_id", "code", "title", "product_id", "products_text", "declared_on",
               "indicators", "standard_id", "product_ids")


def _decl_form(request: Request, session: Any, actor: Actor, values: dict[str, Any], rows: list[dict[str, str]],
               errors: dict[str, str], status: int = 200) -> Response:
    from zhijian.catalog import service as catalog
    from zhijian.catalog.pages import category_options, enterprise_options

    ent_id = actor.organization_id if actor.role == "enterprise" else None
    products: list[tuple[int, str]] = []
    if ent_id is not None:
        page = catalog.list_products(session, actor, enterprise_id=ent_id, limit=500)
        products = [(p.id, p.name) for p in page.items]
    return render(request, "consumer/console_declaration_form.html", {
        "values": values, "rows": rows, "errors": errors, "req_kinds": REQ_KINDS,
        "cats": category_options(session, locale_of(request)), "products": products,
        "ents": enterprise_options(session) if ent_id is None else []}, status_code=status)


@router.get("/console/declarations/new", response_class=HTMLResponse)
def console_declaration_new(request: Request, session: SessionDep) -> Response:
    actor = console_actor(request, session, "regulator", "association", "enterprise")
    return _decl_form(request, session, actor, {}, [{} for _ in range(IND_ROWS)], {})


@router.post("/console/declarations/new")
async def console_declaration_create(request: Request, session: SessionDep) -> Response:
    """企业标准自我声明 — the same `service.declare_standard` as POST /api/v1/declarations."""
    actor, form = await console_form(request, session, "regulator", "association", "enterprise")
    values = {k: str(form.get(k, "")).strip() for k in DECL_FIELDS[:7]}
    if actor.role == "enterprise":
        values["enterprise_id"] = str(actor.organization_id)
    rows = [{c: str(form.get(f"ind-{i}-{c}", "")).strip() for c in IND_COLS} for i in range(IND_ROWS)]
    indicators = [{c: v for c, v in r.items() if v != "" or c in ("name", "requirement_kind")}
                  for r in rows if any(r.values())]
    data: dict[str, Any] = {k: v for k, v in values.items() if v != "" and k != "product_id"}
    data.setdefault("enterprise_id", "")
    data.setdefault("category_id", "")
    data["indicators"] = indicators
    if values["product_id"]:
        data["product_ids"] = [values["product_id"]]
    errors: dict[str, str] = {}
    try:
        decl_in = DeclarationIn.model_validate(data)
    except ValidationError as exc:
        errors = _form_errors(request, exc, DECL_FIELDS)
        # a row's error is reported against its position in `indicators`: map back to the form row
        filled = [i for i, r in enumerate(rows) if any(r.values())]
        errors = {(f"ind-{filled[int(k.split('-')[1])]}-{k.split('-')[2]}" if k.startswith("ind-") else k): v
                  for k, v in errors.items()}
        return _decl_form(request, session, actor, values, rows, errors, 422)
    try:
        decl = service.declare_standard(session, actor, decl_in)
    except DomainError as err:
        session.rollback()
        if err.status == 403:
            raise
        errs = _domain_field_errors(request, err, DECL_FIELDS)
        if "standard_id" in errs:
            errs = {"code": errs["standard_id"]}
        if "product_ids" in errs:
            errs = {"product_id": errs["product_ids"]}
        if "indicators" in errs:
            errs = {"": errs["indicators"]}
        return _decl_form(request, session, actor, values, rows, errs, err.status)
    return RedirectResponse(f"/standards/declarations/{decl.id}", status_code=303)
