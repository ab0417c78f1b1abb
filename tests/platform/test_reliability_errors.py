"""No 500 for anything a client can cause (issue 12 part 4), each a finding of the issue.

- `GET /api/v1/products/99999999999999999999` answered 500 (integer overflow on SQLite) → 404.
- With the database down, `/healthz` answered 503 but the API, login and resolver a bare 500 → 503
  problem+json with Retry-After on every endpoint, portal pages included.
"""

from __future__ import annotations

import socket

from fastapi.testclient import TestClient

from zhijian.platform.app import create_app
from zhijian.platform.db import Database


def test_out_of_range_id_is_404(client, login):
    admin = login("admin")
    r = client.get("/api/v1/products/99999999999999999999", headers=admin)
    assert r.status_code == 404, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"].endswith("not_found")


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    return port


def test_database_unreachable_is_503_everywhere(settings):
    db = Database(f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/none?connect_timeout=2")
    app = create_app(db, settings)
    with TestClient(app, raise_server_exceptions=False) as c:
        answers = {
            "api": c.get("/api/v1/products"),
            "login": c.post("/api/v1/auth/token", json={"username": "a", "password": "b"}),
            "resolver": c.get("/01/06901234567892/21/ABC123", headers={"accept": "application/json"}),
        }
        for name, r in answers.items():
            assert r.status_code == 503, (name, r.status_code, r.text[:300])
            assert r.headers["Retry-After"] == "5", name
            assert r.json()["code"] == "db.unavailable", name
        page = c.get("/products/1", headers={"accept": "text/html"})
        assert page.status_code == 503 and page.headers["Retry-After"] == "5"
        assert page.headers["content-type"].startswith("text/html")
    db.dispose()


def test_a_savepoint_lost_to_a_deadlock_is_transient() -> None:
    """Found by the concurrent-capture test on MariaDB: the deadlock victim inside a savepoint surfaced as 1305
    "SAVEPOINT sa_savepoint_1 does not exist" (the server had rolled the whole transaction back), which counted as
    a bug (500) instead of a retryable 503 like the deadlock itself (1213)."""
    import pymysql
    from sqlalchemy.exc import OperationalError

    from zhijian.platform.db import client_error_for, is_unavailable

    lost = OperationalError("ROLLBACK TO SAVEPOINT sa_savepoint_1", {},
                            pymysql.err.OperationalError(1305, "SAVEPOINT sa_savepoint_1 does not exist"))
    deadlock = OperationalError("INSERT", {}, pymysql.err.OperationalError(
        1213, "Deadlock found when trying to get lock; try restarting transaction"))
    assert is_unavailable(deadlock) and is_unavailable(lost)
    err = client_error_for(lost)
    assert err is not None and err.status == 503 and err.code == "db.unavailable"
    other = OperationalError("SELECT", {}, pymysql.err.OperationalError(1054, "Unknown column 'x' in 'field list'"))
    assert not is_unavailable(other)
