"""继续教育 console page: the courses with their sessions and a sign-up button, the user's hours this year, and
the secretariat's course form."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhijian.association.common.forms import build
from zhijian.association.common.service import today
from zhijian.association.training import service
from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError
from zhijian.web.core import console_actor, console_form, error_page, render

router = APIRouter(include_in_schema=False)
BASE = "/console/association/courses"


@router.get(BASE, response_class=HTMLResponse)
def index(request: Request, session: SessionDep) -> Response:
    actor = console_actor(request, session)
    year = today().year
    mine = service.hours_by_year(session, actor, year)["hours"] if actor.user_id is not None else 0.0
    items = [(c, service.sessions_of(session, c.id)) for c in service.courses(session)]
    return render(request, "association/courses.html", {"items": items, "year": year, "hours": mine,
                                                        "is_staff": actor.role in ("admin", "association"),
                                                        "renewal_hours": service.RENEWAL_HOURS}, actor=actor)


@router.post(BASE + "/{action}")
async def action(action: str, request: Request, session: SessionDep) -> Response:
    actor, f = await console_form(request, session)
    try:
        if action == "create":
            service.create_course(session, actor, build(service.CourseIn, code=str(f.get("code", "")),
                                                        title=str(f.get("title", "")), kind=str(f.get("kind") or "online"),
                                                        hours=str(f.get("hours", "")), material=str(f.get("material", ""))))
        elif action == "sign-up":
            sid = str(f.get("session_id") or "")
            service.sign_up(session, actor, str(f.get("code", "")), int(sid) if sid.isdigit() else None)
        else:
            raise DomainError("request.not_found", "没有这个操作", "no such action", status=404)
    except DomainError as err:
        return error_page(request, err, actor)
    return RedirectResponse(BASE, status_code=303)
