"""Background jobs of the trace room: webhook delivery of EPCIS subscriptions (stream and scheduled)."""

from __future__ import annotations

from typing import Any

from zhijian.platform.db import Database
from zhijian.platform.jobs import job
from zhijian.trace import epcis_service


@job("trace.deliver_subscriptions")
def deliver_stream(db: Database) -> dict[str, Any]:
    """After a capture: send the new matching events to stream subscribers (signed with GS1-Signature)."""
    return {"deliveries": epcis_service.deliver_subscriptions(db, stream=True)}


@job("trace.deliver_scheduled", every_seconds=60)
def deliver_scheduled(db: Database) -> dict[str, Any]:
    """Every minute: scheduled subscriptions whose schedule matches now; also retries failed stream deliveries."""
    return {"scheduled": epcis_service.deliver_subscriptions(db, stream=False),
            "stream": epcis_service.deliver_subscriptions(db, stream=True)}
