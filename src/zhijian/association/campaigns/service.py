"""活动 use cases — the only writer of the campaign tables (API, CLI, pages, demo).

Policy: the secretariat (association; admin passes) creates and publishes campaigns, adds events, writes notices
and reviews them — a notice is published by a staff member other than its author. Anyone, logged in or not,
reads published campaigns and registers for an event (name and phone; one registration per phone; capacity).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from typing import Any, TypedDict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zhijian.association.campaigns import rules
from zhijian.association.campaigns.models import Campaign, CampaignEvent, EventRegistration, Notice
from zhijian.association.campaigns.schemas import CampaignIn, EventIn, NoticeIn, RegistrationIn, ReviewIn
from zhijian.association.common.service import CHINA, is_secretariat, locked, require_secretariat, today
from zhijian.platform.auth import Actor
from zhijian.platform.crud import added, flush
from zhijian.platform.db import lock_for_update
from zhijian.platform.errors import Conflict, DomainError, NotFound, PermissionDenied

PHONE = re.compile(r"^\+?[0-9][0-9-]{4,19}$")



def create_campaign(session: Session, actor: Actor, data: CampaignIn) -> Campaign:
    require_secretariat(actor)
    start, end = rules.period(data.kind, data.year)
    code = rules.campaign_code(data.kind, data.year)
    if session.scalar(select(Campaign.id).where(Campaign.code == code)):
        raise Conflict("association.campaign.exists", f"{data.year} 年{rules.KINDS[data.kind]}活动已存在",
                       f"the {data.kind} campaign of {data.year} exists", field="year")
    c = Campaign(code=code, kind=data.kind, year=data.year, theme=data.theme.strip(), starts_on=start, ends_on=end,
                 status="draft", statistics={})
    return added(session, c, "assoc_campaign")


def campaign_by_code(session: Session, actor: Actor, code: str) -> Campaign:
    c = session.scalar(select(Campaign).where(Campaign.code == code))
    if c is None or (c.status == "draft" and not is_secretariat(actor)):
        raise NotFound("campaign", code)
    return c


def list_campaigns(session: Session, actor: Actor) -> list[Campaign]:
    stmt = select(Campaign).order_by(Campaign.year.desc(), Campaign.starts_on.desc())
    if not is_secretariat(actor):
        stmt = stmt.where(Campaign.status != "draft")
    return list(session.scalars(stmt))


def publish_campaign(session: Session, actor: Actor, code: str) -> Campaign:
    require_secretariat(actor)
    c = campaign_by_code(session, actor, code)
    if c.status != "draft":
        raise Conflict("association.campaign.not_draft", "活动已发布", "the campaign is already published")
    c.status = "published"
    flush(session, "assoc_campaign")
    return c


def add_event(session: Session, actor: Actor, code: str, data: EventIn) -> CampaignEvent:
    """活动场次: held within the campaign's period, in a province (GB/T 2260)."""
    require_secretariat(actor)
    c = campaign_by_code(session, actor, code)
    if not (c.starts_on <= data.held_on <= c.ends_on):
        raise DomainError("association.campaign.outside_period", f"活动日期应在 {c.starts_on} 至 {c.ends_on} 之间",
                          f"the event must be held between {c.starts_on} and {c.ends_on}", field="held_on")
    e = CampaignEvent(campaign_id=c.id, title=data.title.strip(), province=rules.check_province(data.province),
                      city=data.city.strip(), venue=data.venue.strip(), held_on=data.held_on, capacity=data.capacity,
                      registered=0, description=data.description)
    return added(session, e, "assoc_campaign_event")


def events(session: Session, campaign_id: int) -> list[CampaignEvent]:
    return list(session.scalars(select(CampaignEvent).where(CampaignEvent.campaign_id == campaign_id)
                                .order_by(CampaignEvent.held_on, CampaignEvent.id)))


def register(session: Session, actor: Actor, event_id: int, data: RegistrationIn,
             on: dt.date | None = None) -> EventRegistration:
    """报名: anyone; the event row is locked so that the last seat goes to exactly one person."""
    e = lock_for_update(session, CampaignEvent, event_id)
    if e is None:
        raise NotFound("campaign_event", event_id)
    c = session.get(Campaign, e.campaign_id)
    if c is None or c.status != "published":
        raise NotFound("campaign_event", event_id)
    if (on or today()) > e.held_on:
        raise Conflict("association.campaign.event_over", "活动已结束", "the event is over")
    phone = data.phone.strip().replace(" ", "")
    if not PHONE.match(phone):
        raise DomainError("association.campaign.bad_phone", "请填写有效的电话号码", "give a valid phone number", field="phone")
    if session.scalar(select(EventRegistration.id).where(EventRegistration.event_id == e.id,
                                                         EventRegistration.phone == phone)):
        raise Conflict("association.campaign.already_registered", "该电话已报名本场活动", "this phone is already registered",
                       field="phone")
    if e.registered >= e.capacity:
        raise Conflict("association.campaign.full", "本场活动名额已满", "the event is full")
    r = EventRegistration(event_id=e.id, name=data.name.strip(), phone=phone, organization=data.organization.strip(),
                          user_id=actor.user_id)
    e.registered += 1
    return added(session, r, "assoc_event_registration")


# ---------------------------------------------------------------- notices (CMS with review)


def write_notice(session: Session, actor: Actor, data: NoticeIn) -> Notice:
    require_secretariat(actor)
    if data.kind not in rules.NOTICE_KINDS:
        raise DomainError("association.notice.bad_kind", "类型应为 新闻/通知/结果公告", "kind must be news, notice or result",
                          field="kind")
    cid = campaign_by_code(session, actor, data.campaign_code).id if data.campaign_code else None
    n = Notice(campaign_id=cid, kind=data.kind, title=data.title.strip(), body=data.body, status="draft",
               author=actor.label)
    return added(session, n, "assoc_notice")


def _notice(session: Session, nid: int) -> Notice:
    return locked(session, Notice, nid, "notice")


def submit_notice(session: Session, actor: Actor, nid: int) -> Notice:
    require_secretariat(actor)
    n = _notice(session, nid)
    rules.check_notice_transition(n.status, "submitted")
    n.status = "submitted"
    flush(session, "assoc_notice")
    return n


def review_notice(session: Session, actor: Actor, nid: int, data: ReviewIn) -> Notice:
    """审核: another staff member publishes it or returns it with a note."""
    require_secretariat(actor)
    n = _notice(session, nid)
    if n.author == actor.label and actor.role != "admin":
        raise PermissionDenied("不能审核自己撰写的稿件", "you may not review your own notice",
                               code="association.notice.own_review")
    target = "published" if data.approve else "returned"
    rules.check_notice_transition(n.status, target)
    if not data.approve and not data.note.strip():
        raise DomainError("association.notice.note_required", "退回须说明理由", "give the reason", field="note")
    n.status, n.reviewer, n.review_note = target, actor.label, data.note.strip()
    if data.approve:
        n.published_at = dt.datetime.now(dt.UTC)
    flush(session, "assoc_notice")
    return n


def notices(session: Session, actor: Actor, *, campaign_id: int | None = None, published_only: bool = True) -> list[Notice]:
    stmt = select(Notice).order_by(Notice.published_at.desc(), Notice.id.desc())
    if published_only or not is_secretariat(actor):
        stmt = stmt.where(Notice.status == "published")
    if campaign_id is not None:
        stmt = stmt.where(Notice.campaign_id == campaign_id)
    return list(session.scalars(stmt))


# ---------------------------------------------------------------- the campaign page and its statistics


def _results_in(session: Session, c: Campaign) -> list[dict[str, Any]]:
    """Spot-check results published during the campaign (the spotcheck room's contract; none if absent)."""
    from zhijian.platform.rooms import call

    rows = call(session, "spotcheck", "latest_results", limit=500, default=[]) or []
    out = []
    for r in rows:
        d = r.get("date")
        day = d.astimezone(CHINA).date() if isinstance(d, dt.datetime) else d
        if isinstance(day, dt.date) and c.starts_on <= day <= c.ends_on:
            out.append(r)
    return out


def statistics(session: Session, c: Campaign) -> dict[str, Any]:
    evs = events(session, c.id)
    by_province: Counter[str] = Counter()
    for e in evs:
        by_province[e.province] += 1
    regs = session.scalar(select(func.count()).select_from(EventRegistration).join(
        CampaignEvent, CampaignEvent.id == EventRegistration.event_id).where(CampaignEvent.campaign_id == c.id)) or 0
    published = session.scalar(select(func.count()).select_from(Notice).where(
        Notice.campaign_id == c.id, Notice.status == "published")) or 0
    return {"events": len(evs), "registrations": regs, "provinces": len(by_province),
            "by_province": dict(sorted(by_province.items())), "notices": published,
            "spotcheck_results": len(_results_in(session, c)),
            "fill_rate": round(regs / sum(e.capacity for e in evs), 4) if evs else 0.0}


class CampaignPage(TypedDict):
    """The campaign page's content (a dict: the portal page spreads it into its context)."""

    campaign: Campaign
    events: list[CampaignEvent]
    notices: list[Notice]
    results: list[dict[str, Any]]  # the spot-check room's published results of the period
    stats: dict[str, Any]  # `statistics`, frozen when the campaign is closed
    tiles: list[dict[str, object]]  # rules.tile_map


def campaign_page(session: Session, actor: Actor, code: str) -> CampaignPage:
    """活动页: theme, events, the association's notices and the period's published results, a map by province."""
    c = campaign_by_code(session, actor, code)
    st = c.statistics if c.status == "closed" and c.statistics else statistics(session, c)
    return {"campaign": c, "events": events(session, c.id), "notices": notices(session, actor, campaign_id=c.id),
            "results": _results_in(session, c)[:20], "stats": st,
            "tiles": rules.tile_map({k: int(v) for k, v in st["by_province"].items()})}


def close_campaign(session: Session, actor: Actor, code: str) -> Campaign:
    """活动总结: the statistics are frozen when the campaign is closed."""
    require_secretariat(actor)
    c = campaign_by_code(session, actor, code)
    if c.status != "published":
        raise Conflict("association.campaign.not_published", "只有已发布的活动可以结束", "only a published campaign is closed")
    c.statistics = statistics(session, c)
    c.status = "closed"
    flush(session, "assoc_campaign")
    return c
