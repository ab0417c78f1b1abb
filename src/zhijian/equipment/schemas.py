"""特种设备 API models: what goes in and out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from zhijian.platform.fields import PersonName
from zhijian.platform.schemas import RecordOut


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


class UnitOut(RecordOut):
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


class InspectionOut(RecordOut):
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


class MaintenanceIn(BaseModel):
    """维护保养记录 — by the unit's maintenance company; the worker's 特种设备作业人员证 number is required."""

    maintained_on: dt.date
    kind: str = Field(default="half_month", pattern="^(half_month|quarter|half_year|year|repair)$")
    items: list[str] = Field(default_factory=list, max_length=100)
    worker_name: PersonName
    worker_cert_no: str = Field(min_length=1, max_length=32)
    remarks: str = Field(default="", max_length=4000)


class MaintenanceOut(RecordOut):
    unit_id: int
    maintainer_id: int
    maintained_on: dt.date
    kind: str
    items: list[str]
    worker_name: str
    worker_cert_no: str
    remarks: str
    owner_signed_by: str
    owner_signed_at: dt.datetime | None


class SignIn(BaseModel):
    """使用单位签字确认 — the owner's person who confirms the visit."""

    signed_by: PersonName


class MaintainerIn(BaseModel):
    """维保合同 — the company the owner contracted (None ends the contract)."""

    maintainer_id: int | None


class IncidentIn(BaseModel):
    """困人 (entrapment) / 故障 (fault) / 事故 (accident) — times in ISO 8601 with an offset (or China time)."""

    kind: str = Field(pattern="^(entrapment|fault|accident)$")
    occurred_at: dt.datetime
    called_at: dt.datetime | None = None
    arrived_at: dt.datetime | None = None
    released_at: dt.datetime | None = None
    trapped_people: int = Field(default=0, ge=0, le=10000)
    deaths: int = Field(default=0, ge=0, le=100000)
    serious_injuries: int = Field(default=0, ge=0, le=100000)
    direct_loss_yuan: int = Field(default=0, ge=0, le=10**12)
    evacuated: int = Field(default=0, ge=0, le=10**8)
    explosion: bool = False
    boiler_mw: float = Field(default=0, ge=0, le=100000)
    crane_overturned: bool = False
    crane_structure_failed: bool = False
    stranded_hours: float | None = Field(default=None, ge=0, le=10000)
    cause: str = Field(default="", max_length=300)
    description: str = Field(default="", max_length=4000)


class IncidentOut(RecordOut):
    unit_id: int
    kind: str
    occurred_at: dt.datetime
    reported_at: dt.datetime
    called_at: dt.datetime | None
    arrived_at: dt.datetime | None
    released_at: dt.datetime | None
    trapped_people: int
    deaths: int
    serious_injuries: int
    direct_loss_yuan: int
    level: str | None
    report_due_at: dt.datetime | None
    reported_late: bool
    arrival_minutes: int | None
    arrival_limit_minutes: int | None
    cause: str
    description: str


class WorkerCertIn(BaseModel):
    """特种设备作业人员证 — registered by the employer (or the regulator); validity 4 years unless given."""

    cert_no: str = Field(min_length=1, max_length=32)
    name: PersonName
    item: str = Field(max_length=8)
    employer_id: int | None = None
    issued_on: dt.date
    valid_until: dt.date | None = None
    issuer: str = Field(default="", max_length=100)


class WorkerCertOut(RecordOut):
    cert_no: str
    name: str
    item: str
    employer_id: int | None
    issued_on: dt.date
    valid_until: dt.date
    issuer: str


class LicenceIn(BaseModel):
    """维保单位许可 — registered (or renewed) by the regulator."""

    organization_id: int
    licence_no: str = Field(min_length=1, max_length=40)
    scope: str = Field(default="", max_length=100)
    issued_on: dt.date
    valid_until: dt.date
    issuer: str = Field(default="", max_length=100)
    phone: str = Field(default="", max_length=32)


class LicenceOut(RecordOut):
    organization_id: int
    licence_no: str
    scope: str
    issued_on: dt.date
    valid_until: dt.date
    issuer: str
    phone: str


class ContractIn(BaseModel):
    """维保合同 — the owner contracts a licensed maintenance company for one unit."""

    maintainer_id: int
    starts_on: dt.date
    ends_on: dt.date
    contract_no: str = Field(default="", max_length=64)


class ContractOut(RecordOut):
    unit_id: int
    maintainer_id: int
    contract_no: str
    starts_on: dt.date
    ends_on: dt.date
    terminated_on: dt.date | None = None
    termination_reason: str = ""


class ContractEditIn(BaseModel):
    """Correcting or extending a contract: its number and period (the company stays; a new company is a new
    contract)."""

    starts_on: dt.date
    ends_on: dt.date
    contract_no: str = Field(default="", max_length=64)


class TerminateIn(BaseModel):
    """合同解除 — from which day (within the contract) and why."""

    terminated_on: dt.date
    reason: str = Field(min_length=1, max_length=300)


class InspectionRequestIn(BaseModel):
    """检验申请 — the owner asks one institute to inspect one unit."""

    institute_id: int
    note: str = Field(default="", max_length=300)


class ScheduleIn(BaseModel):
    scheduled_on: dt.date
    note: str = Field(default="", max_length=300)


class InspectionRequestOut(RecordOut):
    unit_id: int
    institute_id: int
    owner_id: int
    status: str
    due_on: dt.date | None = None
    requested_on: dt.date
    scheduled_on: dt.date | None = None
    inspection_id: int | None = None
    note: str


class DeclineIn(BaseModel):
    note: str = Field(min_length=1, max_length=300)
