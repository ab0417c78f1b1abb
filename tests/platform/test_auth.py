"""Tokens: argon2 passwords, expiry, revocation."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tests import factories
from zhijian.platform.models import ApiToken, User


def test_password_is_argon2_and_token_flow(client, db):
    with db.session() as s:
        u = factories.user(s, "regulator")
        name = u.username
        assert s.scalar(select(User.password_hash).where(User.id == u.id)).startswith("$argon2id$")
    r = client.post("/api/v1/auth/token", json={"username": name, "password": "wrong password"})
    assert r.status_code == 401 and r.json()["code"] == "auth.bad_credentials"
    r = client.post("/api/v1/auth/token", data={"username": name, "password": "correct horse 1"})  # OAuth2 form
    assert r.status_code == 200
    tok = r.json()["access_token"]
    h = {"Authorization": f"Bearer {tok}"}
    assert client.get("/api/v1/auth/me", headers=h).json()["username"] == name
    assert client.post("/api/v1/auth/revoke", headers=h).status_code == 204
    r = client.get("/api/v1/auth/me", headers=h)
    assert r.status_code == 401 and r.json()["code"] == "auth.invalid_token"


def test_expired_token_is_refused(client, db):
    with db.session() as s:
        name = factories.user(s, "regulator").username
    tok = client.post("/api/v1/auth/token", json={"username": name, "password": "correct horse 1"}).json()["access_token"]
    import hashlib

    with db.session() as s:
        row = s.scalar(select(ApiToken).where(ApiToken.token_hash == hashlib.sha256(tok.encode()).hexdigest()))
        row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    r = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {tok}"})
    assert r.status_code == 401


def test_public_rate_limit(db, settings):
    import dataclasses

    from fastapi.testclient import TestClient

    from zhijian.platform.app import create_app

    app = create_app(db, dataclasses.replace(settings, public_rate_limit=5))
    with TestClient(app) as c:
        codes = [c.get("/api/v1/categories").status_code for _ in range(7)]
    assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]


def test_production_hashes_use_the_librarys_default_argon2_parameters() -> None:
    """The suite hashes with argon2's cheapest profile (tests/__init__.py); without ZHIJIAN_ARGON2_PROFILE an
    install hashes with argon2-cffi's defaults, RFC 9106's low-memory option (t=3, m=64 MiB, p=4)."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "ZHIJIAN_ARGON2_PROFILE"}
    code = "from zhijian.platform import auth; print(auth.hash_password('correct horse battery'))"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    fast = subprocess.run([sys.executable, "-c", code], env={**env, "ZHIJIAN_ARGON2_PROFILE": "test"},
                          capture_output=True, text=True, timeout=120)
    assert fast.stdout.strip().startswith("$argon2id$v=19$m=8,t=1,p=1$")
