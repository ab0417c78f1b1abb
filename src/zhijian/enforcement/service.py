"""综合执法 use cases, part 1: the policy, officers (执法证), leads (线索) and their 核查 clock, the lead scan.

The API, CLI, pages, jobs and demo call these functions and those of `procedure` (cases), `cooperation` (移送, 协查,
专项行动), `documents` (PDFs, 文号) and `oversight` (statistics), which build on the policy here.
Jurisdiction (`zhijian.platform.jurisdiction`): a regulator sees the leads of its division and the cases of its division
plus those shared with its organization; admin / the system see everything.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterator, Sequence
from typing import Any, TypeVarTuple
from zoneinfo import ZoneInfo

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import Session

from zhijian.catalog import rules as catalog_rules
from zhijian.catalog.models import Organization
from zhijian.enforcement import room_reads, rules
from zhijian.enforcement.models import Case, Lead, Officer, OperationMember, Share
from zhijian.enforcement.schemas import LeadDecisionIn, LeadIn, OfficerIn
from zhijian.platform import deadlines
from zhijian.platform.auth import Actor
from zhijian.platform.crud import added, flush, get_or_404
from zhijian.platform.errors import Conflict, DomainError, NotFound, PermissionDenied
from zhijian.platform.jurisdiction import covers, region_clause
from zhijian.platform.pagination import Page, keyset_page
from zhijian.platform.rooms import call

CHINA = ZoneInfo("Asia/Shanghai")
Row = TypeVarTuple("Row")  # a scoped statement keeps its row type


def today() -> dt.date:
    return dt.datetime.now(CHINA).date()


# ---------------------------------------------------------------- policy (one place for this room)


def organ_of(session: Session, actor: Actor, organ_id: int | None = None) -> Organization:
    """The regulator organization acting: a regulator's own; admin / system name it (CLI ``--organ``)."""
    if actor.role == "regulator":
        if organ_id is not None and organ_id != actor.organization_id:
            raise PermissionDenied("只能以本部门名义办案", "you act only for your own organization",
                                   code="enforcement.other_organ")
        organ_id = actor.organization_id
    else:
        actor.require("regulator")
    org = session.get(Organization, organ_id) if organ_id is not None else None
    if org is None or org.kind != "regulator":
        raise DomainError("enforcement.bad_organ", "须指明办案机关（监管部门）", "the acting regulator organization is required",
                          field="organ_id")
    return org


def holding_organ(session: Session, case: Case) -> Organization:
    """The organ holding the case (办案机关), whose name and 代字 its documents carry; the foreign key keeps it."""
    return get_or_404(session, Organization, case.organ_id, "organization")


def _shared_ids(session: Session, actor: Actor) -> Select[Any]:
    return select(Share.case_id).where(Share.organ_id == actor.organization_id)


def case_scope(session: Session, actor: Actor, stmt: Select[*Row]) -> Select[*Row]:
    """Cases an actor may list: its division's, the ones shared with its organ, those of its joint operations."""
    if actor.role != "regulator":
        actor.require("regulator")
        return stmt
    clause = region_clause(actor, Case.region_code)
    if clause is None:
        return stmt
    in_op = exists().where(OperationMember.operation_id == Case.operation_id,
                           OperationMember.organ_id == actor.organization_id)
    return stmt.where(or_(clause, Case.id.in_(_shared_ids(session, actor)), in_op))


def can_read_case(session: Session, actor: Actor, case: Case) -> bool:
    if actor.role != "regulator":
        return actor.role == "admin"
    if covers(actor, case.region_code) or case.organ_id == actor.organization_id:
        return True
    if session.scalar(select(Share.id).where(Share.case_id == case.id, Share.organ_id == actor.organization_id)):
        return True
    return case.operation_id is not None and session.scalar(select(OperationMember.id).where(
        OperationMember.operation_id == case.operation_id, OperationMember.organ_id == actor.organization_id)) is not None


def can_act_on(session: Session, actor: Actor, case: Case) -> bool:
    """Only the organ that holds the case (or admin / system) records its steps; others only read what is shared."""
    return actor.role == "admin" or (actor.role == "regulator" and actor.organization_id == case.organ_id)


def get_case(session: Session, actor: Actor, case_id: int, *, write: bool = False) -> Case:
    case = session.get(Case, case_id)
    if case is None or not can_read_case(session, actor, case):
        if actor.is_public:
            actor.require("regulator")
        raise NotFound("enforcement_case", case_id)
    if write and not can_act_on(session, actor, case):
        raise PermissionDenied("只有立案机关可以办理本案", "only the organ holding the case may act on it",
                               code="enforcement.not_holder")
    return case


def lead_scope(actor: Actor, stmt: Select[*Row]) -> Select[*Row]:
    actor.require("regulator")
    clause = region_clause(actor, Lead.region_code)
    return stmt if clause is None else stmt.where(clause)


def get_lead(session: Session, actor: Actor, lead_id: int) -> Lead:
    actor.require("regulator")
    lead = session.get(Lead, lead_id)
    if lead is None or not covers(actor, lead.region_code):
        raise NotFound("enforcement_lead", lead_id)
    return lead


# ---------------------------------------------------------------- officers


def register_officer(session: Session, actor: Actor, data: OfficerIn) -> Officer:
    """执法人员登记: name and 执法证 number, for the organ (its regulators may register their own)."""
    organ = organ_of(session, actor, data.organ_id)
    cert = rules.parse_cert_no(data.cert_no)
    if not data.name.strip():
        raise DomainError("enforcement.bad_name", "须填写执法人员姓名", "the officer's name is required", field="name")
    if session.scalar(select(Officer.id).where(Officer.cert_no == cert)) is not None:
        raise Conflict("enforcement_officer.duplicate", f"执法证号已登记：{cert}", f"card number already registered: {cert}",
                       field="cert_no")
    row = Officer(organ_id=organ.id, name=data.name.strip(), cert_no=cert, user_id=data.user_id)
    return added(session, row, "enforcement_officer")


def officers(session: Session, actor: Actor, organ_id: int | None = None) -> list[Officer]:
    organ = organ_of(session, actor, organ_id)
    return list(session.scalars(select(Officer).where(Officer.organ_id == organ.id).order_by(Officer.id)))


def check_officers(session: Session, organ_id: int, cert_nos: Sequence[str]) -> tuple[str, str]:
    """Two different, active officers of the organ holding the case (《行政处罚法》第四十二条)."""
    a, b = rules.check_two_officers(cert_nos)
    found = {o.cert_no: o for o in session.scalars(select(Officer).where(Officer.cert_no.in_((a, b))))}
    for c in (a, b):
        o = found.get(c)
        if o is None or not o.active or o.organ_id != organ_id:
            raise DomainError("enforcement.unknown_officer", f"执法证号 {c} 不是本机关在岗执法人员",
                              f"card {c} is not an active officer of this organ", field="officers")
    return a, b


def officer_names(session: Session, cert_nos: Sequence[str]) -> dict[str, str]:
    return {c: n for c, n in session.execute(select(Officer.cert_no, Officer.name).where(Officer.cert_no.in_(cert_nos)))}


# ---------------------------------------------------------------- party matching (enterprise registry)


def _norm(name: str) -> str:
    return unicodedata.normalize("NFKC", name or "").replace(" ", "").replace("（", "(").replace("）", ")").lower()


def match_party(session: Session, name: str, uscc: str | None) -> Organization | None:
    """统一社会信用代码 exact, else a unique normalized name among registered enterprises."""
    code = (uscc or "").strip().upper()
    if code:
        org = session.scalar(select(Organization).where(Organization.uscc == code, Organization.kind == "enterprise"))
        if org is not None:
            return org
    n = _norm(name)
    if not n:
        return None
    hits = [o for o in session.scalars(select(Organization).where(Organization.kind == "enterprise",
                                                                  Organization.name == name.strip()))]
    if len(hits) == 1:
        return hits[0]
    return None


# ---------------------------------------------------------------- leads


def _verify_due(session: Session, lead: Lead) -> None:
    excluded = [(dt.date.fromisoformat(a), dt.date.fromisoformat(b)) for a, b, *_ in lead.excluded or []]
    d = rules.verify_due(deadlines.calendar(session), lead.received_on, extended=lead.extended, excluded=excluded)
    lead.verify_due_on, lead.verify_provisional = d.due, d.provisional


def create_lead(session: Session, actor: Actor, data: LeadIn) -> Lead:
    """线索 with its source link, the party matched to the registry and the 核查 clock (程序规定 第十八条)."""
    actor.require("regulator")
    if data.source not in rules.LEAD_SOURCES:
        raise DomainError("enforcement.bad_source", f"未知线索来源：{data.source}", f"unknown lead source: {data.source}",
                          field="source")
    party = session.get(Organization, data.party_id) if data.party_id else match_party(session, data.party_name,
                                                                                    data.party_uscc)
    if data.party_id and (party is None or party.kind != "enterprise"):
        raise DomainError("enforcement.bad_party", f"当事人应为已登记的企业：{data.party_id}",
                          f"the party must be a registered enterprise: {data.party_id}", field="party_id")
    region = data.region_code or (party.region_code if party else "")
    region = catalog_rules.parse_region(region).code if region else ""
    if not region:
        raise DomainError("enforcement.no_region", "须指明违法行为发生地（行政区划代码）", "the region of the conduct is required",
                          field="region_code")
    if not covers(actor, region):
        raise PermissionDenied("该线索不在本部门辖区内", "the lead is outside your division", code="enforcement.outside_division")
    ref = data.source_ref or f"manual:{today().isoformat()}:{_norm(data.title)[:40]}"
    if session.scalar(select(Lead.id).where(Lead.source == data.source, Lead.source_ref == ref)) is not None:
        raise Conflict("enforcement_lead.duplicate", f"该来源的线索已登记：{ref}", f"lead already recorded: {ref}",
                       field="source_ref")
    lead = Lead(source=data.source, source_ref=ref, source_link=data.source_link, title=data.title.strip()[:300],
                description=data.description, party_id=party.id if party else None,
                party_name=party.name if party else data.party_name.strip(), party_uscc=(party.uscc if party else
                                                                                        data.party_uscc) or "",
                product_id=data.product_id, gtin=data.gtin or "", region_code=region,
                received_on=data.received_on or today(), verify_due_on=today(), created_by=actor.label)
    _verify_due(session, lead)
    return added(session, lead, "enforcement_lead")


def list_leads(session: Session, actor: Actor, *, state: str | None = None, source: str | None = None,
               limit: int = 100, cursor: str | None = None) -> Page[Lead]:
    stmt = lead_scope(actor, select(Lead))
    if state:
        stmt = stmt.where(Lead.state == state)
    if source:
        stmt = stmt.where(Lead.source == source)
    return keyset_page(session, stmt, Lead.id, limit=limit, cursor=cursor)


def extend_lead(session: Session, actor: Actor, lead_id: int, reason: str) -> Lead:
    """核查期限延长十五个工作日 with the approving officer's reason (程序规定 第十八条)."""
    lead = get_lead(session, actor, lead_id)
    if lead.state != "received":
        raise DomainError("enforcement.lead_decided", "线索已处理，不能延长核查期限", "the lead is already decided", status=409)
    if lead.extended:
        raise DomainError("enforcement.already_extended", "核查期限只能延长一次", "the verification period extends once",
                          status=409)
    if not reason.strip():
        raise DomainError("enforcement.reason_required", "延长须说明理由并经负责人批准", "an extension needs a reason",
                          field="reason")
    lead.extended, lead.extension_reason = True, reason.strip()[:300]
    _verify_due(session, lead)
    flush(session, "enforcement_lead")
    return lead


def exclude_from_lead(session: Session, actor: Actor, lead_id: int, start: dt.date, end: dt.date, kind: str) -> Lead:
    """检测、检验、检疫、鉴定 time not counted in the 核查 period (程序规定 第十八条第二款)."""
    lead = get_lead(session, actor, lead_id)
    rules.check_excluded(kind, start, end)
    lead.excluded = [*(lead.excluded or []), [start.isoformat(), end.isoformat(), kind]]
    _verify_due(session, lead)
    flush(session, "enforcement_lead")
    return lead


def decline_lead(session: Session, actor: Actor, lead_id: int, data: LeadDecisionIn) -> Lead:
    """不予立案 with reasons, by the approving officer (程序规定 第十九条/第二十条)."""
    lead = get_lead(session, actor, lead_id)
    if lead.state != "received":
        raise DomainError("enforcement.lead_decided", "线索已处理", "the lead is already decided", status=409)
    if not data.reason.strip():
        raise DomainError("enforcement.reason_required", "不予立案须说明理由", "not filing needs reasons", field="reason")
    lead.state, lead.decided_on, lead.decision_reason = "not_filed", data.on or today(), data.reason.strip()
    lead.organ_id = organ_of(session, actor, data.organ_id).id
    flush(session, "enforcement_lead")
    return lead


# ---------------------------------------------------------------- the lead scan (other rooms' published data)


def _ref_exists(session: Session, source: str, ref: str) -> bool:
    return session.scalar(select(Lead.id).where(Lead.source == source, Lead.source_ref == ref)) is not None


def _auto(session: Session, c: room_reads.Candidate, on: dt.date | None = None) -> Lead | None:
    """A lead from another room's finding, once (source + reference), in the region of the conduct or the party's."""
    if _ref_exists(session, c.source, c.ref):
        return None
    party = session.get(Organization, c.party_id) if c.party_id else None
    region = c.region or (party.region_code if party else None)
    if not region:
        return None
    lead = Lead(source=c.source, source_ref=c.ref, source_link=c.link, title=c.title[:300],
                party_id=party.id if party else None, party_name=party.name if party else "",
                party_uscc=(party.uscc if party else "") or "", product_id=c.product_id, region_code=region,
                received_on=on or c.received_on or today(), verify_due_on=today(), created_by="system:lead-scan")
    if c.gtin:
        lead.gtin = c.gtin
    _verify_due(session, lead)
    session.add(lead)
    return lead


def collect_leads(session: Session, actor: Actor, *, since: dt.date | None = None, on: dt.date | None = None) -> dict[str, int]:
    """Create leads from other rooms' published findings, once each (source + reference unique); the answer counts
    the new leads by source.

    Through contracts: spotcheck `final_results` (final 不合格 after objections), consumer `complaint_records` (a
    举报 justified or with a hazard), risk `confirmed_enterprise_signals`, stable `revoked_listings`. trace:
    counterfeit / diversion signals confirmed by staff, equipment: units stopped after a 不合格 report or overdue for
    inspection — these rooms offer no read function for them, so `room_reads` reads their models, read-only.
    """
    actor.require("admin")
    counts: dict[str, int] = {}
    day = on or today()
    for reads in (_contract_candidates(session, since), room_reads.trace_signals(session),
                  room_reads.equipment_units(session, day)):
        for c in reads:
            if _auto(session, c, on) is not None:
                counts[c.source] = counts.get(c.source, 0) + 1
    session.flush()
    return counts


def _contract_candidates(session: Session, since: dt.date | None) -> Iterator[room_reads.Candidate]:
    """The findings the spotcheck, consumer, risk and stable rooms offer through their contracts (tolerant reads)."""
    for bid, verdict, _cat, region, ent, product, _sampled, _basis in call(session, "spotcheck", "final_results",
                                                                            since=since, default=[]):
        if verdict == "不合格":
            yield room_reads.Candidate("spotcheck", f"batch:{bid}", f"/console/spotcheck/batches/{bid}",
                                       f"监督抽查不合格（批次 {bid}）", ent, region, product)
    for cid, received, kind, _cat, product, ent, region, justified, hazard in call(
            session, "consumer", "complaint_records", since=since, default=[]):
        if kind == "report" and (justified or hazard) and ent is not None:
            yield room_reads.Candidate("report", f"complaint:{cid}", f"/console/complaints/{cid}",
                                       f"举报线索（编号 {cid}）", ent, region, product, received_on=received)
    for sig in call(session, "risk", "confirmed_enterprise_signals", default=[]):
        yield room_reads.Candidate("risk", f"signal:{sig.signal_id}", f"/console/risk/signals/{sig.signal_id}",
                                   f"风险信号：{sig.series_label or sig.method}（{sig.period}）", sig.enterprise_id,
                                   sig.region_code, sig.product_id)
    for row in call(session, "stable", "revoked_listings", default=[]):
        yield room_reads.Candidate("stable", f"listing:{row.listing_id}", "/stable",
                                   f"稳定合格产品撤销：{row.product_name}（{row.certificate_no}）", row.enterprise_id,
                                   row.region_code or None, row.product_id)


def dashboard_cards(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """Console home cards for regulators: leads awaiting 核查 (and those past their clock), open cases, cases whose
    办案期限 ends within 15 days."""
    from sqlalchemy import func

    if actor.role not in ("admin", "regulator"):
        return []
    day = today()
    pending = int(session.scalar(lead_scope(actor, select(func.count(Lead.id))).where(Lead.state == "received")) or 0)
    late = int(session.scalar(lead_scope(actor, select(func.count(Lead.id))).where(
        Lead.state == "received", Lead.verify_due_on < day)) or 0)
    open_states = ("investigating", "review", "notified", "hearing")
    open_cases = int(session.scalar(case_scope(session, actor, select(func.count(Case.id))).where(
        Case.state.in_(open_states))) or 0)
    near = int(session.scalar(case_scope(session, actor, select(func.count(Case.id))).where(
        Case.state.in_(open_states), Case.due_on <= day + dt.timedelta(days=15))) or 0)
    return [{"label": "待核查线索", "value": pending, "href": "/console/enforcement", "tone": "warn" if pending else ""},
            {"label": "核查超期线索", "value": late, "href": "/console/enforcement", "tone": "bad" if late else ""},
            {"label": "在办案件", "value": open_cases, "href": "/console/enforcement", "tone": ""},
            {"label": "办案期限15日内届满", "value": near, "href": "/console/enforcement", "tone": "bad" if near else ""}]


def provisional_deadlines(session: Session) -> list[deadlines.ProvisionalDeadline]:
    """Stored 核查 and 办案 due dates that rest on a rule-computed year (platform deadlines contract)."""
    out = [deadlines.ProvisionalDeadline("enforcement", "enforcement_lead", lid, "核查期限", due, rules.VERIFY_BASIS)
           for lid, due in session.execute(select(Lead.id, Lead.verify_due_on).where(Lead.verify_provisional.is_(True)))]
    out += [deadlines.ProvisionalDeadline("enforcement", "enforcement_case", cid, "办案期限", due, rules.CASE_BASIS)
            for cid, due in session.execute(select(Case.id, Case.due_on).where(Case.due_provisional.is_(True)))]
    return out


def recompute_provisional_deadlines(session: Session) -> int:
    from zhijian.enforcement import procedure

    n = 0
    for lead in session.scalars(select(Lead).where(Lead.verify_provisional.is_(True))):
        before = lead.verify_due_on
        _verify_due(session, lead)
        n += int(before != lead.verify_due_on or not lead.verify_provisional)
    for case in session.scalars(select(Case).where(Case.due_provisional.is_(True))):
        before = case.due_on
        procedure.recompute_due(session, case)
        n += int(before != case.due_on or not case.due_provisional)
    return n

