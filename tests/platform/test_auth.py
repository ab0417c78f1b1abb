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
