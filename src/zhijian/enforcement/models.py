"""综合执法 tables: officers (执法证), leads (线索), cases (案件) with their steps, excluded periods, evidence chain and
seizures, numbered documents (文号), shares, transfers (移送), 协查 requests and joint operations (专项行动).

Money is stored in fen (分, integers) so every backend keeps it exact; the service converts to yuan.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zhijian.platform.db import Base, BigId, IdMixin, TimestampMixin, utcnow
from zhijian.platform.models import Audited


class Officer(IdMixin, Audited, Base):
    """执法人员 — a regulator's officer with the 执法证 number that every step names."""

    __tablename__ = "enforcement_officer"

    organ_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(64))
    cert_no: Mapped[str] = mapped_column(String(24), unique=True)
    active: Mapped[bool] = mapped_column(default=True)


class Lead(IdMixin, TimestampMixin, Audited, Base):
    """线索 — a finding from another room (or by hand) with its source link, party and 核查 clock (程序规定 第十八条)."""

    __tablename__ = "enforcement_lead"

    source: Mapped[str] = mapped_column(String(16), index=True)
    source_ref: Mapped[str] = mapped_column(String(64))
    source_link: Mapped[str] = mapped_column(String(300), default="")
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    party_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="SET NULL"), index=True)
    party_name: Mapped[str] = mapped_column(String(200), default="")
    party_uscc: Mapped[str] = mapped_column(String(18), default="")
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id", ondelete="SET NULL"))
    gtin: Mapped[str] = mapped_column(String(14), default="", index=True)
    region_code: Mapped[str] = mapped_column(String(6), index=True)  # where the conduct lies (管辖)
    received_on: Mapped[dt.date]
    verify_due_on: Mapped[dt.date]
    verify_provisional: Mapped[bool] = mapped_column(default=False)
    extended: Mapped[bool] = mapped_column(default=False)
    extension_reason: Mapped[str] = mapped_column(String(300), default="")
    excluded: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [[start, end, kind], …] 检测 etc.
    state: Mapped[str] = mapped_column(String(16), default="received", index=True)
    decided_on: Mapped[dt.date | None]
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    case_id: Mapped[int | None] = mapped_column(BigId)  # the case filed from it (no FK: the case points back)
    organ_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="SET NULL"), index=True)  # who decided
    created_by: Mapped[str] = mapped_column(String(128), default="")

    __table_args__ = (UniqueConstraint("source", "source_ref", name="uq_enforcement_lead_source"),
                      Index("ix_enforcement_lead_state_due", "state", "verify_due_on"))


class Case(IdMixin, TimestampMixin, Audited, Base):
    """案件 — one administrative-penalty case of one organ, from 立案 to 结案, with its clocks and its decision."""

    __tablename__ = "enforcement_case"

    case_no: Mapped[str] = mapped_column(String(64), index=True)  # 立案审批表 文号 (unique per organ)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("enforcement_lead.id", ondelete="SET NULL"), index=True)
    organ_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    region_code: Mapped[str] = mapped_column(String(6), index=True)  # the organ's division (who sees the case)
    party_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="SET NULL"), index=True)
    party_name: Mapped[str] = mapped_column(String(200))
    party_natural: Mapped[bool] = mapped_column(default=False)
    party_persons: Mapped[list[str]] = mapped_column(JSON, default=list)  # natural persons named (redacted in public)
    title: Mapped[str] = mapped_column(String(300))
    facts_text: Mapped[str] = mapped_column(Text, default="")
    violation_code: Mapped[str] = mapped_column(String(16), default="")
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), default="investigating", index=True)
    filed_on: Mapped[dt.date]
    due_on: Mapped[dt.date]
    due_provisional: Mapped[bool] = mapped_column(default=False)
    extension_days: Mapped[int] = mapped_column(default=0)
    legal_review: Mapped[bool] = mapped_column(default=False)
    review_opinion: Mapped[str] = mapped_column(Text, default="")
    proposed_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    confiscation_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    measures: Mapped[list[str]] = mapped_column(JSON, default=list)
    hearing_right: Mapped[bool] = mapped_column(default=False)
    notified_on: Mapped[dt.date | None]
    response_due_on: Mapped[dt.date | None]
    statement: Mapped[str] = mapped_column(Text, default="")
    waived: Mapped[bool] = mapped_column(default=False)
    hearing_requested: Mapped[bool] = mapped_column(default=False)
    hearing_on: Mapped[dt.date | None]
    hearing_held: Mapped[bool] = mapped_column(default=False)
    decision_kind: Mapped[str] = mapped_column(String(16), default="")
    decided_on: Mapped[dt.date | None]
    decision_no: Mapped[str] = mapped_column(String(64), default="")
    fine_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    decision_text: Mapped[str] = mapped_column(Text, default="")
    public_text: Mapped[str] = mapped_column(Text, default="")
    service_due_on: Mapped[dt.date | None]
    served_on: Mapped[dt.date | None]
    service_method: Mapped[str] = mapped_column(String(16), default="")
    payment_due_on: Mapped[dt.date | None]
    paid_on: Mapped[dt.date | None]
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    surcharge_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    enforcement_applied_on: Mapped[dt.date | None]  # 申请人民法院强制执行
    closed_on: Mapped[dt.date | None]
    publication_due_on: Mapped[dt.date | None]
    published_on: Mapped[dt.date | None]
    publication_ended_on: Mapped[dt.date | None]  # 信用修复: no longer shown on the portal
    publication_end_reason: Mapped[str] = mapped_column(Text, default="")
    credit_record: Mapped[str] = mapped_column(String(200), default="")  # what the credit room recorded
    transferred_to_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="SET NULL"))
    operation_id: Mapped[int | None] = mapped_column(ForeignKey("enforcement_operation.id", ondelete="SET NULL"),
                                                     index=True)
    gtin: Mapped[str] = mapped_column(String(14), default="", index=True)

    __table_args__ = (Index("ix_enforcement_case_region_state", "region_code", "state"),
                      UniqueConstraint("organ_id", "case_no", name="uq_enforcement_case_no"))


class Step(IdMixin, Base):
    """环节 — one recorded act of the procedure by two officers (执法证 numbers), with its date and details."""

    __tablename__ = "enforcement_step"

    case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_case.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    on: Mapped[dt.date]
    officer1: Mapped[str] = mapped_column(String(24), default="")
    officer2: Mapped[str] = mapped_column(String(24), default="")
    approver: Mapped[str] = mapped_column(String(128), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    recorded_by: Mapped[str] = mapped_column(String(128), default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ExcludedPeriod(IdMixin, Base):
    """不计入办案期限的期间 — 中止、听证、公告、检测检验鉴定 (程序规定 第六十四条第二款)."""

    __tablename__ = "enforcement_excluded"

    case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_case.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    start: Mapped[dt.date]
    end: Mapped[dt.date]
    reason: Mapped[str] = mapped_column(String(300), default="")


class Evidence(IdMixin, Base):
    """证据 — an attachment (hash stored, file kept atomically under var/) chained to the previous item of the case."""

    __tablename__ = "enforcement_evidence"

    case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_case.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int]
    kind: Mapped[str] = mapped_column(String(24))
    description: Mapped[str] = mapped_column(String(500))
    filename: Mapped[str] = mapped_column(String(200), default="")
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    file_hash: Mapped[str] = mapped_column(String(64), default="")
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    hash: Mapped[str] = mapped_column(String(64))
    collected_at: Mapped[str] = mapped_column(String(32))
    officer1: Mapped[str] = mapped_column(String(24))
    officer2: Mapped[str] = mapped_column(String(24))

    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_enforcement_evidence_seq"),)


class Seizure(IdMixin, Audited, Base):
    """查封、扣押 — its items, its 30-day limit (+30), release (《行政强制法》第二十五条)."""

    __tablename__ = "enforcement_seizure"

    case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_case.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8), default="seal")  # seal 查封 | seize 扣押
    items: Mapped[str] = mapped_column(Text)
    started_on: Mapped[dt.date]
    due_on: Mapped[dt.date]
    extended: Mapped[bool] = mapped_column(default=False)
    released_on: Mapped[dt.date | None]


class Document(IdMixin, Base):
    """文书 — a numbered document (文号 sequence per organ, kind and year) with the hash of its PDF."""

    __tablename__ = "enforcement_document"

    organ_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(16))
    year: Mapped[int]
    seq: Mapped[int]
    number: Mapped[str] = mapped_column(String(64), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("enforcement_case.id", ondelete="CASCADE"), index=True)
    issued_on: Mapped[dt.date]
    sha256: Mapped[str] = mapped_column(String(64), default="")

    __table_args__ = (UniqueConstraint("organ_id", "kind", "year", "seq", name="uq_enforcement_document_seq"),)


class Share(IdMixin, Base):
    """共享 — a case shown to another organ (移送, 协查, 专项行动), with the fields it may see."""

    __tablename__ = "enforcement_share"

    case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_case.id", ondelete="CASCADE"), index=True)
    organ_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(16))  # transfer | assist | operation
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)

    __table_args__ = (UniqueConstraint("case_id", "organ_id", "reason", name="uq_enforcement_share"),)


class Transfer(IdMixin, Audited, Base):
    """移送 — to the competent regulator of another division (the case moves with its file) or to 公安 (涉嫌犯罪)."""

    __tablename__ = "enforcement_transfer"

    case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_case.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # regulator | police
    from_organ_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"))
    to_organ_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    to_name: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(Text)
    criteria: Mapped[list[str]] = mapped_column(JSON, default=list)
    sent_on: Mapped[dt.date]
    accepted_on: Mapped[dt.date | None]
    new_case_id: Mapped[int | None] = mapped_column(ForeignKey("enforcement_case.id", ondelete="SET NULL"))
    document_no: Mapped[str] = mapped_column(String(64), default="")


class AssistRequest(IdMixin, Audited, Base):
    """协查 — one organ asks another division to check a producer, warehouse or seller, sharing chosen fields."""

    __tablename__ = "enforcement_assist"

    case_id: Mapped[int | None] = mapped_column(ForeignKey("enforcement_case.id", ondelete="SET NULL"), index=True)
    from_organ_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    to_organ_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    subject_kind: Mapped[str] = mapped_column(String(16))  # producer | warehouse | seller
    subject_name: Mapped[str] = mapped_column(String(200))
    subject_address: Mapped[str] = mapped_column(String(300), default="")
    question: Mapped[str] = mapped_column(Text)
    shared: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    sent_on: Mapped[dt.date]
    due_on: Mapped[dt.date]
    state: Mapped[str] = mapped_column(String(16), default="open")  # open | answered
    answer: Mapped[str] = mapped_column(Text, default="")
    answer_file_hash: Mapped[str] = mapped_column(String(64), default="")
    answered_on: Mapped[dt.date | None]
    document_no: Mapped[str] = mapped_column(String(64), default="")


class Operation(IdMixin, TimestampMixin, Audited, Base):
    """专项行动 — a joint operation of several divisions around one counterfeit product (its GTIN and scan signals)."""

    __tablename__ = "enforcement_operation"

    name: Mapped[str] = mapped_column(String(200))
    lead_organ_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"))
    gtins: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    started_on: Mapped[dt.date]
    ended_on: Mapped[dt.date | None]
    state: Mapped[str] = mapped_column(String(16), default="open")


class OperationMember(IdMixin, Base):
    __tablename__ = "enforcement_operation_member"

    operation_id: Mapped[int] = mapped_column(ForeignKey("enforcement_operation.id", ondelete="CASCADE"), index=True)
    organ_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    joined_on: Mapped[dt.date]

    __table_args__ = (UniqueConstraint("operation_id", "organ_id", name="uq_enforcement_operation_member"),)


class OperationEvent(IdMixin, Base):
    """共享时间线 — what happened in the operation (a case joined, a seizure, a decision, a 协查 answer)."""

    __tablename__ = "enforcement_operation_event"

    operation_id: Mapped[int] = mapped_column(ForeignKey("enforcement_operation.id", ondelete="CASCADE"), index=True)
    organ_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("enforcement_case.id", ondelete="SET NULL"))
    on: Mapped[dt.date]
    kind: Mapped[str] = mapped_column(String(24))
    text: Mapped[str] = mapped_column(String(500))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
