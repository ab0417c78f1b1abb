"""The resolver's hot path (issue #23): every GS1 primary key is served by a plain Starlette route — no FastAPI
dependency solving, request-body parsing or response-model validation per scan — while the platform's middleware
(security headers, rate limits, 503 on an unreachable database) and every answer stay as they were."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.routing import Route

from tests import aio
from zhijian.trace import digital_link

JSON = {"accept": "application/json"}


def test_every_primary_key_is_a_plain_starlette_route(app):
    from fastapi.routing import APIRoute

    from zhijian.trace.pages import hot_router

    routes = [r for r in hot_router.routes if isinstance(r, Route) and r.path.split("/")[1] in
              digital_link.PRIMARY_KEYS]
    # GET/HEAD and OPTIONS for each key
    assert {r.path.split("/")[1] for r in routes} == set(digital_link.PRIMARY_KEYS)
    assert {m for r in routes for m in r.methods or ()} == {"GET", "HEAD", "OPTIONS"}
    assert [r.path for r in routes if isinstance(r, APIRoute)] == []


def test_lean_route_keeps_answers_headers_and_methods(client, lot):
    path = f"/01/{lot.gtin}/10/{lot.lot}/21/{lot.serials[0]}"
    first = client.get(path, headers=JSON)
    assert first.status_code == 200 and first.json()["answer"] == "genuine_first"
    assert first.headers["cache-control"] == "no-store"
    assert first.headers["access-control-allow-origin"] == "*"
    assert first.headers["x-content-type-options"] == "nosniff"  # security headers still applied
    assert 'rel="linkset"' in first.headers["link"]
    assert client.get(path, headers=JSON).json()["answer"] == "genuine_repeat"
    assert client.head(path).status_code == 200
    opts = client.options(path)
    assert opts.status_code == 204 and "OPTIONS" in opts.headers["allow"]
    assert client.get(f"/01/{lot.gtin}/21/{lot.serials[0]}X", headers=JSON).status_code in (400, 404)
    linkset = client.get(path + "?linkType=linkset")
    assert linkset.headers["content-type"].startswith("application/linkset+json")


def _lane_calls(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    from zhijian.trace import hot

    calls: list[str] = []
    real = hot.FastLane._answer

    async def counting(self, scope, send, link, target):  # type: ignore[no-untyped-def]
        calls.append(scope["path"])
        return await real(self, scope, send, link, target)

    monkeypatch.setattr(hot.FastLane, "_answer", counting)
    return calls


SAME_HEADERS = ("content-type", "cache-control", "access-control-allow-origin", "access-control-expose-headers",
                "content-security-policy", "x-frame-options", "x-content-type-options", "referrer-policy", "link")


def test_fast_lane_answers_plain_json_scans_like_the_full_stack(client, app, lot, monkeypatch):
    """A plain JSON scan is answered by the fast lane ahead of the middleware (trace.hot.FastLane); its headers and
    body are those of the full stack (the same scan with a credential takes the full stack)."""
    from zhijian.trace import hot

    assert isinstance(app.middleware_stack, hot.FastLane)  # installed by the trace room's lifespan
    calls = _lane_calls(monkeypatch)
    path = f"/01/{lot.gtin}/10/{lot.lot}/21/{lot.serials[1]}"
    lane = client.get(path, headers=JSON)
    full = client.get(path, headers={**JSON, "cookie": "zj_session=not-a-session"})
    assert calls == [f"/01/{lot.gtin}/10/{lot.lot}/21/{lot.serials[1]}"]  # only the first one took the lane
    assert lane.status_code == full.status_code == 200
    assert {h: lane.headers.get(h) for h in SAME_HEADERS} == {h: full.headers.get(h) for h in SAME_HEADERS}
    a, b = lane.json(), full.json()
    assert (a["answer"], a["count"], b["answer"], b["count"]) == ("genuine_first", 1, "genuine_repeat", 2)
    assert {k: v for k, v in a.items() if k not in ("answer", "count", "message_zh", "message_en")} == \
        {k: v for k, v in b.items() if k not in ("answer", "count", "message_zh", "message_en")}
    # not for the lane: HTML, HEAD, linksets, other keys, syntax errors
    assert client.get(path).headers["content-type"].startswith("text/html")
    assert client.get(path + "?linkType=all", headers=JSON).status_code == 200
    assert client.get(f"/01/{lot.gtin}/21/ABC%7F", headers=JSON).status_code == 400
    assert len(calls) == 1
    # a serial that differs in its last character (a serial that already ends in "Z" stays itself with "Z": the
    # earlier flake, seen on MariaDB and SQLite, was that case, not the lane)
    serial = lot.serials[1]
    other = serial[:-1] + ("Y" if serial.endswith("Z") else "Z")
    assert other not in lot.serials
    unknown = client.get(f"/01/{lot.gtin}/10/{lot.lot}/21/{other}", headers=JSON)
    assert unknown.status_code == 404 and unknown.json()["answer"] == "not_found" and len(calls) == 2


def test_fast_lane_keeps_the_public_rate_limit(db, settings, lot):
    """ZHIJIAN_PUBLIC_RATE_LIMIT per client and minute holds on the lane: the 4th scan of 3 allowed gets 429 with
    Retry-After, as from PublicRateLimitMiddleware."""
    import dataclasses

    from fastapi.testclient import TestClient

    from zhijian.platform.app import create_app

    limited = create_app(db, dataclasses.replace(settings, public_rate_limit=3))
    path = f"/01/{lot.gtin}/10/{lot.lot}/21/{lot.serials[2]}"
    with TestClient(limited) as c:
        codes = [c.get(path, headers=JSON).status_code for _ in range(4)]
        last = c.get(path, headers=JSON)
    assert codes == [200, 200, 200, 429]
    assert last.status_code == 429 and last.json()["code"] == "request.rate_limited" and "retry-after" in last.headers


def test_fast_lane_counts_the_rate_limit_in_redis_across_processes(db, settings, lot):
    """With ZHIJIAN_REDIS_URL two servers (two apps here, each with its own counters and event loop) count one
    client together on the lane, through the asyncio client: 3 allowed a minute → the 4th scan, on either, is 429
    (issue #23: rate limits shared behind the proxy, without a blocking round trip on the event loop)."""
    import dataclasses
    import uuid

    from fastapi.testclient import TestClient

    from zhijian.platform.app import create_app
    from zhijian.platform.throttle import make_storage

    redis_url = "redis://127.0.0.1:6379/15"
    try:
        make_storage(redis_url).incr("zj:probe", 5)
    except Exception:
        pytest.skip("no Redis on 127.0.0.1:6379")
    n = uuid.uuid4().int
    peer = (f"10.{n % 250}.{n // 250 % 250}.{n // 62500 % 250 + 1}", 50000)  # a fresh client: its count starts at 0
    shared = dataclasses.replace(settings, public_rate_limit=3, redis_url=redis_url)
    a, b = create_app(db, shared), create_app(db, shared)
    path = f"/01/{lot.gtin}/10/{lot.lot}/21/{lot.serials[3]}"
    with TestClient(a, client=peer) as ca, TestClient(b, client=peer) as cb:
        codes = [(ca if i % 2 else cb).get(path, headers=JSON).status_code for i in range(4)]
        assert a.state.rate_limiter._async is not None  # counted through the asyncio client
    assert codes == [200, 200, 200, 429]


def _full(path: str, query: str) -> tuple[str, str | None, str | None] | None:
    from zhijian.platform.errors import DomainError
    from zhijian.trace import rules

    try:
        link = rules.parse_digital_link(path + ("?" + query if query else ""))
    except DomainError:
        return None
    return link.gtin, link.lot, link.serial


@pytest.mark.parametrize(("path", "query", "plain"), [
    ("/01/06901234567892/10/L1/21/ABC123", "", True),
    ("/01/06901234567892/10/L1/21/ABC123", "region=330106&lat=30.27&lon=120.15&pin=1234", True),
    ("/01/06901234567893/10/L1/21/ABC123", "", False),  # wrong check digit: the full parser's 400
    ("/01/06901234567892/10/L1/21/ABC123", "17=261231", False),  # a data attribute: checked by the full parser
    ("/01/06901234567892/10/L1/21/ABC123", "17=2612", False),
    ("/01/06901234567892/10/L1/21/A%2FB", "", False),  # percent-encoded: decoded by the full parser
    ("/01/06901234567892/10/L-1/21/ABC", "", False),  # punctuation (CSET 82 allows some): the full parser
    ("/01/06901234567892/10/L1/21/ABCDEFGHIJKLMNOPQRSTU", "", False),  # 21 characters
    ("/01/6901234567892/10/L1/21/ABC", "", False),  # GTIN-13 form
    ("/01/06901234567892/21/ABC/10/L1", "", False),  # qualifiers out of order: 400
    ("/01/06901234567892/10/L1/21/ABC", "region=%00", False),  # a control character: 400
])
def test_plain_link_shortcut_agrees_with_the_full_parser(path, query, plain):
    """The fast lane's shortcut for `/01/{GTIN-14}/10/{lot}/21/{serial}` answers only where GS1's full rules give
    the same (gtin, lot, serial); everything else goes to the full parser (GS1 Digital Link 1.4 §4 syntax)."""
    from zhijian.trace.hot import plain_link

    got = plain_link(path, query.encode())
    assert (got is not None) == plain
    if got is not None:
        assert _full(path, query) == got


@given(st.text(alphabet="0123456789AZaz/%-._", min_size=0, max_size=12),
       st.text(alphabet="0123456789AZaz/%-._", min_size=0, max_size=22),
       st.text(alphabet="0123456789az=&%._-", max_size=20))
@settings(max_examples=300, deadline=None)
def test_plain_link_never_disagrees(lot_text, serial_text, query):
    from zhijian.trace.hot import plain_link

    path = f"/01/06901234567892/10/{lot_text}/21/{serial_text}"
    got = plain_link(path, query.encode())
    if got is not None:
        assert _full(path, query) == got


# ---------------------------------------------------------------- one statement for counter, history and open signals


def _async_scan(db, scan):  # type: ignore[no-untyped-def]

    from zhijian.trace import hot

    async def run():  # type: ignore[no-untyped-def]
        v = hot.verifier(db)
        if v is None:
            return await hot.verify(db, scan)
        try:
            return await v.verify(scan)
        finally:
            await v.close()

    return aio.run(run())


def _statement_names(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    from zhijian.trace import hot

    names: list[str] = []
    real = hot.AsyncVerifier._run

    async def counting(self, conn, name, with_lot, params):  # type: ignore[no-untyped-def]
        names.append(name)
        return await real(self, conn, name, with_lot, params)

    monkeypatch.setattr(hot.AsyncVerifier, "_run", counting)
    return names


def test_history_signals_equal_on_both_paths_with_one_statement_for_the_reads(db, monkeypatch):
    """multi_city (3 cities: 上海, 深圳, 北京) and burst (5 scans within 10 minutes) are raised alike by the sync
    driver (separate history and open-kinds reads) and the async one, which on PostgreSQL reads both with the counter
    in one statement: a repeat scan is then the counter statement and the scan insert, nothing else (the burst
    signal's insert when it is first stored), and a kind open for the code is stored once (issue #23)."""
    from sqlalchemy import func, select

    from tests.trace.conftest import issue_lot
    from zhijian.trace import service
    from zhijian.trace.models import Signal

    lot = issue_lot(db, quantity=2)
    a, b = lot.serials
    names = _statement_names(monkeypatch)
    got: dict[str, list[list[str]]] = {a: [], b: []}
    for region in ("310101", "440305", "110101", "310101", "310101", "310101"):
        with db.session() as s:
            got[a].append(service.verify_scan(s, service.ScanInput(gtin=lot.gtin, serial=a, lot=lot.lot, client="t-h",
                                                                   region=region))["signals"])
        got[b].append(_async_scan(db, service.ScanInput(gtin=lot.gtin, serial=b, lot=lot.lot, client="t-h",
                                                        region=region))["signals"])
    assert got[a] == got[b]
    assert got[b][:3] == [[], [], ["multi_city"]] and got[b][4] == ["multi_city", "burst"] == got[b][5]
    with db.session() as s:
        stored = {serial: sorted(s.scalars(select(Signal.kind).where(Signal.serial == serial, Signal.gtin == lot.gtin)))
                  for serial in (a, b)}
        assert s.scalar(select(func.count()).select_from(Signal).where(Signal.serial == b)) == 2
    assert stored[a] == stored[b] == ["burst", "multi_city"]
    if db.backend == "postgresql":
        per_scan = " ".join(names).replace("count_history", "|count_history").split("|")[1:]
        assert [p.split() for p in per_scan] == [["count_history", "scan"]] * 2 + [
            ["count_history", "scan", "signal"], ["count_history", "scan"], ["count_history", "scan", "signal"],
            ["count_history", "scan"]]


def test_a_scan_committed_after_the_snapshot_is_in_the_history(db):
    """Two scans of one code at once (a counterfeit's storm): ours waits for the other's row lock, and the history
    in our statement's snapshot lacks the other scan. The count says so (snapshot count + 2), and the history is
    read again: the 3rd city still raises multi_city, as when the scans come one after the other."""
    import asyncio

    from sqlalchemy import text

    from tests.trace.conftest import issue_lot
    from zhijian.trace import hot, service

    if db.backend != "postgresql":
        pytest.skip("the one-statement read is PostgreSQL's (trace.hot)")
    lot = issue_lot(db, quantity=1)
    serial = lot.serials[0]

    def scan(region: str) -> service.ScanInput:
        return service.ScanInput(gtin=lot.gtin, serial=serial, lot=lot.lot, client="t-race", region=region)

    with db.session() as s:
        service.verify_scan(s, scan("310101"))  # 上海

    async def run() -> tuple[int, dict]:  # type: ignore[type-arg]
        v = hot.verifier(db)
        assert v is not None
        other = db.session()
        s = other.__enter__()
        ours = None
        try:
            service.verify_scan(s, scan("440305"))  # 深圳, not yet committed: holds the code's row lock
            ours = asyncio.create_task(v.verify(scan("110101")))  # 北京
            waiting = 0
            with db.engine.connect() as c:
                # on a Citus coordinator the wait is on the worker holding the shard: citus_lock_waits sees it
                citus = c.execute(text("SELECT count(*) FROM pg_extension WHERE extname = 'citus'")).scalar()
                probe = ("SELECT count(*) FROM citus_lock_waits WHERE blocked_statement LIKE '%WITH counted%'" if citus
                         else "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                              "AND query LIKE '%WITH counted%'")
                for _ in range(400):
                    await asyncio.sleep(0.05)
                    waiting = c.execute(text(probe)).scalar() or 0
                    if waiting or ours.done():
                        break
        except BaseException as exc:
            other.__exit__(type(exc), exc, exc.__traceback__)  # roll back: never leave the row locked
            raise
        other.__exit__(None, None, None)  # commit 深圳
        try:
            return waiting, await ours
        finally:
            await v.close()

    waiting, answer = aio.run(run())
    assert waiting == 1  # ours waited for the other scan's lock
    assert answer["count"] == 3 and answer["signals"] == ["multi_city"]


def test_sqlite_scans_run_on_the_event_loop_unless_a_thread_is_writing(sqlite_db, monkeypatch):
    """SQLite: `hot.verify` drives the steps on the loop's own thread (no thread crossing, no ORM session) and gives
    the sync driver's answer and rows; while this process's writer lock is held by a worker thread's unit of work,
    the scan takes the sync driver on a worker thread instead (the loop never waits for the lock)."""
    import asyncio
    import threading

    from sqlalchemy import func, select

    from tests.trace.conftest import issue_lot
    from zhijian.trace import hot, service
    from zhijian.trace.models import Scan
    from zhijian.trace.service.verification import _SQLITE_WRITER

    lot = issue_lot(sqlite_db, quantity=2)
    threads: list[bool] = []
    real = hot.SqliteVerifier.verify

    def spy(self, scan, now=None):  # type: ignore[no-untyped-def]
        try:  # on the loop's own thread a loop is running; on a worker thread (to_thread) none is
            asyncio.get_running_loop()
            threads.append(True)
        except RuntimeError:
            threads.append(False)
        return real(self, scan, now)

    monkeypatch.setattr(hot.SqliteVerifier, "verify", spy)

    def scan(serial: str) -> service.ScanInput:
        return service.ScanInput(gtin=lot.gtin, serial=serial, lot=lot.lot, client="t-lite", region="330106")

    on_loop = [aio.run(hot.verify(sqlite_db, scan(lot.serials[0]))) for _ in range(2)]
    with sqlite_db.session() as s:
        synced = [service.verify_scan(s, scan(lot.serials[1])) for _ in range(2)]
    assert threads == [True, True]
    for a, b in zip(on_loop, synced, strict=True):
        assert {k: v for k, v in a.items() if k not in ("serial", "first_scan_at")} == \
            {k: v for k, v in b.items() if k not in ("serial", "first_scan_at")}
    assert [a["answer"] for a in on_loop] == ["genuine_first", "genuine_repeat"]
    held = threading.Event()

    def writer() -> None:  # a worker thread's unit of work holding the writer lock for a moment
        with _SQLITE_WRITER:
            held.set()
            threading.Event().wait(0.3)

    t = threading.Thread(target=writer)
    t.start()
    held.wait(5)
    assert aio.run(hot.verify(sqlite_db, scan(lot.serials[0])))["count"] == 3
    t.join()
    assert threads == [True, True]  # the third scan did not take the loop's driver
    with sqlite_db.session() as s:
        assert s.scalar(select(func.count()).select_from(Scan).where(Scan.serial == lot.serials[0])) == 3
