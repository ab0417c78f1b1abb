"""会员 API models."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from zhijian.platform.schemas import RecordOut


class ApplicationIn(BaseModel):
    kind: str = "unit"  # unit | individual
    organization_id: int | None = None  # the secretariat names it; a unit's user applies for his own
    name: str = Field(default="", max_length=200)  # an individual's name
    member_class: str = "member"
    statement: str = Field(default="", max_length=4000)
    directory_visible: bool = False
    directory_fields: dict[str, Any] = Field(default_factory=dict)


class DecisionIn(BaseModel):
    approve: bool
    member_class: str | None = None
    reason: str = Field(default="", max_length=2000)


class PaymentIn(BaseModel):
    paid_on: dt.date | None = None
    payment_ref: str = Field(default="", max_length=64)


class DocumentIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=20000)
    members_only: bool = True


class MemberOut(RecordOut):
    kind: str
    organization_id: int | None
    name: str
    member_no: str | None
    member_class: str
    status: str
    joined_on: dt.date | None
    directory_visible: bool


class DuesOut(RecordOut):
    member_id: int
    year: int
    member_class: str
    amount: float
    invoice_no: str
    status: str
    due_on: dt.date
    paid_on: dt.date | None
