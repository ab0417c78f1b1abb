"""综合执法 API models: what goes in and out (amounts in yuan; the service keeps fen)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from zhijian.platform.fields import PersonName, Prose, Title
from zhijian.platform.schemas import RecordOut

Officers = list[str]


class OfficerIn(BaseModel):
    name: PersonName
    cert_no: str = Field(max_length=24)
    organ_id: int | None = None
    user_id: int | None = None


class OfficerOut(RecordOut):
    organ_id: int
    name: str
    cert_no: str
    active: bool


class FactsIn(BaseModel):
    """What the officer establishes (货值金额, 违法所得, 销售金额 in yuan) and the circumstances (codes of the catalogue)."""

    goods_value: Decimal = Field(default=Decimal(0), ge=0, le=Decimal("1e12"))
    illegal_income: Decimal = Field(default=Decimal(0), ge=0, le=Decimal("1e12"))
    sales_amount: Decimal = Field(default=Decimal(0), ge=0, le=Decimal("1e12"))
    circumstances: list[str] = Field(default_factory=list, max_length=20)
    natural_person: bool = False
    first_offence: bool = False
    minor_harm: bool = False
    corrected: bool = False
    serious: bool = False


class LeadIn(BaseModel):
    source: str = Field(default="manual", max_length=16)
    source_ref: str = Field(default="", max_length=64)
    source_link: str = Field(default="", max_length=300)
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=8000)
    party_id: int | None = None
    party_name: str = Field(default="", max_length=200)
    party_uscc: str = Field(default="", max_length=18)
    product_id: int | None = None
    gtin: str = Field(default="", max_length=14)
    region_code: str = Field(default="", max_length=6)
    received_on: dt.date | None = None


class LeadOut(RecordOut):
    source: str
    source_ref: str
    source_link: str
    title: str
    party_id: int | None
    party_name: str
    region_code: str
    received_on: dt.date
    verify_due_on: dt.date
    verify_provisional: bool
    extended: bool
    state: str
    decided_on: dt.date | None
    decision_reason: str
    case_id: int | None
    gtin: str


class LeadDecisionIn(BaseModel):
    reason: str = Field(default="", max_length=4000)
    organ_id: int | None = None
    on: dt.date | None = None


class ReasonIn(BaseModel):
    reason: str = Field(default="", max_length=4000)


class ExcludeIn(BaseModel):
    kind: str = Field(max_length=16)
    start: dt.date
    end: dt.date
    reason: str = Field(default="", max_length=300)


class FileIn(BaseModel):
    """立案 — approved by the organ's 负责人 (approver), two officers assigned (程序规定 第二十条)."""

    lead_id: int | None = None
    organ_id: int | None = None
    title: str = Field(default="", max_length=300)
    party_id: int | None = None
    party_name: str = Field(default="", max_length=200)
    party_natural: bool = False
    party_persons: list[str] = Field(default_factory=list, max_length=10)
    region_code: str = Field(default="", max_length=6)
    violation_code: str = Field(default="", max_length=16)
    facts_text: str = Field(default="", max_length=8000)
    approver: str = Field(min_length=1, max_length=128)
    officers: Officers
    on: dt.date | None = None
    gtin: str = Field(default="", max_length=14)


class StepIn(BaseModel):
    officers: Officers
    on: dt.date | None = None
    note: str = Field(default="", max_length=8000)


class EvidenceOut(RecordOut):
    seq: int
    kind: str
    description: str
    filename: str
    size: int
    file_hash: str
    hash: str
    collected_at: str


class SeizureIn(StepIn):
    kind: str = Field(default="seal", pattern="^(seal|seize)$")
    items: Prose


class ExtensionIn(BaseModel):
    days: int = Field(ge=1, le=365)
    approver: str = Field(min_length=1, max_length=128)
    reason: Prose
    collective: bool = False
    on: dt.date | None = None


class ReviewIn(StepIn):
    violation_code: str = Field(max_length=16)
    facts: FactsIn
    proposed_fine: Decimal = Field(ge=0, le=Decimal("1e12"))
    measures: list[str] = Field(default_factory=list, max_length=10)
    major_public_interest: bool = False
    complex_case: bool = False
    opinion: str = Field(default="", max_length=8000)


class LegalReviewIn(BaseModel):
    """法制审核 (《行政处罚法》第五十八条) by the organ's legal-review staff (not the case officers)."""

    reviewer: str = Field(min_length=1, max_length=128)
    opinion: str = Field(min_length=1, max_length=8000)
    on: dt.date | None = None


class NotifyIn(StepIn):
    served_on: dt.date


class ResponseIn(BaseModel):
    statement: str = Field(default="", max_length=8000)
    waive: bool = False
    request_hearing: bool = False
    on: dt.date | None = None


class HearingIn(StepIn):
    notice_served_on: dt.date
    hearing_on: dt.date
    record: str = Field(default="", max_length=8000)


class DecideIn(StepIn):
    kind: str = Field(default="penalty", pattern="^(penalty|no_penalty)$")
    fine: Decimal = Field(default=Decimal(0), ge=0, le=Decimal("1e12"))
    approver: str = Field(min_length=1, max_length=128)
    text: str = Field(default="", max_length=20000)


class ServeIn(StepIn):
    method: str = Field(max_length=16)
    served_on: dt.date


class PayIn(BaseModel):
    paid_on: dt.date
    amount: Decimal = Field(ge=0, le=Decimal("1e12"))
    receipt: str = Field(default="", max_length=64)


class CaseOut(RecordOut):
    case_no: str
    lead_id: int | None
    organ_id: int
    region_code: str
    party_id: int | None
    party_name: str
    title: str
    violation_code: str
    state: str
    filed_on: dt.date
    due_on: dt.date
    due_provisional: bool
    extension_days: int
    legal_review: bool
    hearing_right: bool
    notified_on: dt.date | None
    response_due_on: dt.date | None
    hearing_requested: bool
    hearing_held: bool
    decision_kind: str
    decided_on: dt.date | None
    decision_no: str
    service_due_on: dt.date | None
    served_on: dt.date | None
    payment_due_on: dt.date | None
    paid_on: dt.date | None
    closed_on: dt.date | None
    publication_due_on: dt.date | None
    published_on: dt.date | None
    transferred_to_id: int | None
    operation_id: int | None
    gtin: str
    fine: Decimal = Decimal(0)
    proposed_fine: Decimal = Decimal(0)
    surcharge: Decimal = Decimal(0)


class TransferIn(BaseModel):
    kind: str = Field(pattern="^(regulator|police)$")
    to_organ_id: int | None = None
    to_name: str = Field(default="", max_length=200)
    reason: Prose
    officers: Officers
    on: dt.date | None = None


class AssistIn(BaseModel):
    organ_id: int | None = None  # the requesting organ (admin / CLI; a regulator's own otherwise)
    to_organ_id: int
    case_id: int | None = None
    subject_kind: str = Field(pattern="^(producer|warehouse|seller)$")
    subject_name: Title
    subject_address: str = Field(default="", max_length=300)
    question: Prose
    share_fields: list[str] = Field(default_factory=list, max_length=20)
    due_days: int = Field(default=15, ge=1, le=60)
    on: dt.date | None = None


class AssistAnswerIn(BaseModel):
    answer: str = Field(min_length=1, max_length=8000)
    on: dt.date | None = None


class AssistOut(RecordOut):
    case_id: int | None
    from_organ_id: int
    to_organ_id: int
    subject_kind: str
    subject_name: str
    subject_address: str
    question: str
    shared: dict[str, Any]
    sent_on: dt.date
    due_on: dt.date
    state: str
    answer: str
    answered_on: dt.date | None
    document_no: str


class OperationIn(BaseModel):
    organ_id: int | None = None  # the leading organ (admin / CLI; a regulator's own otherwise)
    name: Title
    gtins: list[str] = Field(default_factory=list, max_length=50)
    description: str = Field(default="", max_length=8000)
    member_organ_ids: list[int] = Field(default_factory=list, max_length=50)
    on: dt.date | None = None


class OperationOut(RecordOut):
    name: str
    lead_organ_id: int
    gtins: list[str]
    description: str
    started_on: dt.date
    state: str


class QA(BaseModel):
    q: str = Field(min_length=1, max_length=2000)
    a: str = Field(default="", max_length=8000)


class InquiryIn(BaseModel):
    """询问笔录: two 询问人 (执法证), the 记录人, the 被询问人 with the ID document, time and place, the questions and
    answers (程序规定 第三十一条)."""

    officers: Officers
    recorder: str = Field(default="", max_length=64)  # 记录人 (执法证号 of one of the two, or a name)
    interviewee_name: str = Field(max_length=64)
    interviewee_id_no: str = Field(max_length=24)
    interviewee_role: str = Field(default="party", max_length=16)
    interviewee_phone: str = Field(default="", max_length=20)
    interviewee_address: str = Field(default="", max_length=200)
    started_at: dt.datetime
    ended_at: dt.datetime
    place: str = Field(max_length=200)
    qa: list[QA] = Field(min_length=1, max_length=200)
    signed: bool = True  # 被询问人已逐页签名确认；False: refused, noted on the record


class InquiryOut(BaseModel):
    id: int
    case_id: int
    number: str
    interviewee_name: str
    interviewee_id_no: str  # masked
    interviewee_role: str
    started_at: str
    ended_at: str
    place: str
    officers: list[str]
    recorder: str
    questions: int
    evidence_seq: int


class ListingOut(BaseModel):
    case_id: int
    state: str  # proposed | listed | not_met
    articles: list[str]
    reason: str
    proposed_on: dt.date | None = None
    listed_on: dt.date | None = None
    listing_id: int | None = None
    note: str = ""
