"""Isolated test databases on SQLite, PostgreSQL and MariaDB (real servers, never mocks).

Each test database is a database of its own, named zj_<random> (a file on SQLite, a database on the PostgreSQL
and MariaDB servers), so concurrent runs and tests never see each other's rows; it is dropped at the end.

A migrated one (`isolated_url(..., template=migrated_template(backend, factory))`) is a copy of one template per
test run and backend — `zhijian db upgrade` + the reference data, built once even when xdist workers ask for it
at the same time (`built_once`) — instead of a migration run per database (2–5 s on a quiet machine, 8–25 s on
MariaDB under the suite's load): SQLite copies the file, PostgreSQL `CREATE DATABASE … TEMPLATE …`, MariaDB
replays the template's `SHOW CREATE TABLE` (foreign keys included, which `CREATE TABLE … LIKE` drops) and copies
the rows of the few tables that hold any. The run's templates (zj_tpl_<random>) are dropped when the run ends
(`drop_templates`, from the conftest's pytest_sessionfinish in the process that is not an xdist worker).
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

PG_ADMIN = os.environ.get("ZHIJIAN_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MY_ADMIN = os.environ.get("ZHIJIAN_TEST_MARIADB", "mysql+pymysql://root@127.0.0.1:3306/test?charset=utf8mb4")
SERVERS = {"postgresql": PG_ADMIN, "mariadb": MY_ADMIN}
MY_CHARSET = "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"


def _answers(url: str) -> bool:
    try:
        eng = create_engine(url, connect_args={"connect_timeout": 3})
        with eng.connect() as c:
            c.execute(text("SELECT 1"))
        eng.dispose()
        return True
    except Exception:
        return False


def available_backends() -> list[str]:
    """SQLite always; PostgreSQL and MariaDB whenever they answer (in CI they must)."""
    wanted = os.environ.get("ZHIJIAN_TEST_BACKENDS")
    if wanted:
        return [b.strip() for b in wanted.split(",") if b.strip()]
    out = ["sqlite"]
    if _answers(PG_ADMIN):
        out.append("postgresql")
    if _answers(MY_ADMIN):
        out.append("mariadb")
    if os.environ.get("CI") and len(out) < 3:
        raise RuntimeError(f"CI must test on all three databases; only {out} answer")
    return out


def server_url(backend: str, database: str) -> str:
    """The URL of `database` on the test server of `backend` (its admin URL with the database replaced)."""
    return make_url(SERVERS[backend]).set(database=database).render_as_string(hide_password=False)


def _admin(backend: str) -> Any:
    return create_engine(SERVERS[backend], isolation_level="AUTOCOMMIT", poolclass=NullPool)


def _create(backend: str, name: str, template: dict[str, Any] | None) -> None:
    admin = _admin(backend)
    try:
        with admin.connect() as c:
            if backend == "postgresql":
                c.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template["name"]}"' if template else "")))
            else:
                c.execute(text(f"CREATE DATABASE `{name}` {MY_CHARSET}"))
    finally:
        admin.dispose()
    if backend == "mariadb" and template:
        _copy_mariadb(template, name)


def _drop(backend: str, name: str) -> None:
    admin = _admin(backend)
    try:
        with admin.connect() as c:
            if backend == "postgresql":  # WITH (FORCE): a connection a test left open does not keep it
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            else:
                c.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
    finally:
        admin.dispose()


@contextmanager
def isolated_url(backend: str, tmp: Path, template: dict[str, Any] | None = None) -> Iterator[str]:
    """A new, empty database of its own — or, given `template` (from `migrated_template`), a copy of it."""
    name = "zj_" + uuid.uuid4().hex[:12]
    if backend == "sqlite":
        path = tmp / (name + ".sqlite3")
        if template:
            shutil.copyfile(template["name"], path)
        yield f"sqlite:///{path}"
        return
    if backend not in SERVERS:
        raise ValueError(backend)
    _create(backend, name, template)
    try:
        yield server_url(backend, name)
    finally:
        _drop(backend, name)


def _mariadb_schema(name: str) -> dict[str, Any]:
    """What a copy of MariaDB database `name` replays: each table's CREATE statement and the tables with rows."""
    eng = create_engine(server_url("mariadb", name), poolclass=NullPool)
    try:
        with eng.connect() as c:
            kinds = c.execute(text("SELECT table_name, table_type FROM information_schema.tables "
                                   "WHERE table_schema = :s ORDER BY table_name"), {"s": name}).all()
            extra = c.execute(text(
                "SELECT (SELECT count(*) FROM information_schema.triggers WHERE trigger_schema = :s)"
                " + (SELECT count(*) FROM information_schema.routines WHERE routine_schema = :s)"
                " + (SELECT count(*) FROM information_schema.events WHERE event_schema = :s)"), {"s": name}).scalar()
            other = [t for t, kind in kinds if kind != "BASE TABLE"]
            if other or extra:  # the copy replays tables only: a view, sequence or trigger must be added here first
                raise RuntimeError(f"the MariaDB template holds more than tables: {other}, {extra} triggers/routines")
            tables = [t for t, _ in kinds]
            ddl = [c.execute(text(f"SHOW CREATE TABLE `{t}`")).one()[1] for t in tables]
            filled = [t for t in tables if c.execute(text(f"SELECT EXISTS (SELECT 1 FROM `{t}`)")).scalar()]
    finally:
        eng.dispose()
    return {"name": name, "ddl": ddl, "filled": filled}


def _copy_mariadb(template: dict[str, Any], name: str) -> None:
    eng = create_engine(server_url("mariadb", name), poolclass=NullPool)
    try:
        with eng.begin() as c:
            c.exec_driver_sql("SET foreign_key_checks = 0")  # tables in any order, rows before their parents
            for ddl in template["ddl"]:  # AUTO_INCREMENT=N included, so ids go on where the template's did
                c.exec_driver_sql(ddl.replace("%", "%%"))
            for table in template["filled"]:
                c.exec_driver_sql(f"INSERT INTO `{table}` SELECT * FROM `{template['name']}`.`{table}`")
            c.exec_driver_sql("SET foreign_key_checks = 1")
    finally:
        eng.dispose()


def migrated_template(backend: str, factory: Any) -> dict[str, Any]:
    """This run's migrated template of `backend` (`zhijian db upgrade` + the reference data), built once per run:
    {"name": the SQLite file or the server's database, and on MariaDB "ddl" and "filled" for the copy}."""

    def build(path: Path) -> None:
        from zhijian.platform import migrate
        from zhijian.platform.db import Database
        from zhijian.platform.demo import seed_reference_data

        if backend == "sqlite":
            db_file = path.with_name(f"migrated-template-{uuid.uuid4().hex[:8]}.sqlite3")
            url, record = f"sqlite:///{db_file}", {"name": str(db_file)}
        else:
            name = "zj_tpl_" + uuid.uuid4().hex[:12]
            path.write_text(json.dumps({"name": name}), encoding="utf-8")  # dropped at the end even if half-built
            _create(backend, name, None)
            url, record = server_url(backend, name), {"name": name}
        migrate.upgrade(url)
        db = Database(url)
        seed_reference_data(db)
        if backend == "sqlite":
            with db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.dispose()
        if backend == "mariadb":
            record = _mariadb_schema(record["name"])
        if backend == "postgresql":  # nothing may connect to a template while it is copied
            admin = _admin(backend)
            with admin.connect() as c:
                c.execute(text(f'ALTER DATABASE "{record["name"]}" WITH ALLOW_CONNECTIONS false'))
            admin.dispose()
        path.write_text(json.dumps(record), encoding="utf-8")

    out: dict[str, Any] = json.loads(built_once(factory, f"template-{backend}.json", build).read_text("utf-8"))
    return out


def drop_templates(factory: Any) -> list[str]:
    """Drop the server templates this run built (named in the run's shared directory). Called once, by the
    process that is not an xdist worker, after every worker has ended."""
    shared, dropped = _shared(factory), []
    for backend in SERVERS:
        for record in (shared / f"template-{backend}.json", shared / f"template-{backend}.json.building"):
            if record.exists():
                name = json.loads(record.read_text("utf-8"))["name"]
                if name.startswith("zj_tpl_"):
                    _drop(backend, name)
                    dropped.append(name)
    return dropped


def built_once(factory: Any, name: str, build: Callable[[Path], None]) -> Path:
    """`<run dir>/<name>`, made by `build(path)` once per test run even when xdist workers ask for it at the same
    time (one directory per run, shared by the workers; a file lock; built under a temporary name, then renamed)."""
    import fcntl

    shared = _shared(factory)
    target = shared / name
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not target.exists():
                building = shared / f"{name}.building"
                building.unlink(missing_ok=True)
                build(building)
                building.rename(target)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return target


def _shared(factory: Any) -> Path:
    """The run's directory shared by its xdist workers (each worker's base directory is inside it)."""
    base: Path = factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
