"""专家 REST API: thin handlers over experts.service (/api/v1/association/experts/…)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from zhijian.association.common.api import Action, action_routes
from zhijian.association.experts import service
from zhijian.platform.deps import ActorDep, SessionDep

router = APIRouter(prefix="/api/v1/association/experts", tags=["association"])


class VoteBody(BaseModel):
    vote: str
    comment: str = Field(default="", max_length=2000)


action_routes(
    router, {"sid": int},
    Action("POST", "", "register", service.register_expert, ("id", "name", "committee", "affiliation"),
           service.ExpertIn, 201),
    Action("POST", "/assignments", "assign", service.assign, ("id", "kind", "target_id", "status"), service.AssignIn,
           201),
    Action("POST", "/standards/{sid}/vote", "vote",
           lambda s, a, sid, data: service.cast_vote(s, a, sid, data.vote, data.comment),
           ("id", "expert", "vote", "round_no"), VoteBody, 201),
)


@router.get("")
def roster(session: SessionDep, actor: ActorDep) -> list[dict[str, Any]]:
    return [{"id": e.id, "name": e.name, "committee": e.committee, "affiliation": e.affiliation, "active": e.active}
            for e in service.list_experts(session, actor)]


@router.get("/mine")
def mine(session: SessionDep, actor: ActorDep) -> list[dict[str, Any]]:
    """The logged-in expert's own tasks (an empty list for anybody else)."""
    return [asdict(t) for t in service.my_assignments(session, actor)]
