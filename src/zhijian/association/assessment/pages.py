"""机构评价 console pages: the list, an assessment's checklist, findings and decision (same service as the API)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhijian.association.assessment import rules, service
from zhijian.association.assessment.schemas import AssessmentIn, DecisionIn, ItemIn, PlanIn
from zhijian.association.common.forms import build
from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError
from zhijian.web.core import console_actor, console_form, error_page, render

router = APIRouter(include_in_schema=False)
BASE = "/console/association/assessments"
ROLES = ("association", "inspector")


@router.get(BASE, response_class=HTMLResponse)
def index(request: Request, session: SessionDep) -> Response:
    actor = console_actor(request, session, *ROLES)
    return render(request, "association/assessments.html", {
        "items": service.list_assessments(session, actor), "statuses": rules.STATUSES,
        "is_staff": actor.role in ("admin", "association")}, actor=actor)


@router.post(BASE)
async def apply(request: Request, session: SessionDep) -> Response:
    actor, f = await console_form(request, session, *ROLES)
    try:
        lab = str(f.get("lab_id") or "")
        a = service.apply(session, actor, build(AssessmentIn, lab_id=int(lab) if lab.isdigit() else None,
                                                kind=str(f.get("kind") or "initial"), scope=str(f.get("scope", ""))))
    except DomainError as err:
        return error_page(request, err, actor)
    return RedirectResponse(f"{BASE}/{a.id}", status_code=303)


@router.get(BASE + "/{aid:int}", response_class=HTMLResponse)
def detail(aid: int, request: Request, session: SessionDep) -> Response:
    actor = console_actor(request, session, *ROLES)
    try:
        facts = service.decision_facts(session, actor, aid)
        recorded = {i.clause: i for i in service.items(session, actor, aid)}
    except DomainError as err:
        return error_page(request, err, actor)
    return render(request, "association/assessment.html", {
        **facts, "recorded": recorded, "checklist": rules.CHECKLIST, "results": rules.RESULTS,
        "severities": rules.SEVERITIES, "statuses": rules.STATUSES, "is_staff": actor.role in ("admin", "association")},
        actor=actor)


@router.post(BASE + "/{aid:int}/{action}")
async def action(aid: int, action: str, request: Request, session: SessionDep) -> Response:
    actor, f = await console_form(request, session, *ROLES)
    try:
        if action == "plan":
            service.plan(session, actor, aid, build(PlanIn, planned_on=str(f.get("planned_on", "")),
                                                    team=[t for t in str(f.get("team", "")).replace("，", ",").split(",")
                                                          if t.strip()]))
        elif action == "item":
            service.record_item(session, actor, aid, build(
                ItemIn, clause=str(f.get("clause", "")), result=str(f.get("result", "")),
                evidence=str(f.get("evidence", "")), severity=str(f.get("severity") or "") or None,
                description=str(f.get("description", ""))))
        elif action == "close-site-visit":
            service.close_site_visit(session, actor, aid)
        elif action == "answer":
            service.answer_finding(session, actor, int(str(f.get("finding_id") or 0)), str(f.get("corrective_action", "")))
        elif action == "verify":
            service.close_finding(session, actor, int(str(f.get("finding_id") or 0)), str(f.get("verification", "")))
        elif action == "decide":
            service.decide(session, actor, aid, build(DecisionIn, grant=f.get("grant") == "1",
                                                      reason=str(f.get("reason", ""))))
        else:
            raise DomainError("request.not_found", "没有这个操作", "no such action", status=404)
    except DomainError as err:
        return error_page(request, err, actor)
    except ValueError:
        return error_page(request, DomainError("validation.invalid", "数值无效", "invalid number", field=action), actor)
    return RedirectResponse(f"{BASE}/{aid}", status_code=303)
