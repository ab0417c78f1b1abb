"""活动 tables: campaigns, their events and registrations, and the secretariat's notices (a small CMS)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zhijian.platform.db import Base, IdMixin, TimestampMixin, utcnow
from zhijian.platform.models import Audited


class Campaign(IdMixin, TimestampMixin, Audited, Base):
    """活动 — 质量月 (September) or 3·15 国际消费者权益日 (15 March) of one year."""

    __tablename__ = "assoc_campaign"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # quality_month | consumer_day
    year: Mapped[int]
    theme: Mapped[str] = mapped_column(String(300))
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date]
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | published | closed
    statistics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # frozen when closed

    __table_args__ = (UniqueConstraint("kind", "year", name="uq_assoc_campaign_kind_year"),)


class CampaignEvent(IdMixin, TimestampMixin, Audited, Base):
    """活动场次 — an event of the campaign in a province, with capacity."""

    __tablename__ = "assoc_campaign_event"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("assoc_campaign.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    province: Mapped[str] = mapped_column(String(2), index=True)  # GB/T 2260 first two digits
    city: Mapped[str] = mapped_column(String(64), default="")
    venue: Mapped[str] = mapped_column(String(200), default="")
    held_on: Mapped[dt.date]
    capacity: Mapped[int]
    registered: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(Text, default="")


class EventRegistration(IdMixin, Base):
    """报名 — one person for one event (one per phone number)."""

    __tablename__ = "assoc_event_registration"

    event_id: Mapped[int] = mapped_column(ForeignKey("assoc_campaign_event.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(20))
    organization: Mapped[str] = mapped_column(String(200), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("event_id", "phone", name="uq_assoc_event_registration_phone"),)


class Notice(IdMixin, TimestampMixin, Audited, Base):
    """新闻 / 通知 / 结果公告 — written, submitted, reviewed by another staff member, then published."""

    __tablename__ = "assoc_notice"

    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("assoc_campaign.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(12), default="news")  # news | notice | result
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)  # draft|submitted|published|returned
    author: Mapped[str] = mapped_column(String(128))
    reviewer: Mapped[str] = mapped_column(String(128), default="")
    review_note: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[dt.datetime | None]
