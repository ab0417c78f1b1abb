"""Issue 13, finding "unlimited password guessing": failed logins are throttled per account and per client.

The probe that found it: 200 wrong passwords in 76 s, no 429, then the right one worked. Here the same
burst gets 429 problem+json with Retry-After after a few tries, the right password is refused while the
account backs off / is locked, unknown users are answered exactly like real ones, and every failure is
audited. Counters live in `limits` storage: memory by default, Redis (tested for real) when configured.
"""

from __future__ import annotations

import dataclasses
import math
import re
import time
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests import factories
from zhijian.platform.app import create_app
from zhijian.platform.models import AuditRecord
from zhijian.platform.throttle import LoginPolicy, LoginThrottle, backoff_seconds, make_storage

REDIS = "redis://127.0.0.1:6379/0"
PASSWORD = "correct horse 1"


def _user(db, role: str = "regulator") -> str:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return factories.user(s, role).username


def _app(db, settings, **policy):  # type: ignore[no-untyped-def]
    app = create_app(db, settings)
    if policy:
        app.state.login_throttle = LoginThrottle(make_storage(None), LoginPolicy(**policy))
    return app


def _token(c: TestClient, username: str, password: str):  # type: ignore[no-untyped-def]
    return c.post("/api/v1/auth/token", json={"username": username, "password": password})


def test_backoff_arithmetic() -> None:
    # 3 free failures, then 1 s, 2 s, 4 s ... doubling, the 10th failure locks for 15 minutes
    waits = [backoff_seconds(n, 3, 10, 1.0, 900) for n in range(1, 12)]
    assert waits == [0, 0, 0, 1, 2, 4, 8, 16, 32, 900, 900]


def test_200_wrong_passwords_are_throttled_and_the_right_one_then_waits(db, settings) -> None:
    """The finding, replayed: 200 wrong passwords in a burst, then the right one."""
    name = _user(db)
    with TestClient(_app(db, settings)) as c:
        start = time.monotonic()
        codes = [_token(c, name, f"wrong guess {i:03d}").status_code for i in range(200)]
        elapsed = time.monotonic() - start
        assert codes[:4] == [401, 401, 401, 401]  # three free tries, the 4th fails and starts a 1 s back-off
        # waits of 1, 2, 4 ... s: within `elapsed` seconds at most 4 + log2(elapsed + 1) + 1 guesses are checked
        assert codes.count(401) <= 5 + math.ceil(math.log2(elapsed + 1)), (elapsed, codes)
        assert codes.count(429) >= 185, codes
        r = _token(c, name, PASSWORD)
        assert r.status_code == 429
        assert r.headers["content-type"].startswith("application/problem+json")
        body = r.json()
        assert body["code"] == "auth.throttled" and body["message_zh"] and body["message_en"]
        assert int(r.headers["retry-after"]) >= 1 and body["retry_after"] == int(r.headers["retry-after"])


def test_lock_after_n_failures_is_audited_and_refuses_the_right_password(db, settings) -> None:
    name = _user(db)
    with TestClient(_app(db, settings, base_seconds=0.0, lock_after=10, lock_seconds=900)) as c:
        codes = [_token(c, name, f"wrong guess {i}").status_code for i in range(10)]
        assert codes == [401] * 10
        r = _token(c, name, PASSWORD)
        assert r.status_code == 429 and 850 <= int(r.headers["retry-after"]) <= 900
    with db.session() as s:
        rows = s.scalars(select(AuditRecord).where(AuditRecord.entity == "user_account",
                                                   AuditRecord.entity_id == name).order_by(AuditRecord.seq)).all()
    actions = [r.action for r in rows if r.action.startswith("login")]
    assert actions == ["login_failed"] * 9 + ["login_locked"]
    assert rows[-1].after["failures"] == 10 and rows[-1].after["client"] == "testclient"


def test_unknown_and_known_users_get_the_same_answers(db, settings) -> None:
    known = _user(db)
    unknown = "nobody_" + uuid.uuid4().hex[:8]
    with TestClient(_app(db, settings, base_seconds=0.0, lock_after=4)) as c:
        a = [_token(c, known, "wrong guess xx") for _ in range(5)]
        b = [_token(c, unknown, "wrong guess xx") for _ in range(5)]
    assert [r.status_code for r in a] == [r.status_code for r in b] == [401, 401, 401, 401, 429]
    assert [r.json()["code"] for r in a] == [r.json()["code"] for r in b]
    assert a[0].json()["message_zh"] == b[0].json()["message_zh"] == "用户名或密码错误"


def test_right_password_resets_the_account_counter(db, settings) -> None:
    name = _user(db)
    with TestClient(_app(db, settings, base_seconds=0.0, lock_after=3)) as c:
        assert [_token(c, name, "wrong guess xx").status_code for _ in range(2)] == [401, 401]
        assert _token(c, name, PASSWORD).status_code == 200
        assert [_token(c, name, "wrong guess xx").status_code for _ in range(2)] == [401, 401]
        assert _token(c, name, PASSWORD).status_code == 200


def test_password_spraying_from_one_client_is_throttled(db, settings) -> None:
    """Many accounts, one wrong password each, from one address: the client's own counter stops it."""
    app = _app(db, settings, base_seconds=0.0, client_free=5, client_lock_after=8, lock_seconds=600)
    victim = _user(db)
    with TestClient(app, client=("198.51.100.7", 40000)) as sprayer:
        codes = [_token(sprayer, f"someone_{i}_{uuid.uuid4().hex[:6]}", "Summer2026!!x").status_code
                 for i in range(8)]
        assert codes == [401] * 8
        assert _token(sprayer, victim, PASSWORD).status_code == 429  # even a right password, from that client
    with TestClient(app, client=("198.51.100.8", 40000)) as other:
        assert _token(other, victim, PASSWORD).status_code == 200  # another client is not affected


def test_console_login_form_is_throttled_too(db, settings) -> None:
    name = _user(db)
    with TestClient(_app(db, settings, base_seconds=0.0, lock_after=3)) as c:
        token = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', c.get("/login").text).group(1)
        codes = [c.post("/login", data={"csrf_token": token, "username": name, "password": "wrong guess xx"},
                        follow_redirects=False).status_code for _ in range(3)]
        assert codes == [401, 401, 401]
        r = c.post("/login", data={"csrf_token": token, "username": name, "password": PASSWORD},
                   follow_redirects=False)
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
        assert "登录尝试过于频繁" in r.text


@pytest.fixture
def redis_url() -> str:
    from redis import Redis

    try:
        Redis.from_url(REDIS, socket_connect_timeout=2).ping()
    except Exception:  # pragma: no cover - CI starts Redis
        pytest.skip("no Redis on 127.0.0.1:6379")
    return REDIS


def test_login_counters_are_shared_across_workers_through_redis(db, settings, redis_url) -> None:
    """Two app instances (two workers or hosts) on one Redis: a lock earned on one holds on the other."""
    s = dataclasses.replace(settings, redis_url=redis_url, login_lock_after=4)
    worker1, worker2 = create_app(db, s), create_app(db, s)
    for w in (worker1, worker2):
        w.state.login_throttle = LoginThrottle(w.state.login_throttle.storage,
                                               LoginPolicy(base_seconds=0.0, lock_after=4))
    assert type(worker1.state.login_throttle.storage).__name__ == "RedisStorage"
    name = _user(db)
    with TestClient(worker1) as c1, TestClient(worker2) as c2:
        assert _token(c1, name, "wrong guess xx").status_code == 401
        assert _token(c2, name, "wrong guess xx").status_code == 401
        assert _token(c1, name, "wrong guess xx").status_code == 401
        assert _token(c2, name, "wrong guess xx").status_code == 401  # 4th failure overall: locked
        assert _token(c1, name, PASSWORD).status_code == 429
        assert _token(c2, name, PASSWORD).status_code == 429
