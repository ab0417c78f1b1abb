"""双因素认证 — TOTP second factor (RFC 6238) with single-use recovery codes (OWASP ASVS 4.0 V2.8, V2.6).

* The shared secret is stored encrypted (Fernet, `cryptography`) under a key that is not in the database:
  `ZHIJIAN_MFA_KEY` (a Fernet key: urlsafe base64 of 32 bytes), or, unset, a per-install file `mfa.key` (mode 0600)
  in ZHIJIAN_VAR_DIR — exactly as the audit key (`platform.audit_keys`).
* Codes: 6 digits, 30 s steps, SHA-1 (what every authenticator app reads from an otpauth:// URI); a code is
  accepted in the current step and one step either side, and only for a step later than the last one used
  (`UserMfa.last_step`): a code seen once — shoulder-surfed, phished, replayed — is refused.
* Recovery codes: 10 random codes of 20 base32 characters (100 bits), each stored as a salted SHA-256 and
  usable once (ASVS 2.6.2).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import pyotp
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from zhijian.platform.db import utcnow
from zhijian.platform.errors import Conflict, DomainError
from zhijian.platform.files import install_secret
from zhijian.platform.identity.models import MfaRecoveryCode, User, UserMfa
from zhijian.platform.logs import log

ISSUER = "zhijian"
DIGITS = 6
STEP_SECONDS = 30
WINDOW = 1  # steps accepted either side of the current one
RECOVERY_CODES = 10


# ---------------------------------------------------------------- the key (outside the database)


def local_key(var_dir: Path) -> bytes:
    path = var_dir / "mfa.key"
    key = install_secret(path, Fernet.generate_key)
    log.warning("ZHIJIAN_MFA_KEY is not set: two-factor secrets are encrypted with the per-install file %s; "
                "set ZHIJIAN_MFA_KEY in production and keep the key outside the database host", path)
    return key


def fernet_for(spec: str) -> Fernet:
    try:
        return Fernet(spec.strip().encode())
    except (ValueError, TypeError) as exc:
        raise DomainError("mfa.bad_key", "ZHIJIAN_MFA_KEY 无效（应为 Fernet 密钥：32 字节的 urlsafe base64）",
                          "invalid ZHIJIAN_MFA_KEY (a Fernet key: urlsafe base64 of 32 bytes)") from exc


@functools.cache
def configured_fernet() -> Fernet:
    spec = os.environ.get("ZHIJIAN_MFA_KEY", "").strip()
    if spec:
        return fernet_for(spec)
    from zhijian.platform.config import get_settings

    return Fernet(local_key(get_settings().var_dir))


def encrypt_secret(secret: str) -> str:
    return configured_fernet().encrypt(secret.encode()).decode()


def decrypt_secret(token: str) -> str:
    try:
        return configured_fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise DomainError("mfa.key_mismatch", "无法解密双因素密钥（ZHIJIAN_MFA_KEY 与加密时不同）",
                          "cannot decrypt the two-factor secret (ZHIJIAN_MFA_KEY differs from the one that "
                          "encrypted it)", status=500) from exc


# ---------------------------------------------------------------- pure TOTP arithmetic


def time_step(now: float, step_seconds: int = STEP_SECONDS) -> int:
    """RFC 6238 §4.2: T = floor((now − T0) / X), T0 = 0."""
    return int(now // step_seconds)


def matching_step(secret: str, code: str, now: float, last_step: int | None, *, digits: int = DIGITS,
                  digest: str = "sha1", window: int = WINDOW) -> int | None:
    """The time step whose code `code` is (within ±`window` steps of `now`) if it is later than `last_step`
    (a step used once is never accepted again), else None. Compared in constant time."""
    code = code.strip().replace(" ", "")
    if len(code) != digits or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=digits, digest=getattr(hashlib, digest), interval=STEP_SECONDS)
    current = time_step(now)
    found = None
    for step in range(current - window, current + window + 1):
        if step >= 0 and hmac.compare_digest(totp.generate_otp(step), code) and (last_step is None or step > last_step):
            found = step if found is None else found
    return found


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """The otpauth:// URI as a QR code (segno), an SVG data: URI for an <img> (the CSP allows data: images)."""
    import segno

    return str(segno.make(uri, error="m").svg_data_uri(scale=5, border=2))


def _hash_recovery(code: str, salt: str) -> str:
    return salt + "$" + hashlib.sha256((salt + code.strip().upper().replace("-", "").replace(" ", "")).encode()).hexdigest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(20))  # 100 bits
    return "-".join(raw[i:i + 5] for i in range(0, 20, 5))


# ---------------------------------------------------------------- use cases


@dataclass(frozen=True)
class Enrolment:
    """Shown once: the secret, its otpauth:// URI and the URI as a QR code (data: URI)."""

    secret: str
    uri: str
    qr: str


def mfa_row(session: Session, user_id: int) -> UserMfa | None:
    return session.scalar(select(UserMfa).where(UserMfa.user_id == user_id))


def is_enabled(session: Session, user_id: int) -> bool:
    row = mfa_row(session, user_id)
    return row is not None and row.confirmed_at is not None


def begin_enrolment(session: Session, user: User) -> Enrolment:
    """启用双因素 (step 1): a new secret, pending until a first valid code confirms it."""
    row = mfa_row(session, user.id)
    if row is not None and row.confirmed_at is not None:
        raise Conflict("mfa.already_enabled", "已启用双因素认证", "two-factor authentication is already enabled")
    secret = pyotp.random_base32(32)  # 160 bits, RFC 4226 §4's recommended length
    if row is None:
        row = UserMfa(user_id=user.id, secret_encrypted=encrypt_secret(secret))
        session.add(row)
    else:
        row.secret_encrypted, row.last_step, row.created_at = encrypt_secret(secret), None, utcnow()
    session.flush()
    uri = provisioning_uri(secret, user.username)
    return Enrolment(secret, uri, qr_data_uri(uri))


def bad_code() -> DomainError:
    return DomainError("auth.bad_otp", "动态验证码错误或已使用", "wrong or already used one-time code", status=401,
                       field="otp")


def confirm_enrolment(session: Session, user: User, code: str, *, now: float | None = None) -> list[str]:
    """启用双因素 (step 2): the first valid code switches it on; returns the 10 recovery codes (shown once)."""
    row = mfa_row(session, user.id)
    if row is None:
        raise DomainError("mfa.not_enrolled", "请先开始启用双因素认证", "start the two-factor enrolment first",
                          status=409)
    if row.confirmed_at is not None:
        raise Conflict("mfa.already_enabled", "已启用双因素认证", "two-factor authentication is already enabled")
    step = matching_step(decrypt_secret(row.secret_encrypted), code, time.time() if now is None else now, None)
    if step is None:
        raise bad_code()
    row.confirmed_at, row.last_step = utcnow(), step
    codes = _replace_recovery_codes(session, user.id)
    _audit(session, "mfa_enabled", user, {"recovery_codes": len(codes)})
    return codes


def _replace_recovery_codes(session: Session, user_id: int) -> list[str]:
    session.execute(delete(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user_id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    session.add_all(MfaRecoveryCode(user_id=user_id, code_hash=_hash_recovery(c, secrets.token_hex(8))) for c in codes)
    session.flush()
    return codes


def check_second_factor(session: Session, user: User, code: str, *, now: float | None = None) -> str | None:
    """The second factor at login: a TOTP code (moves `last_step`: never accepted again) or an unused recovery
    code (marked used). Returns "totp" / "recovery", or None when the code is wrong or already used."""
    row = mfa_row(session, user.id)
    if row is None or row.confirmed_at is None:
        return "none"
    # lock the row: two logins racing with the same code cannot both move last_step past it
    row = session.scalar(select(UserMfa).where(UserMfa.id == row.id).with_for_update()) or row
    step = matching_step(decrypt_secret(row.secret_encrypted), code, time.time() if now is None else now,
                         row.last_step)
    if step is not None:
        row.last_step = step
        session.flush()
        return "totp"
    if _use_recovery_code(session, user, code):
        return "recovery"
    return None


def _use_recovery_code(session: Session, user: User, code: str) -> bool:
    rows = session.scalars(select(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user.id,
                                                         MfaRecoveryCode.used_at.is_(None)).with_for_update()).all()
    for rc in rows:
        salt = rc.code_hash.partition("$")[0]
        if hmac.compare_digest(_hash_recovery(code, salt), rc.code_hash):
            rc.used_at = utcnow()
            session.flush()
            left = sum(1 for r in rows if r.used_at is None)
            _audit(session, "mfa_recovery_used", user, {"recovery_codes_left": left})
            return True
    return False


def remaining_recovery_codes(session: Session, user_id: int) -> int:
    return len(session.scalars(select(MfaRecoveryCode.id).where(MfaRecoveryCode.user_id == user_id,
                                                                MfaRecoveryCode.used_at.is_(None))).all())


def remove(session: Session, user: User, *, action: str = "mfa_disabled") -> bool:
    """Switch the second factor off (the caller has checked password + code, or is an admin); audited."""
    row = mfa_row(session, user.id)
    if row is None:
        return False
    was_on = row.confirmed_at is not None
    session.delete(row)
    session.execute(delete(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user.id))
    session.flush()
    if was_on:
        _audit(session, action, user, {"mfa": False})
    return was_on


def _audit(session: Session, action: str, user: User, after: dict[str, object]) -> None:
    from zhijian.platform import audit
    from zhijian.platform.identity.credentials import notify_user

    audit.record(session, action, "user_account", user.id, None, {"username": user.username, **after})
    notify_user(session, user.id, action)
