"""Alerts (风险警示): draft, publish, withdraw, the public view and its Atom feed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from zhijian.catalog import service as catalog
from zhijian.platform import jurisdiction
from zhijian.platform.auth import Actor
from zhijian.platform.crud import added, flush, get_or_404
from zhijian.platform.db import utcnow
from zhijian.platform.errors import DomainError, InvalidTransition, NotFound
from zhijian.platform.pagination import Page, keyset_page
from zhijian.platform.records import Record
from zhijian.risk import matrix
from zhijian.risk.models import Alert
from zhijian.risk.schemas import (
    ALERT_FIELDS,
    DEFAULT_PUBLIC,
    MEASURES,
    AlertIn,
)
from zhijian.risk.service.assessments import get_assessment
from zhijian.risk.service.policy import (
    _author_region,
    can_monitor,
    can_publish_alert,
    signal_regions,
)
from zhijian.risk.service.signals import get_signal


def _next_ref(session: Session, model: Any, prefix: str, year: int) -> str:
    like = f"{prefix}-{year}-%"
    last = session.scalar(select(func.max(model.ref)).where(model.ref.like(like)))
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}-{year}-{seq:04d}"


def create_alert(session: Session, actor: Actor, data: AlertIn) -> Alert:
    """起草风险警示 — from a confirmed signal or an assessment; public fields chosen per field."""
    can_publish_alert(actor)
    unknown = [k for k in data.fields if k not in ALERT_FIELDS]
    if unknown:
        raise DomainError("risk.bad_alert_field", f"未知的通报字段：{', '.join(unknown)}",
                          f"unknown alert fields: {', '.join(unknown)}", field="fields")
    public = DEFAULT_PUBLIC if data.public_fields is None else data.public_fields
    bad = [k for k in public if k not in ALERT_FIELDS]
    if bad:
        raise DomainError("risk.bad_alert_field", f"未知的公开字段：{', '.join(bad)}", f"unknown public fields: {', '.join(bad)}",
                          field="public_fields")
    if data.signal_id is None and data.assessment_id is None:
        raise DomainError("risk.alert_basis", "风险警示须基于已确认的信号或风险评估",
                          "an alert needs a confirmed signal or an assessment", field="signal_id")
    region = None
    if data.signal_id is not None:
        sig = get_signal(session, actor, data.signal_id)
        if sig.status != "confirmed":
            raise DomainError("risk.signal_not_confirmed", "信号尚未确认，不能据此发布警示",
                              "the signal is not confirmed", field="signal_id", status=409)
        region = next((r for r in signal_regions(session, sig) if r and jurisdiction.covers(actor, r)), None)
    if data.assessment_id is not None:
        region = region or get_assessment(session, actor, data.assessment_id).region_code
    for eid in data.enterprise_ids:
        catalog.get_organization(session, actor, eid)
    region = (region or _author_region(session, actor)
              or next((catalog.region_of(session, e) for e in data.enterprise_ids), None))
    row = Alert(ref=_next_ref(session, Alert, "FX", dt.date.today().year), title=data.title, risk_level=data.risk_level,
                fields=dict(data.fields), public_fields=list(public), enterprise_ids=list(data.enterprise_ids),
                regulator_emails=list(data.regulator_emails), signal_id=data.signal_id,
                assessment_id=data.assessment_id, status="draft", region_code=region)
    return added(session, row, "risk_alert")


def get_alert(session: Session, actor: Actor, alert_id: int, *, acting: bool = False) -> Alert:
    """An alert: published ones are public (any monitor reads them); drafts and withdrawn ones, and every action,
    only within the division."""
    can_monitor(actor)
    row = get_or_404(session, Alert, alert_id, "alert")
    if acting or row.status != "published":
        jurisdiction.ensure_covers(actor, row.region_code, "风险警示", "alert")
    return row


def _move(session: Session, actor: Actor, alert_id: int, current: str, target: str) -> Alert:
    """One step of an alert's life (draft → published → withdrawn), by a regulator of its division."""
    can_publish_alert(actor)
    row = get_alert(session, actor, alert_id, acting=True)
    if row.status != current:
        raise InvalidTransition("alert", row.status, target)
    row.status = target
    return row


def publish_alert(session: Session, actor: Actor, alert_id: int) -> Alert:
    """发布 — the alert becomes public (its public fields) and the notification mail is due."""
    row = _move(session, actor, alert_id, "draft", "published")
    row.published_at = utcnow()
    flush(session, "risk_alert")
    return row


def withdraw_alert(session: Session, actor: Actor, alert_id: int) -> Alert:
    """撤回 — a published alert leaves the public list."""
    row = _move(session, actor, alert_id, "published", "withdrawn")
    flush(session, "risk_alert")
    return row


def list_alerts(session: Session, actor: Actor, *, status: str | None = None, limit: int = 50,
                cursor: str | None = None) -> Page[Alert]:
    can_monitor(actor)
    stmt: Select[Any] = select(Alert)
    if status:
        stmt = stmt.where(Alert.status == status)
    if (clause := jurisdiction.region_clause(actor, Alert.region_code)) is not None:
        stmt = stmt.where(or_(Alert.status == "published", clause))
    return keyset_page(session, stmt, Alert.id, limit=limit, cursor=cursor, descending=True)


@dataclass(frozen=True)
class AlertView(Record):
    """The public face of an alert (公开内容): only the fields chosen as public, in the display order."""

    ref: str
    title: str
    risk_level: str
    risk_level_zh: str
    published_at: dt.datetime | None
    fields: dict[str, Any]


def public_view(alert: Alert) -> AlertView:
    """Only the fields chosen as public, in the display order."""
    fields = {k: alert.fields[k] for k in ALERT_FIELDS if k in alert.public_fields and k in alert.fields}
    return AlertView(ref=alert.ref, title=alert.title, risk_level=alert.risk_level,
                     risk_level_zh=matrix.LEVEL_ZH.get(alert.risk_level, alert.risk_level),
                     published_at=alert.published_at, fields=fields)


def public_alerts(session: Session, *, limit: int = 50, cursor: str | None = None) -> Page[Alert]:
    stmt: Select[Any] = select(Alert).where(Alert.status == "published")
    return keyset_page(session, stmt, Alert.id, limit=limit, cursor=cursor, descending=True)


def public_alert(session: Session, ref: str) -> Alert:
    row = session.scalar(select(Alert).where(Alert.ref == ref, Alert.status == "published"))
    if row is None:
        raise NotFound("alert", ref)
    return row


def alert_feed(session: Session, base_url: str, *, limit: int = 50) -> bytes:
    """Atom feed of the published alerts (public fields only)."""
    from feedgen.feed import FeedGenerator

    base = base_url.rstrip("/")
    fg = FeedGenerator()
    fg.id(f"{base}/risk/alerts")
    fg.title("质检 · 产品风险警示")
    fg.subtitle("已发布的产品质量安全风险警示（预警通报）")
    fg.link(href=f"{base}/risk/alerts", rel="alternate")
    fg.link(href=f"{base}/risk/alerts.atom", rel="self")
    fg.language("zh-CN")
    rows = public_alerts(session, limit=min(limit, 500)).items
    fg.updated(max((r.published_at for r in rows if r.published_at), default=utcnow()))
    for a in reversed(rows):
        v = public_view(a)
        e = fg.add_entry()
        e.id(f"{base}/risk/alerts/{a.ref}")
        e.title(f"【{v.risk_level_zh}】{a.title}")
        e.link(href=f"{base}/risk/alerts/{a.ref}")
        e.published(a.published_at or utcnow())
        e.updated(a.published_at or utcnow())
        e.summary("；".join(f"{ALERT_FIELDS[k]}：{field_text(val)}" for k, val in v.fields.items()))
    feed: bytes = fg.atom_str(pretty=True)
    return feed


def field_text(v: Any) -> str:
    """A field's value as text: measures by their Chinese names."""
    if isinstance(v, list):
        return "、".join(MEASURES.get(str(x), str(x)) for x in v)
    return str(v)
