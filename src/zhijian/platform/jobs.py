"""后台任务 — one job mechanism for all background work (captures, scans, mail, webhooks).

A job is a row in `job` plus a registered function. It runs in-process (a thread pool) on the
embedded default, or on Redis through RQ when `ZHIJIAN_REDIS_URL` is set; the same tests run
against both. Rooms register their functions in tasks.py with `@job("room.name")`.

A database that is locked (SQLite: another writer held the lock past the busy timeout) or unavailable
(a server restarting, a dropped connection) is not a job failure: the job is retried with exponential
backoff (`RETRY_DELAYS`), and so is the bookkeeping around it and the scheduler's enqueue, so that no run
is lost — a scheduled run that could not even be queued is queued at the scheduler's next tick.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import event, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from zhijian.platform.config import Settings
from zhijian.platform.db import Database, get_database, is_unavailable, utcnow
from zhijian.platform.errors import DomainError, NotFound
from zhijian.platform.logs import log
from zhijian.platform.models import Job, JobSchedule

if TYPE_CHECKING:
    from zhijian.platform.auth import Actor

JobFn = Callable[..., dict[str, Any] | None]
RETRY_DELAYS = (0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8)
"""Seconds to wait before each retry of a unit of work that met a locked or unavailable database."""
_REGISTRY: dict[str, JobFn] = {}
_SCHEDULE: dict[str, float] = {}


def job(name: str, *, every_seconds: float | None = None) -> Callable[[JobFn], JobFn]:
    """Register `fn(db, **args)` as a background job (optionally run periodically by the server)."""

    def deco(fn: JobFn) -> JobFn:
        _REGISTRY[name] = fn
        if every_seconds:
            _SCHEDULE[name] = every_seconds
        return fn

    return deco


def _load_tasks() -> None:
    from zhijian.platform.rooms import modules

    for _ in modules("tasks"):
        pass


def registered() -> dict[str, JobFn]:
    _load_tasks()
    return dict(_REGISTRY)


R = TypeVar("R")


def with_retry(fn: Callable[[], R], *, what: str, delays: tuple[float, ...] | None = None) -> R:
    """`fn()`, retried with exponential backoff while the database is locked or unavailable.

    Each attempt must be a whole unit of work (it rolled back when it failed), so a retry repeats nothing
    that was committed. Other errors, and the last attempt's, are raised."""
    delays = RETRY_DELAYS if delays is None else delays
    for attempt in range(len(delays) + 1):
        try:
            return fn()
        except Exception as exc:
            if attempt == len(delays) or not is_unavailable(exc):
                raise
            log.warning("database busy or unavailable, retrying",
                        extra={"zj_job": what, "zj_attempt": attempt + 1, "zj_error": str(exc)[:200]})
            time.sleep(delays[attempt])
    raise AssertionError("unreachable")


def run_job(db: Database, job_id: int) -> Job:
    """Run one queued job to completion, recording its result or error (retried while the db is busy)."""
    _load_tasks()

    def start() -> tuple[str, dict[str, Any]]:
        with db.session() as s:
            row = s.get(Job, job_id)
            if row is None:
                raise NotFound("job", job_id)
            row.status = "running"
            return row.name, dict(row.args or {})

    name, args = with_retry(start, what=f"job {job_id}")
    fn = _REGISTRY.get(name)
    try:
        if fn is None:
            raise DomainError("job.unknown", f"未知任务：{name}", f"unknown job: {name}")
        result = with_retry(lambda: fn(db, **args), what=name)
        status, error = "done", None
    except Exception as exc:  # a failed job is recorded, never lost
        log.exception("job failed", extra={"zj_job": name, "zj_id": job_id})
        result, status = None, "failed"
        error = exc.one_line() if isinstance(exc, DomainError) else f"{exc.__class__.__name__}: {exc}"

    def finish() -> Job:
        with db.session() as s:
            row = s.get(Job, job_id)
            assert row is not None
            row.status, row.result, row.error, row.finished_at = status, result, error, utcnow()
            return row

    row: Job = with_retry(finish, what=f"job {job_id}")
    return row


def run_job_by_url(database_url: str, job_id: int) -> str:
    """Entry point for RQ workers: they receive the database URL and the job id, nothing else."""
    return run_job(get_database(database_url), job_id).status


WORKER_POLL_SECONDS = 1.0


def rq_worker(settings: Settings) -> Any:
    """The RQ worker of this installation's queue (ZHIJIAN_JOB_QUEUE), as `zhijian worker` runs it.

    RQ 3 listens for its shutdown and stop-job commands with `sleep_time=60` and counts on its unsubscribe
    reply to wake the listening thread; redis-py 8.2's `stop()` waits for that thread, so when the thread
    read the reply before `stop()` (a busy Redis) a worker's shutdown hung 60 s (the suite's test_job_on_redis:
    60 s beside another test's Redis traffic, 0.3 s alone). The listener here wakes every second instead."""
    from rq import Queue, SimpleWorker

    class Worker(SimpleWorker):
        def subscribe(self) -> None:
            self.pubsub = self.connection.pubsub()
            self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
            self.pubsub_thread = self.pubsub.run_in_thread(  # type: ignore[assignment]  # rq declares it None
                sleep_time=WORKER_POLL_SECONDS, daemon=True,
                exception_handler=getattr(self, "_pubsub_exception_handler", None))

    conn = _redis(settings)
    return Worker([Queue(settings.job_queue, connection=conn)], connection=conn)


def _redis(settings: Settings) -> Any:
    from redis import Redis

    if not settings.redis_url:
        raise DomainError("job.no_redis", "未配置 ZHIJIAN_REDIS_URL", "ZHIJIAN_REDIS_URL is not set")
    return Redis.from_url(settings.redis_url)


class JobRunner:
    """Dispatches jobs to the configured backend."""

    def __init__(self, db: Database, settings: Settings, backend: str | None = None) -> None:
        self.db = db
        self.settings = settings
        self.backend = backend or settings.jobs_backend
        self._pool: ThreadPoolExecutor | None = None
        self._futures: dict[int, Future[Any]] = {}
        self._stop = threading.Event()
        self._scheduler: threading.Thread | None = None

    def _queue(self) -> Any:
        from rq import Queue

        return Queue(self.settings.job_queue, connection=_redis(self.settings))

    def enqueue(self, name: str, *, requested_by: Actor | None = None, session: Session | None = None,
                **args: Any) -> int:
        """Queue a job; `requested_by` (the user who asked) is the only non-admin who may read its result.

        With `session` (the caller's unit of work) the job row is written in that transaction and the job
        dispatched only after it commits (nothing runs if it rolls back). A caller inside a write unit of
        work must pass it: on SQLite its transaction holds the writer lock, so a second session's insert
        would wait for the caller itself until the busy timeout (POST /api/v1/risk/scan answered 503)."""
        _load_tasks()
        if name not in _REGISTRY:
            raise DomainError("job.unknown", f"未知任务：{name}", f"unknown job: {name}")
        if session is not None:
            row = Job(name=name, args=args, status="queued",
                      owner_user_id=requested_by.user_id if requested_by is not None else None)
            session.add(row)
            session.flush()
            job_id = int(row.id)
            event.listen(session, "after_commit", lambda _s: self._dispatch(job_id), once=True)
            return job_id

        def insert() -> int:
            with self.db.session() as s:
                row = Job(name=name, args=args, status="queued",
                          owner_user_id=requested_by.user_id if requested_by is not None else None)
                s.add(row)
                s.flush()
                return row.id

        job_id = with_retry(insert, what=name)
        self._dispatch(job_id)
        return job_id

    def _dispatch(self, job_id: int) -> None:
        """Hand a committed job row to the backend (RQ or the in-process pool)."""
        if self.backend == "redis":
            self._queue().enqueue(run_job_by_url, self.db.url, job_id, job_timeout=3600)
        else:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="zhijian-job")
            self._futures[job_id] = self._pool.submit(run_job, self.db, job_id)

    def wait(self, job_id: int, timeout: float = 60) -> Job:
        """Wait for an in-process job (tests, CLI); for Redis, poll the row."""
        fut = self._futures.pop(job_id, None)
        if fut is not None:
            fut.result(timeout=timeout)
        else:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                with self.db.session() as s:
                    row = s.get(Job, job_id)
                    if row is not None and row.status in ("done", "failed"):
                        break
                time.sleep(0.05)
        with self.db.session() as s:
            row = s.get(Job, job_id)
            if row is None:
                raise NotFound("job", job_id)
            return row

    def start_scheduler(self) -> None:
        """Periodic jobs (e.g. the risk scan) inside the server process, unless ZHIJIAN_SCHEDULER=0.

        Every tick (5 s) the process claims each due run in `job_schedule` (`claim_due`): a run is queued once
        whatever the number of processes, and a restart does not queue the daily jobs again."""
        _load_tasks()
        if not _SCHEDULE or self._scheduler is not None or not self.settings.scheduler:
            return

        def loop() -> None:
            while not self._stop.wait(5):
                for name, every in _SCHEDULE.items():
                    try:
                        self.claim_due(name, every)
                    except Exception:  # not lost: still due at the next tick
                        log.exception("scheduling failed", extra={"zj_job": name})

        self._scheduler = threading.Thread(target=loop, name="zhijian-scheduler", daemon=True)
        self._scheduler.start()

    def claim_due(self, name: str, every: float) -> int | None:
        """Queue `name` if its run is due and this process is the one that claims it: the id of the job, or None.

        The claim is one conditional UPDATE of `job_schedule.next_at` (or the INSERT of its first row), in the
        transaction that writes the job row — of concurrent claimers exactly one sees its row change."""
        def claim() -> int | None:
            with self.db.session() as s:
                now = utcnow()
                nxt = now + dt.timedelta(seconds=every)
                won = s.execute(update(JobSchedule).where(JobSchedule.name == name, JobSchedule.next_at <= now)
                                .values(next_at=nxt)).rowcount == 1  # type: ignore[attr-defined]
                if not won and s.get(JobSchedule, name) is None:
                    try:
                        with s.begin_nested():
                            s.add(JobSchedule(name=name, next_at=nxt))
                        won = True
                    except IntegrityError:  # another process wrote the first row: its claim
                        won = False
                return self.enqueue(name, session=s) if won else None

        return with_retry(claim, what=f"schedule {name}")

    def shutdown(self) -> None:
        """Stop scheduling and let the running jobs finish."""
        self._stop.set()
        if self._pool is not None:
            self._pool.shutdown(wait=True)


def job_status(db: Database, job_id: int, actor: Actor | None = None) -> dict[str, Any]:
    """A job's state and result: for admins, and for the user who started it (404 to everyone else)."""
    with db.session() as s:
        row = s.get(Job, job_id)
        if row is None or (actor is not None and actor.role != "admin"
                           and (actor.user_id is None or row.owner_user_id != actor.user_id)):
            raise NotFound("job", job_id)
        return {"id": row.id, "name": row.name, "status": row.status, "result": row.result, "error": row.error}
