"""企业质量信用 (质量诚信): administrative penalties and sales into the credit file, gathering what the model looks at
(in this room and, through their contracts, spot-check results, recalls and stable listings), scoring and the
class written to the enterprise, and the 双随机 draw weight the class produces."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zhijian.catalog.models import Category, Organization, Product
from zhijian.consumer import rules
from zhijian.consumer.credit_listings import current_listings
from zhijian.consumer.models import AdministrativePenalty, Certificate, Complaint, CreditAssessment, EnterpriseSales
from zhijian.consumer.schemas import CreditOut, PenaltyIn
from zhijian.consumer.service.common import (
    _CREDIT_MODEL,
    _put_setting,
    _region_filter,
    _setting,
    can_declare,
    can_manage_credit,
    can_read_credit,
    ensure_enterprise_covered,
    insert_once,
    today,
)
from zhijian.platform.auth import Actor
from zhijian.platform.crud import flush
from zhijian.platform.errors import Conflict, DomainError, NotFound
from zhijian.platform.events import publish
from zhijian.platform.rooms import call


def credit_model(session: Session) -> rules.CreditModel:
    return rules.CreditModel.from_dict(_setting(session, _CREDIT_MODEL))


def draw_weights(session: Session) -> dict[str, float]:
    """Contract: the 双随机 weight of each credit class (A lowest … D highest, all different), from the model."""
    return dict(credit_model(session).draw_weights)


def set_credit_model(session: Session, actor: Actor, values: dict[str, Any]) -> rules.CreditModel:
    actor.require("admin", "regulator")
    merged = credit_model(session).as_dict() | values
    model = rules.CreditModel.from_dict(merged)
    _put_setting(session, _CREDIT_MODEL, model.as_dict())
    return model


# ====================================================================== administrative penalties and sales


def add_penalty(session: Session, actor: Actor, data: PenaltyIn) -> AdministrativePenalty:
    """行政处罚 — recorded by a regulator; feeds the credit model."""
    actor.require("regulator")
    ent = session.get(Organization, data.enterprise_id)
    if ent is None or ent.kind != "enterprise":
        raise NotFound("enterprise", data.enterprise_id, field="enterprise_id")
    ensure_enterprise_covered(session, actor, ent.id)
    if data.decided_on > today():
        raise DomainError("penalty.future_date", "处罚决定日期不能晚于今天", "decision date is in the future",
                          field="decided_on")
    duplicate = Conflict("consumer.penalty_duplicate", f"信用档案已有同一文号的处罚记录（{data.decision_no}）",
                         f"a penalty with decision number {data.decision_no} is already recorded", field="decision_no")
    if session.scalar(select(AdministrativePenalty.id).where(
            AdministrativePenalty.decision_no == data.decision_no)) is not None:
        raise duplicate
    p = AdministrativePenalty(**data.model_dump())
    insert_once(session, p, duplicate)  # a concurrent insert of the same 文号: refused in the savepoint
    return p


def list_penalties(session: Session, actor: Actor, enterprise_id: int | None = None) -> list[AdministrativePenalty]:
    if enterprise_id is not None:
        can_read_credit(actor, enterprise_id)
        ensure_enterprise_covered(session, actor, enterprise_id)
    else:
        actor.require("regulator", "association")
    stmt = select(AdministrativePenalty).order_by(AdministrativePenalty.decided_on.desc(), AdministrativePenalty.id)
    if enterprise_id is not None:
        stmt = stmt.where(AdministrativePenalty.enterprise_id == enterprise_id)
    elif (clause := _region_filter(actor, Organization.region_code)) is not None:
        stmt = stmt.join(Organization, Organization.id == AdministrativePenalty.enterprise_id).where(clause)
    return list(session.scalars(stmt))


def set_sales(session: Session, actor: Actor, enterprise_id: int, year: int, sales_10m_yuan: float) -> None:
    """年销售额 (千万元) — the denominator of justified complaints; the enterprise or staff report it."""
    can_declare(actor, enterprise_id)
    if session.get(Organization, enterprise_id) is None:
        raise NotFound("enterprise", enterprise_id)
    ensure_enterprise_covered(session, actor, enterprise_id)
    row = session.scalar(select(EnterpriseSales).where(EnterpriseSales.enterprise_id == enterprise_id))
    if row is None:
        session.add(EnterpriseSales(enterprise_id=enterprise_id, year=year, sales_10m_yuan=sales_10m_yuan))
    else:
        row.year, row.sales_10m_yuan = year, sales_10m_yuan
    flush(session, "enterprise_sales")


# ====================================================================== enterprise quality credit (质量诚信)


def _chunks(ids: list[int], n: int = 500) -> list[list[int]]:
    return [ids[i:i + n] for i in range(0, len(ids), n)] or [[]]


def _inspections(session: Session, wanted: set[int], only: int | None, since: dt.date,
                 as_of: dt.date) -> dict[int, list[rules.InspectionFact]] | None:
    """Final spot-check verdicts per enterprise (spotcheck's `inspection_history` contract); None: no such room."""
    records = call(session, "spotcheck", "inspection_history", enterprise_id=only, since=since, default=None)
    if records is None:
        return None
    out: dict[int, list[rules.InspectionFact]] = {}
    for r in records:
        verdict = getattr(r, "final_verdict", None)
        if r.enterprise_id in wanted and verdict in ("合格", "不合格") and r.sampled_on <= as_of:
            out.setdefault(r.enterprise_id, []).append(rules.InspectionFact(
                r.sampled_on, verdict, bool(getattr(r, "safety_failure", False)), getattr(r, "report_no", None),
                tuple(getattr(r, "failing_items", None) or ())))
    return out


def _recalls(session: Session, wanted: set[int], only: int | None, since: dt.date,
             as_of: dt.date) -> dict[int, list[tuple[dt.date, str]]] | None:
    """Recalls (start day, risk level) per enterprise (risk's `recall_records` contract); None: no such room."""
    rows = call(session, "risk", "recall_records", enterprise_id=only, default=None)
    if rows is None:
        return None
    out: dict[int, list[tuple[dt.date, str]]] = {}
    for row in rows:
        started = row[3]
        if isinstance(started, dt.datetime):
            started = started.date()
        if row[1] in wanted and started is not None and since <= started <= as_of:
            out.setdefault(row[1], []).append((started, str(row[4] or "medium")))
    return out


@dataclass
class _OwnFacts:
    """This room's facts per enterprise, read chunk by chunk in set queries and grouped in memory."""

    products: dict[int, list[tuple[int, str]]] = field(default_factory=dict)
    justified: dict[int, int] = field(default_factory=dict)
    sales: dict[int, float] = field(default_factory=dict)
    certs: dict[int, list[Certificate]] = field(default_factory=dict)
    penalties: dict[int, list[tuple[dt.date, str, str]]] = field(default_factory=dict)


def _own_facts(session: Session, wanted: set[int], since: dt.date, as_of: dt.date) -> _OwnFacts:
    own = _OwnFacts()
    for ids in _chunks(sorted(wanted)):
        for pid, eid, path in session.execute(
                select(Product.id, Product.enterprise_id, Category.path)
                .join(Category, Category.id == Product.category_id).where(Product.enterprise_id.in_(ids))):
            own.products.setdefault(eid, []).append((pid, path))
        own.justified.update({int(eid): int(n) for eid, n in session.execute(
            select(Complaint.respondent_id, func.count()).where(
                Complaint.kind == "complaint", Complaint.justified.is_(True), Complaint.received_on >= since,
                Complaint.respondent_id.in_(ids)).group_by(Complaint.respondent_id)) if eid is not None})
        own.sales.update({eid: float(v) for eid, v in session.execute(
            select(EnterpriseSales.enterprise_id, EnterpriseSales.sales_10m_yuan)
            .where(EnterpriseSales.enterprise_id.in_(ids)))})
        for c in session.scalars(select(Certificate).where(Certificate.holder_id.in_(ids))):
            own.certs.setdefault(int(c.holder_id or 0), []).append(c)
        for eid, d, sev, no in session.execute(
                select(AdministrativePenalty.enterprise_id, AdministrativePenalty.decided_on,
                       AdministrativePenalty.severity, AdministrativePenalty.decision_no)
                .where(AdministrativePenalty.enterprise_id.in_(ids), AdministrativePenalty.decided_on >= since,
                       AdministrativePenalty.decided_on <= as_of)):
            own.penalties.setdefault(eid, []).append((d, sev, no))
    return own


def gather_credit_inputs_many(session: Session, enterprise_ids: list[int], as_of: dt.date,
                              model: rules.CreditModel) -> tuple[dict[int, rules.CreditInputs], list[str]]:
    """Collect what the model looks at for many enterprises at once: one set query per source (and one call
    per other room's contract), grouped in memory. An absent room means "no data" and is left out of sources.
    """
    since = as_of - dt.timedelta(days=int(model.window_years * 365.25) + 1)
    wanted = set(enterprise_ids)
    only = next(iter(wanted)) if len(wanted) == 1 else None
    sources: list[str] = ["consumer"]
    inspections = _inspections(session, wanted, only, since, as_of)
    recalls = _recalls(session, wanted, only, since, as_of)
    listed_products = call(session, "stable", "listed_product_ids", default=None)
    for room, answer in (("spotcheck", inspections), ("risk", recalls), ("stable", listed_products)):
        if answer is not None:
            sources.append(room)
    listed_ids = {int(i) for i in listed_products or ()}
    ccc_cats = set(session.scalars(select(Category.id).where(Category.requires_ccc.is_(True))))
    facts = _own_facts(session, wanted, since, as_of)
    listed = current_listings(session, sorted(wanted), as_of)
    out: dict[int, rules.CreditInputs] = {}
    for eid in wanted:
        own = facts.certs.get(eid, [])
        status = [rules.effective_status(c.status, c.valid_until, as_of) for c in own]
        prods = facts.products.get(eid, [])
        out[eid] = rules.CreditInputs(
            inspections=tuple((inspections or {}).get(eid, ())), justified_complaints=facts.justified.get(eid, 0),
            sales_10m_yuan=facts.sales.get(eid), recalls=tuple((recalls or {}).get(eid, ())),
            certs_suspended=status.count("suspended"),
            certs_withdrawn=status.count("withdrawn") + status.count("cancelled"),
            ccc_missing=_ccc_missing(prods, own, as_of, ccc_cats),
            system_certs=sum(1 for c, st in zip(own, status, strict=True)
                             if c.kind in rules.SYSTEM_KINDS and st == "valid"),
            penalties=tuple(facts.penalties.get(eid, ())),
            stable_listings=sum(1 for pid, _ in prods if pid in listed_ids),
            serious_listed=tuple(listed.get(eid, {}).get("serious", ())),
            abnormal_entries=tuple(listed.get(eid, {}).get("abnormal", ())))
    return out, sources


def gather_credit_inputs(session: Session, enterprise_id: int, as_of: dt.date,
                         model: rules.CreditModel) -> tuple[rules.CreditInputs, list[str]]:
    """What the model looks at for one enterprise (see `gather_credit_inputs_many`)."""
    many, sources = gather_credit_inputs_many(session, [enterprise_id], as_of, model)
    return many[enterprise_id], sources


def _ccc_missing(rows: Any, certs: list[Certificate], as_of: dt.date, ccc_cats: set[int]) -> int:
    """Products (id, category path) in a 强制性产品认证 category not covered by a valid CCC."""
    if not rows:
        return 0
    covered: set[int] = set()
    for c in certs:
        if c.kind == "CCC" and rules.effective_status(c.status, c.valid_until, as_of) == "valid":
            covered.update(int(i) for i in c.product_ids or [])
    n = 0
    for pid, path in rows:
        cat_ids = {int(x) for x in path.strip("/").split("/") if x}
        if cat_ids & ccc_cats and pid not in covered:
            n += 1
    return n


def recompute_credit(session: Session, actor: Actor, *, enterprise_ids: list[int] | None = None,
                     as_of: dt.date | None = None) -> list[CreditAssessment]:
    """定期重新评价 — score every (or the given) enterprise, keep the history, write Organization.credit_class
    and announce a change (`consumer.credit_changed`)."""
    can_manage_credit(actor)
    as_of = as_of or today()
    model = credit_model(session)
    stmt = select(Organization).where(Organization.kind == "enterprise").order_by(Organization.id)
    if enterprise_ids is not None:
        stmt = stmt.where(Organization.id.in_(enterprise_ids))
    if (clause := _region_filter(actor, Organization.region_code)) is not None:
        stmt = stmt.where(clause)  # a regional bureau re-scores its own division's enterprises (others: 404)
    orgs = list(session.scalars(stmt))
    if enterprise_ids is not None and len(orgs) != len(set(enterprise_ids)):
        missing = sorted(set(enterprise_ids) - {o.id for o in orgs})
        raise NotFound("enterprise", missing[0], field="enterprise_ids")
    out: list[CreditAssessment] = []
    inputs, sources = gather_credit_inputs_many(session, [o.id for o in orgs], as_of, model)
    for org in orgs:
        res = rules.score_credit(inputs[org.id], model, as_of)
        prev = org.credit_class
        a = CreditAssessment(enterprise_id=org.id, as_of=as_of, score=res.score, credit_class=res.credit_class,
                             previous_class=prev, model_version=model.version, breakdown=res.breakdown(),
                             caps=list(res.caps), cap_reasons=[r.as_dict() for r in res.cap_reasons],
                             sources=sources)
        session.add(a)
        out.append(a)
        if prev != res.credit_class:
            org.credit_class = res.credit_class
            publish(session, "consumer.credit_changed", {"enterprise_id": org.id, "old": prev,
                                                         "new": res.credit_class, "score": res.score,
                                                         "as_of": as_of.isoformat()})
    flush(session, "credit_assessment")
    return out


def credit_history(session: Session, actor: Actor, enterprise_id: int, limit: int = 50) -> list[CreditAssessment]:
    can_read_credit(actor, enterprise_id)
    if session.get(Organization, enterprise_id) is None:
        raise NotFound("enterprise", enterprise_id)
    ensure_enterprise_covered(session, actor, enterprise_id)
    return list(session.scalars(select(CreditAssessment).where(CreditAssessment.enterprise_id == enterprise_id)
                                .order_by(CreditAssessment.id.desc()).limit(limit)))


def credit_overview(session: Session, actor: Actor, *, credit_class: str | None = None) -> list[CreditOut]:
    """Latest assessment of each enterprise (staff)."""
    actor.require("regulator", "association")
    latest = (select(CreditAssessment.enterprise_id, func.max(CreditAssessment.id).label("mid"))
              .group_by(CreditAssessment.enterprise_id).subquery())
    stmt = (select(CreditAssessment, Organization.name).join(latest, latest.c.mid == CreditAssessment.id)
            .join(Organization, Organization.id == CreditAssessment.enterprise_id)
            .order_by(CreditAssessment.score, CreditAssessment.enterprise_id))
    if credit_class:
        stmt = stmt.where(CreditAssessment.credit_class == credit_class)
    if (clause := _region_filter(actor, Organization.region_code)) is not None:
        stmt = stmt.where(clause)
    return [credit_dict(a, name) for a, name in session.execute(stmt)]


def credit_dict(a: CreditAssessment, name: str = "") -> CreditOut:
    """The assessment as the API shows it (`CreditOut`; the pages read the same object)."""
    return CreditOut(enterprise_id=a.enterprise_id, enterprise_name=name, as_of=a.as_of, score=a.score,
                     credit_class=a.credit_class, previous_class=a.previous_class, model_version=a.model_version,
                     breakdown=list(a.breakdown or []), caps=list(a.caps or []),
                     cap_reasons=list(a.cap_reasons or []), sources=list(a.sources or []),
                     computed_at=a.computed_at)


def credit_distribution(session: Session, actor: Actor | None = None) -> dict[str, int]:
    """Enterprises per credit class (a regional regulator: those of its division)."""
    stmt = select(Organization.credit_class, func.count()).where(Organization.kind == "enterprise")
    if actor is not None and (clause := _region_filter(actor, Organization.region_code)) is not None:
        stmt = stmt.where(clause)
    rows = session.execute(stmt.group_by(Organization.credit_class)).all()
    return {str(k or "-"): int(v) for k, v in rows}


# ====================================================================== issue 15: credit page and satisfaction


@dataclass(frozen=True)
class DrawFrequency:
    """What an enterprise's class means for the 双随机 draws: its weight and chances (`rules.draw_chances`) among the
    enterprises of its province, per class and its own."""

    enterprise_id: int
    credit_class: str | None
    province: str
    population: dict[str, int]
    enterprises: int
    classes: dict[str, dict[str, Any]]
    own: dict[str, Any]
    model_version: str


def draw_frequency(session: Session, actor: Actor, enterprise_id: int) -> DrawFrequency:
    """The 双随机 frequency the enterprise's class produces: its weight, how often relative to B, and its chance
    per draw among the enterprises of its province (the population a provincial plan draws from)."""
    can_read_credit(actor, enterprise_id)
    org = session.get(Organization, enterprise_id)
    if org is None or org.kind != "enterprise":
        raise NotFound("enterprise", enterprise_id, field="enterprise_id")
    province = (org.region_code or "")[:2]
    stmt = select(Organization.credit_class, func.count()).where(Organization.kind == "enterprise")
    if province:
        stmt = stmt.where(Organization.region_code.like(province + "%"))
    population = {str(k or "-"): int(n) for k, n in session.execute(stmt.group_by(Organization.credit_class))}
    weights = draw_weights(session)
    chances = rules.draw_chances(population, weights)
    own = org.credit_class if org.credit_class in rules.CREDIT_CLASSES else None
    mine = dict(chances[own or "B"])
    if own is None:  # unclassified: in the population as "-", weighing as B
        total = sum(n * weights.get(k, weights["B"]) for k, n in population.items())
        mine["per_draw"] = weights["B"] / total
        mine["per_100"] = round(100 * mine["per_draw"], 4)
    return DrawFrequency(org.id, own, province.ljust(6, "0") if province else "", population,
                         sum(population.values()), chances, mine, credit_model(session).version)
