"""User administration (用户管理): the only writer of users; admins only.

Moved from the catalog service (which re-exports these names) because users belong to the platform's identity:
the CLI's ``zhijian user add`` and the API's ``/api/v1/users`` both come here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from zhijian.platform.auth import Actor, check_keeps_an_admin, check_role_organization, hash_password, validate_role
from zhijian.platform.crud import added, flush, get_or_404, like_pattern
from zhijian.platform.errors import NotFound
from zhijian.platform.identity.models import Organization, User, UserMfa
from zhijian.platform.identity.schemas import UserIn
from zhijian.platform.pagination import Page, keyset_page


def create_user(session: Session, actor: Actor, data: UserIn) -> User:
    """添加用户 — lab users belong to a lab, enterprise users to an enterprise."""
    actor.require("admin")
    validate_role(data.role)
    org = session.get(Organization, data.organization_id) if data.organization_id is not None else None
    if data.organization_id is not None and org is None:
        raise NotFound("organization", data.organization_id, field="organization_id")
    check_role_organization(data.role, org.kind if org is not None else None)  # regulator ↔ regulator org ...
    user = User(username=data.username, password_hash=hash_password(data.password, data.username), role=data.role,
                organization_id=data.organization_id, display_name=data.display_name or data.username,
                email=data.email)
    return added(session, user, "user")


def list_users(session: Session, actor: Actor, *, limit: int = 50, cursor: str | None = None) -> Page[User]:
    actor.require("admin")
    return keyset_page(session, select(User), User.id, limit=limit, cursor=cursor)


def users_query(actor: Actor, *, q: str | None = None, role: str | None = None) -> Select[User]:
    """The console's 用户管理 list: every user, by name (username or display name) and role."""
    actor.require("admin")
    stmt = select(User)
    if q:
        pattern = like_pattern(q)
        stmt = stmt.where(or_(func.lower(User.username).like(pattern, escape="\\"),
                              func.lower(User.display_name).like(pattern, escape="\\")))
    if role:
        stmt = stmt.where(User.role == validate_role(role))
    return stmt


@dataclass(frozen=True)
class UserRow:
    """One user as the console lists it: its organization's name and whether a second factor is on."""

    user: User
    organization: str
    mfa_enabled: bool


def describe_users(session: Session, actor: Actor, users: Sequence[User]) -> dict[int, UserRow]:
    """The list's rows of these users, keyed by id (two queries for the page, not two per user)."""
    actor.require("admin")
    org_ids = {u.organization_id for u in users if u.organization_id is not None}
    names = {i: n for i, n in session.execute(select(Organization.id, Organization.name)
                                             .where(Organization.id.in_(org_ids)))} if org_ids else {}
    ids = [u.id for u in users]
    on = set(session.scalars(select(UserMfa.user_id).where(UserMfa.user_id.in_(ids),
                                                           UserMfa.confirmed_at.is_not(None)))) if ids else set()
    return {u.id: UserRow(u, names.get(u.organization_id, "") if u.organization_id is not None else "", u.id in on)
            for u in users}


def deactivate_user(session: Session, actor: Actor, user_id: int) -> User:
    """停用 — its sessions and tokens stop working at once (`auth.resolve_token` checks `is_active`); never the
    last active administrator."""
    actor.require("admin")
    user = get_or_404(session, User, user_id, "user")
    if user.role == "admin" and user.is_active:
        # lock the active admins' rows: two admins deactivating each other at once cannot both pass
        admins = session.scalars(select(User.id).where(User.role == "admin", User.is_active.is_(True))
                                 .with_for_update()).all()
        check_keeps_an_admin(len([i for i in admins if i != user.id]))
    user.is_active = False
    flush(session, "user")
    return user


def reactivate_user(session: Session, actor: Actor, user_id: int) -> User:
    """重新启用 — the tokens it held before are revoked, so that none issued before the deactivation (a stolen
    one, say) comes back to life: the user logs in again."""
    from zhijian.platform.identity.credentials import revoke_sessions

    actor.require("admin")
    user = get_or_404(session, User, user_id, "user")
    if not user.is_active:
        revoke_sessions(session, user.id)
        user.is_active = True
        flush(session, "user")
    return user


def find_organization(session: Session, key: str, *, field: str = "organization") -> Organization:
    """The organization named by id, 统一社会信用代码 or exact name (the CLI's ``--organization``)."""
    cond = [Organization.uscc == key, Organization.name == key]
    if key.isdigit():
        cond.append(Organization.id == int(key))
    org = session.scalars(select(Organization).where(or_(*cond))).first()
    if org is None:
        raise NotFound("organization", key, field=field)
    return org


def find_user_id(session: Session, username: str, *, field: str = "username") -> int:
    """The id of the user with this name (the CLI's ``zhijian user deactivate <name>``)."""
    user_id = session.scalar(select(User.id).where(User.username == username))
    if user_id is None:
        raise NotFound("user", username, field=field)
    return user_id
