"""能力验证 API models."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from zhijian.platform.fields import Prose, Title
from zhijian.platform.schemas import RecordOut


class SchemeIn(BaseModel):
    code: str = Field(max_length=32)
    name: Title
    field: str = Field(default="", max_length=100)
    description: str = Field(default="", max_length=4000)


class SchemeOut(RecordOut):
    code: str
    name: str
    field: str


class RoundIn(BaseModel):
    """轮次设计: what is measured and how x_pt and σ_pt are obtained (ISO 13528:2015 §7, §8)."""

    scheme_code: str = Field(max_length=32)
    code: str = Field(max_length=32)
    year: int = Field(ge=2000, le=2100)
    measurand: Title
    unit: str = Field(default="", max_length=32)
    method: str = Field(default="", max_length=200)
    assigned_method: str = "robust"
    assigned_given: float | None = None
    assigned_given_u: float | None = Field(default=None, ge=0)
    sigma_method: str = "fixed"
    sigma_given: float | None = None
    score_kind: str = "z"
    results_due_on: dt.date | None = None


class RoundOut(RecordOut):
    code: str
    year: int
    measurand: str
    unit: str
    status: str
    assigned_method: str
    sigma_method: str
    sigma_given: float | None
    score_kind: str
    results_due_on: dt.date | None
    homogeneity: dict[str, Any]
    stability: dict[str, Any]
    summary: dict[str, Any]


class EnrolIn(BaseModel):
    lab_id: int | None = None  # a lab enrols itself; the secretariat names the lab


class EnrolmentOut(RecordOut):
    lab_id: int
    participant_code: str
    status: str
    result: float | None
    expanded_uncertainty: float | None
    z: float | None
    z_prime: float | None
    zeta: float | None
    en: float | None
    signal: str | None


class HomogeneityIn(BaseModel):
    """g test items × m replicates (ISO 13528:2015 B.2: g ≥ 10 advised, m ≥ 2)."""

    measurements: list[list[float]]
    sigma_pt: float | None = None  # defaults to the round's fixed σ_pt
    accept_widened: bool = False  # B.2.4: when the check fails, score with σ_pt' = √(σ_pt² + s_s²)


class StabilityIn(BaseModel):
    first: list[float]
    second: list[float]
    sigma_pt: float | None = None


class ResultIn(BaseModel):
    participant_code: str | None = Field(default=None, max_length=16)  # the secretariat names it; a lab omits it
    result: Any
    expanded_uncertainty: Any = None
    coverage_factor: float | None = Field(default=None, gt=0)
    method: str = Field(default="", max_length=200)


class FollowUpAnswerIn(BaseModel):
    cause: Prose
    corrective_action: Prose


class FollowUpCloseIn(BaseModel):
    verification: Prose


class FollowUpOut(RecordOut):
    enrolment_id: int
    signal: str
    status: str
    due_on: dt.date
    cause: str
    corrective_action: str
    verification: str
