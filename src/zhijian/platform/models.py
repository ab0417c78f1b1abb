"""Platform tables: the hash-chained audit trail, background jobs, idempotency records (and, re-exported from
``platform.identity.models``, organizations, users and API tokens)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Index, Integer, LargeBinary, String, Text
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column

from zhijian.platform.db import Audited, Base, BigId, IdMixin, utcnow
from zhijian.platform.identity.models import ROLES, ApiToken, Organization, User

# Identity moved to platform.identity (组织, 用户, 令牌); these names stay importable from here.
__all__ = ["ROLES", "ApiToken", "AuditHead", "AuditRecord", "Audited", "IdempotencyRecord", "Job", "Organization",
           "User"]


class AuditRecord(Base):
    """审计记录 — append-only, hash-chained: each record's hash covers the previous one."""

    __tablename__ = "audit_record"

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # id of the HMAC key that chained this record (platform.audit_keys); NULL: a format-1 (plain SHA-256) record
    kid: Mapped[str | None] = mapped_column(String(16))

    __table_args__ = (Index("ix_audit_record_entity", "entity", "entity_id"),)


class AuditHead(Base):
    """The chain's tip (one row). Locking it serialises appends; it also reveals a deleted tail."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigId, default=0)
    hash: Mapped[str] = mapped_column(String(64))


class Job(IdMixin, Base):
    """后台任务 — one background job, whichever backend runs it (in-process or Redis)."""

    __tablename__ = "job"

    name: Mapped[str] = mapped_column(String(128))
    args: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued|running|done|failed
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    # who asked for it (None: the system, e.g. the scheduler); only they and admins read its result
    owner_user_id: Mapped[int | None] = mapped_column(BigId)


class JobSchedule(Base):
    """定时任务 — when a periodic job is next due, shared by every server process on the database.

    A process's scheduler claims a due run with one conditional UPDATE (`next_at <= now`), so of several
    processes (or a restarted one) exactly one queues each run: a restart does not repeat the daily jobs,
    four workers behind a proxy do not run each of them four times."""

    __tablename__ = "job_schedule"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    next_at: Mapped[dt.datetime]


class IdempotencyRecord(IdMixin, Base):
    """幂等键 — the first answer to a create request sent with an ``Idempotency-Key`` (platform.idempotency).

    One row per (actor scope, key), unique on ``key_hash`` = HMAC-SHA-256 of both under the server's secret
    (exact, case-sensitive on every backend's collation). The key itself is not stored and the answer body is
    encrypted (AES-GCM) under a key derived from it: an answer may carry a secret (a complaint's check code), readable only by whoever holds
    the Idempotency-Key. Written in the same transaction as the work it answers, so it exists exactly when
    that work was committed; ``expires_at`` ends the key's life (24 h)."""

    __tablename__ = "idempotency_record"

    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(80))  # "user:<id>" or "anon:<client address>"
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(512))
    request_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of method, path, query and body
    status: Mapped[str] = mapped_column(String(16), default="in_progress")  # in_progress | done
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_headers: Mapped[list[Any] | None] = mapped_column(JSON)
    response_body: Mapped[bytes | None] = mapped_column(  # nonce + AES-GCM ciphertext
        LargeBinary().with_variant(mysql.LONGBLOB(), "mysql", "mariadb"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)

from zhijian.platform import calendar_models as _calendar_models  # noqa: E402,F401  (calendar tables on Base.metadata)
from zhijian.platform import document_models as _document_models  # noqa: E402,F401  (发文登记 on Base.metadata)
