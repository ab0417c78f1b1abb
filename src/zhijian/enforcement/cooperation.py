"""联合打假 — 移送 (to the competent regulator of another division, or to 公安 for a suspected crime), 协查 requests
across regions, and joint operations (专项行动) that group the cases of several divisions around one counterfeit product.

Each division sees only its own cases and what others share with it: a transfer shares the case with the receiving organ
(and the new case back), a 协查 request carries only the fields the requester chose, an operation shows its members the
cases they joined to it, with a shared timeline and statistics.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from zhijian.catalog.models import Organization
from zhijian.enforcement import documents, penalties, rules
from zhijian.enforcement.models import (
    AssistRequest,
    Case,
    Evidence,
    Operation,
    OperationEvent,
    OperationMember,
    Seizure,
    Share,
    Step,
    Transfer,
)
from zhijian.enforcement.procedure import _step, recompute_due, yuan
from zhijian.enforcement.schemas import AssistAnswerIn, AssistIn, FileIn, OperationIn, TransferIn
from zhijian.enforcement.service import check_officers, get_case, holding_organ, organ_of, today
from zhijian.platform import deadlines
from zhijian.platform.auth import Actor
from zhijian.platform.crud import added, flush
from zhijian.platform.errors import DomainError, NotFound, PermissionDenied

Hand = TypeVar("Hand", Transfer, AssistRequest)  # a hand-over between two organs (from_organ_id → to_organ_id)

ASSIST_DAYS_BASIS = "《市场监督管理行政处罚程序规定》（协助调查）：协助的市场监督管理部门自收到协助调查函之日起十五个工作日内完成（条文序号待核对）"
SHAREABLE = ("party_name", "party_uscc", "title", "facts_text", "violation_code", "gtin", "case_no")
SHAREABLE_ZH: dict[str, str] = {"party_name": "当事人", "party_uscc": "统一社会信用代码", "title": "案件名称",
                                "facts_text": "简要案情", "violation_code": "违法行为（罚则目录编号）", "gtin": "商品条码",
                                "case_no": "案号"}


def _regulator(session: Session, organ_id: int | None, field: str) -> Organization:
    org = session.get(Organization, organ_id) if organ_id else None
    if org is None or org.kind != "regulator":
        raise DomainError("enforcement.bad_organ", f"应为监管部门：{organ_id}", f"not a regulator: {organ_id}", field=field)
    return org


def _share(session: Session, case_id: int, organ_id: int, reason: str, fields: list[str] | None = None) -> None:
    if session.scalar(select(Share.id).where(Share.case_id == case_id, Share.organ_id == organ_id,
                                             Share.reason == reason)) is None:
        session.add(Share(case_id=case_id, organ_id=organ_id, reason=reason, fields=fields or list(SHAREABLE)))


# ---------------------------------------------------------------- 移送


def transfer_case(session: Session, actor: Actor, case_id: int, data: TransferIn) -> Transfer:
    """移送: to another division's regulator (程序规定 管辖: 无管辖权的应当移送) or to 公安 when the 追诉标准 are met
    (《行政执法机关移送涉嫌犯罪案件的规定》第三条)."""
    case = get_case(session, actor, case_id, write=True)
    rules.check_transition(case.state, "transferred")
    pair = check_officers(session, case.organ_id, data.officers)
    on = data.on or today()
    criteria: list[str] = []
    to_id: int | None = None
    if data.kind == "regulator":
        to = _regulator(session, data.to_organ_id, "to_organ_id")
        if to.id == case.organ_id:
            raise DomainError("enforcement.same_organ", "不能移送给本机关", "cannot transfer to yourself", field="to_organ_id")
        to_id, to_name = to.id, to.name
    else:
        f = penalties.facts(**(case.facts or {}))
        criteria = list(penalties.criminal_grounds(case.violation_code, sales=f.sales_amount,
                                                   unsold_value=max(f.goods_value - f.sales_amount, Decimal(0))))
        if not criteria:
            raise DomainError("enforcement.no_criminal_ground", "案件事实未达到涉嫌犯罪的移送标准（刑法第一百四十条及立案追诉标准）",
                              "the facts do not meet the criminal-transfer thresholds", field="kind")
        to_name = data.to_name.strip() or "公安机关"
    organ = holding_organ(session, case)
    doc = documents.allocate(session, organ, "transfer", on, case.id)
    t = Transfer(case_id=case.id, kind=data.kind, from_organ_id=case.organ_id, to_organ_id=to_id, to_name=to_name,
                 reason=data.reason, criteria=criteria, sent_on=on, document_no=doc.number)
    session.add(t)
    case.state = "transferred"
    case.transferred_to_id = to_id
    if to_id is not None:
        _share(session, case.id, to_id, "transfer")
    _step(session, actor, case, "transfer", on, pair, note=data.reason, to=to_name, kind_of=data.kind,
          document=doc.number, criteria=criteria)
    flush(session, "enforcement_transfer")
    return t


def accept_transfer(session: Session, actor: Actor, transfer_id: int, data: FileIn) -> Case:
    """The receiving organ files the case; the file (evidence chain, steps as history) moves with it."""
    t = session.get(Transfer, transfer_id)
    if t is None or t.kind != "regulator":
        raise NotFound("enforcement_transfer", transfer_id)
    organ = organ_of(session, actor, data.organ_id)
    if t.to_organ_id != organ.id:
        raise NotFound("enforcement_transfer", transfer_id)
    if t.accepted_on is not None:
        raise DomainError("enforcement.already_accepted", "该移送已接收", "already accepted", status=409)
    src = session.get(Case, t.case_id)
    assert src is not None
    pair = check_officers(session, organ.id, data.officers)
    on = data.on or today()
    doc = documents.allocate(session, organ, "filing", on)
    new = Case(case_no=doc.number, lead_id=src.lead_id, organ_id=organ.id, region_code=organ.region_code,
               party_id=src.party_id, party_name=src.party_name, party_natural=src.party_natural,
               party_persons=src.party_persons, title=src.title, facts_text=src.facts_text,
               violation_code=src.violation_code, facts=src.facts, filed_on=on, due_on=on, gtin=src.gtin,
               operation_id=src.operation_id)
    session.add(new)
    flush(session, "enforcement_case")
    doc.case_id = new.id
    recompute_due(session, new)
    for e in session.scalars(select(Evidence).where(Evidence.case_id == src.id).order_by(Evidence.seq)):
        session.add(Evidence(case_id=new.id, seq=e.seq, kind=e.kind, description=e.description, filename=e.filename,
                             size=e.size, file_hash=e.file_hash, prev_hash=e.prev_hash, hash=e.hash,
                             collected_at=e.collected_at, officer1=e.officer1, officer2=e.officer2))
    t.accepted_on, t.new_case_id = on, new.id
    _share(session, new.id, src.organ_id, "transfer")
    _step(session, actor, new, "filing", on, pair, approver=data.approver, transferred_from=src.case_no,
          document=doc.number)
    _step(session, actor, src, "transfer_accepted", on, note=f"{organ.name}已接收并立案：{doc.number}")
    flush(session, "enforcement_case")
    return new


def _sent_or_received(session: Session, actor: Actor, model: type[Hand]) -> list[Hand]:
    """The latest 500 hand-overs (移送, 协查) an organ sent or received — both sides see them; admins see all."""
    stmt = select(model).order_by(model.id.desc())
    if actor.role != "admin":
        actor.require("regulator")
        stmt = stmt.where(or_(model.from_organ_id == actor.organization_id, model.to_organ_id == actor.organization_id))
    return list(session.scalars(stmt.limit(500)))


def transfers(session: Session, actor: Actor) -> list[Transfer]:
    """The transfers an organ sent or received (both sides see the hand-over)."""
    return _sent_or_received(session, actor, Transfer)


# ---------------------------------------------------------------- 协查


def request_assist(session: Session, actor: Actor, data: AssistIn) -> AssistRequest:
    """协查: ask another division to check a producer / warehouse / seller, sharing only the chosen fields."""
    organ = organ_of(session, actor, data.organ_id)
    to = _regulator(session, data.to_organ_id, "to_organ_id")
    if to.id == organ.id:
        raise DomainError("enforcement.same_organ", "不能向本机关发协查", "cannot ask yourself", field="to_organ_id")
    shared: dict[str, Any] = {}
    if data.case_id is not None:
        case = get_case(session, actor, data.case_id, write=True)
        bad = [f for f in data.share_fields if f not in SHAREABLE]
        if bad:
            raise DomainError("enforcement.bad_field", f"不能共享的字段：{', '.join(bad)}", f"fields not shareable: {bad}",
                              field="share_fields")
        party = session.get(Organization, case.party_id) if case.party_id else None
        values = {"party_uscc": (party.uscc if party else "") or ""}
        shared = {f: values.get(f, getattr(case, f, "")) for f in data.share_fields}  # only these leave the organ
    on = data.on or today()
    due = deadlines.working_days(session, on, data.due_days)
    doc = documents.allocate(session, organ, "assist", on, data.case_id)
    row = AssistRequest(case_id=data.case_id, from_organ_id=organ.id, to_organ_id=to.id, subject_kind=data.subject_kind,
                        subject_name=data.subject_name, subject_address=data.subject_address, question=data.question,
                        shared=shared, sent_on=on, due_on=due.due, document_no=doc.number)
    return added(session, row, "enforcement_assist")


def _assist(session: Session, actor: Actor, assist_id: int) -> AssistRequest:
    row = session.get(AssistRequest, assist_id)
    if row is None or (actor.role != "admin" and actor.organization_id not in (row.from_organ_id, row.to_organ_id)):
        actor.require("regulator")
        raise NotFound("enforcement_assist", assist_id)
    return row


def get_assist(session: Session, actor: Actor, assist_id: int) -> AssistRequest:
    return _assist(session, actor, assist_id)


def answer_assist(session: Session, actor: Actor, assist_id: int, data: AssistAnswerIn, content: bytes = b"") -> AssistRequest:
    """The asked division answers (with an attachment whose hash is kept)."""
    import hashlib

    row = _assist(session, actor, assist_id)
    if actor.role != "admin" and actor.organization_id != row.to_organ_id:
        raise PermissionDenied("只有被请求协查的机关可以答复", "only the asked organ answers", code="enforcement.not_asked")
    if row.state == "answered":
        raise DomainError("enforcement.already_answered", "已答复", "already answered", status=409)
    row.state, row.answer, row.answered_on = "answered", data.answer, data.on or today()
    row.answer_file_hash = hashlib.sha256(content).hexdigest() if content else ""
    if row.case_id is not None:
        case = session.get(Case, row.case_id)
        if case is not None:
            _step(session, actor, case, "assist_answer", row.answered_on, note=data.answer[:500], assist=row.id,
                  late=row.answered_on > row.due_on)
            if case.operation_id:
                _event(session, case.operation_id, row.to_organ_id, case.id, row.answered_on, "assist",
                       f"协查答复：{row.subject_name}")
    flush(session, "enforcement_assist")
    return row


def assists(session: Session, actor: Actor) -> list[AssistRequest]:
    """The 协查 requests an organ sent or received."""
    return _sent_or_received(session, actor, AssistRequest)


# ---------------------------------------------------------------- 专项行动


def _gtin(v: str) -> str:
    g = (v or "").strip()
    if not g.isdigit() or len(g) not in (8, 12, 13, 14):
        raise DomainError("enforcement.bad_gtin", f"商品条码格式不正确：{v}", f"bad GTIN: {v}", field="gtins")
    return g.zfill(14)


def create_operation(session: Session, actor: Actor, data: OperationIn) -> Operation:
    """专项行动 led by one organ with its member organs (any division) around the products' GTINs."""
    organ = organ_of(session, actor, data.organ_id)
    gtins = sorted({_gtin(g) for g in data.gtins})
    op = Operation(name=data.name.strip(), lead_organ_id=organ.id, gtins=gtins, description=data.description,
                   started_on=data.on or today())
    session.add(op)
    flush(session, "enforcement_operation")
    for oid in {organ.id, *data.member_organ_ids}:
        _regulator(session, oid, "member_organ_ids")
        session.add(OperationMember(operation_id=op.id, organ_id=oid, joined_on=op.started_on))
    _event(session, op.id, organ.id, None, op.started_on, "start", f"专项行动启动：{op.name}")
    flush(session, "enforcement_operation")
    return op


def _event(session: Session, op_id: int, organ_id: int, case_id: int | None, on: dt.date, kind: str, text: str) -> None:
    session.add(OperationEvent(operation_id=op_id, organ_id=organ_id, case_id=case_id, on=on, kind=kind, text=text[:500]))


def get_operation(session: Session, actor: Actor, op_id: int) -> Operation:
    op = session.get(Operation, op_id)
    member = op is not None and session.scalar(select(OperationMember.id).where(
        OperationMember.operation_id == op.id, OperationMember.organ_id == actor.organization_id)) is not None
    if op is None or (actor.role != "admin" and not member):
        actor.require("regulator")
        raise NotFound("enforcement_operation", op_id)
    return op


def operations(session: Session, actor: Actor) -> list[Operation]:
    stmt = select(Operation).order_by(Operation.id.desc())
    if actor.role != "admin":
        actor.require("regulator")
        stmt = stmt.where(Operation.id.in_(select(OperationMember.operation_id)
                                           .where(OperationMember.organ_id == actor.organization_id)))
    return list(session.scalars(stmt.limit(200)))


def join_case(session: Session, actor: Actor, op_id: int, case_id: int) -> Case:
    """A member organ joins one of its cases to the operation (the other members then see it)."""
    op = get_operation(session, actor, op_id)
    case = get_case(session, actor, case_id, write=True)
    if session.scalar(select(OperationMember.id).where(OperationMember.operation_id == op.id,
                                                       OperationMember.organ_id == case.organ_id)) is None:
        raise PermissionDenied("立案机关不是该专项行动成员", "the case's organ is not a member", code="enforcement.not_member")
    if case.operation_id not in (None, op.id):
        raise DomainError("enforcement.other_operation", "案件已归入其他专项行动", "the case belongs to another operation",
                          status=409)
    case.operation_id = op.id
    organ = session.get(Organization, case.organ_id)
    _event(session, op.id, case.organ_id, case.id, today(), "case", f"{organ.name if organ else ''}归入案件 {case.case_no}")
    flush(session, "enforcement_case")
    return case


def candidate_cases(session: Session, actor: Actor, op_id: int) -> list[Case]:
    """Cases of the actor's organ on the operation's products (same GTIN) not yet joined."""
    op = get_operation(session, actor, op_id)
    if not op.gtins:
        return []
    stmt = select(Case).where(Case.gtin.in_(op.gtins), Case.operation_id.is_(None))
    if actor.role != "admin":
        stmt = stmt.where(Case.organ_id == actor.organization_id)
    return list(session.scalars(stmt.order_by(Case.id).limit(200)))


def timeline(session: Session, actor: Actor, op_id: int, lang: str = "zh_CN") -> list[dict[str, Any]]:
    """The shared timeline: operation events and the member cases' key steps, oldest first. A step's ``text`` is its
    case number and the step (``rules.step_label`` in ``lang``); ``case_no`` and ``step`` give them apart."""
    op = get_operation(session, actor, op_id)
    names = dict(session.execute(select(Organization.id, Organization.name).where(Organization.id.in_(
        select(OperationMember.organ_id).where(OperationMember.operation_id == op.id)))).all())
    out = [{"on": e.on, "organ": names.get(e.organ_id, ""), "case_id": e.case_id, "kind": e.kind,
            "text": _event_text(e.kind, e.text) if lang == "en" else e.text, "case_no": "", "step": ""} for e in session.scalars(select(OperationEvent).where(OperationEvent.operation_id == op.id))]
    key = ("filing", "seizure", "decision", "transfer", "payment", "closure")
    rows = session.execute(select(Step, Case.case_no, Case.organ_id).join(Case, Case.id == Step.case_id)
                           .where(Case.operation_id == op.id, Step.kind.in_(key)))
    for st, no, organ_id in rows:
        step = rules.step_label(st.kind, lang)
        out.append({"on": st.on, "organ": names.get(organ_id, ""), "case_id": st.case_id, "kind": st.kind,
                    "text": f"{no}{': ' if lang == 'en' else '：'}{step}", "case_no": no, "step": step})
    return sorted(out, key=lambda r: (r["on"], r["kind"]))


# the operation events' texts (written by this module in Chinese) → English: (kind, pattern, English)
_EVENT_EN = {"start": (re.compile(r"^专项行动启动：(?P<a>.*)$"), "Operation started: {a}"),
             "case": (re.compile(r"^(?P<a>.*)归入案件 (?P<b>.*)$"), "{a} brought case {b} into the operation"),
             "assist": (re.compile(r"^协查答复：(?P<a>.*)$"), "Assistance answered: {a}")}


def _event_text(kind: str, text: str) -> str:
    rule = _EVENT_EN.get(kind)
    m = rule[0].match(text) if rule else None
    return rule[1].format(**m.groupdict()) if rule and m else text


def operation_stats(session: Session, actor: Actor, op_id: int) -> list[dict[str, Any]]:
    """Per member organ: cases, decided, fines (yuan), seizures, transfers to 公安."""
    op = get_operation(session, actor, op_id)
    members = session.execute(select(Organization.id, Organization.name, Organization.region_code).join(
        OperationMember, OperationMember.organ_id == Organization.id).where(OperationMember.operation_id == op.id)
        .order_by(Organization.region_code)).all()
    out = []
    for oid, name, region in members:
        cases = select(Case.id).where(Case.operation_id == op.id, Case.organ_id == oid)
        n, decided, fines = session.execute(select(func.count(Case.id), func.count(Case.decided_on),
                                                   func.coalesce(func.sum(Case.fine_fen), 0))
                                            .where(Case.operation_id == op.id, Case.organ_id == oid)).one()
        seizures = session.scalar(select(func.count(Seizure.id)).where(Seizure.case_id.in_(cases))) or 0
        police = session.scalar(select(func.count(Transfer.id)).where(Transfer.case_id.in_(cases),
                                                                     Transfer.kind == "police")) or 0
        out.append({"organ_id": oid, "organ": name, "region_code": region, "cases": int(n), "decided": int(decided),
                    "fines": yuan(int(fines)), "seizures": int(seizures), "police_transfers": int(police)})
    return out


def shared_view(session: Session, actor: Actor, case: Case) -> dict[str, Any]:
    """What a non-holding organ may see of a case: the fields shared with it (all for transfers and operations)."""
    if actor.role == "admin" or case.organ_id == actor.organization_id:
        return {f: getattr(case, f, "") for f in SHAREABLE if f != "party_uscc"}
    fields: set[str] = set()
    for sh in session.scalars(select(Share).where(Share.case_id == case.id, Share.organ_id == actor.organization_id)):
        fields |= set(sh.fields or [])
    if case.operation_id is not None:
        fields |= set(SHAREABLE)
    return {f: getattr(case, f, "") for f in sorted(fields) if f != "party_uscc"}


def step_count(session: Session, case_id: int) -> int:
    return int(session.scalar(select(func.count(Step.id)).where(Step.case_id == case_id)) or 0)
