"""API shapes of the risk room."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from zhijian.platform.fields import Title
from zhijian.platform.schemas import RecordOut, StampedOut

Level = Literal["serious", "high", "medium", "low"]
SignalKind = Literal["rate", "enterprise", "count"]

# Safety Gate notification fields (where they apply), with their Chinese labels; the order is the display order.
ALERT_FIELDS: dict[str, str] = {
    "product": "产品名称",
    "brand": "品牌",
    "model": "型号规格",
    "batch": "批次",
    "barcode": "条码（GTIN）",
    "category": "产品类别",
    "description": "产品描述",
    "hazard": "危害类型",
    "risk_description": "风险描述",
    "standards_not_met": "不符合的标准或要求",
    "origin": "产地",
    "enterprise_name": "生产者",
    "measures": "已采取的措施",
    "measures_by": "措施实施方",
    "notifying_authority": "通报机关",
    "internal_note": "内部说明",
    "evidence": "依据（检验报告、投诉）",
    "enterprise_contact": "企业联系方式",
}
DEFAULT_PUBLIC = ["product", "brand", "model", "batch", "barcode", "category", "description", "hazard",
                  "risk_description", "standards_not_met", "origin", "enterprise_name", "measures", "measures_by",
                  "notifying_authority"]
MEASURES = {"withdrawal": "下架（从市场撤回）", "recall": "召回（从消费者处收回）", "warning": "风险警示",
            "stop_sale": "停止销售", "destruction": "销毁", "import_rejected": "拒绝进口", "modification": "整改"}


class SignalReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["confirmed", "false_alarm", "open"]
    note: str = Field("", max_length=500)


class SignalOut(StampedOut):
    kind: str
    method: str
    series_key: str
    series_label: str
    period: str
    category_id: int | None
    region_code: str | None
    enterprise_id: int | None
    product_id: int | None
    params: dict[str, Any]
    expected: float | None
    observed: float
    threshold: float | None
    score: float | None
    p_value: float | None
    evidence: dict[str, Any]
    sampling_basis: str
    status: str
    reviewed_by: str | None
    reviewed_at: dt.datetime | None
    review_note: str


class SeriesConfigIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: SignalKind
    series_key: str = Field("*", max_length=64, description='"*" = default for the kind; or e.g. "cat:12|reg:330000"')
    label: str = Field("", max_length=200)
    methods: list[str] = Field(default_factory=list, description="empty = the kind's default methods")
    params: dict[str, Any] = Field(default_factory=dict)
    enabled: bool = True


class SeriesConfigOut(SeriesConfigIn):
    model_config = ConfigDict(from_attributes=True)
    id: int


class ScanOut(RecordOut):
    """One scan's counts as the reader may see them (管辖): a regional regulator's division only."""

    started_at: dt.datetime
    finished_at: dt.datetime | None
    n_results: int | None = Field(description="final spot-check batches read (a regional reader: those of its "
                                  "division); null for a scan stored before inputs were counted by region")
    n_complaints: int | None = Field(description="complaints and reports read (a regional reader: those of its "
                                     "division); null for a scan stored before inputs were counted by region")
    n_signals: int = Field(description="new signals (a regional reader: those within its division)")
    seconds: float


class StepIn(BaseModel):
    description: str = ""
    probability: float | str


class ScenarioIn(BaseModel):
    description: str = ""
    consumer: Literal["others", "vulnerable", "very_vulnerable"] = "others"
    severity: int = Field(ge=1, le=4)
    steps: list[StepIn] = Field(min_length=1)


class AssessmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    product: Title
    product_id: int | None = None
    signal_id: int | None = None
    hazard: str = Field("", max_length=200)
    scenarios: list[ScenarioIn] = Field(min_length=1)
    presumed_serious: list[str] = Field(default_factory=list)
    units_in_use: int | None = Field(None, ge=1)
    exposure_adjustment: bool = Field(False, description="optional; NOT part of the EU method, off by default")


class AssessmentOut(StampedOut):
    product_name: str
    product_id: int | None
    signal_id: int | None
    hazard: str
    risk_level: str
    result: dict[str, Any]
    assessor: str


class AlertIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Title
    risk_level: Level
    fields: dict[str, Any] = Field(default_factory=dict)
    public_fields: list[str] | None = None  # None = the default public set
    enterprise_ids: list[int] = Field(default_factory=list)
    regulator_emails: list[str] = Field(default_factory=list)
    signal_id: int | None = None
    assessment_id: int | None = None


class AlertOut(RecordOut):
    ref: str
    title: str
    risk_level: str
    fields: dict[str, Any]
    public_fields: list[str]
    enterprise_ids: list[int]
    signal_id: int | None
    assessment_id: int | None
    status: str
    published_at: dt.datetime | None
    mailed_at: dt.datetime | None


class AlertPublicOut(BaseModel):
    ref: str
    title: str
    risk_level: str
    published_at: dt.datetime | None
    fields: dict[str, Any]


class LotIn(BaseModel):
    gtin: str | None = Field(None, max_length=14)
    lot: str = Field(min_length=1, max_length=20)
    product_id: int | None = None
    units: int | None = Field(None, ge=0)


class RecallIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enterprise_id: int
    title: Title
    product_ids: list[int] = Field(default_factory=list)
    lots: list[LotIn] = Field(default_factory=list)
    reason: str = Field(min_length=1)
    hazard: str = Field("", max_length=200)
    risk_level: Level
    plan: str = ""
    remedy: str = Field("", max_length=200)
    started_on: dt.date
    units_total: int = Field(ge=0)
    report_every_days: int = Field(30, ge=1, le=365)
    alert_id: int | None = None


class RecallReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reported_on: dt.date
    units_recovered: int = Field(ge=0)
    note: str = Field("", max_length=500)


class RecallCloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    closed_on: dt.date
    summary: str = Field(min_length=1)


class RecallReportOut(RecordOut):
    reported_on: dt.date
    units_recovered: int
    note: str
    reported_by: str


class RecallOut(RecordOut):
    ref: str
    enterprise_id: int
    title: str
    product_ids: list[int]
    lots: list[dict[str, Any]]
    reason: str
    hazard: str
    risk_level: str
    plan: str
    remedy: str
    started_on: dt.date
    units_total: int
    report_every_days: int
    status: str
    closed_on: dt.date | None
    summary: str
    reports: list[RecallReportOut]
    units_recovered: int = 0
    next_report_due: dt.date | None = None
    overdue: bool = False


class MethodPerformance(BaseModel):
    method: str
    method_zh: str
    signals: int
    open: int
    confirmed: int
    false_alarm: int
    ppv: float | None = Field(None, description="confirmed / (confirmed + false alarm); None before any review")
