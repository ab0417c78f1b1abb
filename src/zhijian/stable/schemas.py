"""What goes in and out of the 稳定合格产品 API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from zhijian.platform.schemas import RecordOut, StampedOut

Remark = Annotated[str, Field(min_length=1, max_length=4000)]  # a comment, review, decision or revocation reason


class StrictIn(BaseModel):
    """A request body of this room: unknown fields are refused (422)."""

    model_config = ConfigDict(extra="forbid")


class RuleSetIn(StrictIn):
    """A new rule-set version; criteria are typed (kind + params) and validated by the rule engine."""

    version: int | None = Field(None, description="defaults to the latest version + 1")
    name: str = Field("", max_length=200)
    effective_from: dt.date
    model_similarity: float = 0.85
    digits_must_match: bool = True
    criteria: list[dict[str, Any]] = Field(min_length=1)


class RuleSetOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    version: int
    name: str
    effective_from: dt.date
    data: dict[str, Any]
    created_by: str
    created_at: dt.datetime


class EvaluateIn(StrictIn):
    product_id: int
    as_of: dt.date | None = None


class EvaluationOut(StampedOut):
    product_id: int
    ruleset_version: int
    as_of: dt.date
    outcome: str
    result: dict[str, Any]
    evaluated_by: str


class CandidatesIn(StrictIn):
    category_id: int | None = None
    region: str | None = Field(None, max_length=6)
    as_of: dt.date | None = None


class ApplicationIn(StrictIn):
    product_id: int
    statement: str = Field("", max_length=4000)
    former_names: list[list[str]] = Field(default_factory=list, description="[[brand, model], ...] after a rename")


class ApplicationOut(StampedOut):
    product_id: int
    enterprise_id: int
    source: str
    status: str
    statement: str
    former_names: list[Any]
    evaluation_id: int | None
    reviewer_id: int | None
    recommendation: str | None
    review_comment: str
    decided_by: int | None
    decision: str | None
    decision_reason: str


class CommentIn(StrictIn):
    body: Remark


class CommentOut(StampedOut):
    author: str
    author_role: str
    body: str


class ReviewIn(StrictIn):
    recommendation: Literal["approve", "reject"]
    comment: Remark


class DecisionIn(StrictIn):
    decision: Literal["approved", "rejected"]
    reason: Remark
    override: bool = False


class CommitteeIn(StrictIn):
    user_id: int
    active: bool = True


class AnnouncementOut(BaseModel):
    id: int
    kind: str
    status: str
    label: str
    year: int | None
    number: int | None
    title: str
    body: str
    valid_from: dt.date | None
    valid_until: dt.date | None
    published_at: dt.datetime | None
    items: list[ListingOut] = Field(default_factory=list)


class PublishIn(StrictIn):
    title: str | None = Field(None, max_length=200)
    body: str | None = Field(None, max_length=8000)
    valid_years: int = Field(3, ge=1, le=10)


class ListingOut(RecordOut):
    product_id: int
    enterprise_id: int
    certificate_no: str
    status: str
    state: str = ""
    enterprise_name: str
    product_name: str
    brand: str
    model: str
    category_name: str
    basis: str
    ruleset_version: int | None
    valid_from: dt.date | None
    valid_until: dt.date | None
    flagged: bool
    flag_reason: str
    revocation_reason: str


class ReasonIn(StrictIn):
    reason: Remark


class VerificationOut(BaseModel):
    certificate_no: str
    state: str
    state_zh: str
    reason: str
    enterprise: str
    product: str
    brand: str
    model: str
    category: str
    valid_from: dt.date | None
    valid_until: dt.date | None
    announcement_no: str | None
    revocation_announcement_no: str | None
    revoked_at: dt.datetime | None
    flagged_at: dt.datetime | None


AnnouncementOut.model_rebuild()
