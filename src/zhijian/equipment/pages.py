"""特种设备 pages: the public scan page of a unit (no login) and the console's overdue / due-soon list.

Both call the same service functions as the API and the CLI.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from zhijian.equipment import rules, service
from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError
from zhijian.web.core import console_actor, error_page, nav_item, render

router = APIRouter(include_in_schema=False)
ROLES = ("regulator", "inspector", "enterprise")
nav_item("/console/equipment", "特种设备", roles=ROLES, order=35)


@router.get("/equipment/u/{code}", response_class=HTMLResponse)
def scan(request: Request, session: SessionDep, code: str) -> Response:
    """扫码查询 — registration, owner, maintenance company, inspections, status; 96333 for elevators."""
    try:
        view = service.scan_view(session, code)
    except DomainError as err:
        return error_page(request, err)
    return render(request, "equipment/scan.html", {"v": view, "due_zh": rules.DUE_STATE_ZH})


@router.get("/console/equipment", response_class=HTMLResponse)
def console_due(request: Request, session: SessionDep, state: str = "overdue", region: str = "",
                cursor: str | None = None) -> Response:
    actor = console_actor(request, session, *ROLES)
    try:
        day = service.today()
        page = service.due_list(session, actor, state=state, region=region or None, on=day, limit=100, cursor=cursor)
    except DomainError as err:
        return error_page(request, err, actor)
    return render(request, "equipment/console_due.html", {
        "page": page, "state": state, "region": region, "varieties": rules.VARIETIES, "statuses": rules.STATUSES},
        actor=actor)
