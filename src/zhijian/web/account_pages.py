"""Console 账户与安全 (account and security): change one's password and switch the TOTP second factor on or off
(issue 13). Calls `zhijian.platform.identity.credentials` and `zhijian.platform.mfa`; the login's second step is
in `web/pages.py`.

A user whose password an administrator reset is anonymous to every other console page until it has chosen a new
one (the platform refuses its session: `auth.password_change_required`); this page alone accepts that session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from zhijian.platform import mfa
from zhijian.platform.auth import Actor, actor_for, token_user
from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError, EarlyResponse
from zhijian.platform.identity import credentials
from zhijian.platform.identity.models import User
from zhijian.web.core import check_csrf, console_form, locale_of, login_redirect, nav_item, page_router, render
from zhijian.web.forms import bind_form, domain_field_errors

router = page_router()

nav_item("/console/account", "账户与安全", order=98)

PASSWORD_FIELDS = ("current_password", "new_password")
MFA_FIELDS = ("otp", "password")
F = TypeVar("F", bound=BaseModel)


Password = Annotated[str, Field(min_length=1, max_length=1024)]
Otp = Annotated[str, Field(min_length=1, max_length=64)]


class PasswordForm(BaseModel):
    current_password: Password
    new_password: Password


class OtpForm(BaseModel):
    otp: Otp


class DisableForm(BaseModel):
    password: Password
    otp: Otp


def _account_actor(request: Request, session: Session) -> tuple[Actor, User]:
    """The logged-in user, including one that must first change its password (which the platform's
    dependency treats as anonymous); a visitor gets the login page."""
    token = request.cookies.get("zj_session", "")
    try:
        _row, user = token_user(session, token) if token else (None, None)
    except DomainError:
        user = None
    if user is None:
        raise EarlyResponse(login_redirect(request))
    actor = actor_for(user)
    session.info["actor"] = actor
    request.state.actor = actor
    return actor, user


def _page(request: Request, session: Session, actor: Actor, user: User, status_code: int = 200,
          **ctx: Any) -> Response:
    context: dict[str, Any] = {
        "pending": user.must_change_password, "mfa_enabled": mfa.is_enabled(session, user.id),
        "recovery_left": mfa.remaining_recovery_codes(session, user.id),
        "last_change": credentials.last_change(session, user.id), "errors": {}, "mfa_errors": {},
        "done": request.query_params.get("done", ""),
    }
    context.update(ctx)
    return render(request, "web/account.html", context, status_code=status_code, actor=actor)


@router.get("/console/account")
def account(request: Request, session: SessionDep) -> Response:
    actor, user = _account_actor(request, session)
    return _page(request, session, actor, user)


@router.post("/console/account/password")
async def change_password(request: Request, session: SessionDep) -> Response:
    """修改密码: errors beside their field; a wrong current password counts as a failed login (and its audit
    record is committed with the page's transaction, which ends normally)."""
    actor, user = _account_actor(request, session)
    form = await request.form()
    check_csrf(request, form)
    lang = locale_of(request)
    data, errors = bind_form(form, PasswordForm, lang=lang)
    if data is not None:
        try:
            credentials.change_password(session, actor, data.current_password, data.new_password,
                                        current_token=request.cookies.get("zj_session"),
                                        throttle=request.app.state.login_throttle,
                                        client=request.client.host if request.client else "?")
        except DomainError as err:
            page = _page(request, session, actor, user, status_code=err.status,
                         errors=domain_field_errors(err, lang, PASSWORD_FIELDS))
            if "retry_after" in err.extra:
                page.headers["Retry-After"] = str(err.extra["retry_after"])
            return page
        return RedirectResponse("/console/account?done=password", status_code=303)
    return _page(request, session, actor, user, status_code=422, errors=errors)


@router.post("/console/account/mfa/enrol")
async def mfa_enrol(request: Request, session: SessionDep) -> Response:
    """启用双因素 (1/2): the secret, its otpauth:// URI and QR code, shown once on this answer."""
    actor, _form = await console_form(request, session)
    user = session.get_one(User, actor.user_id)
    enrolment = mfa.begin_enrolment(session, user)
    return _page(request, session, actor, user, enrolment=enrolment)


async def _mfa_form(request: Request, session: Session, schema: type[F],
                    act: Callable[[Actor, User, F], Response], *, error_status: int | None = None,
                    **on_error: Any) -> Response:
    """One second-factor form (confirm or disable): bind it, `act`, and show a refusal beside its field on the
    page (`error_status` fixed, else the error's own)."""
    actor, form = await console_form(request, session)
    user = session.get_one(User, actor.user_id)
    lang = locale_of(request)
    data, errors = bind_form(form, schema, lang=lang)
    if data is None:
        return _page(request, session, actor, user, status_code=422, mfa_errors=errors, **on_error)
    try:
        return act(actor, user, data)
    except DomainError as err:
        return _page(request, session, actor, user, status_code=error_status or err.status,
                     mfa_errors=domain_field_errors(err, lang, MFA_FIELDS), **on_error)


@router.post("/console/account/mfa/confirm")
async def mfa_confirm(request: Request, session: SessionDep) -> Response:
    """启用双因素 (2/2): the first valid code; the recovery codes, shown once on this answer."""

    def act(actor: Actor, user: User, data: OtpForm) -> Response:
        codes = mfa.confirm_enrolment(session, user, data.otp)
        return _page(request, session, actor, user, recovery_codes=codes)

    return await _mfa_form(request, session, OtpForm, act, error_status=422, confirming=True)


@router.post("/console/account/mfa/disable")
async def mfa_disable(request: Request, session: SessionDep) -> Response:
    """停用双因素: the password and a current (or recovery) code."""

    def act(actor: Actor, _user: User, data: DisableForm) -> Response:
        credentials.disable_second_factor(session, actor, data.password, data.otp,
                                          throttle=request.app.state.login_throttle,
                                          client=request.client.host if request.client else "?")
        return RedirectResponse("/console/account?done=mfa_off", status_code=303)

    return await _mfa_form(request, session, DisableForm, act)
