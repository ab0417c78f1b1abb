"""API shapes of the consumer room."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from zhijian.catalog.schemas import IndicatorIn
from zhijian.platform.schemas import RecordOut

Kind = Literal["complaint", "report"]
RequestKind = Literal["refund", "replacement", "repair", "compensation", "other"]
# the constrained texts several shapes share: what a submission states, and the public lookup of a case
Facts = Annotated[str, Field(min_length=1, max_length=5000)]  # facts, a summary, a reply
TrackingNo = Annotated[str, Field(min_length=4, max_length=24)]
CheckCode = Annotated[str, Field(min_length=4, max_length=16)]
Contact = Annotated[str, Field(min_length=3, max_length=254)]  # an e-mail address or a mobile number


# ---------------------------------------------------------------- complaints and reports
class ComplaintIn(BaseModel):
    """投诉 needs name, phone, address, respondent, facts and a request; 举报 may be anonymous."""

    model_config = ConfigDict(extra="forbid")
    kind: Kind = "complaint"
    channel: Literal["web", "phone", "letter", "visit", "12315"] = "web"
    complainant_name: str = Field("", max_length=64)
    complainant_phone: str = Field("", max_length=32)
    complainant_address: str = Field("", max_length=300)
    complainant_region: str | None = Field(None, description="GB/T 2260 行政区划代码")
    anonymous: bool = False
    respondent_id: int | None = None
    respondent_name: str = Field("", max_length=200)
    respondent_address: str = Field("", max_length=300)
    product_id: int | None = None
    product_text: str = Field("", max_length=200)
    category_id: int | None = None
    purchase_date: dt.date | None = None
    purchase_place: str = Field("", max_length=200)
    facts: Facts
    requests: list[RequestKind] = []
    request_amount: float | None = Field(None, ge=0)
    received_on: dt.date | None = Field(None, description="staff entering a phone/letter case; default today")
    respondent_uscc: str | None = Field(None, max_length=18, description="被投诉人统一社会信用代码, if known")
    knew_on: dt.date | None = Field(None, description="when the consumer knew of the infringement (Art. 15(4))")
    contact_email: str | None = Field(None, max_length=254)
    contact_token: str | None = Field(None, max_length=100, description="token from verifying contact_email")
    also_report: str = Field("", max_length=5000, description="Art. 7: the report part of the same submission")


class ComplaintCreated(BaseModel):
    id: int
    kind: str
    tracking_no: str
    check_code: str = Field(description="shown once: keep it to follow the case without an account")
    state: str
    clock: dict[str, Any]


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: Literal["accepted", "rejected", "forwarded", "mediating", "decided", "closed"]
    on: dt.date | None = None
    note: str = Field("", max_length=2000)
    reason: str = Field("", max_length=500, description="不予受理的理由 (rejected)")
    outcome: Literal["agreement", "no_agreement", "withdrawn", "terminated", "resolved_by_enterprise"] | None = None
    agreement: str = Field("", max_length=5000)
    justified: bool | None = None
    compensation_agreed: float | None = Field(None, ge=0)
    decision: Literal["filed", "not_filed"] | None = None
    reason_code: str | None = Field(None, max_length=32, description="不予受理 ground (Order 20 Art. 15), see /complaint-grounds")
    termination_code: str | None = Field(None, max_length=32, description="终止调解 ground (Order 20 Art. 21)")


class MediationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    held_on: dt.date
    place: str = Field("", max_length=200)
    participants: str = Field("", max_length=500)
    summary: Facts


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: Facts


class PauseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    on: dt.date
    reason: str = Field("检测", max_length=200)


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: float = Field(gt=0)
    paid_on: dt.date


class TrackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tracking_no: TrackingNo
    check_code: CheckCode


class DeadlinesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    accept: int | None = None
    mediation: int | None = None
    verify: int | None = None
    verify_extension: int | None = None
    notify: int | None = None
    enterprise: int | None = None


# ---------------------------------------------------------------- credit
class PenaltyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enterprise_id: int
    decision_no: str = Field(min_length=2, max_length=64)
    decided_on: dt.date
    authority: str = Field("", max_length=200)
    severity: Literal["minor", "general", "serious"] = "general"
    reason: str = Field("", max_length=500)
    amount: float | None = Field(None, ge=0)


class SalesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    year: int = Field(ge=2000, le=2100)
    sales_10m_yuan: float = Field(gt=0, description="annual sales in 1 000 万元")


class RecomputeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enterprise_ids: list[int] | None = None
    as_of: dt.date | None = None


class CreditOut(BaseModel):
    enterprise_id: int
    enterprise_name: str = ""
    as_of: dt.date
    score: float
    credit_class: str
    previous_class: str | None
    model_version: str
    breakdown: list[dict[str, Any]]
    caps: list[str]
    cap_reasons: list[dict[str, Any]] = []  # the caps as reason codes (consumer.rules.reasons); [] on older rows
    sources: list[str]
    computed_at: dt.datetime


# ---------------------------------------------------------------- certificates
class BodyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=2, max_length=200)
    approval_no: str = Field("", max_length=64)
    accredited: bool = True
    kinds: list[str] = []


class CertificateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    number: str = Field(min_length=4, max_length=64)
    kind: Literal["CCC", "CQC", "ISO9001", "ISO14001", "ISO45001", "organic", "green_food", "energy", "other"]
    holder_name: str = Field(min_length=2, max_length=200)
    holder_uscc: str | None = None
    scope: str = Field("", max_length=500)
    products_text: str = Field("", max_length=500)
    product_ids: list[int] = []
    body_name: str = Field(min_length=2, max_length=200)
    issued_on: dt.date | None = None
    valid_until: dt.date | None = None
    status: Literal["valid", "suspended", "withdrawn", "expired", "cancelled"] = "valid"
    status_reason: str = ""
    status_on: dt.date | None = None
    applicant_name: str = Field("", max_length=200, description="认证委托人")
    producer_name: str = Field("", max_length=200, description="生产者（制造商）")
    factory_name: str = Field("", max_length=200, description="生产企业（工厂）")
    register: str = Field("", max_length=100, description="the authority's register the entry came from")
    refreshed_at: dt.datetime | None = None


class CertificateStatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["valid", "suspended", "withdrawn", "expired", "cancelled"]
    reason: str = Field("", max_length=300)


class CertificateOut(RecordOut):
    number: str
    kind: str
    holder_id: int | None
    holder_name: str
    holder_uscc: str | None
    scope: str
    products_text: str
    product_ids: list[int]
    body_name: str
    issued_on: dt.date | None
    valid_until: dt.date | None
    status: str
    effective_status: str = ""
    status_reason: str


class VerificationOut(BaseModel):
    number: str
    valid: bool
    verdict_zh: str
    status: str | None
    findings: list[dict[str, Any]]
    certificate: dict[str, Any] | None


# ---------------------------------------------------------------- enterprise standard declarations
class DeclarationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enterprise_id: int
    category_id: int
    standard_id: int | None = Field(None, description="an existing Q/… or T/… standard; or give code+title+indicators")
    code: str | None = Field(None, max_length=64, description='e.g. "Q/HZKB 0001S-2025"')
    title: str | None = Field(None, max_length=300)
    indicators: list[IndicatorIn] = []
    products_text: str = Field("", max_length=300)
    product_ids: list[int] = []
    declared_on: dt.date | None = None
    national_codes: list[str] | None = Field(None, description="national standards to check against; default: "
                                             "the current mandatory GB standards of the category")


class DeclarationOut(BaseModel):
    id: int
    enterprise_id: int
    enterprise_name: str
    standard_id: int
    standard_code: str
    standard_title: str
    category_id: int
    category_name: str
    products_text: str
    declared_on: dt.date
    status: str
    national_codes: list[str]
    overall: str
    overall_zh: str
    check: dict[str, Any]


# ---------------------------------------------------------------- comparative tests
class RequirementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["max", "min", "range"]
    lower: float | None = None
    upper: float | None = None
    text: str = ""


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_]+$")
    name: str = Field(min_length=1, max_length=100)
    unit: str = Field("", max_length=32)
    weight: float = Field(ge=0)
    higher_is_better: bool = True
    requirement: RequirementIn | None = None


class SampleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    brand: str = Field(min_length=1, max_length=100)
    model: str = Field("", max_length=100)
    enterprise_name: str = Field("", max_length=200)
    product_id: int | None = None
    price: float | None = Field(None, ge=0)
    results: dict[str, float | None]


class ComparativeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=2, max_length=200)
    product_type: str = Field(min_length=1, max_length=100)
    category_id: int | None = None
    organizer: str = Field("", max_length=200)
    lab_name: str = Field("", max_length=200)
    tested_on: dt.date | None = None
    method: str = Field("", max_length=5000)
    items: list[ItemIn] = Field(min_length=1)
    samples: list[SampleIn] = Field(min_length=2)


# ---------------------------------------------------------------- issue 15: enterprise path, procedure, conveniences
class AssignIn(BaseModel):
    """指定承办人 (issue 13): the regulator user in charge of a case; null clears it."""

    model_config = ConfigDict(extra="forbid")
    assignee_user_id: int | None = Field(None, ge=1)


class LinkIn(BaseModel):
    """Link (or re-link) a complaint's respondent to a registered enterprise (staff)."""

    model_config = ConfigDict(extra="forbid")
    enterprise_id: int
    note: str = Field("", max_length=500)


class EnterpriseResponseIn(BaseModel):
    """The enterprise's answer to a forwarded complaint: answer, settlement proposal, or declined with reasons."""

    model_config = ConfigDict(extra="forbid")
    response: Literal["answer", "settlement", "decline"]
    text: Facts
    amount: float | None = Field(None, ge=0, description="settlement: the amount offered (元)")


class ConsumerResponseIn(BaseModel):
    """The complainant, by tracking number and check code, accepts the enterprise's answer or asks for mediation."""

    model_config = ConfigDict(extra="forbid")
    tracking_no: TrackingNo
    check_code: CheckCode
    response: Literal["accept", "mediation"]
    note: str = Field("", max_length=1000)


class ConsentIn(BaseModel):
    """Art. 16: a party's consent to (or refusal of) mediation."""

    model_config = ConfigDict(extra="forbid")
    party: Literal["complainant", "respondent"]
    consent: bool
    note: str = Field("", max_length=500)


class LeadIn(BaseModel):
    """Art. 23: a violation lead found during mediation, handed to the report procedure."""

    model_config = ConfigDict(extra="forbid")
    facts: Facts
    found_on: dt.date | None = None


class SplitIn(BaseModel):
    """Art. 7: the report part of a submission that is also a complaint."""

    model_config = ConfigDict(extra="forbid")
    facts: Facts


class CaseExtensionIn(BaseModel):
    """An extension of a filed case's 90-day period (《市场监督管理行政处罚程序规定》)."""

    model_config = ConfigDict(extra="forbid")
    days: int = Field(ge=1, le=365)
    approved_by: str = Field(min_length=1, max_length=100)
    reason: str = Field(min_length=1, max_length=500)
    collective: bool = False


class GuidanceIn(BaseModel):
    """赔偿测算 inputs (消法 Art. 55, 食安法 Art. 148); `record` stores the guidance on the case for the agreement."""

    model_config = ConfigDict(extra="forbid")
    price: float = Field(ge=0)
    loss: float = Field(0, ge=0)
    fraud: bool = False
    food: bool = False
    unsafe_food: bool = False
    producer_or_knowing_seller: bool = True
    label_flaw_only: bool = False
    record: bool = False


class CodeRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: Literal["email", "sms"] = "email"
    contact: Contact


class CodeVerifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    contact: Contact
    code: str = Field(min_length=4, max_length=8)


class SatisfactionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tracking_no: TrackingNo
    check_code: CheckCode
    score: int = Field(ge=1, le=5)
    note: str = Field("", max_length=500)
