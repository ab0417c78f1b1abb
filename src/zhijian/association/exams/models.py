"""考试 tables: questions (题库), exams with their blueprint, candidates' papers and answers, the marker's queue
and certificates. Papers and answers are written set-based for 10,000 candidates (one audit record per batch)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Double, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zhijian.platform.db import Base, IdMixin, TimestampMixin, utcnow
from zhijian.platform.models import Audited


class ExamQuestion(IdMixin, TimestampMixin, Audited, Base):
    """试题 — single/multiple choice, true/false or short answer, with its topic and difficulty."""

    __tablename__ = "assoc_exam_question"

    bank: Mapped[str] = mapped_column(String(64), index=True)  # 题库
    code: Mapped[str] = mapped_column(String(32))  # 题号 (unique within the bank)
    kind: Mapped[str] = mapped_column(String(12))  # single | multiple | truefalse | short
    topic: Mapped[str] = mapped_column(String(100))  # 知识点
    difficulty: Mapped[int]  # 1 易 | 2 中 | 3 难
    stem: Mapped[str] = mapped_column(Text)
    options: Mapped[list[str]] = mapped_column(JSON, default=list)
    answer: Mapped[Any] = mapped_column(JSON)  # [indices] | bool | reference answer text
    points: Mapped[float] = mapped_column(Double, default=1.0)
    active: Mapped[bool] = mapped_column(default=True)

    __table_args__ = (UniqueConstraint("bank", "code", name="uq_assoc_exam_question_code"),
                      Index("ix_assoc_exam_question_cell", "bank", "topic", "difficulty"))


class Exam(IdMixin, TimestampMixin, Audited, Base):
    """考试 — a paper drawn per candidate from the bank by the blueprint (知识点 × 难度 → number of items)."""

    __tablename__ = "assoc_exam"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    bank: Mapped[str] = mapped_column(String(64))
    blueprint: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{topic, difficulty, kind?, count}]
    time_limit_minutes: Mapped[int]
    pass_percent: Mapped[float] = mapped_column(Double, default=60.0)
    seed: Mapped[int]  # the exam's seed: paper of candidate n = f(seed, n), reproducible
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed | marked
    certificate_years: Mapped[int] = mapped_column(default=3)
    hours: Mapped[float] = mapped_column(Double, default=0.0)  # continuing-education hours credited on passing


class ExamCandidate(IdMixin, Base):
    """考生 and his paper: the question ids in order, the saved answers, the marks."""

    __tablename__ = "assoc_exam_candidate"

    exam_id: Mapped[int] = mapped_column(ForeignKey("assoc_exam.id", ondelete="CASCADE"), index=True)
    candidate_no: Mapped[str] = mapped_column(String(16))  # 准考证号
    name: Mapped[str] = mapped_column(String(64))
    id_number: Mapped[str] = mapped_column(String(32), default="")  # 证件号 (shown masked)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="registered")  # registered|started|submitted|marked
    paper: Mapped[list[int]] = mapped_column(JSON, default=list)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_at: Mapped[dt.datetime | None]
    deadline_at: Mapped[dt.datetime | None]
    submitted_at: Mapped[dt.datetime | None]
    objective_score: Mapped[float | None] = mapped_column(Double)
    subjective_score: Mapped[float | None] = mapped_column(Double)
    total_score: Mapped[float | None] = mapped_column(Double)
    max_score: Mapped[float | None] = mapped_column(Double)
    item_scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {question id: points}
    passed: Mapped[bool | None]

    __table_args__ = (UniqueConstraint("exam_id", "candidate_no", name="uq_assoc_exam_candidate_no"),)


class ExamMark(IdMixin, Audited, Base):
    """阅卷 — one short answer in the marker's queue (anonymous: the marker sees the answer, not the name)."""

    __tablename__ = "assoc_exam_mark"

    exam_id: Mapped[int] = mapped_column(ForeignKey("assoc_exam.id", ondelete="CASCADE"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("assoc_exam_candidate.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("assoc_exam_question.id", ondelete="RESTRICT"))
    answer: Mapped[str] = mapped_column(Text, default="")
    max_points: Mapped[float] = mapped_column(Double)
    points: Mapped[float | None] = mapped_column(Double)
    marker: Mapped[str] = mapped_column(String(128), default="")
    marked_at: Mapped[dt.datetime | None]

    __table_args__ = (UniqueConstraint("candidate_id", "question_id", name="uq_assoc_exam_mark_item"),
                      Index("ix_assoc_exam_mark_queue", "exam_id", "points"))


class ExamCertificate(IdMixin, Audited, Base):
    """合格证书 — verifiable on the public page by its number (QR on the PDF)."""

    __tablename__ = "assoc_exam_certificate"

    number: Mapped[str] = mapped_column(String(40), unique=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("assoc_exam_candidate.id", ondelete="RESTRICT"), unique=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("assoc_exam.id", ondelete="RESTRICT"), index=True)
    holder: Mapped[str] = mapped_column(String(64))
    issued_on: Mapped[dt.date]
    valid_until: Mapped[dt.date]
    status: Mapped[str] = mapped_column(String(16), default="valid")  # valid | revoked
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
