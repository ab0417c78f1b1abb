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
    __audit_exclude__ = ("check_hash", "complainant_phone", "complainant_address")  # personal data stays out of audit

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
