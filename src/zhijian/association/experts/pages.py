"""专家 console page: the secretariat's roster and assignment forms; an expert's own tasks with his vote form."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from zhijian.association.common.forms import Fields, build
from zhijian.association.common.pages import Step, console_step, is_secretariat
from zhijian.association.experts import service
from zhijian.association.standards import rules as standard_rules
from zhijian.platform.auth import Actor
from zhijian.platform.deps import SessionDep
from zhijian.web.core import console_actor, render

router = APIRouter(include_in_schema=False)
BASE = "/console/association/experts"


@router.get(BASE, response_class=HTMLResponse)
def index(request: Request, session: SessionDep) -> Response:
    actor = console_actor(request, session)
    staff = is_secretariat(actor)
    experts = service.list_experts(session, actor) if staff else []
    return render(request, "association/experts.html", {
        "is_staff": staff, "experts": experts, "expert_options": [(e.id, e.name) for e in experts],
        "me": service.expert_of(session, actor), "tasks": [asdict(t) for t in service.my_assignments(session, actor)],
        "committees": service.COMMITTEES, "kinds": service.KINDS, "votes": standard_rules.VOTES}, actor=actor)


def _register(session: Session, actor: Actor, f: Fields, _: None) -> None:
    service.register_expert(session, actor, build(service.ExpertIn, username=f.text("username"), name=f.text("name"),
                                                  affiliation=f.text("affiliation"),
                                                  committee=f.text("committee", "standards"), fields=f.text("fields")))


def _assign(session: Session, actor: Actor, f: Fields, _: None) -> None:
    service.assign(session, actor, build(service.AssignIn, expert_id=f.maybe_id("expert_id"), kind=f.text("kind"),
                                         target_id=f.maybe_id("target_id")))


def _vote(session: Session, actor: Actor, f: Fields, _: None) -> None:
    service.cast_vote(session, actor, f.maybe_id("standard_id") or 0, f.text("vote"), f.text("comment"))


STEPS: dict[str, Step[None]] = {"register": _register, "assign": _assign, "vote": _vote}


@router.post(BASE + "/{action}")
async def action(action: str, request: Request, session: SessionDep) -> Response:
    return await console_step(request, session, (), STEPS.get(action), None, BASE, action=action, invalid=None)
