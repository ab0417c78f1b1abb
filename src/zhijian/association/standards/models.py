"""团体标准 tables: the standard (one row through its life), drafts by version, comments by clause with their
disposition, the experts' review votes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zhijian.platform.db import Base, IdMixin, TimestampMixin, utcnow
from zhijian.platform.models import Audited


class GroupStandard(IdMixin, TimestampMixin, Audited, Base):
    """团体标准 — from 提案 to 发布, 复审, 修改 and 废止; the number T/CAQI nnn—YYYY once published."""

    __tablename__ = "assoc_group_standard"

    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(300), default="")
    scope: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")  # 立项理由 (need, relation to national standards)
    proposer_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="proposed", index=True)
    project_no: Mapped[str | None] = mapped_column(String(32), unique=True)  # 立项编号
    project_decision: Mapped[str] = mapped_column(Text, default="")
    drafting_units: Mapped[list[str]] = mapped_column(JSON, default=list)  # 起草单位
    drafters: Mapped[list[str]] = mapped_column(JSON, default=list)  # 起草人
    ics: Mapped[str] = mapped_column(String(16), default="")
    ccs: Mapped[str] = mapped_column(String(16), default="")
    comment_from: Mapped[dt.date | None]
    comment_until: Mapped[dt.date | None]
    year: Mapped[int | None]
    seq: Mapped[int | None]
    number: Mapped[str | None] = mapped_column(String(32), unique=True)  # T/CAQI 001—2026
    published_on: Mapped[dt.date | None]
    implemented_on: Mapped[dt.date | None]
    next_review_on: Mapped[dt.date | None]  # 复审 within five years of publication
    indicators: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # typed, as catalog indicators
    amendments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # 修改单
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # stage changes with date and actor

    __table_args__ = (UniqueConstraint("year", "seq", name="uq_assoc_group_standard_seq"),)


class StandardDraft(IdMixin, Audited, Base):
    """标准草案 — one version (征求意见稿, 送审稿, 报批稿) with its clauses."""

    __tablename__ = "assoc_standard_draft"

    standard_id: Mapped[int] = mapped_column(ForeignKey("assoc_group_standard.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    stage: Mapped[str] = mapped_column(String(16))  # working | comment | review | approval
    clauses: Mapped[list[dict[str, str]]] = mapped_column(JSON)  # [{no: "4.1", text: …}]
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("standard_id", "version", name="uq_assoc_standard_draft_version"),)


class StandardComment(IdMixin, Audited, Base):
    """征求意见 — a comment on one clause of the draft, and how the drafting group disposed of it."""

    __tablename__ = "assoc_standard_comment"

    standard_id: Mapped[int] = mapped_column(ForeignKey("assoc_group_standard.id", ondelete="CASCADE"), index=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("assoc_standard_draft.id", ondelete="CASCADE"))
    clause_no: Mapped[str] = mapped_column(String(32))
    commenter: Mapped[str] = mapped_column(String(100))
    organization: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    proposal: Mapped[str] = mapped_column(Text, default="")  # 修改建议
    disposition: Mapped[str] = mapped_column(String(16), default="pending")  # accepted|partly|rejected|pending
    disposition_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class StandardVote(IdMixin, Audited, Base):
    """技术审查 — one expert's vote on the 送审稿."""

    __tablename__ = "assoc_standard_vote"

    standard_id: Mapped[int] = mapped_column(ForeignKey("assoc_group_standard.id", ondelete="CASCADE"), index=True)
    expert: Mapped[str] = mapped_column(String(100))
    affiliation: Mapped[str] = mapped_column(String(200), default="")
    vote: Mapped[str] = mapped_column(String(16))  # approve | approve_changes | reject | abstain
    comment: Mapped[str] = mapped_column(Text, default="")
    round_no: Mapped[int] = mapped_column(default=1)

    __table_args__ = (UniqueConstraint("standard_id", "round_no", "expert", name="uq_assoc_standard_vote_expert"),)
