"""定时任务: a periodic job's run is queued once, whatever the number of server processes and restarts.

Finding (2026-12-03): each process's scheduler queued every periodic job at its first tick (5 s after start) and
again every period by its own clock. Two `zhijian serve` processes behind a proxy ran the daily risk scan, the
audit verification and the credit recomputation twice a day each; every restart ran all ten jobs again (a fault
test's restarted server spent 17 s finishing them before it could stop). Now a run is claimed in `job_schedule`
with one conditional UPDATE, and exactly one claimer wins.
"""

from __future__ import annotations

import dataclasses
import threading
import time
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from zhijian.platform import jobs
from zhijian.platform.config import Settings, get_settings
from zhijian.platform.db import Database
from zhijian.platform.models import Job, JobSchedule


def _probe() -> str:
    """A job of this test's own (not one of the rooms'), so that the count of its rows is this test's."""
    name = f"tests.probe_{uuid.uuid4().hex[:10]}"
    jobs.job(name)(lambda db: {"ok": True})
    return name


def _runs(db: Database, name: str) -> int:
    with db.session(write=False) as s:
        return int(s.scalar(select(func.count()).select_from(Job).where(Job.name == name)) or 0)


def _settings(**kw: Any) -> Settings:
    return dataclasses.replace(get_settings(), jobs_backend="inprocess", **kw)


def test_concurrent_claims_queue_one_run(db: Database) -> None:
    """Eight schedulers, each with its own connection pool (as eight processes have), claim the same due run at
    once: one job row, one winner; the others get None."""
    name = _probe()
    runners = [jobs.JobRunner(Database(db.url), _settings()) for _ in range(8)]
    barrier = threading.Barrier(len(runners))
    won: list[int | None] = []

    def claim(r: jobs.JobRunner) -> None:
        barrier.wait()
        won.append(r.claim_due(name, 3600))

    threads = [threading.Thread(target=claim, args=(r,)) for r in runners]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    winners = [w for w in won if w is not None]
    assert len(won) == 8 and len(winners) == 1, won
    assert runners[0].wait(winners[0], timeout=30).status == "done"
    assert _runs(db, name) == 1
    for r in runners:
        r.shutdown()
        r.db.dispose()


def test_next_run_is_claimed_when_due_and_not_before(db: Database) -> None:
    name = _probe()
    first, restarted = (jobs.JobRunner(Database(db.url), _settings()) for _ in range(2))
    try:
        assert first.claim_due(name, 1.5) is not None
        assert restarted.claim_due(name, 1.5) is None  # a restart within the period queues nothing
        with db.session(write=False) as s:
            row = s.get(JobSchedule, name)
            assert row is not None
            due = row.next_at
        time.sleep(max(0.0, (due - jobs.utcnow()).total_seconds()) + 0.2)
        assert restarted.claim_due(name, 1.5) is not None  # due again: the next run, once
        assert first.claim_due(name, 1.5) is None
        assert _runs(db, name) == 2
    finally:
        for r in (first, restarted):
            r.shutdown()
            r.db.dispose()


def test_two_processes_and_a_restart_run_a_daily_job_once(sqlite_db: Database,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The schedulers themselves (first tick after 5 s): two started together and one started later — the finding's
    case. Before the claim: three runs of the daily job."""
    name = _probe()
    monkeypatch.setattr(jobs, "_SCHEDULE", {name: 86400.0})
    runners = [jobs.JobRunner(Database(sqlite_db.url), _settings(scheduler=True)) for _ in range(3)]
    try:
        runners[0].start_scheduler()
        runners[1].start_scheduler()
        deadline = time.monotonic() + 20
        while _runs(sqlite_db, name) == 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        runners[2].start_scheduler()  # the restart
        time.sleep(6)  # past every scheduler's next tick
        assert _runs(sqlite_db, name) == 1
    finally:
        for r in runners:
            r.shutdown()
            r.db.dispose()


def test_scheduler_off_starts_nothing(sqlite_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHIJIAN_SCHEDULER", "0")
    get_settings.cache_clear()
    try:
        assert get_settings().scheduler is False
    finally:
        get_settings.cache_clear()
    runner = jobs.JobRunner(sqlite_db, _settings(scheduler=False))
    runner.start_scheduler()
    assert runner._scheduler is None
