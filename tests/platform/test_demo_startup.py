"""`make demo`'s start-up (issue 12): the demo server's scheduled jobs run at start without a locked database.

The issue saw `job failed ... sqlite3.OperationalError: database is locked` for `consumer.credit_recompute`
and `risk.scan` in the log of `make demo`. The run's demo database is built once by the first two commands of
`make demo` (`zhijian db upgrade`, `zhijian demo`: tests/web/conftest.py `_demo_database`, shared with the browser
and crawl tests); this serves a copy of it with the third (`zhijian serve`), lets the server run ~20 s while its
scheduler queues every periodic job (first tick after 5 s), and reads the log.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.web.conftest import _demo_database, demo_var_dir

ZHIJIAN = str(Path(sys.executable).with_name("zhijian"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_demo_server_start_up_log_has_no_locked_database(tmp_path: Path,
                                                          tmp_path_factory: pytest.TempPathFactory) -> None:
    built = _demo_database(tmp_path_factory)
    assert "database is locked" not in (built.parent / "browser-demo.log").read_text(encoding="utf-8")
    db_file = tmp_path / "demo.db"
    shutil.copyfile(built, db_file)
    env = {**os.environ, "ZHIJIAN_DATABASE_URL": f"sqlite:///{db_file}", "ZHIJIAN_VAR_DIR": str(demo_var_dir()),
           "ZHIJIAN_JOBS_BACKEND": "inprocess", "ZHIJIAN_SCHEDULER": "1"}  # the demo's var directory: its audit key signed the chain
    env.pop("ZHIJIAN_REDIS_URL", None)
    port = _free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        server = subprocess.Popen([ZHIJIAN, "serve", "--host", "127.0.0.1", "--port", str(port)], cwd=tmp_path,
                                  env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert server.poll() is None, log_path.read_text()[-3000:]
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.3)
            # visitors while the jobs run: the portal and the API keep answering
            end = time.monotonic() + 20
            while time.monotonic() < end:
                assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=30).status_code == 200
                time.sleep(1)
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(10)
    text = log_path.read_text(encoding="utf-8", errors="replace")
    assert "database is locked" not in text, text[-4000:]
    assert "job failed" not in text, text[-4000:]
    assert "scheduling failed" not in text, text[-4000:]
    with sqlite3.connect(db_file) as conn:
        rows = conn.execute("SELECT name, status, error FROM job").fetchall()
    assert rows, "the scheduler queued no job in 20 s"
    failed = [r for r in rows if r[1] == "failed"]
    assert not failed, failed


def test_job_enqueued_inside_a_write_unit_of_work_runs_after_commit(sqlite_db: Any, settings: Any) -> None:
    """POST /api/v1/risk/scan enqueued its job from a second session while the request's BEGIN IMMEDIATE held
    SQLite's writer lock: the insert waited for the request itself (busy timeout, retries) and answered 503
    (found by tests/platform/test_schemathesis.py). With `session=` the row is written in the caller's
    transaction at once, and the job runs only once that transaction has committed."""
    from sqlalchemy import select

    from zhijian.platform.db import SQLITE_BUSY_TIMEOUT_MS
    from zhijian.platform.jobs import JobRunner, _load_tasks
    from zhijian.platform.models import Job

    _load_tasks()  # the rooms' task modules, imported once before the clock starts
    runner = JobRunner(sqlite_db, settings, backend="inprocess")
    started = time.monotonic()
    with sqlite_db.session() as s:
        s.execute(select(1))  # the write unit of work has begun: it holds the writer lock
        job_id = runner.enqueue("platform.idempotency_purge", session=s)
        assert s.get(Job, job_id).status == "queued"
        assert job_id not in runner._futures  # not dispatched before the commit
    assert time.monotonic() - started < SQLITE_BUSY_TIMEOUT_MS / 1000  # the old path waited it out, repeatedly
    assert runner.wait(job_id, timeout=60).status == "done"
    try:
        with sqlite_db.session() as s:
            rolled_back = runner.enqueue("platform.idempotency_purge", session=s)
            raise RuntimeError("the request failed")
    except RuntimeError:
        pass
    assert rolled_back not in runner._futures
    with sqlite_db.session(write=False) as s:
        assert s.get(Job, rolled_back) is None
    runner.shutdown()
