"""活动 API models."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from zhijian.platform.schemas import RecordOut


class CampaignIn(BaseModel):
    kind: str
    year: int = Field(ge=2000, le=2100)
    theme: str = Field(min_length=2, max_length=300)


class EventIn(BaseModel):
    title: str = Field(min_length=2, max_length=200)
    province: str = Field(max_length=6)
    city: str = Field(default="", max_length=64)
    venue: str = Field(default="", max_length=200)
    held_on: dt.date
    capacity: int = Field(ge=1, le=100000)
    description: str = Field(default="", max_length=4000)


class RegistrationIn(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    phone: str = Field(min_length=5, max_length=20)
    organization: str = Field(default="", max_length=200)


class NoticeIn(BaseModel):
    campaign_code: str | None = None
    kind: str = "news"
    title: str = Field(min_length=2, max_length=200)
    body: str = Field(min_length=2, max_length=20000)


class ReviewIn(BaseModel):
    approve: bool
    note: str = Field(default="", max_length=2000)


class CampaignOut(RecordOut):
    code: str
    kind: str
    year: int
    theme: str
    starts_on: dt.date
    ends_on: dt.date
    status: str


class EventOut(RecordOut):
    title: str
    province: str
    city: str
    held_on: dt.date
    capacity: int
    registered: int


class NoticeOut(RecordOut):
    kind: str
    title: str
    status: str
    author: str
    reviewer: str
    published_at: dt.datetime | None
