"""认证与角色 — argon2 password hashes, expiring revocable bearer tokens, and the acting user.

Every adapter turns a request or command into an `Actor`; services decide with it (policy
functions per room), so the API, the CLI and the pages apply the same checks.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.platform.db import utcnow
from zhijian.platform.errors import DomainError, PermissionDenied, Unauthenticated
from zhijian.platform.models import ROLES, ApiToken, User

_hasher = PasswordHasher()

STAFF_ROLES = frozenset({"admin", "regulator", "association"})


@dataclass(frozen=True)
class Actor:
    """Who is acting (操作人): a logged-in user, the public, or the system (CLI, jobs)."""

    user_id: int | None
    username: str
    role: str
    organization_id: int | None = None

    @property
    def label(self) -> str:
        return f"{self.role}:{self.username}"

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_public(self) -> bool:
        return self.role == "public"

    def has(self, *roles: str) -> bool:
        return self.role in roles

    def require(self, *roles: str) -> None:
        """Refuse unless the actor holds one of the roles (admin always may)."""
        if self.role == "admin" or self.role in roles:
            return
        if self.is_public:
            raise Unauthenticated()
        raise PermissionDenied(f"角色「{self.role}」无权执行此操作", f"role '{self.role}' may not do this")

    def owns(self, organization_id: int | None) -> bool:
        return organization_id is not None and self.organization_id == organization_id


PUBLIC = Actor(None, "anonymous", "public")
SYSTEM = Actor(None, "system", "admin")


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise DomainError("user.weak_password", "密码至少 8 个字符", "password must have at least 8 characters",
                          field="password")
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def actor_for(user: User) -> Actor:
    return Actor(user.id, user.username, user.role, user.organization_id)


def validate_role(role: str) -> str:
    if role not in ROLES:
        raise DomainError("user.bad_role", f"未知角色：{role}（可选 {', '.join(ROLES)}）",
                          f"unknown role: {role} (one of {', '.join(ROLES)})", field="role")
    return role


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, username: str, password: str, ttl_minutes: int) -> tuple[str, ApiToken, User]:
    """Check the password and hand out a fresh bearer token (登录)."""
    user = session.scalar(select(User).where(User.username == username))
    # Verify against a dummy hash when the user is unknown, so timing does not reveal usernames.
    ok = verify_password(user.password_hash if user else _dummy_hash(), password)
    if user is None or not ok or not user.is_active:
        raise DomainError("auth.bad_credentials", "用户名或密码错误", "wrong username or password", status=401)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    token = secrets.token_urlsafe(32)
    row = ApiToken(token_hash=_token_digest(token), user_id=user.id,
                   expires_at=utcnow() + dt.timedelta(minutes=ttl_minutes))
    session.add(row)
    session.flush()
    return token, row, user


def resolve_token(session: Session, token: str) -> Actor:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        raise DomainError("auth.invalid_token", "令牌无效、已过期或已撤销", "token is invalid, expired or revoked",
                          status=401)
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise DomainError("auth.invalid_token", "令牌无效", "token is invalid", status=401)
    return actor_for(user)


def revoke_token(session: Session, token: str) -> None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()


@functools.cache
def _dummy_hash() -> str:
    """Hashed on first use, not at import: every CLI start and server worker would pay an argon2 hash."""
    return _hasher.hash("not-a-real-password-" + secrets.token_hex(8))
