"""团体标准 use cases — the only writer of the group-standard tables (API, CLI, pages and demo call these).

Policy: anyone logged in (a member enterprise, a lab, a regulator) proposes; the secretariat (association;
admin passes) decides the project, keeps the drafts, opens the comment period, disposes of every comment,
records the experts' votes, approves, publishes, reviews, amends and withdraws. During the comment period anyone
logged in comments on a clause; the public reads published standards and the drafts out for comment.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zhijian.association.common.service import fetched, is_secretariat, locked, require_secretariat, today
from zhijian.association.standards import rules
from zhijian.association.standards.models import GroupStandard, StandardComment, StandardDraft, StandardVote
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
    VoteIn,
)
from zhijian.catalog.models import Organization
from zhijian.platform.auth import Actor
from zhijian.platform.crud import added, flush
from zhijian.platform.errors import Conflict, DomainError, NotFound

PUBLIC_STATUSES = ("commenting", "published", "under_review", "withdrawn")
TTBZ_COLUMNS = ("标准编号", "中文名称", "英文名称", "ICS", "CCS", "发布日期", "实施日期", "起草单位", "起草人", "范围",
                "状态")



def _get(session: Session, sid: int, *, lock: bool = False) -> GroupStandard:
    return fetched(session, GroupStandard, sid, "group_standard", lock=lock)


def _move(g: GroupStandard, target: str, actor: Actor, note: str = "", on: dt.date | None = None) -> None:
    rules.check_transition(g.status, target)
    g.history = [*g.history, {"from": g.status, "to": target, "on": (on or today()).isoformat(), "by": actor.label,
                              "note": note}]
    g.status = target


def get_standard(session: Session, actor: Actor, sid: int) -> GroupStandard:
    """The public sees a standard once it is out for comment or published; logged-in users see all."""
    g = _get(session, sid)
    if actor.is_public and g.status not in PUBLIC_STATUSES:
        raise NotFound("group_standard", sid)
    return g


def list_standards(session: Session, actor: Actor, *, status: str | None = None) -> list[GroupStandard]:
    stmt = select(GroupStandard).order_by(GroupStandard.id.desc())
    if status:
        stmt = stmt.where(GroupStandard.status == status)
    if actor.is_public:
        stmt = stmt.where(GroupStandard.status.in_(PUBLIC_STATUSES))
    return list(session.scalars(stmt))


# ---------------------------------------------------------------- proposal and project


def propose(session: Session, actor: Actor, data: ProposalIn) -> GroupStandard:
    """提案: any logged-in organization (its own), or the secretariat for anyone."""
    actor.require("association", "enterprise", "inspector", "regulator")
    proposer = data.proposer_id if is_secretariat(actor) else actor.organization_id
    if proposer is not None and session.get(Organization, proposer) is None:
        raise DomainError("association.std.bad_proposer", f"提案单位不存在：{proposer}", f"no organization {proposer}",
                          field="proposer_id")
    g = GroupStandard(title=data.title.strip(), title_en=data.title_en.strip(), scope=data.scope.strip(),
                      reason=data.reason.strip(), proposer_id=proposer, status="proposed", drafting_units=[],
                      drafters=[], indicators=[], amendments=[],
                      history=[{"from": "", "to": "proposed", "on": today().isoformat(), "by": actor.label, "note": ""}])
    return added(session, g, "assoc_group_standard")


def decide_project(session: Session, actor: Actor, sid: int, data: ProjectDecisionIn) -> GroupStandard:
    """立项审查: approved → 起草 with a project number and the drafting group; or 不予立项 with the reason."""
    require_secretariat(actor)
    g = _get(session, sid, lock=True)
    if not data.approve:
        _move(g, "rejected", actor, data.reason)
        g.project_decision = data.reason
        flush(session, "assoc_group_standard")
        return g
    if not data.drafting_units:
        raise DomainError("association.std.no_drafting_group", "立项须确定起草单位", "name the drafting units",
                          field="drafting_units")
    _move(g, "drafting", actor, data.reason)
    year = today().year
    n = (session.scalar(select(func.count()).select_from(GroupStandard).where(
        GroupStandard.project_no.like(f"CAQI-XM-{year}-%"))) or 0) + 1
    g.project_no = f"CAQI-XM-{year}-{n:03d}"
    g.project_decision, g.drafting_units, g.drafters = data.reason, data.drafting_units, data.drafters
    g.ics, g.ccs = data.ics, data.ccs
    flush(session, "assoc_group_standard")
    return g


# ---------------------------------------------------------------- drafts and comments


def latest_draft(session: Session, sid: int) -> StandardDraft | None:
    return session.scalar(select(StandardDraft).where(StandardDraft.standard_id == sid)
                          .order_by(StandardDraft.version.desc()).limit(1))


def add_draft(session: Session, actor: Actor, sid: int, data: DraftIn) -> StandardDraft:
    """A new version of the draft (while drafting or in review); the typed indicators ride along."""
    require_secretariat(actor)
    g = _get(session, sid, lock=True)
    if g.status not in ("drafting", "reviewing", "approved"):
        raise Conflict("association.std.not_drafting", f"当前阶段（{rules.STATUSES[g.status]}）不能提交草案",
                       f"no draft can be added in stage {g.status}")
    if data.stage not in rules.DRAFT_STAGES:
        raise DomainError("association.std.bad_stage", f"草案阶段应为 {'/'.join(rules.DRAFT_STAGES)}",
                          f"stage must be one of {', '.join(rules.DRAFT_STAGES)}", field="stage")
    prev = latest_draft(session, sid)
    d = StandardDraft(standard_id=g.id, version=(prev.version + 1) if prev else 1, stage=data.stage,
                      clauses=rules.check_clauses(data.clauses), note=data.note, created_by=actor.label)
    if data.indicators is not None:
        g.indicators = [i.model_dump() for i in data.indicators]
    return added(session, d, "assoc_standard_draft")


def open_comments(session: Session, actor: Actor, sid: int, data: CommentPeriodIn) -> GroupStandard:
    """征求意见: the latest draft goes on the portal for at least 30 days."""
    require_secretariat(actor)
    g = _get(session, sid, lock=True)
    d = latest_draft(session, sid)
    if d is None:
        raise Conflict("association.std.no_draft", "还没有草案", "there is no draft yet")
    start = data.start or today()
    until = rules.comment_window(start, data.days)
    _move(g, "commenting", actor, f"征求意见稿 第 {d.version} 版，至 {until}")
    g.comment_from, g.comment_until = start, until
    d.stage = "comment"
    flush(session, "assoc_group_standard")
    return g


def comment(session: Session, actor: Actor, sid: int, data: CommentIn, on: dt.date | None = None) -> StandardComment:
    """One comment on one clause of the draft out for comment (logged-in users; the name is recorded)."""
    if actor.is_public:
        actor.require("association")
    g = _get(session, sid)
    day = on or today()
    if (g.status != "commenting" or g.comment_from is None or g.comment_until is None
            or not (g.comment_from <= day <= g.comment_until)):
        raise Conflict("association.std.not_commenting", "该标准不在征求意见期内", "the standard is not out for comment")
    d = latest_draft(session, sid)
    if d is None or data.clause_no.strip() not in {c["no"] for c in d.clauses}:
        raise DomainError("association.std.unknown_clause", f"草案没有条款 {data.clause_no}", f"no clause {data.clause_no}",
                          field="clause_no")
    c = StandardComment(standard_id=g.id, draft_id=d.id, clause_no=data.clause_no.strip(),
                        commenter=data.commenter.strip() or actor.username, organization=data.organization.strip(),
                        text=data.text.strip(), proposal=data.proposal.strip())
    return added(session, c, "assoc_standard_comment")


def comments(session: Session, sid: int) -> list[StandardComment]:
    return list(session.scalars(select(StandardComment).where(StandardComment.standard_id == sid)
                                .order_by(StandardComment.clause_no, StandardComment.id)))


def dispose(session: Session, actor: Actor, comment_id: int, data: DispositionIn) -> StandardComment:
    """意见处理: every comment gets 采纳 / 部分采纳 / 不采纳, the last two with a reason."""
    require_secretariat(actor)
    c = locked(session, StandardComment, comment_id, "standard_comment")
    if data.disposition not in ("accepted", "partly", "rejected"):
        raise DomainError("association.std.bad_disposition", "处理意见应为 采纳/部分采纳/不采纳",
                          "disposition must be accepted, partly or rejected", field="disposition")
    if data.disposition != "accepted" and not data.reason.strip():
        raise DomainError("association.std.reason_required", "部分采纳或不采纳须说明理由", "give the reason",
                          field="reason")
    c.disposition, c.disposition_reason = data.disposition, data.reason.strip()
    flush(session, "assoc_standard_comment")
    return c


# ---------------------------------------------------------------- review, approval, publication


def start_review(session: Session, actor: Actor, sid: int, data: DraftIn, on: dt.date | None = None) -> StandardDraft:
    """送审: after the comment period, with every comment disposed of; the 送审稿 is the new draft version.
    A draft sent back by the review returns here without a new comment period (the secretariat may open one)."""
    require_secretariat(actor)
    g = _get(session, sid, lock=True)
    day = on or today()
    if g.comment_until is None:
        raise Conflict("association.std.no_comment_period", "送审前须公开征求意见", "the draft must go out for comment first")
    if g.status == "commenting" and g.comment_until is not None and day <= g.comment_until:
        raise Conflict("association.std.comment_period_open", f"征求意见期至 {g.comment_until}，尚未结束",
                       f"the comment period runs until {g.comment_until}")
    pending = session.scalar(select(func.count()).select_from(StandardComment).where(
        StandardComment.standard_id == sid, StandardComment.disposition == "pending")) or 0
    if pending:
        raise Conflict("association.std.comments_pending", f"还有 {pending} 条意见未处理", f"{pending} comments are not disposed of")
    _move(g, "reviewing", actor, on=day)
    flush(session, "assoc_group_standard")
    return add_draft(session, actor, sid, data.model_copy(update={"stage": "review"}))


def vote(session: Session, actor: Actor, sid: int, data: VoteIn) -> StandardVote:
    """An expert's vote at the 技术审查 (recorded by the secretariat); one vote per expert and review round. An
    assigned expert casts his own through ``experts.service.cast_vote``, which calls `record_vote`."""
    require_secretariat(actor)
    return record_vote(session, sid, data)


def record_vote(session: Session, sid: int, data: VoteIn) -> StandardVote:
    """The vote written (no policy here: `vote` and ``experts.service.cast_vote`` decide who may)."""
    g = _get(session, sid)
    if g.status != "reviewing":
        raise Conflict("association.std.not_reviewing", "该标准不在技术审查阶段", "the standard is not in review")
    if data.vote not in rules.VOTES:
        raise DomainError("association.std.bad_vote", "表决应为 同意/修改后同意/不同意/弃权", "invalid vote", field="vote")
    round_no = 1 + sum(1 for h in g.history if h["from"] == "reviewing" and h["to"] == "drafting")
    if session.scalar(select(StandardVote.id).where(StandardVote.standard_id == sid, StandardVote.round_no == round_no,
                                                    StandardVote.expert == data.expert.strip())):
        raise Conflict("association.std.already_voted", f"{data.expert} 已在本轮审查中表决",
                       f"{data.expert} has already voted in this review round", field="expert")
    v = StandardVote(standard_id=sid, expert=data.expert.strip(), affiliation=data.affiliation.strip(), vote=data.vote,
                     comment=data.comment.strip(), round_no=round_no)
    return added(session, v, "assoc_standard_vote")


def conclude_review(session: Session, actor: Actor, sid: int) -> rules.ReviewOutcome:
    """审查结论: ≥ 5 experts and ≥ 3/4 in favour → 批准 (报批稿); otherwise back to drafting."""
    require_secretariat(actor)
    g = _get(session, sid, lock=True)
    if g.status != "reviewing":
        raise Conflict("association.std.not_reviewing", "该标准不在技术审查阶段", "the standard is not in review")
    round_no = 1 + sum(1 for h in g.history if h["from"] == "reviewing" and h["to"] == "drafting")
    votes = list(session.scalars(select(StandardVote.vote).where(StandardVote.standard_id == sid,
                                                                 StandardVote.round_no == round_no)))
    out = rules.review_outcome(votes)
    _move(g, "approved" if out.passed else "drafting", actor, out.reason_zh)
    flush(session, "assoc_group_standard")
    return out


def publish(session: Session, actor: Actor, sid: int, data: PublishIn) -> GroupStandard:
    """批准发布: the next number of the year T/CAQI nnn—YYYY, the 复审 date five years on."""
    require_secretariat(actor)
    g = _get(session, sid, lock=True)
    day = data.published_on or today()
    implemented = data.implemented_on or day
    if implemented < day:
        raise DomainError("association.std.bad_dates", "实施日期不能早于发布日期", "implementation precedes publication",
                          field="implemented_on")
    _move(g, "published", actor, on=day)
    if g.number is None:
        seq = (session.scalar(select(func.max(GroupStandard.seq)).where(GroupStandard.year == day.year)) or 0) + 1
        g.year, g.seq, g.number = day.year, seq, rules.standard_number(seq, day.year)
    g.published_on, g.implemented_on, g.next_review_on = day, implemented, rules.next_review(day)
    d = latest_draft(session, sid)
    if d is not None:
        d.stage = "approval"
    flush(session, "assoc_group_standard")
    return g


def reviews_due(session: Session, on: dt.date | None = None, within_days: int = 90) -> list[GroupStandard]:
    """复审到期: published standards whose five-year review falls within the next days (or is overdue)."""
    day = (on or today()) + dt.timedelta(days=within_days)
    return list(session.scalars(select(GroupStandard).where(GroupStandard.status == "published",
                                                            GroupStandard.next_review_on <= day)
                                .order_by(GroupStandard.next_review_on)))


def start_periodic_review(session: Session, actor: Actor, sid: int) -> GroupStandard:
    require_secretariat(actor)
    g = _get(session, sid, lock=True)
    _move(g, "under_review", actor)
    flush(session, "assoc_group_standard")
    return g


def conclude_periodic_review(session: Session, actor: Actor, sid: int, data: ReviewIn,
                             on: dt.date | None = None) -> GroupStandard:
    """复审结论: 继续有效 (next review in five years), 修订 (back to drafting, the number kept until the new
    edition), or 废止."""
    require_secretariat(actor)
    g = _get(session, sid, lock=True)
    day = on or today()
    target = {"confirmed": "published", "revise": "drafting", "withdraw": "withdrawn"}.get(data.outcome)
    if target is None:
        raise DomainError("association.std.bad_outcome", "复审结论应为 confirmed/revise/withdraw",
                          "the outcome must be confirmed, revise or withdraw", field="outcome")
    _move(g, target, actor, data.reason, on=day)
    if target == "published":
        g.next_review_on = rules.next_review(day)
    elif target == "drafting":
        g.number = g.seq = g.year = None  # the revised edition gets the number of its year
    flush(session, "assoc_group_standard")
    return g


def amend(session: Session, actor: Actor, sid: int, data: AmendmentIn) -> GroupStandard:
    """修改单: numbered amendments of a published standard."""
    require_secretariat(actor)
    g = _get(session, sid, lock=True)
    if g.status != "published":
        raise Conflict("association.std.not_published", "只有已发布的标准可以发布修改单", "only a published standard is amended")
    n = len(g.amendments) + 1
    g.amendments = [*g.amendments, {"no": n, "title": f"{g.number} 第{n}号修改单", "text": data.text,
                                    "effective_on": (data.effective_on or today()).isoformat(), "by": actor.label}]
    flush(session, "assoc_group_standard")
    return g


def withdraw(session: Session, actor: Actor, sid: int, reason: str) -> GroupStandard:
    require_secretariat(actor)
    g = _get(session, sid, lock=True)
    if not reason.strip():
        raise DomainError("association.std.reason_required", "废止须说明理由", "give the reason", field="reason")
    _move(g, "withdrawn", actor, reason)
    flush(session, "assoc_group_standard")
    return g


# ---------------------------------------------------------------- exports and contracts


def ttbz_record(g: GroupStandard) -> dict[str, Any]:
    """The 全国团体标准信息平台 record fields of a published standard."""
    return {"标准编号": g.number or "", "中文名称": g.title, "英文名称": g.title_en, "ICS": g.ics, "CCS": g.ccs,
            "发布日期": g.published_on.isoformat() if g.published_on else "",
            "实施日期": g.implemented_on.isoformat() if g.implemented_on else "",
            "起草单位": "、".join(g.drafting_units), "起草人": "、".join(g.drafters), "范围": g.scope,
            "状态": {"published": "现行", "under_review": "现行", "withdrawn": "废止"}.get(g.status, rules.STATUSES[g.status])}


def ttbz_export(session: Session, actor: Actor) -> list[dict[str, Any]]:
    require_secretariat(actor)
    return [ttbz_record(g) for g in session.scalars(select(GroupStandard).where(GroupStandard.number.is_not(None))
                                                   .order_by(GroupStandard.year, GroupStandard.seq))]


def group_standard_indicators(session: Session, number: str) -> list[dict[str, Any]]:
    """Contract: the typed indicators of a current group standard (the catalog's IndicatorIn fields), for spot
    checks and enterprise-standard checks; [] when unknown or withdrawn."""
    g = session.scalar(select(GroupStandard).where(GroupStandard.number == number,
                                                   GroupStandard.status.in_(("published", "under_review"))))
    return list(g.indicators) if g else []
