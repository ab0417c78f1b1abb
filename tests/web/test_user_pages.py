"""Console 用户管理 (/console/users, admins only; issue 13): the list (role, organization, state, second factor,
must-change), and the four acts through the real forms — reset to a temporary password shown once, remove the
second factor, deactivate (never the last active admin), reactivate — CSRF-checked and confirmed first."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pyotp
import pytest
from fastapi.testclient import TestClient

from tests import factories
from zhijian.platform import mfa
from zhijian.platform.app import create_app
from zhijian.platform.db import Database
from zhijian.platform.models import AuditRecord, User

PASSWORD = "correct horse 1"


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', html)
    assert m, html[:400]
    return m.group(1)


def _console(c: TestClient, db: Database, role: str = "admin") -> str:
    """Log a fresh user of `role` into the console; its username."""
    with db.session() as s:
        name = factories.user(s, role).username
    r = c.post("/login", data={"csrf_token": _csrf(c.get("/login").text), "username": name, "password": PASSWORD},
               follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    return name


def _token(c: TestClient, name: str, password: str = PASSWORD) -> str:
    r = c.post("/api/v1/auth/token", json={"username": name, "password": password})
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def _me(c: TestClient, token: str) -> int:
    return c.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code


def _row(html: str, user_id: int) -> str:
    m = re.search(rf'<tr id="user-{user_id}">(.*?)</tr>', html, re.S)
    assert m, f"user {user_id} not listed"
    return re.sub(r"\s+", " ", m.group(1))


def _cells(row: str) -> list[str]:
    return [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def _act(c: TestClient, user_id: int, act: str, *, confirmed: bool = True):  # type: ignore[no-untyped-def]
    page = c.get("/console/users")
    data = {"csrf_token": _csrf(page.text), **({"confirmed": "1"} if confirmed else {})}
    return c.post(f"/console/users/{user_id}/{act}", data=data, follow_redirects=False)


def _audit(db: Database, user_id: int, action: str) -> int:
    with db.session() as s:
        return s.query(AuditRecord).filter(AuditRecord.entity == "user_account", AuditRecord.entity_id == str(user_id),
                                           AuditRecord.action == action).count()


@pytest.fixture
def people(db: Database) -> dict[str, int]:
    """An enterprise user (must change nothing, no second factor) and a regulator with TOTP on."""
    uid = factories.uid()
    with db.session() as s:
        ent = factories.enterprise(s, name=f"用户页企业{uid}有限公司")
        e = factories.user(s, "enterprise", ent)
        r = factories.user(s, "regulator", factories.regulator(s))
        enrolment = mfa.begin_enrolment(s, r)
        mfa.confirm_enrolment(s, r, pyotp.TOTP(enrolment.secret).now())
        return {"enterprise": e.id, "regulator": r.id, "ent_org": ent.id}


def test_the_list_shows_role_organization_state_second_factor_and_must_change(client, db, people) -> None:  # type: ignore[no-untyped-def]
    _console(client, db)
    with db.session() as s:
        e, r = s.get(User, people["enterprise"]), s.get(User, people["regulator"])
        assert e is not None and r is not None
        names = e.username, r.username
    page = client.get("/console/users", params={"size": 100, "q": names[0]})
    assert page.status_code == 200 and "<h1>用户管理</h1>" in page.text
    ent_row = _cells(_row(page.text, people["enterprise"]))
    assert ent_row[:6] == [names[0], "企业用户", ent_row[2], "启用中", "未启用", "否"]
    assert ent_row[2].startswith("用户页企业") and "重置密码" in ent_row[6] and "取消双因素认证" not in ent_row[6]
    reg_row = _cells(_row(client.get("/console/users", params={"q": names[1]}).text, people["regulator"]))
    assert reg_row[1] == "监管部门" and reg_row[4] == "已启用" and "取消双因素认证" in reg_row[6]
    assert f'id="user-{people["enterprise"]}"' not in client.get("/console/users", params={"q": names[1]}).text
    by_role = client.get("/console/users", params={"role": "regulator", "q": names[1]}).text
    assert f'id="user-{people["regulator"]}"' in by_role
    assert f'id="user-{people["regulator"]}"' not in client.get("/console/users", params={"role": "enterprise",
                                                                                          "q": names[1]}).text
    assert client.get("/console/users", params={"sort": "password_hash"}).status_code == 422  # not a sort key


@contextmanager
def _enterprise_signed_in_elsewhere(client: TestClient, db: Database,
                                    people: dict[str, int]) -> Iterator[tuple[int, str, TestClient, str]]:
    """The admin's console in `client`; the enterprise user signed in on another client: (id, name, it, its token)."""
    _console(client, db)
    uid = people["enterprise"]
    with db.session() as s:
        name = s.get(User, uid).username  # type: ignore[union-attr]
    with TestClient(client.app) as other:
        yield uid, name, other, _token(other, name)


def test_reset_shows_the_temporary_password_once_and_forces_a_change(client, db, people) -> None:  # type: ignore[no-untyped-def]
    with _enterprise_signed_in_elsewhere(client, db, people) as (uid, name, other, old):
        first = _act(client, uid, "password", confirmed=False)  # no JavaScript: the confirmation page first
        assert first.status_code == 200 and 'name="confirmed" value="1"' in first.text and name in first.text
        assert _me(other, old) == 200 and _audit(db, uid, "password_reset") == 0
        done = _act(client, uid, "password")
        assert done.status_code == 200
        temp = re.search(r'<code id="temporary-password">([^<]+)</code>', done.text)
        assert temp and len(temp.group(1)) == 16
        assert _me(other, old) == 401  # every session of the user revoked
        new = _token(other, name, temp.group(1))
        assert _me(other, new) == 403  # auth.password_change_required until it chooses its own
    assert _audit(db, uid, "password_reset") == 1
    again = client.get("/console/users", params={"q": name})
    assert temp.group(1) not in again.text and "temporary-password" not in again.text  # shown that once
    assert _cells(_row(again.text, uid))[5] == "是"


def _admin(db: Database) -> str:
    with db.session() as s:
        return factories.user(s, "admin").username


def test_the_api_shows_must_change_password(client, db, people) -> None:  # type: ignore[no-untyped-def]
    h = {"Authorization": f"Bearer {_token(client, _admin(db))}"}
    uid = people["enterprise"]

    def flag() -> bool:
        cursor, found = None, None
        while found is None:
            body = client.get("/api/v1/users", params={"limit": 500, **({"cursor": cursor} if cursor else {})},
                              headers=h).json()
            found = next((u["must_change_password"] for u in body["items"] if u["id"] == uid), None)
            cursor = body["next_cursor"]
            assert found is not None or cursor, "user not listed"
        return bool(found)

    assert flag() is False
    assert client.post(f"/api/v1/users/{uid}/password", headers=h,
                       json={"new_password": "fresh meadow 42 kites"}).status_code == 200
    assert flag() is True
    created = client.post("/api/v1/users", headers=h, json={"username": f"u{factories.uid()}", "role": "public",
                                                            "password": "quiet harbour 7 lanterns"})
    assert created.status_code == 201 and created.json()["must_change_password"] is False


def test_remove_second_factor_from_the_list(client, db, people) -> None:  # type: ignore[no-untyped-def]
    _console(client, db)
    uid = people["regulator"]
    with db.session() as s:
        assert mfa.is_enabled(s, uid)
    r = _act(client, uid, "mfa")
    assert r.status_code == 303 and r.headers["location"] == "/console/users?done=mfa"
    with db.session() as s:
        assert not mfa.is_enabled(s, uid)
    assert _audit(db, uid, "mfa_removed_by_admin") == 1
    assert "已取消该用户的双因素认证" in client.get(r.headers["location"]).text


def test_deactivate_then_reactivate(client, db, people) -> None:  # type: ignore[no-untyped-def]
    with _enterprise_signed_in_elsewhere(client, db, people) as (uid, name, other, old):
        assert _act(client, uid, "deactivate").status_code == 303
        assert _me(other, old) == 401
        row = _cells(_row(client.get("/console/users", params={"q": name}).text, uid))
        assert row[3] == "账户已停用" and "重新启用" in row[6]
        assert _act(client, uid, "reactivate", confirmed=False).status_code == 303  # nothing to confirm
        with db.session() as s:
            assert s.get(User, uid).is_active is True  # type: ignore[union-attr]
        assert _me(other, old) == 401  # a token from before the deactivation stays dead
        assert _me(other, _token(other, name)) == 200
    assert _cells(_row(client.get("/console/users", params={"q": name}).text, uid))[3] == "启用中"


def test_the_last_active_admin_cannot_be_deactivated(fresh_db, settings) -> None:  # type: ignore[no-untyped-def]
    db = fresh_db("sqlite")
    with TestClient(create_app(db, settings)) as c:
        name = _console(c, db)
        with db.session() as s:
            me = s.query(User).filter(User.username == name).one().id
            assert s.query(User).filter(User.role == "admin", User.is_active.is_(True)).count() == 1
        r = _act(c, me, "deactivate")
        assert r.status_code == 409 and "不能停用或降级最后一个启用的管理员" in r.text
        with db.session() as s:
            assert s.get(User, me).is_active is True  # type: ignore[union-attr]


def test_admins_only_with_csrf_and_the_menu_link(client, db, people) -> None:  # type: ignore[no-untyped-def]
    with TestClient(client.app) as reg:
        _console(reg, db, "regulator")
        assert reg.get("/console/users").status_code == 403
        assert 'href="/console/users"' not in reg.get("/console").text
        forged = reg.post(f"/console/users/{people['enterprise']}/deactivate",
                          data={"csrf_token": _csrf(reg.get("/console").text), "confirmed": "1"})
        assert forged.status_code == 403
    _console(client, db)
    assert 'href="/console/users"' in client.get("/console").text
    no_token = client.post(f"/console/users/{people['enterprise']}/deactivate", data={"confirmed": "1"})
    assert no_token.status_code == 403
    assert client.post(f"/console/users/{people['enterprise']}/promote",
                       data={"csrf_token": _csrf(client.get("/console").text)}).status_code == 404
    with db.session() as s:
        assert s.get(User, people["enterprise"]).is_active is True  # type: ignore[union-attr]


def test_the_page_speaks_english(client, db, people) -> None:  # type: ignore[no-untyped-def]
    _console(client, db)
    page = client.get("/console/users?lang=en")
    assert page.status_code == 200
    assert "<h1>Users</h1>" in page.text and "Reset password" in page.text and "Must change password" in page.text
    assert "用户管理" not in page.text
