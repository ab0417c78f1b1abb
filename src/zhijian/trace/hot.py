"""The verification's lean path (issue #23): the same decisions (`service.verify_steps`) driven on async psycopg,
and a JSON fast lane in front of the platform's middleware for the GS1 resolver's commonest request.

- **Async driver** (PostgreSQL): the statements `service.verify_steps` asks for run on a per-event-loop pool of
  async psycopg connections, prepared on the server (`prepare=True`), compiled once from the very SQLAlchemy
  statements the sync driver uses (same SQL, same bind and result processing). No thread crossing, no ORM session.
  A cache miss (keys, batch, product facts — rare, revalidated by the cache version each scan reads back) is loaded
  by the sync loaders on a worker thread. SQLite and MariaDB keep the sync driver on a worker thread: the project
  has no async driver for them (aiosqlite, asyncmy are not dependencies), and SQLite serialises writers anyway.
- **Fast lane**: `GET /01/…/21/{serial}` with `Accept: application/json`, no credentials and no link type is
  answered here, ahead of the seven middleware layers and the router: the same client address (trusted proxies),
  the same public rate limit and enumeration guard, the same security headers, CORS, `Cache-Control: no-store` and
  Link header, the body encoded with orjson. Everything else (HTML pages, HEAD, linksets, redirects, other keys,
  syntax errors, logged-in callers) goes down the full stack unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import re
import sqlite3
import time
import uuid
import weakref
from collections.abc import AsyncIterator
from functools import lru_cache
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool

from zhijian.platform.db import client_error_for, utcnow
from zhijian.platform.errors import DomainError
from zhijian.platform.logs import log
from zhijian.trace import digital_link, rules, service
from zhijian.trace.service.cache import _batch_cache, _info_cache
from zhijian.trace.service.facts import _batch_info, product_facts
from zhijian.trace.service.verification import (
    _SQLITE_WRITER,
    COUNT_WIDTH,
    HISTORY_FROM,
    _verify_statements,
    count_history_statement,
)

POOL_SIZE = 8
PIPELINE = False  # psycopg pipeline mode (BEGIN and COMMIT ride along): fewer round trips, but measured 0.2–0.7 ms
# more CPU per scan in psycopg itself on this machine (2 Dec 2026), so off
PREFETCH_HISTORY = True  # the counter, the history and the open signal kinds in one statement
# (`count_history_statement`): a round trip fewer on every repeat scan from the third on, another when a signal fires
COUNT_AT = 4  # scan_count in the code's columns
CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "Link, Location, Content-Type"}


class _Pool:
    """A small pool of async psycopg connections bound to one event loop (psycopg_pool is not a dependency)."""

    def __init__(self, conninfo: str, size: int) -> None:
        self.conninfo = conninfo
        self.size = size
        self.count = 0
        self.idle: asyncio.Queue[Any] = asyncio.Queue()

    async def get(self) -> Any:
        import psycopg

        while not self.idle.empty():
            conn = self.idle.get_nowait()
            if not conn.closed:
                return conn
            self.count -= 1
        if self.count < self.size:
            self.count += 1
            try:
                return await psycopg.AsyncConnection.connect(self.conninfo)
            except BaseException:
                self.count -= 1
                raise
        return await self.idle.get()

    def put(self, conn: Any, broken: bool = False) -> None:
        if broken or conn.closed:
            self.count -= 1
            with contextlib.suppress(Exception):
                conn.pgconn.finish()  # no await possible here; the server sees the socket close
            return
        self.idle.put_nowait(conn)

    async def close(self) -> None:
        while not self.idle.empty():
            with contextlib.suppress(Exception):
                await self.idle.get_nowait().close()


_FACTS = frozenset(("keys", "batch", "facts"))


class _Driver:
    """The one driver of `service.verify_steps`: cached facts from this worker's caches (a miss read on a read
    session), the statements in one transaction that begins with the first statement and commits before the answer.
    Its two adapters supply the I/O: `_miss` (a cache miss), `_begin` / `_statement` / `_commit` / `_release` (the
    transaction) and `_unavailable`, the driver's errors that mean the database is unavailable (503)."""

    db: Any
    _unavailable: tuple[type[BaseException], ...] = ()

    def _load(self, fn: Any, *args: Any, **kw: Any) -> Any:
        with self.db.session(write=False) as session:
            return fn(session, *args, **kw)

    async def _fact(self, kind: str, name: Any, arg: Any) -> Any:
        if kind == "keys":
            warm, value = (False, None) if arg else service.cached_keys(name)
            return value if warm else await self._miss(service.keys_for_gtin, name, fresh=bool(arg))
        cache, loader = (_batch_cache, _batch_info) if kind == "batch" else (_info_cache, product_facts)
        hit = cache.get(name)
        return hit[1] if hit and hit[0] > time.monotonic() else await self._miss(loader, name)

    async def verify(self, scan: service.ScanInput, now: dt.datetime | None = None) -> service.VerificationAnswer:
        """Drive the steps; `tx` is the adapter's open transaction, from the first statement on."""
        steps = service.verify_steps(scan, now or utcnow())
        with_lot = bool(scan.lot)
        tx: Any = None
        reply: Any = None
        ok = False
        try:
            while True:
                try:
                    kind, name, arg = steps.send(reply)
                except StopIteration as done:
                    if tx is not None:
                        await self._commit(tx)  # the scan is durable before the answer is sent
                    ok = True
                    return done.value  # type: ignore[no-any-return]  # the generator's return value is untyped
                if kind in _FACTS:
                    reply = await self._fact(kind, name, arg)
                    continue
                if tx is None:
                    tx = await self._begin()  # the transaction begins with the first statement
                reply = await self._statement(tx, kind, name, arg, with_lot)
        except self._unavailable as exc:  # the server gone, SQLite still locked after the busy timeout, disk full …
            raise DomainError("db.unavailable", "数据库暂时不可用，请稍后重试", "the database is unavailable; retry later",
                              status=503, extra={"retry_after": 5}) from exc
        finally:
            steps.close()
            if tx is not None:
                await self._release(tx, ok)

    async def _miss(self, fn: Any, *args: Any, **kw: Any) -> Any:
        raise NotImplementedError

    async def _begin(self) -> Any:
        raise NotImplementedError

    async def _statement(self, tx: Any, kind: str, name: str, arg: dict[str, Any], with_lot: bool) -> Any:
        raise NotImplementedError

    async def _commit(self, tx: Any) -> None:
        raise NotImplementedError

    async def _release(self, tx: Any, ok: bool) -> None:
        raise NotImplementedError


class AsyncVerifier(_Driver):
    """Drives `service.verify_steps` on async psycopg (PostgreSQL only): a cache miss on a worker thread, the
    statements on one pooled connection. Its transaction is (pool, connection, pipeline, prefetched rows)."""

    def __init__(self, db: Any, size: int = POOL_SIZE) -> None:
        import psycopg
        from sqlalchemy.engine import make_url

        self.db = db
        self.dialect = db.engine.dialect
        self.conninfo = make_url(db.url).set(drivername="postgresql").render_as_string(hide_password=False)
        self.size = size
        self._pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Pool] = weakref.WeakKeyDictionary()
        self._unavailable = (psycopg.OperationalError, psycopg.InterfaceError)

    def _pool(self) -> _Pool:
        loop = asyncio.get_running_loop()
        pool = self._pools.get(loop)
        if pool is None:
            pool = self._pools[loop] = _Pool(self.conninfo, self.size)
        return pool

    @lru_cache(maxsize=64)  # noqa: B019 — one verifier per database, kept for the process
    def _compiled(self, name: str, with_lot: bool, keys: tuple[str, ...]) -> tuple[str, Any, list[Any]]:
        """(SQL, compiled, result processors) of one of the sync driver's statements, for this dialect."""
        stmt = count_history_statement(with_lot) if name == "count_history" else _verify_statements(with_lot, True)[name]
        compiled = stmt.compile(dialect=self.dialect, column_keys=list(keys) if name in ("scan", "signal") else None)
        # psycopg hands back Python values already; only the project's TypeDecorators (UTC datetimes) post-process
        procs = [_decorator_proc(entry[3], self.dialect) for entry in compiled._result_columns]
        return compiled.string, compiled, procs

    def _params(self, compiled: Any, params: dict[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = compiled.construct_params(params)
        for name, proc in compiled._bind_processors.items():
            if name in values:
                values[name] = proc(values[name])
        return values

    async def _run(self, conn: Any, name: str, with_lot: bool, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Execute one statement; in pipeline mode a statement whose result is not needed (the scan and signal
        inserts, the freeze) is only queued: it goes to the server with the COMMIT, in one round trip."""
        sql, compiled, procs = self._compiled(name, with_lot, tuple(params) if name in ("scan", "signal") else ())
        cur = await conn.execute(sql, self._params(compiled, params), prepare=True)
        if not procs or name in ("scan", "signal"):
            return []
        rows = await cur.fetchall()
        return [tuple(p(v) if p else v for p, v in zip(procs, row, strict=True)) for row in rows]

    async def _miss(self, fn: Any, *args: Any, **kw: Any) -> Any:
        return await run_in_threadpool(self._load, fn, *args, **kw)

    async def _statement(self, tx: Any, kind: str, name: str, arg: dict[str, Any], with_lot: bool) -> Any:
        """One statement step. The counter step also fetches the code's history and open signal kinds
        (`count_history_statement`), kept in `prefetched` for the generator's history and open-kinds steps — unless
        the count shows that another scan of this code committed after the statement's snapshot, in which case
        those steps read afresh."""
        conn, prefetched = tx[1], tx[3]
        if kind == "count" and PREFETCH_HISTORY:
            rows = await self._run(conn, "count_history", with_lot, arg)
            if not rows:
                return None
            row, old = rows[0][:COUNT_WIDTH], rows[0][COUNT_WIDTH]
            if old is not None and int(row[COUNT_AT]) == int(old) + 1:
                prefetched["history"] = [r[HISTORY_FROM:] for r in rows if r[HISTORY_FROM - 1] is not None]
                prefetched["open_kinds"] = [(k,) for k in rows[0][COUNT_WIDTH + 1] or ()]
            return row
        if kind == "count":
            rows = await self._run(conn, "count", with_lot, arg)
            return rows[0] if rows else None
        if kind == "rows" and name in prefetched:
            return prefetched.pop(name)
        return await self._run(conn, name, with_lot, arg)

    async def _begin(self) -> tuple[_Pool, Any, Any, dict[str, list[tuple[Any, ...]]]]:
        """A pooled connection (and, in pipeline mode, its pipeline: BEGIN travels with the first statement, the
        inserts with the COMMIT)."""
        pool = self._pool()
        conn = await pool.get()
        pipeline = None
        if PIPELINE:
            pipeline = conn.pipeline()
            await pipeline.__aenter__()
        return pool, conn, pipeline, {}

    async def _commit(self, tx: Any) -> None:
        await tx[1].commit()
        if tx[2] is not None:
            await tx[2].__aexit__(None, None, None)

    async def _release(self, tx: Any, ok: bool) -> None:
        """Back to the pool; after a failed pipeline or statement roll back, and drop the connection if that fails."""
        pool, conn, pipeline, _prefetched = tx
        broken = False
        if not ok:
            try:
                if pipeline is not None:
                    with contextlib.suppress(Exception):
                        await pipeline.__aexit__(None, None, None)
                await conn.rollback()
            except Exception:
                broken = True
        pool.put(conn, broken)

    async def close(self) -> None:
        for pool in list(self._pools.values()):
            await pool.close()


class SqliteVerifier(_Driver):
    """Drives `service.verify_steps` on SQLite on the event loop: one raw connection of the engine's pool (its
    pragmas: WAL, synchronous=NORMAL, busy timeout), the sync driver's statements compiled once with SQLAlchemy's
    bind and result processing, `BEGIN IMMEDIATE` … `COMMIT` — no thread crossing, no ORM session. SQLite runs one
    writer at a time anyway and a scan's transaction takes a fraction of a millisecond, so the loop is held no longer
    than a worker thread would hold the writer lock. When this process's writer lock is taken (a unit of work on a
    worker thread is writing) the scan takes the sync driver on a worker thread instead, so the loop never waits
    for another thread; another process's write is waited for in SQLite's busy handler, as by the lean baseline.
    Its coroutines never suspend (every call is synchronous), so a scan runs on the loop from start to end.
    Its transaction is the raw connection's cursor."""

    _unavailable = (sqlite3.OperationalError,)

    def __init__(self, db: Any) -> None:
        self.db = db
        self.dialect = db.engine.dialect
        self._raw: Any = None

    @lru_cache(maxsize=64)  # noqa: B019 — one verifier per database, kept for the process
    def _compiled(self, name: str, with_lot: bool, keys: tuple[str, ...]) -> tuple[str, Any, list[Any], list[str]]:
        stmt = _verify_statements(with_lot, True)[name]
        compiled = stmt.compile(dialect=self.dialect, column_keys=list(keys) if name in ("scan", "signal") else None)
        procs = [entry[3]._cached_result_processor(self.dialect, None) for entry in compiled._result_columns]
        return compiled.string, compiled, procs, list(compiled.positiontup or ())

    def _run(self, cur: Any, name: str, with_lot: bool, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        sql, compiled, procs, order = self._compiled(name, with_lot, tuple(params) if name in ("scan", "signal") else ())
        values = compiled.construct_params(params)
        binds = compiled._bind_processors
        cur.execute(sql, [binds[k](values[k]) if k in binds else values[k] for k in order])
        if not procs:
            return []
        return [tuple(p(v) if p else v for p, v in zip(procs, row, strict=True)) for row in cur.fetchall()]

    async def _miss(self, fn: Any, *args: Any, **kw: Any) -> Any:
        """A miss (rare) is read here, on a read session (WAL: readers do not wait for the writer)."""
        return self._load(fn, *args, **kw)

    async def _begin(self) -> Any:
        if self._raw is None:
            self._raw = self.db.engine.raw_connection()  # kept for the process (the pool has the others)
        cur = self._raw.cursor()
        cur.execute("BEGIN IMMEDIATE")  # a writer from the start, as the sync driver's session
        return cur

    async def _statement(self, tx: Any, kind: str, name: str, arg: dict[str, Any], with_lot: bool) -> Any:
        if kind == "count":
            rows = self._run(tx, "count", with_lot, arg)
            return rows[0] if rows else None
        return self._run(tx, name, with_lot, arg)

    async def _commit(self, tx: Any) -> None:
        tx.execute("COMMIT")

    async def _release(self, tx: Any, ok: bool) -> None:
        if not ok:
            with contextlib.suppress(Exception):
                tx.execute("ROLLBACK")


def _verify_in_thread(db: Any, scan: service.ScanInput) -> service.VerificationAnswer:
    """The scan as its own unit of work; on SQLite the writers of this process queue on a lock instead of
    busy-waiting on the file lock."""
    with service.writer_lock(db.backend), db.session() as verify_session:
        return service.verify_scan(verify_session, scan)


_VERIFIERS: weakref.WeakKeyDictionary[Any, AsyncVerifier] = weakref.WeakKeyDictionary()


def verifier(db: Any) -> AsyncVerifier | None:
    """The async driver for this database, or None where the sync driver stays (SQLite, MariaDB)."""
    if db.backend != "postgresql":
        return None
    v = _VERIFIERS.get(db)
    if v is None:
        v = _VERIFIERS[db] = AsyncVerifier(db)
    return v


_SQLITE: weakref.WeakKeyDictionary[Any, SqliteVerifier] = weakref.WeakKeyDictionary()
SQLITE_ON_LOOP = True  # SQLite's scans on the event loop (`SqliteVerifier`); False: the sync driver on a thread


async def verify(db: Any, scan: service.ScanInput) -> service.VerificationAnswer:
    """One scan's answer: async psycopg on PostgreSQL; on SQLite the steps on the event loop while this process's
    writer lock is free (else, and on MariaDB, the sync driver on a worker thread)."""
    v = verifier(db)
    if v is not None:
        return await v.verify(scan)
    if db.backend == "sqlite" and SQLITE_ON_LOOP and _SQLITE_WRITER.acquire(blocking=False):
        try:
            lite = _SQLITE.get(db)
            if lite is None:
                lite = _SQLITE[db] = SqliteVerifier(db)
            return await lite.verify(scan)  # never suspends: the lock is this scan's alone
        finally:
            _SQLITE_WRITER.release()
    return await run_in_threadpool(_verify_in_thread, db, scan)


# ---------------------------------------------------------------- the JSON fast lane


def dumps(body: Any) -> bytes:
    """The answer's JSON (orjson: UTF-8, compact — the same bytes Starlette's JSONResponse writes for it)."""
    return orjson.dumps(body)


_PLAIN_PATH = re.compile(r"/01/(\d{14})/10/([0-9A-Za-z]{1,20})/21/([0-9A-Za-z]{1,20})")
_PLAIN_QUERY = re.compile(rb"[A-Za-z0-9=&._-]*")


def plain_link(path: str, query: bytes) -> tuple[str, str, str] | None:
    """(gtin, lot, serial) of the commonest QR target, `/01/{GTIN-14}/10/{lot}/21/{serial}` with letters and digits
    only, a right check digit and no AI in the query — the shape for which GS1's full Digital Link rules
    (`digital_link.parse`) can only give this answer (letters and digits are in CSET 82, the qualifiers are in
    order, nothing needs decoding); None for anything else, which then takes the full parser."""
    m = _PLAIN_PATH.fullmatch(path)
    if m is None or not _PLAIN_QUERY.fullmatch(query):
        return None
    gtin = m.group(1)
    if digital_link.gs1_check_digit(gtin[:-1]) != gtin[-1]:
        return None
    if query and any(part.split(b"=", 1)[0].isdigit() for part in query.split(b"&")):
        return None  # a data attribute (e.g. ?17=…) is checked by the full parser
    return gtin, m.group(2), m.group(3)


class FastLane:
    """ASGI wrapper in front of the app's middleware stack (installed by the trace room's lifespan)."""

    def __init__(self, inner: Any, app: Any) -> None:
        from zhijian.platform.middleware import CSP, HSTS
        from zhijian.platform.throttle import parse_networks

        self.inner = inner
        self.app = app
        settings = app.state.settings
        self.settings = settings
        self.trusted = parse_networks(settings.trusted_proxies)
        security = [(b"content-security-policy", CSP.encode()), (b"x-frame-options", b"DENY"),
                    (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin")]
        if settings.hsts:
            security.append((b"strict-transport-security", HSTS))
        self.fixed = [*((k.lower().encode(), v.encode()) for k, v in CORS.items()),
                      (b"cache-control", b"no-store"), *security]
        self.security = security

    def _eligible(self, scope: dict[str, Any]) -> bool:
        if scope["type"] != "http" or scope["method"] != "GET" or not scope["path"].startswith("/01/"):
            return False
        query = scope.get("query_string", b"")
        if b"linkType" in query:
            return False
        json_accept = False
        for name, value in scope["headers"]:
            if name == b"accept":
                if b"linkset" in value or b"application/json" not in value:
                    return False
                json_accept = True
            elif name == b"authorization" or (name == b"cookie" and b"zj_session=" in value):
                return False  # logged-in callers: the full stack (token check, no-store rules)
        return json_accept

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if not self._eligible(scope):
            await self.inner(scope, receive, send)
            return
        raw = scope.get("raw_path") or scope["path"].encode()
        query = scope.get("query_string", b"")
        target = raw.decode("latin-1") + ("?" + query.decode("latin-1") if query else "")
        fast = plain_link(scope["path"], query) if raw == scope["path"].encode() else None
        if fast is not None:
            link = rules.DigitalLink(*fast)
        else:
            try:
                link = rules.parse_digital_link(target)  # GS1's Digital Link rules (digital_link.parse) + trade item
            except DomainError:
                await self.inner(scope, receive, send)  # the full stack renders the 400 (page or problem)
                return
        if link.serial is None:
            await self.inner(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        try:
            status = await self._answer(scope, send, link, target)
        finally:
            if self.settings.access_log:
                log.info("request", extra={"zj_method": "GET", "zj_path": scope["path"], "zj_status": status,
                                           "zj_ms": round((time.perf_counter() - started) * 1000, 2)})

    async def _answer(self, scope: dict[str, Any], send: Any, link: rules.DigitalLink, target: str) -> int:
        from urllib.parse import parse_qs

        from zhijian.platform.middleware import send_problem
        from zhijian.platform.throttle import client_address

        peer = (scope.get("client") or ("?", 0))[0]
        headers = dict(scope["headers"]) if self.trusted else {}
        client = client_address(peer, headers.get(b"x-forwarded-for", b"").decode("latin-1") or None, self.trusted) \
            if self.trusted else peer
        limiter = self.app.state.rate_limiter
        if limiter.per_minute > 0 and not await limiter.hit_async(client):
            retry = str(limiter.retry_after(client)).encode()
            await send_problem(send, DomainError("request.rate_limited", "请求过于频繁，请稍后再试",
                                                 "too many requests, try again later", status=429,
                                                 extra={"retry_after": int(retry)}), [(b"retry-after", retry)])
            return 429
        q = {k: v[-1] for k, v in parse_qs(scope.get("query_string", b"").decode("latin-1"),
                                           keep_blank_values=True).items()}
        region = q.get("region") or next((v.decode("latin-1") for n, v in scope["headers"]
                                          if n == b"x-client-region"), None)
        scan = service.ScanInput(gtin=link.gtin, serial=link.serial or "", lot=link.lot,
                                 client=service.client_tag(self.settings.secret_key, client), region=region,
                                 lat=_float(q.get("lat")), lon=_float(q.get("lon")), pin=q.get("pin"))
        link_header = f'<{scope["path"]}?linkType=linkset>; rel="linkset"'.encode("latin-1", "replace")
        try:
            result = await verify(self.app.state.db, scan)
        except DomainError as refused:
            body = dumps(refused.to_problem(instance=scope["path"]))
            extra = [(b"retry-after", str(refused.extra["retry_after"]).encode())] \
                if refused.status in (429, 503) and "retry_after" in refused.extra else []
            await self._send(send, refused.status, body, b"application/problem+json", extra)
            return refused.status
        except Exception as exc:
            rid = uuid.uuid4().hex[:16]
            known = client_error_for(exc)  # database down or locked → 503 with Retry-After, as on every other path
            if known is not None:
                retry = str(known.extra.get("retry_after", 5)).encode()
                extra = [(b"x-request-id", rid.encode())] + ([(b"retry-after", retry)] if known.status == 503 else [])
                await self._send(send, known.status, dumps(known.to_problem(instance=scope["path"])),
                                 b"application/problem+json", extra)
                return int(known.status)
            log.exception("unhandled error", extra={"zj_path": scope["path"], "zj_request_id": rid})
            err = DomainError("server.error", f"服务器内部错误（请求编号 {rid}）", f"internal server error (request id {rid})",
                              status=500, extra={"request_id": rid})
            await self._send(send, 500, dumps(err.to_problem(instance=scope["path"])), b"application/problem+json",
                             [(b"x-request-id", rid.encode())])
            return 500
        status = 404 if result["answer"] == "not_found" else 200
        await self._send(send, status, dumps(result), b"application/json", [(b"link", link_header)], fixed=True)
        return status

    async def _send(self, send: Any, status: int, body: bytes, media: bytes, extra: list[tuple[bytes, bytes]],
                    fixed: bool = False) -> None:
        headers = [(b"content-length", str(len(body)).encode()), (b"content-type", media),
                   *(self.fixed if fixed else self.security), *extra]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _decorator_proc(type_: Any, dialect: Any) -> Any:
    from sqlalchemy.types import TypeDecorator

    if isinstance(type_, TypeDecorator):
        return lambda v: type_.process_result_value(v, dialect)
    return None


def _float(v: str | None) -> float | None:
    try:
        return float(v) if v not in (None, "") else None
    except ValueError:
        return None


@contextlib.asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[None]:
    """Put the fast lane in front of the app's middleware stack (built by now) and close the pools at the end.

    `ZHIJIAN_FAST_LANE=0` leaves the stack as it is (every scan then takes the full stack, still async)."""
    import os

    stack = getattr(app, "middleware_stack", None)
    installed = False
    if stack is not None and os.environ.get("ZHIJIAN_FAST_LANE", "1") != "0" and hasattr(app, "state") \
            and hasattr(app.state, "db"):
        app.middleware_stack = FastLane(stack, app)
        installed = True
    try:
        yield
    finally:
        if installed and isinstance(app.middleware_stack, FastLane):
            app.middleware_stack = app.middleware_stack.inner
        v = _VERIFIERS.get(getattr(getattr(app, "state", None), "db", None)) if hasattr(app, "state") else None
        if v is not None:
            await v.close()
