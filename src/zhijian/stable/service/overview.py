"""The console home of this room (工作台): counts and the dashboard cards hook."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zhijian.platform.auth import Actor
from zhijian.platform.records import Record
from zhijian.stable.models import (
    Listing,
    StableApplication,
)
from zhijian.stable.service.listings import listed_product_ids
from zhijian.stable.service.policy import STATUS_ZH, _division_clause, can_read_all


@dataclass(frozen=True)
class StableCounts(Record):
    """The console home's counts: the actor's applications by status, valid listings, listings under review."""

    app_submitted: int = 0
    app_reviewed: int = 0
    app_approved: int = 0
    app_rejected: int = 0
    app_withdrawn: int = 0
    listed: int = 0
    flagged: int = 0


def dashboard(session: Session, actor: Actor) -> StableCounts:
    """Counts for the console home of this room."""
    apps = select(StableApplication.status, func.count()).group_by(StableApplication.status)
    if not can_read_all(actor):
        apps = apps.where(StableApplication.enterprise_id == (actor.organization_id or -1))
    elif (clause := _division_clause(actor, StableApplication.enterprise_id)) is not None:
        apps = apps.where(clause)
    by_status = {f"app_{status}": int(n) for status, n in session.execute(apps) if status in STATUS_ZH}
    flagged = session.scalar(select(func.count()).select_from(Listing).where(
        Listing.flagged.is_(True), Listing.status == "listed")) or 0
    return StableCounts(**by_status, listed=len(listed_product_ids(session)), flagged=int(flagged))


def dashboard_cards(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """Console home cards (the web room's `dashboard_cards` hook, a contract: dicts of label, value, href, tone)."""
    if actor.role not in ("association", "admin", "enterprise", "regulator"):
        return []
    c = dashboard(session, actor)
    cards = [{"label": "稳定合格产品待审核", "value": c.app_submitted, "href": "/console/stable?status=submitted",
              "tone": "warn" if c.app_submitted else ""},
             {"label": "待委员会决定", "value": c.app_reviewed, "href": "/console/stable?status=reviewed"},
             {"label": "有效稳定合格产品", "value": c.listed, "href": "/console/stable/listings?state=valid", "tone": "ok"}]
    if can_read_all(actor):
        cards.append({"label": "名单复核中", "value": c.flagged, "href": "/console/stable/listings?state=flagged",
                      "tone": "bad" if c.flagged else ""})
    return cards
