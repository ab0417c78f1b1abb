"""凭据 (credentials): a user changes its own password; an administrator resets one; an admin removes a user's
second factor (OWASP ASVS 4.0 V2.1.5/2.1.6, 2.2.3, 2.5). Callers: `POST /api/v1/auth/password`,
`POST /api/v1/users/{id}/password`, the console's 账户 page and `zhijian user passwd`.

After any change every other session and API token of the user is revoked, the change is written to the audit
chain, and the user is told in its 站内通知 inbox (and by e-mail when it has an address and SMTP is configured)
through the consumer room's generic `notify` contract — the platform keeps no inbox of its own; without that room
the audit record is the notice. The console shows the user the time of the last change.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from zhijian.platform import audit, rooms
from zhijian.platform.auth import Actor, _audit_login_failure, hash_password, token_digest, verify_password
from zhijian.platform.db import utcnow
from zhijian.platform.errors import DomainError, NotFound, Unauthenticated
from zhijian.platform.identity.models import ApiToken, User

if TYPE_CHECKING:
    from zhijian.platform.throttle import LoginThrottle


@dataclass(frozen=True)
class CredentialChange:
    """What a change did: the user, and how many of its other sessions and tokens it revoked."""

    user: User
    revoked: int


NOTICES: dict[str, tuple[str, str]] = {
    "password_changed": ("您的密码已修改 / Your password was changed",
                         "您的其他会话和 API 令牌已注销。如非本人操作，请立即联系管理员。\n"
                         "Your other sessions and API tokens were revoked. If this was not you, tell an administrator now."),
    "password_reset": ("管理员重置了您的密码 / An administrator reset your password",
                       "您的全部会话和 API 令牌已注销；下次登录时须设置新密码。\n"
                       "All your sessions and API tokens were revoked; choose a new password at the next login."),
    "mfa_enabled": ("已启用双因素认证 / Two-factor authentication enabled",
                    "登录时须输入动态验证码。如非本人操作，请立即联系管理员。\n"
                    "Logins now need a one-time code. If this was not you, tell an administrator now."),
    "mfa_disabled": ("已停用双因素认证 / Two-factor authentication disabled",
                     "如非本人操作，请立即修改密码并联系管理员。\n"
                     "If this was not you, change your password and tell an administrator now."),
    "mfa_removed_by_admin": ("管理员取消了您的双因素认证 / An administrator removed your two-factor authentication",
                             "您可在“账户与安全”中重新启用。\nYou can enable it again under Account and security."),
    "mfa_recovery_used": ("已使用一个恢复码登录 / A recovery code was used to log in",
                          "每个恢复码只能使用一次。如非本人操作，请立即修改密码并联系管理员。\n"
                          "Each recovery code works once. If this was not you, change your password and tell an "
                          "administrator now."),
}


def notify_user(session: Session, user_id: int, kind: str) -> None:
    """Tell the user of a change to its credentials (ASVS 2.2.3): the inbox message and e-mail of the consumer
    room's `notify` contract when that room is installed (`rooms.call`: its absence or failure is "no notice")."""
    subject, body = NOTICES[kind]
    rooms.call(session, "consumer", "notify", kind=kind, subject=subject, body=body, link="/console/account",
               user_id=user_id, room="platform")


def revoke_sessions(session: Session, user_id: int, *, keep_token: str | None = None) -> int:
    """Revoke every live token of the user except `keep_token` (the session making the change)."""
    stmt = update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    if keep_token:
        stmt = stmt.where(ApiToken.token_hash != token_digest(keep_token))
    result = session.execute(stmt.values(revoked_at=utcnow()).execution_options(synchronize_session="fetch"))
    return int(getattr(result, "rowcount", 0) or 0)


def _new_hash(new_password: str, username: str) -> str:
    try:
        return hash_password(new_password, username)
    except DomainError as err:
        err.field = "new_password"
        raise


def _wrong_current(session: Session, user: User, throttle: LoginThrottle | None, client: str) -> DomainError:
    if throttle is not None:
        failure = throttle.failed(user.username, client)
        _audit_login_failure(session, user.username, client, failure.account_failures, failure.locked,
                             factor="password_change")
    return DomainError("auth.wrong_password", "当前密码错误", "the current password is wrong", status=403,
                       field="current_password")


def change_password(session: Session, actor: Actor, current_password: str, new_password: str, *,
                    current_token: str | None, throttle: LoginThrottle | None = None,
                    client: str = "?") -> CredentialChange:
    """修改密码 — the user's own: the current password (a wrong one counts as a failed login: throttled, audited,
    and while the account is backing off the answer is 429 without checking), the new one through the policy.
    Revokes every other session and token of the user (the one making the change stays) and clears an
    administrator's "must change" mark. The caller commits even when this raises (the failure's audit record)."""
    if actor.user_id is None:
        raise Unauthenticated()
    user = session.get(User, actor.user_id)
    if user is None or not user.is_active:
        raise Unauthenticated()
    if throttle is not None:
        throttle.check(user.username, client)
    if not verify_password(user.password_hash, current_password):
        raise _wrong_current(session, user, throttle, client)
    if new_password == current_password:
        raise DomainError("user.password_unchanged", "新密码不能与当前密码相同",
                          "the new password must differ from the current one", field="new_password")
    user.password_hash = _new_hash(new_password, user.username)
    user.must_change_password = False
    revoked = revoke_sessions(session, user.id, keep_token=current_token)
    session.flush()
    audit.record(session, "password_changed", "user_account", user.id, None,
                 {"username": user.username, "by": "self", "sessions_revoked": revoked})
    notify_user(session, user.id, "password_changed")
    return CredentialChange(user, revoked)


def reset_password(session: Session, actor: Actor, user_id: int, new_password: str, *,
                   must_change: bool = True) -> CredentialChange:
    """重置密码 — an administrator sets a new password (the policy applies), revokes all the user's sessions and
    tokens and (by default) marks the account "must change at next login"; audited with the admin as actor."""
    actor.require("admin")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user", user_id)
    user.password_hash = _new_hash(new_password, user.username)
    user.must_change_password = must_change
    revoked = revoke_sessions(session, user.id)
    session.flush()
    audit.record(session, "password_reset", "user_account", user.id, None,
                 {"username": user.username, "by": actor.label, "must_change": must_change,
                  "sessions_revoked": revoked})
    notify_user(session, user.id, "password_reset")
    return CredentialChange(user, revoked)


TEMPORARY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
"""No 0/O, 1/l/I: an administrator reads the temporary password out to the user."""


def temporary_password(username: str, length: int = 16) -> str:
    """A temporary password for an administrator's reset (16 of 57 characters, about 93 bits), drawn again in
    the rare case the policy refuses it (it contains the username, say)."""
    from zhijian.platform.passwords import check_password

    while True:
        candidate = "".join(secrets.choice(TEMPORARY_ALPHABET) for _ in range(length))
        try:
            check_password(candidate, username)
        except DomainError:
            continue
        return candidate


def reset_to_temporary(session: Session, actor: Actor, user_id: int) -> tuple[CredentialChange, str]:
    """重置为临时密码 — the console's reset: `reset_password` with a temporary password, which the answer shows
    once (it is stored only as its hash); the user must change it at the next login."""
    actor.require("admin")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user", user_id)
    password = temporary_password(user.username)
    return reset_password(session, actor, user_id, password), password


def remove_second_factor(session: Session, actor: Actor, user_id: int) -> bool:
    """An administrator removes a user's two-factor authentication (lost phone and codes); audited."""
    from zhijian.platform import mfa

    actor.require("admin")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user", user_id)
    return mfa.remove(session, user, action="mfa_removed_by_admin")


def disable_second_factor(session: Session, actor: Actor, password: str, code: str, *,
                          throttle: LoginThrottle | None = None, client: str = "?") -> bool:
    """The user switches its own second factor off: the password and a current code (or a recovery code)."""
    from zhijian.platform import mfa

    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    if user is None:
        raise Unauthenticated()
    if throttle is not None:
        throttle.check(user.username, client)
    if not verify_password(user.password_hash, password):
        err = _wrong_current(session, user, throttle, client)
        err.field = "password"
        raise err
    if not mfa.is_enabled(session, user.id):
        raise DomainError("mfa.not_enabled", "未启用双因素认证", "two-factor authentication is not enabled",
                          status=409)
    if mfa.check_second_factor(session, user, code) is None:
        raise mfa.bad_code()
    return mfa.remove(session, user)


def last_change(session: Session, user_id: int) -> object:
    """When the user's password last changed or was reset (the account page shows it), or None."""
    from zhijian.platform.models import AuditRecord

    return session.scalar(select(AuditRecord.at).where(
        AuditRecord.entity == "user_account", AuditRecord.entity_id == str(user_id),
        AuditRecord.action.in_(("password_changed", "password_reset"))).order_by(AuditRecord.seq.desc()).limit(1))
