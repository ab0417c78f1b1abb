"""Portal home, login/logout and the console home (rooms add their own pages)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhijian.platform.auth import issue_token, revoke_token
from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError
from zhijian.web.core import check_csrf, login_redirect, render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep) -> Response:
    return render(request, "web/home.html", {"sections": []})


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, session: SessionDep, next: str = "/console") -> Response:
    return render(request, "web/login.html", {"next": next})


@router.post("/login")
async def login(request: Request, session: SessionDep) -> Response:
    form = await request.form()
    check_csrf(request, form)
    nxt = str(form.get("next") or "/console")
    if not nxt.startswith("/") or nxt.startswith("//"):
        nxt = "/console"
    try:
        token, row, _user = issue_token(session, str(form.get("username", "")), str(form.get("password", "")),
                                        request.app.state.settings.token_ttl_minutes)
    except DomainError as err:
        return render(request, "web/login.html", {"next": nxt, "error": err.message_zh,
                                                  "username": form.get("username")}, status_code=401)
    resp = RedirectResponse(nxt, status_code=303)
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


@router.get("/console", response_class=HTMLResponse)
def console_home(request: Request, session: SessionDep) -> Response:
    actor = session.info["actor"]
    if actor.is_public:
        return login_redirect(request)
    cards: list[dict[str, Any]] = []
    return render(request, "web/console_home.html", {"cards": cards})
