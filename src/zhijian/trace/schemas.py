"""What goes in and out of the trace API (the EPCIS endpoints speak the standard's JSON-LD instead)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class IssueIn(BaseModel):
    """赋码申请 — codes for one product lot (the API issues up to 100 000 at a time; the CLI streams more)."""

    product_id: int
    lot: str = Field(min_length=1, max_length=20)
    quantity: int = Field(ge=1, le=100_000)
    expiry: dt.date | None = None
    production_date: dt.date | None = None
    sales_regions: list[str] = Field(default_factory=list)
    with_pin: bool = False
    freeze_threshold: int = Field(10, ge=0, le=1000)
    compressed_qr: bool = False  # the label PDF's QR codes carry the compressed Digital Link (GS1 DL 1.1 §8)


class BatchOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    enterprise_id: int
    product_id: int
    gtin: str
    lot: str
    quantity: int
    expiry: dt.date | None
    production_date: dt.date | None
    sales_regions: list[str]
    key_version: int
    freeze_threshold: int
    with_pin: bool
    compressed_qr: bool
    status: str
    created_at: dt.datetime


class CodeChangeIn(BaseModel):
    gtin: str
    action: Literal["void", "freeze", "unfreeze"]
    serial: str | None = Field(None, max_length=20)
    lot: str | None = Field(None, max_length=20)
    reason: str = Field("", max_length=500)


class CountOut(BaseModel):
    changed: int


class RecallIn(BaseModel):
    gtin: str
    lot: str = Field(min_length=1, max_length=20)
    recall_ref: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=1, max_length=500)
    risk_level: str = Field("", max_length=16)
    started_on: dt.date | None = None


class RecallOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    enterprise_id: int | None
    gtin: str
    lot: str
    recall_ref: str
    reason: str
    risk_level: str
    started_on: dt.date
    total_units: int
    status: str


class SignalOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    enterprise_id: int | None
    gtin: str | None
    lot: str | None
    serial: str | None
    client: str | None
    evidence: dict[str, Any]
    status: str
    created_at: dt.datetime


class SignalPatch(BaseModel):
    status: Literal["open", "confirmed", "dismissed"]


class ScanOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    scanned_at: dt.datetime
    city: str | None
    lat: float | None
    lon: float | None
    answer: str


class KeyRotateIn(BaseModel):
    enterprise_id: int


class KeyOut(BaseModel):
    enterprise_id: int
    version: int
