"""The complainant's own side of a case: a one-time code that proves the contact (e-mail or SMS), 我的投诉 listed
for the verified contact, and the satisfaction rating (满意度评价) once the case is closed. Filing stays open without a
code (《暂行办法》第九条 asks for name, phone and address, not a verified contact)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zhijian.consumer import notifications
from zhijian.consumer.complaints_flow import COMPLAINANT
from zhijian.consumer.models import Complaint, ContactVerification
from zhijian.consumer.schemas import CodeRequestIn, CodeVerifyIn, SatisfactionIn
from zhijian.consumer.service.common import today
from zhijian.consumer.service.complaints import _event, track
from zhijian.platform.crud import flush
from zhijian.platform.db import utcnow
from zhijian.platform.errors import Conflict, DomainError

CODE_TTL = dt.timedelta(minutes=15)
TOKEN_TTL = dt.timedelta(days=1)
MAX_ATTEMPTS = 5
MAX_CODES_PER_HOUR = 5


def _h(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def normalize_contact(channel: str, contact: str) -> str:
    c = contact.strip().lower() if channel == "email" else contact.strip().replace(" ", "").replace("-", "")
    if channel == "email" and ("@" not in c or c.startswith("@") or "." not in c.rsplit("@", 1)[-1]):
        raise DomainError("contact.bad_email", "邮箱地址格式不正确", "not an e-mail address", field="contact")
    if channel == "sms" and not (c.isdigit() and 6 <= len(c) <= 15):
        raise DomainError("contact.bad_phone", "手机号码格式不正确", "not a phone number", field="contact")
    return c


def request_code(session: Session, data: CodeRequestIn) -> None:
    """Send a six-digit one-time code to the contact (e-mail by SMTP; SMS by the configured sender)."""
    contact = normalize_contact(data.channel, data.contact)
    now = utcnow()
    recent = session.scalar(select(func.count()).select_from(ContactVerification).where(
        ContactVerification.contact == contact, ContactVerification.created_at >= now - dt.timedelta(hours=1)))
    if int(recent or 0) >= MAX_CODES_PER_HOUR:
        raise DomainError("contact.too_many", "验证码发送过于频繁，请一小时后再试", "too many codes; try again in an hour",
                          status=429, field="contact")
    code = f"{secrets.randbelow(10**6):06d}"
    session.add(ContactVerification(channel=data.channel, contact=contact, code_hash=_h(f"{contact}:{code}"),
                                    expires_at=now + CODE_TTL))
    flush(session, "contact_verification")
    notifications.sender(data.channel).send(session, contact, "投诉举报联系方式验证码",
                                            f"您的验证码是 {code}，{int(CODE_TTL.total_seconds() // 60)} 分钟内有效。"
                                            "如非本人操作请忽略。")


def verify_code(session: Session, data: CodeVerifyIn) -> str:
    """Check the latest code for the contact; returns a token (valid one day) that proves the contact."""
    contact = data.contact.strip().lower() if "@" in data.contact else data.contact.strip().replace(" ", "")
    row = session.scalar(select(ContactVerification).where(ContactVerification.contact == contact)
                         .order_by(ContactVerification.id.desc()).limit(1))
    bad = DomainError("contact.bad_code", "验证码不正确或已过期", "the code is wrong or expired", field="code")
    if row is None or row.verified_at is not None or row.expires_at < utcnow() or row.attempts >= MAX_ATTEMPTS:
        raise bad
    if not hmac.compare_digest(row.code_hash, _h(f"{contact}:{data.code.strip()}")):
        row.attempts += 1
        flush(session, "contact_verification")
        session.commit()  # count the failed attempt even though the request fails
        raise bad
    token = secrets.token_urlsafe(24)
    row.verified_at = utcnow()
    row.token_hash = _h(token)
    row.expires_at = utcnow() + TOKEN_TTL
    flush(session, "contact_verification")
    return token


def verified_contact(session: Session, token: str | None) -> str | None:
    if not token:
        return None
    row = session.scalar(select(ContactVerification).where(ContactVerification.token_hash == _h(token)))
    if row is None or row.verified_at is None or row.expires_at < utcnow():
        return None
    return row.contact


def my_complaints(session: Session, token: str | None) -> list[Complaint]:
    """我的投诉 — the cases filed with the verified contact (e-mail or phone)."""
    contact = verified_contact(session, token)
    if contact is None:
        raise DomainError("contact.not_verified", "请先验证联系方式", "verify your contact first", status=401,
                          field="contact")
    cond = Complaint.contact_email == contact if "@" in contact else Complaint.complainant_phone == contact
    return list(session.scalars(select(Complaint).where(cond, Complaint.anonymous.is_(False))
                                .order_by(Complaint.id.desc()).limit(200)))


def rate_satisfaction(session: Session, data: SatisfactionIn) -> Complaint:
    """满意度评价 — once, by the complainant, after the case is closed."""
    c = track(session, data.tracking_no, data.check_code)
    if c.state not in ("closed", "rejected"):
        raise DomainError("complaint.not_closed", "案件办结后才能评价", "rate the case once it is closed", status=409,
                          field="score")
    if c.satisfaction is not None:
        raise Conflict("complaint.already_rated", "已评价过", "already rated")
    c.satisfaction = data.score
    c.satisfaction_note = data.note.strip()
    _event(session, c, COMPLAINANT, "note", today(), public=True, note=f"投诉人评价：{data.score} 分",
           data={"satisfaction": data.score})
    flush(session, "complaint")
    return c
