"""Spot-check tables: plans, draws, batches (sampling records), item results, verifications,
attachments, objections and follow-up steps."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zhijian.platform.db import Base, BigId, IdMixin, TimestampMixin, utcnow
from zhijian.platform.models import Audited

Num = Numeric(24, 10, asdecimal=False)


def table(model: type[Base]) -> Table:
    """The model's Core table, for the set-based writes (bulk insert, delete, update); `__table__` is only
    declared as a FromClause."""
    t = model.__table__
    assert isinstance(t, Table)
    return t


class Plan(IdMixin, TimestampMixin, Audited, Base):
    """抽查计划 — one supervisory spot-check plan of a regulator for a year."""

    __tablename__ = "spotcheck_plan"

    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    year: Mapped[int]
    level: Mapped[str] = mapped_column(String(16))  # national | provincial | municipal | county
    regulator_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    region_code: Mapped[str] = mapped_column(String(6))  # scope: the regulator's division
    period_start: Mapped[dt.date]
    period_end: Mapped[dt.date]
    basis: Mapped[str] = mapped_column(String(16), default="random")  # random | targeted | complaint
    decision_rule: Mapped[str] = mapped_column(String(16), default="simple")  # simple | guarded
    guard_factor: Mapped[float] = mapped_column(Num, default=1.0)
    objection_days: Mapped[int] = mapped_column(default=15)
    required_verifications: Mapped[int] = mapped_column(default=1)
    allow_self_verification: Mapped[bool] = mapped_column(default=False)
    exclude_same_province: Mapped[bool] = mapped_column(default=False)
    credit_weights: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | issued | published
    published_at: Mapped[dt.datetime | None]
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # statistics frozen at publication
    description: Mapped[str] = mapped_column(Text, default="")
    repeat_window_months: Mapped[int] = mapped_column(default=6)  # PQL Art. 15 repeat-check window (a setting)
    repeat_exemption: Mapped[str] = mapped_column(String(300), default="")  # targeted/emergency: recorded reason


class PlanCategory(IdMixin, Audited, Base):
    """计划产品类别 — a category of a plan with its standards, items and target number of batches."""

    __tablename__ = "spotcheck_plan_category"

    plan_id: Mapped[int] = mapped_column(ForeignKey("spotcheck_plan.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id", ondelete="RESTRICT"))
    standard_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    indicator_ids: Mapped[list[Any] | None] = mapped_column(JSON)  # None: every indicator of the standards
    target_batches: Mapped[int] = mapped_column(default=0)
    region_targets: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (UniqueConstraint("plan_id", "category_id"),)


class PlanLab(Base):
    """承检机构 — a lab taking part in a plan."""

    __tablename__ = "spotcheck_plan_lab"

    plan_id: Mapped[int] = mapped_column(ForeignKey("spotcheck_plan.id", ondelete="CASCADE"), primary_key=True)
    lab_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), primary_key=True)


class LabConflict(IdMixin, Audited, Base):
    """利害关系 — a lab may not test an enterprise it has a business relation with."""

    __tablename__ = "spotcheck_lab_conflict"

    lab_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = (UniqueConstraint("lab_id", "enterprise_id"),)


class Draw(IdMixin, Audited, Base):
    """双随机抽取 — one draw with its seed, its inputs and its result, so anyone can re-run it."""

    __tablename__ = "spotcheck_draw"

    plan_id: Mapped[int] = mapped_column(ForeignKey("spotcheck_plan.id", ondelete="CASCADE"), index=True)
    seed: Mapped[int] = mapped_column(BigId)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    input_digest: Mapped[str] = mapped_column(String(64))
    drawn_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    drawn_by: Mapped[str] = mapped_column(String(128), default="")


class Batch(IdMixin, TimestampMixin, Audited, Base):
    """抽样批次 — the sampling record of one batch and its way through the workflow."""

    __tablename__ = "spotcheck_batch"

    plan_id: Mapped[int] = mapped_column(ForeignKey("spotcheck_plan.id", ondelete="CASCADE"))
    sample_no: Mapped[str] = mapped_column(String(40), unique=True)  # 抽样单编号
    state: Mapped[str] = mapped_column(String(16), default="planned")
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id", ondelete="SET NULL"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id", ondelete="RESTRICT"))
    region_code: Mapped[str] = mapped_column(String(6))
    lab_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    basis: Mapped[str] = mapped_column(String(16), default="random")
    product_name: Mapped[str] = mapped_column(String(200), default="")
    brand: Mapped[str] = mapped_column(String(100), default="")
    model: Mapped[str] = mapped_column(String(100), default="")
    lot: Mapped[str] = mapped_column(String(64), default="")  # 批号
    production_date: Mapped[dt.date | None]
    sampled_on: Mapped[dt.date | None]
    place: Mapped[str] = mapped_column(String(200), default="")
    place_kind: Mapped[str] = mapped_column(String(16), default="")  # market | warehouse
    samplers: Mapped[list[Any]] = mapped_column(JSON, default=list)
    test_quantity: Mapped[str] = mapped_column(String(32), default="")
    reserve_quantity: Mapped[str] = mapped_column(String(32), default="")
    seals: Mapped[list[Any]] = mapped_column(JSON, default=list)
    refused: Mapped[bool] = mapped_column(default=False)
    refusal_reason: Mapped[str] = mapped_column(String(300), default="")
    received_on: Mapped[dt.date | None]
    report_no: Mapped[str | None] = mapped_column(String(40), unique=True)
    report_issued_on: Mapped[dt.date | None]
    auto_verdict: Mapped[str | None] = mapped_column(String(8))
    verdict: Mapped[str | None] = mapped_column(String(8))
    override_reason: Mapped[str] = mapped_column(Text, default="")
    failing_items: Mapped[list[Any]] = mapped_column(JSON, default=list)
    safety_failure: Mapped[bool] = mapped_column(default=False)
    notified_on: Mapped[dt.date | None]
    delivered_on: Mapped[dt.date | None]  # 送达: the objection window runs from delivery (PQL Art. 15), not notice
    objection_deadline: Mapped[dt.date | None]
    objection_deadline_provisional: Mapped[bool] = mapped_column(default=False)  # on a rule-computed year
    retest_lab_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"))
    final_verdict: Mapped[str | None] = mapped_column(String(8))
    final_on: Mapped[dt.date | None]
    repeat_exemption: Mapped[str] = mapped_column(String(300), default="")  # a manual addition exempt from Art. 15

    __table_args__ = (Index("ix_spotcheck_batch_plan_state", "plan_id", "state"),
                      Index("ix_spotcheck_batch_final", "final_on"))


class ItemResult(IdMixin, Base):
    """检验项目结果 — one item of a report (round 0: original test; round 1: re-test of the reserve sample).

    Written in bulk (imports of tens of thousands of rows); the batch's audit record covers each import.
    """

    __tablename__ = "spotcheck_item"

    batch_id: Mapped[int] = mapped_column(ForeignKey("spotcheck_batch.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column(default=0)
    position: Mapped[int] = mapped_column(default=0)
    indicator_id: Mapped[int | None] = mapped_column(ForeignKey("indicator.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(32), default="")
    requirement_text: Mapped[str] = mapped_column(String(300), default="")
    requirement_kind: Mapped[str] = mapped_column(String(16))
    lower: Mapped[float | None] = mapped_column(Num)
    upper: Mapped[float | None] = mapped_column(Num)
    lower_inclusive: Mapped[bool] = mapped_column(default=True)
    upper_inclusive: Mapped[bool] = mapped_column(default=True)
    decimals: Mapped[int] = mapped_column(default=0)
    comparison_method: Mapped[str] = mapped_column(String(8), default="full")
    is_safety: Mapped[bool] = mapped_column(default=False)
    value_text: Mapped[str] = mapped_column(String(64), default="")
    value: Mapped[float | None] = mapped_column(Num)  # in the requirement's unit
    not_detected: Mapped[bool] = mapped_column(default=False)
    lod: Mapped[float | None] = mapped_column(Num)
    uncertainty: Mapped[float | None] = mapped_column(Num)
    method_standard: Mapped[str] = mapped_column(String(100), default="")
    lab_verdict: Mapped[str | None] = mapped_column(String(8))  # 单项判定 as the lab wrote it
    verdict: Mapped[str] = mapped_column(String(8))  # automatic, or the lab's for text requirements
    # qualitative result, reported limit ("<x") and sampling-plan unit results, in the requirement's unit
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    superseded: Mapped[bool] = mapped_column(default=False)  # a disputed first-test item replaced by its re-test

    __table_args__ = (Index("ix_spotcheck_item_batch_round", "batch_id", "round"),)


class Verification(IdMixin, Base):
    """审核 — second-person verification of a batch's results by another inspector of the lab."""

    __tablename__ = "spotcheck_verification"

    batch_id: Mapped[int] = mapped_column(ForeignKey("spotcheck_batch.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(default=0)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    username: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("batch_id", "round", "username"),)


class StateChange(IdMixin, Base):
    """状态记录 — every transition of a batch with who did it and why (the audit chain holds the same)."""

    __tablename__ = "spotcheck_state_change"

    batch_id: Mapped[int] = mapped_column(ForeignKey("spotcheck_batch.id", ondelete="CASCADE"), index=True)
    from_state: Mapped[str] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(128), default="")
    note: Mapped[str] = mapped_column(String(500), default="")


class Attachment(IdMixin, Audited, Base):
    """附件 — photos, seal records and documents of a sampling, stored by SHA-256 under var_dir."""

    __tablename__ = "spotcheck_attachment"

    batch_id: Mapped[int] = mapped_column(ForeignKey("spotcheck_batch.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="photo")  # photo | seal | document
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    size: Mapped[int] = mapped_column(BigId)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    uploaded_by: Mapped[str] = mapped_column(String(128), default="")


class Objection(IdMixin, Audited, Base):
    """异议 — an enterprise's objection to a spot-check result, and the re-test it leads to."""

    __tablename__ = "spotcheck_objection"

    batch_id: Mapped[int] = mapped_column(ForeignKey("spotcheck_batch.id", ondelete="CASCADE"), unique=True)
    submitted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    submitted_by: Mapped[str] = mapped_column(String(128), default="")
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="submitted")  # submitted | accepted | rejected | retested
    decided_at: Mapped[dt.datetime | None]
    decision_note: Mapped[str] = mapped_column(Text, default="")
    retest_lab_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"))
    retest_verdict: Mapped[str | None] = mapped_column(String(8))
    items: Mapped[list[Any] | None] = mapped_column(JSON, default=list)  # the disputed items (only these are re-tested)
    retest_seed: Mapped[int | None] = mapped_column(BigId)  # the re-test lab draw (reproducible)
    retest_candidates: Mapped[list[Any] | None] = mapped_column(JSON, default=list)  # qualified labs it was drawn from
    fee_payer: Mapped[str] = mapped_column(String(16), default="")  # applicant | organiser (复检费用)
    fee_note: Mapped[str] = mapped_column(String(300), default="")


class LabField(Base):
    """检验能力范围 — the product categories (with their subtrees) a lab is qualified to test (CMA scope)."""

    __tablename__ = "spotcheck_lab_field"

    lab_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id", ondelete="CASCADE"), primary_key=True)


class FollowUp(IdMixin, Audited, Base):
    """后处理 — one step of PQL Art. 17 follow-up (rectify, re-check, announce, suspend, revoke) with a deadline."""

    __tablename__ = "spotcheck_followup"

    batch_id: Mapped[int] = mapped_column(ForeignKey("spotcheck_batch.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    step: Mapped[str] = mapped_column(String(16))
    due_on: Mapped[dt.date]
    # a deadline counted on the calendar (整改 / 复查 …): its start and days, and whether it rests on a year whose
    # 放假安排 is not published yet (暂定, recomputed when the notice is imported); None/False: a date set by hand
    due_from: Mapped[dt.date | None]
    due_days: Mapped[int | None]
    due_provisional: Mapped[bool] = mapped_column(default=False)
    done_on: Mapped[dt.date | None]
    outcome: Mapped[str] = mapped_column(String(16), default="")  # conforming | non_conforming | done
    note: Mapped[str] = mapped_column(Text, default="")
