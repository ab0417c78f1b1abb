"""The monitoring dashboard (监测看板): the latest scan, open signals, published alerts, overdue recalls, PPV."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from zhijian.platform.auth import Actor
from zhijian.platform.records import Record
from zhijian.risk.models import Alert, Recall, ScanRun, Signal
from zhijian.risk.service.alerts import list_alerts
from zhijian.risk.service.policy import can_monitor, scoped_summary
from zhijian.risk.service.recalls import RecallProgress, overdue_recalls
from zhijian.risk.service.scanning import ScanFigures, latest_scan, scan_figures
from zhijian.risk.service.signals import MethodPerformance, list_signals, method_performance


@dataclass(frozen=True)
class RiskDashboard(Record):
    """监测看板: the latest finished scan, its aggregates as the actor may see them, and the work queues."""

    scan: ScanRun | None
    figures: ScanFigures | None  # the scan's counts as the actor may see them (a division's, for a regional bureau)
    summary: dict[str, Any]
    open_signals: Sequence[Signal]
    alerts: Sequence[Alert]
    overdue: list[tuple[Recall, RecallProgress]]
    performance: list[MethodPerformance]


def dashboard(session: Session, actor: Actor) -> RiskDashboard:
    """监测看板 — the latest scan's aggregates, open signals, published alerts, overdue recalls, PPV."""
    can_monitor(actor)
    run = latest_scan(session, actor)
    return RiskDashboard(
        scan=run,
        figures=scan_figures(session, actor, run) if run else None,
        summary=scoped_summary(session, actor, run.summary) if run else {},
        open_signals=list_signals(session, actor, status="open", limit=20).items,
        alerts=list_alerts(session, actor, status="published", limit=10).items,
        overdue=overdue_recalls(session, actor),
        performance=method_performance(session, actor),
    )
