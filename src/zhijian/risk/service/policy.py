"""Who may do what in the risk room (one policy section, 权限) and where a record belongs (管辖, issue 13):
a regulator sees the signals, assessments, draft alerts and recalls of its division; published alerts are public."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.catalog.models import Organization, Product
from zhijian.catalog.service import region_column, region_of
from zhijian.platform import jurisdiction
from zhijian.platform.auth import Actor
from zhijian.platform.errors import DomainError, PermissionDenied
from zhijian.risk.models import Recall, Signal

# ---------------------------------------------------------------- policy (one place per room)

MONITOR_ROLES = ("regulator", "association")


def can_monitor(actor: Actor) -> None:
    """Signals, configurations, assessments and the dashboard: regulators and the association."""
    actor.require(*MONITOR_ROLES)


def can_publish_alert(actor: Actor) -> None:
    """Alerts are administrative acts: regulators only (admin always)."""
    actor.require("regulator")


def can_start_recall(actor: Actor, enterprise_id: int) -> None:
    """A recall is started by the enterprise itself or ordered by a regulator."""
    if actor.role in ("admin", "regulator"):
        return
    if actor.role == "enterprise" and actor.owns(enterprise_id):
        return
    actor.require("regulator", "enterprise")
    raise PermissionDenied("企业只能为本企业发起召回", "an enterprise may only start its own recalls")


def can_read_recall(actor: Actor, recall: Recall, region_code: str | None = None) -> None:
    """Staff and the recalling enterprise; a regulator only within its division (404 outside)."""
    if actor.role == "regulator":
        jurisdiction.ensure_covers(actor, region_code, "召回", "recall")
        return
    if actor.is_staff or actor.owns(recall.enterprise_id):
        return
    actor.require("admin", "regulator", "association", "enterprise")
    raise PermissionDenied("只能查看本企业的召回", "you may only see your own enterprise's recalls")


def can_report_recall(actor: Actor, recall: Recall) -> None:
    can_start_recall(actor, recall.enterprise_id)


# ---------------------------------------------------------------- jurisdiction (issue 13)
# A regulator sees the signals, assessments, draft alerts and recalls of its division (GB/T 2260 prefix, see
# platform.jurisdiction); the national level, admin and the association see all; published alerts are public.


def _product_region(col: Any) -> Any:
    return (select(Organization.region_code).join(Product, Product.enterprise_id == Organization.id)
            .where(Product.id == col).scalar_subquery())


def _signal_clause(actor: Actor) -> Any:
    """A signal's division: its series' region, else its enterprise's, else its product's enterprise's."""
    return jurisdiction.region_clause(actor, Signal.region_code, region_column(Signal.enterprise_id),
                                      _product_region(Signal.product_id))


def _region_of_product(session: Session, product_id: int | None) -> str | None:
    if product_id is None:
        return None
    return session.scalar(select(Organization.region_code).join(Product, Product.enterprise_id == Organization.id)
                          .where(Product.id == product_id))


def signal_regions(session: Session, sig: Signal) -> list[str | None]:
    return [sig.region_code, region_of(session, sig.enterprise_id),
            _region_of_product(session, sig.product_id)]


def _author_region(session: Session, actor: Actor) -> str | None:
    """The division of a regional regulator's own work (None for national, admin, association)."""
    if jurisdiction.regional_prefix(actor) is None or actor.organization_id is None:
        return None
    return region_of(session, actor.organization_id)


def _outside(what: str, what_en: str) -> DomainError:
    return DomainError("jurisdiction.outside", f"{what}不存在或不在本辖区", f"{what_en} not found in your jurisdiction",
                       status=404)


def scoped_summary(session: Session, actor: Actor, summary: dict[str, Any]) -> dict[str, Any]:
    """The scan's aggregates as a regional regulator may see them: its division's cells, trends, funnel points
    and enterprises; the national weekly complaint total is left out."""
    prefix = jurisdiction.regional_prefix(actor)
    if prefix is None or not summary:
        return summary

    def mine(code: Any) -> bool:
        return bool(code) and str(code).startswith(prefix)

    out = dict(summary)
    out["heatmap"] = [c for c in summary.get("heatmap", []) if mine(c.get("region"))]
    out["trends"] = [t for t in summary.get("trends", []) if mine(t.get("region"))]
    out["funnels"] = [f | {"points": [p for p in f.get("points", []) if mine(p.get("region"))]}
                      for f in summary.get("funnels", [])]
    out["funnels"] = [f for f in out["funnels"] if f["points"]]
    ents = {e.get("enterprise_id") for e in summary.get("enterprises", [])}
    regions = {int(i): r for i, r in session.execute(select(Organization.id, Organization.region_code).where(
        Organization.id.in_([i for i in ents if i is not None])))} if ents else {}
    out["enterprises"] = [e for e in summary.get("enterprises", []) if mine(regions.get(e.get("enterprise_id")))]
    out["complaints"] = {}
    return out
