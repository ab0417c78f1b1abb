"""告知, 异议 and 复检 up to the final result (结果确定): the enterprise is notified, may object within the window
and have the disputed items re-tested by another lab; then the verdict becomes final and other rooms hear of it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.catalog.models import Product
from zhijian.platform.auth import Actor
from zhijian.platform.crud import added, flush
from zhijian.platform.db import lock_for_update
from zhijian.platform.errors import DomainError
from zhijian.platform.events import publish
from zhijian.spotcheck import retest, rules
from zhijian.spotcheck.models import (
    Batch,
    Objection,
    StateChange,
)
from zhijian.spotcheck.schemas import (
    ObjectionDecisionIn,
)
from zhijian.spotcheck.service.batches import get_batch, locked_batch, move_to
from zhijian.spotcheck.service.policy import deny, plan_of, require_plan_owner, today

RECTIFY_DAYS = 30  # default deadline of the first Art. 17 step (configurable per call)


# ---------------------------------------------------------------- notification, objection, re-test, final


def notify(session: Session, actor: Actor, batch_id: int, on: dt.date | None = None,
           delivered_on: dt.date | None = None) -> Batch:
    """告知 — send the result to the enterprise; the objection window (15 days by default) starts on delivery
    (送达, `delivered_on`, or later through `deadlines.record_delivery`), on the platform calendar."""
    from zhijian.spotcheck import deadlines as clocks

    batch = locked_batch(session, actor, batch_id)
    plan = plan_of(session, batch)
    require_plan_owner(actor, plan)
    move_to(session, actor, batch, "notified")
    batch.notified_on = on or today()
    clocks.start_objection_window(session, batch, plan, delivered_on, max(today(), batch.notified_on))
    flush(session, "batch")
    return batch


def submit_objection(session: Session, actor: Actor, batch_id: int, reason: str, on: dt.date | None = None,
                     items: list[str] | None = None) -> Objection:
    """异议 — the enterprise disputes the result within the window and asks for a re-test of the reserve sample.

    The objection names the disputed items (default: the failing ones); only these are re-tested, and the
    re-test conclusion is final: a batch takes one objection."""
    batch = locked_batch(session, actor, batch_id)
    actor.require("enterprise")
    if actor.role != "admin" and not actor.owns(batch.enterprise_id):
        raise deny("只能对本企业的抽查结果提出异议", "you may only object to your own enterprise's results")
    retest.refuse_second_objection(session, batch)
    disputed = retest.disputed_for(session, batch, items)
    day = on or today()
    if batch.state == "notified" and batch.objection_deadline and day > batch.objection_deadline:
        raise DomainError("spotcheck.objection_late", f"异议期限已于 {batch.objection_deadline} 届满",
                          f"the objection period ended on {batch.objection_deadline}", status=409)
    move_to(session, actor, batch, "objected", f"{reason}（异议项目：{'、'.join(disputed)}）"[:500])
    obj = Objection(batch_id=batch.id, reason=reason, submitted_by=actor.label, items=disputed)
    return added(session, obj, "objection")


def decide_objection(session: Session, actor: Actor, batch_id: int, data: ObjectionDecisionIn) -> Objection:
    """受理或驳回异议 — accepted: another lab re-tests the reserve sample; rejected: the result becomes final."""
    batch = locked_batch(session, actor, batch_id)
    require_plan_owner(actor, plan_of(session, batch))
    obj = session.scalar(select(Objection).where(Objection.batch_id == batch.id))
    if obj is not None:
        locked = lock_for_update(session, Objection, obj.id)
        obj = locked if isinstance(locked, Objection) else None
    if obj is None or obj.status != "submitted" or batch.state != "objected":
        current = obj.status if obj is not None else batch.state
        raise DomainError("spotcheck.no_pending_objection", f"没有待处理的异议（当前：{current}）",
                          f"there is no pending objection (current: {current})", status=409,
                          extra={"current": current, "target": "accepted" if data.accept else "rejected"})
    obj.decided_at, obj.decision_note = dt.datetime.now(dt.UTC), data.note
    if data.accept:
        # drawn at random from the labs qualified for the category's field (never the first lab)
        lab = retest.choose_lab(session, batch, obj, data.retest_lab_id)
        obj.status, obj.retest_lab_id = "accepted", lab.id
        batch.retest_lab_id = lab.id
        how = "指定" if data.retest_lab_id else f"随机抽取（种子 {obj.retest_seed}）"
        session.add(StateChange(batch_id=batch.id, from_state="objected", to_state="objected", actor=actor.label,
                                note=f"异议受理，复检项目：{'、'.join(obj.items or [])}；复检机构（{how}）{lab.name}"[:500]))
        flush(session, "objection")
        return obj
    obj.status = "rejected"
    flush(session, "objection")
    finalize(session, actor, batch.id, note="异议驳回")
    return obj


def finalize(session: Session, actor: Actor, batch_id: int, *, on: dt.date | None = None, note: str = "",
             rectify_days: int = RECTIFY_DAYS) -> Batch:
    """结果确定 — after the objection window, or after the re-test (the final verdict takes the re-test)."""
    batch = locked_batch(session, actor, batch_id)
    require_plan_owner(actor, plan_of(session, batch))
    day = on or today()
    retested = batch.state == "retested"
    from zhijian.spotcheck import deadlines as clocks

    clocks.check_window_closed(batch, day, batch.verdict == rules.FAIL)
    if batch.state == "objected":
        obj = session.scalar(select(Objection).where(Objection.batch_id == batch.id))
        if obj is None or obj.status != "rejected":
            raise DomainError("spotcheck.objection_pending", "异议尚未处理完毕", "the objection is not settled", status=409,
                              extra={"current": obj.status if obj is not None else batch.state, "target": "final"})
    move_to(session, actor, batch, "final", note)
    if retested:  # the undisputed first-test results stay; the disputed items take the re-test's
        bv, _disputed = retest.merged_verdict(session, batch, session.scalar(
            select(Objection).where(Objection.batch_id == batch.id)))
        batch.final_verdict = bv.verdict
        batch.failing_items, batch.safety_failure = bv.failing_items, bv.safety_failure
    else:
        batch.final_verdict = batch.verdict
    batch.final_on = day
    if batch.final_verdict == rules.FAIL:
        clocks.new_followup(session, batch, "rectify", day, rectify_days, "责令限期整改（产品质量法第十七条）")
    flush(session, "batch")
    product = session.get(Product, batch.product_id) if batch.product_id else None
    publish(session, "spotcheck.verdict_final", {
        "batch_id": batch.id, "product_id": batch.product_id, "enterprise_id": batch.enterprise_id,
        "verdict": batch.final_verdict, "failing_items": list(batch.failing_items or []), "report_no": batch.report_no,
        "gtin": product.gtin if product else None, "lot": batch.lot})
    return batch


def objection_of(session: Session, actor: Actor, batch_id: int) -> Objection | None:
    get_batch(session, actor, batch_id)
    return session.scalar(select(Objection).where(Objection.batch_id == batch_id))
