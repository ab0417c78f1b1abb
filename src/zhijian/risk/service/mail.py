"""The alert e-mail (通报): the public view to affected enterprises, the full alert to regulators, over SMTP."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from sqlalchemy.orm import Session

from zhijian.catalog import service as catalog
from zhijian.platform.auth import Actor
from zhijian.platform.config import Settings
from zhijian.platform.crud import flush, get_or_404
from zhijian.platform.db import utcnow
from zhijian.platform.errors import DomainError
from zhijian.platform.escape import mail_header
from zhijian.platform.records import Record
from zhijian.risk import matrix
from zhijian.risk.models import Alert
from zhijian.risk.schemas import (
    ALERT_FIELDS,
)
from zhijian.risk.service.alerts import field_text


@dataclass(frozen=True)
class Recipients(Record):
    """Who is mailed (通报对象): the affected enterprises get the public view, the regulators the full alert."""

    enterprise: list[str]
    regulator: list[str]


@dataclass(frozen=True)
class MailReport(Record):
    """What was sent, per group (the job's result, also kept in the alert's mail log)."""

    alert: str
    sent: list[dict[str, Any]]


def alert_recipients(session: Session, actor: Actor, alert: Alert) -> Recipients:
    """Affected enterprises' e-mail, regulators' (organizations of kind regulator with e-mail) plus extras."""
    ents = []
    for eid in alert.enterprise_ids:
        org = catalog.get_organization(session, actor, int(eid))
        if org.email:
            ents.append(org.email)
    page = catalog.list_organizations(session, actor, kind="regulator", limit=500)
    regs = [o.email for o in page.items if o.email] + list(alert.regulator_emails)
    return Recipients(enterprise=sorted(set(ents)), regulator=sorted(set(regs)))


def _alert_body(alert: Alert, internal: bool) -> str:
    lines = [f"风险警示 {alert.ref}：{alert.title}", f"风险等级：{matrix.LEVEL_ZH.get(alert.risk_level, alert.risk_level)}", ""]
    for k, label in ALERT_FIELDS.items():
        if k in alert.fields and (internal or k in alert.public_fields):
            lines.append(f"{label}：{field_text(alert.fields[k])}")
    lines += ["", "本邮件由质检平台发送，请勿直接回复。"]
    return "\n".join(lines)


def send_alert_mail(session: Session, actor: Actor, alert_id: int, settings: Settings) -> MailReport:
    """通报 — e-mail the alert to the affected enterprises (public view) and to regulators (full view) over SMTP.
    Runs as the job `risk.alert_mail`; records what was sent on the alert."""
    alert = get_or_404(session, Alert, alert_id, "alert")
    if alert.status != "published":
        raise DomainError("risk.alert_not_published", "警示未发布，不发送通报", "the alert is not published", status=409)
    if not settings.smtp_host:
        raise DomainError("risk.no_smtp", "未配置 ZHIJIAN_SMTP_HOST，无法发送邮件", "ZHIJIAN_SMTP_HOST is not set")
    rcpt = alert_recipients(session, actor, alert)
    sent: list[dict[str, Any]] = []
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=15) as smtp:
        for group, internal, to in (("enterprise", False, rcpt.enterprise), ("regulator", True, rcpt.regulator)):
            if not to:
                continue
            msg = EmailMessage()
            msg["From"] = mail_header(settings.smtp_sender)
            msg["To"] = mail_header(", ".join(to), max_length=4000)
            msg["Subject"] = mail_header(f"【风险警示】{alert.ref} {alert.title}")  # no header injection (#13)
            msg.set_content(_alert_body(alert, internal))
            smtp.send_message(msg)
            sent.append({"group": group, "to": to, "at": utcnow().isoformat()})
    alert.mailed_at = utcnow()
    alert.mail_log = list(alert.mail_log or []) + sent
    flush(session, "risk_alert")
    return MailReport(alert=alert.ref, sent=sent)
