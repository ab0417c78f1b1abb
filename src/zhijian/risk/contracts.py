"""The risk room's (风险监测预警) contract: what other rooms may call through `zhijian.platform.rooms` (docs/CONTRACTS.md)."""

from __future__ import annotations

from collections.abc import Callable

from zhijian.risk.service import (
    ConfirmedSignal,
    confirmed_enterprise_signals,
    get_alert,
    get_assessment,
    get_recall,
    get_signal,
    list_signals,
    overdue_recalls,
    public_alerts,
    public_recalls,
    recall_records,
)


def audit_readers() -> dict[str, Callable[..., object]]:
    """The records whose 审计历史 staff may read, each with the read that decides who may (404/403)."""
    return {"risk_signal": get_signal, "risk_assessment": get_assessment, "risk_alert": get_alert,
            "risk_recall": get_recall}


__all__ = ["audit_readers", "ConfirmedSignal", "confirmed_enterprise_signals", "list_signals", "overdue_recalls", "public_alerts",
           "public_recalls", "recall_records"]
