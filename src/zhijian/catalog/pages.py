"""Catalog console pages (目录: 组织机构, 产品, 标准): lists with filters, sorting, numbered pages and Excel export;
the product form bound through `zhijian.web.forms`; record pages with their audit history. Every page calls
`zhijian.catalog.service`, so the API's permission checks apply; a `DomainError` becomes the error page
(`zhijian.web.core.page_router`). The select helpers (`category_options`, `enterprise_options`) serve the other
rooms' forms too."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from zhijian.catalog import rules as catalog_rules
from zhijian.catalog import service as catalog
from zhijian.catalog.models import Category, Organization, Product, Standard
from zhijian.catalog.schemas import ProductIn, ProductPatch
from zhijian.platform.auth import Actor
from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError
from zhijian.platform.i18n import gettext_for
from zhijian.platform.pagination import Page, keyset_page
from zhijian.web.core import audit_history, console_actor, console_form, locale_of, nav_item, page_router, render
from zhijian.web.export import xlsx_response
from zhijian.web.forms import bind_form, domain_field_errors
from zhijian.web.listing import EXPORT_CAP, all_pages, numbered_page
from zhijian.web.rules import category_tree, tree_order

__all__ = ["EXPORT_CAP", "all_pages", "category_options", "category_picker", "enterprise_options", "history_rows",
           "router"]

router = page_router()

STAFF = ("admin", "regulator", "association")
READERS = (*STAFF, "enterprise", "inspector")  # who opens products and standards
nav_item("/console/organizations", "组织机构", roles=STAFF, order=80)
nav_item("/console/products", "产品", roles=READERS, order=81)
nav_item("/console/standards", "标准", roles=READERS, order=82)

ORG_KINDS = [("enterprise", "企业"), ("lab", "检验机构"), ("regulator", "监管部门"), ("association", "协会")]
STD_KINDS = [("GB", "强制性国家标准"), ("GB/T", "推荐性国家标准"), ("industry", "行业标准"), ("local", "地方标准"),
             ("group", "团体标准"), ("enterprise", "企业标准"), ("international", "国际标准")]
STD_STATUS = [("current", "现行"), ("upcoming", "即将实施"), ("abolished", "废止")]

ORG_SORTS = {"name": Organization.name, "kind": Organization.kind, "uscc": Organization.uscc,
             "region": Organization.region_code, "credit": Organization.credit_class, "id": Organization.id}
PRODUCT_SORTS = {"id": Product.id, "name": Product.name, "model": Product.model, "gtin": Product.gtin,
                 "created": Product.created_at}
STD_SORTS = {"code": Standard.code, "title": Standard.title, "kind": Standard.kind, "status": Standard.status,
             "effective": Standard.effective_on, "id": Standard.id}


def history_rows(session: Session, entity: str, entity_id: int) -> list[dict[str, Any]]:
    return audit_history(session, entity, entity_id)


# ---------------------------------------------------------------- select options (other rooms' forms use them)


def _category_rows(session: Session, lang: str) -> list[tuple[int, str, str]]:
    """(id, path, name in the language) of every category."""
    return [(c.id, c.path, (c.name_en or c.name) if lang == "en" else c.name)
            for c in session.scalars(select(Category).order_by(Category.path))]


def category_options(session: Session, lang: str) -> list[tuple[int, str]]:
    """Categories for a select: as a tree ("— " per level), siblings by pinyin (zh) or alphabetically (en)."""
    return [(cid, "— " * depth + name) for cid, depth, name in tree_order(_category_rows(session, lang), lang)]


def category_picker(session: Session, lang: str) -> list[dict[str, Any]]:
    """The product form's category tree (nodes with children and pinyin search terms)."""
    return category_tree(_category_rows(session, lang), lang)


def enterprise_options(session: Session) -> list[tuple[int, str]]:
    rows = session.execute(select(Organization.id, Organization.name).where(Organization.kind == "enterprise")
                           .order_by(Organization.name)).all()
    return [(r.id, r.name) for r in rows]


def _int_or_none(value: str) -> int | None:
    return int(value) if value.strip().isdigit() else None


# ---------------------------------------------------------------- organizations


def _org_stmt(session: Session, q: str, kind: str, region: str, credit_class: str) -> Select[Any]:
    """The filters of catalog.list_organizations as one statement, for a sorted, counted page (staff only)."""
    stmt: Select[Any] = select(Organization)
    if kind:
        stmt = stmt.where(Organization.kind == kind)
    if q:
        stmt = catalog.search_filter(stmt, "organization", Organization, q, session)
    if region:
        stmt = stmt.where(Organization.region_code.like(region.rstrip("0") + "%"))
    if credit_class:
        stmt = stmt.where(Organization.credit_class == credit_class)
    return stmt


def _org_export(request: Request, session: Session, actor: Actor, q: str, kind: str, region: str,
                credit_class: str) -> Response:
    """组织机构.xlsx over the list's filters, keyset page by keyset page."""
    _ = gettext_for(locale_of(request))
    kinds = dict(ORG_KINDS)

    def fetch(cur: str | None) -> Page[Organization]:
        return catalog.list_organizations(session, actor, kind=kind or None, q=q or None, region=region or None,
                                          credit_class=credit_class or None, limit=500, cursor=cur)

    rows = ([o.id, _(kinds.get(o.kind, o.kind)), o.name, o.uscc, o.region_code,
             catalog_rules.region_label(o.region_code), o.address, o.credit_class] for o in all_pages(fetch))
    return xlsx_response(_("组织机构") + ".xlsx", ["ID", _("类型"), _("名称"), _("统一社会信用代码"),
                                                  _("行政区划代码"), _("地区"), _("地址"), _("信用等级")], rows,
                         filters={_("关键词"): q, _("类型"): _(kinds.get(kind, kind)) if kind else "",
                                  _("行政区划代码"): region, _("信用等级"): credit_class},
                         lang=locale_of(request))


@router.get("/console/organizations", response_class=HTMLResponse)
def organizations(request: Request, session: SessionDep, q: str = "", kind: str = "", region: str = "",
                  credit_class: str = "", cursor: str | None = None, format: str = "", sort: str = "name",
                  page: str = "", size: str = "") -> Response:
    actor = console_actor(request, session, *STAFF)
    if format == "xlsx":
        return _org_export(request, session, actor, q, kind, region, credit_class)
    listed, sort = numbered_page(session, _org_stmt(session, q, kind, region, credit_class), ORG_SORTS,
                                 Organization.id, sort=sort, default_sort="name", page=page, size=size)
    return render(request, "catalog/console_organizations.html", {
        "page": listed, "sort": sort, "kinds": dict(ORG_KINDS), "region_label": catalog_rules.region_label,
        "filters": [
            {"name": "q", "label": "关键词", "value": q},
            {"name": "kind", "label": "类型", "type": "select", "options": ORG_KINDS, "value": kind},
            {"name": "region", "label": "行政区划代码", "value": region},
            {"name": "credit_class", "label": "信用等级", "type": "select",
             "options": [(c, c) for c in "ABCD"], "value": credit_class},
        ]})


@router.get("/console/organizations/{org_id}", response_class=HTMLResponse)
def organization_detail(request: Request, session: SessionDep, org_id: int) -> Response:
    actor = console_actor(request, session)
    org = catalog.get_organization(session, actor, org_id)
    if not actor.is_staff and not actor.owns(org_id):
        catalog.can_write_organization(actor, org)  # raises: only staff and the organization itself
    return render(request, "catalog/console_organization.html", {
        "org": org, "kinds": dict(ORG_KINDS), "region": catalog_rules.region_label(org.region_code),
        "history": history_rows(session, "organization", org_id)})


# ---------------------------------------------------------------- products


def _product_stmt(actor: Actor, q: str, category_id: int | None, enterprise_id: int | None,
                  session: Session) -> Select[Any]:
    cat_ids = catalog.category_subtree_ids(session, category_id) if category_id else None
    if actor.role == "enterprise":
        enterprise_id = actor.organization_id  # an enterprise's console lists its own products only
    return catalog.product_query(actor, q=q or None, enterprise_id=enterprise_id, category_ids=cat_ids)


def _product_export(request: Request, session: Session, stmt: Select[Any], q: str, category_id: int | None,
                    enterprise_id: int | None) -> Response:
    """产品.xlsx over the list's filters, newest first."""
    lang = locale_of(request)
    _ = gettext_for(lang)
    cats = dict(category_options(session, lang))
    ents = dict(enterprise_options(session))

    def fetch(cur: str | None) -> Page[Product]:
        return keyset_page(session, stmt, Product.id, limit=500, cursor=cur, descending=True)

    rows = ([p.id, p.name, p.brand, p.model, p.gtin, cats.get(p.category_id, "").lstrip("— "),
             ents.get(p.enterprise_id, ""), _("是") if p.is_public else _("否"), p.created_at]
            for p in all_pages(fetch))
    return xlsx_response(_("产品") + ".xlsx", ["ID", _("名称"), _("品牌"), _("型号规格"), "GTIN", _("类别"),
                                                _("企业"), _("公开"), _("登记时间")], rows,
                         filters={_("关键词"): q,
                                  _("类别"): cats.get(category_id, "").lstrip("— ") if category_id else "",
                                  _("企业"): ents.get(enterprise_id, "") if enterprise_id else ""}, lang=lang)


@router.get("/console/products", response_class=HTMLResponse)
def products(request: Request, session: SessionDep, q: str = "", category_id: str = "", enterprise_id: str = "",
             sort: str = "-id", cursor: str | None = None, format: str = "", page: str = "",
             size: str = "") -> Response:
    actor = console_actor(request, session, *READERS)
    stmt = _product_stmt(actor, q, _int_or_none(category_id), _int_or_none(enterprise_id), session)
    if format == "xlsx":
        return _product_export(request, session, stmt, q, _int_or_none(category_id), _int_or_none(enterprise_id))
    listed, sort = numbered_page(session, stmt, PRODUCT_SORTS, Product.id, sort=sort, default_sort="-id",
                                 page=page, size=size)
    cats = category_options(session, locale_of(request))
    ents = {r.id: r.name for r in session.execute(select(Organization.id, Organization.name).where(
        Organization.id.in_({p.enterprise_id for p in listed.items}))).all()} if listed.items else {}
    filters: list[dict[str, Any]] = [
        {"name": "q", "label": "关键词", "value": q},
        {"name": "category_id", "label": "类别", "type": "select", "options": cats, "value": category_id},
    ]
    if actor.role != "enterprise":
        filters.append({"name": "enterprise_id", "label": "企业", "type": "select",
                        "options": enterprise_options(session), "value": enterprise_id})
    return render(request, "catalog/console_products.html", {
        "page": listed, "filters": filters, "cats": dict(cats), "ents": ents, "sort": sort,
        "can_create": actor.is_staff or actor.role == "enterprise"})


FORM_FIELDS = ("name", "brand", "model", "category_id", "enterprise_id", "gtin", "description", "is_public")


def _product_form_values(form: Any) -> dict[str, Any]:
    """The form as typed, to show it again with its errors."""
    return {k: str(form.get(k, "")).strip() for k in FORM_FIELDS if k != "is_public"} | {
        "is_public": form.get("is_public") == "1"}


def _product_form(request: Request, session: Session, actor: Actor, values: dict[str, Any],
                  errors: dict[str, str], product: Product | None, status: int = 200) -> Response:
    return render(request, "catalog/console_product_form.html", {
        "values": values, "errors": errors, "product": product,
        "cats": category_options(session, locale_of(request)), "tree": category_picker(session, locale_of(request)),
        "ents": enterprise_options(session) if actor.role != "enterprise" else [],
    }, status_code=status)


@router.get("/console/products/new", response_class=HTMLResponse)
def product_new(request: Request, session: SessionDep) -> Response:
    actor = console_actor(request, session, *STAFF, "enterprise")
    return _product_form(request, session, actor, {"is_public": True}, {}, None)


@router.post("/console/products/new")
async def product_create(request: Request, session: SessionDep) -> Response:
    actor, form = await console_form(request, session, *STAFF, "enterprise")
    lang = locale_of(request)
    values = _product_form_values(form)
    own = {"enterprise_id": actor.organization_id} if actor.role == "enterprise" else {}
    values.update({k: str(v) for k, v in own.items()})
    data, errors = bind_form(form, ProductIn, lang=lang, blank_none=("gtin",), extra=own)
    if data is None:
        return _product_form(request, session, actor, values, errors, None, 422)
    try:
        product = catalog.create_product(session, actor, data)
    except DomainError as err:
        session.rollback()
        return _product_form(request, session, actor, values, domain_field_errors(err, lang, FORM_FIELDS), None,
                             err.status)
    return RedirectResponse(f"/console/products/{product.id}?saved=1", status_code=303)


@router.get("/console/products/{product_id}", response_class=HTMLResponse)
def product_detail(request: Request, session: SessionDep, product_id: int, saved: str = "") -> Response:
    actor = console_actor(request, session, *READERS)
    product = catalog.get_product(session, actor, product_id)
    can_write = actor.is_staff or (actor.role == "enterprise" and actor.owns(product.enterprise_id))
    ent = session.get(Organization, product.enterprise_id)
    cats = dict(category_options(session, locale_of(request)))
    return render(request, "catalog/console_product.html", {
        "p": product, "ent": ent, "category": cats.get(product.category_id, "").lstrip("— "), "saved": saved,
        "can_write": can_write,
        "history": history_rows(session, "product", product_id) if can_write or actor.is_staff else []})


@router.get("/console/products/{product_id}/edit", response_class=HTMLResponse)
def product_edit(request: Request, session: SessionDep, product_id: int) -> Response:
    actor = console_actor(request, session, *STAFF, "enterprise")
    p = catalog.get_product(session, actor, product_id)
    catalog.can_write_product(actor, p.enterprise_id)
    return _product_form(request, session, actor, {k: getattr(p, k) for k in FORM_FIELDS}, {}, p)


@router.post("/console/products/{product_id}/edit")
async def product_update(request: Request, session: SessionDep, product_id: int) -> Response:
    actor, form = await console_form(request, session, *STAFF, "enterprise")
    lang = locale_of(request)
    p = catalog.get_product(session, actor, product_id)
    values = _product_form_values(form) | {"enterprise_id": p.enterprise_id}
    patch, errors = bind_form(form, ProductPatch, lang=lang, blank_none=("gtin",))
    if patch is None:
        return _product_form(request, session, actor, values, errors, p, 422)
    try:
        catalog.update_product(session, actor, product_id, patch)
    except DomainError as err:
        session.rollback()
        p = catalog.get_product(session, actor, product_id)
        return _product_form(request, session, actor, values, domain_field_errors(err, lang, FORM_FIELDS), p,
                             err.status)
    return RedirectResponse(f"/console/products/{product_id}?saved=1", status_code=303)


@router.post("/console/products/{product_id}/delete")
async def product_delete(request: Request, session: SessionDep, product_id: int) -> Response:
    """删除产品 — irreversible: confirmed in the browser (site.js) or on a confirmation page."""
    actor, form = await console_form(request, session, *STAFF, "enterprise")
    _ = gettext_for(locale_of(request))
    p = catalog.get_product(session, actor, product_id)
    catalog.can_write_product(actor, p.enterprise_id)
    if form.get("confirmed") != "1":
        return render(request, "web/confirm.html", {
            "title": _("删除产品"), "message": _("确定删除产品「{name}」吗？此操作不可撤销。", name=p.name),
            "action": f"/console/products/{product_id}/delete", "back": f"/console/products/{product_id}",
            "button": _("确认删除")})
    catalog.delete_product(session, actor, product_id)
    return RedirectResponse("/console/products?deleted=1", status_code=303)


# ---------------------------------------------------------------- standards


def _std_stmt(session: Session, q: str, kind: str, status: str) -> Select[Any]:
    """The filters of catalog.list_standards as one statement (standards are public: no visibility rule)."""
    stmt: Select[Any] = select(Standard)
    if q:
        stmt = catalog.search_filter(stmt, "standard", Standard, q, session)
    if kind:
        stmt = stmt.where(Standard.kind == kind)
    if status:
        stmt = stmt.where(Standard.status == status)
    return stmt


def _std_export(request: Request, session: Session, actor: Actor, q: str, kind: str, status: str) -> Response:
    """标准.xlsx over the list's filters."""
    _ = gettext_for(locale_of(request))
    kinds, sts = dict(STD_KINDS), dict(STD_STATUS)

    def fetch(cur: str | None) -> Page[Standard]:
        return catalog.list_standards(session, actor, q=q or None, kind=kind or None, status=status or None,
                                      limit=500, cursor=cur)

    rows = ([s.id, s.code, s.title, _(kinds.get(s.kind, s.kind)), _(sts.get(s.status, s.status)),
             s.issued_on, s.effective_on, len(s.indicators)] for s in all_pages(fetch))
    return xlsx_response(_("标准") + ".xlsx", ["ID", _("标准号"), _("标准名称"), _("类型"), _("状态"),
                                                _("发布日期"), _("实施日期"), _("指标数")], rows,
                         filters={_("关键词"): q, _("类型"): _(kinds.get(kind, kind)) if kind else "",
                                  _("状态"): _(sts.get(status, status)) if status else ""},
                         lang=locale_of(request))


@router.get("/console/standards", response_class=HTMLResponse)
def standards(request: Request, session: SessionDep, q: str = "", kind: str = "", status: str = "",
              cursor: str | None = None, format: str = "", sort: str = "code", page: str = "",
              size: str = "") -> Response:
    actor = console_actor(request, session, *READERS)
    if format == "xlsx":
        return _std_export(request, session, actor, q, kind, status)
    listed, sort = numbered_page(session, _std_stmt(session, q, kind, status), STD_SORTS, Standard.id,
                                 sort=sort, default_sort="code", page=page, size=size)
    return render(request, "catalog/console_standards.html", {
        "page": listed, "sort": sort, "kinds": dict(STD_KINDS), "statuses": dict(STD_STATUS),
        "filters": [
            {"name": "q", "label": "关键词", "value": q},
            {"name": "kind", "label": "类型", "type": "select", "options": STD_KINDS, "value": kind},
            {"name": "status", "label": "状态", "type": "select", "options": STD_STATUS, "value": status},
        ]})


@router.get("/console/standards/{standard_id}", response_class=HTMLResponse)
def standard_detail(request: Request, session: SessionDep, standard_id: int) -> Response:
    actor = console_actor(request, session, *READERS)
    std = catalog.get_standard(session, actor, standard_id)
    return render(request, "catalog/console_standard.html", {
        "s": std, "kinds": dict(STD_KINDS), "statuses": dict(STD_STATUS),
        "history": history_rows(session, "standard", standard_id) if actor.is_staff else []})
