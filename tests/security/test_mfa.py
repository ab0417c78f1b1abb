"""Issue 13, ASVS 2.2.4–2.2.7, 2.6, 2.8: TOTP two-factor authentication (RFC 6238) and recovery codes.

The time-step arithmetic is proved on RFC 6238 Appendix B's published SHA-1 vectors (secret "12345678901234567890",
8 digits); the rest are real enrolments and real logins over the API and the console, on every backend.
"""

from __future__ import annotations

import base64
import re
import stat
import time

import pyotp
import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests import factories
from zhijian.platform import mfa
from zhijian.platform.app import create_app
from zhijian.platform.identity.models import MfaRecoveryCode, UserMfa
from zhijian.platform.models import AuditRecord
from zhijian.platform.throttle import LoginPolicy, LoginThrottle, make_storage

PASSWORD = "correct horse 1"
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()  # RFC 6238 Appendix B, SHA-1 seed
# RFC 6238 Appendix B, Table "Test Vectors", mode SHA1: (T in seconds, TOTP with 8 digits)
RFC_VECTORS = [(59, "94287082"), (1111111109, "07081804"), (1111111111, "14050471"), (1234567890, "89005924"),
               (2000000000, "69279037"), (20000000000, "65353130")]


@pytest.mark.parametrize(("t", "code"), RFC_VECTORS)
def test_rfc6238_appendix_b_vectors(t: int, code: str) -> None:
    assert pyotp.TOTP(RFC_SECRET, digits=8).at(t) == code
    step = mfa.time_step(t)
    assert mfa.matching_step(RFC_SECRET, code, t, None, digits=8) == step


def test_window_is_one_step_either_side_and_a_used_step_never_returns() -> None:
    code = "94287082"  # T = 59 s → step 1 (steps of 30 s from T0 = 0)
    assert mfa.time_step(59) == 1
    for now, expected in [(0, 1), (29.9, 1), (30, 1), (59, 1), (60, 1), (89.9, 1)]:
        assert mfa.matching_step(RFC_SECRET, code, now, None, digits=8) == expected, now
    for now in (90, 120, 1111111109):  # two steps later: refused
        assert mfa.matching_step(RFC_SECRET, code, now, None, digits=8) is None, now
    assert mfa.matching_step(RFC_SECRET, code, 59, 0, digits=8) == 1
    assert mfa.matching_step(RFC_SECRET, code, 59, 1, digits=8) is None  # replay of step 1
    assert mfa.matching_step(RFC_SECRET, code, 59, 2, digits=8) is None  # older than the last used step
    for junk in ("9428708", "942870820", "abcdefgh", ""):
        assert mfa.matching_step(RFC_SECRET, junk, 59, None, digits=8) is None


# ---------------------------------------------------------------- real enrolment and logins


def _fresh_step() -> None:
    """Codes for steps s-1, s, s+1 are computed here and checked by the app a moment later: stay clear of a
    step boundary so the app's current step is still s."""
    if time.time() % 30 > 22:
        time.sleep(30 - time.time() % 30 + 0.05)


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _login(c: TestClient, name: str, otp: str | None = None, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    body = {"username": name, "password": password} | ({"otp": otp} if otp is not None else {})
    return c.post("/api/v1/auth/token", json=body)


def _enrolled(db, c: TestClient) -> tuple[int, str, pyotp.TOTP, list[str]]:  # type: ignore[no-untyped-def]
    """A user with TOTP on, confirmed with the PREVIOUS step's code (so the current and the next are unused)."""
    with db.session() as s:
        u = factories.user(s, "inspector", factories.lab(s))
        uid, name = u.id, u.username
    tok = _login(c, name).json()["access_token"]
    r = c.post("/api/v1/auth/mfa/enrol", headers=_h(tok))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["otpauth_uri"].startswith(f"otpauth://totp/zhijian:{name}?secret={body['secret']}")
    assert body["qr_svg"].startswith("data:image/svg+xml")
    totp = pyotp.TOTP(body["secret"])
    _fresh_step()
    wrong = c.post("/api/v1/auth/mfa/confirm", headers=_h(tok), json={"otp": "000000" if totp.now() != "000000"
                                                                       else "111111"})
    assert wrong.status_code == 401 and wrong.json()["code"] == "auth.bad_otp"
    r = c.post("/api/v1/auth/mfa/confirm", headers=_h(tok), json={"otp": totp.at(time.time() - 30)})
    assert r.status_code == 200, r.text
    codes = r.json()["recovery_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    return uid, name, totp, codes


def test_enrol_then_login_needs_the_code_once_only(db, client) -> None:
    uid, name, totp, _codes = _enrolled(db, client)
    r = _login(client, name)
    assert r.status_code == 401 and r.json()["code"] == "auth.otp_required" and "access_token" not in r.json()
    assert _login(client, name, "123456" if totp.now() != "123456" else "654321").json()["code"] == "auth.bad_otp"
    now_code = totp.now()
    r = _login(client, name, now_code)
    assert r.status_code == 200, r.text
    replay = _login(client, name, now_code)  # the same code again (a phished or shoulder-surfed code)
    assert replay.status_code == 401 and replay.json()["code"] == "auth.bad_otp"
    confirm_code = totp.at(time.time() - 30)  # the step used to confirm: older than the last used one
    assert _login(client, name, confirm_code).status_code == 401
    assert _login(client, name, totp.at(time.time() + 30)).status_code == 200  # next step, inside the window
    with db.session() as s:
        rows = s.scalars(select(AuditRecord).where(AuditRecord.entity == "user_account",
                                                   AuditRecord.entity_id == name)).all()
        assert sum(1 for r in rows if r.after.get("factor") == "otp") == 3  # wrong, replay, old: failed logins
        assert s.scalars(select(AuditRecord.action).where(AuditRecord.entity_id == str(uid),
                                                          AuditRecord.action == "mfa_enabled")).all()


def test_the_secret_is_stored_encrypted_with_the_key_outside_the_database(db, client) -> None:
    uid, _name, totp, codes = _enrolled(db, client)
    with db.session() as s:
        row = s.scalar(select(UserMfa).where(UserMfa.user_id == uid))
        assert row is not None and totp.secret not in row.secret_encrypted
        assert mfa.configured_fernet().decrypt(row.secret_encrypted.encode()).decode() == totp.secret
        with pytest.raises(Exception):  # noqa: B017 — any other key cannot read it
            Fernet(Fernet.generate_key()).decrypt(row.secret_encrypted.encode())
        stored = s.scalars(select(MfaRecoveryCode.code_hash).where(MfaRecoveryCode.user_id == uid)).all()
        assert len(stored) == 10 and not any(c.replace("-", "") in h or c in h for c in codes for h in stored)


def test_otp_guessing_is_throttled_like_passwords(db, settings) -> None:
    app = create_app(db, settings)
    app.state.login_throttle = LoginThrottle(make_storage(None), LoginPolicy(base_seconds=0.0, lock_after=5))
    with TestClient(app) as c:
        _uid, name, totp, _codes = _enrolled(db, c)
        guesses = [f"{n:06d}" for n in range(100000, 100010) if f"{n:06d}" not in
                   {totp.at(time.time() + d) for d in (-30, 0, 30)}][:6]
        codes = [_login(c, name, g).status_code for g in guesses]
        assert codes == [401] * 5 + [429]
        assert _login(c, name, totp.now()).status_code == 429  # locked: even the right code waits


def test_recovery_codes_work_once_each(db, client) -> None:
    uid, name, _totp, codes = _enrolled(db, client)
    assert _login(client, name, codes[0]).status_code == 200
    assert _login(client, name, codes[0]).status_code == 401  # single use
    assert _login(client, name, codes[1].lower().replace("-", "")).status_code == 200  # typed loosely
    tok = _login(client, name, codes[2]).json()["access_token"]
    assert client.get("/api/v1/auth/mfa", headers=_h(tok)).json() == {"enabled": True, "recovery_codes_left": 7}
    kinds = [n["kind"] for n in client.get("/api/v1/notifications", headers=_h(tok)).json()]
    assert sorted(kinds) == ["mfa_enabled"] + ["mfa_recovery_used"] * 3  # the user is told each time
    with db.session() as s:
        actions = s.scalars(select(AuditRecord.action).where(AuditRecord.entity_id == str(uid))).all()
        assert actions.count("mfa_recovery_used") == 3


def test_disable_needs_password_and_code(db, client) -> None:
    _uid, name, totp, _codes = _enrolled(db, client)
    used = totp.now()
    tok = _login(client, name, used).json()["access_token"]
    r = client.post("/api/v1/auth/mfa/disable", headers=_h(tok), json={"password": "not the password", "otp": "1"})
    assert r.status_code == 403 and r.json()["field"] == "password"
    r = client.post("/api/v1/auth/mfa/disable", headers=_h(tok), json={"password": PASSWORD, "otp": used})
    assert r.status_code == 401 and r.json()["code"] == "auth.bad_otp"  # the code just used at login: replay
    r = client.post("/api/v1/auth/mfa/disable", headers=_h(tok),
                    json={"password": PASSWORD, "otp": totp.at(time.time() + 30)})
    assert r.status_code == 200 and r.json() == {"enabled": False}
    assert _login(client, name).status_code == 200  # the password alone again


def test_admin_removes_a_users_second_factor_audited(db, client) -> None:
    uid, name, _totp, _codes = _enrolled(db, client)
    with db.session() as s:
        admin = factories.user(s, "admin").username
    atok = _login(client, admin).json()["access_token"]
    with db.session() as s:
        other = factories.user(s, "regulator").username
    otok = _login(client, other).json()["access_token"]
    assert client.delete(f"/api/v1/users/{uid}/mfa", headers=_h(otok)).status_code == 403
    r = client.delete(f"/api/v1/users/{uid}/mfa", headers=_h(atok))
    assert r.status_code == 200 and r.json()["removed"] is True
    assert _login(client, name).status_code == 200
    with db.session() as s:
        rec = s.scalars(select(AuditRecord).where(AuditRecord.entity_id == str(uid),
                                                  AuditRecord.action == "mfa_removed_by_admin")).one()
        assert rec.actor == f"admin:{admin}"


def test_console_login_has_a_second_step(db, app) -> None:
    with TestClient(app) as api:
        _uid, name, totp, _codes = _enrolled(db, api)
    with TestClient(app) as c:
        csrf = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', c.get("/login").text).group(1)  # type: ignore[union-attr]
        r = c.post("/login", data={"csrf_token": csrf, "username": name, "password": PASSWORD}, follow_redirects=False)
        assert r.status_code == 200 and 'name="otp"' in r.text and "zj_session" not in r.cookies
        assert PASSWORD not in r.text  # the second step carries a ticket, never the password
        ticket = re.search(r'name="ticket" value="([^"]+)"', r.text).group(1)  # type: ignore[union-attr]
        bad = c.post("/login", data={"csrf_token": csrf, "username": name, "ticket": ticket, "otp": "000000"
                                     if totp.now() != "000000" else "111111"}, follow_redirects=False)
        assert bad.status_code == 401 and "动态验证码错误" in bad.text and 'name="otp"' in bad.text
        empty = c.post("/login", data={"csrf_token": csrf, "username": name, "ticket": ticket, "otp": ""},
                       follow_redirects=False)
        assert empty.status_code == 401 and "zj_session" not in empty.cookies  # a ticket never logs in alone
        forged = c.post("/login", data={"csrf_token": csrf, "username": name, "ticket": ticket[:-1] + ("1" if ticket.endswith("0") else "0"),
                                        "otp": totp.now()}, follow_redirects=False)
        assert forged.status_code == 401 and "用户名或密码错误" in forged.text
        ok = c.post("/login", data={"csrf_token": csrf, "username": name, "ticket": ticket, "otp": totp.now()},
                    follow_redirects=False)
        assert ok.status_code == 303 and "zj_session" in ok.cookies


def test_console_enrolment_shows_the_qr_once_and_the_recovery_codes(db, app) -> None:
    with db.session() as s:
        name = factories.user(s, "regulator").username
    with TestClient(app) as c:
        csrf = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', c.get("/login").text).group(1)  # type: ignore[union-attr]
        c.post("/login", data={"csrf_token": csrf, "username": name, "password": PASSWORD})
        page = c.get("/console/account")
        csrf = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', page.text).group(1)  # type: ignore[union-attr]
        r = c.post("/console/account/mfa/enrol", data={"csrf_token": csrf})
        assert r.status_code == 200 and 'src="data:image/svg+xml' in r.text
        secret = re.search(r'id="mfa-secret">([A-Z2-7]+)<', r.text).group(1)  # type: ignore[union-attr]
        assert secret not in c.get("/console/account").text  # shown once
        _fresh_step()
        r = c.post("/console/account/mfa/confirm", data={"csrf_token": csrf, "otp": "12"})
        assert r.status_code == 422 and 'aria-invalid="true"' in r.text
        r = c.post("/console/account/mfa/confirm", data={"csrf_token": csrf, "otp": pyotp.TOTP(secret).now()})
        assert r.status_code == 200
        assert len(re.findall(r"<li><code>[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{5}</code></li>", r.text)) == 10


def test_the_key_comes_from_the_environment_or_a_private_file(tmp_path, monkeypatch) -> None:
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("ZHIJIAN_MFA_KEY", key)
    mfa.configured_fernet.cache_clear()
    try:
        token = mfa.encrypt_secret("JBSWY3DPEHPK3PXP")
        assert Fernet(key.encode()).decrypt(token.encode()) == b"JBSWY3DPEHPK3PXP"
        local = mfa.local_key(tmp_path)
        assert (tmp_path / "mfa.key").stat().st_mode & 0o777 == stat.S_IRUSR | stat.S_IWUSR
        assert mfa.local_key(tmp_path) == local  # per install: created once
        monkeypatch.setenv("ZHIJIAN_MFA_KEY", "not a key")
        mfa.configured_fernet.cache_clear()
        with pytest.raises(Exception, match="ZHIJIAN_MFA_KEY"):
            mfa.configured_fernet()
    finally:
        monkeypatch.delenv("ZHIJIAN_MFA_KEY")
        mfa.configured_fernet.cache_clear()
