"""公布 and 检验报告: workflow counts, the published statistics (不合格发现率) and the list of non-conforming
products, publishing a plan, the report's content and its public verification (报告防伪查询)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from sqlalchemy import CursorResult, case, func, select, update
from sqlalchemy.orm import Session

from zhijian.catalog.models import Category, Organization
from zhijian.platform import audit
from zhijian.platform.auth import Actor
from zhijian.platform.crud import flush
from zhijian.platform.errors import Conflict, DomainError, NotFound
from zhijian.spotcheck import judgement, rules
from zhijian.spotcheck.models import (
    Batch,
    ItemResult,
    Plan,
)
from zhijian.spotcheck.service.answers import NonconformingProduct
from zhijian.spotcheck.service.batches import get_batch
from zhijian.spotcheck.service.plans import get_plan, locked_plan
from zhijian.spotcheck.service.policy import plan_of, require_plan_owner, visible_batches

# ---------------------------------------------------------------- publication (公布)


def workflow_counts(session: Session, actor: Actor, plan_id: int) -> dict[str, int]:
    """How many batches of the plan are in each state (the console's workflow view)."""
    get_plan(session, actor, plan_id)
    stmt = visible_batches(session, actor, select(Batch.state, func.count()).where(Batch.plan_id == plan_id)).group_by(Batch.state)
    counts = {s: 0 for s in rules.STATES}
    for state, n in session.execute(stmt):
        counts[state] = n
    return counts


def plan_statistics(session: Session, plan_id: int) -> dict[str, Any]:
    """Published statistics (set-based): batches, failing, 不合格发现率 overall / by category / by region, items, refusals."""
    fail = case((Batch.final_verdict == rules.FAIL, 1), else_=0)
    tested = case((Batch.refused.is_(False), 1), else_=0)
    refused = case((Batch.refused.is_(True), 1), else_=0)
    base = select(func.count(), func.sum(tested), func.sum(fail), func.sum(refused),
                  func.count(func.distinct(Batch.enterprise_id)), func.count(func.distinct(Batch.product_id))
                  ).where(Batch.plan_id == plan_id)
    n, n_tested, n_fail, n_refused, n_ent, n_prod = session.execute(base).one()
    n_tested, n_fail, n_refused = int(n_tested or 0), int(n_fail or 0), int(n_refused or 0)
    cats = {c.id: c.name for c in session.scalars(select(Category))}
    by_cat = []
    for cat_id, t, f in session.execute(select(Batch.category_id, func.sum(tested), func.sum(fail))
                                        .where(Batch.plan_id == plan_id).group_by(Batch.category_id)
                                        .order_by(Batch.category_id)):
        by_cat.append({"category_id": cat_id, "category": cats.get(cat_id, str(cat_id)), "batches": int(t or 0),
                       "failing": int(f or 0), "rate": rules.rate(int(f or 0), int(t or 0))})
    prov = func.substr(Batch.region_code, 1, 2)
    by_region = []
    from zhijian.catalog import rules as crules

    for p, t, f in session.execute(select(prov, func.sum(tested), func.sum(fail)).where(Batch.plan_id == plan_id)
                                   .group_by(prov).order_by(prov)):
        code = f"{p}0000"
        try:
            label = crules.region_label(code)
        except Exception:
            label = code
        by_region.append({"region_code": code, "region": label, "batches": int(t or 0), "failing": int(f or 0),
                          "rate": rules.rate(int(f or 0), int(t or 0))})
    items_stmt = (select(ItemResult.name, func.count())
                  .join(Batch, Batch.id == ItemResult.batch_id)
                  .where(Batch.plan_id == plan_id, ItemResult.verdict == rules.FAIL,
                         Batch.final_verdict == rules.FAIL, ItemResult.superseded.is_(False))
                  .group_by(ItemResult.name).order_by(func.count().desc(), ItemResult.name))
    failing_items = [{"item": name, "batches": int(c)} for name, c in session.execute(items_stmt)]
    tested_items = int(session.scalar(select(func.count(func.distinct(ItemResult.name))).join(
        Batch, Batch.id == ItemResult.batch_id).where(Batch.plan_id == plan_id)) or 0)
    return {"plan_id": plan_id, "batches": int(n or 0), "batches_tested": n_tested, "batches_failing": n_fail,
            "refusals": n_refused, "enterprises": int(n_ent or 0), "products": int(n_prod or 0),
            "nonconformity_rate": rules.rate(n_fail, n_tested), "by_category": by_cat, "by_region": by_region,
            "failing_items": failing_items, "items_tested": tested_items}


def nonconforming_list(session: Session, plan_id: int, limit: int | None = None) -> list[NonconformingProduct]:
    """不合格产品名单 — enterprise, brand, model, batch, failing items, lab."""
    ent = Organization.__table__.alias("ent")
    lab = Organization.__table__.alias("lab")
    stmt = (select(Batch.id, Batch.sample_no, Batch.product_name, Batch.brand, Batch.model, Batch.lot,
                   Batch.production_date, Batch.failing_items, Batch.safety_failure, Batch.report_no,
                   ent.c.name, ent.c.region_code, lab.c.name, Batch.retest_lab_id)
            .join(ent, ent.c.id == Batch.enterprise_id)
            .outerjoin(lab, lab.c.id == func.coalesce(Batch.retest_lab_id, Batch.lab_id))
            .where(Batch.plan_id == plan_id, Batch.final_verdict == rules.FAIL).order_by(Batch.id))
    if limit:
        stmt = stmt.limit(limit)
    return [NonconformingProduct(batch_id=r[0], sample_no=r[1], product=r[2], brand=r[3], model=r[4], lot=r[5],
                                 production_date=r[6].isoformat() if r[6] else "", failing_items=list(r[7] or []),
                                 safety_failure=bool(r[8]), report_no=r[9], enterprise=r[10], region_code=r[11],
                                 lab=r[12] or "", retested=r[13] is not None)
            for r in session.execute(stmt)]


def publish_plan(session: Session, actor: Actor, plan_id: int) -> Plan:
    """公布 — every batch final (or refused); statistics frozen on the plan; from now on the public sees it."""
    plan = locked_plan(session, actor, plan_id)
    require_plan_owner(actor, plan)
    if plan.status == "published":
        raise Conflict("spotcheck.already_published", f"计划 {plan.code} 已公布", f"plan {plan.code} is already published",
                       extra={"current": plan.status, "target": "published"})
    open_n = session.scalar(select(func.count()).select_from(Batch).where(
        Batch.plan_id == plan.id, Batch.state.not_in(("final", "refused")))) or 0
    if open_n:
        raise DomainError("spotcheck.not_final", f"还有 {open_n} 个批次结果未确定，不能公布",
                          f"{open_n} batches are not final yet; the plan cannot be published", status=409,
                          extra={"open_batches": open_n})
    done = session.execute(update(Batch).where(Batch.plan_id == plan.id, Batch.state.in_(("final", "refused")))
                           .values(state="published", updated_at=dt.datetime.now(dt.UTC))
                           .execution_options(synchronize_session=False))
    n = done.rowcount if isinstance(done, CursorResult) else None
    audit.record(session, "update", "spotcheck_batch", f"plan:{plan.id}", {"state": "final|refused"},
                 {"state": "published", "batches": n})
    for b in session.identity_map.values():
        if isinstance(b, Batch) and b.plan_id == plan.id:
            session.expire(b)
    plan.summary = plan_statistics(session, plan.id)
    plan.status, plan.published_at = "published", dt.datetime.now(dt.UTC)
    flush(session, "plan")
    return plan


def published_plan(session: Session, plan_id: int) -> Plan:
    plan = session.get(Plan, plan_id)
    if plan is None or plan.status != "published":
        raise NotFound("plan", plan_id)
    return plan


# ---------------------------------------------------------------- reports (检验报告) and verification


def report_data(session: Session, actor: Actor, batch_id: int) -> dict[str, Any]:
    """The report's content (the PDF and the pages render this)."""
    batch = get_batch(session, actor, batch_id)
    if not batch.report_no:
        raise DomainError("spotcheck.no_report", "该批次尚未出具报告", "this batch has no report yet", status=409)
    plan = plan_of(session, batch)
    ent = session.get(Organization, batch.enterprise_id)
    lab = session.get(Organization, batch.lab_id) if batch.lab_id else None
    rlab = session.get(Organization, batch.retest_lab_id) if batch.retest_lab_id else None
    items = list(session.scalars(select(ItemResult).where(ItemResult.batch_id == batch.id)
                                 .order_by(ItemResult.round, ItemResult.position)))
    return {"report_no": batch.report_no, "issued_on": batch.report_issued_on, "plan": plan.title, "plan_code": plan.code,
            "sample_no": batch.sample_no, "product": batch.product_name, "brand": batch.brand, "model": batch.model,
            "lot": batch.lot, "production_date": batch.production_date, "sampled_on": batch.sampled_on,
            "place": batch.place, "enterprise": ent.name if ent else "", "lab": lab.name if lab else "",
            "retest_lab": rlab.name if rlab else None, "verdict": batch.final_verdict or batch.verdict,
            "failing_items": list(batch.failing_items or []), "override_reason": batch.override_reason,
            "items": [{"round": i.round, "name": i.name, "unit": i.unit, "requirement": i.requirement_text,
                       "value": i.value_text, "verdict": i.verdict, "method": i.method_standard,
                       "comparison_method": i.comparison_method, "superseded": bool(i.superseded),
                       "explanation": judgement.explain_row(i, rule=plan.decision_rule, guard_factor=plan.guard_factor)}
                      for i in items],
            "state": batch.state, "published": plan.status == "published"}


def report_digest(data: dict[str, Any]) -> str:
    """A short fingerprint of a report's content shown on the PDF and the verification page (防伪)."""
    import json

    core = {k: data[k] for k in ("report_no", "sample_no", "product", "lot", "items", "verdict")}
    return hashlib.sha256(json.dumps(core, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()[:16]


def verify_report(session: Session, report_no: str) -> dict[str, Any]:
    """Public report verification (报告防伪查询): the report exists, by which lab, when; details once published."""
    batch = session.scalar(select(Batch).where(Batch.report_no == report_no))
    if batch is None:
        raise NotFound("report", report_no)
    plan = plan_of(session, batch)
    lab = session.get(Organization, batch.lab_id) if batch.lab_id else None
    from zhijian.platform.auth import SYSTEM

    data = report_data(session, SYSTEM, batch.id)
    out = {"report_no": report_no, "genuine": True, "lab": lab.name if lab else "", "issued_on": batch.report_issued_on,
           "product": batch.product_name, "digest": report_digest(data), "published": plan.status == "published"}
    if plan.status == "published":
        out.update({"enterprise": data["enterprise"], "brand": batch.brand, "model": batch.model, "lot": batch.lot,
                    "verdict": batch.final_verdict, "plan": plan.title})
    return out


def quick_judge(requirement: str, requirement_unit: str, value: str | float | None, unit: str | None,
                uncertainty: float | None, lod: float | None, rule: str, guard_factor: float,
                comparison_method: str, lab_verdict: str | None = None, units: Any = None) -> dict[str, Any]:
    """The output of the quick judgement (API and CLI alike): spotcheck.judgement, the one judgement."""
    return judgement.quick_judge(requirement, requirement_unit, value, unit, uncertainty, lod, rule, guard_factor,
                                 comparison_method, lab_verdict, units)
