"""The page pattern of every 协会 sub-room: a page shows what its service reads (a DomainError becomes the error page
in the visitor's language), and each step of a workflow is one form posted to ``…/{action}`` whose handler calls the
service and redirects (post/redirect/get). Each sub-room's pages module then only says which fields go where."""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from zhijian.association.common.forms import Fields
from zhijian.association.common.service import is_secretariat
from zhijian.platform.auth import Actor
from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError
from zhijian.web.core import console_form, error_page, render

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

__all__ = ["Step", "console_step", "form_route", "invalid_as", "invalid_number", "is_secretariat", "keyed", "no_such_action", "run_step",
           "show"]

K = TypeVar("K")
# One step: (session, actor, the form, the key in the URL) → where to go next (None: the form's page), maybe async.
Step = Callable[[Session, Actor, Fields, K], str | None | Awaitable[str | None]]


def keyed(work: Callable[[Session, Actor, K], object]) -> Step[K]:
    """A step that needs no field: the service function applied to the record named in the URL."""

    def step(session: Session, actor: Actor, _: Fields, key: K) -> None:
        work(session, actor, key)

    return step



def marked(text: str) -> Markup | str:
    """Free text typed in Chinese (names with their roles, …) marked as such, for an English page and screen
    readers (issue #21 finding 8); text without Han characters as it is."""
    if text and _HAN.search(text):
        return Markup('<span lang="zh-CN">{}</span>').format(text)
    return text


def no_such_action() -> DomainError:
    return DomainError("request.not_found", "没有这个操作", "no such action", status=404)


def invalid_number(action: str) -> DomainError:
    """What a number field that is not one answers (the step's name as the field)."""
    return DomainError("validation.invalid", "数值无效", "invalid number", field=action)


def invalid_as(code: str, zh: str, en: str, field: str) -> Callable[[str], DomainError]:
    """`invalid=` for a form whose number fields are known (年度, 分值 …): the message and the field it names, in
    place of `invalid_number`'s generic one."""
    return lambda _action: DomainError(code, zh, en, field=field)


def show(request: Request, template: str, read: Callable[[], dict[str, Any]], actor: Actor | None = None) -> Response:
    """The page ``template`` with what ``read`` returns, or the error page of the DomainError it raised."""
    try:
        ctx = read()
    except DomainError as err:
        return error_page(request, err, actor)
    return render(request, template, {"marked": marked, **ctx}, actor=actor)


async def run_step(request: Request, session: Session, actor: Actor, form: Any, step: Step[K] | None, key: K,
                   target: str, *, invalid: Callable[[str], DomainError] | None = invalid_number,
                   action: str = "") -> Response:
    """Run one step (``None``: no such step, 404) and redirect to where it says, else to ``target``; a DomainError
    becomes the error page, and so does a ValueError (a number field with letters) when ``invalid`` names it."""
    try:
        if step is None:
            raise no_such_action()
        result = step(session, actor, Fields(form), key)
        if inspect.isawaitable(result):
            result = await result
    except DomainError as err:
        return error_page(request, err, actor)
    except ValueError as exc:
        if invalid is None or hasattr(exc, "message_zh"):  # a room's own error (stats): the platform renders it
            raise
        return error_page(request, invalid(action), actor)
    return RedirectResponse(result or target, status_code=303)


async def console_step(request: Request, session: Session, roles: tuple[str, ...], step: Step[K] | None, key: K,
                       target: str, *, action: str = "",
                       invalid: Callable[[str], DomainError] | None = invalid_number) -> Response:
    """A console form (``step`` is the one posted to ``…/{action}``, None when there is no such step): the roles
    and the CSRF token checked, then `run_step`."""
    actor, form = await console_form(request, session, *roles)
    return await run_step(request, session, actor, form, step, key, target, invalid=invalid, action=action)


def form_route(router: APIRouter, path: str, name: str, step: Step[None], *,
               invalid: Callable[[str], DomainError] | None = invalid_number) -> None:
    """POST ``path``: a page's own console form (the 协会 roles), `console_step` back to ``path``; the handler
    named ``name``, as a hand-written one would be."""

    async def endpoint(request: Request, session: SessionDep) -> Response:
        return await console_step(request, session, ("association",), step, None, path, invalid=invalid)

    endpoint.__name__ = endpoint.__qualname__ = name
    router.post(path)(endpoint)
