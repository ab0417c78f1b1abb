"""User administration (用户管理): the only writer of users; admins only.

Moved from the catalog service (which re-exports these names) because users belong to the platform's identity:
the CLI's ``zhijian user add`` and the API's ``/api/v1/users`` both come here.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from zhijian.platform.auth import Actor, check_keeps_an_admin, check_role_organization, hash_password, validate_role
from zhijian.platform.crud import flush
from zhijian.platform.errors import NotFound
from zhijian.platform.identity.models import Organization, User
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
    session.add(user)
    flush(session, "user")
    return user


def list_users(session: Session, actor: Actor, *, limit: int = 50, cursor: str | None = None) -> Page[User]:
    actor.require("admin")
    return keyset_page(session, select(User), User.id, limit=limit, cursor=cursor)


def deactivate_user(session: Session, actor: Actor, user_id: int) -> User:
    actor.require("admin")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user", user_id)
    if user.role == "admin" and user.is_active:
        # lock the active admins' rows: two admins deactivating each other at once cannot both pass
        admins = session.scalars(select(User.id).where(User.role == "admin", User.is_active.is_(True))
                                 .with_for_update()).all()
        check_keeps_an_admin(len([i for i in admins if i != user.id]))
    user.is_active = False
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
