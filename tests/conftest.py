"""Fixtures: a migrated database per backend, the real ASGI app, logged-in clients."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests import factories
from tests.dbs import available_backends, built_once, isolated_url
from zhijian.platform import migrate
from zhijian.platform.app import create_app
from zhijian.platform.config import get_settings
from zhijian.platform.db import Database

BACKENDS = available_backends()
GS1_EPCIS = Path(__file__).resolve().parent / "data" / "gs1-epcis"
"""The GS1 EPCIS 2.0 reference files vendored for the tests (source and licence in its README.md)."""


def pytest_report_header(config: pytest.Config) -> str:
    return f"zhijian test databases: {', '.join(BACKENDS)}"


def _sqlite_template(factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database holding the reference data, built once per run (every xdist worker shares it):
    a new SQLite test database is a copy of it — the same file `migrate.upgrade` + `seed_reference_data` would
    write, in milliseconds instead of seconds (a fresh SQLite database is made some twenty times a run)."""

    def build(path: Path) -> None:
        from zhijian.platform.demo import seed_reference_data

        url = f"sqlite:///{path}"
        migrate.upgrade(url)
        db = Database(url)
        seed_reference_data(db)
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.dispose()

    return built_once(factory, "migrated-template.sqlite3", build)


def _migrated(backend: str, tmp: Path, factory: pytest.TempPathFactory) -> Iterator[Database]:
    with isolated_url(backend, tmp) as url:
        if backend == "sqlite":
            shutil.copyfile(_sqlite_template(factory), url.removeprefix("sqlite:///"))
        else:
            migrate.upgrade(url)
        db = Database(url)
        if backend != "sqlite":
            from zhijian.platform.demo import seed_reference_data

            seed_reference_data(db)
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
