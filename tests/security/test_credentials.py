"""Issue 13, ASVS 2.1.5/2.1.6, 2.2.3, 2.5: a user changes its own password; an administrator resets one.

Real logins over the real app on every backend: a change revokes every other session and token (the one making
it stays), is audited, goes through the password policy, and a wrong current password counts as a failed login.
An administrator's reset revokes everything and the account must change its password before anything else.
"""

from __future__ import annotations

import re
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from tests import factories
from zhijian.platform.app import create_app
from zhijian.platform.models import AuditRecord, User
from zhijian.platform.throttle import LoginPolicy, LoginThrottle, make_storage

PASSWORD = "correct horse 1"
NEW = "a brand new passphrase 7"


def _user(db, role: str = "enterprise") -> tuple[int, str]:  # type: ignore[no-untyped-def]
    with db.session() as s:
        org = factories.enterprise(s) if role == "enterprise" else None
        u = factories.user(s, role, org)
        return u.id, u.username


def _token(c: TestClient, username: str, password: str) -> str:
    r = c.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _audit(db, user_id: int, action: str) -> list[AuditRecord]:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return list(s.scalars(select(AuditRecord).where(AuditRecord.entity == "user_account",
                                                        AuditRecord.entity_id == str(user_id),
                                                        AuditRecord.action == action)).all())


def test_change_revokes_every_other_session_and_keeps_this_one(db, client) -> None:
    uid, name = _user(db)
    here, laptop, script = (_token(client, name, PASSWORD) for _ in range(3))
    r = client.post("/api/v1/auth/password", headers=_h(here),
                    json={"current_password": PASSWORD, "new_password": NEW})
    assert r.status_code == 200, r.text
    assert r.json()["sessions_revoked"] == 2
    assert client.get("/api/v1/auth/me", headers=_h(here)).status_code == 200  # the current session stays
    for other in (laptop, script):
        assert client.get("/api/v1/auth/me", headers=_h(other)).json()["code"] == "auth.invalid_token"
    assert client.post("/api/v1/auth/token", json={"username": name, "password": PASSWORD}).status_code == 401
    assert _token(client, name, NEW)
    [rec] = _audit(db, uid, "password_changed")
    assert rec.after == {"username": name, "by": "self", "sessions_revoked": 2}
    inbox = client.get("/api/v1/notifications", headers=_h(here)).json()  # 2.2.3: the user is told
    assert [(n["kind"], n["subject"]) for n in inbox] == [("password_changed", "您的密码已修改 / Your password was changed")]
    assert rec.actor == f"enterprise:{name}"
    assert NEW not in str(rec.after) and PASSWORD not in str(rec.before)


@pytest.mark.parametrize(("new", "code"), [
    ("short pw 1", "user.weak_password"),           # 10 characters < 12
    ("password1234", "user.common_password"),       # in the shipped common-password list
    ("qwertyuiop123", "user.common_password"),
    ("aaaaaaaaaaaaaaa", "user.weak_password"),      # one repeated character
    (PASSWORD, "user.password_unchanged"),
])
def test_new_password_goes_through_the_policy(db, client, new: str, code: str) -> None:
    _uid, name = _user(db)
    tok = _token(client, name, PASSWORD)
    r = client.post("/api/v1/auth/password", headers=_h(tok), json={"current_password": PASSWORD,
                                                                    "new_password": new})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert (body["code"], body["field"]) == (code, "new_password")
    assert body["message_zh"] and body["message_en"] and body["message_zh"] != body["message_en"]
    assert _token(client, name, PASSWORD)  # unchanged


def test_new_password_may_not_contain_the_username(db, client) -> None:
    _uid, name = _user(db)
    r = client.post("/api/v1/auth/password", headers=_h(_token(client, name, PASSWORD)),
                    json={"current_password": PASSWORD, "new_password": f"{name}-secret!"})
    assert r.json()["code"] == "user.password_contains_username"


def test_wrong_current_password_counts_as_a_failed_login(db, settings) -> None:
    uid, name = _user(db)
    app = create_app(db, settings)
    app.state.login_throttle = LoginThrottle(make_storage(None), LoginPolicy(base_seconds=0.0, lock_after=3))
    with TestClient(app) as c:
        tok = _token(c, name, PASSWORD)
        codes = [c.post("/api/v1/auth/password", headers=_h(tok),
                        json={"current_password": f"guess {i} xxxxxx", "new_password": NEW}) for i in range(3)]
        assert [r.status_code for r in codes] == [403, 403, 403]
        assert {r.json()["code"] for r in codes} == {"auth.wrong_password"}
        assert codes[0].json()["field"] == "current_password"
        r = c.post("/api/v1/auth/password", headers=_h(tok), json={"current_password": PASSWORD, "new_password": NEW})
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0  # locked: even the right one waits
        # and the lock is the login's: the account cannot log in either
        assert c.post("/api/v1/auth/token", json={"username": name, "password": PASSWORD}).status_code == 429
    with db.session() as s:
        rows = s.scalars(select(AuditRecord).where(AuditRecord.entity == "user_account",
                                                   AuditRecord.entity_id == name).order_by(AuditRecord.seq)).all()
        assert [r.action for r in rows] == ["login_failed", "login_failed", "login_locked"]
        assert {r.after["factor"] for r in rows} == {"password_change"}
    assert _audit(db, uid, "password_changed") == []


def test_admin_reset_revokes_all_and_forces_a_change_first(db, client) -> None:
    uid, name = _user(db)
    old = _token(client, name, PASSWORD)
    admin = _token(client, _user(db, "admin")[1], PASSWORD)
    r = client.post(f"/api/v1/users/{uid}/password", headers=_h(admin), json={"new_password": NEW})
    assert r.status_code == 200, r.text
    assert r.json() == {"user_id": uid, "sessions_revoked": 1, "password_change_required": True}
    assert client.get("/api/v1/auth/me", headers=_h(old)).status_code == 401
    t = client.post("/api/v1/auth/token", json={"username": name, "password": NEW})
    assert t.status_code == 200 and t.json()["password_change_required"] is True
    tok = t.json()["access_token"]
    for path in ("/api/v1/auth/me", "/api/v1/products"):
        r = client.get(path, headers=_h(tok))
        assert r.status_code == 403 and r.json()["code"] == "auth.password_change_required", path
    r = client.post("/api/v1/auth/password", headers=_h(tok),
                    json={"current_password": NEW, "new_password": "my own choice 2026"})
    assert r.status_code == 200, r.text
    assert client.get("/api/v1/auth/me", headers=_h(tok)).status_code == 200
    kinds = [n["kind"] for n in client.get("/api/v1/notifications", headers=_h(tok)).json()]
    assert sorted(kinds) == ["password_changed", "password_reset"]
    [rec] = _audit(db, uid, "password_reset")
    assert rec.actor.startswith("admin:") and rec.after["must_change"] is True
    assert rec.after["by"] == rec.actor


def test_only_admins_reset_and_the_policy_applies(db, client) -> None:
    uid, _name = _user(db)
    regulator = _token(client, _user(db, "regulator")[1], PASSWORD)
    r = client.post(f"/api/v1/users/{uid}/password", headers=_h(regulator), json={"new_password": NEW})
    assert r.status_code == 403
    admin = _token(client, _user(db, "admin")[1], PASSWORD)
    r = client.post(f"/api/v1/users/{uid}/password", headers=_h(admin), json={"new_password": "12345678"})
    assert r.status_code == 422 and r.json()["field"] == "new_password"
    r = client.post("/api/v1/users/999999999/password", headers=_h(admin), json={"new_password": NEW})
    assert r.status_code == 404


# ---------------------------------------------------------------- console


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', html)
    assert m, html[:500]
    return m.group(1)


def _console_login(c: TestClient, name: str, password: str):  # type: ignore[no-untyped-def]
    return c.post("/login", data={"csrf_token": _csrf(c.get("/login").text), "username": name, "password": password},
                  follow_redirects=False)


def test_console_account_page_changes_the_password(db, app) -> None:
    uid, name = _user(db)
    with TestClient(app) as other:
        other_token = _token(other, name, PASSWORD)
    with TestClient(app) as c:
        assert _console_login(c, name, PASSWORD).status_code == 303
        page = c.get("/console/account")
        assert page.status_code == 200 and 'name="current_password"' in page.text
        bad = c.post("/console/account/password", data={"csrf_token": _csrf(page.text),
                                                          "current_password": PASSWORD, "new_password": "short"})
        assert bad.status_code == 422
        assert 'id="new_password"' in bad.text and "aria-invalid" in bad.text and "密码至少 12 个字符" in bad.text
        ok = c.post("/console/account/password", data={"csrf_token": _csrf(page.text), "current_password": PASSWORD,
                                                         "new_password": NEW}, follow_redirects=False)
        assert ok.status_code == 303
        assert c.get("/console").status_code == 200  # this console session stays
        forged = c.post("/console/account/password", data={"current_password": NEW, "new_password": NEW + "x"})
        assert forged.status_code == 403  # CSRF as every console form
    with TestClient(app) as other:
        assert other.get("/api/v1/auth/me", headers=_h(other_token)).status_code == 401
    assert len(_audit(db, uid, "password_changed")) == 1


def test_console_account_page_speaks_english(db, app) -> None:
    _uid, name = _user(db)
    with TestClient(app) as c:
        _console_login(c, name, PASSWORD)
        page = c.get("/console/account?lang=en")
        assert "Change password" in page.text and "Current password" in page.text
        bad = c.post("/console/account/password", data={"csrf_token": _csrf(page.text),
                                                          "current_password": "not it at all", "new_password": NEW})
        assert bad.status_code == 403 and "the current password is wrong" in bad.text


def test_console_login_after_a_reset_leads_to_the_change_page_first(db, app) -> None:
    uid, name = _user(db)
    with db.session() as s:
        from zhijian.platform.auth import SYSTEM
        from zhijian.platform.identity.credentials import reset_password

        reset_password(s, SYSTEM, uid, NEW)
    with TestClient(app) as c:
        r = _console_login(c, name, NEW)
        assert r.status_code == 303 and r.headers["location"] == "/console/account"
        r = c.get("/console", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")  # nothing else before the change
        page = c.get("/console/account")
        assert page.status_code == 200 and "管理员已重置您的密码" in page.text
        ok = c.post("/console/account/password", data={"csrf_token": _csrf(page.text), "current_password": NEW,
                                                         "new_password": "my own choice 2026"}, follow_redirects=False)
        assert ok.status_code == 303
        assert c.get("/console", follow_redirects=False).status_code == 200
    with db.session() as s:
        assert s.get(User, uid).must_change_password is False  # type: ignore[union-attr]


# ---------------------------------------------------------------- CLI


@pytest.fixture
def cli_db(tmp_path, monkeypatch, fresh_db):  # type: ignore[no-untyped-def]
    from zhijian.platform.db import get_database

    db = fresh_db("sqlite")
    monkeypatch.setenv("ZHIJIAN_DATABASE_URL", str(db.engine.url))
    get_database.cache_clear()
    yield db
    get_database.cache_clear()


def test_cli_passwd_from_env_and_prompt_and_reset(cli_db, monkeypatch) -> None:
    from zhijian.platform.cli import app as cli

    uid, name = _user(cli_db)
    monkeypatch.setenv("ZHIJIAN_NEW_PASSWORD", NEW)
    r = CliRunner().invoke(cli, ["user", "passwd", name])
    assert r.exit_code == 0, r.output
    assert f"password of {name} set" in r.output
    monkeypatch.delenv("ZHIJIAN_NEW_PASSWORD")
    r = CliRunner().invoke(cli, ["user", "passwd", name, "--reset"], input="typed at the prompt 9\n" * 2)
    assert r.exit_code == 0, r.output
    with cli_db.session() as s:
        user = s.get(User, uid)
        assert user is not None and user.must_change_password is True
    assert [a.after["must_change"] for a in _audit(cli_db, uid, "password_reset")] == [False, True]


@pytest.mark.parametrize(("args", "needle"), [
    (["user", "passwd", "nobody-" + uuid.uuid4().hex[:6]], "user.not_found"),
    (["user", "passwd", "{name}"], "user.weak_password"),
])
def test_cli_passwd_bad_input_is_one_line_and_exit_2(cli_db, monkeypatch, args: list[str], needle: str) -> None:
    from zhijian.platform.cli import app as cli

    _uid, name = _user(cli_db)
    monkeypatch.setenv("ZHIJIAN_NEW_PASSWORD", "short")
    r = CliRunner().invoke(cli, [a.format(name=name) for a in args])
    assert r.exit_code == 2, r.output
    assert needle in r.output and len(r.output.strip().splitlines()) == 1
