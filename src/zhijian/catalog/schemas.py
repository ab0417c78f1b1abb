"""API shapes of the catalog."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from zhijian.platform.fields import Title
from zhijian.platform.identity.schemas import TokenOut, UserIn, UserOut
from zhijian.platform.pagination import Limit, PageOut
from zhijian.platform.schemas import RecordOut

# PageOut/Limit (platform.pagination) and the user shapes (platform.identity) stay importable from here.
__all__ = ["CategoryIn", "CategoryOut", "CategoryPatch", "IndicatorIn", "IndicatorOut", "Limit", "OrgKind",
           "OrganizationIn", "OrganizationOut", "OrganizationPatch", "PageOut", "ProductIn", "ProductOut",
           "ProductPatch", "ReqKind", "StandardIn", "StandardOut", "StandardPatch", "TokenOut", "UserIn", "UserOut"]

OrgKind = Literal["enterprise", "lab", "regulator", "association"]
ReqKind = Literal["max", "min", "range", "equals", "not_detected", "text"]


class OrganizationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: OrgKind
    name: Title
    uscc: str | None = Field(None, description="统一社会信用代码 (GB 32100-2015)")
    region_code: str = Field(description="GB/T 2260 行政区划代码")
    address: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    email: str | None = None
    cma_number: str | None = None
    cnas_number: str | None = None
    level: Literal["national", "provincial", "municipal", "county"] | None = None


class OrganizationPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Title | None = None
    uscc: str | None = None
    region_code: str | None = None
    address: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    email: str | None = None
    cma_number: str | None = None
    cnas_number: str | None = None
    level: Literal["national", "provincial", "municipal", "county"] | None = None


class OrganizationOut(RecordOut):
    kind: str
    name: str
    uscc: str | None
    region_code: str
    region_name: str = ""
    address: str
    cma_number: str | None
    cnas_number: str | None
    level: str | None
    credit_class: str | None


class CategoryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=100)
    name_en: str = ""
    parent_id: int | None = None
    requires_ccc: bool = False


class CategoryPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = None
    name_en: str | None = None
    requires_ccc: bool | None = None


class CategoryOut(RecordOut):
    code: str
    name: str
    name_en: str
    parent_id: int | None
    path: str
    requires_ccc: bool


class ProductIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Title
    brand: str = Field("", max_length=100)
    model: str = Field("", max_length=100, description="型号规格")
    category_id: int
    enterprise_id: int
    gtin: str | None = None
    description: str = ""
    is_public: bool = True


class ProductPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Title | None = None
    brand: str | None = None
    model: str | None = None
    category_id: int | None = None
    gtin: str | None = None
    description: str | None = None
    is_public: bool | None = None


class ProductOut(RecordOut):
    name: str
    brand: str
    model: str
    category_id: int
    enterprise_id: int
    gtin: str | None
    description: str
    is_public: bool


class IndicatorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Title
    unit: str = ""
    requirement_kind: ReqKind
    lower: float | None = None
    upper: float | None = None
    lower_inclusive: bool = True
    upper_inclusive: bool = True
    text: str = ""
    mandatory: bool = True
    is_safety: bool = False
    method_standard: str = ""


class IndicatorOut(IndicatorIn):
    model_config = ConfigDict(from_attributes=True, extra="ignore")
    id: int
    position: int


class StandardIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=2, max_length=64, description='e.g. "GB 2762-2022"')
    title: str = Field(min_length=1, max_length=300)
    kind: Literal["GB", "GB/T", "industry", "group", "enterprise", "local", "international"] | None = None
    status: Literal["current", "abolished", "upcoming"] = "current"
    issued_on: dt.date | None = None
    effective_on: dt.date | None = None
    abolished_on: dt.date | None = None
    category_id: int | None = None
    organization_id: int | None = None
    comparison_method: Literal["full", "rounded"] = "full"
    indicators: list[IndicatorIn] = []


class StandardPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str | None = None
    status: Literal["current", "abolished", "upcoming"] | None = None
    issued_on: dt.date | None = None
    effective_on: dt.date | None = None
    abolished_on: dt.date | None = None
    category_id: int | None = None
    comparison_method: Literal["full", "rounded"] | None = None
    indicators: list[IndicatorIn] | None = None


class StandardOut(RecordOut):
    code: str
    title: str
    kind: str
    status: str
    issued_on: dt.date | None
    effective_on: dt.date | None
    abolished_on: dt.date | None
    category_id: int | None
    organization_id: int | None
    comparison_method: str
    indicators: list[IndicatorOut]
