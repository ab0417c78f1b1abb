"""stats raises its own StatsError (the pure room imports nothing of the platform); the platform maps it exactly
like a DomainError: problem+json with the same status and code in the API, the error page for a browser, one line
and exit 2 in the CLI, the default of rooms.call (#17)."""

from __future__ import annotations

import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from zhijian.platform.app import create_app
from zhijian.platform.cli_support import guarded
from zhijian.platform.errors import DomainError, as_domain_error
from zhijian.stats.errors import StatsError


def _bad() -> StatsError:
    return StatsError("stats.too_few_values", "至少需要 2 个值", "needs at least 2 values", field="values",
                      extra={"minimum": 2})


def test_as_domain_error_keeps_every_field() -> None:
    err = as_domain_error(_bad())
    assert isinstance(err, DomainError)
    assert (err.code, err.message_zh, err.message_en, err.field, err.status, err.extra) == (
        "stats.too_few_values", "至少需要 2 个值", "needs at least 2 values", "values", 422, {"minimum": 2})
    assert as_domain_error(ValueError("plain")) is None


def test_api_and_page_answers(sqlite_db, settings) -> None:  # type: ignore[no-untyped-def]
    app = create_app(sqlite_db, settings)

    @app.get("/api/v1/_test/stats-error")
    def api_boom() -> None:
        raise _bad()

    @app.get("/_test/stats-error")
    def page_boom() -> None:
        raise _bad()

    @app.get("/api/v1/_test/value-error")
    def plain_boom() -> None:
        raise ValueError("not ours")

    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/api/v1/_test/stats-error")
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
        body = r.json()
        assert (body["code"], body["field"], body["minimum"]) == ("stats.too_few_values", "values", 2)
        r = c.get("/_test/stats-error", headers={"accept": "text/html"})
        assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
        r = c.get("/api/v1/_test/value-error")
        assert r.status_code == 500 and r.json()["code"] == "server.error"


def test_cli_one_line_exit_2() -> None:
    app = typer.Typer()

    @app.command()
    def run() -> None:
        raise _bad()

    app.registered_commands[0].callback = guarded(app.registered_commands[0].callback)  # type: ignore[arg-type]
    r = CliRunner().invoke(app, [])
    assert r.exit_code == 2
    assert "错误 stats.too_few_values [values]: 至少需要 2 个值 / needs at least 2 values" in r.output
