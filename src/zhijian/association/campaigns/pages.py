"""活动 pages: the portal campaign page (theme, events with a registration form, notices, the period's results,
a tile map of events by province) and the secretariat's console (campaigns, events, notices with review)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from zhijian.association.campaigns import rules, service
from zhijian.association.campaigns.schemas import CampaignIn, EventIn, NoticeIn, RegistrationIn, ReviewIn
from zhijian.association.common.forms import Fields, build
from zhijian.association.common.pages import Step, keyed, run_step, show
from zhijian.platform.auth import Actor
from zhijian.platform.deps import SessionDep
from zhijian.web.core import check_csrf, console_actor, console_form, locale_of, render

router = APIRouter(include_in_schema=False)
BASE = "/console/association/campaigns"


@router.get("/association/campaigns", response_class=HTMLResponse)
def portal_list(request: Request, session: SessionDep) -> Response:
    actor = session.info["actor"]
    return render(request, "association/campaigns_public.html",
                  {"campaigns": service.list_campaigns(session, actor), "kinds": rules.KINDS})


@router.get("/association/campaigns/{code}", response_class=HTMLResponse)
def portal_page(code: str, request: Request, session: SessionDep, registered: int = 0) -> Response:
    actor = session.info["actor"]
    return show(request, "association/campaign_public.html", lambda: {
        **service.campaign_page(session, actor, code), "kinds": rules.KINDS,
        "provinces": rules.province_names(locale_of(request)),
        "tile_label": lambda c: rules.tile_label(c, locale_of(request)),
        "notice_kinds": rules.NOTICE_KINDS, "registered": registered})


@router.post("/association/campaigns/{code}/events/{event_id:int}/register")
async def portal_register(code: str, event_id: int, request: Request, session: SessionDep) -> Response:
    """报名 on the portal (no login needed); a logged-in user's error page keeps the console layout."""
    actor = session.info["actor"]
    form = await request.form()
    check_csrf(request, form)
    return await run_step(request, session, actor, form, _register, event_id,
                          f"/association/campaigns/{code}?registered={event_id}", invalid=None)


def _register(session: Session, actor: Actor, f: Fields, event_id: int) -> None:
    service.register(session, actor, event_id, build(RegistrationIn, name=f.text("name"), phone=f.text("phone"),
                                                     organization=f.text("organization")))


@router.get(BASE, response_class=HTMLResponse)
def console_index(request: Request, session: SessionDep) -> Response:
    actor = console_actor(request, session, "association")
    return render(request, "association/campaigns.html", {
        "campaigns": service.list_campaigns(session, actor), "kinds": rules.KINDS,
        "notices": service.notices(session, actor, published_only=False)[:100], "notice_kinds": rules.NOTICE_KINDS,
        "notice_statuses": rules.NOTICE_STATUSES, "provinces": rules.province_names(locale_of(request))},
                  actor=actor)


def _create(session: Session, actor: Actor, f: Fields, code: str) -> None:
    service.create_campaign(session, actor, build(CampaignIn, kind=f.text("kind"), year=f.text("year"),
                                                  theme=f.text("theme")))




def _event(session: Session, actor: Actor, f: Fields, code: str) -> None:
    service.add_event(session, actor, code, build(
        EventIn, title=f.text("title"), province=f.text("province"), city=f.text("city"), venue=f.text("venue"),
        held_on=f.text("held_on"), capacity=f.text("capacity")))


def _notice(session: Session, actor: Actor, f: Fields, code: str) -> None:
    service.write_notice(session, actor, build(NoticeIn, campaign_code=code or None, kind=f.text("kind", "news"),
                                               title=f.text("title"), body=f.text("body")))


def _submit(session: Session, actor: Actor, f: Fields, code: str) -> None:
    service.submit_notice(session, actor, f.number("notice_id"))


def _review(session: Session, actor: Actor, f: Fields, code: str) -> None:
    service.review_notice(session, actor, f.number("notice_id"),
                          build(ReviewIn, approve=f.flag("approve"), note=f.text("note")))


STEPS: dict[str, Step[str]] = {
    "create": _create, "publish": keyed(service.publish_campaign), "close": keyed(service.close_campaign),
    "event": _event, "notice": _notice, "submit": _submit, "review": _review}


@router.post(BASE + "/{action}")
async def console_action(action: str, request: Request, session: SessionDep) -> Response:
    """One form per step; the campaign's code comes with the form."""
    actor, form = await console_form(request, session, "association")
    return await run_step(request, session, actor, form, STEPS.get(action), str(form.get("code", "")), BASE,
                          action=action)


@router.get("/console/association/complaint-statistics", response_class=HTMLResponse)
def complaint_statistics(request: Request, session: SessionDep, start: str = "", end: str = "") -> Response:
    """投诉举报统计 (anonymised) for the secretariat."""
    from zhijian.association.campaigns import complaint_stats
    from zhijian.platform.calendar import parse_date

    actor = console_actor(request, session, "association")
    st = complaint_stats.complaint_statistics(session, actor, start=parse_date(start, "start"),
                                              end=parse_date(end, "end"))
    codes = {zh: code for code, zh in rules.PROVINCES.items()}  # the tables are keyed by the short zh name
    lang = locale_of(request)
    return render(request, "association/complaint_stats.html", {
        "st": st, "min_cell": complaint_stats.MIN_CELL,
        "province": lambda label: rules.province_name(codes[label], lang) if label in codes else label},
        actor=actor)
