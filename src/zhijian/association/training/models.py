"""继续教育 tables: courses, their in-person sessions and the people enrolled with the hours they earned."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Double, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zhijian.platform.db import Base, IdMixin, TimestampMixin
from zhijian.platform.models import Audited


class Course(IdMixin, TimestampMixin, Audited, Base):
    """课程 — online material or in-person sessions, worth a number of continuing-education hours (学时)."""

    __tablename__ = "assoc_course"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(12))  # online | in_person
    hours: Mapped[float] = mapped_column(Double)
    material: Mapped[str] = mapped_column(Text, default="")  # the online material (text or a link)
    fee: Mapped[float] = mapped_column(Numeric(12, 2, asdecimal=False), default=0.0)  # 培训费 (yuan), 0 = free


class CourseSession(IdMixin, Audited, Base):
    """面授班次 — date, place and capacity."""

    __tablename__ = "assoc_course_session"

    course_id: Mapped[int] = mapped_column(ForeignKey("assoc_course.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[dt.date]
    place: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int]
    enrolled: Mapped[int] = mapped_column(default=0)


class CourseEnrolment(IdMixin, Audited, Base):
    """学员 — signed up for a course (and a session when in person); hours credited on completion."""

    __tablename__ = "assoc_course_enrolment"

    course_id: Mapped[int] = mapped_column(ForeignKey("assoc_course.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("assoc_course_session.id", ondelete="SET NULL"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="enrolled")  # enrolled | completed
    completed_on: Mapped[dt.date | None]
    hours: Mapped[float] = mapped_column(Double, default=0.0)
    # 培训费: the fee at sign-up, its 缴费通知 number, and the payment (a 收款收据 once paid)
    fee: Mapped[float] = mapped_column(Numeric(12, 2, asdecimal=False), default=0.0)
    invoice_no: Mapped[str | None] = mapped_column(String(24), unique=True)
    paid_on: Mapped[dt.date | None]
    payment_ref: Mapped[str] = mapped_column(String(64), default="")

    __table_args__ = (UniqueConstraint("course_id", "user_id", name="uq_assoc_course_enrolment_user"),)
