"""监督 — per division and officer: leads received, cases opened, on-time rates per clock, penalties and amounts,
transfers; and the reviewer's checklist of one case (documents present, clocks kept). Grouped queries in the actor's
scope; the Excel export goes through `zhijian.web.export`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypedDict

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from zhijian.catalog.models import Organization
from zhijian.enforcement import rules
from zhijian.enforcement.models import Case, Document, Evidence, Lead, Officer, Step, Transfer
from zhijian.enforcement.procedure import yuan
from zhijian.enforcement.service import case_scope, get_case, lead_scope
from zhijian.platform.auth import Actor
from zhijian.platform.jurisdiction import region_clause


@dataclass(frozen=True)
class DivisionRow:
    organ_id: int
    organ: str
    region_code: str
    leads: int
    leads_on_time: int
    leads_decided: int
    cases: int
    decided: int
    decided_on_time: int
    penalties: int
    fines: Any
    paid: int
    published: int
    published_on_time: int
    transfers_out: int

    def rate(self, part: int, whole: int) -> str:
        return f"{part / whole:.0%}" if whole else "—"


HEADERS = ("办案机关", "行政区划", "线索", "线索按期处理", "立案", "作出决定", "按期决定", "罚款决定", "罚款金额（元）", "已缴纳",
           "已公示", "按期公示", "移送")


def _i(v: Any) -> int:
    return int(v or 0)


def dashboard(session: Session, actor: Actor, *, since: dt.date | None = None,
              until: dt.date | None = None) -> list[DivisionRow]:
    """One row per organ in the actor's scope (a national / provincial regulator sees the divisions below it)."""
    cs = case_scope(session, actor, select(Case.id))
    conds: list[ColumnElement[bool]] = [Case.id.in_(cs)]
    if since:
        conds.append(Case.filed_on >= since)
    if until:
        conds.append(Case.filed_on <= until)
    crow = session.execute(select(
        Case.organ_id, func.count(Case.id), func.count(Case.decided_on),
        func.sum(case((Case.decided_on <= Case.due_on, 1), else_=0)),
        func.sum(case((Case.decision_kind == "penalty", 1), else_=0)), func.coalesce(func.sum(Case.fine_fen), 0),
        func.count(Case.paid_on), func.count(Case.published_on),
        func.sum(case((Case.published_on <= Case.publication_due_on, 1), else_=0)),
        func.sum(case((Case.state == "transferred", 1), else_=0)))
        .where(*conds).group_by(Case.organ_id)).all()
    organs = {r[0]: r for r in crow}
    # leads counted for the organ that decided them (立案 or 不予立案); undecided ones are in `lead_totals`
    lconds: list[ColumnElement[bool]] = [Lead.id.in_(lead_scope(actor, select(Lead.id)))]
    if since:
        lconds.append(Lead.received_on >= since)
    if until:
        lconds.append(Lead.received_on <= until)
    lrows = session.execute(select(
        Lead.organ_id, func.count(Lead.id),
        func.sum(case((and_(Lead.decided_on.is_not(None), Lead.decided_on <= Lead.verify_due_on), 1), else_=0)),
        func.count(Lead.decided_on))
        .where(*lconds, Lead.organ_id.is_not(None)).group_by(Lead.organ_id)).all()
    leads = {r[0]: r for r in lrows}
    ids = set(organs) | set(leads)
    names = dict((i, (n, rc)) for i, n, rc in session.execute(
        select(Organization.id, Organization.name, Organization.region_code).where(Organization.id.in_(ids))))
    out = []
    for oid in sorted(ids, key=lambda i: names.get(i, ("", ""))[1]):
        c = organs.get(oid) or (oid, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        lr = leads.get(oid) or (oid, 0, 0, 0)
        name, region = names.get(oid, ("", ""))
        out.append(DivisionRow(oid, name, region, _i(lr[1]), _i(lr[2]), _i(lr[3]), _i(c[1]), _i(c[2]), _i(c[3]),
                               _i(c[4]), yuan(_i(c[5])), _i(c[6]), _i(c[7]), _i(c[8]), _i(c[9])))
    return out


def lead_totals(session: Session, actor: Actor) -> dict[str, int]:
    """Leads in scope by state, and those whose 核查 clock has passed undecided (as of today)."""
    from zhijian.enforcement.service import today

    rows = session.execute(lead_scope(actor, select(Lead.state, func.count(Lead.id))).group_by(Lead.state)).all()
    out = {s: int(n) for s, n in rows}
    out["overdue"] = int(session.scalar(lead_scope(actor, select(func.count(Lead.id))).where(
        Lead.state == "received", Lead.verify_due_on < today())) or 0)
    return out


class OfficerRow(TypedDict):
    """One officer's work (the oversight page's table and the API's JSON): 执法证号, name, organ, steps, cases."""

    cert_no: str
    name: str
    organ_id: int
    steps: int
    cases: int


def officer_rows(session: Session, actor: Actor) -> list[OfficerRow]:
    """Per officer: steps signed and cases worked on (as first or second officer)."""
    cs = case_scope(session, actor, select(Case.id))
    out: list[OfficerRow] = []
    stmt = select(Officer.cert_no, Officer.name, Officer.organ_id)
    clause = region_clause(actor, Organization.region_code)
    if clause is not None:
        stmt = stmt.join(Organization, Organization.id == Officer.organ_id).where(clause)
    for cert, name, organ_id in session.execute(stmt.order_by(Officer.organ_id, Officer.cert_no)):
        signed = (Step.officer1 == cert) | (Step.officer2 == cert)
        n, c = session.execute(select(func.count(Step.id), func.count(func.distinct(Step.case_id)))
                               .where(signed, Step.case_id.in_(cs))).one()
        out.append({"cert_no": cert, "name": name, "organ_id": organ_id, "steps": int(n), "cases": int(c)})
    return out


def export_rows(rows: list[DivisionRow]) -> list[list[Any]]:
    return [[r.organ, r.region_code, r.leads, r.leads_on_time, r.cases, r.decided, r.decided_on_time, r.penalties,
             float(r.fines), r.paid, r.published, r.published_on_time, r.transfers_out] for r in rows]


# the words of the checklist's details, by language (a detail is "word date, word date"): zh → en
_DETAIL_EN = {"收到": "received", "期限": "due", "立案": "filed", "送达": "served", "陈述申辩期限": "response due",
              "决定": "decided", "缴纳": "paid", "公示": "published", "起": "from", "解除": "released", "件": "item(s)",
              "次": "time(s)"}


def _detail(lang: str, *parts: tuple[str, object]) -> str:
    """``(word, value)`` pairs joined as the checklist shows them: 「收到 2026-09-01，期限 2026-09-22」 /
    "received 2026-09-01, due 2026-09-22"; a value ``None`` shows as —; for 起/件/次 the value comes first."""
    en = lang == "en"
    out = []
    for word, value in parts:
        shown = "—" if value is None else str(value)
        label = _DETAIL_EN.get(word, word) if en else word
        out.append(f"{shown} {label}" if word in ("起", "件", "次") else f"{label} {shown}")
    return (", " if en else "，").join(out)


def checklist(session: Session, actor: Actor, case_id: int, lang: str = "zh_CN") -> list[dict[str, Any]]:
    """案卷评查: the documents the procedure requires and the clocks, each with ok / missing / late and its basis;
    the details (dates) in ``lang``."""
    c = get_case(session, actor, case_id)
    docs = {d.kind for d in session.scalars(select(Document).where(Document.case_id == c.id))}
    kinds = {s.kind: s for s in session.scalars(select(Step).where(Step.case_id == c.id).order_by(Step.id))}
    lead = session.get(Lead, c.lead_id) if c.lead_id else None
    items: list[dict[str, Any]] = []

    def add(item: str, ok: bool | None, basis: str, detail: str = "") -> None:
        items.append({"item": item, "ok": ok, "basis": basis, "detail": detail})

    add("立案审批表", "filing" in docs, "程序规定第二十条", c.case_no)
    if lead is not None:
        filed = kinds.get("filing")
        add("核查期限内决定立案", bool(filed and filed.on <= lead.verify_due_on), rules.VERIFY_BASIS,
            _detail(lang, ("收到", lead.received_on), ("期限", lead.verify_due_on), ("立案", c.filed_on)))
    n_ev = session.scalar(select(func.count(Evidence.id)).where(Evidence.case_id == c.id)) or 0
    add("证据材料", n_ev > 0, "《中华人民共和国行政处罚法》第四十六条", _detail(lang, ("件", n_ev)))
    after_review = c.state not in ("investigating",)
    add("案件审核", "review" in kinds if after_review else None, "程序规定（案件审核）")
    if c.legal_review:
        add("法制审核", "legal_review" in kinds if c.decided_on or c.state != "review" else None, rules.REVIEW_BASIS)
    if c.state in ("notified", "hearing", "decided", "served", "executing", "closed"):
        add("行政处罚告知书", "notice" in docs, rules.RESPONSE_BASIS, _detail(lang, ("送达", c.notified_on),
                                                                                     ("陈述申辩期限", c.response_due_on)))
    if c.hearing_requested:
        add("听证通知书与听证笔录", "hearing_notice" in docs and c.hearing_held, rules.HEARING_BASIS)
    if c.decided_on:
        add("决定书", bool({"decision", "no_penalty"} & docs), "《中华人民共和国行政处罚法》第五十九条", c.decision_no)
        add("办案期限内作出决定", c.decided_on <= c.due_on, rules.CASE_BASIS, _detail(lang, ("立案", c.filed_on), ("期限", c.due_on),
                                                                                   ("决定", c.decided_on)))
        add("送达回证", "receipt" in docs, rules.SERVICE_BASIS, _detail(lang, ("送达", c.served_on), ("期限", c.service_due_on)))
    if c.fine_fen:
        add("罚款缴纳或申请强制执行", bool(c.paid_on or c.enforcement_applied_on), rules.PAYMENT_BASIS,
            _detail(lang, ("期限", c.payment_due_on), ("缴纳", c.paid_on)))
        add("按期公示", bool(c.published_on and c.publication_due_on and c.published_on <= c.publication_due_on),
            rules.PUBLICATION_BASIS, _detail(lang, ("期限", c.publication_due_on), ("公示", c.published_on)))
    from zhijian.enforcement.models import Seizure
    from zhijian.enforcement.service import today

    for sz in session.scalars(select(Seizure).where(Seizure.case_id == c.id).order_by(Seizure.id)):
        kept = (sz.released_on <= sz.due_on) if sz.released_on else (today() <= sz.due_on or c.state == "closed")
        add("查封扣押期限", kept, rules.SEIZURE_BASIS,
            _detail(lang, ("起", sz.started_on), ("期限", sz.due_on), ("解除", sz.released_on)))
    n_tr = session.scalar(select(func.count(Transfer.id)).where(Transfer.case_id == c.id)) or 0
    if n_tr:
        add("移送函", "transfer" in docs, "《行政执法机关移送涉嫌犯罪案件的规定》", _detail(lang, ("次", n_tr)))
    two = all(s.officer1 and s.officer2 for k, s in kinds.items() if k in ("filing", "review", "notice", "decision",
                                                                         "service", "closure"))
    add("每一环节两名执法人员", two, "《中华人民共和国行政处罚法》第四十二条")
    return items
