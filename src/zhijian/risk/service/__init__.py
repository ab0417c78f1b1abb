"""风险监测预警 use cases, one module per workflow: the policy and jurisdiction (`policy`), the scan's inputs from
other rooms (`inputs`), series configurations (`configs`), the scan (`scanning`), signals and their review
(`signals`), assessments, alerts and their e-mail (`alerts`, `mail`), recalls, and the dashboard (`overview`).
The API, the CLI, the pages, the jobs and the demo call these functions through this package, whose names are
those of the former single module (`zhijian.risk.service`)."""

from __future__ import annotations

from zhijian.risk.schemas import AlertIn, AssessmentIn, RecallCloseIn, RecallIn, RecallReportIn, SeriesConfigIn
from zhijian.risk.service.alerts import (
    AlertView,
    alert_feed,
    create_alert,
    field_text,
    get_alert,
    list_alerts,
    public_alert,
    public_alerts,
    public_view,
    publish_alert,
    withdraw_alert,
)
from zhijian.risk.service.assessments import assessment_input, create_assessment, get_assessment, list_assessments
from zhijian.risk.service.configs import list_configs, load_configs, upsert_config
from zhijian.risk.service.inputs import complaint_rows, equipment_drafts, spotcheck_rows
from zhijian.risk.service.labels import Labels
from zhijian.risk.service.mail import MailReport, Recipients, alert_recipients, send_alert_mail
from zhijian.risk.service.overview import RiskDashboard, dashboard
from zhijian.risk.service.policy import (
    MONITOR_ROLES,
    can_monitor,
    can_publish_alert,
    can_read_recall,
    can_report_recall,
    can_start_recall,
    scoped_summary,
    signal_regions,
)
from zhijian.risk.service.recalls import (
    RecallProgress,
    close_recall,
    enterprise_name,
    get_recall,
    list_recalls,
    overdue_recalls,
    public_recall,
    public_recalls,
    recall_progress,
    recall_records,
    report_recall_progress,
    start_recall,
)
from zhijian.risk.service.scanning import ScanFigures, latest_scan, run_scan, scan_day, scan_figures, summary_in
from zhijian.risk.service.signals import (
    ConfirmedSignal,
    MethodPerformance,
    confirmed_enterprise_signals,
    get_signal,
    list_signals,
    method_performance,
    review_signal,
)

__all__ = [
    "ScanFigures",
    "scan_figures",
    "MONITOR_ROLES", "AlertIn", "Labels", "AlertView", "AssessmentIn", "ConfirmedSignal", "MailReport", "MethodPerformance", "RecallCloseIn",
    "RecallIn", "RecallProgress", "RecallReportIn", "Recipients", "RiskDashboard", "SeriesConfigIn",
    "alert_feed", "alert_recipients", "assessment_input", "can_monitor", "can_publish_alert", "can_read_recall",
    "can_report_recall", "can_start_recall", "close_recall", "complaint_rows", "confirmed_enterprise_signals", "create_alert",
    "create_assessment", "dashboard", "enterprise_name", "equipment_drafts", "field_text", "get_alert",
    "get_assessment", "get_recall", "get_signal", "latest_scan", "list_alerts", "list_assessments", "list_configs",
    "list_recalls", "list_signals", "load_configs", "method_performance", "overdue_recalls", "public_alert",
    "public_alerts", "public_recall", "public_recalls", "public_view", "publish_alert", "recall_progress",
    "recall_records", "report_recall_progress", "review_signal", "run_scan", "scan_day", "scoped_summary", "send_alert_mail",
    "signal_regions", "spotcheck_rows", "summary_in", "start_recall", "upsert_config", "withdraw_alert",
]
