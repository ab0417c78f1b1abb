"""团体标准 pages: the portal (published standards, drafts out for comment with a comment form by clause) and the
secretariat's console (every stage as one form). Same service as the API and the CLI."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhijian.association.common.forms import build
from zhijian.association.standards import rules, service
from zhijian.association.standards.schemas import (
    AmendmentIn,
    CommentIn,
    CommentPeriodIn,
    DispositionIn,
    DraftIn,
    ProjectDecisionIn,
    ProposalIn,
    PublishIn,
    ReviewIn,
    VoteIn,
)
from zhijian.platform.auth import PUBLIC
from zhijian.platform.calendar import parse_date
from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError
from zhijian.web.core import check_csrf, console_actor, console_form, error_page, login_redirect, render

router = APIRouter(include_in_schema=False)
BASE = "/console/association/standards"


def _ctx() -> dict[str, Any]:
    return {"statuses": rules.STATUSES, "dispositions": rules.DISPOSITIONS, "votes": rules.VOTES,
            "stages": rules.DRAFT_STAGES}


def _detail(session: Any, actor: Any, sid: int) -> dict[str, Any]:
    g = service.get_standard(session, actor, sid)
    return {"g": g, "draft": service.latest_draft(session, sid), "comments": service.comments(session, sid), **_ctx()}


@router.get("/association/standards", response_class=HTMLResponse)
def portal_list(request: Request, session: SessionDep) -> Response:
    return render(request, "association/standards_public.html",
                  {"items": service.list_standards(session, PUBLIC), **_ctx()})


@router.get("/association/standards/{sid:int}", response_class=HTMLResponse)
def portal_detail(sid: int, request: Request, session: SessionDep) -> Response:
    actor = session.info["actor"]
    try:
        ctx = _detail(session, PUBLIC, sid)
    except DomainError as err:
        return error_page(request, err)
    return render(request, "association/standard_public.html", {**ctx, "logged_in": not actor.is_public})


@router.post("/association/standards/{sid:int}/comment")
async def portal_comment(sid: int, request: Request, session: SessionDep) -> Response:
    """征求意见 form on the portal: logged-in users only (the name and organization are recorded)."""
    actor = session.info["actor"]
    if actor.is_public:
        return login_redirect(request)
    form = await request.form()
    check_csrf(request, form)
    try:
        service.comment(session, actor, sid, build(CommentIn,
            clause_no=str(form.get("clause_no", "")), commenter=str(form.get("commenter", "")),
            organization=str(form.get("organization", "")), text=str(form.get("text", "")),
            proposal=str(form.get("proposal", ""))))
    except DomainError as err:
        return error_page(request, err, actor)
    return RedirectResponse(f"/association/standards/{sid}?commented=1", status_code=303)


@router.get(BASE, response_class=HTMLResponse)
def console_list(request: Request, session: SessionDep, status: str = "") -> Response:
    actor = console_actor(request, session)
    return render(request, "association/standards.html", {
        "items": service.list_standards(session, actor, status=status or None), "status": status,
        "is_staff": actor.role in ("admin", "association"), "due": service.reviews_due(session), **_ctx()}, actor=actor)


@router.post(BASE)
async def console_propose(request: Request, session: SessionDep) -> Response:
    actor, form = await console_form(request, session)
    try:
        g = service.propose(session, actor, build(ProposalIn, title=str(form.get("title", "")), scope=str(form.get("scope", "")),
                                                      reason=str(form.get("reason", ""))))
    except DomainError as err:
        return error_page(request, err, actor)
    return RedirectResponse(f"{BASE}/{g.id}", status_code=303)


@router.get(BASE + "/{sid:int}", response_class=HTMLResponse)
def console_detail(sid: int, request: Request, session: SessionDep) -> Response:
    actor = console_actor(request, session)
    try:
        ctx = _detail(session, actor, sid)
    except DomainError as err:
        return error_page(request, err, actor)
    return render(request, "association/standard.html", {**ctx, "is_staff": actor.role in ("admin", "association")},
                  actor=actor)


def _lines(v: Any) -> list[str]:
    return [x.strip() for x in str(v or "").replace("，", "\n").replace("、", "\n").splitlines() if x.strip()]


_date = parse_date  # platform.calendar: the one date parser


@router.post(BASE + "/{sid:int}/{action}")
async def console_action(sid: int, action: str, request: Request, session: SessionDep) -> Response:
    actor, f = await console_form(request, session, "association")
    try:
        if action == "project":
            service.decide_project(session, actor, sid, build(ProjectDecisionIn,
                approve=f.get("approve") == "1", reason=str(f.get("reason", "")), drafting_units=_lines(f.get("units")),
                drafters=_lines(f.get("drafters")), ics=str(f.get("ics", "")), ccs=str(f.get("ccs", ""))))
        elif action == "draft":
            service.add_draft(session, actor, sid, build(DraftIn, stage=str(f.get("stage") or "working"),
                                                           clauses=rules.parse_clauses(str(f.get("clauses", "")))))
        elif action == "comments":
            service.open_comments(session, actor, sid, build(CommentPeriodIn, start=_date(f.get("start"), "start"),
                                                                       days=int(str(f.get("days") or 30))))
        elif action == "dispose":
            service.dispose(session, actor, int(str(f.get("comment_id") or 0)), build(DispositionIn,
                disposition=str(f.get("disposition", "")), reason=str(f.get("reason", ""))))
        elif action == "review":
            service.start_review(session, actor, sid, build(DraftIn, clauses=rules.parse_clauses(str(f.get("clauses", "")))))
        elif action == "vote":
            service.vote(session, actor, sid, build(VoteIn, expert=str(f.get("expert", "")), vote=str(f.get("vote", "")),
                                                     affiliation=str(f.get("affiliation", "")),
                                                     comment=str(f.get("comment", ""))))
        elif action == "conclude":
            service.conclude_review(session, actor, sid)
        elif action == "publish":
            service.publish(session, actor, sid, build(PublishIn, published_on=_date(f.get("published_on"), "published_on"),
                                                           implemented_on=_date(f.get("implemented_on"), "implemented_on")))
        elif action == "amend":
            service.amend(session, actor, sid, build(AmendmentIn, text=str(f.get("text", ""))))
        elif action == "periodic":
            service.start_periodic_review(session, actor, sid)
        elif action == "periodic-conclusion":
            service.conclude_periodic_review(session, actor, sid, build(ReviewIn, outcome=str(f.get("outcome", "")),
                                                                           reason=str(f.get("reason", ""))))
        elif action == "withdraw":
            service.withdraw(session, actor, sid, str(f.get("reason", "")))
        else:
            raise DomainError("request.not_found", "没有这个操作", "no such action", status=404)
    except DomainError as err:
        return error_page(request, err, actor)
    except ValueError:
        return error_page(request, DomainError("validation.invalid", "数值无效", "invalid number", field=action), actor)
    return RedirectResponse(f"{BASE}/{sid}", status_code=303)
