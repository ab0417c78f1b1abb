"""Public portal (home, search, product and enterprise pages, code verification), login/logout and the
console home, and the working-day calendar (`calendar_pages.py`). Catalog's console pages are in
`zhijian.catalog.pages`; the rooms add their own pages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.catalog import rules as catalog_rules
from zhijian.catalog import service as catalog
from zhijian.catalog.models import Category, Organization, Product
from zhijian.platform.auth import OtpRequired, first_factor_ticket, revoke_token
from zhijian.platform.auth import login as login_user
from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError, NotFound
from zhijian.platform.i18n import gettext_for
from zhijian.platform.pagination import Page
from zhijian.platform.rooms import call
from zhijian.web import account_pages, calendar_pages, sources, user_pages
from zhijian.web.core import check_csrf, console_actor, locale_of, page_router, portal_link, render, serves
from zhijian.web.listing import page_rows
from zhijian.web.queue import work_queue
from zhijian.web.rules import CodeError, code_to_path, current_campaign

router = page_router()
router.include_router(calendar_pages.router)  # 工作日历 (platform.deadlines)
router.include_router(account_pages.router)  # 账户与安全: password change, two-factor (issue 13)
router.include_router(user_pages.router)  # 用户管理: admins reset, remove 2FA, deactivate (issue 13)
# public pages of rooms that do not list themselves; shown only when the room serves them
portal_link("/spotchecks", "抽查结果", order=20)
portal_link("/risk/alerts", "风险预警", order=35)

CST = dt.timezone(dt.timedelta(hours=8))
SEARCH_KINDS = ("products", "enterprises", "standards", "announcements")


def cert_kinds() -> dict[str, str]:
    """Certificate kinds in Chinese (the consumer room's contract), {} when the room is absent."""
    kinds: dict[str, str] = call(None, "consumer", "cert_kinds", default={})
    return kinds


def today_cst() -> dt.date:
    """Today in China Standard Time (the campaigns and "latest" lists follow the Chinese calendar day)."""
    return dt.datetime.now(CST).date()


def category_names(session: Session, ids: set[int], lang: str) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(Category.id, Category.name, Category.name_en).where(Category.id.in_(ids))).all()
    return {r.id: (r.name_en or r.name) if lang == "en" else r.name for r in rows}


def org_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {r.id: r.name for r in session.execute(select(Organization.id, Organization.name)
                                                  .where(Organization.id.in_(ids))).all()}


@dataclass(frozen=True)
class ProductHit:
    """A product found by the search, with the names its result line shows."""

    product: Product
    category: str
    enterprise: str


def product_hits(session: Session, page: Page[Product], lang: str) -> Page[ProductHit]:
    """The search's product page, each product with its category and enterprise names."""
    cats = category_names(session, {p.category_id for p in page.items}, lang)
    orgs = org_names(session, {p.enterprise_id for p in page.items})
    return page_rows(page, lambda p: ProductHit(p, cats.get(p.category_id, ""), orgs.get(p.enterprise_id, "")))


# ---------------------------------------------------------------- home


def _route_or(request: Request, path: str) -> str | None:
    """`path` when some room serves it (a route with exactly that path), else None."""
    return path if serves(request, path) else None


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep) -> Response:
    today = today_cst()
    running, upcoming = current_campaign(today)
    sections = [
        {"id": "announcements", "room": "stable", "title": "稳定合格产品公告", "items": sources.latest_announcements(session),
         "empty": "暂无公告", "more": _route_or(request, "/stable")},
        {"id": "spotcheck", "room": "spotcheck", "title": "监督抽查结果", "items": sources.latest_spotcheck_results(session, today),
         "empty": "暂无抽查结果", "more": _route_or(request, "/spotchecks")},
        {"id": "alerts", "room": "risk", "title": "风险预警", "items": sources.latest_alerts(session), "empty": "暂无风险预警",
         "more": _route_or(request, "/risk/alerts")},
        {"id": "recalls", "room": "risk", "title": "缺陷产品召回", "items": sources.recall_items(session), "empty": "暂无召回",
         "more": _route_or(request, "/risk/recalls")},
    ]
    return render(request, "web/home.html", {
        "sections": sections, "campaign": running, "upcoming": upcoming, "today": today,
        "days_to": (upcoming.starts - today).days})


# ---------------------------------------------------------------- search


@router.get("/search", response_class=HTMLResponse)
def search(request: Request, session: SessionDep, q: str = "", type: str = "", cursor: str | None = None) -> Response:
    """全站搜索 — Chinese substring search over products, enterprises, standards and announcements."""
    actor = session.info["actor"]
    lang = locale_of(request)
    q = q.strip()[:100]
    kind = type if type in SEARCH_KINDS else ""
    limit = 20 if kind else 5
    results: dict[str, Any] = {}
    if q:  # a bad cursor from an edited URL is a DomainError: the error page (page_router)
        if kind in ("", "products"):
            page = catalog.list_products(session, actor, q=q, limit=limit, cursor=cursor if kind else None)
            results["products"] = {"page": product_hits(session, page, lang)}
        if kind in ("", "enterprises"):
            results["enterprises"] = {"page": catalog.list_organizations(
                session, actor, kind="enterprise", q=q, limit=limit, cursor=cursor if kind else None)}
        if kind in ("", "standards"):
            results["standards"] = {"page": catalog.list_standards(session, actor, q=q, limit=limit,
                                                                   cursor=cursor if kind else None)}
        if kind in ("", "announcements"):
            results["announcements"] = {"items": sources.search_announcements(session, q, limit=limit)}
    return render(request, "web/search.html", {"q": q, "kind": kind, "results": results, "kinds": SEARCH_KINDS,
                                               "region_label": catalog_rules.region_label})


# ---------------------------------------------------------------- product and enterprise pages


@router.get("/products/{product_id}", response_class=HTMLResponse)
def product_page(request: Request, session: SessionDep, product_id: int) -> Response:
    actor = session.info["actor"]
    product = catalog.get_product(session, actor, product_id)
    ent = session.get(Organization, product.enterprise_id)
    lang = locale_of(request)
    history = sources.inspection_items(session, product_id=product_id)
    return render(request, "web/product.html", {
        "p": product, "ent": ent, "region": catalog_rules.region_label(ent.region_code) if ent else "",
        "category": category_names(session, {product.category_id}, lang).get(product.category_id, ""),
        "certificates": sources.certificates(session, product_id=product_id),
        "history": history, "labs": org_names(session, {h.lab_id for h in history or [] if h.lab_id}),
        "listing": sources.listing(session, product_id),
        "recalls": sources.recall_items(session, product_id=product_id, enterprise_id=product.enterprise_id),
        "complaints": sources.justified_complaints(session, product_id=product_id),
        "can_edit": actor.is_staff or actor.owns(product.enterprise_id), "cert_kinds": cert_kinds(),
        "report_links": serves(request, "/reports/verify/R1"),
    })


@router.get("/enterprises/{org_id}", response_class=HTMLResponse)
def enterprise_page(request: Request, session: SessionDep, org_id: int, cursor: str | None = None) -> Response:
    actor = session.info["actor"]
    org = session.get(Organization, org_id)
    if org is None or org.kind != "enterprise":
        raise NotFound("enterprise", org_id)
    lang = locale_of(request)
    products = catalog.list_products(session, actor, enterprise_id=org_id, limit=20, cursor=cursor)
    history = sources.inspection_items(session, enterprise_id=org_id)
    return render(request, "web/enterprise.html", {
        "org": org, "region": catalog_rules.region_label(org.region_code), "products": products,
        "cats": category_names(session, {p.category_id for p in products.items}, lang),
        "certificates": sources.certificates(session, enterprise_id=org_id),
        "history": history[:20] if history is not None else None,
        "recalls": sources.recall_items(session, enterprise_id=org_id),
        "complaints": sources.justified_complaints(session, enterprise_id=org_id), "cert_kinds": cert_kinds(),
        "report_links": serves(request, "/reports/verify/R1"),
    })


# ---------------------------------------------------------------- code verification entry


@router.get("/verify", response_class=HTMLResponse)
def verify(request: Request, session: SessionDep, code: str | None = None) -> Response:
    """扫码验证 — type or scan a code; a readable one is forwarded to the trace room's `/01/…` answer."""
    error = None
    if code is not None:
        try:
            return RedirectResponse(code_to_path(code), status_code=303)
        except CodeError as exc:
            error = gettext_for(locale_of(request))(exc.reason)
    others = {"report": serves(request, "/reports/verify/R1"), "certificate": serves(request, "/certificates/verify"),
              "stable": serves(request, "/stable/verify")}
    return render(request, "web/verify.html", {"code": code or "", "error": error, "others": others},
                  status_code=422 if error else 200)


@router.get("/verify/report")
def verify_report(request: Request, no: str = "") -> Response:
    """检验报告真伪 — forwards a typed report number to the spot-check room's verification page."""
    no = no.strip()[:40]
    return RedirectResponse(f"/reports/verify/{quote(no, safe='')}" if no else "/verify", status_code=303)


# ---------------------------------------------------------------- login / logout


def _safe_next(nxt: str) -> str:
    return nxt if nxt.startswith("/") and not nxt.startswith("//") and "\\" not in nxt else "/console"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, session: SessionDep, next: str = "/console") -> Response:
    return render(request, "web/login.html", {"next": _safe_next(next)})


@router.post("/login")
async def login(request: Request, session: SessionDep) -> Response:
    """登录: the password, then — when the account has two-factor authentication — a second step asking for the
    one-time code, which carries a 5-minute first-factor ticket instead of the password. An account whose
    password an administrator reset is sent to the change page before anything else."""
    form = await request.form()
    check_csrf(request, form)
    nxt = _safe_next(str(form.get("next") or "/console"))
    username = str(form.get("username", ""))
    secret = request.app.state.settings.secret_key
    ticket = str(form.get("ticket", ""))
    try:
        token, _row, user = login_user(session, username, str(form.get("password", "")),
                                       request.app.state.settings.token_ttl_minutes,
                                       throttle=request.app.state.login_throttle,
                                       client=request.client.host if request.client else "?",
                                       otp=str(form.get("otp", "")).strip() or None,
                                       ticket=(secret, ticket) if ticket else None)
    except OtpRequired as err:
        return render(request, "web/login.html", {"next": nxt, "username": username, "otp_step": True,
                                                  "ticket": first_factor_ticket(secret, err.ticket_basis)})
    except DomainError as err:
        msg = err.message_en if locale_of(request) == "en" else err.message_zh
        second = bool(ticket) and err.code == "auth.bad_otp"  # a wrong code: ask again with the same ticket
        page = render(request, "web/login.html", {"next": nxt, "error": msg, "username": username,
                                                  "otp_step": second, "ticket": ticket if second else ""},
                      status_code=429 if err.status == 429 else 401)
        if "retry_after" in err.extra:
            page.headers["Retry-After"] = str(err.extra["retry_after"])
        return page
    resp = RedirectResponse("/console/account" if user.must_change_password else nxt, status_code=303)
    resp.set_cookie("zj_session", token, httponly=True, samesite="lax", secure=request.app.state.settings.cookie_secure,
                    max_age=request.app.state.settings.token_ttl_minutes * 60)
    return resp


@router.post("/logout")
async def logout(request: Request, session: SessionDep) -> Response:
    form = await request.form()
    check_csrf(request, form)
    revoke_token(session, request.cookies.get("zj_session", ""))
    resp = RedirectResponse("/", status_code=303)
    resp.delete_cookie("zj_session")
    return resp


# ---------------------------------------------------------------- console home


@router.get("/console", response_class=HTMLResponse)
def console_home(request: Request, session: SessionDep) -> Response:
    actor = console_actor(request, session)
    org = session.get(Organization, actor.organization_id) if actor.organization_id else None
    cards = sources.dashboard(session, actor, today_cst())
    return render(request, "web/console_home.html", {"cards": cards, "org": org, "queue": work_queue(actor, cards)})
