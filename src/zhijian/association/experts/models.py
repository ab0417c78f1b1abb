"""专家 tables: committee/expert members (委员、评审专家, each a login of the platform) and what the secretariat
assigned them — a group standard's 技术审查 or a lab's 现场评价."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zhijian.platform.db import Base, IdMixin, TimestampMixin
from zhijian.platform.models import Audited


class Expert(IdMixin, TimestampMixin, Audited, Base):
    """专家 — a user (any role: an individual, a lab's engineer …) named to a committee by the secretariat."""

    __tablename__ = "assoc_expert"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    affiliation: Mapped[str] = mapped_column(String(200), default="")
    committee: Mapped[str] = mapped_column(String(16))  # standards (标准化工作委员会) | assessment (评价专家库)
    fields: Mapped[str] = mapped_column(Text, default="")  # 专业领域
    active: Mapped[bool] = mapped_column(default=True)


class ExpertAssignment(IdMixin, Audited, Base):
    """评审任务 — one expert on one group standard's review or one lab assessment."""

    __tablename__ = "assoc_expert_assignment"

    expert_id: Mapped[int] = mapped_column(ForeignKey("assoc_expert.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # standard_review | assessment
    target_id: Mapped[int]  # assoc_group_standard.id or assoc_assessment.id
    assigned_on: Mapped[dt.date]
    status: Mapped[str] = mapped_column(String(12), default="assigned")  # assigned | done

    __table_args__ = (UniqueConstraint("expert_id", "kind", "target_id", name="uq_assoc_expert_assignment"),)
