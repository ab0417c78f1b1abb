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
from zhijian.platform.deps import ActorDep, SessionDep

router = APIRouter(prefix="/api/v1/association/assessments", tags=["association"])


@router.post("", response_model=AssessmentOut, status_code=201)
def apply(data: AssessmentIn, session: SessionDep, actor: ActorDep) -> AssessmentOut:
    return AssessmentOut.model_validate(service.apply(session, actor, data))


@router.get("", response_model=list[AssessmentOut])
def list_assessments(session: SessionDep, actor: ActorDep) -> list[AssessmentOut]:
    return [AssessmentOut.model_validate(a) for a in service.list_assessments(session, actor)]


@router.post("/{aid}/plan", response_model=AssessmentOut)
def plan(aid: int, data: PlanIn, session: SessionDep, actor: ActorDep) -> AssessmentOut:
    return AssessmentOut.model_validate(service.plan(session, actor, aid, data))


@router.post("/{aid}/items", status_code=201)
def record_item(aid: int, data: ItemIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    item = service.record_item(session, actor, aid, data)
    return {"id": item.id, "clause": item.clause, "result": item.result}


@router.post("/{aid}/close-site-visit", response_model=AssessmentOut)
def close_site_visit(aid: int, session: SessionDep, actor: ActorDep) -> AssessmentOut:
    return AssessmentOut.model_validate(service.close_site_visit(session, actor, aid))


@router.get("/{aid}/findings", response_model=list[FindingOut])
def findings(aid: int, session: SessionDep, actor: ActorDep) -> list[FindingOut]:
    return [FindingOut.model_validate(f) for f in service.findings(session, actor, aid)]


@router.post("/findings/{fid}/answer", response_model=FindingOut)
def answer(fid: int, data: FindingAnswerIn, session: SessionDep, actor: ActorDep) -> FindingOut:
    return FindingOut.model_validate(service.answer_finding(session, actor, fid, data.corrective_action))


@router.post("/findings/{fid}/close", response_model=FindingOut)
def close(fid: int, data: FindingCloseIn, session: SessionDep, actor: ActorDep) -> FindingOut:
    return FindingOut.model_validate(service.close_finding(session, actor, fid, data.verification))


@router.get("/{aid}/decision-facts")
def facts(aid: int, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    f = service.decision_facts(session, actor, aid)
    return {"assessment": AssessmentOut.model_validate(f["assessment"]).model_dump(mode="json"),
            "open_findings": len(f["open_findings"]), "pt": f["pt"]}


@router.post("/{aid}/decision", response_model=AssessmentOut)
def decide(aid: int, data: DecisionIn, session: SessionDep, actor: ActorDep) -> AssessmentOut:
    return AssessmentOut.model_validate(service.decide(session, actor, aid, data))
