"""Fixtures of the stats tests: the real app on SQLite (stats endpoints use no database) and the real CLI."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from zhijian.platform.app import create_app


@pytest.fixture(scope="module")
def stats_client(sqlite_db, settings) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(sqlite_db, settings)) as c:
        yield c


@pytest.fixture(scope="session")
def cli_app():  # type: ignore[no-untyped-def]
    from zhijian.platform.cli import app

    return app


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
