"""站内通知与邮件 — a generic in-console inbox for every role, and e-mail over SMTP sent after the transaction commits.

Any room may notify: `notify(session, organization_id=…, kind="room.event", subject=…, body=…, link=…)` (or
`user_id=` / `role=`). The message is stored for the console inbox of the users it reaches, and, when SMTP is
configured (ZHIJIAN_SMTP_HOST), mailed to the organization's address and its users' addresses once the transaction
has committed — a rolled-back change sends nothing.

Short messages to a consumer (a one-time code, a notice) go through a `Sender`: e-mail (SMTP), SMS (a pluggable
gateway: implement `Sender.send`) or the console sender of the demo, which only logs.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Protocol

from sqlalchemy import event, or_, select
from sqlalchemy.orm import Session

from zhijian.catalog.models import Organization
from zhijian.consumer.models import Notification
from zhijian.platform.auth import Actor
from zhijian.platform.crud import added, flush
from zhijian.platform.db import utcnow
from zhijian.platform.errors import DomainError, NotFound
from zhijian.platform.escape import mail_body, mail_header
from zhijian.platform.models import User

log = logging.getLogger("zhijian.notifications")

_PENDING = "zhijian.pending_mail"


@dataclass(frozen=True)
class Mail:
    to: tuple[str, ...]
    subject: str
    body: str


def _send_now(mails: list[Mail]) -> None:
    from zhijian.platform.config import get_settings

    settings = get_settings()
    if not settings.smtp_host or not mails:
        return
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
            for m in mails:
                msg = EmailMessage()
                msg["From"] = settings.smtp_sender
                msg["To"] = ", ".join(m.to)
                msg["Subject"] = mail_header(m.subject)  # one line: no header injection (#13)
                msg.set_content(mail_body(m.body))
                smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:  # mail is best effort; the inbox has the message
        log.warning("notification mail failed: %s", exc)


def _after_commit(session: Session) -> None:
    mails = session.info.pop(_PENDING, [])
    _send_now(mails)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def queue_mail(session: Session, to: list[str], subject: str, body: str) -> str:
    """Send after commit; returns the status stored on the notification ("queued", or "no_smtp")."""
    from zhijian.platform.config import get_settings

    to = sorted({t.strip() for t in to if t and "@" in t})
    if not to:
        return ""
    if not get_settings().smtp_host:
        return "no_smtp"
    pending = session.info.setdefault(_PENDING, [])
    if not event.contains(session, "after_commit", _after_commit):
        event.listen(session, "after_commit", _after_commit)
        event.listen(session, "after_soft_rollback", lambda s, _t: _after_rollback(s))
    pending.append(Mail(tuple(to), subject, body))
    return "queued"


def organization_addresses(session: Session, organization_id: int) -> list[str]:
    org = session.get(Organization, organization_id)
    email: str | None = getattr(org, "email", None) if org is not None else None
    out = [email] if email else []
    out += [e for e in session.scalars(select(User.email).where(User.organization_id == organization_id,
                                                                 User.is_active.is_(True))) if e]
    return out


def notify(session: Session, *, kind: str, subject: str, body: str = "", link: str = "",
           organization_id: int | None = None, user_id: int | None = None, role: str | None = None,
           room: str = "consumer", email: bool = True, extra_emails: list[str] | None = None) -> Notification:
    """Store one inbox message (for a user, an organization or a role) and mail it after commit."""
    if organization_id is None and user_id is None and role is None and not extra_emails:
        raise DomainError("notification.no_recipient", "通知缺少接收人", "a notification needs a recipient")
    to: list[str] = list(extra_emails or [])
    if email and organization_id is not None:
        to += organization_addresses(session, organization_id)
    if email and user_id is not None:
        u = session.get(User, user_id)
        if u is not None and u.email:
            to.append(u.email)
    status = queue_mail(session, to, subject, body + (f"\n\n{link}" if link else "")) if email else ""
    n = Notification(user_id=user_id, organization_id=organization_id, role=role, room=room, kind=kind,
                     subject=subject[:200], body=body, link=link[:300], email_to=", ".join(sorted(set(to)))[:1000],
                     email_status=status)
    return added(session, n, "notification")


def _mine(actor: Actor) -> Any:
    conds = []
    if actor.user_id is not None:
        conds.append(Notification.user_id == actor.user_id)
    if actor.organization_id is not None:
        conds.append(Notification.organization_id == actor.organization_id)
    conds.append((Notification.role == actor.role) & Notification.organization_id.is_(None)
                 & Notification.user_id.is_(None))
    return or_(*conds)


def inbox(session: Session, actor: Actor, *, unread_only: bool = False, limit: int = 100) -> list[dict[str, Any]]:
    """The console inbox of the acting user (own, organization and role messages), newest first."""
    if actor.is_public:
        actor.require("enterprise")
    rows = list(session.scalars(select(Notification).where(_mine(actor)).order_by(Notification.id.desc())
                                .limit(limit)))
    out = []
    for n in rows:
        read = n.read_at is not None if n.user_id is not None else actor.user_id in (n.read_by or [])
        if unread_only and read:
            continue
        out.append({"id": n.id, "kind": n.kind, "subject": n.subject, "body": n.body, "link": n.link,
                    "created_at": n.created_at, "read": read, "room": n.room})
    return out


def unread_count(session: Session, actor: Actor) -> int:
    return len(inbox(session, actor, unread_only=True))


def mark_read(session: Session, actor: Actor, notification_id: int) -> None:
    n = session.get(Notification, notification_id)
    if n is None or session.scalar(select(Notification.id).where(Notification.id == notification_id,
                                                                   _mine(actor))) is None:
        raise NotFound("notification", notification_id)
    if n.user_id is not None:
        n.read_at = n.read_at or utcnow()
    elif actor.user_id is not None and actor.user_id not in (n.read_by or []):
        n.read_by = list(n.read_by or []) + [actor.user_id]
    flush(session, "notification")


# ---------------------------------------------------------------- short messages to a consumer (codes, notices)


class Sender(Protocol):
    channel: str

    def send(self, session: Session, to: str, subject: str, text: str) -> None: ...


class EmailSender:
    """E-mail through the platform's SMTP settings, after the transaction commits."""

    channel = "email"

    def send(self, session: Session, to: str, subject: str, text: str) -> None:
        if queue_mail(session, [to], subject, text) != "queued":
            raise DomainError("notification.no_smtp", "未配置邮件服务（ZHIJIAN_SMTP_HOST），无法发送验证码",
                              "e-mail is not configured (ZHIJIAN_SMTP_HOST)", status=503, field="contact")


class ConsoleSender:
    """The demo's sender (for SMS without a gateway): the message goes to the log and to `sent`, nowhere else."""

    def __init__(self, channel: str = "sms") -> None:
        self.channel = channel
        self.sent: list[tuple[str, str]] = []

    def send(self, session: Session, to: str, subject: str, text: str) -> None:
        self.sent.append((to, text))
        log.info("[%s → %s] %s", self.channel, to, text)


_SENDERS: dict[str, Sender] = {"email": EmailSender(), "sms": ConsoleSender("sms")}


def sender(channel: str) -> Sender:
    if channel not in _SENDERS:
        raise DomainError("notification.bad_channel", "联系方式类型应为 email 或 sms", "channel must be email or sms",
                          field="channel")
    return _SENDERS[channel]


def set_sender(channel: str, s: Sender) -> None:
    """Plug in a gateway (an SMS provider's client) for a channel."""
    _SENDERS[channel] = s
