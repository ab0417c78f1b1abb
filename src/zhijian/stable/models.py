"""稳定合格产品 tables: rule sets, evaluations, applications and their review, committee, announcements, listings."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zhijian.platform.db import Base, IdMixin, TimestampMixin, utcnow
from zhijian.platform.models import Audited


class StableRuleSet(IdMixin, Audited, Base):
    """评定规则集 — one version of the criteria; never edited once stored (a change is a new version)."""

    __tablename__ = "stable_ruleset"

    version: Mapped[int] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    effective_from: Mapped[dt.date]
    data: Mapped[dict[str, Any]] = mapped_column(JSON)  # the parsed rule set (rules.ruleset_to_data)
    created_by: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class StableEvaluation(IdMixin, Base):
    """评定记录 — one evaluation of one product, with the rule-set version it used and every criterion's answer."""

    __tablename__ = "stable_evaluation"

    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"), index=True)
    ruleset_version: Mapped[int]
    as_of: Mapped[dt.date]
    outcome: Mapped[str] = mapped_column(String(16))  # eligible / ineligible / undetermined
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    evaluated_by: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CommitteeMember(IdMixin, Audited, Base):
    """评审委员会委员 — an association user who may take committee decisions."""

    __tablename__ = "stable_committee_member"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), unique=True)
    appointed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    active: Mapped[bool] = mapped_column(default=True)


class StableApplication(IdMixin, TimestampMixin, Audited, Base):
    """申报 — an enterprise's application (or a candidate staff picked), through review and committee decision."""

    __tablename__ = "stable_application"

    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="RESTRICT"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    source: Mapped[str] = mapped_column(String(16), default="enterprise")  # enterprise | proposed
    status: Mapped[str] = mapped_column(String(16), default="submitted", index=True)
    # submitted → reviewed → approved | rejected; withdrawn
    statement: Mapped[str] = mapped_column(Text, default="")
    former_names: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [[brand, model], ...] after a rename
    evaluation_id: Mapped[int | None] = mapped_column(ForeignKey("stable_evaluation.id", ondelete="SET NULL"))
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    recommendation: Mapped[str | None] = mapped_column(String(16))  # approve | reject
    review_comment: Mapped[str] = mapped_column(Text, default="")
    reviewed_at: Mapped[dt.datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decision: Mapped[str | None] = mapped_column(String(16))  # approved | rejected
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[dt.datetime | None]

    __table_args__ = (Index("ix_stable_application_enterprise_status", "enterprise_id", "status"),)


class ApplicationComment(IdMixin, Base):
    """审核意见 — a comment on an application by staff (or the applicant answering)."""

    __tablename__ = "stable_application_comment"

    application_id: Mapped[int] = mapped_column(ForeignKey("stable_application.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(128))
    author_role: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Announcement(IdMixin, TimestampMixin, Audited, Base):
    """公告 — a batch of listings (or revocations), numbered per year when published: "2026年第1号"."""

    __tablename__ = "stable_announcement"

    kind: Mapped[str] = mapped_column(String(16), default="listing")  # listing | revocation
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | published
    year: Mapped[int | None]
    number: Mapped[int | None]
    title: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    valid_from: Mapped[dt.date | None]
    valid_until: Mapped[dt.date | None]
    published_at: Mapped[dt.datetime | None]
    published_by: Mapped[str] = mapped_column(String(128), default="")

    __table_args__ = (UniqueConstraint("year", "number"),)


class Listing(IdMixin, TimestampMixin, Audited, Base):
    """列入名单 — one product listed by one announcement; carries its certificate and its revocation."""

    __tablename__ = "stable_listing"

    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="RESTRICT"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("stable_application.id", ondelete="SET NULL"))
    announcement_id: Mapped[int] = mapped_column(ForeignKey("stable_announcement.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)  # pending | listed | revoked
    certificate_no: Mapped[str] = mapped_column(String(32), unique=True)
    # snapshot at approval, so the announcement reads the same after catalog edits
    enterprise_name: Mapped[str] = mapped_column(String(200))
    product_name: Mapped[str] = mapped_column(String(200))
    brand: Mapped[str] = mapped_column(String(100), default="")
    model: Mapped[str] = mapped_column(String(100), default="")
    category_name: Mapped[str] = mapped_column(String(100), default="")
    region_code: Mapped[str] = mapped_column(String(6), default="")
    basis: Mapped[str] = mapped_column(Text, default="")  # 列入依据
    ruleset_version: Mapped[int | None]
    valid_from: Mapped[dt.date | None]
    valid_until: Mapped[dt.date | None]
    flagged: Mapped[bool] = mapped_column(default=False)
    flagged_at: Mapped[dt.datetime | None]
    flag_reason: Mapped[str] = mapped_column(Text, default="")
    flag_batch_id: Mapped[int | None]
    revoked_at: Mapped[dt.datetime | None]
    revocation_reason: Mapped[str] = mapped_column(Text, default="")
    revocation_announcement_id: Mapped[int | None] = mapped_column(
        ForeignKey("stable_announcement.id", ondelete="SET NULL"))
