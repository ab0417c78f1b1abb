"""团体标准 pages: the portal (published standards, drafts out for comment with a comment form by clause) and the
secretariat's console (every stage as one form). Same service as the API and the CLI."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from zhijian.association.common.forms import Fields, build
from zhijian.association.common.pages import Step, console_step, is_secretariat, keyed, run_step, show
from zhijian.association.standards import rules, schemas, service
from zhijian.platform.auth import PUBLIC, Actor
from zhijian.platform.calendar import parse_date
from zhijian.platform.deps import SessionDep
from zhijian.web.core import check_csrf, console_actor, login_redirect, render

router = APIRouter(include_in_schema=False)
BASE = "/console/association/standards"


def _ctx() -> dict[str, Any]:
    return {"statuses": rules.STATUSES, "dispositions": rules.DISPOSITIONS, "votes": rules.VOTES,
            "stages": rules.DRAFT_STAGES}


def _detail(session: Session, actor: Actor, sid: int) -> dict[str, Any]:
    g = service.get_standard(session, actor, sid)
    return {"g": g, "draft": service.latest_draft(session, sid), "comments": service.comments(session, sid), **_ctx()}


@router.get("/association/standards", response_class=HTMLResponse)
def portal_list(request: Request, session: SessionDep) -> Response:
    return render(request, "association/standards_public.html",
                  {"items": service.list_standards(session, PUBLIC), **_ctx()})


@router.get("/association/standards/{sid:int}", response_class=HTMLResponse)
def portal_detail(sid: int, request: Request, session: SessionDep) -> Response:
    actor = session.info["actor"]
    return show(request, "association/standard_public.html",
                lambda: {**_detail(session, PUBLIC, sid), "logged_in": not actor.is_public})


def _comment(session: Session, actor: Actor, f: Fields, sid: int) -> None:
    service.comment(session, actor, sid, build(schemas.CommentIn, clause_no=f.text("clause_no"), commenter=f.text("commenter"),
                                               organization=f.text("organization"), text=f.text("text"),
                                               proposal=f.text("proposal")))


@router.post("/association/standards/{sid:int}/comment")
async def portal_comment(sid: int, request: Request, session: SessionDep) -> Response:
    """征求意见 form on the portal: logged-in users only (the name and organization are recorded)."""
    actor = session.info["actor"]
    if actor.is_public:
        return login_redirect(request)
    form = await request.form()
    check_csrf(request, form)
    return await run_step(request, session, actor, form, _comment, sid, f"/association/standards/{sid}?commented=1",
                          invalid=None)


@router.get(BASE, response_class=HTMLResponse)
def console_list(request: Request, session: SessionDep, status: str = "") -> Response:
    actor = console_actor(request, session)
    return render(request, "association/standards.html", {
        "items": service.list_standards(session, actor, status=status or None), "status": status,
        "is_staff": is_secretariat(actor), "due": service.reviews_due(session), **_ctx()}, actor=actor)


def _propose(session: Session, actor: Actor, f: Fields, _: None) -> str:
    g = service.propose(session, actor, build(schemas.ProposalIn, title=f.text("title"), scope=f.text("scope"),
                                              reason=f.text("reason")))
    return f"{BASE}/{g.id}"


@router.post(BASE)
async def console_propose(request: Request, session: SessionDep) -> Response:
    return await console_step(request, session, (), _propose, None, BASE, invalid=None)


@router.get(BASE + "/{sid:int}", response_class=HTMLResponse)
def console_detail(sid: int, request: Request, session: SessionDep) -> Response:
    actor = console_actor(request, session)
    return show(request, "association/standard.html",
                lambda: {**_detail(session, actor, sid), "is_staff": is_secretariat(actor)}, actor)


def _lines(v: Any) -> list[str]:
    return [x.strip() for x in str(v or "").replace("，", "\n").replace("、", "\n").splitlines() if x.strip()]


_date = parse_date  # platform.calendar: the one date parser


def _project(session: Session, actor: Actor, f: Fields, sid: int) -> None:
    service.decide_project(session, actor, sid, build(schemas.ProjectDecisionIn,
        approve=f.flag("approve"), reason=f.text("reason"), drafting_units=_lines(f.raw("units")),
        drafters=_lines(f.raw("drafters")), ics=f.text("ics"), ccs=f.text("ccs")))


def _draft(session: Session, actor: Actor, f: Fields, sid: int) -> None:
    service.add_draft(session, actor, sid, build(schemas.DraftIn, stage=f.text("stage", "working"),
                                                 clauses=rules.parse_clauses(f.text("clauses"))))


def _comments(session: Session, actor: Actor, f: Fields, sid: int) -> None:
    service.open_comments(session, actor, sid, build(schemas.CommentPeriodIn, start=_date(f.raw("start"), "start"),
                                                     days=int(f.text("days", "30"))))


def _dispose(session: Session, actor: Actor, f: Fields, sid: int) -> None:
    service.dispose(session, actor, f.number("comment_id"), build(schemas.DispositionIn, disposition=f.text("disposition"),
                                                                  reason=f.text("reason")))


def _review(session: Session, actor: Actor, f: Fields, sid: int) -> None:
    service.start_review(session, actor, sid, build(schemas.DraftIn, clauses=rules.parse_clauses(f.text("clauses"))))


def _vote(session: Session, actor: Actor, f: Fields, sid: int) -> None:
    service.vote(session, actor, sid, build(schemas.VoteIn, expert=f.text("expert"), vote=f.text("vote"),
                                            affiliation=f.text("affiliation"), comment=f.text("comment")))



def _publish(session: Session, actor: Actor, f: Fields, sid: int) -> None:
    service.publish(session, actor, sid, build(schemas.PublishIn, published_on=_date(f.raw("published_on"), "published_on"),
                                               implemented_on=_date(f.raw("implemented_on"), "implemented_on")))


def _amend(session: Session, actor: Actor, f: Fields, sid: int) -> None:
    service.amend(session, actor, sid, build(schemas.AmendmentIn, text=f.text("text")))



def _periodic_conclusion(session: Session, actor: Actor, f: Fields, sid: int) -> None:
    service.conclude_periodic_review(session, actor, sid, build(schemas.ReviewIn, outcome=f.text("outcome"),
                                                                reason=f.text("reason")))


def _withdraw(session: Session, actor: Actor, f: Fields, sid: int) -> None:
    service.withdraw(session, actor, sid, f.text("reason"))


STEPS: dict[str, Step[int]] = {
    "project": _project, "draft": _draft, "comments": _comments, "dispose": _dispose, "review": _review,
    "vote": _vote, "conclude": keyed(service.conclude_review), "publish": _publish, "amend": _amend,
    "periodic": keyed(service.start_periodic_review), "periodic-conclusion": _periodic_conclusion,
    "withdraw": _withdraw}


@router.post(BASE + "/{sid:int}/{action}")
async def console_action(sid: int, action: str, request: Request, session: SessionDep) -> Response:
    return await console_step(request, session, ("association",), STEPS.get(action), sid, f"{BASE}/{sid}",
                              action=action)
