"""Issue 13, rate-limit findings: a made-up session cookie skipped the public limit; rotating X-Forwarded-For
escaped it (and the code-enumeration guard); counters were per worker process.

Now: the public limit applies to every request without a VALID session; X-Forwarded-For is believed only from
ZHIJIAN_TRUSTED_PROXIES (default none, and `zhijian serve` turns uvicorn's own proxy handling off); with
ZHIJIAN_REDIS_URL the counters are shared by every worker (tested on the real Redis at 127.0.0.1:6379).
"""

from __future__ import annotations

import dataclasses
import socket
import threading
import time
import uuid

import httpx
import pytest
import uvicorn
from fastapi import Request
from fastapi.testclient import TestClient

from zhijian.platform.app import create_app
from zhijian.platform.throttle import client_address, parse_networks

REDIS = "redis://127.0.0.1:6379/0"
PROBE = "/api/v1/auth/me"  # any non-exempt path; anonymous answers 401, which still counts


def _app(db, settings, **changes):  # type: ignore[no-untyped-def]
    app = create_app(db, dataclasses.replace(settings, **changes))

    @app.get("/_client")
    def _client(request: Request) -> dict[str, str]:  # what every handler (and the code guard) sees
        return {"host": request.client.host if request.client else "?"}

    return app


def _statuses(c: TestClient, n: int, **kw) -> list[int]:  # type: ignore[no-untyped-def]
    return [c.get(PROBE, **kw).status_code for _ in range(n)]


def test_made_up_session_cookie_or_token_does_not_skip_the_public_limit(sqlite_db, settings) -> None:
    app = _app(sqlite_db, settings, public_rate_limit=5)
    with TestClient(app, client=(f"203.0.113.{uuid.uuid4().int % 250}", 1)) as c:
        c.cookies.set("zj_session", "anything")
        assert _statuses(c, 5) == [401] * 5
        c.cookies.set("zj_session", "anything-else")
        r = c.get(PROBE)
        assert r.status_code == 429 and r.json()["code"] == "request.rate_limited"
        assert 1 <= int(r.headers["retry-after"]) <= 60
        c.cookies.clear()
        assert c.get(PROBE, headers={"Authorization": "Bearer made-up"}).status_code == 429


def test_a_valid_session_is_not_limited(sqlite_db, settings) -> None:
    from tests import factories

    with sqlite_db.session() as s:
        name = factories.user(s, "regulator").username
    app = _app(sqlite_db, settings, public_rate_limit=3)
    with TestClient(app, client=("203.0.113.200", 1)) as c:
        tok = c.post("/api/v1/auth/token", json={"username": name, "password": "correct horse 1"}).json()
        bearer = {"Authorization": f"Bearer {tok['access_token']}"}
        assert _statuses(c, 3) == [401, 401, 429]  # the token request counted too (it carried no session)
        assert _statuses(c, 10, headers=bearer) == [200] * 10
        c.cookies.set("zj_session", tok["access_token"])
        assert _statuses(c, 5) == [200] * 5
        c.cookies.clear()
        assert c.get(PROBE).status_code == 429  # and anonymous requests from that address are still limited


def test_rotating_x_forwarded_for_does_not_escape_without_trusted_proxies(sqlite_db, settings) -> None:
    app = _app(sqlite_db, settings, public_rate_limit=5)
    with TestClient(app, client=("127.0.0.1", 1)) as c:
        codes = [c.get(PROBE, headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code for i in range(8)]
        assert codes == [401] * 5 + [429] * 3
    with TestClient(_app(sqlite_db, settings), client=("127.0.0.1", 1)) as c:
        assert c.get("/_client", headers={"X-Forwarded-For": "198.51.100.9"}).json()["host"] == "127.0.0.1"


def test_forwarded_for_is_believed_only_from_a_trusted_proxy(sqlite_db, settings) -> None:
    app = _app(sqlite_db, settings, trusted_proxies="10.0.0.0/8, 192.0.2.1")
    with TestClient(app, client=("10.1.2.3", 1)) as proxy:
        assert proxy.get("/_client", headers={"X-Forwarded-For": "198.51.100.9"}).json()["host"] == "198.51.100.9"
        # the client forged the left-most entry; the proxy appended the address it saw
        r = proxy.get("/_client", headers={"X-Forwarded-For": "1.1.1.1, 198.51.100.9"})
        assert r.json()["host"] == "198.51.100.9"
    with TestClient(app, client=("203.0.113.5", 1)) as direct:  # not a proxy: its header is ignored
        assert direct.get("/_client", headers={"X-Forwarded-For": "198.51.100.9"}).json()["host"] == "203.0.113.5"


def test_client_address_rules() -> None:
    nets = parse_networks("10.0.0.0/8 ::1")
    assert client_address("10.0.0.1", "1.2.3.4, 10.0.0.5", nets) == "1.2.3.4"
    assert client_address("10.0.0.1", "garbage", nets) == "10.0.0.1"
    assert client_address("::1", "2001:db8::7", nets) == "2001:db8::7"
    assert client_address("8.8.8.8", "1.2.3.4", nets) == "8.8.8.8"
    assert client_address("10.0.0.1", "1.2.3.4", ()) == "10.0.0.1"
    from zhijian.platform.errors import DomainError

    with pytest.raises(DomainError) as e:
        parse_networks("10.0.0.0/8, not-an-address")
    assert e.value.code == "config.bad_proxy"


@pytest.fixture
def redis_url() -> str:
    from redis import Redis

    try:
        Redis.from_url(REDIS, socket_connect_timeout=2).ping()
    except Exception:  # pragma: no cover - CI starts Redis
        pytest.skip("no Redis on 127.0.0.1:6379")
    return REDIS


def test_public_counters_are_shared_by_workers_through_redis(sqlite_db, settings, redis_url) -> None:
    w1 = _app(sqlite_db, settings, public_rate_limit=4, redis_url=redis_url)
    w2 = _app(sqlite_db, settings, public_rate_limit=4, redis_url=redis_url)
    addr = f"192.0.2.{uuid.uuid4().int % 250}"
    with TestClient(w1, client=(addr, 1)) as c1, TestClient(w2, client=(addr, 1)) as c2:
        # a fresh minute window, so the 4 requests below cannot straddle two windows
        while time.time() % 60 > 50:
            time.sleep(1)
        assert [c1.get(PROBE).status_code, c2.get(PROBE).status_code, c1.get(PROBE).status_code,
                c2.get(PROBE).status_code] == [401] * 4
        assert c1.get(PROBE).status_code == 429 and c2.get(PROBE).status_code == 429


def test_real_server_as_zhijian_serve_runs_it_ignores_forged_forwarded_for(sqlite_db, settings) -> None:
    """uvicorn with the options of `zhijian serve` (proxy_headers off): a client on 127.0.0.1 rotating
    X-Forwarded-For is still one client."""
    import inspect

    from zhijian.platform import cli

    assert "proxy_headers=False" in inspect.getsource(cli.serve)
    app = _app(sqlite_db, settings, public_rate_limit=4)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", proxy_headers=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        base = f"http://127.0.0.1:{sock.getsockname()[1]}"
        with httpx.Client(base_url=base) as c:
            codes = [c.get(PROBE, headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code for i in range(6)]
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
    assert codes == [401] * 4 + [429] * 2


def test_unreachable_redis_is_no_500(sqlite_db, settings) -> None:
    """Redis down: public pages still answer (not counted), logins answer 503 problem+json (never unthrottled)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    closed = sock.getsockname()[1]
    sock.close()
    app = _app(sqlite_db, settings, public_rate_limit=5, redis_url=f"redis://127.0.0.1:{closed}/0")
    with TestClient(app, raise_server_exceptions=False) as c:
        assert c.get(PROBE).status_code == 401
        r = c.post("/api/v1/auth/token", json={"username": "someone", "password": "whatever it is"})
        assert r.status_code == 503 and r.json()["code"] == "auth.throttle_unavailable"
        assert r.headers["retry-after"] == "30"
