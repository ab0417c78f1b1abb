"""特种设备 API models: what goes in and out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class UnitIn(BaseModel):
    """使用登记 — registering a unit (the 设备代码 and the variety are checked by the rules)."""

    code: str = Field(max_length=18)
    variety: str = Field(max_length=4)
    owner_id: int
    region_code: str = Field(max_length=6)
    address: str = Field(default="", max_length=300)
    registration_no: str = Field(default="", max_length=40)
    manufacturer: str = Field(default="", max_length=200)
    installer: str = Field(default="", max_length=200)
    model: str = Field(default="", max_length=100)
    maintainer_id: int | None = None
    commissioned_on: dt.date | None = None
    safety_grade: int | None = Field(default=None, ge=1, le=5)
    last_inspection_on: dt.date | None = None
    params: dict[str, Any] = Field(default_factory=dict)


class UnitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    registration_no: str
    category: str
    variety: str
    owner_id: int
    maintainer_id: int | None
    region_code: str
    address: str
    manufacturer: str
    installer: str
    model: str
    params: dict[str, Any]
    status: str
    commissioned_on: dt.date | None
    safety_grade: int | None
    last_inspection_on: dt.date | None
    next_due_on: dt.date | None
    due_rule: str


class StatusIn(BaseModel):
    status: str = Field(max_length=16)
    reason: str = Field(default="", max_length=300)
    document: str = Field(default="", max_length=200)


class InspectionIn(BaseModel):
    """检验报告 — conclusion 合格 / 复检合格 / 不合格 / 整改后合格 (Chinese or the English keys)."""

    report_no: str = Field(min_length=1, max_length=64)
    inspected_on: dt.date
    conclusion: str = Field(max_length=32)
    kind: str = Field(default="periodic", pattern="^(periodic|reinspection)$")
    safety_grade: int | None = Field(default=None, ge=1, le=5)
    defects: str = Field(default="", max_length=4000)
    institute_id: int | None = None


class InspectionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    unit_id: int
    institute_id: int
    report_no: str
    kind: str
    inspected_on: dt.date
    conclusion: str
    safety_grade: int | None
    defects: str


class DueOut(BaseModel):
    code: str
    due_on: dt.date | None
    state: str
    rule: str
    source: str
    explanation: str
    table_version: str


class DueItem(BaseModel):
    id: int
    code: str
    variety: str
    owner_id: int
    region_code: str
    address: str
    status: str
    next_due_on: dt.date | None
    state: str


class ImportOut(BaseModel):
    imported: int
