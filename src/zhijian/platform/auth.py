"""认证与角色 — argon2 password hashes, expiring revocable bearer tokens, and the acting user.

Every adapter turns a request or command into an `Actor`; services decide with it (policy
functions per room), so the API, the CLI and the pages apply the same checks.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.platform.db import utcnow
from zhijian.platform.errors import DomainError, PermissionDenied, Unauthenticated
from zhijian.platform.identity.models import ROLES, ApiToken, User
from zhijian.platform.logs import log
from zhijian.platform.passwords import check_password

if TYPE_CHECKING:
    from zhijian.platform.throttle import LoginThrottle



def _password_hasher() -> PasswordHasher:
    """argon2id with argon2-cffi's defaults (RFC 9106's low-memory profile: t=3, 64 MiB, p=4), tens of ms a hash
    by design. `ZHIJIAN_ARGON2_PROFILE=test`, which the test suite sets (tests/__init__.py) as Django's docs advise
    for its test hashers, takes the library's CHEAPEST profile: the suite creates and logs in thousands of users.
    Hashes carry their parameters, so either hasher verifies the other's."""
    if os.environ.get("ZHIJIAN_ARGON2_PROFILE") == "test":
        from argon2.profiles import CHEAPEST

        return PasswordHasher.from_parameters(CHEAPEST)
    return PasswordHasher()


_hasher = _password_hasher()

STAFF_ROLES = frozenset({"admin", "regulator", "association"})


@dataclass(frozen=True)
class Actor:
    """Who is acting (操作人): a logged-in user, the public, or the system (CLI, jobs)."""

    user_id: int | None
    username: str
    role: str
    organization_id: int | None = None
    # regulators: the GB/T 2260 prefix of their jurisdiction ('' national; see platform.jurisdiction)
    division: str | None = None

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


def hash_password(password: str, username: str | None = None) -> str:
    """Hash a new password after the policy (`platform.passwords`: 12+ characters, not common, no username)."""
    check_password(password, username)
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def actor_for(user: User) -> Actor:
    """The acting user; a regulator carries its division (管辖区域) from its organization."""
    division = None
    if user.role == "regulator":
        from sqlalchemy.orm import object_session

        from zhijian.platform.jurisdiction import NONE, division_of

        session = object_session(user)
        division = division_of(session, user.organization_id) if session is not None else NONE
    return Actor(user.id, user.username, user.role, user.organization_id, division)


def validate_role(role: str) -> str:
    if role not in ROLES:
        raise DomainError("user.bad_role", f"未知角色：{role}（可选 {', '.join(ROLES)}）",
                          f"unknown role: {role} (one of {', '.join(ROLES)})", field="role")
    return role


# Which kind of organization each role belongs to (None: the role may stand alone); public users belong to none.
ROLE_ORG_KIND: dict[str, str | None] = {"inspector": "lab", "enterprise": "enterprise", "regulator": "regulator",
                                        "association": "association"}
ROLE_NEEDS_ORG = frozenset({"inspector", "enterprise", "regulator"})  # a regulator acts for its division
_KIND_ZH = {"lab": "检验机构", "enterprise": "企业", "regulator": "监管部门", "association": "协会"}


def check_role_organization(role: str, org_kind: str | None) -> None:
    """A user's role must fit its organization's kind (regulator ↔ regulator, lab ↔ inspector ...)."""
    want = ROLE_ORG_KIND.get(role)
    if org_kind is None:
        if role in ROLE_NEEDS_ORG:
            raise DomainError("user.organization_required", f"角色「{role}」必须属于一个{_KIND_ZH[want or '']}",
                              f"role '{role}' must belong to a {want}", field="organization_id")
        return
    if role == "admin":
        return
    if want is None or want != org_kind:
        where = f"{_KIND_ZH[want]}" if want else "任何组织"
        raise DomainError("user.organization_mismatch",
                          f"角色「{role}」只能属于{where}，不能属于{_KIND_ZH.get(org_kind, org_kind)}",
                          f"role '{role}' cannot belong to a {org_kind} organization"
                          + (f" (only to a {want})" if want else " (to none)"), field="organization_id")


def check_keeps_an_admin(remaining_active_admins: int) -> None:
    """Refuse a change that would leave no active administrator (nobody could manage users again)."""
    if remaining_active_admins < 1:
        raise DomainError("user.last_admin", "不能停用或降级最后一个启用的管理员",
                          "cannot deactivate or demote the last active administrator", status=409)


def csrf_token_for(secret: str, basis: str) -> str:
    """The double-submit CSRF token bound to a session cookie (console forms and `X-CSRF-Token` alike)."""
    return hmac.new(secret.encode(), basis.encode(), hashlib.sha256).hexdigest()


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_digest(token: str) -> str:
    """SHA-256 of a token as stored in `ApiToken.token_hash`."""
    return _token_digest(token)


class OtpRequired(DomainError):
    """The password was right and the account has a second factor: ask for the one-time code (no token yet).
    `ticket_basis` lets the console's second step carry the first factor without the password
    (`first_factor_ticket`); it is never sent to a client as it is."""

    def __init__(self, ticket_basis: str) -> None:
        super().__init__("auth.otp_required", "请输入动态验证码（双因素认证）",
                         "enter the one-time code (two-factor authentication)", status=401, field="otp")
        self.ticket_basis = ticket_basis


def _bad_credentials() -> DomainError:
    return DomainError("auth.bad_credentials", "用户名或密码错误", "wrong username or password", status=401)


def _first_factor(session: Session, username: str, password: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    # Verify against a dummy hash when the user is unknown, so timing does not reveal usernames.
    ok = verify_password(user.password_hash if user else _dummy_hash(), password)
    if user is None or not ok or not user.is_active:
        raise _bad_credentials()
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def _ticket_basis(user: User) -> str:
    # bound to the password hash: a ticket dies with a password change or reset
    return f"{user.id}:{user.password_hash[-16:]}"


TICKET_SECONDS = 300


def first_factor_ticket(secret: str, basis: str, now: float | None = None) -> str:
    """A 5-minute proof that this browser gave the right password (the console login's second step)."""
    exp = int((utcnow().timestamp() if now is None else now) + TICKET_SECONDS)
    user_id = basis.partition(":")[0]
    mac = hmac.new(secret.encode(), f"mfa-ticket:{basis}:{exp}".encode(), hashlib.sha256).hexdigest()
    return f"{user_id}.{exp}.{mac}"


def _ticket_user(session: Session, secret: str, ticket: str, username: str) -> User:
    user_id, _, rest = ticket.partition(".")
    exp, _, mac = rest.partition(".")
    if not (user_id.isdigit() and exp.isdigit()) or int(exp) < utcnow().timestamp():
        raise _bad_credentials()
    user = session.get(User, int(user_id))
    if user is None or not user.is_active or user.username != username:
        raise _bad_credentials()
    want = hmac.new(secret.encode(), f"mfa-ticket:{_ticket_basis(user)}:{exp}".encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, mac):
        raise _bad_credentials()
    return user


def _second_factor(session: Session, user: User, otp: str | None, *, required: bool = False) -> None:
    """The one-time code when the account has a second factor; `required` (the console's ticket step): a code
    is needed, so a ticket never logs in by itself."""
    from zhijian.platform import mfa

    if not mfa.is_enabled(session, user.id):
        if required:
            raise _bad_credentials()
        return
    if required and not otp:
        raise mfa.bad_code()
    if not otp:
        raise OtpRequired(_ticket_basis(user))
    if mfa.check_second_factor(session, user, otp) is None:
        raise mfa.bad_code()


def issue_token(session: Session, username: str, password: str, ttl_minutes: int, *, otp: str | None = None,
                ticket: tuple[str, str] | None = None) -> tuple[str, ApiToken, User]:
    """Check the password (or the console's first-factor `ticket` = (secret, ticket)), then the second factor
    when the account has one, and hand out a fresh bearer token (登录)."""
    user = _ticket_user(session, ticket[0], ticket[1], username) if ticket else _first_factor(session, username,
                                                                                                password)
    _second_factor(session, user, otp, required=ticket is not None)
    token = secrets.token_urlsafe(32)
    row = ApiToken(token_hash=_token_digest(token), user_id=user.id,
                   expires_at=utcnow() + dt.timedelta(minutes=ttl_minutes))
    session.add(row)
    session.flush()
    return token, row, user


COUNTED_FAILURES = frozenset({"auth.bad_credentials", "auth.bad_otp"})


def login(session: Session, username: str, password: str, ttl_minutes: int, *,
          throttle: LoginThrottle | None, client: str, otp: str | None = None,
          ticket: tuple[str, str] | None = None) -> tuple[str, ApiToken, User]:
    """登录 with failed-login throttling (the one login use case of the API and the console).

    While the account or the client address is backing off or locked: 429 without checking the password.
    Each failure — a wrong password or a wrong one-time code — counts against both, is audited in `session`
    (the caller commits it although it reports the failure: the API and the console do) and answers the same
    message whether or not the user exists. A right password on an account with two-factor authentication
    raises `OtpRequired` (not counted, not reset)."""
    if throttle is not None:
        try:
            throttle.check(username, client)
        except DomainError:
            log.warning("login throttled", extra={"zj_client": client})
            raise
    try:
        result = issue_token(session, username, password, ttl_minutes, otp=otp, ticket=ticket)
    except DomainError as err:
        if throttle is not None and err.code in COUNTED_FAILURES:
            failure = throttle.failed(username, client)
            _audit_login_failure(session, username, client, failure.account_failures, failure.locked,
                                 factor="otp" if err.code == "auth.bad_otp" else "password")
        raise
    if throttle is not None:
        throttle.succeeded(username, client)
    log.info("login", extra={"zj_user": result[2].username, "zj_client": client})
    return result


def _audit_login_failure(session: Session, username: str, client: str, failures: int, locked: bool,
                         factor: str = "password") -> None:
    from zhijian.platform import audit

    actor = session.info.get("actor")
    session.info["actor"] = Actor(None, client[:100], "public")
    try:
        audit.record(session, "login_locked" if locked else "login_failed", "user_account", username[:64], None,
                     {"username": username[:64], "client": client[:64], "failures": failures}
                     | ({"factor": factor} if factor != "password" else {}))
    finally:
        session.info["actor"] = actor


def token_is_valid(session: Session, token: str) -> bool:
    """Does this bearer token or session cookie name a live session (for the public rate limit)? A session that
    must first change its password is a live session."""
    try:
        resolve_token(session, token, allow_pending=True)
    except DomainError:
        return False
    return True


class PasswordChangeRequired(DomainError):
    def __init__(self) -> None:
        super().__init__("auth.password_change_required", "管理员已重置您的密码：请先修改密码",
                         "an administrator reset your password: change it first", status=403)


def token_user(session: Session, token: str) -> tuple[ApiToken, User]:
    """The live token row and its active user (401 otherwise)."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        raise DomainError("auth.invalid_token", "令牌无效、已过期或已撤销", "token is invalid, expired or revoked",
                          status=401)
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise DomainError("auth.invalid_token", "令牌无效", "token is invalid", status=401)
    return row, user


def resolve_token(session: Session, token: str, *, allow_pending: bool = False) -> Actor:
    """The actor of a bearer token or session cookie. A user whose password an administrator reset gets 403
    `auth.password_change_required` until it is changed — except where `allow_pending` (the change itself)."""
    _row, user = token_user(session, token)
    if user.must_change_password and not allow_pending:
        raise PasswordChangeRequired()
    return actor_for(user)


def revoke_token(session: Session, token: str) -> None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()


@functools.cache
def _dummy_hash() -> str:
    """Hashed on first use, not at import: every CLI start and server worker would pay an argon2 hash."""
    return _hasher.hash("not-a-real-password-" + secrets.token_hex(8))
