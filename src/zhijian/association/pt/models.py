"""能力验证 tables: a scheme (计划), its rounds (轮次), the labs enrolled, their results with scores, follow-ups.

MariaDB gives a plain FLOAT four bytes (about 7 digits): results and scores are DOUBLE, so a z of 0.047246 stays one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Double, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zhijian.platform.db import Base, IdMixin, TimestampMixin, utcnow
from zhijian.platform.models import Audited


class PtScheme(IdMixin, TimestampMixin, Audited, Base):
    """能力验证计划 — a standing programme (e.g. 食品中铅的测定) run in rounds."""

    __tablename__ = "assoc_pt_scheme"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    field: Mapped[str] = mapped_column(String(100), default="")  # 领域: 食品, 建材, 电器 ...
    description: Mapped[str] = mapped_column(Text, default="")


class PtRound(IdMixin, TimestampMixin, Audited, Base):
    """能力验证轮次 — one distribution of test items, scored against x_pt and σ_pt (ISO 13528)."""

    __tablename__ = "assoc_pt_round"

    scheme_id: Mapped[int] = mapped_column(ForeignKey("assoc_pt_scheme.id", ondelete="RESTRICT"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    year: Mapped[int]
    measurand: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(32), default="")
    method: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default="enrolling", index=True)
    # design: how x_pt and σ_pt are obtained (consensus by Algorithm A or given values)
    assigned_method: Mapped[str] = mapped_column(String(16), default="robust")  # robust | given
    assigned_given: Mapped[float | None] = mapped_column(Double)
    assigned_given_u: Mapped[float | None] = mapped_column(Double)  # expanded U (k = 2) of a given x_pt
    sigma_method: Mapped[str] = mapped_column(String(16), default="fixed")  # fixed | robust
    sigma_given: Mapped[float | None] = mapped_column(Double)
    score_kind: Mapped[str] = mapped_column(String(8), default="z")  # z | z_prime | zeta | en
    results_due_on: Mapped[dt.date | None]
    homogeneity: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    stability: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # x_pt, u, σ_pt, s*, counts after scoring
    dispatched_on: Mapped[dt.date | None]
    scored_at: Mapped[dt.datetime | None]


class PtEnrolment(IdMixin, Audited, Base):
    """参加者 — a lab in a round, known to the others only by its participant code."""

    __tablename__ = "assoc_pt_enrolment"

    round_id: Mapped[int] = mapped_column(ForeignKey("assoc_pt_round.id", ondelete="CASCADE"), index=True)
    lab_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    participant_code: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="enrolled")  # enrolled | submitted | scored | withdrawn
    enrolled_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # the result (one per participant; resubmission replaces it until the round is scored)
    result: Mapped[float | None] = mapped_column(Double)
    expanded_uncertainty: Mapped[float | None] = mapped_column(Double)
    coverage_factor: Mapped[float | None] = mapped_column(Double)
    result_method: Mapped[str] = mapped_column(String(200), default="")
    submitted_at: Mapped[dt.datetime | None]
    submitted_by: Mapped[str] = mapped_column(String(128), default="")
    # scores (ISO 13528 §9) written when the round is scored
    z: Mapped[float | None] = mapped_column(Double)
    z_prime: Mapped[float | None] = mapped_column(Double)
    zeta: Mapped[float | None] = mapped_column(Double)
    en: Mapped[float | None] = mapped_column(Double)
    signal: Mapped[str | None] = mapped_column(String(16))  # satisfactory | questionable | unsatisfactory

    __table_args__ = (UniqueConstraint("round_id", "lab_id", name="uq_assoc_pt_enrolment_lab"),
                      UniqueConstraint("round_id", "participant_code", name="uq_assoc_pt_enrolment_code"))


class PtFollowUp(IdMixin, TimestampMixin, Audited, Base):
    """不满意结果的跟踪 — root cause and corrective action of a lab with a questionable/unsatisfactory score."""

    __tablename__ = "assoc_pt_followup"

    enrolment_id: Mapped[int] = mapped_column(ForeignKey("assoc_pt_enrolment.id", ondelete="CASCADE"), unique=True)
    signal: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | answered | closed
    due_on: Mapped[dt.date]
    cause: Mapped[str] = mapped_column(Text, default="")
    corrective_action: Mapped[str] = mapped_column(Text, default="")
    verification: Mapped[str] = mapped_column(Text, default="")
    closed_by: Mapped[str] = mapped_column(String(128), default="")
