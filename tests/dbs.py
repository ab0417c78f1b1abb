"""Isolated test databases on SQLite, PostgreSQL and MariaDB (real servers, never mocks).

Each test run works in its own PostgreSQL schema / MariaDB database, named zj_<random>, so
concurrent runs never see each other's rows; they are dropped at the end.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

PG_ADMIN = os.environ.get("ZHIJIAN_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MY_ADMIN = os.environ.get("ZHIJIAN_TEST_MARIADB", "mysql+pymysql://root@127.0.0.1:3306/test?charset=utf8mb4")


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


@contextmanager
def isolated_url(backend: str, tmp: Path) -> Iterator[str]:
    name = "zj_" + uuid.uuid4().hex[:12]
    if backend == "sqlite":
        yield f"sqlite:///{tmp / (name + '.sqlite3')}"
        return
    if backend == "postgresql":
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE SCHEMA "{name}"'))
        try:
            yield PG_ADMIN + f"?options=-csearch_path%3D{name}"
        finally:
            with admin.connect() as c:
                c.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
            admin.dispose()
        return
    if backend == "mariadb":
        admin = create_engine(MY_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
        try:
            yield MY_ADMIN.replace("/test?", f"/{name}?")
        finally:
            with admin.connect() as c:
                c.execute(text(f"DROP DATABASE `{name}`"))
            admin.dispose()
        return
    raise ValueError(backend)


def built_once(factory: Any, name: str, build: Callable[[Path], None]) -> Path:
    """`<run dir>/<name>`, made by `build(path)` once per test run even when xdist workers ask for it at the same
    time (one directory per run, shared by the workers; a file lock; built under a temporary name, then renamed)."""
    import fcntl

    base = factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
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
