"""FastAPI dependencies shared by every room's api.py and pages.py: database session and actor."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from zhijian.platform.auth import PUBLIC, Actor, resolve_token
from zhijian.platform.db import Database
from zhijian.platform.errors import Unauthenticated

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def _actor_from_request(request: Request, session: Session) -> Actor:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return resolve_token(session, header[7:].strip())
    token = request.cookies.get("zj_session")
    if token and request.scope.get("zj_cookie_ok", True):
        try:
            return resolve_token(session, token)
        except Exception:  # an expired console cookie means anonymous, not an error page
            return PUBLIC
    return PUBLIC


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: commit when the handler returns, roll back on any error.

    Used with ``scope="function"`` so the commit happens *before* the response is sent: a client that gets
    201 (or a browser that follows a 303) must find the row committed, and a failed commit must reach the
    client as an error, never after a success was already sent.

    GET, HEAD and OPTIONS are read units of work (never wait for a writer on SQLite); every other method is a
    write unit of work (``BEGIN IMMEDIATE`` on SQLite: it waits its turn instead of failing) — platform.db."""
    db: Database = request.app.state.db
    with db.session(write=request.method not in SAFE_METHODS) as session:
        actor = _actor_from_request(request, session)
        session.info["actor"] = actor
        request.state.actor = actor
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_actor(request: Request, session: SessionDep) -> Actor:
    actor: Actor = session.info["actor"]
    return actor


def require_login(actor: Annotated[Actor, Depends(get_actor)]) -> Actor:
    if actor.is_public:
        raise Unauthenticated()
    return actor


ActorDep = Annotated[Actor, Depends(get_actor)]
UserDep = Annotated[Actor, Depends(require_login)]
