"""Identity tables: organizations (组织), users (用户) and bearer tokens; table names unchanged."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column

from zhijian.platform.db import Audited, Base, IdMixin, TimestampMixin, utcnow

ROLES = ("admin", "regulator", "association", "inspector", "enterprise", "public")


class Organization(IdMixin, TimestampMixin, Audited, Base):
    """组织 — an enterprise (企业), inspection lab (检验检测机构), regulator (监管部门) or association (协会)."""

    __tablename__ = "organization"

    kind: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(200))
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)  # 统一社会信用代码
    region_code: Mapped[str] = mapped_column(String(6), index=True)  # GB/T 2260
    address: Mapped[str] = mapped_column(String(300), default="")
    contact_name: Mapped[str] = mapped_column(String(64), default="")
    contact_phone: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    # labs: CMA (资质认定) and CNAS accreditation numbers
    cma_number: Mapped[str | None] = mapped_column(String(32))
    cnas_number: Mapped[str | None] = mapped_column(String(32))
    # regulators: national / provincial / municipal / county
    level: Mapped[str | None] = mapped_column(String(16))
    # enterprises: current quality-credit class A–D (computed by the consumer room, read by draws)
    credit_class: Mapped[str | None] = mapped_column(String(1))
    search_text: Mapped[str] = mapped_column(String(600), default="")

    __table_args__ = (Index("ix_organization_kind_id", "kind", "id"),)


class User(IdMixin, TimestampMixin, Audited, Base):
    """用户 — a person who logs in, with one role and (for lab and enterprise users) one organization."""

    __tablename__ = "user_account"
    __audit_exclude__ = ("password_hash",)

    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    # set by an administrator's reset: the user must choose a new password before anything else (issue 13)
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())


class ApiToken(IdMixin, Base):
    """A bearer token; only its SHA-256 is stored so a database leak does not leak sessions."""

    __tablename__ = "api_token"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]


class UserMfa(IdMixin, Base):
    """A user's TOTP second factor (RFC 6238): the secret encrypted (Fernet, key outside the database: `platform.mfa`),
    confirmed once the user typed a first valid code, and the last time step used (a code is accepted once only).
    Not `Audited` (every login moves `last_step`): enrolment, confirmation and removal are audited explicitly."""

    __tablename__ = "user_mfa"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), unique=True)
    secret_encrypted: Mapped[str] = mapped_column(String(255))
    confirmed_at: Mapped[dt.datetime | None]
    last_step: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class MfaRecoveryCode(IdMixin, Base):
    """A single-use recovery code of a user's second factor: only a salted SHA-256 of it is stored."""

    __tablename__ = "mfa_recovery_code"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(100))
    used_at: Mapped[dt.datetime | None]
