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
from zhijian.platform.deps import ActorDep, SessionDep

router = APIRouter(prefix="/api/v1/association/campaigns", tags=["association"])


@router.post("", response_model=CampaignOut, status_code=201)
def create(data: CampaignIn, session: SessionDep, actor: ActorDep) -> CampaignOut:
    return CampaignOut.model_validate(service.create_campaign(session, actor, data))


@router.get("", response_model=list[CampaignOut])
def list_campaigns(session: SessionDep, actor: ActorDep) -> list[CampaignOut]:
    return [CampaignOut.model_validate(c) for c in service.list_campaigns(session, actor)]


@router.post("/notices", response_model=NoticeOut, status_code=201)
def write_notice(data: NoticeIn, session: SessionDep, actor: ActorDep) -> NoticeOut:
    return NoticeOut.model_validate(service.write_notice(session, actor, data))


@router.get("/notices", response_model=list[NoticeOut])
def list_notices(session: SessionDep, actor: ActorDep, all: bool = False) -> list[NoticeOut]:  # noqa: A002
    return [NoticeOut.model_validate(n) for n in service.notices(session, actor, published_only=not all)]


@router.post("/notices/{nid}/submit", response_model=NoticeOut)
def submit_notice(nid: int, session: SessionDep, actor: ActorDep) -> NoticeOut:
    return NoticeOut.model_validate(service.submit_notice(session, actor, nid))


@router.post("/notices/{nid}/review", response_model=NoticeOut)
def review_notice(nid: int, data: ReviewIn, session: SessionDep, actor: ActorDep) -> NoticeOut:
    return NoticeOut.model_validate(service.review_notice(session, actor, nid, data))


@router.post("/events/{event_id}/registrations", status_code=201)
def register(event_id: int, data: RegistrationIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """报名 (no login needed)."""
    r = service.register(session, actor, event_id, data)
    return {"id": r.id, "event_id": r.event_id, "name": r.name}


@router.get("/{code}")
def page(code: str, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    v = service.campaign_page(session, actor, code)
    return {"campaign": CampaignOut.model_validate(v["campaign"]).model_dump(mode="json"),
            "events": [EventOut.model_validate(e).model_dump(mode="json") for e in v["events"]],
            "notices": [NoticeOut.model_validate(n).model_dump(mode="json") for n in v["notices"]],
            "statistics": v["stats"]}


@router.post("/{code}/publish", response_model=CampaignOut)
def publish(code: str, session: SessionDep, actor: ActorDep) -> CampaignOut:
    return CampaignOut.model_validate(service.publish_campaign(session, actor, code))


@router.post("/{code}/events", response_model=EventOut, status_code=201)
def add_event(code: str, data: EventIn, session: SessionDep, actor: ActorDep) -> EventOut:
    return EventOut.model_validate(service.add_event(session, actor, code, data))


@router.post("/{code}/close", response_model=CampaignOut)
def close(code: str, session: SessionDep, actor: ActorDep) -> CampaignOut:
    return CampaignOut.model_validate(service.close_campaign(session, actor, code))


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
