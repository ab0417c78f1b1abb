"""`platform.db.is_deadlock` on real deadlocks (PostgreSQL 40P01, MariaDB 1213): two transactions lock two rows in
opposite orders; the server picks a victim and rolls it back. The EPCIS capture runs again on exactly these errors
(identical documents captured at once: one of 20 answered 503 on MariaDB in a full run before)."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import text

from zhijian.platform.db import Database, is_deadlock, is_unavailable


def test_a_real_deadlock_is_named(db: Database) -> None:
    if db.backend == "sqlite":
        pytest.skip("SQLite has one writer: no deadlock, a busy timeout")
    table = "zj_deadlock_" + uuid.uuid4().hex[:8]
    with db.engine.begin() as c:
        c.execute(text(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, v INTEGER)"))
        c.execute(text(f"INSERT INTO {table} VALUES (1, 0), (2, 0)"))
    errors: list[BaseException] = []
    both = threading.Barrier(2)

    def worker(first: int, second: int) -> None:
        try:
            with db.engine.begin() as c:
                c.execute(text(f"UPDATE {table} SET v = v + 1 WHERE id = {first}"))
                both.wait(timeout=30)
                c.execute(text(f"UPDATE {table} SET v = v + 1 WHERE id = {second}"))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(1, 2)), threading.Thread(target=worker, args=(2, 1))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    with db.engine.begin() as c:
        c.execute(text(f"DROP TABLE {table}"))
    assert len(errors) == 1, errors  # one victim, the other committed
    assert is_deadlock(errors[0])
    assert is_unavailable(errors[0])  # answered 503 where nothing runs it again


def test_other_errors_are_not_deadlocks(db: Database) -> None:
    from sqlalchemy.exc import DBAPIError

    with pytest.raises(DBAPIError) as err, db.engine.connect() as c:
        c.execute(text("SELECT * FROM zj_no_such_table_here"))
    assert not is_deadlock(err.value)
    assert not is_deadlock(ValueError("deadlock"))  # only database errors count
