"""Eligibility (评定): gather a product's evidence from other rooms (spot-check history, complaints, certificates,
through their contracts; an absent room is unknown, never met), evaluate it, propose candidates in bulk."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.catalog import service as catalog
from zhijian.catalog.models import Product
from zhijian.platform.auth import SYSTEM, Actor
from zhijian.platform.crud import added, get_or_404
from zhijian.platform.errors import DomainError, NotFound
from zhijian.platform.rooms import call
from zhijian.stable import rules
from zhijian.stable.models import (
    Listing,
    StableApplication,
    StableEvaluation,
)
from zhijian.stable.service.policy import (
    OPEN_STATUSES,
    _division_clause,
    can_evaluate,
    can_read_all,
    in_division,
    today,
)
from zhijian.stable.service.rulesets import ruleset_for


@dataclass(frozen=True)
class ProductInfo:
    """What this room needs to know about a catalog product."""

    id: int
    name: str
    brand: str
    model: str
    enterprise_id: int
    enterprise_name: str
    region_code: str
    credit_class: str | None
    category_id: int
    category_name: str
    requires_ccc: bool


def product_info(session: Session, product_id: int) -> ProductInfo:
    p = catalog.get_product(session, SYSTEM, product_id)
    org = catalog.get_organization(session, SYSTEM, p.enterprise_id)
    cat = catalog.get_category(session, SYSTEM, p.category_id)
    return ProductInfo(p.id, p.name, p.brand, p.model, org.id, org.name, org.region_code, org.credit_class, cat.id,
                       cat.name, bool(cat.requires_ccc))


def _aliases(session: Session, product_id: int) -> tuple[tuple[str, str], ...]:
    """Former (brand, model) names declared in this product's applications (产品更名)."""
    out: list[tuple[str, str]] = []
    for names in session.scalars(select(StableApplication.former_names).where(
            StableApplication.product_id == product_id)):
        for pair in names or []:
            if isinstance(pair, list | tuple) and len(pair) == 2 and (str(pair[0]), str(pair[1])) not in out:
                out.append((str(pair[0]), str(pair[1])))
    return tuple(out)


def inspection_records(session: Session, enterprise_id: int) -> tuple[rules.Inspection, ...] | None:
    """The enterprise's spot-check history (spotcheck `inspection_history`); None when that room cannot answer
    (absent or failing: `platform.rooms.call` logs it), so the criteria that need it come out unknown."""
    recs = call(session, "spotcheck", "inspection_history", enterprise_id=enterprise_id, default=None)
    return None if recs is None else tuple(rules.Inspection.from_record(r) for r in recs)


def _complaints(session: Session, product_id: int, since: dt.date) -> int | None:
    n = call(session, "consumer", "justified_complaints", product_id=product_id, since=since, default=None)
    return None if n is None else int(n)


def _certificates(session: Session, product_id: int) -> tuple[rules.Certificate, ...] | None:
    certs = call(session, "consumer", "certificates_for", product_id=product_id, default=None)
    if certs is None:
        return None
    return tuple(rules.Certificate(str(c.number), str(c.kind), str(c.status), c.valid_until) for c in certs)


def gather_evidence(session: Session, info: ProductInfo, rs: rules.RuleSet, as_of: dt.date,
                    inspections: tuple[rules.Inspection, ...] | None | bool = True) -> rules.Evidence:
    """Collect the evidence of one product; `inspections=True` reads the spotcheck room (bulk runs pass them)."""
    windows = [c.params.get("window_years", 3) for c in rs.criteria if c.kind == "complaints"] or [3]
    ref = rules.ProductRef(info.id, info.enterprise_id, info.brand, info.model, info.requires_ccc,
                           _aliases(session, info.id))
    if isinstance(inspections, bool):
        recs = inspection_records(session, info.enterprise_id) if inspections else None
    else:
        recs = inspections
    return rules.Evidence(product=ref, as_of=as_of, inspections=recs,
                          justified_complaints=_complaints(session, info.id, rules.window_start(as_of, windows[0])),
                          credit_class=info.credit_class, certificates=_certificates(session, info.id))


# ---------------------------------------------------------------- evaluations


def _store_evaluation(session: Session, actor: Actor, ev: rules.Evaluation) -> StableEvaluation:
    row = StableEvaluation(product_id=ev.product_id, ruleset_version=ev.ruleset_version, as_of=ev.as_of,
                           outcome=ev.outcome, result=ev.as_dict(), evaluated_by=actor.label)
    return added(session, row, "stable_evaluation")


def evaluate_product(session: Session, actor: Actor, product_id: int, as_of: dt.date | None = None, *,
                     evidence: rules.Evidence | None = None) -> StableEvaluation:
    """评定 — apply the rule set in force on `as_of` and store the explained result with its version.

    `evidence` lets callers in Python (tests, what-if tools) supply the evidence instead of the other rooms.
    """
    as_of = as_of or today()
    info = product_info(session, product_id)
    can_evaluate(actor, info.enterprise_id, session)
    rs = ruleset_for(session, as_of)
    ev = evidence if evidence is not None else gather_evidence(session, info, rs, as_of)
    return _store_evaluation(session, actor, rules.evaluate(rs, ev))


def get_evaluation(session: Session, actor: Actor, evaluation_id: int) -> StableEvaluation:
    row = get_or_404(session, StableEvaluation, evaluation_id, "evaluation")
    info = product_info(session, row.product_id)
    if not (can_read_all(actor) or actor.owns(info.enterprise_id)) or not in_division(session, actor,
                                                                                      info.enterprise_id):
        raise NotFound("evaluation", evaluation_id)
    return row


def latest_evaluation(session: Session, product_id: int) -> StableEvaluation | None:
    return session.scalar(select(StableEvaluation).where(StableEvaluation.product_id == product_id)
                          .order_by(StableEvaluation.id.desc()).limit(1))


def propose_candidates(session: Session, actor: Actor, *, category_id: int | None = None, region: str | None = None,
                       as_of: dt.date | None = None, limit: int = 500) -> list[StableEvaluation]:
    """批量评定 — evaluate every product of a category (with sub-categories) or region; store and return the
    eligible ones that are neither listed nor already applied for (the staff's candidate list)."""
    actor.require("association", "regulator")
    if category_id is None and not region:
        raise DomainError("stable.scope_required", "请指定产品类别或地区", "give a category or a region",
                          field="category_id")
    as_of = as_of or today()
    rs = ruleset_for(session, as_of)
    ids = catalog.category_subtree_ids(session, category_id) if category_id is not None else None
    stmt = catalog.product_query(actor, category_ids=ids, region=region)
    if (clause := _division_clause(actor, Product.enterprise_id)) is not None:
        stmt = stmt.where(clause)  # a regional regulator proposes only its division's products
    busy = set(session.scalars(select(StableApplication.product_id).where(
        StableApplication.status.in_(OPEN_STATUSES))))
    busy |= set(session.scalars(select(Listing.product_id).where(Listing.status.in_(("pending", "listed")))))
    history: dict[int, tuple[rules.Inspection, ...] | None] = {}
    out: list[StableEvaluation] = []
    for product in session.scalars(stmt.order_by(Product.id).limit(20_000)):
        if product.id in busy:
            continue
        info = product_info(session, product.id)
        if info.enterprise_id not in history:
            history[info.enterprise_id] = inspection_records(session, info.enterprise_id)
        ev = rules.evaluate(rs, gather_evidence(session, info, rs, as_of, history[info.enterprise_id]))
        if ev.outcome == rules.ELIGIBLE:
            out.append(_store_evaluation(session, actor, ev))
            if len(out) >= limit:
                break
    return out
