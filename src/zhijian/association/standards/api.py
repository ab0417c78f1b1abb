"""团体标准 REST API: thin handlers over standards.service."""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from zhijian.association.standards import service
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
    StandardOut,
    VoteIn,
    WithdrawIn,
)
from zhijian.platform.deps import ActorDep, SessionDep
from zhijian.platform.openapi import XLSX, XLSX_ANSWER

router = APIRouter(prefix="/api/v1/association/standards", tags=["association"])


@router.post("", response_model=StandardOut, status_code=201)
def propose(data: ProposalIn, session: SessionDep, actor: ActorDep) -> StandardOut:
    return StandardOut.model_validate(service.propose(session, actor, data))


@router.get("", response_model=list[StandardOut])
def list_standards(session: SessionDep, actor: ActorDep, status: str | None = None) -> list[StandardOut]:
    """Published standards and drafts out for comment for everyone; all stages for logged-in users."""
    return [StandardOut.model_validate(g) for g in service.list_standards(session, actor, status=status)]


@router.get("/ttbz.xlsx", response_class=Response, responses=XLSX_ANSWER)
def ttbz(session: SessionDep, actor: ActorDep) -> Response:
    """全国团体标准信息平台 record fields of every numbered standard, as Excel."""
    import io

    from zhijian.platform.tabular import write_rows

    rows = service.ttbz_export(session, actor)
    buf = io.BytesIO()
    write_rows(buf, service.TTBZ_COLUMNS, [[r[c] for c in service.TTBZ_COLUMNS] for r in rows], fmt="xlsx")
    return Response(buf.getvalue(), media_type=XLSX,
                    headers={"Content-Disposition": 'attachment; filename="ttbz.xlsx"'})


@router.get("/{sid}")
def get_standard(sid: int, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    g = service.get_standard(session, actor, sid)
    d = service.latest_draft(session, sid)
    return {**StandardOut.model_validate(g).model_dump(mode="json"), "history": g.history,
            "draft": {"version": d.version, "stage": d.stage, "clauses": d.clauses} if d else None,
            "comments": [{"id": c.id, "clause_no": c.clause_no, "commenter": c.commenter, "text": c.text,
                          "proposal": c.proposal, "disposition": c.disposition, "reason": c.disposition_reason}
                         for c in service.comments(session, sid)] if not actor.is_public else []}


@router.post("/{sid}/project", response_model=StandardOut)
def decide_project(sid: int, data: ProjectDecisionIn, session: SessionDep, actor: ActorDep) -> StandardOut:
    return StandardOut.model_validate(service.decide_project(session, actor, sid, data))


@router.post("/{sid}/drafts", status_code=201)
def add_draft(sid: int, data: DraftIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    d = service.add_draft(session, actor, sid, data)
    return {"version": d.version, "stage": d.stage}


@router.post("/{sid}/comment-period", response_model=StandardOut)
def open_comments(sid: int, data: CommentPeriodIn, session: SessionDep, actor: ActorDep) -> StandardOut:
    return StandardOut.model_validate(service.open_comments(session, actor, sid, data))


@router.post("/{sid}/comments", status_code=201)
def comment(sid: int, data: CommentIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    c = service.comment(session, actor, sid, data)
    return {"id": c.id, "clause_no": c.clause_no, "disposition": c.disposition}


@router.post("/comments/{cid}/disposition")
def dispose(cid: int, data: DispositionIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    c = service.dispose(session, actor, cid, data)
    return {"id": c.id, "disposition": c.disposition}


@router.post("/{sid}/review", status_code=201)
def start_review(sid: int, data: DraftIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    d = service.start_review(session, actor, sid, data)
    return {"version": d.version, "stage": d.stage}


@router.post("/{sid}/votes", status_code=201)
def vote(sid: int, data: VoteIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    v = service.vote(session, actor, sid, data)
    return {"id": v.id, "expert": v.expert, "vote": v.vote}


@router.post("/{sid}/review/conclusion")
def conclude(sid: int, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    return dataclasses.asdict(service.conclude_review(session, actor, sid))


@router.post("/{sid}/publish", response_model=StandardOut)
def publish(sid: int, data: PublishIn, session: SessionDep, actor: ActorDep) -> StandardOut:
    return StandardOut.model_validate(service.publish(session, actor, sid, data))


@router.post("/{sid}/periodic-review", response_model=StandardOut)
def periodic_review(sid: int, session: SessionDep, actor: ActorDep) -> StandardOut:
    return StandardOut.model_validate(service.start_periodic_review(session, actor, sid))


@router.post("/{sid}/periodic-review/conclusion", response_model=StandardOut)
def periodic_conclusion(sid: int, data: ReviewIn, session: SessionDep, actor: ActorDep) -> StandardOut:
    return StandardOut.model_validate(service.conclude_periodic_review(session, actor, sid, data))


@router.post("/{sid}/amendments", response_model=StandardOut)
def amend(sid: int, data: AmendmentIn, session: SessionDep, actor: ActorDep) -> StandardOut:
    return StandardOut.model_validate(service.amend(session, actor, sid, data))


@router.post("/{sid}/withdraw", response_model=StandardOut)
def withdraw(sid: int, data: WithdrawIn, session: SessionDep, actor: ActorDep) -> StandardOut:
    return StandardOut.model_validate(service.withdraw(session, actor, sid, data.reason))
