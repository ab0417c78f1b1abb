"""综合执法 use cases, part 2: a case from 立案 to 结案 (《市场监督管理行政处罚程序规定》, 《行政处罚法》).

Every step names two officers of the organ holding the case (their 执法证 numbers) and is kept as a `Step`; the clocks
are stored on the case (办案期限 with its extensions and excluded periods, the response period, service, payment,
publication) and computed by `rules` on the platform calendar. No decision before the 告知 and the end of the response
period (`rules.decision_gate`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zhijian.catalog import rules as catalog_rules
from zhijian.catalog.models import Organization
from zhijian.enforcement import documents, penalties, room_reads, rules
from zhijian.enforcement.models import Case, Evidence, ExcludedPeriod, Lead, Seizure, Step
from zhijian.enforcement.schemas import (
    DecideIn,
    ExcludeIn,
    ExtensionIn,
    FactsIn,
    FileIn,
    HearingIn,
    LegalReviewIn,
    NotifyIn,
    PayIn,
    ResponseIn,
    ReviewIn,
    SeizureIn,
    ServeIn,
    StepIn,
)
from zhijian.enforcement.service import check_officers, get_case, get_lead, holding_organ, organ_of, today
from zhijian.platform import deadlines
from zhijian.platform.auth import Actor
from zhijian.platform.crud import added, flush
from zhijian.platform.errors import DomainError, NotFound, PermissionDenied
from zhijian.platform.jurisdiction import covers
from zhijian.platform.rooms import offer

FEN = Decimal(100)


def fen(amount: Decimal) -> int:
    return int((amount * FEN).to_integral_value())


def yuan(value: int) -> Decimal:
    return (Decimal(value) / FEN).quantize(Decimal("0.01"))


def _step(session: Session, actor: Actor, case: Case, kind: str, on: dt.date, officers: tuple[str, str] | None = None,
          note: str = "", approver: str = "", **data: Any) -> Step:
    s = Step(case_id=case.id, kind=kind, on=on, officer1=officers[0] if officers else "",
             officer2=officers[1] if officers else "", note=note, approver=approver, data=data, recorded_by=actor.label)
    session.add(s)
    return s


def _move(case: Case, target: str) -> None:
    rules.check_transition(case.state, target)
    case.state = target


def _excluded(session: Session, case: Case) -> list[tuple[dt.date, dt.date]]:
    return [(p.start, p.end) for p in session.scalars(select(ExcludedPeriod).where(ExcludedPeriod.case_id == case.id))]


def recompute_due(session: Session, case: Case) -> None:
    d = rules.case_due(deadlines.calendar(session), case.filed_on, extension_days=case.extension_days,
                       excluded=_excluded(session, case))
    case.due_on, case.due_provisional = d.due, d.provisional


# ---------------------------------------------------------------- 立案


def file_case(session: Session, actor: Actor, data: FileIn) -> Case:
    """立案 (程序规定 第十八条、第二十条): from a lead within its 核查 clock (or directly), approved by the organ's 负责人,
    two officers assigned; the 立案审批表 number becomes the case number."""
    organ = organ_of(session, actor, data.organ_id)
    on = data.on or today()
    lead: Lead | None = None
    if data.lead_id is not None:
        lead = get_lead(session, actor, data.lead_id)
        if lead.state != "received":
            raise DomainError("enforcement.lead_decided", "线索已处理，不能再立案", "the lead is already decided", status=409)
        if not covers(actor, lead.region_code) and actor.role != "admin":
            raise PermissionDenied("线索不在本部门辖区内", "the lead is outside your division")
    party_id = data.party_id or (lead.party_id if lead else None)
    party = session.get(Organization, party_id) if party_id else None
    if party_id and party is None:
        raise DomainError("enforcement.bad_party", f"当事人不存在：{party_id}", f"no such party: {party_id}", field="party_id")
    party_name = party.name if party else (data.party_name or (lead.party_name if lead else "")).strip()
    if not party_name:
        raise DomainError("enforcement.no_party", "须指明当事人", "the party is required", field="party_name")
    if data.violation_code:
        penalties.catalogue().get(data.violation_code)
    officers = check_officers(session, organ.id, data.officers)
    region = catalog_rules.parse_region(organ.region_code).code
    doc = documents.allocate(session, organ, "filing", on)
    case = Case(case_no=doc.number, lead_id=lead.id if lead else None, organ_id=organ.id, region_code=region,
                party_id=party.id if party else None, party_name=party_name, party_natural=data.party_natural,
                party_persons=[p.strip() for p in data.party_persons if p.strip()],
                title=(data.title or (lead.title if lead else "")).strip()[:300] or f"{party_name}涉嫌违法案",
                facts_text=data.facts_text, violation_code=(data.violation_code or "").upper(), filed_on=on, due_on=on,
                gtin=data.gtin or (lead.gtin if lead else ""))
    session.add(case)
    flush(session, "enforcement_case")
    doc.case_id = case.id
    recompute_due(session, case)
    late = bool(lead and on > lead.verify_due_on)
    _step(session, actor, case, "filing", on, officers, approver=data.approver.strip(), late=late,
          lead_due=lead.verify_due_on.isoformat() if lead else None, document=doc.number)
    if lead is not None:
        lead.state, lead.decided_on, lead.case_id, lead.organ_id = "filed", on, case.id, organ.id
    flush(session, "enforcement_case")
    return case


def list_cases(session: Session, actor: Actor, *, state: str | None = None, operation_id: int | None = None,
               limit: int = 100, cursor: str | None = None) -> Any:
    from zhijian.enforcement.service import case_scope
    from zhijian.platform.pagination import keyset_page

    stmt = case_scope(session, actor, select(Case))
    if state:
        stmt = stmt.where(Case.state == state)
    if operation_id is not None:
        stmt = stmt.where(Case.operation_id == operation_id)
    return keyset_page(session, stmt, Case.id, limit=limit, cursor=cursor)


def steps(session: Session, actor: Actor, case_id: int) -> list[Step]:
    case = get_case(session, actor, case_id)
    return list(session.scalars(select(Step).where(Step.case_id == case.id).order_by(Step.on, Step.id)))


# ---------------------------------------------------------------- 调查取证


def _evidence_dir() -> Any:
    from zhijian.platform.config import get_settings

    d = get_settings().var_dir / "enforcement" / "evidence"
    d.mkdir(parents=True, exist_ok=True)
    return d


def add_evidence(session: Session, actor: Actor, case_id: int, *, kind: str, description: str, officers: list[str],
                 content: bytes = b"", filename: str = "", collected_at: dt.datetime | None = None) -> Evidence:
    """证据: the attachment's SHA-256 kept and the item chained to the previous one (an edit breaks the chain)."""
    from zhijian.platform.files import write_bytes

    case = get_case(session, actor, case_id, write=True)
    if case.state not in ("investigating", "review", "notified", "hearing"):
        raise DomainError("enforcement.closed_investigation", "调查终结后不能再补充证据", "the investigation is over",
                          status=409)
    if kind not in rules.EVIDENCE_KINDS:
        raise DomainError("enforcement.bad_kind", f"未知证据种类：{kind}", f"unknown evidence kind: {kind}", field="kind")
    if not description.strip():
        raise DomainError("enforcement.no_description", "须说明证据内容", "describe the evidence", field="description")
    if len(content) > 20 * 1024 * 1024:
        raise DomainError("enforcement.too_large", "附件不能超过 20 MiB", "the attachment exceeds 20 MiB", status=413,
                          field="file")
    pair = check_officers(session, case.organ_id, officers)
    last = session.scalars(select(Evidence).where(Evidence.case_id == case.id).order_by(Evidence.seq.desc())
                           .limit(1)).first()
    file_hash = hashlib.sha256(content).hexdigest() if content else ""
    if content:
        write_bytes(_evidence_dir() / file_hash, content)
    at = (collected_at or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    prev = last.hash if last else ""
    ev = Evidence(case_id=case.id, seq=(last.seq + 1) if last else 1, kind=kind, description=description.strip()[:500],
                  filename=(filename or "")[:200], size=len(content), file_hash=file_hash, prev_hash=prev,
                  hash=rules.evidence_link(prev, file_hash, kind, description.strip()[:500], at), collected_at=at,
                  officer1=pair[0], officer2=pair[1])
    return added(session, ev, "enforcement_evidence")


def evidence(session: Session, actor: Actor, case_id: int) -> tuple[list[Evidence], int | None]:
    """The evidence list and the first broken link (None: the chain holds)."""
    case = get_case(session, actor, case_id)
    items = list(session.scalars(select(Evidence).where(Evidence.case_id == case.id).order_by(Evidence.seq)))
    broken = rules.check_chain([(e.prev_hash, e.file_hash, e.kind, e.description, e.collected_at, e.hash) for e in items])
    return items, broken


def seize(session: Session, actor: Actor, case_id: int, data: SeizureIn) -> Seizure:
    """查封、扣押 with its 30-day limit (《行政强制法》第二十五条)."""
    case = get_case(session, actor, case_id, write=True)
    pair = check_officers(session, case.organ_id, data.officers)
    on = data.on or today()
    due = rules.seizure_due(deadlines.calendar(session), on, extended=False)
    row = Seizure(case_id=case.id, kind=data.kind, items=data.items, started_on=on, due_on=due.due)
    session.add(row)
    _step(session, actor, case, "seizure", on, pair, note=data.items, due=due.due.isoformat(), basis=rules.SEIZURE_BASIS)
    flush(session, "enforcement_seizure")
    return row


def _seizure(session: Session, case: Case, seizure_id: int) -> Seizure:
    row = session.get(Seizure, seizure_id)
    if row is None or row.case_id != case.id:
        raise NotFound("enforcement_seizure", seizure_id)
    return row


def extend_seizure(session: Session, actor: Actor, case_id: int, seizure_id: int, data: StepIn) -> Seizure:
    case = get_case(session, actor, case_id, write=True)
    row = _seizure(session, case, seizure_id)
    if row.extended or row.released_on:
        raise DomainError("enforcement.seizure_extend", "查封扣押期限只能延长一次，且不能在解除后延长",
                          "a seizure extends once and not after release", status=409)
    pair = check_officers(session, case.organ_id, data.officers)
    row.extended = True
    row.due_on = rules.seizure_due(deadlines.calendar(session), row.started_on, extended=True).due
    _step(session, actor, case, "seizure_extension", data.on or today(), pair, note=data.note, due=row.due_on.isoformat())
    flush(session, "enforcement_seizure")
    return row


def release_seizure(session: Session, actor: Actor, case_id: int, seizure_id: int, data: StepIn) -> Seizure:
    case = get_case(session, actor, case_id, write=True)
    row = _seizure(session, case, seizure_id)
    pair = check_officers(session, case.organ_id, data.officers)
    row.released_on = data.on or today()
    _step(session, actor, case, "seizure_release", row.released_on, pair, note=data.note)
    flush(session, "enforcement_seizure")
    return row


def add_excluded(session: Session, actor: Actor, case_id: int, data: ExcludeIn) -> Case:
    """A period not counted in the 办案期限 (程序规定 第六十四条第二款): 中止、听证、公告、检测检验检疫鉴定."""
    case = get_case(session, actor, case_id, write=True)
    rules.check_excluded(data.kind, data.start, data.end)
    if data.start < case.filed_on:
        raise DomainError("enforcement.bad_interval", "除外期间不能早于立案日", "the period starts before filing", field="start")
    session.add(ExcludedPeriod(case_id=case.id, kind=data.kind, start=data.start, end=data.end, reason=data.reason))
    session.flush()
    recompute_due(session, case)
    _step(session, actor, case, "excluded", data.start, note=data.reason, period=data.kind, end=data.end.isoformat())
    flush(session, "enforcement_case")
    return case


def extend_case(session: Session, actor: Actor, case_id: int, data: ExtensionIn) -> Case:
    """延长办案期限 (程序规定 第六十四条): once up to 30 days by the 负责人; further only by collective decision."""
    case = get_case(session, actor, case_id, write=True)
    if case.state in ("decided", "served", "executing", "closed", "transferred"):
        raise DomainError("enforcement.already_decided", "已作出处理决定，无需延长", "already decided", status=409)
    if not data.collective and (case.extension_days or data.days > rules.CASE_EXTENSION_DAYS):
        raise DomainError("enforcement.collective_required",
                          "负责人批准只能延长一次且不超过三十日；继续延期须经负责人集体讨论决定（程序规定第六十四条）",
                          "one extension of at most 30 days by the head; more needs a collective decision", field="days")
    case.extension_days += data.days
    recompute_due(session, case)
    _step(session, actor, case, "extension", data.on or today(), note=data.reason, approver=data.approver,
          days=data.days, collective=data.collective, due=case.due_on.isoformat())
    flush(session, "enforcement_case")
    return case


# ---------------------------------------------------------------- 审核, 告知, 陈述申辩, 听证


def _facts(data: FactsIn) -> penalties.Facts:
    return penalties.facts(**data.model_dump())


def submit_review(session: Session, actor: Actor, case_id: int, data: ReviewIn) -> Case:
    """调查终结 → 案件审核 (法制审核 where 《行政处罚法》第五十八条 requires it): the proposed fine checked against the article."""
    case = get_case(session, actor, case_id, write=True)
    rules.check_transition(case.state, "review")
    pair = check_officers(session, case.organ_id, data.officers)
    f = dataclasses.replace(_facts(data.facts), natural_person=case.party_natural or data.facts.natural_person)
    r = penalties.compute(data.violation_code, f)
    amount = penalties.check_amount(r.code, f, data.proposed_fine)
    case.violation_code, case.facts = r.code, data.facts.model_dump(mode="json")
    case.proposed_fen, case.confiscation_fen, case.measures = fen(amount), fen(r.confiscate_income), data.measures
    case.hearing_right = penalties.hearing_right(amount, natural_person=f.natural_person, confiscation=r.confiscate_income,
                                                 measures=tuple(data.measures))
    case.legal_review = rules.needs_legal_review(hearing_right=case.hearing_right,
                                                 major_public_interest=data.major_public_interest,
                                                 complex_case=data.complex_case)
    case.review_opinion = data.opinion
    case.state = "review"
    _step(session, actor, case, "review", data.on or today(), pair, note=data.note, article=r.article,
          lawful=[str(r.lawful_min), str(r.lawful_max)], tier=r.tier, proposed=str(amount),
          legal_review=case.legal_review, basis=rules.REVIEW_BASIS if case.legal_review else "")
    flush(session, "enforcement_case")
    return case


def legal_review(session: Session, actor: Actor, case_id: int, data: LegalReviewIn) -> Case:
    """法制审核 opinion, required before the decision when 《行政处罚法》第五十八条 applies (hearing-level etc.)."""
    case = get_case(session, actor, case_id, write=True)
    if case.state not in ("review", "notified", "hearing"):
        raise DomainError("enforcement.not_in_review", "案件不在审核、告知或听证阶段", "the case is not under review",
                          status=409)
    on = data.on or today()
    _step(session, actor, case, "legal_review", on, approver=data.reviewer.strip(), note=data.opinion.strip(),
          basis=rules.REVIEW_BASIS)
    flush(session, "enforcement_case")
    return case


def notify(session: Session, actor: Actor, case_id: int, data: NotifyIn) -> Case:
    """行政处罚告知书 served (《行政处罚法》第四十四条): facts, grounds, proposed penalty, the rights and their deadline."""
    case = get_case(session, actor, case_id, write=True)
    rules.check_transition(case.state, "notified")
    pair = check_officers(session, case.organ_id, data.officers)
    if data.served_on < case.filed_on:
        raise DomainError("enforcement.bad_date", "送达日期不能早于立案日", "served before filing", field="served_on")
    organ = holding_organ(session, case)
    doc = documents.allocate(session, organ, "notice", data.served_on, case.id)
    due = rules.response_due(deadlines.calendar(session), data.served_on)
    case.notified_on, case.response_due_on = data.served_on, due.due
    case.state = "notified"
    _step(session, actor, case, "notice", data.served_on, pair, note=data.note, document=doc.number,
          response_due=due.due.isoformat(), hearing_right=case.hearing_right, basis=rules.RESPONSE_BASIS)
    flush(session, "enforcement_case")
    return case


def respond(session: Session, actor: Actor, case_id: int, data: ResponseIn) -> Case:
    """陈述、申辩 / 放弃 / 要求听证 — by the party (its enterprise account) or recorded by the organ, within the period."""
    case = _case_for_party(session, actor, case_id)
    if case.state != "notified":
        raise DomainError("enforcement.not_notified", "案件不在告知阶段", "the case is not at the notice stage", status=409)
    on = data.on or today()
    if case.response_due_on and on > case.response_due_on:
        raise DomainError("enforcement.response_late", f"陈述、申辩期限已于{case.response_due_on}届满，视为放弃",
                          f"the response period ended on {case.response_due_on}", status=409, field="on")
    if data.request_hearing:
        if not case.hearing_right:
            raise DomainError("enforcement.no_hearing_right", "拟作出的处罚不属于听证范围（听证办法第五条）",
                              "the proposed penalty carries no right to a hearing", field="request_hearing")
        case.hearing_requested = True
    if data.statement.strip():
        case.statement = (case.statement + "\n" if case.statement else "") + data.statement.strip()
    if data.waive and not data.request_hearing:
        case.waived = True
    _step(session, actor, case, "response", on, note=data.statement, waive=data.waive, hearing=data.request_hearing)
    flush(session, "enforcement_case")
    return case


def _case_for_party(session: Session, actor: Actor, case_id: int) -> Case:
    if actor.role == "enterprise":
        case = session.get(Case, case_id)
        if case is None or not actor.owns(case.party_id):
            raise NotFound("enforcement_case", case_id)
        return case
    return get_case(session, actor, case_id, write=True)


def hold_hearing(session: Session, actor: Actor, case_id: int, data: HearingIn) -> Case:
    """听证: notice at least 7 days before (《行政处罚法》第六十四条); the time is not counted in the 办案期限."""
    case = get_case(session, actor, case_id, write=True)
    if not case.hearing_requested:
        raise DomainError("enforcement.no_hearing_request", "当事人未要求听证", "the party did not request a hearing", status=409)
    if data.hearing_on < rules.earliest_hearing(data.notice_served_on):
        raise DomainError("enforcement.hearing_notice", "听证通知应在举行听证的七日前送达（行政处罚法第六十四条）",
                          "the hearing notice must be served 7 days before", field="hearing_on")
    rules.check_transition(case.state, "hearing")
    pair = check_officers(session, case.organ_id, data.officers)
    organ = holding_organ(session, case)
    doc = documents.allocate(session, organ, "hearing_notice", data.notice_served_on, case.id)
    case.hearing_on, case.hearing_held = data.hearing_on, True
    session.add(ExcludedPeriod(case_id=case.id, kind="hearing", start=data.notice_served_on, end=data.hearing_on,
                               reason="听证（程序规定第六十四条第二款）"))
    session.flush()
    recompute_due(session, case)
    case.state = "hearing"
    _step(session, actor, case, "hearing", data.hearing_on, pair, note=data.record, document=doc.number,
          notice_served_on=data.notice_served_on.isoformat(), basis=rules.HEARING_BASIS)
    flush(session, "enforcement_case")
    return case


# ---------------------------------------------------------------- 决定, 送达, 执行, 结案, 公示


def decide(session: Session, actor: Actor, case_id: int, data: DecideIn) -> Case:
    """行政处罚决定 / 不予行政处罚决定: only after 告知 and the response period, within the 办案期限."""
    case = get_case(session, actor, case_id, write=True)
    on = data.on or today()
    gate = rules.decision_gate(notified_on=case.notified_on, response_due=case.response_due_on, waived=case.waived,
                               hearing_requested=case.hearing_requested, hearing_held=case.hearing_held, on=on)
    if not gate.allowed:
        raise DomainError("enforcement.decision_too_early", gate.reason, "no decision before the notice and the response "
                          "period (行政处罚法 Arts 44, 45, 62)", status=409)
    if case.legal_review and not count_steps(session, case.id, "legal_review"):
        raise DomainError("enforcement.legal_review_required", "本案须经法制审核后方可作出决定（《中华人民共和国行政处罚法》第五十八条）",
                          "a legal review is required before the decision", status=409)
    if on > case.due_on:
        raise DomainError("enforcement.case_overdue", f"办案期限已于{case.due_on}届满，须先经批准延长（程序规定第六十四条）",
                          f"the handling period ended on {case.due_on}; extend it first", status=409)
    rules.check_transition(case.state, "decided")
    pair = check_officers(session, case.organ_id, data.officers)
    f = penalties.facts(**(case.facts or {}))
    if data.kind == "penalty":
        amount = penalties.check_amount(case.violation_code, f, data.fine)
        if amount > yuan(case.proposed_fen):
            raise DomainError("enforcement.above_notice", "决定的罚款不得高于告知书拟作出的罚款（行政处罚法第四十五条：不得因陈述申辩加重）",
                              "the fine may not exceed the one notified", field="fine")
    else:
        amount = Decimal(0)
    organ = holding_organ(session, case)
    doc = documents.allocate(session, organ, "decision" if data.kind == "penalty" else "no_penalty", on, case.id)
    cal = deadlines.calendar(session)
    case.decision_kind, case.decided_on, case.decision_no, case.fine_fen = data.kind, on, doc.number, fen(amount)
    case.decision_text = data.text.strip() or documents.decision_text(case, organ, amount)
    case.public_text = rules.redact(case.decision_text, case.party_persons)
    case.service_due_on = rules.service_due(cal, on).due
    case.publication_due_on = rules.publication_due(cal, on).due if data.kind == "penalty" else None
    case.state = "decided"
    _step(session, actor, case, "decision", on, pair, note=data.note, approver=data.approver, document=doc.number,
          decision=data.kind, fine=str(amount))
    flush(session, "enforcement_case")
    return case


def serve(session: Session, actor: Actor, case_id: int, data: ServeIn) -> Case:
    """送达 (method and date; 《行政处罚法》第六十一条) — the 15-day payment period runs from receipt."""
    case = get_case(session, actor, case_id, write=True)
    if data.method not in rules.SERVICE_METHODS:
        raise DomainError("enforcement.bad_method", f"未知送达方式：{data.method}", f"unknown service method: {data.method}",
                          field="method")
    if case.decided_on and data.served_on < case.decided_on:
        raise DomainError("enforcement.bad_date", "送达日期不能早于决定日", "served before the decision", field="served_on")
    rules.check_transition(case.state, "served")
    pair = check_officers(session, case.organ_id, data.officers)
    organ = holding_organ(session, case)
    doc = documents.allocate(session, organ, "receipt", data.served_on, case.id)
    case.served_on, case.service_method = data.served_on, data.method
    if case.fine_fen:
        case.payment_due_on = rules.payment_due(deadlines.calendar(session), data.served_on).due
    case.state = "served"
    _step(session, actor, case, "service", data.served_on, pair, note=data.note, method=data.method, document=doc.number,
          late=bool(case.service_due_on and data.served_on > case.service_due_on))
    flush(session, "enforcement_case")
    return case


def record_payment(session: Session, actor: Actor, case_id: int, data: PayIn) -> Case:
    """罚款缴纳: the fine plus 加处罚款 of 3 % a day after the due date (《行政处罚法》第七十二条)."""
    case = get_case(session, actor, case_id, write=True)
    if case.state not in ("served", "executing") or not case.fine_fen:
        raise DomainError("enforcement.no_fine_due", "本案无待缴罚款", "no fine is due", status=409)
    if case.paid_on:
        raise DomainError("enforcement.already_paid", "罚款已缴纳", "already paid", status=409)
    fine = yuan(case.fine_fen)
    sur = rules.late_surcharge(fine, case.payment_due_on, data.paid_on) if case.payment_due_on else Decimal(0)
    if data.amount.quantize(Decimal("0.01")) != fine + sur:
        raise DomainError("enforcement.wrong_amount", f"应缴{fine + sur}元（罚款{fine}元、加处罚款{sur}元）",
                          f"due: {fine + sur} (fine {fine}, surcharge {sur})", field="amount")
    case.paid_on, case.paid_fen, case.surcharge_fen = data.paid_on, fen(data.amount), fen(sur)
    if case.state == "served":
        _move(case, "executing")
    _step(session, actor, case, "payment", data.paid_on, note=data.receipt, amount=str(data.amount), surcharge=str(sur))
    flush(session, "enforcement_case")
    return case


def apply_enforcement(session: Session, actor: Actor, case_id: int, data: StepIn) -> Case:
    """申请人民法院强制执行 when the fine is unpaid after its due date (《行政处罚法》第七十二条第一款第（三）项)."""
    case = get_case(session, actor, case_id, write=True)
    on = data.on or today()
    if case.paid_on or not case.payment_due_on or on <= case.payment_due_on:
        raise DomainError("enforcement.not_overdue", "罚款未逾期未缴，不能申请强制执行", "the fine is not overdue", status=409)
    pair = check_officers(session, case.organ_id, data.officers)
    case.enforcement_applied_on = on
    if case.state == "served":
        _move(case, "executing")
    _step(session, actor, case, "enforcement", on, pair, note=data.note)
    flush(session, "enforcement_case")
    return case


def close_case(session: Session, actor: Actor, case_id: int, data: StepIn) -> Case:
    """结案: the decision executed (fine paid, or court enforcement applied) or 不予处罚 served."""
    case = get_case(session, actor, case_id, write=True)
    if case.fine_fen and not (case.paid_on or case.enforcement_applied_on):
        raise DomainError("enforcement.not_executed", "罚款未缴纳也未申请强制执行，不能结案", "the decision is not executed",
                          status=409)
    rules.check_transition(case.state, "closed")
    pair = check_officers(session, case.organ_id, data.officers)
    case.closed_on = data.on or today()
    case.state = "closed"
    _step(session, actor, case, "closure", case.closed_on, pair, note=data.note)
    flush(session, "enforcement_case")
    return case


def publish(session: Session, actor: Actor, case_id: int, on: dt.date | None = None) -> Case:
    """公示 the decision's public version (personal data removed) within 20 working days of the decision."""
    case = get_case(session, actor, case_id, write=True)
    if case.decision_kind != "penalty" or case.decided_on is None:
        raise DomainError("enforcement.nothing_to_publish", "只有行政处罚决定需要公示", "only penalty decisions are published",
                          status=409)
    if case.published_on:
        raise DomainError("enforcement.already_published", "已公示", "already published", status=409)
    case.published_on = on or today()
    case.credit_record = _record_credit(session, case)
    from zhijian.enforcement import listing

    proposal = listing.propose_on_publication(session, actor, case)
    if proposal is not None:
        case.credit_record = f"{case.credit_record}；拟列入严重违法失信名单（{proposal.note}）"[:200]
    _step(session, actor, case, "publication", case.published_on,
          late=bool(case.publication_due_on and case.published_on > case.publication_due_on),
          basis=rules.PUBLICATION_BASIS, credit=case.credit_record)
    flush(session, "enforcement_case")
    return case


def _record_credit(session: Session, case: Case) -> str:
    """Write the published penalty to the enterprise's credit record through the consumer room's contract
    (`add_penalty`, which feeds the credit class); absent room or a party that is no registered enterprise: noted."""
    from zhijian.platform.auth import SYSTEM

    add_penalty = offer("consumer", "add_penalty")
    if add_penalty is None or case.party_id is None or case.decided_on is None:
        return "未写入信用档案（信用模块不可用或当事人未登记）"
    from zhijian.consumer.contracts import PenaltyIn

    if room_reads.penalty_recorded(session, case.decision_no):
        # the consumer's flush would roll the whole transaction back on its unique 文号 (two organs sharing a 代字)
        return f"未写入信用档案：信用档案已有同一文号的处罚记录（{case.decision_no}）"
    organ = session.get(Organization, case.organ_id)
    data = PenaltyIn(enterprise_id=case.party_id, decision_no=case.decision_no, decided_on=case.decided_on,
                     authority=organ.name if organ else "", reason=case.title[:500], amount=float(yuan(case.fine_fen)),
                     severity=rules.credit_severity(fine_fen=case.fine_fen, hearing_right=case.hearing_right))
    try:
        with session.begin_nested():
            row = add_penalty(session, SYSTEM, data)
        return f"已写入信用档案（行政处罚记录 {row.id}）"
    except DomainError as err:
        return f"未写入信用档案：{err.message_zh}"


def end_publication(session: Session, actor: Actor, case_id: int, *, reason: str, on: dt.date | None = None) -> Case:
    """信用修复 — stop showing a published decision after its minimum period, once it is executed (结案)."""
    case = get_case(session, actor, case_id, write=True)
    on = on or today()
    if case.published_on is None or case.publication_ended_on is not None:
        raise DomainError("enforcement.not_published", "该决定未在公示中", "the decision is not being published", status=409)
    if case.state != "closed":
        raise DomainError("enforcement.not_executed", "处罚决定履行完毕（结案）后方可信用修复", "the case is not closed",
                          status=409)
    if not reason.strip():
        raise DomainError("enforcement.reason_required", "信用修复须记录依据（履行、整改情况）", "a repair needs its grounds",
                          field="reason")
    earliest = rules.repair_earliest(case.published_on, large=case.hearing_right)
    if on < earliest:
        raise DomainError("enforcement.repair_too_early", f"公示满最短期限后（{earliest}起）方可申请信用修复",
                          f"credit repair only from {earliest}", status=409, field="on")
    case.publication_ended_on, case.publication_end_reason = on, reason.strip()
    _step(session, actor, case, "credit_repair", on, note=reason.strip(), basis=rules.REPAIR_BASIS)
    flush(session, "enforcement_case")
    return case


def published(session: Session, *, limit: int = 50) -> list[Case]:
    """The portal's list: published decisions (their public text only is shown)."""
    return list(session.scalars(select(Case).where(Case.published_on.is_not(None), Case.publication_ended_on.is_(None))
                                .order_by(Case.published_on.desc(), Case.id.desc()).limit(limit)))


def public_case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None or case.published_on is None or case.publication_ended_on is not None:
        raise NotFound("enforcement_case", case_id)
    return case


def count_steps(session: Session, case_id: int, kind: str) -> int:
    return int(session.scalar(select(func.count()).select_from(Step).where(Step.case_id == case_id, Step.kind == kind))
               or 0)
