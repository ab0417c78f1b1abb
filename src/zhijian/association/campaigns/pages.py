"""活动 pages: the portal campaign page (theme, events with a registration form, notices, the period's results,
a tile map of events by province) and the secretariat's console (campaigns, events, notices with review)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhijian.association.campaigns import rules, service
from zhijian.association.campaigns.schemas import CampaignIn, EventIn, NoticeIn, RegistrationIn, ReviewIn
from zhijian.association.common.forms import build
from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError
from zhijian.web.core import check_csrf, console_actor, console_form, error_page, render

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
    try:
        v = service.campaign_page(session, actor, code)
    except DomainError as err:
        return error_page(request, err)
    return render(request, "association/campaign_public.html", {**v, "kinds": rules.KINDS, "provinces": rules.PROVINCES,
                                                                "notice_kinds": rules.NOTICE_KINDS,
                                                                "registered": registered})


@router.post("/association/campaigns/{code}/events/{event_id:int}/register")
async def portal_register(code: str, event_id: int, request: Request, session: SessionDep) -> Response:
    actor = session.info["actor"]
    form = await request.form()
    check_csrf(request, form)
    try:
        service.register(session, actor, event_id, build(RegistrationIn, name=str(form.get("name", "")),
                                                         phone=str(form.get("phone", "")),
                                                         organization=str(form.get("organization", ""))))
    except DomainError as err:
        return error_page(request, err, actor if not actor.is_public else None)
    return RedirectResponse(f"/association/campaigns/{code}?registered={event_id}", status_code=303)


@router.get(BASE, response_class=HTMLResponse)
def console_index(request: Request, session: SessionDep) -> Response:
    actor = console_actor(request, session, "association")
    return render(request, "association/campaigns.html", {
        "campaigns": service.list_campaigns(session, actor), "kinds": rules.KINDS,
        "notices": service.notices(session, actor, published_only=False)[:100], "notice_kinds": rules.NOTICE_KINDS,
        "notice_statuses": rules.NOTICE_STATUSES, "provinces": rules.PROVINCES}, actor=actor)


@router.post(BASE + "/{action}")
async def console_action(action: str, request: Request, session: SessionDep) -> Response:
    actor, f = await console_form(request, session, "association")
    try:
        code = str(f.get("code", ""))
        if action == "create":
            service.create_campaign(session, actor, build(CampaignIn, kind=str(f.get("kind", "")),
                                                          year=str(f.get("year", "")), theme=str(f.get("theme", ""))))
        elif action == "publish":
            service.publish_campaign(session, actor, code)
        elif action == "close":
            service.close_campaign(session, actor, code)
        elif action == "event":
            service.add_event(session, actor, code, build(
                EventIn, title=str(f.get("title", "")), province=str(f.get("province", "")), city=str(f.get("city", "")),
                venue=str(f.get("venue", "")), held_on=str(f.get("held_on", "")), capacity=str(f.get("capacity", ""))))
        elif action == "notice":
            service.write_notice(session, actor, build(NoticeIn, campaign_code=code or None,
                                                       kind=str(f.get("kind") or "news"), title=str(f.get("title", "")),
                                                       body=str(f.get("body", ""))))
        elif action == "submit":
            service.submit_notice(session, actor, int(str(f.get("notice_id") or 0)))
        elif action == "review":
            service.review_notice(session, actor, int(str(f.get("notice_id") or 0)),
                                  build(ReviewIn, approve=f.get("approve") == "1", note=str(f.get("note", ""))))
        else:
            raise DomainError("request.not_found", "没有这个操作", "no such action", status=404)
    except DomainError as err:
        return error_page(request, err, actor)
    except ValueError:
        return error_page(request, DomainError("validation.invalid", "数值无效", "invalid number", field=action), actor)
    return RedirectResponse(BASE, status_code=303)
