"""Risk tables: series configurations, scan runs, signals, assessments, alerts, recalls."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zhijian.platform.db import Base, IdMixin, TimestampMixin, utcnow
from zhijian.platform.models import Audited


class SeriesConfig(IdMixin, TimestampMixin, Audited, Base):
    """监测序列配置 — which methods (and parameters) run on a series; `series_key` "*" is the default
    for its kind, a concrete key ("cat:12|reg:33", "ent:7", "prod:9") overrides it."""

    __tablename__ = "risk_series_config"

    kind: Mapped[str] = mapped_column(String(16))  # rate | enterprise | count
    series_key: Mapped[str] = mapped_column(String(64), default="*")
    label: Mapped[str] = mapped_column(String(200), default="")
    methods: Mapped[list[Any]] = mapped_column(JSON, default=list)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    enabled: Mapped[bool] = mapped_column(default=True)

    __table_args__ = (Index("uq_risk_series_config_kind_key", "kind", "series_key", unique=True),)


class ScanRun(IdMixin, Base):
    """监测扫描 — one run of the whole scan, with the aggregates the dashboard draws."""

    __tablename__ = "risk_scan_run"

    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    n_results: Mapped[int] = mapped_column(default=0)
    n_complaints: Mapped[int] = mapped_column(default=0)
    n_signals: Mapped[int] = mapped_column(default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Signal(IdMixin, TimestampMixin, Audited, Base):
    """风险信号 — one alarm of one method on one series and period, with the evidence behind it."""

    __tablename__ = "risk_signal"

    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)  # method|series|period
    kind: Mapped[str] = mapped_column(String(16))  # rate | enterprise | count
    method: Mapped[str] = mapped_column(String(32), index=True)
    series_key: Mapped[str] = mapped_column(String(64), index=True)
    series_label: Mapped[str] = mapped_column(String(200), default="")
    period: Mapped[str] = mapped_column(String(16))  # "2026-03" (month) or "2026-W12" (week)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id", ondelete="SET NULL"), index=True)
    region_code: Mapped[str | None] = mapped_column(String(6))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="SET NULL"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id", ondelete="SET NULL"), index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    expected: Mapped[float | None] = mapped_column(Float)
    observed: Mapped[float] = mapped_column(Float)
    threshold: Mapped[float | None] = mapped_column(Float)
    score: Mapped[float | None] = mapped_column(Float)
    p_value: Mapped[float | None] = mapped_column(Float)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # batch_ids / complaint_ids, counts
    sampling_basis: Mapped[str] = mapped_column(String(32), default="random")  # random | includes_targeted | complaints
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)  # open | confirmed | false_alarm
    reviewed_by: Mapped[str | None] = mapped_column(String(128))
    reviewed_at: Mapped[dt.datetime | None]
    review_note: Mapped[str] = mapped_column(String(500), default="")
    scan_id: Mapped[int | None] = mapped_column(ForeignKey("risk_scan_run.id", ondelete="SET NULL"))


class Assessment(IdMixin, TimestampMixin, Audited, Base):
    """风险评估 — a product risk assessment by the EU Safety Gate method, input and result kept verbatim."""

    __tablename__ = "risk_assessment"

    product_name: Mapped[str] = mapped_column(String(200))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id", ondelete="SET NULL"), index=True)
    signal_id: Mapped[int | None] = mapped_column(ForeignKey("risk_signal.id", ondelete="SET NULL"))
    hazard: Mapped[str] = mapped_column(String(200), default="")
    input: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    risk_level: Mapped[str] = mapped_column(String(16))
    assessor: Mapped[str] = mapped_column(String(128), default="")
    # issue 13: the division (GB/T 2260) it belongs to — its signal's, else its product's enterprise, else the author's
    region_code: Mapped[str | None] = mapped_column(String(6), index=True)


class Alert(IdMixin, TimestampMixin, Audited, Base):
    """风险警示 / 预警通报 — a notification with the Safety Gate fields; `public_fields` names the fields
    the public sees, the rest stay internal."""

    __tablename__ = "risk_alert"

    ref: Mapped[str] = mapped_column(String(32), unique=True)  # e.g. FX-2026-0001
    title: Mapped[str] = mapped_column(String(200))
    risk_level: Mapped[str] = mapped_column(String(16))
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    public_fields: Mapped[list[Any]] = mapped_column(JSON, default=list)
    enterprise_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    regulator_emails: Mapped[list[Any]] = mapped_column(JSON, default=list)
    signal_id: Mapped[int | None] = mapped_column(ForeignKey("risk_signal.id", ondelete="SET NULL"))
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("risk_assessment.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)  # draft | published | withdrawn
    published_at: Mapped[dt.datetime | None]
    mailed_at: Mapped[dt.datetime | None]
    mail_log: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # issue 13: the division of a draft (its signal's or assessment's, else its enterprises', else the author's);
    # a published alert is public whatever its division
    region_code: Mapped[str | None] = mapped_column(String(6), index=True)


class Recall(IdMixin, TimestampMixin, Audited, Base):
    """召回 — a recall by an enterprise: products and lots, reason, plan, progress and closure."""

    __tablename__ = "risk_recall"

    ref: Mapped[str] = mapped_column(String(32), unique=True)  # e.g. ZH-2026-0001
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    product_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    lots: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{"gtin", "lot", "product_id", "units"}]
    title: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    hazard: Mapped[str] = mapped_column(String(200), default="")
    risk_level: Mapped[str] = mapped_column(String(16))
    plan: Mapped[str] = mapped_column(Text, default="")
    remedy: Mapped[str] = mapped_column(String(200), default="")  # 退货 / 更换 / 修理 ...
    started_on: Mapped[dt.date]
    units_total: Mapped[int] = mapped_column(default=0)
    report_every_days: Mapped[int] = mapped_column(default=30)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)  # open | closed
    closed_on: Mapped[dt.date | None]
    summary: Mapped[str] = mapped_column(Text, default="")
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("risk_alert.id", ondelete="SET NULL"))
    codes_marked: Mapped[int] = mapped_column(default=0)

    reports: Mapped[list[RecallReport]] = relationship(back_populates="recall", order_by="RecallReport.reported_on",
                                                       cascade="all, delete-orphan", lazy="selectin")


class RecallReport(IdMixin, Audited, Base):
    """召回进展报告 — units recovered so far, reported by the enterprise or staff."""

    __tablename__ = "risk_recall_report"

    recall_id: Mapped[int] = mapped_column(ForeignKey("risk_recall.id", ondelete="CASCADE"), index=True)
    reported_on: Mapped[dt.date]
    units_recovered: Mapped[int]
    note: Mapped[str] = mapped_column(String(500), default="")
    reported_by: Mapped[str] = mapped_column(String(128), default="")

    recall: Mapped[Recall] = relationship("zhijian.risk.models.Recall", back_populates="reports")
