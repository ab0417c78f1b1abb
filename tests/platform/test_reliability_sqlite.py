"""SQLite holds a small office (issue 12 part 2): concurrent writers wait their turn instead of failing.

Finding (issue 12): on the default SQLite database 2 concurrent `POST /api/v1/products` gave one 500 and
30 gave 27 × 500 ("database is locked"): a read-then-write transaction begun with a plain (deferred)
`BEGIN` cannot upgrade its read lock while another writer is active, and SQLite answers SQLITE_BUSY at once
without consulting the busy timeout. Write units of work now begin with `BEGIN IMMEDIATE`.
"""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from tests import factories
from tests.platform.live import fire, live_server, token
from zhijian.catalog.models import Product
from zhijian.platform import jobs
from zhijian.platform.auth import SYSTEM
from zhijian.platform.models import Job

pytestmark = pytest.mark.xdist_group("reliability-sqlite")


def test_30_concurrent_api_writes_all_succeed(db, app):
    """30 concurrent real HTTP writes → 30 × 201 and the 30 rows are there: on a SQLite file (the writers wait
    their turn), and on PostgreSQL and MariaDB (issue 12: the concurrency tests run on all three)."""
    with db.session() as s:
        ent, cat = factories.enterprise(s), factories.category(s)
        admin = factories.user(s, "admin").username
        ent_id, cat_id = ent.id, cat.id
    tag = factories.uid()
    with live_server(app) as base:
        auth = token(base, admin)
        names = iter(range(30))
        lock = threading.Lock()

        def post(c):  # type: ignore[no-untyped-def]
            with lock:
                i = next(names)
            return c.post("/api/v1/products", headers=auth, json={
                "name": f"并发产品{tag}-{i}", "category_id": cat_id, "enterprise_id": ent_id})

        answers = fire(30, post, base)
    codes = sorted(r.status_code for r in answers)
    assert codes == [201] * 30, [r.text for r in answers if r.status_code != 201][:3]
    with db.session() as s:
        stored = s.scalar(select(func.count()).select_from(Product).where(Product.name.like(f"并发产品{tag}-%")))
    assert stored == 30


def test_reads_are_not_blocked_by_a_writer(sqlite_db):
    """WAL: a read unit of work answers while another connection holds the write lock."""
    with sqlite_db.session() as s:
        s.execute(text("SELECT 1"))  # the writer below must not wait on this one
    writer = sqlite3.connect(sqlite_db.engine.url.database, timeout=1, isolation_level=None, check_same_thread=False)
    try:
        writer.execute("BEGIN IMMEDIATE")
        t0 = time.monotonic()
        with sqlite_db.session(write=False) as s:
            assert s.scalar(select(func.count()).select_from(Product)) >= 0
        assert time.monotonic() - t0 < 1
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_write_unit_of_work_waits_for_the_writer_lock(sqlite_db):
    """A write unit of work begun while another connection writes waits (busy timeout), then commits."""
    writer = sqlite3.connect(sqlite_db.engine.url.database, timeout=1, isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")
    threading.Timer(0.5, lambda: (writer.execute("COMMIT"), writer.close())).start()
    t0 = time.monotonic()
    with sqlite_db.session(SYSTEM) as s:
        factories.enterprise(s)
    assert 0.4 < time.monotonic() - t0 < 10


_calls: dict[str, int] = {}


@jobs.job("test.flaky_locked")
def _flaky(db, key: str):  # type: ignore[no-untyped-def]
    """Fails twice with SQLite's 'database is locked', as a job meets a busy database, then works."""
    _calls[key] = _calls.get(key, 0) + 1
    if _calls[key] <= 2:
        raise OperationalError("UPDATE x", {}, sqlite3.OperationalError("database is locked"))
    return {"attempts": _calls[key]}


def test_job_retries_a_locked_database(sqlite_db, settings):
    """A scheduled job that meets a locked database retries with backoff and completes: the run is not lost."""
    runner = jobs.JobRunner(sqlite_db, settings, backend="inline")
    key = factories.uid()
    job_id = runner.enqueue("test.flaky_locked", key=key)
    row = runner.wait(job_id, timeout=60)
    assert (row.status, row.result, row.error) == ("done", {"attempts": 3}, None)
    with sqlite_db.session() as s:
        assert s.get(Job, job_id).status == "done"
