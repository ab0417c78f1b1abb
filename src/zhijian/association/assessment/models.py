"""机构评价 tables: an assessment of one lab, its checklist records and its findings."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zhijian.platform.db import Base, IdMixin, TimestampMixin
from zhijian.platform.models import Audited


class Assessment(IdMixin, TimestampMixin, Audited, Base):
    """评价 — applied → planned → assessed → corrective → granted / refused."""

    __tablename__ = "assoc_assessment"

    lab_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="initial")  # initial | surveillance | renewal
    scope: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="applied", index=True)
    planned_on: Mapped[dt.date | None]
    team: Mapped[list[str]] = mapped_column(JSON, default=list)
    assessed_on: Mapped[dt.date | None]
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    certificate_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    valid_until: Mapped[dt.date | None]


class AssessmentItem(IdMixin, Audited, Base):
    """现场评价记录 — one checklist clause: 符合 / 不符合 / 观察项 / 不适用, with the evidence seen."""

    __tablename__ = "assoc_assessment_item"

    assessment_id: Mapped[int] = mapped_column(ForeignKey("assoc_assessment.id", ondelete="CASCADE"), index=True)
    clause: Mapped[str] = mapped_column(String(16))
    result: Mapped[str] = mapped_column(String(16))  # conform | nonconform | observation | na
    evidence: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (UniqueConstraint("assessment_id", "clause", name="uq_assoc_assessment_item_clause"),)


class AssessmentFinding(IdMixin, TimestampMixin, Audited, Base):
    """不符合项 — with the lab's corrective action by the deadline and the assessor's verification."""

    __tablename__ = "assoc_assessment_finding"

    assessment_id: Mapped[int] = mapped_column(ForeignKey("assoc_assessment.id", ondelete="CASCADE"), index=True)
    clause: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(8))  # major | minor
    description: Mapped[str] = mapped_column(Text)
    due_on: Mapped[dt.date]
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | answered | closed
    corrective_action: Mapped[str] = mapped_column(Text, default="")
    verification: Mapped[str] = mapped_column(Text, default="")
