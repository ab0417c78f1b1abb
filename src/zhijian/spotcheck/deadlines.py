"""Clocks of a spot check on the platform's one deadline service (期限).

* 异议期 — an enterprise that disputes the result may apply for a re-test within 15 days of *receiving* it
  (《产品质量法》第十五条: 自收到检验结果之日起十五日内): the window runs from the delivery date (送达), recorded
  separately from the date the notice was issued, counted in calendar days from the day after delivery
  (《民法典》第二百零一条) and, when its last day is a rest day, ending on the next working day (第二百零三条).
  The number of days is the plan's `objection_days` (15 by default).
* A window computed on a year without a published 放假安排 is marked provisional and recomputed when the notice is
  imported (`recompute_provisional_deadlines`, called by `zhijian.platform.deadlines.import_notice`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.platform import deadlines
from zhijian.platform.auth import Actor
from zhijian.platform.calendar import Deadline
from zhijian.platform.crud import flush
from zhijian.platform.errors import DomainError
from zhijian.spotcheck.models import Batch, FollowUp, Plan

OBJECTION_BASIS = "《产品质量法》第十五条：自收到检验结果之日起"


def objection_window(session: Session, delivered_on: dt.date, days: int) -> Deadline:
    """The last day to object: `days` calendar days from delivery, moved off a rest day (《民法典》第二百零三条)."""
    d = deadlines.calendar_days(session, delivered_on, days)
    return Deadline(d.due, d.provisional, f"{OBJECTION_BASIS}{d.basis}")


def _check_delivery(batch: Batch, delivered_on: dt.date, today: dt.date) -> None:
    if batch.notified_on is not None and delivered_on < batch.notified_on:
        raise DomainError("spotcheck.delivered_before_notice",
                          f"送达日期 {delivered_on} 早于告知日期 {batch.notified_on}",
                          f"the delivery date {delivered_on} is before the notice date {batch.notified_on}",
                          field="delivered_on")
    if delivered_on > today:
        raise DomainError("spotcheck.delivered_in_future", f"送达日期 {delivered_on} 晚于今天",
                          f"the delivery date {delivered_on} is in the future", field="delivered_on")


def start_objection_window(session: Session, batch: Batch, plan: Plan, delivered_on: dt.date | None,
                           today: dt.date) -> None:
    """Set the delivery date and the window on a notified batch; without a delivery date the window has not
    started (no deadline yet: the result cannot be made final while a failing one awaits delivery)."""
    if delivered_on is None:
        batch.delivered_on = None
        batch.objection_deadline = None
        batch.objection_deadline_provisional = False
        return
    _check_delivery(batch, delivered_on, today)
    d = objection_window(session, delivered_on, plan.objection_days)
    batch.delivered_on = delivered_on
    batch.objection_deadline = d.due
    batch.objection_deadline_provisional = d.provisional


def record_delivery(session: Session, actor: Actor, batch_id: int, delivered_on: dt.date) -> Batch:
    """登记送达 — the enterprise received the result on `delivered_on`: the objection window starts then."""
    from zhijian.spotcheck import service

    batch = service.locked_batch(session, actor, batch_id)
    plan = service.plan_of(session, batch)
    service.require_plan_owner(actor, plan)
    if batch.state != "notified":
        raise DomainError("spotcheck.not_notified", "只有已告知、尚未提出异议的批次可以登记送达",
                          "a delivery date is recorded only for a notified batch without an objection", status=409,
                          field="delivered_on", extra={"current": batch.state})
    start_objection_window(session, batch, plan, delivered_on, service.today())
    flush(session, "batch")
    return batch


def check_window_closed(batch: Batch, day: dt.date, failing: bool) -> None:
    """Refuse to make a failing result final before delivery is recorded or while the objection window runs."""
    if batch.state != "notified" or not failing:
        return
    if batch.delivered_on is None or batch.objection_deadline is None:
        raise DomainError("spotcheck.not_delivered", "检验结果尚未登记送达，异议期未开始，不能确定结果",
                          "the result's delivery is not recorded: the objection period has not started",
                          status=409, field="delivered_on")
    if day <= batch.objection_deadline:
        raise DomainError("spotcheck.objection_window_open", f"异议期至 {batch.objection_deadline}，期满后方可确定结果",
                          f"the objection period runs until {batch.objection_deadline}", status=409)


# ---------------------------------------------------------------------------------------------- platform hooks


def provisional_deadlines(session: Session) -> list[deadlines.ProvisionalDeadline]:
    rows = session.execute(select(Batch.id, Batch.objection_deadline, Batch.delivered_on, Plan.objection_days)
                           .join(Plan, Plan.id == Batch.plan_id)
                           .where(Batch.objection_deadline_provisional.is_(True)).order_by(Batch.id))
    out = [deadlines.ProvisionalDeadline("spotcheck", "spotcheck_batch", r.id, "objection", r.objection_deadline,
                                         f"自{r.delivered_on}送达起{r.objection_days}日") for r in rows]
    steps = session.execute(select(FollowUp.id, FollowUp.step, FollowUp.due_on, FollowUp.due_from, FollowUp.due_days)
                            .where(FollowUp.due_provisional.is_(True), FollowUp.done_on.is_(None))
                            .order_by(FollowUp.id))
    out += [deadlines.ProvisionalDeadline("spotcheck", "spotcheck_followup", r.id, r.step, r.due_on,
                                          f"自{r.due_from}起{r.due_days}日") for r in steps]
    return out


def recompute_provisional_deadlines(session: Session) -> int:
    """Recompute every provisional objection window on the current calendar; returns how many changed or settled."""
    changed = 0
    stmt = (select(Batch, Plan.objection_days).join(Plan, Plan.id == Batch.plan_id)
            .where(Batch.objection_deadline_provisional.is_(True), Batch.delivered_on.is_not(None)))
    for batch, days in session.execute(stmt).all():
        if batch.delivered_on is None:  # excluded by the query; narrows the type
            continue
        d = objection_window(session, batch.delivered_on, days)
        if (d.due, d.provisional) != (batch.objection_deadline, batch.objection_deadline_provisional):
            batch.objection_deadline, batch.objection_deadline_provisional = d.due, d.provisional
            changed += 1
    for f in session.scalars(select(FollowUp).where(FollowUp.due_provisional.is_(True), FollowUp.done_on.is_(None),
                                                    FollowUp.due_from.is_not(None), FollowUp.due_days.is_not(None))):
        d = followup_deadline(session, f.due_from, f.due_days)  # type: ignore[arg-type]
        if (d.due, d.provisional) != (f.due_on, f.due_provisional):
            f.due_on, f.due_provisional = d.due, d.provisional
            changed += 1
    if changed:
        flush(session, "batch")
    return changed


def followup_deadline(session: Session, start: dt.date, days: int) -> Deadline:
    """The deadline of a follow-up step (整改, 复查 …): `days` calendar days after `start`, moved off a rest day
    (《民法典》第二百零三条) on the platform calendar — provisional when it rests on a year without a notice."""
    return deadlines.calendar_days(session, start, days)


def followup_due(session: Session, start: dt.date, days: int) -> dt.date:
    return followup_deadline(session, start, days).due


def new_followup(session: Session, batch: Batch, step: str, start: dt.date, days: int, note: str) -> FollowUp:
    """A follow-up step whose deadline is counted on the calendar, with its provisional flag (issue #14)."""
    d = followup_deadline(session, start, days)
    f = FollowUp(batch_id=batch.id, enterprise_id=batch.enterprise_id, step=step, due_on=d.due, due_from=start,
                 due_days=days, due_provisional=d.provisional, note=note)
    session.add(f)
    return f
