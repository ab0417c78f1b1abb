"""团体标准 API models."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from zhijian.catalog.schemas import IndicatorIn
from zhijian.platform.schemas import RecordOut


class ProposalIn(BaseModel):
    title: str = Field(min_length=2, max_length=200)
    title_en: str = Field(default="", max_length=300)
    scope: str = Field(min_length=2, max_length=4000)
    reason: str = Field(min_length=2, max_length=4000)
    proposer_id: int | None = None


class ProjectDecisionIn(BaseModel):
    approve: bool
    reason: str = Field(min_length=1, max_length=2000)
    drafting_units: list[str] = Field(default_factory=list)
    drafters: list[str] = Field(default_factory=list)
    ics: str = Field(default="", max_length=16)
    ccs: str = Field(default="", max_length=16)


class DraftIn(BaseModel):
    stage: str = "working"
    clauses: list[dict[str, str]]
    note: str = Field(default="", max_length=2000)
    indicators: list[IndicatorIn] | None = None


class CommentPeriodIn(BaseModel):
    start: dt.date | None = None
    days: int = 30


class CommentIn(BaseModel):
    clause_no: str = Field(min_length=1, max_length=32)
    commenter: str = Field(default="", max_length=100)
    organization: str = Field(default="", max_length=200)
    text: str = Field(min_length=1, max_length=4000)
    proposal: str = Field(default="", max_length=4000)


class DispositionIn(BaseModel):
    disposition: str
    reason: str = Field(default="", max_length=2000)


class VoteIn(BaseModel):
    expert: str = Field(min_length=1, max_length=100)
    affiliation: str = Field(default="", max_length=200)
    vote: str
    comment: str = Field(default="", max_length=2000)


class PublishIn(BaseModel):
    published_on: dt.date | None = None
    implemented_on: dt.date | None = None


class ReviewIn(BaseModel):
    outcome: str  # confirmed | revise | withdraw
    reason: str = Field(min_length=1, max_length=2000)


class AmendmentIn(BaseModel):
    text: str = Field(min_length=1, max_length=8000)
    effective_on: dt.date | None = None


class StandardOut(RecordOut):
    title: str
    status: str
    project_no: str | None
    number: str | None
    comment_from: dt.date | None
    comment_until: dt.date | None
    published_on: dt.date | None
    implemented_on: dt.date | None
    next_review_on: dt.date | None
    indicators: list[dict[str, Any]]
    amendments: list[dict[str, Any]]


class WithdrawIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)
