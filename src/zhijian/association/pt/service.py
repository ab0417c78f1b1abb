"""能力验证 use cases — the only writer of the PT tables; API, CLI, pages and demo call these functions.

Policy: the secretariat (role association; admin passes) designs rounds, enrols labs, records homogeneity and
stability, dispatches, scores and closes. A lab (role inspector of a lab organization) enrols itself, submits its
own result while the round is dispatched, reads its own scores and report, and answers its follow-ups.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zhijian.association.common.service import (
    fetched,
    fetched_by,
    is_secretariat,
    locked,
    require_secretariat,
    today,
)
from zhijian.association.pt import rules
from zhijian.association.pt.models import PtEnrolment, PtFollowUp, PtRound, PtScheme
from zhijian.association.pt.schemas import HomogeneityIn, ResultIn, RoundIn, SchemeIn, StabilityIn
from zhijian.catalog.models import Organization
from zhijian.platform.auth import Actor
from zhijian.platform.crud import added, flush
from zhijian.platform.errors import Conflict, DomainError, NotFound, PermissionDenied
from zhijian.platform.tabular import cell_error
from zhijian.stats import homogeneity as hom

RESULT_COLUMNS = ("参加者编号", "结果")


# ---------------------------------------------------------------- the answers: round view, a lab's PT record


@dataclass(frozen=True)
class RoundView:
    round: PtRound
    scheme: PtScheme
    rows: list[dict[str, Any]]  # every result, anonymous (code, result, U, scores, signal)
    mine: list[str]  # the viewer's own participant codes


@dataclass(frozen=True)
class PtHistoryRecord:
    """One scored participation of a lab (for its profile and for the spot-check room choosing labs)."""

    round_code: str
    scheme_code: str
    year: int
    measurand: str
    participant_code: str
    score_kind: str
    score: float | None
    signal: str | None
    final: bool  # the round is closed


@dataclass(frozen=True)
class PtSummary:
    """A lab's PT record in one line, for the spot-check room choosing labs (scored and closed rounds)."""

    rounds: int
    satisfactory: int
    questionable: int
    unsatisfactory: int
    last_year: int | None


# ---------------------------------------------------------------- policy



def _lab_of(actor: Actor) -> int:
    if actor.role != "inspector" or actor.organization_id is None:
        raise PermissionDenied("只有检验检测机构的用户可以代表本机构参加能力验证",
                               "only a lab's user may act for the lab in proficiency testing",
                               code="association.pt.not_a_lab")
    return actor.organization_id


def _can_read_enrolment(actor: Actor, e: PtEnrolment) -> bool:
    return is_secretariat(actor) or (actor.role == "inspector" and actor.owns(e.lab_id))


# ---------------------------------------------------------------- schemes and rounds


def create_scheme(session: Session, actor: Actor, data: SchemeIn) -> PtScheme:
    require_secretariat(actor)
    code = rules.check_code(data.code)
    if session.scalar(select(PtScheme.id).where(PtScheme.code == code)) is not None:
        raise Conflict("association.pt.duplicate_scheme", f"计划编号已存在：{code}", f"scheme code exists: {code}",
                       field="code")
    s = PtScheme(code=code, name=data.name.strip(), field=data.field.strip(), description=data.description)
    return added(session, s, "assoc_pt_scheme")


def scheme_by_code(session: Session, code: str) -> PtScheme:
    return fetched_by(session, PtScheme, PtScheme.code, code, "pt_scheme")


def create_round(session: Session, actor: Actor, data: RoundIn) -> PtRound:
    """设计轮次: the measurand, x_pt/σ_pt methods and the deciding score (checked by rules.check_design)."""
    require_secretariat(actor)
    scheme = scheme_by_code(session, data.scheme_code)
    code = rules.check_code(data.code)
    d = rules.check_design(rules.Design(data.assigned_method, data.assigned_given, data.assigned_given_u,
                                        data.sigma_method, data.sigma_given, data.score_kind))
    if session.scalar(select(PtRound.id).where(PtRound.code == code)) is not None:
        raise Conflict("association.pt.duplicate_round", f"轮次编号已存在：{code}", f"round code exists: {code}",
                       field="code")
    r = PtRound(scheme_id=scheme.id, code=code, year=data.year, measurand=data.measurand.strip(), unit=data.unit.strip(),
                method=data.method.strip(), assigned_method=d.assigned_method, assigned_given=d.assigned_given,
                assigned_given_u=d.assigned_given_u, sigma_method=d.sigma_method, sigma_given=d.sigma_given,
                score_kind=d.score_kind, results_due_on=data.results_due_on, homogeneity={}, stability={}, summary={})
    return added(session, r, "assoc_pt_round")


def round_by_code(session: Session, code: str, *, for_update: bool = False) -> PtRound:
    """A round by its code; ``for_update`` locks the row (platform.db.lock_for_update) so that concurrent
    steps on one round (enrolments, scoring) run one after the other and re-read its state."""
    return fetched_by(session, PtRound, PtRound.code, code, "pt_round", lock=for_update)


def list_rounds(session: Session, actor: Actor, *, status: str | None = None) -> list[PtRound]:
    """Staff see every round; a lab sees the rounds open for enrolment and those it takes part in."""
    stmt = select(PtRound).order_by(PtRound.id.desc())
    if status:
        stmt = stmt.where(PtRound.status == status)
    if actor.role in ("admin", "association", "regulator"):
        return list(session.scalars(stmt))
    lab = _lab_of(actor)
    mine = select(PtEnrolment.round_id).where(PtEnrolment.lab_id == lab)
    return list(session.scalars(stmt.where((PtRound.status == "enrolling") | PtRound.id.in_(mine))))


# ---------------------------------------------------------------- enrolment


def enrol(session: Session, actor: Actor, round_code: str, lab_id: int | None = None) -> PtEnrolment:
    """报名: the secretariat names a lab, a lab enrols itself; a second enrolment of the same lab is 409."""
    if actor.role == "inspector":
        lab_id = _lab_of(actor)
    else:
        require_secretariat(actor)
    if lab_id is None:
        raise DomainError("association.pt.lab_required", "请指定参加的检验检测机构", "name the lab to enrol", field="lab_id")
    lab = session.get(Organization, lab_id)
    if lab is None or lab.kind != "lab":
        raise DomainError("association.pt.not_a_lab", f"参加者应为检验检测机构：{lab_id}",
                          f"a participant must be a lab organization: {lab_id}", field="lab_id")
    r = round_by_code(session, round_code, for_update=True)
    if r.status != "enrolling":
        raise Conflict("association.pt.enrolment_closed", f"轮次 {r.code} 已停止报名", f"round {r.code} is closed for enrolment")
    if session.scalar(select(PtEnrolment.id).where(PtEnrolment.round_id == r.id, PtEnrolment.lab_id == lab_id)):
        raise Conflict("association.pt.already_enrolled", f"该机构已报名 {r.code}", f"the lab is already enrolled in {r.code}",
                       field="lab_id")
    n = (session.scalar(select(func.count()).select_from(PtEnrolment).where(PtEnrolment.round_id == r.id)) or 0) + 1
    e = PtEnrolment(round_id=r.id, lab_id=lab_id, participant_code=rules.participant_code(n))
    return added(session, e, "assoc_pt_enrolment")


def enrolments(session: Session, actor: Actor, round_code: str) -> list[PtEnrolment]:
    """All participants (secretariat) or the lab's own enrolment."""
    r = round_by_code(session, round_code)
    stmt = select(PtEnrolment).where(PtEnrolment.round_id == r.id).order_by(PtEnrolment.participant_code)
    if not is_secretariat(actor):
        stmt = stmt.where(PtEnrolment.lab_id == _lab_of(actor))
    return list(session.scalars(stmt))


# ---------------------------------------------------------------- sample preparation


def record_homogeneity(session: Session, actor: Actor, round_code: str, data: HomogeneityIn) -> dict[str, Any]:
    """均匀性检验 (ISO 13528:2015 B.2/B.3) of the prepared items, stored on the round with its verdict."""
    require_secretariat(actor)
    r = round_by_code(session, round_code, for_update=True)
    if r.status != "enrolling":
        raise Conflict("association.pt.already_dispatched", "样品已发出，不能再修改均匀性检验",
                       "items already dispatched: the homogeneity check is fixed")
    sigma = data.sigma_pt if data.sigma_pt is not None else r.sigma_given
    if sigma is None:
        raise DomainError("association.pt.sigma_required", "均匀性检验需要 σ_pt（本轮未规定时请填写预期值）",
                          "the homogeneity check needs σ_pt (give the expected value)", field="sigma_pt")
    h = hom.homogeneity(data.measurements, sigma).to_dict()
    h["measurements"] = data.measurements
    h["accepted_widened"] = bool(data.accept_widened and not h["passes_expanded"])
    r.homogeneity = h
    flush(session, "assoc_pt_round")
    return h


def record_stability(session: Session, actor: Actor, round_code: str, data: StabilityIn) -> dict[str, Any]:
    """稳定性检验 (ISO 13528:2015 B.5): measurements at preparation and at the end of the round."""
    require_secretariat(actor)
    r = round_by_code(session, round_code, for_update=True)
    sigma = data.sigma_pt if data.sigma_pt is not None else r.sigma_given
    if sigma is None:
        raise DomainError("association.pt.sigma_required", "稳定性检验需要 σ_pt", "the stability check needs σ_pt",
                          field="sigma_pt")
    s = hom.stability(data.first, data.second, sigma).to_dict()
    r.stability = s
    flush(session, "assoc_pt_round")
    return s


def dispatch(session: Session, actor: Actor, round_code: str, on: dt.date | None = None) -> PtRound:
    """发样: only items shown homogeneous (or with σ_pt widened by B.2.4) go out; enrolment closes."""
    require_secretariat(actor)
    r = round_by_code(session, round_code, for_update=True)
    rules.check_transition(r.status, "dispatched")
    h = r.homogeneity or {}
    if not h:
        raise Conflict("association.pt.no_homogeneity", "发样前须完成均匀性检验", "record the homogeneity check before dispatch")
    if not (h.get("passes") or h.get("passes_expanded") or h.get("accepted_widened")):
        raise Conflict("association.pt.not_homogeneous", "样品均匀性不符合要求，不能发样：" + str(h.get("verdict_zh", "")),
                       "the items failed the homogeneity check")
    if not session.scalar(select(func.count()).select_from(PtEnrolment).where(PtEnrolment.round_id == r.id)):
        raise Conflict("association.pt.no_participants", "没有参加者", "no participants are enrolled")
    r.status = "dispatched"
    r.dispatched_on = on or today()
    flush(session, "assoc_pt_round")
    return r


# ---------------------------------------------------------------- results


def _enrolment_for(session: Session, actor: Actor, r: PtRound, code: str | None) -> PtEnrolment:
    if actor.role == "inspector":
        lab = _lab_of(actor)
        e = session.scalar(select(PtEnrolment).where(PtEnrolment.round_id == r.id, PtEnrolment.lab_id == lab))
        if e is None:
            raise PermissionDenied("本机构未参加该轮次", "your lab is not a participant of this round",
                                   code="association.pt.not_enrolled")
        if code and code != e.participant_code:
            raise PermissionDenied("只能提交本机构的结果", "you may only submit your own lab's result",
                                   code="association.pt.not_your_code")
        return e
    require_secretariat(actor)
    if not code:
        raise DomainError("association.pt.code_required", "请填写参加者编号", "give the participant code",
                          field="participant_code")
    e = session.scalar(select(PtEnrolment).where(PtEnrolment.round_id == r.id, PtEnrolment.participant_code == code))
    if e is None:
        raise DomainError("association.pt.unknown_participant", f"本轮没有参加者 {code}", f"no participant {code} in this round",
                          field="participant_code")
    return e


def submit_result(session: Session, actor: Actor, round_code: str, data: ResultIn) -> PtEnrolment:
    """结果上报 (web form, API, Excel row): replaces an earlier submission until the round is scored.

    The round row is locked so that a result cannot slip in while the round is being scored."""
    r = round_by_code(session, round_code, for_update=True)
    e = _enrolment_for(session, actor, r, (data.participant_code or "").strip() or None)
    if r.status != "dispatched":
        raise Conflict("association.pt.not_accepting", f"轮次 {r.code} 当前不接收结果（{rules.STATUSES[r.status]}）",
                       f"round {r.code} does not accept results now ({r.status})")
    if actor.role == "inspector" and r.results_due_on is not None and today() > r.results_due_on:
        raise Conflict("association.pt.past_due", f"结果上报截止日期 {r.results_due_on} 已过",
                       f"the results were due on {r.results_due_on}")
    e.result = rules.check_result(data.result)
    e.expanded_uncertainty = rules.check_uncertainty(data.expanded_uncertainty)
    e.coverage_factor = data.coverage_factor
    e.result_method = data.method.strip()
    e.submitted_at = dt.datetime.now(dt.UTC)
    e.submitted_by = actor.label
    e.status = "submitted"
    flush(session, "assoc_pt_enrolment")
    return e


def import_results(session: Session, actor: Actor, round_code: str, rows: Iterable[tuple[int, dict[str, Any]]]) -> int:
    """Excel/CSV 结果导入 — columns 参加者编号, 结果, 扩展不确定度, 包含因子; all or nothing, errors name the row."""
    n = 0
    for row_no, row in rows:
        try:
            k = row.get("包含因子")
            submit_result(session, actor, round_code, ResultIn(
                participant_code=str(row.get("参加者编号") or "").strip() or None, result=row.get("结果"),
                expanded_uncertainty=row.get("扩展不确定度"),
                coverage_factor=None if k in (None, "") else rules.check_result(k, "包含因子"),
                method=str(row.get("方法") or "")[:200]))
        except DomainError as exc:
            column = {"result": "结果", "expanded_uncertainty": "扩展不确定度", "participant_code": "参加者编号"}.get(
                exc.field or "", exc.field or "")
            raise cell_error(row_no, column, exc.message_zh, exc.message_en) from None
        n += 1
    return n


# ---------------------------------------------------------------- scoring


def score(session: Session, actor: Actor, round_code: str, on: dt.date | None = None) -> PtRound:
    """统计评价: x_pt and σ_pt, every participant's scores, and a follow-up for each 有问题/不满意 result."""
    require_secretariat(actor)
    r = round_by_code(session, round_code, for_update=True)
    rules.check_transition(r.status, "scored")
    es = list(session.scalars(select(PtEnrolment).where(PtEnrolment.round_id == r.id, PtEnrolment.result.is_not(None))
                              .order_by(PtEnrolment.participant_code)))
    design = rules.Design(r.assigned_method, r.assigned_given, r.assigned_given_u, r.sigma_method, r.sigma_given,
                          r.score_kind)
    widened = (r.homogeneity or {}).get("sigma_pt_widened") if (r.homogeneity or {}).get("accepted_widened") else None
    submitted = [rules.Submitted(e.participant_code, e.result, e.expanded_uncertainty, e.coverage_factor)
                 for e in es if e.result is not None]  # all of them: the query asked for results
    res = rules.score_round(design, submitted, sigma_pt_override=widened)
    day = on or today()
    counts = {"satisfactory": 0, "questionable": 0, "unsatisfactory": 0}
    for e, s in zip(es, res.participants, strict=True):
        e.z, e.z_prime, e.zeta, e.en = s.z, s.z_prime, s.zeta, s.en
        e.signal = rules.decisive_signal(s, r.score_kind)
        e.status = "scored"
        if e.signal in counts:
            counts[e.signal] += 1
        if rules.needs_follow_up(e.signal) and session.scalar(
                select(PtFollowUp.id).where(PtFollowUp.enrolment_id == e.id)) is None:
            session.add(PtFollowUp(enrolment_id=e.id, signal=e.signal, due_on=rules.follow_up_due(day)))
    d = res.to_dict()
    enrolled = session.scalar(select(func.count()).select_from(PtEnrolment).where(PtEnrolment.round_id == r.id)) or 0
    r.summary = {k: d[k] for k in ("assigned_value", "assigned_value_source", "u_assigned", "x_star", "s_star",
                                   "sigma_pt", "sigma_pt_source", "p", "notes")} | {
        "iterations": res.robust.iterations if res.robust else None, "counts": counts, "enrolled": enrolled,
        "missing": enrolled - len(es), "score_kind": r.score_kind, "scored_on": day.isoformat(),
        "u_ratio_ok": res.u_assigned <= 0.3 * res.sigma_pt}
    r.status = "scored"
    r.scored_at = dt.datetime.now(dt.UTC)
    flush(session, "assoc_pt_round")
    return r


def close_round(session: Session, actor: Actor, round_code: str) -> PtRound:
    """结束轮次 once the round report is issued; scores are then final in every lab's history."""
    require_secretariat(actor)
    r = round_by_code(session, round_code, for_update=True)
    rules.check_transition(r.status, "closed")
    r.status = "closed"
    flush(session, "assoc_pt_round")
    return r


# ---------------------------------------------------------------- round view, reports, follow-up, history


def round_view(session: Session, actor: Actor, round_code: str) -> RoundView:
    """What the round report shows: every participant's result by code; names only for the secretariat."""
    r = round_by_code(session, round_code)
    scheme = fetched(session, PtScheme, r.scheme_id, "pt_scheme")
    staff = is_secretariat(actor)
    rows_q = (select(PtEnrolment, Organization.name).join(Organization, Organization.id == PtEnrolment.lab_id)
              .where(PtEnrolment.round_id == r.id).order_by(PtEnrolment.participant_code))
    rows, mine = [], []
    for e, name in session.execute(rows_q):
        own = actor.role == "inspector" and actor.owns(e.lab_id)
        if own:
            mine.append(e.participant_code)
        rows.append({"code": e.participant_code, "lab": name if (staff or own) else "", "result": e.result,
                     "U": e.expanded_uncertainty, "k": e.coverage_factor, "z": e.z, "z_prime": e.z_prime,
                     "zeta": e.zeta, "en": e.en, "signal": e.signal, "status": e.status, "own": own})
    if not staff:
        if not mine and actor.role != "regulator":
            raise PermissionDenied("本机构未参加该轮次", "your lab is not a participant of this round",
                                   code="association.pt.not_enrolled")
        if r.status not in ("scored", "closed"):  # before scoring a lab sees only its own submission
            rows = [x for x in rows if x["own"]]
    return RoundView(r, scheme, rows, mine)


def participant_report(session: Session, actor: Actor, round_code: str, participant: str | None = None) -> bytes:
    """参加者报告 PDF: the lab's scores and a plot of all results with their uncertainty bars."""
    from zhijian.association.pt import report

    v = round_view(session, actor, round_code)
    if v.round.status not in ("scored", "closed"):
        raise Conflict("association.pt.not_scored", "轮次尚未评价", "the round is not scored yet")
    code = participant or (v.mine[0] if v.mine else None)
    if code is None or (actor.role == "inspector" and code not in v.mine):
        raise PermissionDenied("只能查看本机构的报告", "you may only read your own lab's report",
                               code="association.pt.not_your_code")
    if code not in {x["code"] for x in v.rows}:
        raise NotFound("pt_participant", code)
    return report.participant_pdf(v, code)


def round_report(session: Session, actor: Actor, round_code: str) -> bytes:
    """轮次总结报告 PDF (anonymous: participant codes only)."""
    from zhijian.association.pt import report

    v = round_view(session, actor, round_code)
    if v.round.status not in ("scored", "closed"):
        raise Conflict("association.pt.not_scored", "轮次尚未评价", "the round is not scored yet")
    return report.round_pdf(v)


def follow_ups(session: Session, actor: Actor, *, status: str | None = None) -> list[tuple[PtFollowUp, PtEnrolment, PtRound]]:
    stmt = (select(PtFollowUp, PtEnrolment, PtRound).join(PtEnrolment, PtEnrolment.id == PtFollowUp.enrolment_id)
            .join(PtRound, PtRound.id == PtEnrolment.round_id).order_by(PtFollowUp.due_on, PtFollowUp.id))
    if status:
        stmt = stmt.where(PtFollowUp.status == status)
    if not is_secretariat(actor):
        stmt = stmt.where(PtEnrolment.lab_id == _lab_of(actor))
    return [(f, e, r) for f, e, r in session.execute(stmt)]


def _follow_up(session: Session, fid: int) -> tuple[PtFollowUp, PtEnrolment]:
    f = locked(session, PtFollowUp, fid, "pt_followup")
    return f, fetched(session, PtEnrolment, f.enrolment_id, "pt_enrolment")


def answer_follow_up(session: Session, actor: Actor, fid: int, cause: str, action: str) -> PtFollowUp:
    """The lab's root cause and corrective action (纠正措施)."""
    f, e = _follow_up(session, fid)
    if not (actor.role == "admin" or (actor.role == "inspector" and actor.owns(e.lab_id))):
        raise PermissionDenied("只能答复本机构的跟踪事项", "only the lab itself answers its follow-up",
                               code="association.pt.not_your_followup")
    if f.status == "closed":
        raise Conflict("association.pt.followup_closed", "跟踪事项已关闭", "the follow-up is closed")
    f.cause, f.corrective_action, f.status = cause.strip(), action.strip(), "answered"
    flush(session, "assoc_pt_followup")
    return f


def close_follow_up(session: Session, actor: Actor, fid: int, verification: str) -> PtFollowUp:
    """The secretariat verifies the corrective action and closes the follow-up."""
    require_secretariat(actor)
    f, _ = _follow_up(session, fid)
    if f.status != "answered":
        raise Conflict("association.pt.followup_unanswered", "机构尚未答复，不能关闭", "the lab has not answered yet")
    f.verification, f.status, f.closed_by = verification.strip(), "closed", actor.label
    flush(session, "assoc_pt_followup")
    return f


def pt_history(session: Session, lab_id: int, *, since_year: int | None = None) -> list[PtHistoryRecord]:
    """Contract: a lab's PT record, newest round first (scored and closed rounds only)."""
    stmt = (select(PtEnrolment, PtRound, PtScheme.code).join(PtRound, PtRound.id == PtEnrolment.round_id)
            .join(PtScheme, PtScheme.id == PtRound.scheme_id)
            .where(PtEnrolment.lab_id == lab_id, PtRound.status.in_(("scored", "closed")))
            .order_by(PtRound.year.desc(), PtRound.id.desc()))
    if since_year is not None:
        stmt = stmt.where(PtRound.year >= since_year)
    out = []
    for e, r, scheme_code in session.execute(stmt):
        value = {"z": e.z, "z_prime": e.z_prime, "zeta": e.zeta, "en": e.en}[r.score_kind]
        out.append(PtHistoryRecord(r.code, scheme_code, r.year, r.measurand, e.participant_code, r.score_kind, value,
                                   e.signal, r.status == "closed"))
    return out


def pt_summaries(session: Session, lab_ids: Iterable[int], *, since_year: int | None = None) -> dict[int, PtSummary]:
    """Contract: lab id → PtSummary for the labs given (one grouped query; labs without a scored round absent)."""
    ids = sorted(set(lab_ids))
    if not ids:
        return {}
    stmt = (select(PtEnrolment.lab_id, PtEnrolment.signal, func.count(PtEnrolment.id), func.max(PtRound.year))
            .join(PtRound, PtRound.id == PtEnrolment.round_id)
            .where(PtEnrolment.lab_id.in_(ids), PtRound.status.in_(("scored", "closed")))
            .group_by(PtEnrolment.lab_id, PtEnrolment.signal))
    if since_year is not None:
        stmt = stmt.where(PtRound.year >= since_year)
    counts: dict[int, dict[str | None, int]] = {}
    last: dict[int, int] = {}
    for lab_id, signal, n, year in session.execute(stmt):
        counts.setdefault(lab_id, {})[signal] = int(n)
        last[lab_id] = max(last.get(lab_id, 0), int(year or 0))
    return {lab: PtSummary(sum(c.values()), c.get("satisfactory", 0), c.get("questionable", 0),
                           c.get("unsatisfactory", 0), last[lab] or None) for lab, c in counts.items()}


def participating_labs(session: Session, actor: Actor) -> list[tuple[int, str, int]]:
    """Labs that took part in a round (id, name, rounds) — the staff's way into a lab's history."""
    if not actor.is_staff:
        actor.require("association", "regulator")
    stmt = (select(Organization.id, Organization.name, func.count(PtEnrolment.id))
            .join(PtEnrolment, PtEnrolment.lab_id == Organization.id).group_by(Organization.id, Organization.name)
            .order_by(Organization.name))
    return [(i, name, n) for i, name, n in session.execute(stmt)]


def lab_history(session: Session, actor: Actor, lab_id: int | None = None) -> list[PtHistoryRecord]:
    """能力验证记录 as a lab's profile shows it: a lab its own, staff any lab."""
    if actor.role == "inspector":
        lab_id = _lab_of(actor)
    elif not actor.is_staff:
        actor.require("association", "regulator")
    if lab_id is None:
        raise DomainError("association.pt.lab_required", "请指定检验检测机构", "name the lab", field="lab_id")
    return pt_history(session, lab_id)


