"""活动 REST API: thin handlers over campaigns.service."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from zhijian.association.campaigns import service
from zhijian.association.campaigns.schemas import (
    CampaignIn,
    CampaignOut,
    EventIn,
    EventOut,
    NoticeIn,
    NoticeOut,
    RegistrationIn,
    ReviewIn,
)
from zhijian.association.common.api import Action, action_routes
from zhijian.platform.deps import ActorDep, SessionDep

router = APIRouter(prefix="/api/v1/association/campaigns", tags=["association"])
action_routes(
    router, {"code": str, "nid": int, "event_id": int},
    Action("POST", "/events/{event_id}/registrations", "register", service.register, ("id", "event_id", "name"),
           RegistrationIn, 201, doc="报名 (no login needed)."),

    Action("POST", "", "create", service.create_campaign, CampaignOut, CampaignIn, 201),
    Action("POST", "/notices", "write_notice", service.write_notice, NoticeOut, NoticeIn, 201),
    Action("POST", "/notices/{nid}/submit", "submit_notice", service.submit_notice, NoticeOut),
    Action("POST", "/notices/{nid}/review", "review_notice", service.review_notice, NoticeOut, ReviewIn),
    Action("POST", "/{code}/publish", "publish", service.publish_campaign, CampaignOut),
    Action("POST", "/{code}/events", "add_event", service.add_event, EventOut, EventIn, 201),
    Action("POST", "/{code}/close", "close", service.close_campaign, CampaignOut),
    Action("GET", "", "list_campaigns", service.list_campaigns, CampaignOut, many=True),
)


@router.get("/notices", response_model=list[NoticeOut])
def list_notices(session: SessionDep, actor: ActorDep, all: bool = False) -> list[NoticeOut]:  # noqa: A002
    return [NoticeOut.model_validate(n) for n in service.notices(session, actor, published_only=not all)]


@router.get("/{code}")
def page(code: str, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    v = service.campaign_page(session, actor, code)
    return {"campaign": CampaignOut.model_validate(v["campaign"]).model_dump(mode="json"),
            "events": [EventOut.model_validate(e).model_dump(mode="json") for e in v["events"]],
            "notices": [NoticeOut.model_validate(n).model_dump(mode="json") for n in v["notices"]],
            "statistics": v["stats"]}


stats_router = APIRouter(prefix="/api/v1/association", tags=["association"])


@stats_router.get("/complaint-statistics")
def complaint_statistics(session: SessionDep, actor: ActorDep, start: str | None = None,
                         end: str | None = None) -> dict[str, Any]:
    """投诉举报统计 by category and province, anonymised (counts under 3 are null); the secretariat only."""
    from dataclasses import asdict

    from zhijian.association.campaigns.complaint_stats import MIN_CELL, complaint_statistics
    from zhijian.platform.calendar import parse_date

    st = complaint_statistics(session, actor, start=parse_date(start, "start"), end=parse_date(end, "end"))
    return asdict(st) | {"suppressed_below": MIN_CELL}
