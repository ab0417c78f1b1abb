"""Risk assessments (风险评估) with the EU method of `risk.matrix`, kept with their input."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from zhijian.catalog import service as catalog
from zhijian.platform import jurisdiction
from zhijian.platform.auth import Actor
from zhijian.platform.crud import added, get_or_404
from zhijian.platform.pagination import Page, keyset_page
from zhijian.risk import matrix
from zhijian.risk.models import Assessment
from zhijian.risk.schemas import (
    AssessmentIn,
)
from zhijian.risk.service.policy import _author_region, _region_of_product, can_monitor, signal_regions
from zhijian.risk.service.signals import get_signal


def assessment_input(data: AssessmentIn) -> dict[str, Any]:
    """The method's input as stored (and as the CLI reads it): product, hazard, scenarios, flags, exposure."""
    return data.model_dump(exclude={"product_id", "signal_id", "exposure_adjustment"})


def create_assessment(session: Session, actor: Actor, data: AssessmentIn) -> Assessment:
    """风险评估 — run the EU method on the scenarios and keep input and result (one record)."""
    can_monitor(actor)
    raw = assessment_input(data)
    parsed = matrix.parse_assessment(raw)
    result = matrix.assess(parsed, exposure_adjustment=data.exposure_adjustment)
    if data.product_id is not None:
        catalog.get_product(session, actor, data.product_id)
    region = None
    if data.signal_id is not None:
        sig = get_signal(session, actor, data.signal_id)
        region = next((r for r in signal_regions(session, sig) if r and jurisdiction.covers(actor, r)), None)
    region = region or _author_region(session, actor) or _region_of_product(session, data.product_id)
    row = Assessment(product_name=parsed.product, product_id=data.product_id, signal_id=data.signal_id,
                     hazard=data.hazard, input=raw, result=result, risk_level=result["risk_level"],
                     assessor=actor.label, region_code=region)
    return added(session, row, "risk_assessment")


def get_assessment(session: Session, actor: Actor, assessment_id: int) -> Assessment:
    can_monitor(actor)
    row = get_or_404(session, Assessment, assessment_id, "assessment")
    jurisdiction.ensure_covers(actor, row.region_code, "风险评估", "assessment")
    return row


def list_assessments(session: Session, actor: Actor, *, limit: int = 50, cursor: str | None = None) -> Page[Assessment]:
    can_monitor(actor)
    stmt: Select[Any] = select(Assessment)
    if (clause := jurisdiction.region_clause(actor, Assessment.region_code)) is not None:
        stmt = stmt.where(clause)
    return keyset_page(session, stmt, Assessment.id, limit=limit, cursor=cursor, descending=True)
