"""团体标准 REST API: thin handlers over standards.service."""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from zhijian.association.common.api import Action, action_routes
from zhijian.association.standards import schemas, service
from zhijian.association.standards.schemas import StandardOut
from zhijian.platform.deps import ActorDep, SessionDep
from zhijian.platform.openapi import XLSX, XLSX_ANSWER

router = APIRouter(prefix="/api/v1/association/standards", tags=["association"])
action_routes(
    router, {"sid": int, "cid": int},
    Action("POST", "/{sid}/drafts", "add_draft", service.add_draft, ("version", "stage"), schemas.DraftIn, 201),
    Action("POST", "/{sid}/comments", "comment", service.comment, ("id", "clause_no", "disposition"),
           schemas.CommentIn, 201),
    Action("POST", "/comments/{cid}/disposition", "dispose", service.dispose, ("id", "disposition"),
           schemas.DispositionIn),
    Action("POST", "/{sid}/review", "start_review", service.start_review, ("version", "stage"), schemas.DraftIn, 201),
    Action("POST", "/{sid}/votes", "vote", service.vote, ("id", "expert", "vote"), schemas.VoteIn, 201),

    Action("POST", "", "propose", service.propose, StandardOut, schemas.ProposalIn, 201),
    Action("POST", "/{sid}/project", "decide_project", service.decide_project, StandardOut, schemas.ProjectDecisionIn),
    Action("POST", "/{sid}/comment-period", "open_comments", service.open_comments, StandardOut,
           schemas.CommentPeriodIn),
    Action("POST", "/{sid}/publish", "publish", service.publish, StandardOut, schemas.PublishIn),
    Action("POST", "/{sid}/periodic-review", "periodic_review", service.start_periodic_review, StandardOut),
    Action("POST", "/{sid}/periodic-review/conclusion", "periodic_conclusion", service.conclude_periodic_review,
           StandardOut, schemas.ReviewIn),
    Action("POST", "/{sid}/amendments", "amend", service.amend, StandardOut, schemas.AmendmentIn),
    Action("POST", "/{sid}/withdraw", "withdraw", lambda s, a, sid, data: service.withdraw(s, a, sid, data.reason),
           StandardOut, schemas.WithdrawIn),
)


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


@router.post("/{sid}/review/conclusion")
def conclude(sid: int, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    return dataclasses.asdict(service.conclude_review(session, actor, sid))


