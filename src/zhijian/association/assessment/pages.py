"""机构评价 console pages: the list, an assessment's checklist, findings and decision (same service as the API)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from zhijian.association.assessment import rules, service
from zhijian.association.assessment.schemas import AssessmentIn, DecisionIn, ItemIn, PlanIn
from zhijian.association.common.forms import Fields, build
from zhijian.association.common.pages import Step, console_step, is_secretariat, keyed, show
from zhijian.association.experts.service import is_assigned
from zhijian.platform.auth import Actor
from zhijian.platform.deps import SessionDep
from zhijian.web.core import console_actor

router = APIRouter(include_in_schema=False)
BASE = "/console/association/assessments"
ROLES = ("association", "inspector")


@router.get(BASE, response_class=HTMLResponse)
def index(request: Request, session: SessionDep) -> Response:
    actor = console_actor(request, session, *ROLES)
    return show(request, "association/assessments.html", lambda: {
        "items": service.list_assessments(session, actor), "statuses": rules.STATUSES,
        "is_staff": is_secretariat(actor)}, actor)


def _apply(session: Session, actor: Actor, f: Fields, _: None) -> str:
    a = service.apply(session, actor, build(AssessmentIn, lab_id=f.maybe_id("lab_id"), kind=f.text("kind", "initial"),
                                            scope=f.text("scope")))
    return f"{BASE}/{a.id}"


@router.post(BASE)
async def apply(request: Request, session: SessionDep) -> Response:
    return await console_step(request, session, ROLES, _apply, None, BASE)


@router.get(BASE + "/{aid:int}", response_class=HTMLResponse)
def detail(aid: int, request: Request, session: SessionDep) -> Response:
    """The secretariat, the lab and the experts assigned to it (any role); others get the 403 page as before."""
    actor = console_actor(request, session)
    if not is_assigned(session, actor, "assessment", aid):
        actor = console_actor(request, session, *ROLES)
    return show(request, "association/assessment.html", lambda: {
        **service.decision_facts(session, actor, aid),
        "recorded": {i.clause: i for i in service.items(session, actor, aid)}, "checklist": rules.CHECKLIST,
        "results": rules.RESULTS, "severities": rules.SEVERITIES, "statuses": rules.STATUSES,
        "is_staff": is_secretariat(actor),
        "is_assessor": is_secretariat(actor) or is_assigned(session, actor, "assessment", aid)}, actor)


def _plan(session: Session, actor: Actor, f: Fields, aid: int) -> None:
    team = [t for t in f.text("team").replace("，", ",").split(",") if t.strip()]
    service.plan(session, actor, aid, build(PlanIn, planned_on=f.text("planned_on"), team=team))


def _item(session: Session, actor: Actor, f: Fields, aid: int) -> None:
    service.record_item(session, actor, aid, build(
        ItemIn, clause=f.text("clause"), result=f.text("result"), evidence=f.text("evidence"),
        severity=f.optional("severity"), description=f.text("description")))



def _answer(session: Session, actor: Actor, f: Fields, aid: int) -> None:
    service.answer_finding(session, actor, f.number("finding_id"), f.text("corrective_action"))


def _verify(session: Session, actor: Actor, f: Fields, aid: int) -> None:
    service.close_finding(session, actor, f.number("finding_id"), f.text("verification"))


def _decide(session: Session, actor: Actor, f: Fields, aid: int) -> None:
    service.decide(session, actor, aid, build(DecisionIn, grant=f.flag("grant"), reason=f.text("reason")))


STEPS: dict[str, Step[int]] = {
    "plan": _plan, "item": _item, "close-site-visit": keyed(service.close_site_visit), "answer": _answer,
    "verify": _verify, "decide": _decide}


@router.post(BASE + "/{aid:int}/{action}")
async def action(aid: int, action: str, request: Request, session: SessionDep) -> Response:
    return await console_step(request, session, (), STEPS.get(action), aid, f"{BASE}/{aid}", action=action)
