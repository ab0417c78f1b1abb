"""专家 use cases: the secretariat names users to a committee (委员、评审专家) and assigns them a group standard's
技术审查 or a lab's 现场评价; an expert logs in and sees only his assignments, casts his own vote on a standard he
reviews and records the checklist of an assessment he is on.

An expert is a user of a lab, an enterprise or a regulator (a public account has no console); the secretariat
itself needs no assignment.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.association.assessment.models import Assessment
from zhijian.association.common.service import fetched, require_secretariat, today
from zhijian.association.experts.models import Expert, ExpertAssignment
from zhijian.association.standards import service as standards
from zhijian.association.standards.models import GroupStandard, StandardVote
from zhijian.association.standards.schemas import VoteIn
from zhijian.catalog.models import Organization
from zhijian.platform.auth import Actor
from zhijian.platform.crud import added, flush
from zhijian.platform.errors import Conflict, DomainError, NotFound, PermissionDenied
from zhijian.platform.identity.models import User

COMMITTEES = {"standards": "标准化工作委员会", "assessment": "评价专家库"}
KINDS = {"standard_review": "团体标准技术审查", "assessment": "检验检测机构现场评价"}
KIND_COMMITTEE = {"standard_review": "standards", "assessment": "assessment"}


class ExpertIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=100)
    affiliation: str = Field(default="", max_length=200)
    committee: str = "standards"
    fields: str = Field(default="", max_length=2000)


class AssignIn(BaseModel):
    expert_id: int
    kind: str
    target_id: int


def register_expert(session: Session, actor: Actor, data: ExpertIn) -> Expert:
    """聘任专家: a user of a lab, enterprise or regulator joins a committee (one expert record per user)."""
    require_secretariat(actor)
    if data.committee not in COMMITTEES:
        raise DomainError("association.expert.bad_committee", "委员会应为 standards 或 assessment",
                          "committee must be standards or assessment", field="committee")
    user = session.scalar(select(User).where(User.username == data.username.strip()))
    if user is None:
        raise NotFound("user", data.username)
    if user.role in ("public", "admin", "association"):
        raise DomainError("association.expert.bad_role", "专家账号须属于检验机构、企业或监管部门",
                          "an expert's account must belong to a lab, an enterprise or a regulator", field="username")
    if session.scalar(select(Expert.id).where(Expert.user_id == user.id)):
        raise Conflict("association.expert.exists", f"{user.username} 已是专家", f"{user.username} is already an expert",
                       field="username")
    org = session.get(Organization, user.organization_id) if user.organization_id else None
    e = Expert(user_id=user.id, name=data.name.strip(), affiliation=data.affiliation.strip() or (org.name if org else ""),
               committee=data.committee, fields=data.fields.strip(), active=True)
    return added(session, e, "assoc_expert")


def list_experts(session: Session, actor: Actor) -> list[Expert]:
    require_secretariat(actor)
    return list(session.scalars(select(Expert).order_by(Expert.committee, Expert.name)))


def expert_of(session: Session, actor: Actor) -> Expert | None:
    """The actor's own expert record (None when he is not an active expert)."""
    if actor.user_id is None:
        return None
    return session.scalar(select(Expert).where(Expert.user_id == actor.user_id, Expert.active.is_(True)))


def assign(session: Session, actor: Actor, data: AssignIn) -> ExpertAssignment:
    """分配评审任务: the expert's committee must fit the task, the standard or assessment must exist."""
    require_secretariat(actor)
    if data.kind not in KINDS:
        raise DomainError("association.expert.bad_kind", "任务类型应为 standard_review 或 assessment",
                          "kind must be standard_review or assessment", field="kind")
    e = fetched(session, Expert, data.expert_id, "expert")
    if not e.active or e.committee != KIND_COMMITTEE[data.kind]:
        raise DomainError("association.expert.wrong_committee", f"{e.name} 不在{COMMITTEES[KIND_COMMITTEE[data.kind]]}",
                          f"{e.name} is not on the {KIND_COMMITTEE[data.kind]} committee", field="expert_id")
    target = fetched(session, GroupStandard if data.kind == "standard_review" else Assessment, data.target_id,
                     "group_standard" if data.kind == "standard_review" else "assessment")
    user = session.get(User, e.user_id)
    if isinstance(target, Assessment) and user is not None and user.organization_id == target.lab_id:
        raise DomainError("association.expert.conflict_of_interest", f"{e.name} 是被评价机构的人员，应当回避",
                          f"{e.name} works for the lab under assessment and must not assess it", field="expert_id")
    if session.scalar(select(ExpertAssignment.id).where(ExpertAssignment.expert_id == e.id,
                                                        ExpertAssignment.kind == data.kind,
                                                        ExpertAssignment.target_id == data.target_id)):
        raise Conflict("association.expert.already_assigned", "已分配该任务", "already assigned", field="expert_id")
    a = ExpertAssignment(expert_id=e.id, kind=data.kind, target_id=data.target_id, assigned_on=today(),
                         status="assigned")
    return added(session, a, "assoc_expert_assignment")


def is_assigned(session: Session, actor: Actor, kind: str, target_id: int) -> bool:
    """Whether the actor is an active expert assigned to this standard review or assessment."""
    e = expert_of(session, actor)
    return e is not None and session.scalar(select(ExpertAssignment.id).where(
        ExpertAssignment.expert_id == e.id, ExpertAssignment.kind == kind,
        ExpertAssignment.target_id == target_id)) is not None


@dataclass(frozen=True)
class AssignmentView:
    """One task on the expert's own page: what, where it stands, and whether he can act on it now."""

    id: int
    kind: str
    kind_zh: str
    target_id: int
    title: str
    stage: str
    status: str
    href: str
    can_vote: bool


def my_assignments(session: Session, actor: Actor) -> list[AssignmentView]:
    """The expert's own tasks only (none for anybody else)."""
    e = expert_of(session, actor)
    if e is None:
        return []
    out = []
    for a in session.scalars(select(ExpertAssignment).where(ExpertAssignment.expert_id == e.id)
                             .order_by(ExpertAssignment.id.desc())):
        if a.kind == "standard_review":
            g = session.get(GroupStandard, a.target_id)
            title, stage = (g.title, g.status) if g else ("—", "")
            href = f"/console/association/standards/{a.target_id}"
            can_vote = bool(g and g.status == "reviewing" and a.status == "assigned")
        else:
            x = session.get(Assessment, a.target_id)
            lab = session.get(Organization, x.lab_id) if x else None
            title, stage = ((lab.name if lab else "—") + " · " + (x.scope if x else ""), x.status if x else "")
            href, can_vote = f"/console/association/assessments/{a.target_id}", False
        out.append(AssignmentView(a.id, a.kind, KINDS[a.kind], a.target_id, title, stage, a.status, href, can_vote))
    return out


def cast_vote(session: Session, actor: Actor, sid: int, vote: str, comment: str = "") -> StandardVote:
    """The assigned expert's own vote at the 技术审查 (his name and affiliation from his record; once per round)."""
    e = expert_of(session, actor)
    a = e and session.scalar(select(ExpertAssignment).where(ExpertAssignment.expert_id == e.id,
                                                             ExpertAssignment.kind == "standard_review",
                                                             ExpertAssignment.target_id == sid))
    if e is None or not a:
        raise PermissionDenied("只有分配到该标准审查的专家可以表决", "only an expert assigned to this review may vote",
                               code="association.expert.not_assigned")
    v = standards.record_vote(session, sid, VoteIn(expert=e.name, affiliation=e.affiliation, vote=vote,
                                                   comment=comment))
    a.status = "done"
    flush(session, "assoc_expert_assignment")
    return v
