"""继续教育 use cases: courses and sessions (secretariat), sign-up (any logged-in user), completion with hours,
hours per person per year (courses plus passed exams' hours), certificate renewal by hours earned.

Renewal rule (the association's): a certificate is renewed for the exam's validity period when its holder earned
at least RENEWAL_HOURS continuing-education hours during the current validity period; otherwise the renewal is
refused naming the hours still missing.
"""

from __future__ import annotations

import datetime as dt
from typing import TypedDict

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zhijian.association.common.receipts import Bill, bill_pdf
from zhijian.association.common.service import CHINA, fetched, fetched_by, is_secretariat, locked, today
from zhijian.association.exams.models import Exam, ExamCandidate, ExamCertificate
from zhijian.association.training.models import Course, CourseEnrolment, CourseSession
from zhijian.platform.auth import Actor
from zhijian.platform.crud import added, flush
from zhijian.platform.db import lock_for_update
from zhijian.platform.errors import Conflict, DomainError, NotFound, PermissionDenied
from zhijian.platform.identity.models import User

RENEWAL_HOURS = 24.0


class CourseIn(BaseModel):
    code: str = Field(min_length=1, max_length=32)
    title: str = Field(min_length=2, max_length=200)
    kind: str = "online"
    hours: float = Field(gt=0, le=200)
    material: str = Field(default="", max_length=20000)
    fee: float = Field(default=0.0, ge=0, le=1_000_000)  # 培训费 in yuan (0: free)


class FeePaymentIn(BaseModel):
    paid_on: dt.date | None = None
    payment_ref: str = Field(default="", max_length=64)


class SessionIn(BaseModel):
    held_on: dt.date
    place: str = Field(min_length=1, max_length=200)
    capacity: int = Field(ge=1, le=10000)


def create_course(session: Session, actor: Actor, data: CourseIn) -> Course:
    actor.require("association")
    if data.kind not in ("online", "in_person"):
        raise DomainError("association.course.bad_kind", "课程形式应为 online 或 in_person", "kind must be online or in_person",
                          field="kind")
    if session.scalar(select(Course.id).where(Course.code == data.code.strip())):
        raise Conflict("association.course.exists", f"课程编号已存在：{data.code}", f"course code exists: {data.code}",
                       field="code")
    c = Course(code=data.code.strip(), title=data.title.strip(), kind=data.kind, hours=data.hours, material=data.material,
               fee=round(data.fee, 2))
    return added(session, c, "assoc_course")


def _course(session: Session, code: str) -> Course:
    return fetched_by(session, Course, Course.code, code, "course")


def add_session(session: Session, actor: Actor, code: str, data: SessionIn) -> CourseSession:
    actor.require("association")
    c = _course(session, code)
    if c.kind != "in_person":
        raise DomainError("association.course.online", "线上课程没有面授班次", "an online course has no sessions", field="code")
    s = CourseSession(course_id=c.id, held_on=data.held_on, place=data.place.strip(), capacity=data.capacity, enrolled=0)
    return added(session, s, "assoc_course_session")


def sign_up(session: Session, actor: Actor, code: str, session_id: int | None = None,
            user_id: int | None = None) -> CourseEnrolment:
    """报名: a user for himself (the secretariat for anyone); in-person sessions lock their row for the last seat."""
    uid = user_id if is_secretariat(actor) and user_id else actor.user_id
    if uid is None:
        raise PermissionDenied("请先登录", "log in first", code="association.course.login")
    c = _course(session, code)
    sess = None
    if c.kind == "in_person":
        if session_id is None:
            raise DomainError("association.course.session_required", "请选择面授班次", "choose a session", field="session_id")
        sess = lock_for_update(session, CourseSession, session_id)
        if sess is None or sess.course_id != c.id:
            raise DomainError("association.course.bad_session", "班次不属于该课程", "no such session", field="session_id")
        if sess.enrolled >= sess.capacity:
            raise Conflict("association.course.full", "该班次名额已满", "the session is full")
    if session.scalar(select(CourseEnrolment.id).where(CourseEnrolment.course_id == c.id, CourseEnrolment.user_id == uid)):
        raise Conflict("association.course.already", "已报名该课程", "already signed up")
    if sess is not None:
        sess.enrolled += 1
    fee = float(c.fee or 0)
    e = CourseEnrolment(course_id=c.id, session_id=sess.id if sess else None, user_id=uid, status="enrolled", hours=0.0,
                        fee=fee, invoice_no=_next_invoice_no(session) if fee > 0 else None, payment_ref="")
    return added(session, e, "assoc_course_enrolment")


def _next_invoice_no(session: Session) -> str:
    """培训费缴费通知 number PX<year><6 digits>, in sequence within the year (a duplicate is a 409 at flush)."""
    year = today().year
    last = session.scalar(select(func.max(CourseEnrolment.invoice_no)).where(
        CourseEnrolment.invoice_no.like(f"PX{year}%")))
    return f"PX{year}{int(last[6:]) + 1 if last else 1:06d}"


def record_fee_payment(session: Session, actor: Actor, enrolment_id: int, data: FeePaymentIn) -> CourseEnrolment:
    """培训费缴费登记 by the secretariat; the bill becomes a 收款收据."""
    actor.require("association")
    e = locked(session, CourseEnrolment, enrolment_id, "course_enrolment")
    if not e.invoice_no:
        raise Conflict("association.course.free", "该课程免费，无需缴费", "the course is free: nothing to pay")
    if e.paid_on is not None:
        raise Conflict("association.course.already_paid", f"{e.invoice_no} 已缴", f"{e.invoice_no} is already paid")
    e.paid_on, e.payment_ref = data.paid_on or today(), data.payment_ref.strip()
    flush(session, "assoc_course_enrolment")
    return e


def enrolment_bill(session: Session, actor: Actor, enrolment_id: int) -> bytes:
    """培训费缴费通知书 / 收款收据 (PDF) — for the secretariat or the person enrolled (404 to others)."""
    e = fetched(session, CourseEnrolment, enrolment_id, "course_enrolment")
    if not (is_secretariat(actor) or e.user_id == actor.user_id) or not e.invoice_no:
        raise NotFound("course_enrolment", enrolment_id)
    c = fetched(session, Course, e.course_id, "course")
    user = session.get(User, e.user_id)
    payer = (user.display_name or user.username) if user is not None else str(e.user_id)
    return bill_pdf(Bill(number=e.invoice_no, payer=payer, item=f"培训费：{c.title}（{c.code}）", amount=float(e.fee),
                         issued_on=today(),  # a 缴费通知 is dated the day it is printed
                         paid_on=e.paid_on, payment_ref=e.payment_ref))


def complete(session: Session, actor: Actor, enrolment_id: int, on: dt.date | None = None) -> CourseEnrolment:
    """结业: the secretariat confirms attendance (or the online course's completion); the course's hours count."""
    actor.require("association")
    e = locked(session, CourseEnrolment, enrolment_id, "course_enrolment")
    if e.status == "completed":
        raise Conflict("association.course.completed", "已结业", "already completed")
    c = fetched(session, Course, e.course_id, "course")
    e.status, e.completed_on, e.hours = "completed", on or today(), c.hours
    flush(session, "assoc_course_enrolment")
    return e


def hours(session: Session, user_id: int, start: dt.date, end: dt.date) -> float:
    """Continuing-education hours of a person between two dates: completed courses and passed exams."""
    course = session.scalar(select(func.sum(CourseEnrolment.hours)).where(
        CourseEnrolment.user_id == user_id, CourseEnrolment.status == "completed",
        CourseEnrolment.completed_on >= start, CourseEnrolment.completed_on <= end)) or 0.0
    exams = session.scalar(select(func.sum(Exam.hours)).join(ExamCandidate, ExamCandidate.exam_id == Exam.id).where(
        ExamCandidate.user_id == user_id, ExamCandidate.passed.is_(True),
        ExamCandidate.submitted_at >= dt.datetime.combine(start, dt.time(), CHINA),
        ExamCandidate.submitted_at < dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), CHINA))) or 0.0
    return float(course) + float(exams)


class YearHours(TypedDict):
    user_id: int
    year: int
    hours: float


def hours_by_year(session: Session, actor: Actor, year: int, user_id: int | None = None) -> YearHours:
    """继续教育学时 of one person in one year (his own, or anyone's for the secretariat)."""
    uid = user_id if is_secretariat(actor) and user_id else actor.user_id
    if uid is None:
        raise PermissionDenied("请先登录", "log in first", code="association.course.login")
    if not 1900 <= year <= 9999:
        raise DomainError("association.course.bad_year", f"年份无效：{year}", f"invalid year: {year}", field="year")
    return {"user_id": uid, "year": year, "hours": hours(session, uid, dt.date(year, 1, 1), dt.date(year, 12, 31))}


def renew_certificate(session: Session, actor: Actor, number: str, on: dt.date | None = None) -> ExamCertificate:
    """证书延续: by hours earned during the validity period (≥ RENEWAL_HOURS)."""
    actor.require("association")
    cert = fetched_by(session, ExamCertificate, ExamCertificate.number, number, "certificate")
    cand = session.get(ExamCandidate, cert.candidate_id)
    exam = session.get(Exam, cert.exam_id)
    if cand is None or cand.user_id is None:
        raise Conflict("association.course.no_account", "持证人没有账户，无法统计学时", "the holder has no account")
    earned = hours(session, cand.user_id, cert.issued_on, on or today())
    if earned < RENEWAL_HOURS:
        raise Conflict("association.course.hours_short", f"有效期内继续教育 {earned:g} 学时，延续需 {RENEWAL_HOURS:g} 学时，"
                       f"还差 {RENEWAL_HOURS - earned:g} 学时", f"{earned:g} hours earned, {RENEWAL_HOURS:g} needed")
    base = max(cert.valid_until, on or today())
    years = exam.certificate_years if exam else 3
    try:
        cert.valid_until = base.replace(year=base.year + years)
    except ValueError:
        cert.valid_until = base.replace(year=base.year + years, day=28)
    flush(session, "assoc_exam_certificate")
    return cert


def billed_enrolments(session: Session, actor: Actor) -> list[tuple[CourseEnrolment, Course]]:
    """Enrolments with a fee: the secretariat's (to record payments) or the actor's own."""
    stmt = select(CourseEnrolment, Course).join(Course, Course.id == CourseEnrolment.course_id).where(
        CourseEnrolment.invoice_no.is_not(None)).order_by(CourseEnrolment.id.desc()).limit(300)
    if not is_secretariat(actor):
        stmt = stmt.where(CourseEnrolment.user_id == (actor.user_id or 0))
    return [(e, c) for e, c in session.execute(stmt)]


def courses(session: Session) -> list[Course]:
    return list(session.scalars(select(Course).order_by(Course.id.desc())))


def sessions_of(session: Session, course_id: int) -> list[CourseSession]:
    return list(session.scalars(select(CourseSession).where(CourseSession.course_id == course_id)
                                .order_by(CourseSession.held_on)))
