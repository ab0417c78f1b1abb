"""What other rooms and the portal read (docs/CONTRACTS.md): inspection records, final verdicts and set-based
result rows for the risk scan, the portal's latest results, readable batches and the console's dashboard cards."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from zhijian.catalog.models import Organization
from zhijian.platform.auth import Actor
from zhijian.platform.crud import where_equal
from zhijian.spotcheck import rules
from zhijian.spotcheck.models import (
    Batch,
    ItemResult,
    Plan,
)
from zhijian.spotcheck.service.followups import list_followups
from zhijian.spotcheck.service.policy import can_read_batch, today, visible_batches

# ---------------------------------------------------------------- contracts for other rooms (docs/CONTRACTS.md)


@dataclass(frozen=True)
class InspectionRecord:
    batch_id: int
    plan_id: int
    plan_level: str
    plan_year: int
    product_id: int | None
    enterprise_id: int
    brand: str
    model: str
    category_id: int
    region_code: str
    sampled_on: dt.date
    basis: str
    final_verdict: str | None
    retested: bool
    failing_items: list[str]
    safety_failure: bool
    lab_id: int | None
    report_no: str | None


def _record_stmt() -> Select[*tuple[Any, ...]]:
    return (select(Batch.id, Batch.plan_id, Plan.level, Plan.year, Batch.product_id, Batch.enterprise_id, Batch.brand,
                   Batch.model, Batch.category_id, Batch.region_code, Batch.sampled_on, Batch.basis,
                   Batch.final_verdict, Batch.retest_lab_id, Batch.failing_items, Batch.safety_failure, Batch.lab_id,
                   Batch.report_no, Batch.state)
            .join(Plan, Plan.id == Batch.plan_id)
            .where(Batch.sampled_on.is_not(None), Batch.refused.is_(False)))


def _record(r: Any) -> InspectionRecord:
    final = r[12] if r[18] in ("final", "published") else None
    return InspectionRecord(batch_id=r[0], plan_id=r[1], plan_level=r[2], plan_year=r[3], product_id=r[4],
                            enterprise_id=r[5], brand=r[6], model=r[7], category_id=r[8], region_code=r[9],
                            sampled_on=r[10], basis=r[11], final_verdict=final, retested=r[13] is not None and final is not None,
                            failing_items=list(r[14] or []), safety_failure=bool(r[15]), lab_id=r[16], report_no=r[17])


def inspection_history(session: Session, *, product_id: int | None = None, enterprise_id: int | None = None,
                       since: dt.date | None = None, published_only: bool = False) -> list[InspectionRecord]:
    """Every sampled batch (not refusals), oldest first; final_verdict is None until the result is final.

    Public pages pass published_only=True: before publication nothing of a plan is visible to the public."""
    stmt = _record_stmt()
    if published_only:
        stmt = stmt.where(Plan.status == "published")
    stmt = where_equal(stmt, (Batch.product_id, product_id), (Batch.enterprise_id, enterprise_id))
    if since is not None:
        stmt = stmt.where(Batch.sampled_on >= since)
    return [_record(r) for r in session.execute(stmt.order_by(Batch.sampled_on, Batch.id))]


def latest_results(session: Session, limit: int = 8) -> list[dict[str, Any]]:
    """The latest published results for the portal's home page (only published plans)."""
    ent = Organization.__table__.alias("ent")
    stmt = (select(Batch.id, Batch.plan_id, Batch.product_name, Batch.brand, Batch.final_verdict, ent.c.name,
                   Plan.published_at)
            .join(Plan, Plan.id == Batch.plan_id).join(ent, ent.c.id == Batch.enterprise_id)
            .where(Plan.status == "published", Batch.refused.is_(False), Batch.final_verdict.is_not(None))
            .order_by(Plan.published_at.desc(), Batch.final_verdict.desc(), Batch.id.desc()).limit(limit))
    return [{"id": r[0], "label": f"{r[3]} {r[2]}".strip(), "href": f"/spotchecks/{r[1]}", "note": r[5],
             "date": r[6], "tone": "ok" if r[4] == rules.PASS else "bad", "badge": r[4]}
            for r in session.execute(stmt)]


def latest_verdict(session: Session, product_id: int) -> InspectionRecord | None:
    """The latest final record of a product."""
    stmt = (_record_stmt().where(Batch.product_id == product_id, Batch.state.in_(("final", "published")))
            .order_by(Batch.sampled_on.desc(), Batch.id.desc()).limit(1))
    row = session.execute(stmt).first()
    return _record(row) if row else None


def result_rows(session: Session, *, since: dt.date | None = None) -> list[tuple[Any, ...]]:
    """(batch_id, final_verdict, category_id, region_code, enterprise_id, product_id, sampled_on, basis, plan_level,
    n_items, n_failed_items) — set-based, one query, for scans over millions of item results.

    The items counted are those of the final verdict (issue #14): after a verified re-test, the undisputed
    first-test items and the re-test's items (the disputed first-test items are superseded), exactly the merge
    `retest.merged_verdict` judges; before it, the first test."""
    retest_applied = Batch.state.in_(("retested", "final", "published"))
    counted = or_(and_(ItemResult.round == 0, ItemResult.superseded.is_(False)),
                  and_(ItemResult.round == 1, retest_applied))
    items = (select(ItemResult.batch_id.label("bid"), func.count().label("n"),
                    func.sum(case((ItemResult.verdict == rules.FAIL, 1), else_=0)).label("nf"))
             .join(Batch, Batch.id == ItemResult.batch_id)
             .where(counted).group_by(ItemResult.batch_id).subquery())
    final = case((Batch.state.in_(("final", "published")), Batch.final_verdict), else_=None)
    stmt = (select(Batch.id, final, Batch.category_id, Batch.region_code, Batch.enterprise_id, Batch.product_id,
                   Batch.sampled_on, Batch.basis, Plan.level, func.coalesce(items.c.n, 0), func.coalesce(items.c.nf, 0))
            .join(Plan, Plan.id == Batch.plan_id).outerjoin(items, items.c.bid == Batch.id)
            .where(Batch.sampled_on.is_not(None), Batch.refused.is_(False)))
    if since is not None:
        stmt = stmt.where(Batch.sampled_on >= since)
    return [tuple(r[:9]) + (int(r[9]), int(r[10])) for r in session.execute(stmt.order_by(Batch.id))]


def final_results(session: Session, *, since: dt.date | None = None) -> list[tuple[Any, ...]]:
    """(batch_id, final_verdict, category_id, region_code, enterprise_id, product_id, sampled_on, basis) of every
    batch with a final verdict (state final/published), ordered by batch id.

    The risk scan's read path (x failing batches of n): unlike `result_rows` it does not aggregate the item
    results (a GROUP BY over 10^6 rows the scan does not need), and it runs as a Core statement on the session's
    connection, so rows come back as plain tuples without the ORM's per-row loading."""
    session.flush()  # the Core statement below does not autoflush
    stmt = (select(Batch.id, Batch.final_verdict, Batch.category_id, Batch.region_code, Batch.enterprise_id,
                   Batch.product_id, Batch.sampled_on, Batch.basis)
            .where(Batch.state.in_(("final", "published")), Batch.final_verdict.is_not(None),
                   Batch.sampled_on.is_not(None), Batch.refused.is_(False)))
    if since is not None:
        stmt = stmt.where(Batch.sampled_on >= since)
    return list(map(tuple, session.connection().execute(stmt.order_by(Batch.id)).all()))

def dashboard_cards(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """Console home cards: what waits for this actor in the spot-check workflow."""
    def count(*states: str) -> int:
        stmt = visible_batches(session, actor, select(func.count()).select_from(Batch).where(Batch.state.in_(states)))
        if actor.role == "inspector":
            stmt = stmt.where(or_(Batch.lab_id == actor.organization_id, Batch.retest_lab_id == actor.organization_id))
        elif actor.role == "regulator":
            stmt = stmt.where(Batch.plan_id.in_(select(Plan.id).where(Plan.regulator_id == actor.organization_id)))
        return int(session.scalar(stmt) or 0)

    if actor.role == "inspector":
        cards = [("待收样", count("sampled"), "warn"), ("待录入结果", count("received"), "warn"),
                 ("待审核", count("tested"), "warn")]
    elif actor.role in ("regulator", "admin"):
        overdue = len(list_followups(session, actor, overdue_on=today()))
        cards = [("待抽样批次", count("planned"), ""), ("待告知企业", count("judged"), "warn"),
                 ("异议处理中", count("objected"), "warn"), ("逾期后处理", overdue, "bad" if overdue else "")]
    elif actor.role == "enterprise":
        cards = [("抽查结果待确认", count("notified"), "warn"), ("异议处理中", count("objected"), "")]
    else:
        return []
    return [{"label": label, "value": n, "href": "/console/spotcheck", "tone": tone} for label, n, tone in cards]


def readable_batches(session: Session, actor: Actor, ids: list[int]) -> set[int]:
    """Contract: which of these batches the actor may open (a risk signal's evidence links only those)."""
    wanted = sorted({int(i) for i in ids})[:2000]
    if not wanted:
        return set()
    rows = session.execute(select(Batch, Plan).join(Plan, Plan.id == Batch.plan_id).where(Batch.id.in_(wanted)))
    return {b.id for b, p in rows if can_read_batch(actor, b, p, session)}
