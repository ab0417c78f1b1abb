"""Console 用户管理 (user administration, admins only; issue 13): every user with its role, organization, state,
second factor and whether it must change its password, and the administrator's four acts on one — reset the
password to a temporary one (shown once), remove the second factor, deactivate, reactivate. The services are
`zhijian.platform.identity` (`credentials.reset_to_temporary`, `credentials.remove_second_factor`,
`service.deactivate_user` — never the last active admin — and `service.reactivate_user`).

Every act is a console form (CSRF checked); the three that cannot be undone by the page itself are confirmed in
the browser (site.js) or on `web/confirm.html`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from zhijian.platform.auth import Actor
from zhijian.platform.crud import get_or_404
from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import NotFound
from zhijian.platform.i18n import gettext_for
from zhijian.platform.identity import credentials
from zhijian.platform.identity import service as identity
from zhijian.platform.identity.models import User
from zhijian.web.core import ROLE_LABELS, console_actor, console_form, locale_of, nav_item, page_router, render
from zhijian.web.listing import numbered_page, page_rows

router = page_router()

nav_item("/console/users", "用户管理", roles=("admin",), order=97)

USER_SORTS = {"username": User.username, "role": User.role, "active": User.is_active, "id": User.id}


@dataclass(frozen=True)
class Act:
    """One administrator's act on a user: the service call and, for the irreversible ones, the confirmation."""

    run: Callable[[Session, Actor, int], object]
    title: str = ""  # 确认页标题; "" = no confirmation (reactivating undoes nothing)
    message: str = ""  # with {name}
    button: str = ""


def _reset(session: Session, actor: Actor, user_id: int) -> str:
    """The reset's temporary password (the page shows it once)."""
    return credentials.reset_to_temporary(session, actor, user_id)[1]


ACTS: dict[str, Act] = {
    "password": Act(_reset, "重置密码",
                    "确定重置用户「{name}」的密码吗？其全部会话和 API 令牌将注销，下次登录时须设置新密码。", "确认重置"),
    "mfa": Act(credentials.remove_second_factor, "取消双因素认证",
               "确定取消用户「{name}」的双因素认证吗？其登录将只需密码，直至重新启用。", "确认取消"),
    "deactivate": Act(identity.deactivate_user, "停用用户",
                      "确定停用用户「{name}」吗？其会话和 API 令牌立即失效。", "确认停用"),
    "reactivate": Act(identity.reactivate_user),
}


def _list(request: Request, session: Session, actor: Actor, *, q: str = "", role: str = "", sort: str = "username",
          page: str = "", size: str = "", **ctx: Any) -> Response:
    listed, sort = numbered_page(session, identity.users_query(actor, q=q or None, role=role or None), USER_SORTS,
                                 User.id, sort=sort, default_sort="username", page=page, size=size)
    rows = identity.describe_users(session, actor, listed.items)
    return render(request, "console/users.html", {
        "page": page_rows(listed, lambda u: rows[u.id]), "sort": sort, "roles": ROLE_LABELS, "acts": ACTS,
        "done": request.query_params.get("done", ""), "temporary": None,
        "filters": [{"name": "q", "label": "关键词", "value": q},
                    {"name": "role", "label": "角色", "type": "select", "options": list(ROLE_LABELS.items()),
                     "value": role}], **ctx}, actor=actor)


@router.get("/console/users", response_class=HTMLResponse)
def users(request: Request, session: SessionDep, q: str = "", role: str = "", sort: str = "username",
          page: str = "", size: str = "") -> Response:
    actor = console_actor(request, session, "admin")
    return _list(request, session, actor, q=q, role=role, sort=sort, page=page, size=size)


@router.post("/console/users/{user_id:int}/{act}")
async def user_act(request: Request, session: SessionDep, user_id: int, act: str) -> Response:
    """One act on a user; a reset answers the list with the temporary password, shown this once."""
    actor, form = await console_form(request, session, "admin")
    what = ACTS.get(act)
    if what is None:
        raise NotFound("user_action", act)
    user = get_or_404(session, User, user_id, "user")
    if what.title and form.get("confirmed") != "1":
        _ = gettext_for(locale_of(request))
        return render(request, "web/confirm.html", {
            "title": _(what.title), "message": _(what.message, name=user.username),
            "action": f"/console/users/{user_id}/{act}", "back": "/console/users", "button": _(what.button)},
            actor=actor)
    result = what.run(session, actor, user_id)
    if act == "password":
        return _list(request, session, actor, temporary={"username": user.username, "password": str(result)})
    return RedirectResponse(f"/console/users?done={act}", status_code=303)
