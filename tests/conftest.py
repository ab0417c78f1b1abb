"""Fixtures: a migrated database per backend, the real ASGI app, logged-in clients."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests import factories
from tests.dbs import available_backends, drop_templates, isolated_url, migrated_template
from zhijian.platform.app import create_app
from zhijian.platform.config import get_settings
from zhijian.platform.db import Database

# The periodic jobs (daily scan, audit verification, credit recomputation …) are not started by the apps and servers
# of the tests: each app that lived past the scheduler's first tick (5 s) ran all ten in its background threads on
# its test database, and waited for them when it closed. The scheduler's own tests turn it on
# (tests/platform/test_schedule.py, tests/platform/test_demo_startup.py).
os.environ.setdefault("ZHIJIAN_SCHEDULER", "0")
BACKENDS = available_backends()
GS1_EPCIS = Path(__file__).resolve().parent / "data" / "gs1-epcis"
"""The GS1 EPCIS 2.0 reference files vendored for the tests (source and licence in its README.md)."""


def pytest_report_header(config: pytest.Config) -> str:
    return f"zhijian test databases: {', '.join(BACKENDS)}"


def pytest_sessionfinish(session: pytest.Session) -> None:
    if not os.environ.get("PYTEST_XDIST_WORKER"):  # the run's last process: every worker has ended
        drop_templates(session.config._tmp_path_factory)  # type: ignore[attr-defined]


def _migrated(backend: str, tmp: Path, factory: pytest.TempPathFactory) -> Iterator[Database]:
    """A migrated database holding the reference data: a copy of the run's template (tests/dbs.py), the same
    database `migrate.upgrade` + `seed_reference_data` would build, in a fraction of a second instead of seconds."""
    with isolated_url(backend, tmp, template=migrated_template(backend, factory)) as url:
        db = Database(url)
        try:
            yield db
        finally:
            db.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """A migrated database on each backend, shared by the tests of this run (use unique values)."""
    yield from _migrated(request.param, tmp_path_factory.mktemp(request.param), tmp_path_factory)


@pytest.fixture(scope="session")
def sqlite_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """SQLite only, for tests whose logic does not depend on the backend."""
    yield from _migrated("sqlite", tmp_path_factory.mktemp("sqlite-only"), tmp_path_factory)


@pytest.fixture
def fresh_db(request: pytest.FixtureRequest, tmp_path: Path,
             tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Database]:
    """A brand-new database (for tests that tamper with global state such as the audit chain)."""
    stack: list[Iterator[Database]] = []

    def make(backend: str = "sqlite") -> Database:
        gen = _migrated(backend, tmp_path, tmp_path_factory)
        stack.append(gen)
        return next(gen)

    yield make  # type: ignore[misc]
    for gen in stack:
        try:
            next(gen)
        except StopIteration:
            pass


@pytest.fixture(scope="session")
def settings():  # type: ignore[no-untyped-def]
    return dataclasses.replace(get_settings(), public_rate_limit=100000, secret_key="test-secret")


@pytest.fixture(scope="session")
def app(db: Database, settings):  # type: ignore[no-untyped-def]
    return create_app(db, settings)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app) as c:
        yield c


@pytest.fixture
def login(client: TestClient, db: Database) -> Callable[..., dict[str, str]]:
    """login(role, org=None) → Authorization headers for a fresh user of that role."""

    def make(role: str, org=None) -> dict[str, str]:  # type: ignore[no-untyped-def]
        with db.session() as s:
            u = factories.user(s, role, org)
            username = u.username
        r = client.post("/api/v1/auth/token", json={"username": username, "password": "correct horse 1"})
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    return make
