"""能力验证 REST API: thin handlers over pt.service (permissions live there)."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import Response

from zhijian.association.common.api import Action, action_routes, pdf_response, upload_rows
from zhijian.association.pt import service
from zhijian.association.pt.schemas import (
    EnrolIn,
    EnrolmentOut,
    FollowUpAnswerIn,
    FollowUpCloseIn,
    FollowUpOut,
    HomogeneityIn,
    ResultIn,
    RoundIn,
    RoundOut,
    SchemeIn,
    SchemeOut,
    StabilityIn,
)
from zhijian.platform.deps import ActorDep, SessionDep

router = APIRouter(prefix="/api/v1/association/pt", tags=["association"])
action_routes(
    router, {"code": str, "fid": int},
    Action("POST", "/schemes", "create_scheme", service.create_scheme, SchemeOut, SchemeIn, 201),
    Action("POST", "/rounds", "create_round", service.create_round, RoundOut, RoundIn, 201),
    Action("POST", "/rounds/{code}/enrolments", "enrol",
           lambda s, a, code, data: service.enrol(s, a, code, data.lab_id), EnrolmentOut, EnrolIn, 201),
    Action("POST", "/rounds/{code}/dispatch", "dispatch", service.dispatch, RoundOut),
    Action("POST", "/rounds/{code}/results", "submit", service.submit_result, EnrolmentOut, ResultIn,
           doc="结果上报 — a lab its own result; the secretariat on behalf of a participant code."),
    Action("POST", "/rounds/{code}/score", "score", service.score, RoundOut),
    Action("POST", "/rounds/{code}/close", "close", service.close_round, RoundOut),
    Action("POST", "/follow-ups/{fid}/answer", "answer",
           lambda s, a, fid, data: service.answer_follow_up(s, a, fid, data.cause, data.corrective_action),
           FollowUpOut, FollowUpAnswerIn),
    Action("POST", "/follow-ups/{fid}/close", "close_follow_up",
           lambda s, a, fid, data: service.close_follow_up(s, a, fid, data.verification), FollowUpOut,
           FollowUpCloseIn),
    Action("GET", "/rounds/{code}/enrolments", "enrolments", service.enrolments, EnrolmentOut, many=True),
)


@router.get("/rounds", response_model=list[RoundOut])
def list_rounds(session: SessionDep, actor: ActorDep, status: str | None = None) -> list[RoundOut]:
    return [RoundOut.model_validate(r) for r in service.list_rounds(session, actor, status=status)]


@router.get("/rounds/{code}", response_model=RoundOut)
def get_round(code: str, session: SessionDep, actor: ActorDep) -> RoundOut:
    return RoundOut.model_validate(service.round_view(session, actor, code).round)


@router.post("/rounds/{code}/homogeneity")
def homogeneity(code: str, data: HomogeneityIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    return service.record_homogeneity(session, actor, code, data)


@router.post("/rounds/{code}/stability")
def stability(code: str, data: StabilityIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    return service.record_stability(session, actor, code, data)


@router.post("/rounds/{code}/results/import")
async def import_results(code: str, session: SessionDep, actor: ActorDep,
                         file: Annotated[UploadFile, File()]) -> dict[str, int]:
    """Excel/CSV: 参加者编号, 结果, 扩展不确定度, 包含因子 — all or nothing; errors name the row and the column."""
    rows = await upload_rows(file, "results.xlsx", service.RESULT_COLUMNS)
    return {"imported": service.import_results(session, actor, code, rows)}


@router.get("/rounds/{code}/scores")
def scores(code: str, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """The round's anonymous results and scores (a lab sees its own before scoring)."""
    v = service.round_view(session, actor, code)
    return {"round": v.round.code, "status": v.round.status, "summary": v.round.summary, "mine": v.mine, "rows": v.rows}


@router.get("/rounds/{code}/report.pdf")
def round_report(code: str, session: SessionDep, actor: ActorDep) -> Response:
    return pdf_response(service.round_report(session, actor, code), f"pt-{code}.pdf")


@router.get("/rounds/{code}/participants/{participant}/report.pdf")
def participant_report(code: str, participant: str, session: SessionDep, actor: ActorDep) -> Response:
    return pdf_response(service.participant_report(session, actor, code, participant), f"pt-{code}-{participant}.pdf")


@router.get("/follow-ups", response_model=list[FollowUpOut])
def follow_ups(session: SessionDep, actor: ActorDep, status: str | None = None) -> list[FollowUpOut]:
    return [FollowUpOut.model_validate(f) for f, _, _ in service.follow_ups(session, actor, status=status)]


@router.get("/labs/{lab_id}/history")
def history(lab_id: int, session: SessionDep, actor: ActorDep) -> list[dict[str, Any]]:
    """能力验证记录 of a lab (its own, or any lab for staff)."""
    return [dataclasses.asdict(h) for h in service.lab_history(session, actor, lab_id)]
