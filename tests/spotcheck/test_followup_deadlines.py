"""Follow-up deadlines (整改 / 复查, 《产品质量法》第十七条) on the platform calendar are flagged provisional (暂定)
when they rest on a year whose 放假安排 is not published (issue #14 leftover; docs/CALENDAR.md).

Finding before the fix: the objection window was flagged, but the follow-up steps' due dates were stored as
plain dates — a 30-day 整改 from 2026-12-20 (due 2027-01-19, a year the `chinesecalendar` package does not hold)
looked final, and importing the 2027 notice never recomputed it. Now each step keeps its start, its days and
the flag; `zhijian calendar provisional` lists it and `import_notice` recomputes (and settles) it.
"""

from __future__ import annotations

import datetime as dt

from tests.spotcheck.scenario import world
from tests.spotcheck.test_retest import BOTH_FAIL
from tests.spotcheck.test_workflow import _to_judged
from zhijian.platform import deadlines as platform_deadlines
from zhijian.platform.auth import Actor
from zhijian.platform.calendar import REST, WORK
from zhijian.spotcheck import deadlines, service
from zhijian.spotcheck.schemas import FollowUpDoneIn, FollowUpOut


def _notice_2027_csv() -> str:
    """The 2027 notice as an admin would type it — here the statutory days of the 2024 rules (《全国年节及纪念日放假
    办法》 Art. 2 and 6), since the State Council's notice for 2027 is not out yet."""
    notice = platform_deadlines.rule_preview(2027)
    lines = ["date,kind,name"] + [f"{e.day.isoformat()},{e.kind},{e.name}" for e in notice.days
                                  if e.kind in (REST, WORK)]
    return "\n".join(lines) + "\n"


def test_followup_deadlines_in_a_year_without_a_notice_are_provisional(fresh_db):
    db = fresh_db("sqlite")  # imports a calendar year: a database of its own
    with db.session() as s:
        w = world(s, n_products=1)
        service.draw_plan(s, w.regulator, w.plan_id, seed=5)
        b = service.list_batches(s, w.regulator, plan_id=w.plan_id)[0]
        _to_judged(s, w, b.id, BOTH_FAIL)
        service.notify(s, w.regulator, b.id, on=dt.date(2026, 12, 1), delivered_on=dt.date(2026, 12, 1))
        service.finalize(s, w.regulator, b.id, on=dt.date(2026, 12, 20))  # the window ended on 2026-12-16
        (rectify,) = service.list_followups(s, w.regulator, batch_id=b.id)
        # 30 days from 2026-12-20 (the start day not counted, 《民法典》第二百零一条): Tuesday 2027-01-19
        assert (rectify.step, rectify.due_on, rectify.due_provisional) == ("rectify", dt.date(2027, 1, 19), True)
        assert FollowUpOut.model_validate(rectify).due_provisional is True
        listed = [(p.entity, p.entity_id, p.kind) for p in deadlines.provisional_deadlines(s)]
        assert ("spotcheck_followup", rectify.id, "rectify") in listed
        service.complete_followup(s, w.regulator, rectify.id, FollowUpDoneIn(outcome="done",
                                                                               done_on=dt.date(2027, 1, 15)))
        recheck = next(f for f in service.list_followups(s, w.regulator, batch_id=b.id) if f.step == "recheck")
        # 30 days from 2027-01-15 end on Sunday 2027-02-14: the next working day, Monday 2027-02-15 (第二百零三条)
        assert (recheck.due_on, recheck.due_provisional) == (dt.date(2027, 2, 15), True)
        rid = recheck.id
    with db.session() as s:
        admin = Actor(None, "admin", "admin")
        result = platform_deadlines.import_notice(s, admin, _notice_2027_csv(), source="按法定假日规则录入（测试）",
                                                  year=2027)
        assert result.recomputed >= 1
    with db.session() as s:
        recheck = s.get(type(recheck), rid)
        assert recheck.due_provisional is False
        assert ("spotcheck_followup", rid) not in {(p.entity, p.entity_id) for p in deadlines.provisional_deadlines(s)}


def test_a_date_set_by_hand_is_not_provisional(db):
    from zhijian.spotcheck.schemas import FollowUpIn

    with db.session() as s:
        w = world(s, n_products=1)
        service.draw_plan(s, w.regulator, w.plan_id, seed=6)
        b = service.list_batches(s, w.regulator, plan_id=w.plan_id)[0]
        _to_judged(s, w, b.id, BOTH_FAIL)
        service.notify(s, w.regulator, b.id, on=dt.date(2026, 6, 1), delivered_on=dt.date(2026, 6, 1))
        service.finalize(s, w.regulator, b.id, on=dt.date(2026, 7, 1))
        (rectify,) = service.list_followups(s, w.regulator, batch_id=b.id)
        assert (rectify.due_on, rectify.due_provisional) == (dt.date(2026, 7, 31), False)  # 2026: published notice
        f = service.add_followup(s, w.regulator, b.id, FollowUpIn(step="summons", due_on=dt.date(2027, 3, 1)))
        assert (f.due_provisional, f.due_from) == (False, None)
