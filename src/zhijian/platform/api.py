"""Platform REST API: tokens, password change and reset, two-factor authentication, who am I, audit history and
chain verification, job status."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, cast

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session

from zhijian.platform import audit, rooms
from zhijian.platform.auth import Actor, OtpRequired, PasswordChangeRequired, actor_for, login, revoke_token, token_user
from zhijian.platform.deps import ActorDep, SessionDep, UserDep
from zhijian.platform.errors import DomainError, PermissionDenied, Unauthenticated
from zhijian.platform.identity import credentials
from zhijian.platform.jobs import job_status

router = APIRouter(prefix="/api/v1", tags=["platform"])


class TokenRequest(BaseModel):
    username: str
    password: str
    otp: str | None = None  # the one-time code (TOTP or a recovery code) when the account has two factors


@router.post("/auth/token")
async def token(request: Request) -> dict[str, Any]:
    """登录 — username + password (JSON or OAuth2 form) → bearer token that expires."""
    ctype = request.headers.get("content-type", "")
    try:
        if ctype.startswith("application/x-www-form-urlencoded") or ctype.startswith("multipart/"):
            form = await request.form()
            data = TokenRequest(username=str(form.get("username", "")), password=str(form.get("password", "")),
                                otp=str(form.get("otp", "")) or None)
        else:
            data = TokenRequest.model_validate(json.loads(await request.body()))
    except (ValueError, ValidationError) as exc:
        raise DomainError("auth.bad_request", "需要 username 和 password", "username and password are required",
                          status=400) from exc
    db = request.app.state.db
    failure: DomainError | None = None
    with db.session() as session:
        try:
            tok, row, user = login(session, data.username, data.password,
                                   request.app.state.settings.token_ttl_minutes,
                                   throttle=request.app.state.login_throttle,
                                   client=request.client.host if request.client else "?", otp=data.otp)
        except OtpRequired as err:
            failure = DomainError(err.code, err.message_zh, err.message_en, status=err.status, field=err.field)
        except DomainError as err:
            failure = err  # leave the block normally: the failure's audit record is committed
        else:
            return {"access_token": tok, "token_type": "bearer", "expires_at": row.expires_at.isoformat(),
                    "role": user.role, "username": user.username, "organization_id": user.organization_id,
                    "password_change_required": user.must_change_password}
    raise failure


@router.post("/auth/revoke", status_code=204)
def revoke(request: Request, session: SessionDep, actor: UserDep) -> None:
    """注销 — revoke the bearer token used for this request."""
    header = request.headers.get("authorization", "")
    revoke_token(session, header[7:].strip() if header.lower().startswith("bearer ") else
                 request.cookies.get("zj_session", ""))


# ---------------------------------------------------------------- credentials (issue 13)


def _credential(request: Request) -> str:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else request.cookies.get("zj_session", "")


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


def _committing(request: Request, work: Callable[[Session, Actor, str], dict[str, Any]], *,
                allow_pending: bool = False) -> dict[str, Any]:
    """Run `work` for the request's user (`allow_pending`: also one who must first change its password) in one unit of work
    that is committed even when `work` raises a DomainError (the failure's audit record stays), then re-raised."""
    failure: DomainError | None = None
    with request.app.state.db.session() as session:
        token = _credential(request)
        if not token:
            raise Unauthenticated()
        _row, user = token_user(session, token)
        if user.must_change_password and not allow_pending:
            raise PasswordChangeRequired()
        actor = actor_for(user)
        session.info["actor"] = actor
        try:
            return work(session, actor, token)
        except DomainError as err:
            failure = err
    raise failure


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=1024)


class PasswordReset(BaseModel):
    model_config = ConfigDict(extra="forbid")
    new_password: str = Field(max_length=1024)


class OtpIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    otp: str = Field(max_length=64)


class MfaDisable(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: str = Field(max_length=1024)
    otp: str = Field(max_length=64)


@router.post("/auth/password")
def change_password(request: Request, body: PasswordChange) -> dict[str, Any]:
    """修改密码 — the current and a new password; every other session and token of the user is revoked (this one
    stays). A wrong current password counts as a failed login (403 `auth.wrong_password`, throttled: 429)."""

    def work(session: Session, actor: Actor, token: str) -> dict[str, Any]:
        change = credentials.change_password(session, actor, body.current_password, body.new_password,
                                             current_token=token, throttle=request.app.state.login_throttle,
                                             client=_client(request))
        return {"user_id": change.user.id, "sessions_revoked": change.revoked, "password_change_required": False}

    return _committing(request, work, allow_pending=True)


@router.post("/users/{user_id}/password")
def reset_password(user_id: int, body: PasswordReset, session: SessionDep, actor: UserDep) -> dict[str, Any]:
    """重置密码 (admins) — sets a new password, revokes all the user's sessions and tokens; the user must change
    it at the next login (until then its token gets 403 `auth.password_change_required`)."""
    change = credentials.reset_password(session, actor, user_id, body.new_password)
    return {"user_id": change.user.id, "sessions_revoked": change.revoked, "password_change_required": True}


@router.get("/auth/mfa")
def mfa_status(session: SessionDep, actor: UserDep) -> dict[str, Any]:
    from zhijian.platform import mfa

    uid = actor.user_id or 0
    return {"enabled": mfa.is_enabled(session, uid), "recovery_codes_left": mfa.remaining_recovery_codes(session, uid)}


@router.post("/auth/mfa/enrol")
def mfa_enrol(session: SessionDep, actor: UserDep) -> dict[str, Any]:
    """启用双因素 (1/2) — a new TOTP secret, shown once: its otpauth:// URI and QR code (SVG data: URI)."""
    from zhijian.platform import mfa
    from zhijian.platform.identity.models import User

    enrolment = mfa.begin_enrolment(session, session.get_one(User, actor.user_id))
    return {"secret": enrolment.secret, "otpauth_uri": enrolment.uri, "qr_svg": enrolment.qr}


@router.post("/auth/mfa/confirm")
def mfa_confirm(body: OtpIn, session: SessionDep, actor: UserDep) -> dict[str, Any]:
    """启用双因素 (2/2) — the first valid code switches it on; the 10 single-use recovery codes, shown once."""
    from zhijian.platform import mfa
    from zhijian.platform.identity.models import User

    codes = mfa.confirm_enrolment(session, session.get_one(User, actor.user_id), body.otp)
    return {"enabled": True, "recovery_codes": codes}


@router.post("/auth/mfa/disable")
def mfa_disable(request: Request, body: MfaDisable) -> dict[str, Any]:
    """停用双因素 — the password and a current code (or a recovery code)."""

    def work(session: Session, actor: Actor, _token: str) -> dict[str, Any]:
        credentials.disable_second_factor(session, actor, body.password, body.otp,
                                          throttle=request.app.state.login_throttle, client=_client(request))
        return {"enabled": False}

    return _committing(request, work)


@router.delete("/users/{user_id}/mfa")
def mfa_remove(user_id: int, session: SessionDep, actor: UserDep) -> dict[str, Any]:
    """An administrator removes a user's two-factor authentication (audited with the admin as actor)."""
    return {"user_id": user_id, "removed": credentials.remove_second_factor(session, actor, user_id)}


@router.get("/auth/me")
def me(actor: UserDep) -> dict[str, Any]:
    return {"user_id": actor.user_id, "username": actor.username, "role": actor.role,
            "organization_id": actor.organization_id}


AuditReader = Callable[[Session, Actor, int], object]
"""Reads one record for an actor, raising 404/403 as the record's own page would (its room's read policy)."""


def audit_reader(entity: str) -> AuditReader | None:
    """Whose history a non-admin may read: the room that owns the record offers, in its contract `audit_readers()`
    (docs/CONTRACTS.md), the reader of each kind of record it lets staff trace, so the audit trail never shows what
    the record's page would refuse (jurisdiction, 举报 confidentiality). Other kinds of record: admins only."""
    for room in rooms.ROOMS:
        readers = rooms.offer(room, "audit_readers")
        reader = readers().get(entity) if readers is not None else None
        if reader is not None:
            return cast(AuditReader, reader)
    return None


def _check_audit_read(session: Session, actor: Actor, entity: str, entity_id: str) -> None:
    if actor.role == "admin":
        return
    actor.require("regulator", "association")
    reader = audit_reader(entity)
    if reader is None or not entity_id.isdigit():
        raise PermissionDenied(f"只有管理员可查看「{entity}」的审计历史", f"only admins read the history of '{entity}'")
    reader(session, actor, int(entity_id))  # raises 404/403


@router.get("/audit")
def audit_history(entity: str, entity_id: str, session: SessionDep, actor: ActorDep) -> list[dict[str, Any]]:
    """审计历史 of one record: admins, or staff who may read the record itself."""
    _check_audit_read(session, actor, entity, entity_id)
    return [{"seq": r.seq, "at": r.at.isoformat(), "actor": r.actor, "action": r.action, "before": r.before,
             "after": r.after, "hash": r.hash} for r in audit.history(session, entity, entity_id)]


@router.get("/audit/verify")
def audit_verify(session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    actor.require("admin")
    problems = audit.verify(session)
    return {"ok": not problems, "problems": [p.__dict__ for p in problems]}


@router.get("/jobs/{job_id}")
def get_job(job_id: int, request: Request, actor: UserDep) -> dict[str, Any]:
    """A job's result: only for the user who started it, and admins (404 to others)."""
    return job_status(request.app.state.db, job_id, actor)
