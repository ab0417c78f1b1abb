"""考试 REST API: thin handlers over exams.service."""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from zhijian.association.common.api import Action, action_routes, import_route, pdf_response
from zhijian.association.exams import rules, service
from zhijian.association.exams.schemas import AnswersIn, CandidateIn, CandidateOut, ExamIn, ExamOut, MarkIn, QuestionIn
from zhijian.platform.deps import ActorDep, SessionDep

router = APIRouter(prefix="/api/v1/association/exams", tags=["association"])
public_router = APIRouter(prefix="/api/v1/association/public", tags=["association"])
action_routes(
    router, {"code": str, "mark_id": int},
    Action("POST", "/questions", "create_question", service.create_question, ("id", "bank", "code", "kind"),
           QuestionIn, 201),
    Action("POST", "/marks/{mark_id}", "mark_answer",
           lambda s, a, mark_id, data: service.mark_answer(s, a, mark_id, data.points), ("id", "points"), MarkIn),

    Action("POST", "", "create_exam", service.create_exam, ExamOut, ExamIn, 201),
    Action("POST", "/{code}/candidates", "register", service.register, CandidateOut, CandidateIn, 201),
    Action("GET", "", "list_exams", service.list_exams, ExamOut, many=True),
    Action("GET", "/{code}/results", "results", service.results, CandidateOut, many=True),
)


import_route(router, "/questions/import", "import_questions", "questions.xlsx", rules.IMPORT_COLUMNS,
             service.import_questions, "题库导入 (Excel/CSV) — all or nothing; errors name the row and the column.")


@router.post("/{code}/papers")
def generate(code: str, session: SessionDep, actor: ActorDep) -> dict[str, int]:
    return {"generated": service.generate_papers(session, actor, code)}


@router.post("/{code}/start", response_model=CandidateOut)
def start(code: str, session: SessionDep, actor: ActorDep, candidate_no: str | None = None) -> CandidateOut:
    return CandidateOut.model_validate(service.start(session, actor, code, candidate_no))


@router.get("/{code}/paper")
def paper(code: str, session: SessionDep, actor: ActorDep, candidate_no: str | None = None) -> dict[str, Any]:
    v = service.paper_view(session, actor, code, candidate_no)
    return {"candidate_no": v["candidate"].candidate_no, "deadline_at": v["deadline_at"],
            "seconds_left": v["seconds_left"], "items": v["items"]}


@router.put("/{code}/answers", response_model=CandidateOut)
def save(code: str, data: AnswersIn, session: SessionDep, actor: ActorDep,
         candidate_no: str | None = None) -> CandidateOut:
    return CandidateOut.model_validate(service.save_answers(session, actor, code, data.answers, candidate_no))


@router.post("/{code}/submit", response_model=CandidateOut)
def submit(code: str, data: AnswersIn, session: SessionDep, actor: ActorDep,
           candidate_no: str | None = None) -> CandidateOut:
    return CandidateOut.model_validate(service.save_answers(session, actor, code, data.answers, candidate_no,
                                                           submit=True))


@router.post("/{code}/mark")
def mark(code: str, session: SessionDep, actor: ActorDep) -> dict[str, int]:
    return {"marked": service.mark_exam(session, actor, code)}


@router.get("/{code}/queue")
def queue(code: str, session: SessionDep, actor: ActorDep, limit: int = 50) -> list[dict[str, Any]]:
    return [{"id": m.id, "question": q.stem, "reference": q.answer, "answer": m.answer, "max_points": m.max_points}
            for m, q in service.marker_queue(session, actor, code, limit=min(max(limit, 1), 500))]


@router.post("/{code}/close")
def close(code: str, session: SessionDep, actor: ActorDep) -> dict[str, int]:
    return {"auto_submitted": service.close_exam(session, actor, code)}


@router.get("/{code}/item-statistics")
def item_statistics(code: str, session: SessionDep, actor: ActorDep) -> list[dict[str, Any]]:
    return [dict(x) for x in service.item_statistics(session, actor, code)]


@router.post("/{code}/certificates")
def certificates(code: str, session: SessionDep, actor: ActorDep) -> dict[str, int]:
    return {"issued": service.issue_certificates(session, actor, code)}


@public_router.get("/certificates/{number}.pdf")
def certificate_pdf(number: str, request: Request, session: SessionDep) -> Response:
    url = str(request.base_url).rstrip("/") + f"/association/certificates/{number}"
    return pdf_response(service.certificate_pdf(session, number, url))


@public_router.get("/certificates/{number}")
def verify(number: str, session: SessionDep) -> dict[str, Any]:
    """证书查询 (no login)."""
    return dataclasses.asdict(service.verify_certificate(session, number))
