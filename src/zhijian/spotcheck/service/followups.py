"""后处理 (PQL Art. 17): the steps after a final 不合格 — rectification, re-check, announcement or suspension,
revocation — each with its deadline; overdue steps are the regulator's work queue."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.platform.auth import Actor
from zhijian.platform.crud import added, flush, get_or_404
from zhijian.platform.db import lock_for_update
from zhijian.platform.errors import Conflict, DomainError
from zhijian.spotcheck import rules
from zhijian.spotcheck.models import (
    Batch,
    FollowUp,
)
from zhijian.spotcheck.schemas import (
    FollowUpDoneIn,
    FollowUpIn,
)
from zhijian.spotcheck.service.batches import locked_batch
from zhijian.spotcheck.service.policy import jurisdiction_prefix, plan_of, require_plan_owner, today, visible_batches

# ---------------------------------------------------------------- follow-up (后处理, PQL Art. 17)

NEXT_STEP = {"rectify": "recheck", "recheck": "announce", "announce": "suspend", "suspend": "revoke"}
STEP_ZH = {"rectify": "责令限期整改", "recheck": "复查", "announce": "公告", "suspend": "责令停业整顿",
           "revoke": "吊销营业执照", "summons": "约谈"}


def add_followup(session: Session, actor: Actor, batch_id: int, data: FollowUpIn) -> FollowUp:
    batch = locked_batch(session, actor, batch_id)
    require_plan_owner(actor, plan_of(session, batch))
    if batch.final_verdict != rules.FAIL:
        raise DomainError("spotcheck.no_followup", "只有最终不合格的批次需要后处理", "only non-conforming batches are followed up",
                          status=409)
    plan = plan_of(session, batch)
    if data.step == "announce" and plan.level not in rules.ANNOUNCING_LEVELS:
        raise DomainError("spotcheck.no_announcement", f"{rules.LEVEL_ZH[plan.level]}计划没有公告步骤（产品质量法第十七条：由省级以上部门公告）",
                          f"a {plan.level} plan has no announcement step (PQL Art. 17: provincial level and above)",
                          field="step", status=409)
    f = FollowUp(batch_id=batch.id, enterprise_id=batch.enterprise_id, step=data.step, due_on=data.due_on, note=data.note)
    return added(session, f, "followup")


def complete_followup(session: Session, actor: Actor, followup_id: int, data: FollowUpDoneIn,
                      next_due_days: int = 30) -> FollowUp:
    """Close a step; a re-check still non-conforming opens the next Art. 17 step with its deadline."""
    f = get_or_404(session, FollowUp, followup_id, "followup")
    batch = locked_batch(session, actor, f.batch_id)  # one step closes once (and opens its next step once)
    f = lock_for_update(session, FollowUp, followup_id)
    assert isinstance(f, FollowUp)
    require_plan_owner(actor, plan_of(session, batch))
    if f.done_on is not None:
        raise Conflict("spotcheck.followup_done", "该后处理步骤已完成", "this follow-up step is already done",
                       extra={"current": "done", "target": "done"})
    f.done_on, f.outcome, f.note = data.done_on or today(), data.outcome, (f.note + "\n" + data.note).strip()
    nxt = None
    if f.step == "rectify":
        nxt = "recheck"
    elif f.step == "recheck" and data.outcome == "non_conforming":
        # PQL Art. 17: 公告 by provincial and higher regulators only; county and city plans go on to 停业整顿
        nxt = "announce" if plan_of(session, batch).level in rules.ANNOUNCING_LEVELS else "suspend"
    elif f.step in ("announce", "suspend") and data.outcome == "non_conforming":
        nxt = NEXT_STEP[f.step]
    if nxt:
        from zhijian.spotcheck import deadlines as clocks

        clocks.new_followup(session, batch, nxt, f.done_on, next_due_days, STEP_ZH[nxt])
    flush(session, "followup")
    return f


def list_followups(session: Session, actor: Actor, *, overdue_on: dt.date | None = None,
                   batch_id: int | None = None) -> list[FollowUp]:
    """后处理清单; with overdue_on, only open steps past their deadline (逾期)."""
    stmt = select(FollowUp).order_by(FollowUp.due_on, FollowUp.id)
    if actor.role == "enterprise":
        stmt = stmt.where(FollowUp.enterprise_id == actor.organization_id)
    else:
        actor.require("regulator")
        if actor.role == "regulator" and jurisdiction_prefix(session, actor) is not None:  # within the jurisdiction
            stmt = stmt.where(FollowUp.batch_id.in_(visible_batches(session, actor, select(Batch.id))))
    if overdue_on is not None:
        stmt = stmt.where(FollowUp.done_on.is_(None), FollowUp.due_on < overdue_on)
    if batch_id is not None:
        stmt = stmt.where(FollowUp.batch_id == batch_id)
    return list(session.scalars(stmt))
