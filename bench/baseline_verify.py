"""The lean baseline of the verification figure (issue #23): a bare Starlette route on the same uvicorn doing the
same database work as a repeat scan of a genuine code — the counter `UPDATE … RETURNING` on trace_code and the
scan `INSERT` on trace_scan, one transaction, async psycopg (PostgreSQL) or sqlite3 (SQLite) on the same tables.

No MAC check, no signals, no audit, no answer texts beyond a fixed JSON: what the machine does for the two
statements, which is the ceiling zhijian's resolver is measured against in bench/bench_trace.py.

    ZJ_BASELINE_URL=postgresql://postgres@127.0.0.1:5432/test?options=... \\
        .venv/bin/python -m uvicorn bench.baseline_verify:app --workers 2 --no-access-log
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import secrets
import sqlite3
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

URL = os.environ.get("ZJ_BASELINE_URL", "")
UPDATE = ("UPDATE trace_code SET first_scan_city = CASE WHEN first_scan_at IS NULL THEN {p} ELSE first_scan_city END, "
          "first_scan_at = COALESCE(first_scan_at, {p}), scan_count = scan_count + 1, last_scan_at = {p} "
          "WHERE serial = {p} AND gtin = {p} AND lot = {p} RETURNING status, scan_count, first_scan_at")
INSERT = ("INSERT INTO trace_scan (serial, id, gtin, scanned_at, city, lat, lon, client, answer) "
          "VALUES ({p}, {p}, {p}, {p}, {p}, NULL, NULL, '', {p})")
_pool: Any = None
_sqlite: sqlite3.Connection | None = None


def _scan_id(now: dt.datetime) -> int:
    return ((int(now.timestamp() * 1000) & ((1 << 41) - 1)) << 22) | secrets.randbits(22)


def _parts(path: str) -> tuple[str, str, str]:
    p = path.split("/")  # /01/{gtin}/10/{lot}/21/{serial}
    return p[2], p[4], p[6]


async def verify(request: Request) -> Response:
    gtin, lot, serial = _parts(request.url.path)
    city = request.query_params.get("region", "")[:4] or None
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    if _pool is not None:
        conn = await _pool.get()
        try:
            async with conn.transaction():  # one transaction: both statements, then commit
                cur = await conn.execute(UPDATE.format(p="%s"), (city, now, now, serial, gtin, lot), prepare=True)
                row = await cur.fetchone()
                if row is not None:
                    answer = "genuine_first" if row[1] == 1 else "genuine_repeat"
                    await conn.execute(INSERT.format(p="%s"), (serial, _scan_id(now), gtin, now, city, answer),
                                       prepare=True)
        finally:
            _pool.put_nowait(conn)
    else:
        assert _sqlite is not None
        scan_id = _scan_id(now)
        text = now.isoformat(" ")  # SQLAlchemy's SQLite datetime text
        with _sqlite:
            row = _sqlite.execute(UPDATE.format(p="?"), (city, text, text, serial, gtin, lot)).fetchone()
            if row is not None:
                answer = "genuine_first" if row[1] == 1 else "genuine_repeat"
                _sqlite.execute(INSERT.format(p="?"), (serial, scan_id, gtin, text, city, answer))
    if row is None:
        return Response(b'{"answer":"not_found"}', status_code=404, media_type="application/json")
    body = json.dumps({"gtin": gtin, "serial": serial, "lot": lot, "answer": answer, "count": row[1]})
    return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})


async def healthz(request: Request) -> Response:
    return Response(b"ok")


async def startup() -> None:
    global _pool, _sqlite
    if URL.startswith("sqlite"):
        _sqlite = sqlite3.connect(URL.split("sqlite:///", 1)[1], timeout=30, isolation_level=None,
                                  check_same_thread=False)
        _sqlite.execute("PRAGMA journal_mode=WAL")
        _sqlite.execute("PRAGMA synchronous=NORMAL")
        _sqlite.isolation_level = ""  # implicit BEGIN, like the resolver's session
        return
    import asyncio

    import psycopg

    _pool = asyncio.Queue()  # a fixed pool of async connections (psycopg_pool is not a dependency)
    for _ in range(int(os.environ.get("ZJ_BASELINE_POOL", "8"))):
        _pool.put_nowait(await psycopg.AsyncConnection.connect(URL.replace("postgresql+psycopg://", "postgresql://"),
                                                               autocommit=True))


async def shutdown() -> None:
    while _pool is not None and not _pool.empty():
        await _pool.get_nowait().close()


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    await startup()
    yield
    await shutdown()


app = Starlette(routes=[Route("/healthz", healthz), Route("/01/{rest:path}", verify)], lifespan=lifespan)
