"""机构评价 REST API: thin handlers over assessment.service."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from zhijian.association.assessment import service
from zhijian.association.assessment.schemas import (
    AssessmentIn,
    AssessmentOut,
    DecisionIn,
    FindingAnswerIn,
    FindingCloseIn,
    FindingOut,
    ItemIn,
    PlanIn,
)
from zhijian.association.common.api import Action, action_routes
from zhijian.platform.deps import ActorDep, SessionDep

router = APIRouter(prefix="/api/v1/association/assessments", tags=["association"])
action_routes(
    router, {"aid": int, "fid": int},
    Action("POST", "", "apply", service.apply, AssessmentOut, AssessmentIn, 201),
    Action("POST", "/{aid}/plan", "plan", service.plan, AssessmentOut, PlanIn),
    Action("POST", "/{aid}/close-site-visit", "close_site_visit", service.close_site_visit, AssessmentOut),
    Action("POST", "/findings/{fid}/answer", "answer",
           lambda s, a, fid, data: service.answer_finding(s, a, fid, data.corrective_action), FindingOut,
           FindingAnswerIn),
    Action("POST", "/findings/{fid}/close", "close",
           lambda s, a, fid, data: service.close_finding(s, a, fid, data.verification), FindingOut, FindingCloseIn),
    Action("POST", "/{aid}/decision", "decide", service.decide, AssessmentOut, DecisionIn),
)


@router.get("", response_model=list[AssessmentOut])
def list_assessments(session: SessionDep, actor: ActorDep) -> list[AssessmentOut]:
    return [AssessmentOut.model_validate(a) for a in service.list_assessments(session, actor)]


@router.post("/{aid}/items", status_code=201)
def record_item(aid: int, data: ItemIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    item = service.record_item(session, actor, aid, data)
    return {"id": item.id, "clause": item.clause, "result": item.result}


@router.get("/{aid}/findings", response_model=list[FindingOut])
def findings(aid: int, session: SessionDep, actor: ActorDep) -> list[FindingOut]:
    return [FindingOut.model_validate(f) for f in service.findings(session, actor, aid)]


@router.get("/{aid}/decision-facts")
def facts(aid: int, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    f = service.decision_facts(session, actor, aid)
    return {"assessment": AssessmentOut.model_validate(f["assessment"]).model_dump(mode="json"),
            "open_findings": len(f["open_findings"]), "pt": f["pt"]}
