"""Database: engine per URL, declarative base, one transaction per operation (unit of work).

SQLite is the embedded default (WAL, foreign keys on); PostgreSQL and MariaDB are the production
databases. Nothing here uses a feature that Citus or TiDB lacks.

Concurrency on SQLite (one writer at a time, any number of readers, WAL):

- A *write* unit of work begins with ``BEGIN IMMEDIATE``: it takes the writer lock first and waits for it
  (busy timeout, ``SQLITE_BUSY_TIMEOUT_MS``) instead of starting as a reader and failing at once with
  "database is locked" when it later tries to write while another writer is active (a deferred
  transaction cannot upgrade its read snapshot; SQLite does not even consult the busy timeout then).
- A *read* unit of work begins with a plain (deferred) ``BEGIN`` and is never blocked by a writer (WAL).
- Who writes: ``Database.session()`` is a write unit of work unless called with ``write=False``. So CLI
  commands, jobs, the demo loader, token issuance and scan recording are writers. API and page requests
  are writers when their method is unsafe (POST, PUT, PATCH, DELETE) and readers for GET, HEAD and
  OPTIONS (``platform.deps.get_session``). A GET handler must not write through the request's session.

Race-free state changes: a service function that changes the state of a row (a transition, a result
submission) loads it with ``lock_for_update(session, Model, id)`` and checks the state it reads there:
``SELECT … FOR UPDATE`` on PostgreSQL and MariaDB holds concurrent transactions of the same row until
this one ends (they then read the new state and refuse the transition with 409); on SQLite the writer
lock of ``BEGIN IMMEDIATE`` already serialises every write unit of work, so a plain read suffices.

MariaDB / MySQL connections run at ``READ COMMITTED`` (as PostgreSQL does by default), not InnoDB's default
``REPEATABLE READ``. Under REPEATABLE READ the transaction's snapshot is taken at its *first* plain SELECT
(the request's token lookup, before any lock): a ``FOR UPDATE`` reads the newest row, but every plain SELECT
after it — ``session.get`` reloading the object, a count of events — still sees the old snapshot, so 20
concurrent acceptances each re-read state "received" and all succeeded (issue 12). READ COMMITTED gives
every statement the newest committed data, so what a locked transaction reads after its lock is current.
(With binary logging this needs ``binlog_format=ROW`` or ``MIXED``, MariaDB's default.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Engine, Integer, MetaData, create_engine, event, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT primary keys that still autoincrement on SQLite (which only does so for INTEGER).
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite and MariaDB store naive values)."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name in ("mysql", "mariadb"):
            from sqlalchemy.dialects.mysql import DATETIME

            return dialect.type_descriptor(DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dt.datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


class IdMixin:
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Audited:
    """Marker mixin: every create, update and delete of this model is written to the audit chain.

    Here beside the other model mixins so that every table module (identity included) can use it without
    importing ``platform.models``; ``zhijian.platform.models.Audited`` is the same class."""


SQLITE_BUSY_TIMEOUT_MS = 30_000
"""How long a SQLite writer waits for the writer lock before "database is locked" (then: 503, retry)."""

MYSQL_ISOLATION = "READ COMMITTED"
"""Isolation of every MariaDB/MySQL connection: reads after a row lock see the committed state."""

WRITE_OPTION = "zj_write"
"""Execution option that marks a connection's transactions as writers (``BEGIN IMMEDIATE`` on SQLite)."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the settings each backend needs."""
    u = make_url(url)
    backend = u.get_backend_name()
    if backend == "sqlite":
        if u.database and u.database != ":memory:":
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False,
                                                  "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        # Let SQLAlchemy emit BEGIN itself so that transactions are real (pysqlite quirk).
        @event.listens_for(engine, "connect")
        def _no_autobegin(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            # Writers take the writer lock up front (and wait for it); readers never wait (see the docstring).
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE_OPTION) else "BEGIN")

        return engine
    if backend == "mysql":
        kwargs.setdefault("pool_recycle", 3600)
        kwargs.setdefault("isolation_level", MYSQL_ISOLATION)  # see the module docstring (issue 12)
        query = dict(u.query)
        query.setdefault("charset", "utf8mb4")
        url = u.set(query=query).render_as_string(hide_password=False)
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


class Database:
    """One engine and its session factory. Adapters open a unit of work per operation."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.sessionmaker = sessionmaker(self.engine.execution_options(**{WRITE_OPTION: True}),
                                         expire_on_commit=False)
        self.read_sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self, actor: Any = None, *, write: bool = True) -> Iterator[Session]:
        """One transaction: commit on success, roll back everything on any error (nothing half-written).

        ``write=False`` for a unit of work that only reads (on SQLite it then never waits for a writer)."""
        session = (self.sessionmaker if write else self.read_sessionmaker)()
        session.info["actor"] = actor
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def lock_for_update(session: Session, model: type[Any], ident: Any) -> Any:
    """The row `model[ident]` (or None), locked until the end of the transaction, its state read fresh.

    PostgreSQL and MariaDB: ``SELECT … FOR UPDATE`` (concurrent lockers of the same row wait, then read the
    committed state). SQLite: the write unit of work already holds the database's writer lock
    (``BEGIN IMMEDIATE``), so the row is read as is. Either way an object already in the session is
    refreshed, so the caller checks the state it is about to change, not a stale copy.

    The locked object is kept referenced by the session until the transaction ends: the identity map holds
    objects weakly, so a caller that only locks (``lock_for_update(...)`` then ``session.get(...)``) would
    otherwise have the object collected and reloaded by a second, plain SELECT."""
    obj = session.execute(
        select(model).where(model.id == ident).with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if obj is not None:
        session.info.setdefault(LOCKED_KEY, []).append(obj)
    return obj


LOCKED_KEY = "zj_locked"
"""``session.info`` key of the objects locked in the current transaction (strong references, see above)."""


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _release_locked(session: Session) -> None:
    session.info.pop(LOCKED_KEY, None)


def is_unavailable(exc: BaseException) -> bool:
    """True for a database that is down, unreachable or (SQLite) still locked after the busy timeout:
    a condition worth answering 503 + Retry-After and retrying later, not a bug."""
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    if isinstance(exc, PoolTimeout | InterfaceError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, OperationalError):
        msg = str(exc.orig).lower()
        hints = ("database is locked", "unable to open database", "disk i/o error", "connection", "connect",
                 "server closed", "terminating", "gone away", "lost", "timeout", "timed out", "shutting down",
                 "the database system is", "too many", "refused", "deadlock", "could not serialize")
        # MariaDB/MySQL 1305 "SAVEPOINT … does not exist": the server rolled the whole transaction back (a deadlock
        # victim inside a savepoint, e.g. two identical EPCIS captures) and the savepoint's rollback then fails —
        # the deadlock by another name, as transient as it
        return any(h in msg for h in hints) or ("savepoint" in msg and "does not exist" in msg)
    return False


def is_deadlock(exc: BaseException) -> bool:
    """True for a deadlock victim or a serialization failure: the server rolled the transaction back, and running
    it again from the start is what the server asks for (MariaDB 1213 "try restarting transaction", its 1305
    "SAVEPOINT … does not exist" when the victim was inside a savepoint; PostgreSQL 40P01 / 40001)."""
    from sqlalchemy.exc import DBAPIError

    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    args = getattr(orig, "args", None) or (None,)
    code = getattr(orig, "sqlstate", None) or args[0]
    msg = str(orig).lower()
    return code in ("40P01", "40001", 1213) or "deadlock" in msg or ("savepoint" in msg and "does not exist" in msg)


def client_error_for(exc: BaseException) -> Any:
    """The DomainError a client-caused or transient database failure deserves, or None for a real bug.

    - database down, unreachable or still locked → 503 ``db.unavailable`` (the handler adds Retry-After);
    - an id outside the column's range (SQLite: Python int too large; PostgreSQL/MariaDB: out of range)
      → 404 ``request.not_found``: no such row can exist;
    - a UNIQUE / foreign-key violation that a service did not check first → 409 ``db.conflict``."""
    from sqlalchemy.exc import DataError, IntegrityError, StatementError

    from zhijian.platform.errors import DomainError

    if is_unavailable(exc):
        return DomainError("db.unavailable", "数据库暂时不可用，请稍后重试", "the database is unavailable; retry later",
                           status=503, extra={"retry_after": 5})
    orig = exc.orig if isinstance(exc, StatementError) else exc
    if isinstance(orig, OverflowError) or (isinstance(exc, DataError) and "range" in str(orig).lower()):
        return DomainError("request.not_found", "资源不存在", "not found", status=404)
    if isinstance(exc, IntegrityError):
        return DomainError("db.conflict", "与已有数据冲突（重复或仍被引用）",
                           "conflicts with existing data (duplicate or still referenced)", status=409)
    return None


@lru_cache(maxsize=8)
def get_database(url: str | None = None) -> Database:
    from zhijian.platform.config import get_settings

    return Database(url or get_settings().database_url)
