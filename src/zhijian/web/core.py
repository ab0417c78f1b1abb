"""What every room's pages.py uses: render a template in the request's language, CSRF, console nav.

- `render(request, "room/page.html", {...})` — templates live in `<room>/templates/<room>/`, extend
  `web/base.html` (portal) or `web/console.html` (console) and use `_("中文")` for every string.
  Shared macros (lists, filters, paging, forms, confirmations, audit history) are in `web/macros.html`.
- Forms: include `{{ csrf_field() }}`; handlers call `check_csrf(request, form)` before any write.
- Console pages: `actor = console_actor(request, session, "regulator", ...)` (a visitor gets the login page, a
  wrong role the 403 page). `login_redirect(request)` sends anonymous visitors to /login.
- Errors: a `DomainError` a page handler raises becomes the error page (status, message in the visitor's language,
  the field), the transaction rolled back; no `try/except` needed. `install_error_pages(app)` registers it app-wide
  (`create_app` calls it; an API client asking for JSON still gets problem+json); `page_router()` makes a pages router.
- A room adds console menu entries with `nav_item("/console/spotcheck", "抽查计划", roles=(...))` at import,
  and public menu entries with `portal_link("/complaints/new", "投诉举报", order=40)`.
- A record page shows its audit trail with `m.audit_panel(audit_history(session, "product", id))`.
- Other rooms' data is read through `zhijian.platform.rooms.call(session, "risk", "recall_records", ...)`: an absent room
  or function, or a failing one, yields the default ("no data") instead of breaking the page.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, pass_context, select_autoescape
from markupsafe import Markup
from sqlalchemy.orm import Session

from zhijian.platform.auth import Actor, csrf_token_for
from zhijian.platform.errors import DomainError, EarlyResponse
from zhijian.platform.i18n import LOCALES, gettext_for, negotiate
from zhijian.platform.rooms import template_dirs
from zhijian.web import terms

ALL_ROLES: tuple[str, ...] = ("admin", "regulator", "association", "inspector", "enterprise")
ROLE_LABELS = {"admin": "系统管理员", "regulator": "监管部门", "association": "协会", "inspector": "检验机构",
               "enterprise": "企业用户", "public": "公众"}


@dataclass(frozen=True)
class NavItem:
    href: str
    label: str  # zh-CN source string, translated at render time
    roles: tuple[str, ...]
    order: int = 50


NAV: list[NavItem] = []
PORTAL_NAV: list[NavItem] = []


def nav_item(href: str, label: str, roles: tuple[str, ...] = ALL_ROLES, order: int = 50) -> None:
    """Add a console menu entry (idempotent: importing pages.py twice adds it once)."""
    if not any(n.href == href for n in NAV):
        NAV.append(NavItem(href, label, roles, order))
        NAV.sort(key=lambda n: n.order)


def portal_link(href: str, label: str, order: int = 50) -> None:
    """Add a public (portal) menu entry, shown to everyone."""
    if not any(n.href == href for n in PORTAL_NAV):
        PORTAL_NAV.append(NavItem(href, label, ("public", *ALL_ROLES), order))
        PORTAL_NAV.sort(key=lambda n: n.order)


_SERVES: weakref.WeakKeyDictionary[Any, dict[str, bool]] = weakref.WeakKeyDictionary()


def serves(request: Request, path: str) -> bool:
    """Whether some route answers GET `path` (cached per app): menu entries of absent rooms are hidden."""
    from starlette.routing import Match

    cache = _SERVES.setdefault(request.app, {})
    if path not in cache:
        scope = {"type": "http", "method": "GET", "path": path, "root_path": "", "query_string": b"",
                 "headers": []}
        cache[path] = any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes)
    return cache[path]


def nav_for(actor: Actor | None) -> list[NavItem]:
    if actor is None or actor.is_public:
        return []
    return [n for n in NAV if actor.role in n.roles or actor.role == "admin"]


# ---------------------------------------------------------------- templates


def _fmt_date(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dt.datetime):
        moment: dt.datetime = value
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt.timezone(dt.timedelta(hours=8)))  # shown in China Standard Time
        return moment.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@pass_context
def _term(ctx: Any, value: object, kind: str = "") -> str:
    """`{{ code|term("alert") }}`: an enum code as its term in the page's language (web.terms)."""
    return str(ctx["_"](terms.term(value, kind))) if "_" in ctx else terms.term(value, kind)


@pass_context
def _tr(ctx: Any, text: object) -> str:
    """`{{ labels|map("tr")|join("、") }}`: each stored term through the catalogue (free text stays as it is)."""
    return str(ctx["_"](str(text))) if "_" in ctx and text is not None else ("" if text is None else str(text))


@pass_context
def _who(ctx: Any, label: object) -> str:
    return terms.who(label, ctx.get("_") or (lambda s, **kw: s.format(**kw) if kw else s))


@pass_context
def _note(ctx: Any, text: object) -> str:
    return terms.note(text, ctx.get("_") or (lambda s, **kw: s.format(**kw) if kw else s))


_env: Environment | None = None


def env() -> Environment:
    global _env
    if _env is None:
        _env = Environment(loader=ChoiceLoader([FileSystemLoader(d) for d in template_dirs()]),
                           autoescape=select_autoescape(["html", "xml"]), trim_blocks=True, lstrip_blocks=True)
        _env.filters["date"] = _fmt_date
        _env.filters["term"] = _term
        _env.filters["who"] = _who
        _env.filters["note"] = _note
        _env.filters["tr"] = _tr
    return _env


def locale_of(request: Request) -> str:
    return negotiate(request.query_params.get("lang"), request.cookies.get("zj_lang"),
                     request.headers.get("accept-language"))


def query_url(request: Request, **changes: Any) -> str:
    """The current URL with some query parameters changed (None removes one); used by sort and paging links."""
    params = {k: v for k, v in request.query_params.items() if k not in ("lang", "elder")}
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    qs = urlencode(params)
    return request.url.path + (f"?{qs}" if qs else "")


def csrf_token(request: Request) -> str:
    """Double-submit token bound to the session cookie (or a per-browser cookie when anonymous)."""
    basis = (request.cookies.get("zj_session") or request.cookies.get("zj_anon")
             or getattr(request.state, "zj_anon", None) or "")
    return csrf_token_for(request.app.state.settings.secret_key, basis)  # also the API's X-CSRF-Token


def check_csrf(request: Request, form: Any) -> None:
    sent = str(form.get("csrf_token", "")) if form is not None else ""
    if not sent or not hmac.compare_digest(sent, csrf_token(request)):
        raise DomainError("request.csrf", "表单已过期，请刷新页面后重试", "form expired (CSRF check failed); reload and retry",
                          status=403)


_NAMES: dict[tuple[int, int], tuple[str, float]] = {}
NAME_TTL = 60.0  # seconds a display name is cached: a renamed user sees the new name within a minute


def display_name(request: Request, actor: Actor | None) -> str:
    """The header's name for the logged-in user: 用户.display_name (the login name when it has none)."""
    if actor is None or actor.is_public or actor.user_id is None:
        return ""
    key = (id(request.app), actor.user_id)
    hit = _NAMES.get(key)
    now = time.monotonic()
    if hit is None or hit[1] < now:
        from zhijian.platform.models import User

        try:
            with request.app.state.db.session(write=False) as s:
                user: User | None = s.get(User, actor.user_id)
                name = (user.display_name if user is not None else "") or actor.username
        except Exception:  # the header must never break a page
            name = actor.username
        if len(_NAMES) > 10_000:
            _NAMES.clear()
        _NAMES[key] = hit = (name, now + NAME_TTL)
    return hit[0]


def elder_mode(request: Request) -> bool:
    """适老化 mode: ?elder=1 / ?elder=0 switches it (and sets the zj_elder cookie), else the cookie decides."""
    chosen = request.query_params.get("elder")
    if chosen in ("0", "1"):
        return chosen == "1"
    return request.cookies.get("zj_elder") == "1"


def render(request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200,
           actor: Actor | None = None) -> HTMLResponse:
    new_anon = None
    if not request.cookies.get("zj_anon") and not request.cookies.get("zj_session"):
        new_anon = getattr(request.state, "zj_anon", None) or secrets.token_urlsafe(16)
        request.state.zj_anon = new_anon
    loc = locale_of(request)
    _ = gettext_for(loc)
    actor = actor or getattr(request.state, "actor", None)
    ctx = {
        "request": request, "_": _, "lang": loc, "actor": actor,
        "nav": nav_for(actor), "portal_nav": [n for n in PORTAL_NAV if serves(request, n.href.split("?")[0])],
        "role_label": _(ROLE_LABELS.get(actor.role, actor.role)) if actor is not None else "",
        "csrf_field": lambda: Markup(f'<input type="hidden" name="csrf_token" value="{csrf_token(request)}">'),
        "csrf_token": csrf_token(request), "path": request.url.path,
        "url_with": lambda **kw: query_url(request, **kw),
    }
    other = "en" if loc == "zh_CN" else "zh_CN"
    params = {k: v for k, v in request.query_params.items() if k not in ("lang", "elder")}
    params["lang"] = other
    ctx["lang_url"] = request.url.path + "?" + urlencode(params)
    ctx["other_lang"] = other
    elder = elder_mode(request)
    ctx["elder"] = elder
    ctx["elder_url"] = query_url(request, elder="0" if elder else "1")
    ctx["display_name"] = display_name(request, actor)
    settings = request.app.state.settings
    ctx["site"] = {"sponsor": getattr(settings, "site_sponsor", ""), "icp": getattr(settings, "site_icp", ""),
                   "gov_code": getattr(settings, "site_gov_code", "")}
    ctx.update(context or {})
    html = env().get_template(template).render(ctx)
    resp = HTMLResponse(html, status_code=status_code)
    secure = request.app.state.settings.cookie_secure
    if new_anon:
        resp.set_cookie("zj_anon", new_anon, httponly=True, samesite="lax", secure=secure)
    chosen = request.query_params.get("lang")
    if chosen in LOCALES and chosen != request.cookies.get("zj_lang"):
        resp.set_cookie("zj_lang", chosen, max_age=365 * 24 * 3600, samesite="lax", secure=secure)
    elder_chosen = request.query_params.get("elder")
    if elder_chosen in ("0", "1") and elder_chosen != request.cookies.get("zj_elder"):
        resp.set_cookie("zj_elder", elder_chosen, max_age=365 * 24 * 3600, samesite="lax", secure=secure)
    return resp


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)


def error_page(request: Request, err: DomainError, actor: Actor | None = None) -> HTMLResponse:
    """An HTML page for a domain error (404, 403, 409 ...) in the visitor's language: the console's layout when
    `actor` is a logged-in user, else the portal's."""
    loc = locale_of(request)
    message = err.message_en if loc == "en" else err.message_zh
    if loc != "en" and err.code.endswith(".not_found") and message == f"未找到{err.extra.get('entity')}：{err.extra.get('key')}":
        message = terms.not_found_zh(str(err.extra["entity"]), str(err.extra["key"]))  # not "未找到complaint"
    template = "web/console_error.html" if (actor and not actor.is_public) else "web/error.html"
    return render(request, template, {"status": err.status, "message": message, "code": err.code,
                                      "field": err.field or ""}, status_code=err.status, actor=actor)


def wants_page(request: Request) -> bool:
    """Whether a `DomainError` of this request is answered with the HTML error page rather than problem+json:
    never under /api/ or /epcis; a browser (Accept: text/html) always; otherwise a request to a page route (an
    endpoint in some room's pages module — `zhijian.<room>.pages`, a module of a `pages` package, or a `*_pages`
    module) unless the client asks for JSON (the GS1 resolver's API clients)."""
    if request.url.path.startswith(("/api/", "/epcis")):
        return False
    accept = request.headers.get("accept", "")
    if "text/html" in accept:
        return True
    if "json" in accept:
        return False
    module = str(getattr(getattr(request.scope.get("route"), "endpoint", None), "__module__", ""))
    return is_pages_module(module)


def is_pages_module(module: str) -> bool:
    """Whether `module` holds page routes: `zhijian.<…>.pages`, `zhijian.<…>.pages.<workflow>` (a room whose pages
    grew into a package, issue #17) or `zhijian.<…>.<name>_pages`."""
    parts = module.split(".")
    if parts[0] != "zhijian" or len(parts) < 3:
        return False
    return parts[-1] == "pages" or parts[-1].endswith("_pages") or (len(parts) > 3 and parts[-2] == "pages")


def page_error(request: Request, err: DomainError) -> HTMLResponse:
    """The error page of a page request: under /console the console's layout for a logged-in user, elsewhere the
    portal's (a portal page stays a portal page when its visitor happens to be logged in)."""
    actor: Actor | None = getattr(request.state, "actor", None)
    console = actor is not None and not actor.is_public and request.url.path.startswith("/console")
    return error_page(request, err, actor if console else None)


def page_router(**kwargs: Any) -> APIRouter:
    """A room's pages router (not in the OpenAPI schema). Its handlers' `DomainError`s become the error page through
    the app-wide handler (`install_error_pages`, installed by `create_app`); the exception passes through the
    request's unit of work, which therefore rolls back."""
    kwargs.setdefault("include_in_schema", False)
    return APIRouter(**kwargs)


def install_error_pages(app: FastAPI) -> None:
    """Answer every page request's `DomainError` app-wide with the error page, the app's own handler
    (problem+json) for everything else. Call before the app serves its first request."""
    previous: Callable[[Request, Exception], Awaitable[Response] | Response] | None = (
        app.exception_handlers.get(DomainError))

    async def domain_error(request: Request, exc: Exception) -> Response:
        if isinstance(exc, DomainError) and wants_page(request):
            return await run_in_threadpool(page_error, request, exc)
        if previous is None:
            raise exc
        answer = previous(request, exc)
        return await answer if isinstance(answer, Awaitable) else answer

    app.add_exception_handler(DomainError, domain_error)


def console_actor(request: Request, session: Session, *roles: str) -> Actor:
    """The logged-in actor of a console page; a visitor gets the login page and a wrong role a 403 page
    (raised as `EarlyResponse`, which the app sends as it is)."""
    actor: Actor = session.info["actor"]
    if actor.is_public:
        raise EarlyResponse(login_redirect(request))
    if roles and actor.role != "admin" and actor.role not in roles:
        err = DomainError("auth.forbidden", f"角色「{actor.role}」无权访问此页面",
                          f"role '{actor.role}' may not open this page", status=403)
        raise EarlyResponse(error_page(request, err, actor))
    return actor


async def console_form(request: Request, session: Session, *roles: str) -> tuple[Actor, Any]:
    """A console POST's actor and its form, the CSRF token checked: the first line of every console form handler."""
    actor = console_actor(request, session, *roles)
    form = await request.form()
    check_csrf(request, form)
    return actor, form


def audit_history(session: Session, entity: str, entity_id: object) -> list[dict[str, Any]]:
    """A record's audit trail shaped for the `audit_panel` macro (oldest first, changed fields only)."""
    from zhijian.platform import audit
    from zhijian.web.rules import audit_changes

    return [{"seq": r.seq, "at": r.at, "actor": r.actor, "action": r.action,
             "changes": audit_changes(r.before, r.after)} for r in audit.history(session, entity, entity_id)]


