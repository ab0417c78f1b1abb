"""Platform REST API: tokens, who am I, audit history and chain verification, job status."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, cast

from fastapi import APIRouter, Request
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from zhijian.platform import audit, rooms
from zhijian.platform.auth import Actor, login, revoke_token
from zhijian.platform.deps import ActorDep, SessionDep, UserDep
from zhijian.platform.errors import DomainError, PermissionDenied
from zhijian.platform.jobs import job_status

router = APIRouter(prefix="/api/v1", tags=["platform"])


class TokenRequest(BaseModel):
    username: str
    password: str


@router.post("/auth/token")
async def token(request: Request) -> dict[str, Any]:
    """登录 — username + password (JSON or OAuth2 form) → bearer token that expires."""
    ctype = request.headers.get("content-type", "")
    try:
        if ctype.startswith("application/x-www-form-urlencoded") or ctype.startswith("multipart/"):
            form = await request.form()
            data = TokenRequest(username=str(form.get("username", "")), password=str(form.get("password", "")))
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
                                   client=request.client.host if request.client else "?")
        except DomainError as err:
            failure = err  # leave the block normally: the failure's audit record is committed
        else:
            return {"access_token": tok, "token_type": "bearer", "expires_at": row.expires_at.isoformat(),
                    "role": user.role, "username": user.username, "organization_id": user.organization_id}
    raise failure


@router.post("/auth/revoke", status_code=204)
def revoke(request: Request, session: SessionDep, actor: UserDep) -> None:
    """注销 — revoke the bearer token used for this request."""
    header = request.headers.get("authorization", "")
    revoke_token(session, header[7:].strip() if header.lower().startswith("bearer ") else
                 request.cookies.get("zj_session", ""))


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
