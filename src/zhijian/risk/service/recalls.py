"""Recalls (召回): start (with the `risk.recall_started` event), progress reports, closing, overdue reports, notices."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from zhijian.catalog import rules as catalog_rules
from zhijian.catalog import service as catalog
from zhijian.platform import jurisdiction
from zhijian.platform.auth import SYSTEM, Actor
from zhijian.platform.crud import flush, get_or_404
from zhijian.platform.errors import DomainError, InvalidTransition, NotFound, PermissionDenied
from zhijian.platform.events import publish
from zhijian.platform.pagination import Page, keyset_page
from zhijian.platform.records import Record
from zhijian.risk.models import Alert, Recall, RecallReport
from zhijian.risk.schemas import (
    RecallCloseIn,
    RecallIn,
    RecallReportIn,
)
from zhijian.risk.service.alerts import _next_ref
from zhijian.risk.service.labels import Labels
from zhijian.risk.service.policy import (
    MONITOR_ROLES,
    can_read_recall,
    can_report_recall,
    can_start_recall,
)


def start_recall(session: Session, actor: Actor, data: RecallIn) -> Recall:
    """发起召回 — store the recall and publish `risk.recall_started` with its lots (the trace room marks
    the lots' codes recalled, so consumers who verify a code see the recall)."""
    can_start_recall(actor, data.enterprise_id)
    org = catalog.get_organization(session, actor, data.enterprise_id)
    jurisdiction.ensure_covers(actor, org.region_code, "企业", "enterprise")  # a regulator orders in its division
    if org.kind != "enterprise":
        raise DomainError("risk.not_enterprise", "召回主体必须是企业", "a recall belongs to an enterprise",
                          field="enterprise_id")
    gtins: dict[int, str | None] = {}
    for pid in data.product_ids + [lot.product_id for lot in data.lots if lot.product_id is not None]:
        if pid not in gtins:
            p = catalog.get_product(session, actor, pid)
            if p.enterprise_id != data.enterprise_id:
                raise DomainError("risk.product_not_of_enterprise", f"产品 {pid} 不属于该企业",
                                  f"product {pid} does not belong to the enterprise", field="product_ids")
            gtins[pid] = p.gtin
    lots = []
    for i, lot in enumerate(data.lots):
        gtin = lot.gtin or (gtins.get(lot.product_id) if lot.product_id is not None else None)
        if gtin:
            gtin = catalog_rules.normalize_gtin(gtin, field=f"lots[{i}].gtin")
        lots.append({"gtin": gtin, "lot": lot.lot, "product_id": lot.product_id, "units": lot.units})
    product_ids = sorted(set(data.product_ids) | {lot["product_id"] for lot in lots if lot["product_id"] is not None})
    if data.alert_id is not None and session.get(Alert, data.alert_id) is None:
        raise NotFound("alert", data.alert_id, field="alert_id")
    row = Recall(ref=_next_ref(session, Recall, "ZH", data.started_on.year), enterprise_id=data.enterprise_id,
                 product_ids=product_ids, lots=lots, title=data.title, reason=data.reason, hazard=data.hazard,
                 risk_level=data.risk_level, plan=data.plan, remedy=data.remedy, started_on=data.started_on,
                 units_total=data.units_total, report_every_days=data.report_every_days, alert_id=data.alert_id)
    session.add(row)
    flush(session, "risk_recall")
    publish(session, "risk.recall_started", {
        "recall_id": row.id, "recall_ref": row.ref, "enterprise_id": row.enterprise_id,
        "lots": [{"gtin": lot["gtin"], "lot": lot["lot"]} for lot in lots if lot["gtin"]],
        "reason": row.reason, "risk_level": row.risk_level})
    return row


def get_recall(session: Session, actor: Actor, recall_id: int) -> Recall:
    row = get_or_404(session, Recall, recall_id, "recall")
    can_read_recall(actor, row, catalog.region_of(session, row.enterprise_id))
    return row


@dataclass(frozen=True)
class RecallProgress(Record):
    """召回进度: units recovered by the latest report, the next report's due date (None once closed), overdue."""

    units_recovered: int
    next_report_due: dt.date | None
    overdue: bool
    days_overdue: int
    percent: float | None


def recall_progress(recall: Recall, today: dt.date | None = None) -> RecallProgress:
    """Units recovered (latest report), the next report's due date and whether it is overdue."""
    today = today or dt.date.today()
    last = recall.reports[-1] if recall.reports else None
    base = last.reported_on if last else recall.started_on
    due = base + dt.timedelta(days=recall.report_every_days)
    recovered = last.units_recovered if last else 0
    overdue = recall.status == "open" and today > due
    return RecallProgress(units_recovered=recovered, next_report_due=due if recall.status == "open" else None,
                          overdue=overdue, days_overdue=(today - due).days if overdue else 0,
                          percent=(100.0 * recovered / recall.units_total) if recall.units_total else None)


def report_recall_progress(session: Session, actor: Actor, recall_id: int, data: RecallReportIn) -> RecallReport:
    """召回进展报告 — cumulative units recovered; never more than the total, never going down."""
    recall = get_recall(session, actor, recall_id)
    can_report_recall(actor, recall)
    if recall.status != "open":
        raise InvalidTransition("recall", recall.status, "report")
    if data.reported_on < recall.started_on:
        raise DomainError("risk.report_before_start", "报告日期早于召回开始日期", "report date is before the recall started",
                          field="reported_on")
    if recall.reports and data.reported_on < recall.reports[-1].reported_on:
        raise DomainError("risk.report_out_of_order", "报告日期早于上一次报告", "report date is before the previous report",
                          field="reported_on")
    if data.units_recovered > recall.units_total:
        raise DomainError("risk.too_many_units", f"已召回数量不能超过召回总数 {recall.units_total}",
                          f"units recovered cannot exceed the total {recall.units_total}", field="units_recovered")
    if recall.reports and data.units_recovered < recall.reports[-1].units_recovered:
        raise DomainError("risk.units_decrease", "累计召回数量不能减少", "cumulative units recovered cannot decrease",
                          field="units_recovered")
    rep = RecallReport(recall_id=recall.id, reported_on=data.reported_on, units_recovered=data.units_recovered,
                       note=data.note, reported_by=actor.label)
    recall.reports.append(rep)
    flush(session, "risk_recall_report")
    return rep


def close_recall(session: Session, actor: Actor, recall_id: int, data: RecallCloseIn) -> Recall:
    """结束召回 — a regulator closes it with a summary."""
    actor.require("regulator")
    recall = get_recall(session, actor, recall_id)
    if recall.status != "open":
        raise InvalidTransition("recall", recall.status, "closed")
    if data.closed_on < recall.started_on:
        raise DomainError("risk.close_before_start", "结束日期早于开始日期", "closing date is before the start",
                          field="closed_on")
    recall.status, recall.closed_on, recall.summary = "closed", data.closed_on, data.summary
    flush(session, "risk_recall")
    return recall


def list_recalls(session: Session, actor: Actor, *, status: str | None = None, enterprise_id: int | None = None,
                 limit: int = 50, cursor: str | None = None) -> Page[Recall]:
    if not actor.is_staff:
        actor.require("enterprise")
        enterprise_id = actor.organization_id if enterprise_id is None else enterprise_id
        if not actor.owns(enterprise_id):
            raise PermissionDenied("只能查看本企业的召回", "you may only see your own enterprise's recalls")
    stmt: Select[Any] = select(Recall)
    if status:
        stmt = stmt.where(Recall.status == status)
    if enterprise_id is not None:
        stmt = stmt.where(Recall.enterprise_id == enterprise_id)
    if (clause := jurisdiction.region_clause(actor, catalog.region_column(Recall.enterprise_id))) is not None:
        stmt = stmt.where(clause)
    return keyset_page(session, stmt, Recall.id, limit=limit, cursor=cursor, descending=True)


def overdue_recalls(session: Session, actor: Actor, today: dt.date | None = None) -> list[tuple[Recall, RecallProgress]]:
    """逾期未报告 — open recalls whose next progress report is past due."""
    actor.require(*MONITOR_ROLES)
    out: list[tuple[Recall, RecallProgress]] = []
    stmt = select(Recall).where(Recall.status == "open")
    if (clause := jurisdiction.region_clause(actor, catalog.region_column(Recall.enterprise_id))) is not None:
        stmt = stmt.where(clause)
    for r in session.scalars(stmt.order_by(Recall.started_on)):
        prog = recall_progress(r, today)
        if prog.overdue:
            out.append((r, prog))
    return out


def public_recalls(session: Session, *, limit: int = 50, cursor: str | None = None) -> Page[Recall]:
    """召回公告 — every recall is public (what, why, which lots, the remedy)."""
    return keyset_page(session, select(Recall), Recall.id, limit=limit, cursor=cursor, descending=True)


def public_recall(session: Session, ref: str) -> Recall:
    row = session.scalar(select(Recall).where(Recall.ref == ref))
    if row is None:
        raise NotFound("recall", ref)
    return row


def enterprise_name(session: Session, enterprise_id: int) -> str:
    """The recalling enterprise's name for notices (public information)."""
    return Labels(session, SYSTEM).enterprise(enterprise_id)


def recall_records(session: Session, *, enterprise_id: int | None = None) -> list[tuple[Any, ...]]:
    """Contract for other rooms: `(recall_id, enterprise_id, product_ids, started_on, risk_level, status)`."""
    stmt = select(Recall.id, Recall.enterprise_id, Recall.product_ids, Recall.started_on, Recall.risk_level,
                  Recall.status).order_by(Recall.id)
    if enterprise_id is not None:
        stmt = stmt.where(Recall.enterprise_id == enterprise_id)
    return [(r[0], r[1], list(r[2] or []), r[3], r[4], r[5]) for r in session.execute(stmt)]
