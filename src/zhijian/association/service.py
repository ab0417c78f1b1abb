"""协会 services, re-exported for the other rooms' contracts (``zhijian.platform.rooms.call(session, "association", …)``) and the console
home cards. Each sub-package's service is the only writer of its tables; this module only reads and names them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zhijian.association.members.service import is_member
from zhijian.association.pt.service import PtHistoryRecord, PtSummary, pt_history, pt_summaries
from zhijian.association.standards.service import group_standard_indicators
from zhijian.catalog.models import Organization
from zhijian.platform.auth import Actor
from zhijian.platform.errors import NotFound

__all__ = ["LabProfile", "PtHistoryRecord", "PtSummary", "dashboard_cards", "group_standard_indicators", "is_member",
           "lab_profile", "pt_history", "pt_summaries"]


@dataclass(frozen=True)
class LabProfile:
    """机构档案 as the association keeps it: the lab, its assessments and certificates, membership, PT record."""

    lab: Organization
    assessments: list[Any]  # Assessment rows, newest first
    member_status: str | None
    pt_summary: PtSummary | None
    pt_history: list[PtHistoryRecord]


def lab_profile(session: Session, actor: Actor, lab_id: int | None = None) -> LabProfile:
    """A lab's profile: the lab itself (its own), or staff (协会, 监管, admin) any lab; 404 otherwise."""
    from zhijian.association.assessment.models import Assessment
    from zhijian.association.members.models import Member
    from zhijian.association.pt.service import lab_history, pt_summaries

    history = lab_history(session, actor, lab_id)  # the policy: a lab its own, staff any
    lab_id = actor.organization_id if actor.role == "inspector" else lab_id
    lab = session.get(Organization, lab_id) if lab_id is not None else None
    if lab is None or lab.kind != "lab":
        raise NotFound("lab", lab_id)
    assessments = list(session.scalars(select(Assessment).where(Assessment.lab_id == lab.id)
                                       .order_by(Assessment.id.desc())))
    member = session.scalar(select(Member.status).where(Member.organization_id == lab.id))
    return LabProfile(lab, assessments, member, pt_summaries(session, [lab.id]).get(lab.id), history)


def _count(session: Session, stmt: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)


def dashboard_cards(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """Console home: the secretariat's work queues; a lab's rounds and follow-ups; a candidate's exams; a member's
    membership."""
    from zhijian.association.campaigns.models import Notice
    from zhijian.association.exams.models import ExamCandidate, ExamMark
    from zhijian.association.members import service as mem
    from zhijian.association.members.models import Member
    from zhijian.association.pt import service as pt
    from zhijian.association.pt.models import PtRound
    from zhijian.association.standards.models import GroupStandard, StandardComment

    cards: list[dict[str, Any]] = []
    if actor.role in ("admin", "association"):
        cards += [
            {"label": "进行中的能力验证轮次", "value": _count(session, select(PtRound.id).where(
                PtRound.status.in_(("enrolling", "dispatched")))), "href": "/console/association/pt"},
            {"label": "待验证的能力验证跟踪", "value": len(pt.follow_ups(session, actor, status="answered")),
             "href": "/console/association/pt/follow-ups", "queue": "review"},
            {"label": "待阅主观题", "value": _count(session, select(ExamMark.id).where(ExamMark.points.is_(None))),
             "href": "/console/association/exams", "queue": "review"},
            {"label": "待处理的标准意见", "value": _count(session, select(StandardComment.id).where(
                StandardComment.disposition == "pending")), "href": "/console/association/standards",
             "queue": "handle"},
            {"label": "征求意见中的团体标准", "value": _count(session, select(GroupStandard.id).where(
                GroupStandard.status == "commenting")), "href": "/console/association/standards"},
            {"label": "待审批的入会申请", "value": _count(session, select(Member.id).where(Member.status == "applied")),
             "href": "/console/association/members", "queue": "review"},
            {"label": "待审核的稿件", "value": _count(session, select(Notice.id).where(Notice.status == "submitted")),
             "href": "/console/association/campaigns", "queue": "review"}]
        return cards
    if actor.role == "inspector" and actor.organization_id is not None:
        cards += [{"label": "能力验证轮次", "value": len(pt.list_rounds(session, actor)), "href": "/console/association/pt"},
                  {"label": "待答复的能力验证跟踪", "value": len(pt.follow_ups(session, actor, status="open")),
                   "href": "/console/association/pt/follow-ups"}]
    if actor.user_id is not None:
        mine = _count(session, select(ExamCandidate.id).where(ExamCandidate.user_id == actor.user_id,
                                                              ExamCandidate.status.in_(("registered", "started"))))
        if mine:
            cards.append({"label": "待参加的考试", "value": mine, "href": "/console/association/exams", "queue": "handle"})
    from zhijian.association.experts import service as experts

    tasks = [t for t in experts.my_assignments(session, actor) if t.status == "assigned"]
    if experts.expert_of(session, actor) is not None:
        cards.append({"label": "我的评审任务", "value": len(tasks), "href": "/console/association/experts",
                      "queue": "handle"})
    m = mem.my_membership(session, actor)
    if m is not None:
        cards.append({"label": "会员状态", "value": {"applied": "申请中", "active": "有效", "lapsed": "已失效",
                                                 "rejected": "未批准", "withdrawn": "已退会"}[m.status],
                      "href": "/console/association/members"})
    return cards
