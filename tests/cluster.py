"""The PostgreSQL backend of the tests pointed at a Citus coordinator (`make cluster-test`, issue #23).

Load it first (`pytest -p tests.cluster`) with ZHIJIAN_CITUS_URL set: the run's shared PostgreSQL database (the
`db` fixture, made in `tmp_path_factory.mktemp("postgresql")`) is then that one coordinator database, already
`zhijian db upgrade`d and `zhijian db distribute`d — a copy (`CREATE DATABASE … TEMPLATE`) would copy the
coordinator's catalogue but not the shards on the workers. A test's own fresh database (`fresh_db`, for tests that
tamper with global state, such as `zhijian codes partition`) stays a plain one on the usual server, so it cannot
change the cluster's tables. Without the variable it changes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests import dbs

CITUS_URL = os.environ.get("ZHIJIAN_CITUS_URL")
plain_isolated_url = dbs.isolated_url
"""tests/dbs.py's own, for a test that needs a PostgreSQL database without Citus whatever the switch says."""


@contextmanager
def isolated_url(backend: str, tmp: Path, template: dict[str, Any] | None = None) -> Iterator[str]:
    """The coordinator's database for the run's shared PostgreSQL database (kept at the end); the rest as before."""
    if backend == "postgresql" and CITUS_URL and tmp.name.startswith("postgresql"):
        yield CITUS_URL
        return
    with plain_isolated_url(backend, tmp, template) as url:
        yield url


if CITUS_URL:  # before tests/conftest.py imports the name
    dbs.isolated_url = isolated_url
