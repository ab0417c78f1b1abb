"""What every room's pages.py uses: render a template in the request's language, CSRF, console nav.

- `render(request, "room/page.html", {...})` — templates live in `<room>/templates/<room>/`, extend
  `web/base.html` (portal) or `web/console.html` (console) and use `_("中文")` for every string.
- Forms: include `{{ csrf_field() }}`; handlers call `check_csrf(request, form)` before any write.
- Console pages get the actor from `page_actor(request, session)`; `require_page_login` redirects to /login.
- A room adds console menu entries with `nav_item("/console/spotcheck", "抽查计划", roles=(...))` at import.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from zhijian.platform.auth import Actor
from zhijian.platform.errors import DomainError
from zhijian.platform.i18n import gettext_for, negotiate
from zhijian.platform.rooms import template_dirs


@dataclass(frozen=True)
class NavItem:
    href: str
    label: str  # zh-CN source string, translated at render time
    roles: tuple[str, ...]
    order: int = 50


NAV: list[NavItem] = []


def nav_item(href: str, label: str, roles: tuple[str, ...] = ("admin", "regulator", "association", "inspector",
                                                              "enterprise"), order: int = 50) -> None:
    if not any(n.href == href for n in NAV):
        NAV.append(NavItem(href, label, roles, order))
        NAV.sort(key=lambda n: n.order)


_env: Environment | None = None


def env() -> Environment:
    global _env
    if _env is None:
        _env = Environment(loader=ChoiceLoader([FileSystemLoader(d) for d in template_dirs()]),
                           autoescape=select_autoescape(["html", "xml"]), trim_blocks=True, lstrip_blocks=True)
    return _env


def locale_of(request: Request) -> str:
    return negotiate(request.query_params.get("lang"), request.cookies.get("zj_lang"),
                     request.headers.get("accept-language"))


def csrf_token(request: Request) -> str:
    """Double-submit token bound to the session cookie (or a per-browser cookie when anonymous)."""
    secret = request.app.state.settings.secret_key.encode()
    basis = (request.cookies.get("zj_session") or request.cookies.get("zj_anon")
             or getattr(request.state, "zj_anon", None) or "")
    return hmac.new(secret, basis.encode(), hashlib.sha256).hexdigest()


def check_csrf(request: Request, form: Any) -> None:
    sent = str(form.get("csrf_token", "")) if form is not None else ""
    if not sent or not hmac.compare_digest(sent, csrf_token(request)):
        raise DomainError("request.csrf", "表单已过期，请刷新页面后重试", "form expired (CSRF check failed); reload and retry",
                          status=403)


def render(request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200,
           actor: Actor | None = None) -> HTMLResponse:
    new_anon = None
    if not request.cookies.get("zj_anon") and not request.cookies.get("zj_session"):
        new_anon = request.state.zj_anon = secrets.token_urlsafe(16)
    loc = locale_of(request)
    _ = gettext_for(loc)
    actor = actor or getattr(request.state, "actor", None)
    ctx = {
        "request": request, "_": _, "lang": loc, "actor": actor,
        "nav": [n for n in NAV if actor is not None and (actor.role in n.roles or actor.role == "admin")],
        "csrf_field": lambda: Markup(f'<input type="hidden" name="csrf_token" value="{csrf_token(request)}">'),
        "csrf_token": csrf_token(request), "path": request.url.path,
    }
    ctx.update(context or {})
    html = env().get_template(template).render(ctx)
    resp = HTMLResponse(html, status_code=status_code)
    if new_anon:
        resp.set_cookie("zj_anon", new_anon, httponly=True, samesite="lax",
                        secure=request.app.state.settings.cookie_secure)
    return resp


def login_redirect(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
