"""专家 REST API: thin handlers over experts.service (/api/v1/association/experts/…)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from zhijian.association.experts import service
from zhijian.platform.deps import ActorDep, SessionDep

router = APIRouter(prefix="/api/v1/association/experts", tags=["association"])


class VoteBody(BaseModel):
    vote: str
    comment: str = Field(default="", max_length=2000)


@router.post("", status_code=201)
def register(data: service.ExpertIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    e = service.register_expert(session, actor, data)
    return {"id": e.id, "name": e.name, "committee": e.committee, "affiliation": e.affiliation}


@router.get("")
def roster(session: SessionDep, actor: ActorDep) -> list[dict[str, Any]]:
    return [{"id": e.id, "name": e.name, "committee": e.committee, "affiliation": e.affiliation, "active": e.active}
            for e in service.list_experts(session, actor)]


@router.post("/assignments", status_code=201)
def assign(data: service.AssignIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    a = service.assign(session, actor, data)
    return {"id": a.id, "kind": a.kind, "target_id": a.target_id, "status": a.status}


@router.get("/mine")
def mine(session: SessionDep, actor: ActorDep) -> list[dict[str, Any]]:
    """The logged-in expert's own tasks (an empty list for anybody else)."""
    return [asdict(t) for t in service.my_assignments(session, actor)]


@router.post("/standards/{sid}/vote", status_code=201)
def vote(sid: int, data: VoteBody, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    v = service.cast_vote(session, actor, sid, data.vote, data.comment)
    return {"id": v.id, "expert": v.expert, "vote": v.vote, "round_no": v.round_no}
