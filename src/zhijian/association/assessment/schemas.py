"""机构评价 API models."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from zhijian.platform.schemas import RecordOut


class AssessmentIn(BaseModel):
    lab_id: int | None = None  # a lab applies for itself; the secretariat names the lab
    kind: str = "initial"
    scope: str = Field(min_length=2, max_length=4000)


class PlanIn(BaseModel):
    planned_on: dt.date
    team: list[str] = Field(min_length=1)


class ItemIn(BaseModel):
    clause: str = Field(max_length=16)
    result: str
    evidence: str = Field(default="", max_length=4000)
    severity: str | None = None  # for a nonconformity: major | minor
    description: str = Field(default="", max_length=4000)


class FindingAnswerIn(BaseModel):
    corrective_action: str = Field(min_length=2, max_length=4000)


class FindingCloseIn(BaseModel):
    verification: str = Field(min_length=2, max_length=4000)


class DecisionIn(BaseModel):
    grant: bool
    reason: str = Field(min_length=1, max_length=2000)


class AssessmentOut(RecordOut):
    lab_id: int
    kind: str
    status: str
    planned_on: dt.date | None
    assessed_on: dt.date | None
    certificate_no: str | None
    valid_until: dt.date | None


class FindingOut(RecordOut):
    clause: str
    severity: str
    description: str
    due_on: dt.date
    status: str
    corrective_action: str
    verification: str
