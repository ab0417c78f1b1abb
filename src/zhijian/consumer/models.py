"""Consumer-room tables: complaints and reports, credit, certificates, enterprise-standard declarations and
comparative tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from zhijian.platform.db import Base, IdMixin, TimestampMixin, utcnow
from zhijian.platform.models import Audited

Money = Numeric(14, 2, asdecimal=False)


class ConsumerSetting(IdMixin, Audited, Base):
    """配置 — deadlines (时限) and the credit model, as data an administrator can change."""

    __tablename__ = "consumer_setting"

    key: Mapped[str] = mapped_column(String(64), unique=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Complaint(IdMixin, TimestampMixin, Audited, Base):
    """投诉 (a consumer dispute) or 举报 (a lead about a violation), after 市场监督管理投诉举报处理暂行办法."""

    __tablename__ = "complaint"
    # personal data: a reporter's identity never enters the audit chain (its readers are not its handlers, #13)
    __audit_exclude__ = ("check_hash", "complainant_name", "complainant_phone", "complainant_address", "contact_email")

    kind: Mapped[str] = mapped_column(String(16))  # complaint | report
    tracking_no: Mapped[str] = mapped_column(String(24), unique=True)
    check_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="received")
    channel: Mapped[str] = mapped_column(String(16), default="web")  # web | phone | letter | visit | 12315
    received_on: Mapped[dt.date]
    # complainant / reporter (personal data: staff only; the respondent sees the name)
    complainant_name: Mapped[str] = mapped_column(String(64), default="")
    complainant_phone: Mapped[str] = mapped_column(String(32), default="")
    complainant_address: Mapped[str] = mapped_column(String(300), default="")
    complainant_region: Mapped[str | None] = mapped_column(String(6))
    anonymous: Mapped[bool] = mapped_column(default=False)
    # respondent and product
    respondent_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    respondent_name: Mapped[str] = mapped_column(String(200), default="")
    respondent_address: Mapped[str] = mapped_column(String(300), default="")
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id", ondelete="SET NULL"), index=True)
    product_text: Mapped[str] = mapped_column(String(200), default="")
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id", ondelete="SET NULL"), index=True)
    purchase_date: Mapped[dt.date | None]
    purchase_place: Mapped[str] = mapped_column(String(200), default="")
    facts: Mapped[str] = mapped_column(Text, default="")
    requests: Mapped[list[Any]] = mapped_column(JSON, default=list)  # refund | replacement | repair | compensation
    request_amount: Mapped[float | None] = mapped_column(Money)
    hazard: Mapped[bool] = mapped_column(default=False)
    # handling
    accepted_on: Mapped[dt.date | None]
    rejected_reason: Mapped[str] = mapped_column(String(500), default="")
    forwarded_on: Mapped[dt.date | None]
    extended: Mapped[bool] = mapped_column(default=False)  # 举报核查延长 15 个工作日
    decided_on: Mapped[dt.date | None]
    decision: Mapped[str | None] = mapped_column(String(16))  # filed | not_filed
    closed_on: Mapped[dt.date | None]
    outcome: Mapped[str | None] = mapped_column(String(32))
    agreement: Mapped[str] = mapped_column(Text, default="")
    justified: Mapped[bool | None]
    compensation_agreed: Mapped[float | None] = mapped_column(Money)
    compensation_paid: Mapped[float | None] = mapped_column(Money)
    paid_on: Mapped[dt.date | None]
    # the running clock, kept current on every change so the overdue list is one query
    due_kind: Mapped[str | None] = mapped_column(String(16))
    due_on: Mapped[dt.date | None] = mapped_column(index=True)
    paused: Mapped[bool] = mapped_column(default=False)
    # issue 15: the respondent as typed and how it was linked to a registered enterprise
    respondent_uscc: Mapped[str | None] = mapped_column(String(18))
    respondent_link: Mapped[str] = mapped_column(String(16), default="")  # "" | uscc | name | staff
    respondent_candidates: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{id, name, uscc, score}]
    # 《暂行办法》 Art. 15 不予受理 (coded), Art. 16 mediation consent, Art. 21 termination and its notice
    rejected_code: Mapped[str | None] = mapped_column(String(32))
    knew_on: Mapped[dt.date | None]  # when the consumer knew of the infringement (three-year limit)
    consent_complainant: Mapped[bool | None]
    consent_respondent: Mapped[bool | None]
    termination_code: Mapped[str | None] = mapped_column(String(32))
    notice_due_on: Mapped[dt.date | None]
    notice_sent_on: Mapped[dt.date | None]
    # the enterprise's answer to a forwarded complaint (先行和解 / 企业处理) and the consumer's response
    enterprise_due_on: Mapped[dt.date | None]
    enterprise_response: Mapped[str | None] = mapped_column(String(16))  # answer | settlement | decline
    enterprise_text: Mapped[str] = mapped_column(Text, default="")
    settlement_amount: Mapped[float | None] = mapped_column(Money)
    consumer_response: Mapped[str | None] = mapped_column(String(16))  # accept | mediation
    # Art. 7 split / Art. 23 leads: the case this one was split from or found in
    origin_id: Mapped[int | None] = mapped_column(ForeignKey("complaint.id", ondelete="SET NULL"), index=True)
    origin_kind: Mapped[str | None] = mapped_column(String(16))  # split | lead
    # report procedure: 立案 and the 90-day clock of 《市场监督管理行政处罚程序规定》 with extensions
    filed_on: Mapped[dt.date | None]
    case_due_on: Mapped[dt.date | None]
    case_extensions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    compensation_basis: Mapped[list[Any]] = mapped_column(JSON, default=list)  # the statutory guidance recorded
    # consumer conveniences: verified contact, satisfaction at closing, the regulator that handled the case
    contact_email: Mapped[str | None] = mapped_column(String(254), index=True)
    contact_verified: Mapped[bool] = mapped_column(default=False)
    satisfaction: Mapped[int | None]
    satisfaction_note: Mapped[str] = mapped_column(String(500), default="")
    handler_org_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="SET NULL"), index=True)
    # issue 13: the case's division (管辖, GB/T 2260: the respondent's registered region, else the complainant's,
    # else the handling organization's) and the regulator user assigned to it (the only one who sees a reporter)
    region_code: Mapped[str | None] = mapped_column(String(6), index=True)
    assignee_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"),
                                                         index=True)

    __table_args__ = (Index("ix_complaint_state_due", "state", "due_on"),
                      Index("ix_complaint_received", "received_on", "id"))


class ComplaintEvent(IdMixin, Base):
    """处理记录 — transitions, mediation sessions, enterprise replies, notes, payments (the case's timeline)."""

    __tablename__ = "complaint_event"

    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    event_on: Mapped[dt.date]
    kind: Mapped[str] = mapped_column(String(24))  # transition | mediation | reply | note | pause | resume | payment
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    public: Mapped[bool] = mapped_column(default=True)  # shown to the complainant on the tracking page
    actor: Mapped[str] = mapped_column(String(128), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ComplaintPause(IdMixin, Base):
    """检测、检验、鉴定 time, excluded from the 45-working-day mediation clock."""

    __tablename__ = "complaint_pause"

    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(200), default="检测")
    start_on: Mapped[dt.date]
    end_on: Mapped[dt.date | None]


class ComplaintEvidence(IdMixin, Base):
    """证据材料 — a file kept under the var directory, named by its SHA-256."""

    __tablename__ = "complaint_evidence"

    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    size: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AdministrativePenalty(IdMixin, TimestampMixin, Audited, Base):
    """行政处罚 — a penalty decision against an enterprise (an input of the credit model)."""

    __tablename__ = "administrative_penalty"

    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    decision_no: Mapped[str] = mapped_column(String(64), unique=True)  # 处罚决定书文号
    decided_on: Mapped[dt.date]
    authority: Mapped[str] = mapped_column(String(200), default="")
    severity: Mapped[str] = mapped_column(String(16), default="general")  # minor | general | serious
    reason: Mapped[str] = mapped_column(String(500), default="")
    amount: Mapped[float | None] = mapped_column(Money)


class EnterpriseSales(IdMixin, Base):
    """年销售额 — the sales volume that justified complaints are divided by (千万元)."""

    __tablename__ = "enterprise_sales"

    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), unique=True)
    year: Mapped[int]
    sales_10m_yuan: Mapped[float] = mapped_column(Numeric(14, 3, asdecimal=False))


class CreditAssessment(IdMixin, Base):
    """信用评价记录 — one computation of an enterprise's class, with its breakdown (kept as history)."""

    __tablename__ = "credit_assessment"

    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    computed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    as_of: Mapped[dt.date]
    score: Mapped[float] = mapped_column(Numeric(6, 2, asdecimal=False))
    credit_class: Mapped[str] = mapped_column(String(1))
    previous_class: Mapped[str | None] = mapped_column(String(1))
    model_version: Mapped[str] = mapped_column(String(32))
    breakdown: Mapped[list[Any]] = mapped_column(JSON, default=list)
    caps: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # the caps as reason codes ({"code", "params"}, consumer.rules.reasons), beside their zh sentences in `caps`;
    # None for an assessment stored before the codes (issue #21)
    cap_reasons: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    sources: Mapped[list[Any]] = mapped_column(JSON, default=list)  # rooms that answered

    __table_args__ = (Index("ix_credit_assessment_ent", "enterprise_id", "id"),)


class CertificationBody(IdMixin, TimestampMixin, Audited, Base):
    """认证机构 — approved by CNCA (批准号 CNCA-R-…); `kinds` lists what it may certify."""

    __tablename__ = "certification_body"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    approval_no: Mapped[str] = mapped_column(String(64), default="")
    accredited: Mapped[bool] = mapped_column(default=True)
    kinds: Mapped[list[Any]] = mapped_column(JSON, default=list)


class Certificate(IdMixin, TimestampMixin, Audited, Base):
    """认证证书 — a product or system certificate and its status."""

    __tablename__ = "certificate"

    number: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="SET NULL"), index=True)
    holder_name: Mapped[str] = mapped_column(String(200))
    holder_uscc: Mapped[str | None] = mapped_column(String(18))
    scope: Mapped[str] = mapped_column(String(500), default="")
    product_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    products_text: Mapped[str] = mapped_column(String(500), default="")  # 产品名称/型号 as printed
    body_id: Mapped[int | None] = mapped_column(ForeignKey("certification_body.id", ondelete="RESTRICT"), index=True)
    body_name: Mapped[str] = mapped_column(String(200), default="")
    issued_on: Mapped[dt.date | None]
    valid_until: Mapped[dt.date | None]
    status: Mapped[str] = mapped_column(String(16), default="valid")
    status_reason: Mapped[str] = mapped_column(String(300), default="")
    status_on: Mapped[dt.date | None]  # the date of the last status change (暂停/撤销/注销 日期)
    # CCC keeps three parties apart (认证委托人 / 生产者（制造商） / 生产企业（工厂）)
    applicant_name: Mapped[str] = mapped_column(String(200), default="")
    producer_name: Mapped[str] = mapped_column(String(200), default="")
    factory_name: Mapped[str] = mapped_column(String(200), default="")
    register: Mapped[str] = mapped_column(String(100), default="")  # the authority's register the entry came from
    refreshed_at: Mapped[dt.datetime | None]  # when it was last refreshed from that register


class StandardDeclaration(IdMixin, TimestampMixin, Audited, Base):
    """企业标准自我声明 — an enterprise publishes the standard it produces to, checked against the national one."""

    __tablename__ = "standard_declaration"

    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("standard.id", ondelete="RESTRICT"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id", ondelete="RESTRICT"), index=True)
    product_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    products_text: Mapped[str] = mapped_column(String(300), default="")
    declared_on: Mapped[dt.date]
    status: Mapped[str] = mapped_column(String(16), default="published")  # published | withdrawn
    national_codes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    overall: Mapped[str] = mapped_column(String(16), default="equal")  # laxer | leader | equal | manual
    check: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ComparativeTest(IdMixin, TimestampMixin, Audited, Base):
    """比较试验 — N brands/models of one product type tested on the same items, with published weights."""

    __tablename__ = "comparative_test"

    title: Mapped[str] = mapped_column(String(200))
    product_type: Mapped[str] = mapped_column(String(100))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id", ondelete="SET NULL"), index=True)
    organizer: Mapped[str] = mapped_column(String(200), default="")
    lab_name: Mapped[str] = mapped_column(String(200), default="")
    tested_on: Mapped[dt.date | None]
    method: Mapped[str] = mapped_column(Text, default="")
    items: Mapped[list[Any]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | published
    published_on: Mapped[dt.date | None]


class ComparativeSample(IdMixin, Audited, Base):
    """One brand/model in a comparative test and its results by item key."""

    __tablename__ = "comparative_sample"

    test_id: Mapped[int] = mapped_column(ForeignKey("comparative_test.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    brand: Mapped[str] = mapped_column(String(100))
    model: Mapped[str] = mapped_column(String(100), default="")
    enterprise_name: Mapped[str] = mapped_column(String(200), default="")
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id", ondelete="SET NULL"))
    price: Mapped[float | None] = mapped_column(Money)
    results: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Notification(IdMixin, Base):
    """站内通知 — one message for a user, an organization or a role, shown in the console inbox of every role and
    optionally e-mailed. Generic: any room writes through `consumer.notifications.notify`."""

    __tablename__ = "notification"

    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    role: Mapped[str | None] = mapped_column(String(16))
    room: Mapped[str] = mapped_column(String(16), default="consumer")
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    read_at: Mapped[dt.datetime | None]
    read_by: Mapped[list[Any]] = mapped_column(JSON, default=list)  # user ids (organization/role messages)
    email_to: Mapped[str] = mapped_column(String(1000), default="")
    email_status: Mapped[str] = mapped_column(String(16), default="")  # "" | sent | failed | no_smtp

    __table_args__ = (Index("ix_notification_org", "organization_id", "id"),)


class ContactVerification(IdMixin, Base):
    """联系方式验证 — a one-time code sent to a complainant's e-mail (or phone); verified → a token for "my complaints"."""

    __tablename__ = "contact_verification"

    channel: Mapped[str] = mapped_column(String(8))  # email | sms
    contact: Mapped[str] = mapped_column(String(254), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    verified_at: Mapped[dt.datetime | None]
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)


class CreditListing(IdMixin, TimestampMixin, Audited, Base):
    """严重违法失信名单 (SAMR Order No. 44, 2021) or 经营异常名录 entry, and its removal (信用修复 / 移出)."""

    __tablename__ = "credit_listing"

    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # serious | abnormal
    reason: Mapped[str] = mapped_column(String(500), default="")
    decision_no: Mapped[str] = mapped_column(String(64), default="")
    authority: Mapped[str] = mapped_column(String(200), default="")
    listed_on: Mapped[dt.date]
    removed_on: Mapped[dt.date | None]
    removal: Mapped[str | None] = mapped_column(String(16))  # repair | expiry | error
    removal_note: Mapped[str] = mapped_column(String(500), default="")
    removed_by: Mapped[str] = mapped_column(String(128), default="")


class LeaderListEntry(IdMixin, Base):
    """企业标准"领跑者" — one standard on a published 领跑者 list (imported), the only source of the 领跑者 label."""

    __tablename__ = "leader_list_entry"

    standard_code: Mapped[str] = mapped_column(String(64), index=True)
    enterprise_name: Mapped[str] = mapped_column(String(200), default="")
    product: Mapped[str] = mapped_column(String(200), default="")
    year: Mapped[int]
    list_name: Mapped[str] = mapped_column(String(200), default="")
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
