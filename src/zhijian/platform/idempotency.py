"""Idempotency-Key for POSTs that create (幂等键): a retried request returns the first answer, writes nothing new.

One mechanism for every room: put ``@idempotent`` under the route decorator::

    @router.post("/complaints", response_model=ComplaintCreated, status_code=201)
    @idempotent
    def submit_complaint(data: ComplaintIn, session: SessionDep, actor: ActorDep) -> ComplaintCreated: ...

Semantics (draft-ietf-httpapi-idempotency-key-header; Stripe's practice where the draft is silent):

- no ``Idempotency-Key`` header: the request runs as before;
- the first request with a key runs; its answer (status, headers, body) is kept with the key;
- the same key again with the same request (method, path, query, body): the kept answer, with
  ``Idempotent-Replayed: true``; the handler does not run and nothing is written;
- the same key with a different request: 422 ``idempotency.key_reused``;
- the same key while the first request is still running: 409 ``idempotency.in_progress`` (``Retry-After: 1``);
- keys are 1–128 visible ASCII characters (a quoted structured-field string ``"…"`` is accepted), else 400
  ``idempotency.key_invalid``; a key belongs to one actor (the user; anonymous callers: their address), so
  two users with the same key never see each other's answers;
- a key lives 24 h (``TTL``); a failed request (any error) keeps nothing, so it may be retried with its key.

How (one unique index, insert first, in the request's own transaction): before the handler runs, the claim
inserts ``idempotency_record(key_hash)`` in a savepoint of the request's transaction; the handler's answer is
written to that row in the same transaction. So the row exists exactly when the work was committed — a
server killed mid-request rolls both back, and the retry does the work once.
Concurrent requests with one key: on SQLite writers are serialised (``BEGIN IMMEDIATE``), the second waits
its turn and finds the answer (a replay). On PostgreSQL and MariaDB the second insert waits on the first's
uncommitted row; that wait is bounded (``lock_timeout`` 200 ms / ``innodb_lock_wait_timeout`` 1 s) and
ends in 409 ``idempotency.in_progress`` — or, if the first committed meanwhile, in its replay.
Streaming answers are not kept (the key is then released when the request ends).
The key itself is never stored (only an HMAC of scope and key under the server's secret), and the kept body
is encrypted with AES-GCM under a key derived from both: a database reader cannot read a complaint's check
code from it, nor test guesses of the key."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from fastapi import Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import ResponseValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from zhijian.platform.auth import Actor
from zhijian.platform.db import Database, utcnow
from zhijian.platform.deps import ActorDep, SessionDep
from zhijian.platform.errors import Conflict, DomainError, EarlyResponse
from zhijian.platform.jobs import job
from zhijian.platform.models import IdempotencyRecord

KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 128
TTL = dt.timedelta(hours=24)
PG_LOCK_WAIT = "200ms"
MYSQL_LOCK_WAIT_SECONDS = 1  # InnoDB's smallest wait
_NOT_KEPT = frozenset({b"content-length", b"set-cookie", b"date", b"server"})

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Claim:
    """A key this request holds (its row, inserted in the request's transaction)."""

    record: IdempotencyRecord
    session: Session
    body_key: bytes = b""
    route: Any = None


def key_digest(secret: str, scope: str, key: str) -> str:
    """The row's unique ``key_hash``: HMAC-SHA-256 under the server's secret, so that a reader of the database
    cannot even test guesses of a guessable key."""
    return hmac.new(secret.encode(), f"zhijian idempotency key\n{scope}\n{key}".encode(), "sha256").hexdigest()


def _body_key(secret: str, scope: str, key: str) -> bytes:
    """AES-256 key for the kept answer: derived from the Idempotency-Key (never stored) and the secret."""
    return hmac.new(secret.encode(), f"zhijian idempotency body\n{scope}\n{key}".encode(), "sha256").digest()


def seal(body_key: bytes, key_hash: str, body: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(body_key).encrypt(nonce, body, key_hash.encode())


def unseal(body_key: bytes, key_hash: str, sealed: bytes) -> bytes:
    return AESGCM(body_key).decrypt(sealed[:12], sealed[12:], key_hash.encode()) if sealed else b""


def parse_key(raw: str) -> str:
    """The key of the header, or 400 naming the header."""
    key = raw.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':  # RFC 8941 string, as the draft writes it
        key = key[1:-1]
    if not key or len(key) > MAX_KEY_LENGTH or any(not 0x21 <= ord(ch) <= 0x7E for ch in key):
        raise DomainError("idempotency.key_invalid",
                          f"Idempotency-Key 应为 1–{MAX_KEY_LENGTH} 个可见 ASCII 字符",
                          f"Idempotency-Key must be 1–{MAX_KEY_LENGTH} visible ASCII characters",
                          status=400, field=KEY_HEADER)
    return key


def actor_scope(actor: Actor, client: str) -> str:
    """Whose key it is: the user, or (anonymous) the client's address."""
    return f"user:{actor.user_id}" if actor.user_id is not None else f"anon:{client}"[:80]


def fingerprint(method: str, path: str, query: str, body_digest: str) -> str:
    """What makes two requests 'the same request': method, path, query (order-free) and body."""
    q = "&".join(sorted(query.split("&"))) if query else ""
    return hashlib.sha256(f"{method.upper()} {path}?{q}\n{body_digest}".encode()).hexdigest()


async def body_digest(request: Request) -> str:
    """SHA-256 of the body; forms by their fields and files (a multipart boundary changes on every retry)."""
    h = hashlib.sha256()
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media in ("multipart/form-data", "application/x-www-form-urlencoded"):
        form = await request.form()  # the form FastAPI already parsed (cached on the request)
        for name, value in form.multi_items():
            h.update(b"\x00field\x00" + name.encode() + b"\x00")
            if isinstance(value, UploadFile):
                h.update((value.filename or "").encode() + b"\x00")
                await value.seek(0)
                while chunk := await value.read(1 << 20):
                    h.update(chunk)
                await value.seek(0)
            else:
                h.update(str(value).encode())
    else:
        h.update(await request.body())
    return h.hexdigest()


def _in_progress() -> DomainError:
    return Conflict("idempotency.in_progress", "使用该 Idempotency-Key 的请求仍在处理中，请稍后重试",
                    "a request with this Idempotency-Key is still being processed; retry later",
                    field=KEY_HEADER, extra={"retry_after": 1})


def _is_lock_wait_timeout(exc: OperationalError) -> bool:
    orig = exc.orig
    if getattr(orig, "sqlstate", None) == "55P03":  # PostgreSQL lock_not_available (lock_timeout)
        return True
    args: tuple[Any, ...] = tuple(getattr(orig, "args", ()))
    return bool(args) and args[0] == 1205  # MariaDB/MySQL: lock wait timeout exceeded


def _insert_bounded(session: Session, rec: IdempotencyRecord) -> bool:
    """Insert the claim in a savepoint; False when the key is taken (committed). A wait for a concurrent,
    uncommitted claim of the same key is bounded and ends in 409."""
    backend = session.get_bind().dialect.name
    old_wait = None
    try:
        if backend in ("mysql", "mariadb"):  # a session variable: restored below, whatever happens
            old_wait = int(session.scalar(text("SELECT @@session.innodb_lock_wait_timeout")) or 50)
            session.execute(text(f"SET SESSION innodb_lock_wait_timeout = {MYSQL_LOCK_WAIT_SECONDS}"))
        with session.begin_nested():
            if backend == "postgresql":
                old = session.scalar(text("SELECT current_setting('lock_timeout')"))
                session.execute(text("SELECT set_config('lock_timeout', :v, true)"), {"v": PG_LOCK_WAIT})
                session.add(rec)
                session.flush()  # on failure the savepoint's rollback restores lock_timeout too
                session.execute(text("SELECT set_config('lock_timeout', :v, true)"), {"v": old})
            else:  # SQLite: this transaction already holds the writer lock; nothing to wait for
                session.add(rec)
                session.flush()
        return True
    except IntegrityError:
        return False
    except OperationalError as exc:
        if _is_lock_wait_timeout(exc):
            raise _in_progress() from None
        raise
    finally:
        if old_wait is not None and session.in_transaction():
            session.execute(text(f"SET SESSION innodb_lock_wait_timeout = {old_wait}"))


def claim(session: Session, *, scope: str, key: str, method: str, path: str, request_hash: str,
          secret: str = "") -> Claim | Response:
    """Take the key for this request, or answer in its place (a replay) or refuse (422/409)."""
    now = utcnow()
    key_hash = key_digest(secret, scope, key)
    for _attempt in range(3):
        rec = IdempotencyRecord(key_hash=key_hash, scope=scope, method=method.upper(), path=path[:512],
                                request_hash=request_hash, status="in_progress", created_at=now,
                                expires_at=now + TTL)
        if _insert_bounded(session, rec):
            return Claim(rec, session, _body_key(secret, scope, key))
        old = session.execute(select(IdempotencyRecord).where(IdempotencyRecord.key_hash == key_hash)
                              .execution_options(populate_existing=True)).scalar_one_or_none()
        if old is None:
            continue  # expired and removed by another request meanwhile
        if old.expires_at <= now:
            session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == old.id))
            continue
        if old.request_hash != request_hash:
            raise DomainError("idempotency.key_reused",
                              "该 Idempotency-Key 已用于另一个请求（方法、路径或请求体不同）",
                              "this Idempotency-Key was already used for a different request "
                              "(method, path or body differ)", status=422, field=KEY_HEADER)
        if old.status != "done":
            raise _in_progress()
        return replay(old, _body_key(secret, scope, key))
    raise _in_progress()


def replay(rec: IdempotencyRecord, body_key: bytes) -> Response:
    """The kept answer, marked as a replay."""
    resp = Response(content=unseal(body_key, rec.key_hash, rec.response_body or b""),
                    status_code=rec.response_status or 200)
    resp.raw_headers.extend((str(k).encode("latin-1"), str(v).encode("latin-1"))
                            for k, v in (rec.response_headers or []))
    resp.raw_headers.append((REPLAYED_HEADER.lower().encode(), b"true"))
    return resp


def as_response(result: Any, route: Any) -> Response:
    """The response FastAPI would send for `result` (same status, response model and serialisation)."""
    if isinstance(result, Response):
        return result
    status = getattr(route, "status_code", None) or 200
    field = getattr(route, "response_field", None)
    if field is None:
        return JSONResponse(jsonable_encoder(result), status_code=status)
    value, errors = field.validate(result, {}, loc=("response",))
    if errors:
        raise ResponseValidationError(errors=errors, body=result)
    content = field.serialize_json(value, include=route.response_model_include,
                                   exclude=route.response_model_exclude, by_alias=route.response_model_by_alias,
                                   exclude_unset=route.response_model_exclude_unset,
                                   exclude_defaults=route.response_model_exclude_defaults,
                                   exclude_none=route.response_model_exclude_none)
    return Response(content=content, status_code=status, media_type="application/json")


def complete(c: Claim, response: Response) -> None:
    """Keep the answer with the key, in the request's transaction (committed with the work, or not at all)."""
    body = getattr(response, "body", None)
    if not isinstance(body, bytes | bytearray | memoryview):
        c.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == c.record.id))  # streamed
        return
    headers = [[k.decode("latin-1"), v.decode("latin-1")] for k, v in response.raw_headers
               if k.lower() not in _NOT_KEPT]
    c.session.execute(update(IdempotencyRecord).where(IdempotencyRecord.id == c.record.id).values(
        status="done", response_status=response.status_code, response_headers=headers,
        response_body=seal(c.body_key, c.record.key_hash, bytes(body))))


async def claim_dependency(
    request: Request, session: SessionDep, actor: ActorDep,
    idempotency_key: Annotated[str | None, Header(
        alias=KEY_HEADER, description="幂等键 (1–128 visible ASCII characters): a retry with the same key and "
                                      "body returns the first answer (Idempotent-Replayed: true), 24 h")] = None,
) -> Claim | None:
    """FastAPI dependency behind ``@idempotent``: claims the key before the handler runs."""
    if idempotency_key is None:
        return None
    key = parse_key(idempotency_key)
    digest = await body_digest(request)
    client = (request.client.host if request.client else "?")
    outcome = await run_in_threadpool(
        claim, session, scope=actor_scope(actor, client), key=key, method=request.method, path=request.url.path,
        request_hash=fingerprint(request.method, request.url.path, request.url.query, digest),
        secret=request.app.state.settings.secret_key)
    if isinstance(outcome, Response):
        raise EarlyResponse(outcome)  # the request's transaction rolls back: nothing written
    outcome.route = request.scope.get("route")
    return outcome


_PARAM = "zj_idempotency"


def idempotent(fn: F) -> F:
    """Make a create endpoint honour ``Idempotency-Key`` (see the module docstring)."""
    sig = inspect.signature(fn)
    extra = inspect.Parameter(_PARAM, inspect.Parameter.KEYWORD_ONLY,
                              annotation=Annotated[Claim | None, Depends(claim_dependency)])

    if inspect.iscoroutinefunction(fn):
        @functools.wraps(fn)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            c: Claim | None = kwargs.pop(_PARAM, None)
            result = await fn(*args, **kwargs)
            if c is None:
                return result
            response = as_response(result, c.route)
            await run_in_threadpool(complete, c, response)
            return response
    else:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            c: Claim | None = kwargs.pop(_PARAM, None)
            result = fn(*args, **kwargs)
            if c is None:
                return result
            response = as_response(result, c.route)
            complete(c, response)
            return response

    wrapper.__signature__ = sig.replace(parameters=[*sig.parameters.values(), extra])  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def purge_expired(session: Session, now: dt.datetime | None = None) -> int:
    """Delete the keys whose 24 h are over."""
    result = session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= (now or utcnow())))
    return int(getattr(result, "rowcount", 0) or 0)


@job("platform.idempotency_purge", every_seconds=3600)
def purge_job(db: Database) -> dict[str, int]:
    """Hourly: forget expired Idempotency-Keys (an expired key found by a request is replaced there too)."""
    with db.session() as s:
        return {"deleted": purge_expired(s)}
