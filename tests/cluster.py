"""The PostgreSQL backend of the tests pointed at a Citus coordinator (`make cluster-test`, issue #23).

Load it first (`pytest -p tests.cluster`) with ZHIJIAN_CITUS_URL set: every PostgreSQL test database is then that
one coordinator database, already `zhijian db upgrade`d and `zhijian db distribute`d — a per-test copy
(`CREATE DATABASE … TEMPLATE`) would copy the coordinator's catalogue but not the shards on the workers. The
tests share it as they share the run's database anyway (unique data from tests/factories.py). Without the
variable it changes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests import dbs

CITUS_URL = os.environ.get("ZHIJIAN_CITUS_URL")
_isolated, _template = dbs.isolated_url, dbs.migrated_template


@contextmanager
def isolated_url(backend: str, tmp: Path, template: dict[str, Any] | None = None) -> Iterator[str]:
    """The coordinator's database for PostgreSQL (kept at the end); SQLite and MariaDB as before."""
    if backend == "postgresql" and CITUS_URL:
        yield CITUS_URL
        return
    with _isolated(backend, tmp, template) as url:
        yield url


def migrated_template(backend: str, factory: Any) -> dict[str, Any]:
    """Nothing to build for PostgreSQL: the coordinator's database is migrated and distributed already."""
    if backend == "postgresql" and CITUS_URL:
        return {"name": CITUS_URL}
    return _template(backend, factory)


if CITUS_URL:  # before tests/conftest.py imports these names
    dbs.isolated_url = isolated_url
    dbs.migrated_template = migrated_template
