"""The daily inspection reminder (定期检验提醒): 30 days before the due date, on the day and once overdue, each owner
gets one message listing its units; each unit, due date and stage is reminded once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.equipment import rules
from zhijian.equipment.models import EquipmentReminder, EquipmentUnit
from zhijian.equipment.service.policy import today
from zhijian.platform.crud import flush
from zhijian.platform.rooms import offer


def reminder_stage(due_on: dt.date, on: dt.date) -> str | None:
    """due_soon (within 30 days: 特种设备安全法 第四十条, request the inspection a month before), due_today, overdue."""
    if due_on < on:
        return "overdue"
    if due_on == on:
        return "due_today"
    if (due_on - on).days <= rules.DUE_SOON_DAYS:
        return "due_soon"
    return None


STAGE_LABELS = {"due_soon": "30 日内到期", "due_today": "今日到期", "overdue": "已超期"}


class ReminderRun(TypedDict):
    """What a day's reminder did (the job's result): units reminded, owners concerned, owners notified, and the
    units per stage."""

    units: int
    owners: int
    notified: int
    due_soon: int
    due_today: int
    overdue: int


def send_reminders(session: Session, on: dt.date | None = None, *, chunk: int = 5000) -> ReminderRun:
    """The daily reminder: every owner with units entering a stage (30 days before, the due date, overdue) gets
    one inbox message and one mail listing them; each unit, due date and stage is reminded once."""
    day = on or today()
    rows = session.execute(select(EquipmentUnit.id, EquipmentUnit.code, EquipmentUnit.variety, EquipmentUnit.owner_id,
                                  EquipmentUnit.address, EquipmentUnit.next_due_on)
                           .where(EquipmentUnit.status.in_(("in_use", "stopped")),
                                  EquipmentUnit.next_due_on.is_not(None),
                                  EquipmentUnit.next_due_on <= day + dt.timedelta(days=rules.DUE_SOON_DAYS))
                           .order_by(EquipmentUnit.id)).all()
    sent: set[tuple[int, dt.date, str]] = set()
    ids = [r.id for r in rows]
    for i in range(0, len(ids), chunk):
        sent |= {(u, d, st) for u, d, st in session.execute(
            select(EquipmentReminder.unit_id, EquipmentReminder.due_on, EquipmentReminder.stage)
            .where(EquipmentReminder.unit_id.in_(ids[i:i + chunk])))}
    by_owner: dict[int, list[tuple[str, Any]]] = {}
    new: list[EquipmentReminder] = []
    for r in rows:
        stage = reminder_stage(r.next_due_on, day)
        if stage is None or (r.id, r.next_due_on, stage) in sent:
            continue
        new.append(EquipmentReminder(unit_id=r.id, due_on=r.next_due_on, stage=stage, owner_id=r.owner_id))
        by_owner.setdefault(r.owner_id, []).append((stage, r))
    session.add_all(new)
    flush(session, "equipment_reminder")
    notify = offer("consumer", "notify")
    mailed = 0
    if notify is not None:
        for owner_id, items in by_owner.items():
            counts = {st: sum(1 for s2, _ in items if s2 == st) for st in STAGE_LABELS}
            lines = [f"{STAGE_LABELS[st]}\t{r.code}\t{rules.VARIETIES.get(r.variety, r.variety)}\t下次检验 {r.next_due_on}"
                     f"\t{r.address}" for st, r in sorted(items, key=lambda x: (x[1].next_due_on, x[1].code))]
            summary = "，".join(f"{STAGE_LABELS[k]} {v} 台" for k, v in counts.items() if v)
            notify(session, kind="equipment.due", room="equipment", organization_id=owner_id,
                         subject=f"特种设备定期检验提醒：{summary}",
                         body="请在检验合格有效期届满前一个月向检验机构提出定期检验要求（特种设备安全法第四十条）；"
                              "未经定期检验或者检验不合格的特种设备，不得继续使用。\n" + "\n".join(lines),
                         link="/console/equipment")
            mailed += 1
    staged = {st: sum(1 for x in new if x.stage == st) for st in STAGE_LABELS}
    return {"units": len(new), "owners": len(by_owner), "notified": mailed, "due_soon": staged["due_soon"],
            "due_today": staged["due_today"], "overdue": staged["overdue"]}
