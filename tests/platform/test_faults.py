"""Fault tests (issue 12 item 7): `zhijian serve` as a real process, killed with SIGKILL mid-request.

For a 50,000-row certificate import, a 100,000-code issuance (the API's cap per request, IssueIn.quantity)
and an EPCIS capture of 10,000 events, on SQLite, PostgreSQL and MariaDB: the server is killed while the
request runs, restarted, and then the rows are all there or none is, `zhijian audit verify` passes, and a retry
with the same Idempotency-Key does the work exactly once (a second retry is a replay that writes nothing).
On PostgreSQL and MariaDB the request's connection is also killed by the server (`pg_terminate_backend`,
`KILL CONNECTION`) while it runs: the answer is a 503 problem+json with Retry-After (never a bare 500), and
the next request succeeds.
"""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from tests import factories
from tests.dbs import SERVERS, available_backends, isolated_url, migrated_template
from zhijian.consumer.models import Certificate
from zhijian.platform.auth import SYSTEM
from zhijian.platform.db import Database
from zhijian.trace import epcis as E
from zhijian.trace.models import Code, CodeBatch, EpcisEvent

pytestmark = pytest.mark.slow
BACKENDS = available_backends()
SERVER_BACKENDS = [b for b in BACKENDS if b in SERVERS]
ZHIJIAN = str(Path(sys.executable).with_name("zhijian"))
IMPORT_ROWS, CODES, EVENTS = 50_000, 100_000, 10_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`zhijian serve` in its own process group, on `url`; start, kill -9, start again."""

    def __init__(self, url: str, log: Path, *, secret: bool = True) -> None:
        self.env = {**os.environ, "ZHIJIAN_DATABASE_URL": url, "ZHIJIAN_PUBLIC_RATE_LIMIT": "1000000",
                    "ZHIJIAN_MAX_BODY_BYTES": str(200 * 1024 * 1024)}
        self.env.pop("ZHIJIAN_REDIS_URL", None)
        if secret:  # as a production install is configured (the Idempotency-Key HMAC is keyed by it)
            self.env["ZHIJIAN_SECRET_KEY"] = "fault-test-secret-" + uuid.uuid4().hex
        else:
            self.env.pop("ZHIJIAN_SECRET_KEY", None)
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None
        self.base = ""

    def start(self) -> None:
        port = _free_port()
        self.base = f"http://127.0.0.1:{port}"
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen([ZHIJIAN, "serve", "--host", "127.0.0.1", "--port", str(port)],
                                         env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(self.base + "/healthz", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert self.proc.poll() is None, self.log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)

    def kill9(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)  # the group this test started: the server and its children
        self.proc.wait(30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill9()

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([ZHIJIAN, *args], env=self.env, capture_output=True, text=True, timeout=600)


@contextmanager
def _world(backend: str, tmp: Path, factory: pytest.TempPathFactory,
           app_name: str) -> Iterator[tuple[Database, str]]:
    """A migrated database of its own holding the reference data (a copy of the run's template)."""
    with isolated_url(backend, tmp, template=migrated_template(backend, factory)) as url:
        if backend == "postgresql":  # the server's connections carry a name this test can terminate
            url = make_url(url).update_query_dict({"application_name": app_name}).render_as_string(
                hide_password=False)
        db = Database(url)
        try:
            yield db, url
        finally:
            db.dispose()


def _count(db: Database, stmt: Any) -> int:
    with db.session(write=False) as s:
        return int(s.scalar(stmt) or 0)


def _token(base: str, username: str) -> dict[str, str]:
    r = httpx.post(base + "/api/v1/auth/token", json={"username": username, "password": "correct horse 1"},
                   timeout=60)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _certificates(db: Database) -> tuple[str, Callable[[], dict[str, Any]], Any]:
    """A 50,000-row certificate CSV, the request that sends it and the count of its rows."""
    from tests.consumer.test_credit_certs import _body, _csv

    with db.session(SYSTEM) as s:
        ent = factories.enterprise(s)
        body = _body(s, "中国质量认证中心")
        name, uscc = ent.name, ent.uscc
        user = factories.user(s, "association").username
    prefix = f"2024{uuid.uuid4().int % 10**4:04d}"
    data = _csv([[f"{prefix}{i:08d}", "CCC", name, uscc, "电热水壶", f"电热水壶 MK-{i}", body, "2024-03-01",
                  "2029-02-28", "有效"] for i in range(IMPORT_ROWS)])

    def request() -> dict[str, Any]:
        return {"method": "POST", "url": "/api/v1/certificates/import",
                "files": {"file": ("certs.csv", io.BytesIO(data), "text/csv")}}

    return user, request, select(func.count()).select_from(Certificate).where(Certificate.number.like(prefix + "%"))


def _issuance(db: Database) -> tuple[str, Callable[[], dict[str, Any]], Any]:
    with db.session(SYSTEM) as s:
        ent = factories.enterprise(s)
        pid = factories.product(s, ent, gtin=factories.new_gtin()).id
        user = factories.user(s, "admin").username
    lot = "F" + uuid.uuid4().hex[:8].upper()
    body = {"product_id": pid, "lot": lot, "quantity": CODES}

    def request() -> dict[str, Any]:
        return {"method": "POST", "url": "/api/v1/trace/batches", "json": body}

    # codes of every batch of the lot: a second batch (work done twice) counts twice
    return user, request, (select(func.count()).select_from(Code).join(CodeBatch, CodeBatch.id == Code.batch_id)
                           .where(CodeBatch.lot == lot))


def _capture(db: Database) -> tuple[str, Callable[[], dict[str, Any]], Any]:
    with db.session(SYSTEM) as s:
        user = factories.user(s, "admin").username
    tag = uuid.uuid4().hex[:10]
    run = uuid.uuid4().hex[:8]  # every event's eventID starts with it
    point = "urn:epc:id:sgln:6901234.00001.0"
    events = [{"type": "ObjectEvent", "eventID": f"urn:uuid:{run}-0000-4000-8000-{i:012d}", "eventTime": f"2026-03-01T08:{i % 60:02d}:{(i // 60) % 60:02d}+08:00",
               "eventTimeZoneOffset": "+08:00", "action": "OBSERVE", "bizStep": "shipping",
               "epcList": [f"urn:epc:id:sgtin:6901234.000123.{tag}{i}"],
               "readPoint": {"id": point}} for i in range(EVENTS)]
    doc = {"@context": [E.EPCIS_CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
           "creationDate": "2026-03-15T00:00:00Z", "epcisBody": {"eventList": events}}

    def request() -> dict[str, Any]:
        return {"method": "POST", "url": "/epcis/capture", "json": doc}

    return user, request, (select(func.count()).select_from(EpcisEvent)
                           .where(EpcisEvent.event_id.like(f"urn:uuid:{run}-%")))


KINDS = {"import": (_certificates, IMPORT_ROWS, 1.5), "issuance": (_issuance, CODES, 0.4),
         "capture": (_capture, EVENTS, 1.0)}
"""kind → (its request, the rows it writes, seconds after sending when the server is killed)."""


def _send(base: str, headers: dict[str, str], req: dict[str, Any], out: list[Any]) -> None:
    try:
        with httpx.Client(base_url=base, timeout=600) as c:
            out.append(c.request(headers=headers, **req))
    except httpx.HTTPError as exc:  # the killed server's connection
        out.append(exc)


# SQLite's issuance runs as the next test does, without a configured secret (the same kill, retry and counts)
CASES = [(backend, kind) for backend in BACKENDS for kind in KINDS if (backend, kind) != ("sqlite", "issuance")]


@pytest.mark.parametrize(("backend", "kind"), CASES)
def test_kill_9_mid_request_then_retry_with_the_same_key(backend: str, kind: str, tmp_path: Path,
                                                        tmp_path_factory: pytest.TempPathFactory) -> None:
    _kill_and_retry(backend, kind, tmp_path, tmp_path_factory, secret=True)


def test_retry_after_restart_without_configured_secret_runs_once(tmp_path: Path,
                                                                 tmp_path_factory: pytest.TempPathFactory) -> None:
    """Finding: without ZHIJIAN_SECRET_KEY each server process drew a random secret, the Idempotency-Key HMAC changed
    at restart, and the retry after a crash did the work a second time (200,000 codes for one key of 100,000).
    Now the installation keeps one generated key in its var directory (platform/config.py `_local_secret`)."""
    _kill_and_retry("sqlite", "issuance", tmp_path, tmp_path_factory, secret=False, delay=3.0)


def _kill_and_retry(backend: str, kind: str, tmp_path: Path, factory: pytest.TempPathFactory, *, secret: bool,
                    delay: float | None = None) -> None:
    make, n, kill_at = KINDS[kind]
    with _world(backend, tmp_path, factory, "zjfault_" + uuid.uuid4().hex[:8]) as (db, url):
        username, request, counter = make(db)
        server = Server(url, tmp_path / "serve.log", secret=secret)
        server.start()
        try:
            auth = {**_token(server.base, username), "Idempotency-Key": str(uuid.uuid4())}
            answers: list[Any] = []
            worker = threading.Thread(target=_send, args=(server.base, auth, request(), answers))
            started = time.monotonic()
            worker.start()
            time.sleep(kill_at if delay is None else delay)  # the body is sent, the server is working on it
            server.kill9()
            killed_after = time.monotonic() - started
            worker.join(60)
            mid = bool(answers) and isinstance(answers[0], httpx.HTTPError)
            after_kill = _count(db, counter)
            assert after_kill in (0, n), f"{after_kill} of {n} rows after kill -9"
            server.start()  # the chain the kill left is verified with the rest at the end (verify reads it all)
            retry = httpx.request(headers=auth, timeout=600, **_absolute(server.base, request()))
            assert retry.status_code in (200, 201, 202), retry.text[:500]
            assert _count(db, counter) == n
            again = httpx.request(headers=auth, timeout=600, **_absolute(server.base, request()))
            assert again.status_code == retry.status_code and again.headers.get("Idempotent-Replayed") == "true"
            assert _count(db, counter) == n
            verify = server.cli("audit", "verify")
            assert verify.returncode == 0, verify.stdout + verify.stderr
            print(f"\n{backend} {kind}: killed after {killed_after:.1f} s (mid-request: {mid}), "
                  f"{after_kill} rows after the kill, {n} after the retry; {verify.stdout.strip()}")
        finally:
            server.stop()


def _absolute(base: str, req: dict[str, Any]) -> dict[str, Any]:
    return {**req, "url": base + req["url"]}


def _kill_connections(backend: str, db: Database, app_name: str) -> int:
    """Have the database server kill this test server's connections that are running a statement or hold a
    transaction open; the number killed. PostgreSQL: `pg_terminate_backend` of the server's application_name;
    MariaDB (no application name): `KILL CONNECTION` of the threads on the test's own database."""
    admin = create_engine(SERVERS[backend], isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            if backend == "postgresql":
                return len(c.execute(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :a "
                    "AND state IN ('active', 'idle in transaction')"), {"a": app_name}).all())
            ids = c.execute(text(
                "SELECT id FROM information_schema.processlist WHERE db = :d AND id <> connection_id() AND "
                "(command = 'Query' OR id IN (SELECT trx_mysql_thread_id FROM information_schema.innodb_trx))"),
                {"d": db.engine.url.database}).scalars().all()
            for thread in ids:
                try:
                    c.execute(text(f"KILL CONNECTION {int(thread)}"))
                except Exception as exc:  # it ended between the read and the kill
                    if "Unknown thread" not in str(exc):
                        raise
            return len(ids)
    finally:
        admin.dispose()


@pytest.mark.parametrize("backend", SERVER_BACKENDS)
def test_connection_killed_mid_request_is_503_then_next_succeeds(backend: str, tmp_path: Path,
                                                                 tmp_path_factory: pytest.TempPathFactory) -> None:
    app_name = "zjfault_" + uuid.uuid4().hex[:8]
    with _world(backend, tmp_path, tmp_path_factory, app_name) as (db, url):
        username, request, counter = _capture(db)
        server = Server(url, tmp_path / "serve.log")
        server.start()
        try:
            auth = _token(server.base, username)
            answers: list[Any] = []
            worker = threading.Thread(target=_send, args=(server.base, auth, request(), answers))
            worker.start()
            killed = 0
            deadline = time.monotonic() + 60
            # until the request ends: the first kill may hit another of the server's connections (a background
            # job's poll), which left the capture running to 202 on a loaded machine
            while worker.is_alive() and time.monotonic() < deadline:
                killed += _kill_connections(backend, db, app_name)
                time.sleep(0.2)
            worker.join(120)
            assert killed, "the request ended before its connection could be killed"
            r = answers[0]
            assert isinstance(r, httpx.Response), r
            assert r.status_code == 503, r.text[:500]
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.json()["code"] and r.headers.get("Retry-After")
            assert _count(db, counter) == 0
            nxt = httpx.get(server.base + "/api/v1/auth/me", headers=auth, timeout=60)
            assert nxt.status_code == 200, nxt.text[:300]
        finally:
            server.stop()
