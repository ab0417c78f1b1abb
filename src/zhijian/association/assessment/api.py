"""机构评价 REST API: thin handlers over assessment.service."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from zhijian.association.assessment import schemas, service
from zhijian.association.assessment.schemas import AssessmentOut, FindingOut
from zhijian.association.common.api import Action, action_routes
from zhijian.platform.deps import ActorDep, SessionDep

router = APIRouter(prefix="/api/v1/association/assessments", tags=["association"])
action_routes(
    router, {"aid": int, "fid": int},
    Action("POST", "", "apply", service.apply, AssessmentOut, schemas.AssessmentIn, 201),
    Action("POST", "/{aid}/plan", "plan", service.plan, AssessmentOut, schemas.PlanIn),
    Action("POST", "/{aid}/close-site-visit", "close_site_visit", service.close_site_visit, AssessmentOut),
    Action("POST", "/findings/{fid}/answer", "answer",
           lambda s, a, fid, data: service.answer_finding(s, a, fid, data.corrective_action), FindingOut,
           schemas.FindingAnswerIn),
    Action("POST", "/findings/{fid}/close", "close",
           lambda s, a, fid, data: service.close_finding(s, a, fid, data.verification), FindingOut,
           schemas.FindingCloseIn),
    Action("POST", "/{aid}/decision", "decide", service.decide, AssessmentOut, schemas.DecisionIn),
    Action("GET", "", "list_assessments", service.list_assessments, AssessmentOut, many=True),
    Action("GET", "/{aid}/findings", "findings", service.findings, FindingOut, many=True),
)


@router.post("/{aid}/items", status_code=201)
def record_item(aid: int, data: schemas.ItemIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    item = service.record_item(session, actor, aid, data)
    return {"id": item.id, "clause": item.clause, "result": item.result}


@router.get("/{aid}/decision-facts")
def facts(aid: int, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    f = service.decision_facts(session, actor, aid)
    return {"assessment": AssessmentOut.model_validate(f["assessment"]).model_dump(mode="json"),
            "open_findings": len(f["open_findings"]), "pt": f["pt"]}
