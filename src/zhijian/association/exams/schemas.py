"""考试 API models."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from zhijian.platform.fields import PersonName, Title
from zhijian.platform.schemas import RecordOut


class QuestionIn(BaseModel):
    bank: str = Field(max_length=64)
    code: str = Field(max_length=32)
    kind: str = Field(max_length=12)
    topic: str = Field(max_length=100)
    difficulty: int | str
    stem: str = Field(max_length=5000)
    options: list[str] = Field(default_factory=list, max_length=8)
    answer: Any
    points: float = 1.0


class ExamIn(BaseModel):
    code: str = Field(max_length=32)
    title: Title
    bank: str = Field(max_length=64)
    blueprint: list[dict[str, Any]]
    time_limit_minutes: int = Field(ge=1, le=600)
    pass_percent: float = Field(default=60.0, gt=0, le=100)
    seed: int | None = None
    certificate_years: int = Field(default=3, ge=1, le=10)
    hours: float = Field(default=0.0, ge=0, le=200)


class ExamOut(RecordOut):
    code: str
    title: str
    bank: str
    blueprint: list[dict[str, Any]]
    time_limit_minutes: int
    pass_percent: float
    seed: int
    status: str


class CandidateIn(BaseModel):
    name: PersonName
    id_number: str = Field(default="", max_length=32)
    user_id: int | None = None
    organization_id: int | None = None


class CandidateOut(RecordOut):
    candidate_no: str
    name: str
    status: str
    deadline_at: dt.datetime | None
    objective_score: float | None
    subjective_score: float | None
    total_score: float | None
    max_score: float | None
    passed: bool | None


class AnswersIn(BaseModel):
    answers: dict[str, Any]  # question id → answer (indices / letters, true/false, text)


class MarkIn(BaseModel):
    points: float = Field(ge=0)
