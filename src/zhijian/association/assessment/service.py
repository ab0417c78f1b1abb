"""机构评价 use cases — the only writer of the assessment tables (API, pages).

Policy: a lab (inspector of a lab organization) applies for itself, reads its assessment and answers its
findings; the secretariat (association; admin passes) plans, records the on-site checklist, verifies corrective
actions and decides. The decision needs every checklist clause recorded and every finding closed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, TypedDict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zhijian.association.assessment import rules
from zhijian.association.assessment.models import Assessment, AssessmentFinding, AssessmentItem
from zhijian.association.assessment.schemas import AssessmentIn, DecisionIn, ItemIn, PlanIn
from zhijian.association.common.service import is_secretariat, locked, today
from zhijian.association.experts.service import is_assigned
from zhijian.association.pt.service import pt_history
from zhijian.catalog.models import Organization
from zhijian.platform.auth import Actor
from zhijian.platform.crud import added, flush
from zhijian.platform.db import lock_for_update
from zhijian.platform.errors import Conflict, DomainError, NotFound, PermissionDenied


def _get(session: Session, actor: Actor, aid: int, *, lock: bool = False) -> Assessment:
    a = lock_for_update(session, Assessment, aid) if lock else session.get(Assessment, aid)
    if a is None or not (is_secretariat(actor) or (actor.role == "inspector" and actor.owns(a.lab_id))
                         or is_assigned(session, actor, "assessment", aid)):
        raise NotFound("assessment", aid)
    return a


def apply(session: Session, actor: Actor, data: AssessmentIn, on: dt.date | None = None) -> Assessment:
    if actor.role == "inspector":
        lab_id = actor.organization_id
    else:
        actor.require("association")
        lab_id = data.lab_id
    lab = session.get(Organization, lab_id) if lab_id else None
    if lab is None or lab.kind != "lab":
        raise DomainError("association.assessment.not_a_lab", "被评价机构应为检验检测机构", "the applicant must be a lab",
                          field="lab_id")
    if data.kind not in ("initial", "surveillance", "renewal"):
        raise DomainError("association.assessment.bad_kind", "评价类型应为 initial/surveillance/renewal", "invalid kind",
                          field="kind")
    if session.scalar(select(Assessment.id).where(Assessment.lab_id == lab.id,
                                                  Assessment.status.not_in(("granted", "refused")))):
        raise Conflict("association.assessment.open", "该机构已有进行中的评价", "the lab has an assessment in progress")
    a = Assessment(lab_id=lab.id, kind=data.kind, scope=data.scope.strip(), status="applied", team=[])
    return added(session, a, "assoc_assessment")


def plan(session: Session, actor: Actor, aid: int, data: PlanIn) -> Assessment:
    actor.require("association")
    a = _get(session, actor, aid, lock=True)
    rules.check_transition(a.status, "planned")
    a.status, a.planned_on, a.team = "planned", data.planned_on, [t.strip() for t in data.team if t.strip()]
    flush(session, "assoc_assessment")
    return a


def record_item(session: Session, actor: Actor, aid: int, data: ItemIn, on: dt.date | None = None) -> AssessmentItem:
    """现场评价: one clause's result (the secretariat or an expert assigned to the assessment); a nonconformity
    opens a finding with its corrective-action deadline."""
    if not is_assigned(session, actor, "assessment", aid):
        actor.require("association")
    a = _get(session, actor, aid, lock=True)
    if a.status not in ("planned", "assessed"):
        raise Conflict("association.assessment.not_on_site", "不在现场评价阶段", "the assessment is not on site")
    clause = rules.check_clause(data.clause)
    if data.result not in rules.RESULTS:
        raise DomainError("association.assessment.bad_result", "结果应为 符合/不符合/观察项/不适用", "invalid result",
                          field="result")
    if session.scalar(select(AssessmentItem.id).where(AssessmentItem.assessment_id == aid, AssessmentItem.clause == clause)):
        raise Conflict("association.assessment.recorded", f"条款 {clause} 已记录", f"clause {clause} is recorded",
                       field="clause")
    day = on or today()
    if data.result == "nonconform" and not data.description.strip():
        raise DomainError("association.assessment.description_required", "不符合项须写明事实描述",
                          "describe the nonconformity", field="description")
    item = AssessmentItem(assessment_id=aid, clause=clause, result=data.result, evidence=data.evidence.strip())
    session.add(item)
    if data.result == "nonconform":
        session.add(AssessmentFinding(assessment_id=aid, clause=clause, severity=data.severity or "minor",
                                      description=data.description.strip(),
                                      due_on=rules.due_on(data.severity or "minor", day)))
    a.assessed_on = a.assessed_on or day
    if a.status == "planned":
        rules.check_transition(a.status, "assessed")
        a.status = "assessed"
    flush(session, "assoc_assessment_item")
    return item


def findings(session: Session, actor: Actor, aid: int) -> list[AssessmentFinding]:
    _get(session, actor, aid)
    return list(session.scalars(select(AssessmentFinding).where(AssessmentFinding.assessment_id == aid)
                                .order_by(AssessmentFinding.id)))


def items(session: Session, actor: Actor, aid: int) -> list[AssessmentItem]:
    _get(session, actor, aid)
    return list(session.scalars(select(AssessmentItem).where(AssessmentItem.assessment_id == aid)
                                .order_by(AssessmentItem.id)))


def close_site_visit(session: Session, actor: Actor, aid: int) -> Assessment:
    """现场评价结束: every checklist clause recorded; with findings the lab has its deadlines (整改中)."""
    actor.require("association")
    a = _get(session, actor, aid, lock=True)
    done = set(session.scalars(select(AssessmentItem.clause).where(AssessmentItem.assessment_id == aid)))
    missing = rules.missing_clauses(done)
    if missing:
        raise Conflict("association.assessment.checklist_incomplete", f"还有 {len(missing)} 个条款未记录：{'、'.join(missing[:5])}",
                       f"{len(missing)} clauses are not recorded")
    n = session.scalar(select(func.count()).select_from(AssessmentFinding).where(AssessmentFinding.assessment_id == aid))
    if n:
        rules.check_transition(a.status, "corrective")
        a.status = "corrective"
    flush(session, "assoc_assessment")
    return a


def _finding(session: Session, actor: Actor, fid: int) -> tuple[AssessmentFinding, Assessment]:
    f = locked(session, AssessmentFinding, fid, "assessment_finding")
    return f, _get(session, actor, f.assessment_id)


def answer_finding(session: Session, actor: Actor, fid: int, action: str) -> AssessmentFinding:
    f, a = _finding(session, actor, fid)
    if not (actor.role == "admin" or (actor.role == "inspector" and actor.owns(a.lab_id))):
        raise PermissionDenied("只有被评价机构可以提交整改", "only the lab answers", code="association.assessment.not_lab")
    if f.status == "closed":
        raise Conflict("association.assessment.finding_closed", "该不符合项已关闭", "the finding is closed")
    f.corrective_action, f.status = action.strip(), "answered"
    flush(session, "assoc_assessment_finding")
    return f


def close_finding(session: Session, actor: Actor, fid: int, verification: str) -> AssessmentFinding:
    actor.require("association")
    f, _ = _finding(session, actor, fid)
    if f.status != "answered":
        raise Conflict("association.assessment.finding_unanswered", "机构尚未提交整改", "the lab has not answered")
    f.verification, f.status = verification.strip(), "closed"
    flush(session, "assoc_assessment_finding")
    return f


class DecisionFacts(TypedDict):
    """What the decision page and ``GET …/decision-facts`` show (a dict: the page spreads it into its context)."""

    assessment: Assessment
    findings: list[AssessmentFinding]
    open_findings: list[AssessmentFinding]
    pt: list[dict[str, Any]]  # the lab's PtHistoryRecord rows as JSON


def decision_facts(session: Session, actor: Actor, aid: int) -> DecisionFacts:
    """What the decision is taken on: the checklist, the findings and the lab's PT record (ISO/IEC 17025 7.7.2)."""
    a = _get(session, actor, aid)
    fs = findings(session, actor, aid)
    return {"assessment": a, "findings": fs, "open_findings": [f for f in fs if f.status != "closed"],
            "pt": [dataclasses.asdict(h) for h in pt_history(session, a.lab_id)]}


def decide(session: Session, actor: Actor, aid: int, data: DecisionIn, on: dt.date | None = None) -> Assessment:
    """评价决定: a certificate (three years) only when every finding is closed."""
    actor.require("association")
    a = _get(session, actor, aid, lock=True)
    target = "granted" if data.grant else "refused"
    rules.check_transition(a.status, target)
    if data.grant:
        done = set(session.scalars(select(AssessmentItem.clause).where(AssessmentItem.assessment_id == aid)))
        if rules.missing_clauses(done):
            raise Conflict("association.assessment.checklist_incomplete", "评价清单未记录完整", "the checklist is incomplete")
        open_n = session.scalar(select(func.count()).select_from(AssessmentFinding).where(
            AssessmentFinding.assessment_id == aid, AssessmentFinding.status != "closed")) or 0
        if open_n:
            raise Conflict("association.assessment.findings_open", f"还有 {open_n} 个不符合项未关闭",
                           f"{open_n} findings are not closed")
        day = on or today()
        n = (session.scalar(select(func.count()).select_from(Assessment).where(Assessment.certificate_no.is_not(None),
                                                                                Assessment.certificate_no.like(f"CAQI-PJ-{day.year}-%"))) or 0) + 1
        a.certificate_no, a.valid_until = f"CAQI-PJ-{day.year}-{n:04d}", rules.valid_until(day)
    a.status, a.decision_reason = target, data.reason.strip()
    flush(session, "assoc_assessment")
    return a


def list_assessments(session: Session, actor: Actor) -> list[Assessment]:
    stmt = select(Assessment).order_by(Assessment.id.desc())
    if not is_secretariat(actor):
        if actor.role != "inspector" or actor.organization_id is None:
            actor.require("association")
        stmt = stmt.where(Assessment.lab_id == actor.organization_id)
    return list(session.scalars(stmt))
