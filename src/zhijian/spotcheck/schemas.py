"""Spot-check API schemas: what goes in and what comes out."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from zhijian.platform.schemas import RecordOut

Level = Literal["national", "provincial", "municipal", "county"]
Basis = Literal["random", "targeted", "complaint", "emergency"]
Rule = Literal["simple", "guarded"]


class PlanCategoryIn(BaseModel):
    category_id: int
    standard_ids: list[int] = Field(default_factory=list)
    indicator_ids: list[int] | None = None
    target_batches: int = Field(ge=0, le=1_000_000)
    region_targets: dict[str, int] = Field(default_factory=dict)


class PlanIn(BaseModel):
    code: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=300)
    year: int = Field(ge=2000, le=2100)
    level: Level
    regulator_id: int | None = None
    region_code: str | None = Field(default=None, pattern=r"^\d{6}$")
    period_start: dt.date
    period_end: dt.date
    basis: Basis = "random"
    decision_rule: Rule = "simple"
    guard_factor: float = Field(default=1.0, ge=0, le=10)
    objection_days: int = Field(default=15, ge=1, le=365)
    required_verifications: int = Field(default=1, ge=1, le=5)
    allow_self_verification: bool = False
    exclude_same_province: bool = False
    credit_weights: dict[str, float] = Field(default_factory=dict)  # empty: the credit model's (A < B < C < D)
    categories: list[PlanCategoryIn] = Field(default_factory=list)
    lab_ids: list[int] = Field(default_factory=list)
    description: str = ""
    repeat_window_months: int = Field(default=6, ge=0, le=36)  # PQL Art. 15 window after a higher-level check
    repeat_exemption: str = Field(default="", max_length=300)  # targeted/emergency checks: the recorded reason


class PlanOut(RecordOut):
    code: str
    title: str
    year: int
    level: str
    regulator_id: int
    region_code: str
    period_start: dt.date
    period_end: dt.date
    basis: str
    decision_rule: str
    guard_factor: float
    objection_days: int
    required_verifications: int
    allow_self_verification: bool
    status: str
    published_at: dt.datetime | None


class DrawIn(BaseModel):
    seed: int | None = Field(default=None, ge=0, le=2**62)


class BatchIn(BaseModel):
    product_id: int
    lab_id: int
    basis: Basis = "targeted"
    repeat_exemption: str = Field(default="", max_length=300)  # why a repeat check is needed (targeted/emergency)


class ConflictIn(BaseModel):
    lab_id: int
    enterprise_id: int
    reason: str = ""


class SamplingIn(BaseModel):
    """抽样单 — what the samplers record on site."""

    product_id: int | None = None
    brand: str | None = None
    model: str | None = None
    lot: str = Field(min_length=1, max_length=64)
    production_date: dt.date | None = None
    sampled_on: dt.date
    place: str = Field(min_length=1, max_length=200)
    place_kind: Literal["market", "warehouse"] = "market"
    samplers: list[str] = Field(min_length=2)
    test_quantity: str = Field(min_length=1, max_length=32)
    reserve_quantity: str = Field(min_length=1, max_length=32)
    seals: list[str] = Field(default_factory=list)
    basis: Basis | None = None

    @field_validator("samplers")
    @classmethod
    def _distinct(cls, v: list[str]) -> list[str]:
        names = [s.strip() for s in v if s.strip()]
        if len(set(names)) < 2:
            raise ValueError("at least two different samplers (抽样人员至少两名)")
        return names


class RefusalIn(BaseModel):
    reason: str = Field(min_length=1, max_length=300)
    on: dt.date | None = None


class ItemIn(BaseModel):
    """检验项目结果 — give an indicator of the plan's standards, or the requirement as written."""

    name: str = Field(min_length=1, max_length=200)
    indicator_id: int | None = None
    requirement: str | None = None
    requirement_unit: str | None = None
    unit: str = ""
    value: str | float = ""
    lod: float | None = None
    uncertainty: float | None = None
    method_standard: str = ""
    lab_verdict: Literal["合格", "不合格"] | None = None
    is_safety: bool | None = None
    comparison_method: Literal["full", "rounded"] | None = None
    units: list[str | float] | None = Field(default=None, max_length=100)  # sampling plan: the n unit results


class ResultsIn(BaseModel):
    items: list[ItemIn] = Field(min_length=1)


class OverrideIn(BaseModel):
    verdict: Literal["合格", "不合格"]
    reason: str = Field(min_length=4, max_length=2000)


class ObjectionIn(BaseModel):
    reason: str = Field(min_length=2, max_length=4000)
    items: list[str] = Field(default_factory=list, max_length=200)  # the disputed items (default: the failing ones)


class LabFieldsIn(BaseModel):
    category_ids: list[int] = Field(default_factory=list, max_length=500)


class ObjectionDecisionIn(BaseModel):
    accept: bool
    note: str = ""
    retest_lab_id: int | None = None


class FollowUpIn(BaseModel):
    step: Literal["rectify", "recheck", "announce", "suspend", "revoke", "summons"]
    due_on: dt.date
    note: str = ""


class FollowUpDoneIn(BaseModel):
    outcome: Literal["done", "conforming", "non_conforming"] = "done"
    note: str = ""
    done_on: dt.date | None = None


class JudgeIn(BaseModel):
    requirement: str
    requirement_unit: str = ""
    value: str | float = ""
    units: list[str | float] | None = Field(default=None, max_length=100)
    lab_verdict: Literal["合格", "不合格"] | None = None
    unit: str | None = None
    uncertainty: float | None = None
    lod: float | None = None
    rule: Rule = "simple"
    guard_factor: float = 1.0
    comparison_method: Literal["full", "rounded"] = "full"


class ItemOut(RecordOut):
    round: int
    position: int
    name: str
    unit: str
    requirement_text: str
    requirement_kind: str
    value_text: str
    value: float | None
    not_detected: bool
    lod: float | None
    uncertainty: float | None
    method_standard: str
    comparison_method: str
    is_safety: bool
    lab_verdict: str | None
    verdict: str
    superseded: bool = False
    detail: dict[str, Any] | None = None
    explanation: dict[str, str] | None = None


class BatchOut(RecordOut):
    plan_id: int
    sample_no: str
    state: str
    enterprise_id: int
    product_id: int | None
    category_id: int
    region_code: str
    lab_id: int | None
    basis: str
    product_name: str
    brand: str
    model: str
    lot: str
    production_date: dt.date | None
    sampled_on: dt.date | None
    place: str
    place_kind: str
    samplers: list[Any]
    test_quantity: str
    reserve_quantity: str
    seals: list[Any]
    refused: bool
    refusal_reason: str
    report_no: str | None
    auto_verdict: str | None
    verdict: str | None
    override_reason: str
    failing_items: list[Any]
    safety_failure: bool
    notified_on: dt.date | None
    delivered_on: dt.date | None = None
    objection_deadline: dt.date | None
    objection_deadline_provisional: bool = False
    retest_lab_id: int | None
    final_verdict: str | None
    final_on: dt.date | None


class FollowUpOut(RecordOut):
    batch_id: int
    enterprise_id: int
    step: str
    due_on: dt.date
    due_provisional: bool = False  # counted on a year whose 放假安排 is not published yet (暂定)
    done_on: dt.date | None
    outcome: str
    note: str


class AttachmentOut(RecordOut):
    batch_id: int
    kind: str
    filename: str
    content_type: str
    size: int
    sha256: str


class NotifyIn(BaseModel):
    """告知: the notice date (default today) and, when known, the delivery date (送达) that starts the window."""

    on: dt.date | None = None
    delivered_on: dt.date | None = None


class DeliveryIn(BaseModel):
    """登记送达: the day the enterprise received the result (《产品质量法》第十五条: 自收到检验结果之日起十五日)."""

    delivered_on: dt.date
