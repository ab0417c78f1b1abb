"""What the consumer room (投诉举报, 质量诚信, 认证证书) offers other rooms: its contract (docs/CONTRACTS.md, checked by
`tests/test_contracts.py`). Other rooms reach these only through `zhijian.platform.rooms.call` (tolerant
reads) or `offer` (writes); nothing else of this room is public to them."""

from __future__ import annotations

from collections.abc import Callable

from zhijian.consumer.credit_listings import add_listing
from zhijian.consumer.notifications import notify
from zhijian.consumer.reads import penalty_recorded
from zhijian.consumer.rules import CERT_KIND_ZH
from zhijian.consumer.schemas import PenaltyIn
from zhijian.consumer.service import (
    CertificateInfo,
    add_penalty,
    certificates_for,
    complaint_records,
    draw_weights,
    get_complaint,
    justified_complaints,
    list_complaints,
    overdue,
    readable_complaints,
)


def cert_kinds() -> dict[str, str]:
    """Certificate kinds with their Chinese names (认证证书种类), for other rooms' pages."""
    return dict(CERT_KIND_ZH)


def audit_readers() -> dict[str, Callable[..., object]]:
    """The records whose 审计历史 staff may read, each with the read that decides who may (404/403)."""
    return {"complaint": get_complaint}


__all__ = ["audit_readers", "CERT_KIND_ZH", "cert_kinds", "CertificateInfo", "PenaltyIn", "add_listing", "add_penalty", "certificates_for", "complaint_records", "draw_weights", "justified_complaints", "list_complaints", "notify", "overdue", "penalty_recorded", "readable_complaints"]
