"""会员 tables: members (units and individuals), yearly dues with invoices, member-only documents."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zhijian.platform.db import Base, IdMixin, TimestampMixin
from zhijian.platform.models import Audited


class Member(IdMixin, TimestampMixin, Audited, Base):
    """会员 — a member organization (会员单位 … 副会长单位) or an individual member, from application on."""

    __tablename__ = "assoc_member"

    kind: Mapped[str] = mapped_column(String(12))  # unit | individual
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    member_no: Mapped[str | None] = mapped_column(String(20), unique=True)
    member_class: Mapped[str] = mapped_column(String(16), default="member")
    status: Mapped[str] = mapped_column(String(16), default="applied", index=True)
    applied_on: Mapped[dt.date]
    joined_on: Mapped[dt.date | None]
    statement: Mapped[str] = mapped_column(Text, default="")
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    directory_visible: Mapped[bool] = mapped_column(default=False)  # what the member allows on the portal
    directory_fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {contact, phone, website, intro}


class MemberDues(IdMixin, Audited, Base):
    """会费 — one member's dues for one year, with its invoice number and payment status."""

    __tablename__ = "assoc_member_dues"

    member_id: Mapped[int] = mapped_column(ForeignKey("assoc_member.id", ondelete="CASCADE"), index=True)
    year: Mapped[int]
    member_class: Mapped[str] = mapped_column(String(16))
    amount: Mapped[float] = mapped_column(Numeric(12, 2, asdecimal=False))
    invoice_no: Mapped[str] = mapped_column(String(24), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="issued")  # issued | paid | waived
    issued_on: Mapped[dt.date]
    due_on: Mapped[dt.date]
    paid_on: Mapped[dt.date | None]
    payment_ref: Mapped[str] = mapped_column(String(64), default="")

    __table_args__ = (UniqueConstraint("member_id", "year", name="uq_assoc_member_dues_year"),)


class MemberDocument(IdMixin, TimestampMixin, Audited, Base):
    """会员专区 — a notice or document for active members only (or for everyone when not members_only)."""

    __tablename__ = "assoc_member_document"

    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    members_only: Mapped[bool] = mapped_column(default=True)
    published_on: Mapped[dt.date]
