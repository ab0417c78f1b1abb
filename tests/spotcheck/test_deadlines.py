"""Spot-check clocks on the platform deadline service, on every database.

Sources quoted:
- 《产品质量法》第十五条: 生产者、销售者对抽查检验的结果有异议的，可以自收到检验结果之日起十五日内向实施监督抽查的
  市场监督管理部门或者其上级市场监督管理部门申请复检 — the window runs from receipt (送达), not from the notice.
- 《民法典》第二百零一条 (the start day not counted) and 第二百零三条: 期间的最后一日是法定休假日的，以法定休假日结束的
  次日为期间的最后一日。
- 国务院办公厅关于2026年部分节假日安排的通知: 10月1日至7日放假调休 (held by the chinesecalendar package).
- 《全国年节及纪念日放假办法》（2024）第二条 (国庆节 10月1日至3日) and 第六条 (weekend holidays made up: 补假) for 2027.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from tests import factories
from tests.conftest import BACKENDS
from tests.platform.test_deadlines import NOTICE_2027_FULL
from tests.spotcheck.scenario import world
from zhijian.platform import deadlines
from zhijian.platform.auth import SYSTEM
from zhijian.platform.errors import DomainError
from zhijian.spotcheck import deadlines as clocks
from zhijian.spotcheck import service
from zhijian.spotcheck.models import Batch

D = dt.date


def _judged_failing(s, w) -> Batch:  # type: ignore[no-untyped-def]
    """A batch judged 不合格 (set directly: the judgement itself is tested elsewhere)."""
    service.draw_plan(s, w.regulator, w.plan_id, seed=11)
    b = s.get(Batch, service.list_batches(s, w.regulator, plan_id=w.plan_id)[0].id)
    b.state, b.verdict, b.failing_items = "judged", "不合格", ["铅(以Pb计)"]
    s.flush()
    return b


def _ent(w, b):  # type: ignore[no-untyped-def]
    return next(a for a in w.ent_actors if a.organization_id == b.enterprise_id)


def test_objection_window_notified_2026_09_16_ends_after_national_day(db):
    # Finding: delivered 2026-09-16, 15 days end on 2026-10-01 (国庆节); Art. 203 → the first working day after the
    # holiday, 2026-10-08 (the 2026 notice gives 10-01..10-07 off). The old code ended the window on 10-01.
    with db.session() as s:
        w = world(s, n_products=1)
        b = _judged_failing(s, w)
        service.notify(s, w.regulator, b.id, on=D(2026, 9, 16), delivered_on=D(2026, 9, 16))
        assert (b.notified_on, b.delivered_on, b.objection_deadline) == (D(2026, 9, 16), D(2026, 9, 16), D(2026, 10, 8))
        assert b.objection_deadline_provisional is False
        with pytest.raises(DomainError) as e:  # still inside the window on 10-08
            service.finalize(s, w.regulator, b.id, on=D(2026, 10, 8))
        assert e.value.code == "spotcheck.objection_window_open"
        # an objection on 10-08 is in time (the old code refused it as late)
        service.submit_objection(s, _ent(w, b), b.id, "对铅含量结果有异议，申请复检备样", on=D(2026, 10, 8))
        assert b.state == "objected"


def test_objection_window_starts_on_delivery_not_on_the_notice(db):
    # Finding: the clock started on the day the notice was recorded. Notice 2026-06-01, delivered 2026-06-05:
    # 15 days → 2026-06-20, a Saturday → Monday 2026-06-22.
    with db.session() as s:
        w = world(s, n_products=1)
        b = _judged_failing(s, w)
        service.notify(s, w.regulator, b.id, on=D(2026, 6, 1))
        assert (b.delivered_on, b.objection_deadline) == (None, None)  # not delivered: the window has not started
        with pytest.raises(DomainError) as e:
            service.finalize(s, w.regulator, b.id, on=D(2026, 8, 1))
        assert e.value.code == "spotcheck.not_delivered" and e.value.message_en
        with pytest.raises(DomainError) as e:
            clocks.record_delivery(s, w.regulator, b.id, D(2026, 5, 31))
        assert (e.value.code, e.value.field) == ("spotcheck.delivered_before_notice", "delivered_on")
        with pytest.raises(DomainError) as e:
            clocks.record_delivery(s, w.regulator, b.id, service.today() + dt.timedelta(days=1))
        assert e.value.code == "spotcheck.delivered_in_future"
        assert b.objection_deadline is None  # refusals change nothing
        clocks.record_delivery(s, w.regulator, b.id, D(2026, 6, 5))
        assert (b.delivered_on, b.objection_deadline) == (D(2026, 6, 5), D(2026, 6, 22))
        with pytest.raises(DomainError) as e:
            service.finalize(s, w.regulator, b.id, on=D(2026, 6, 22))
        assert e.value.code == "spotcheck.objection_window_open"
        with pytest.raises(DomainError) as e:  # a late objection counts from delivery too
            service.submit_objection(s, _ent(w, b), b.id, "迟到的异议", on=D(2026, 6, 23))
        assert e.value.code == "spotcheck.objection_late"
        final = service.finalize(s, w.regulator, b.id, on=D(2026, 6, 23))
        assert final.state == "final"
        with pytest.raises(DomainError) as e:
            clocks.record_delivery(s, w.regulator, b.id, D(2026, 6, 6))
        assert e.value.code == "spotcheck.not_notified"


@pytest.mark.parametrize("backend", BACKENDS)
def test_provisional_window_across_national_day_2027_is_recomputed_on_import(backend, fresh_db):
    # Delivered 2027-09-16: 15 days → 2027-10-01. No 2027 notice: by rule 10-01..10-03 are holidays and 10-02/10-03
    # (Sat/Sun) are made up on 10-04/10-05 (Art. 6), so the window ends 2027-10-06, provisional. The (test) notice
    # with 10-01..10-07 off moves it to 2027-10-08 and settles it.
    db = fresh_db(backend)
    with db.session() as s:
        w = world(s, n_products=1)
        b = _judged_failing(s, w)
        service.notify(s, w.regulator, b.id, on=D(2027, 9, 16), delivered_on=D(2027, 9, 16))
        assert (b.objection_deadline, b.objection_deadline_provisional) == (D(2027, 10, 6), True)
        bid = b.id
    with db.session() as s:
        listed = deadlines.provisional_deadlines(s)
        assert [(d.room, d.entity_id, d.kind, d.due) for d in listed] == [("spotcheck", bid, "objection", D(2027, 10, 6))]
    with db.session(SYSTEM) as s:
        res = deadlines.import_notice(s, SYSTEM, NOTICE_2027_FULL, source="测试", year=2027)
        assert res.recomputed == 1
    with db.session() as s:
        b = s.get(Batch, bid)
        assert (b.objection_deadline, b.objection_deadline_provisional) == (D(2027, 10, 8), False)
        assert deadlines.provisional_deadlines(s) == []


TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def test_api_notify_with_delivery_and_record_delivery_later(client, db, login):
    with db.session() as s:
        reg = factories.regulator(s)
        w = world(s, n_products=2, reg=reg)
        service.draw_plan(s, w.regulator, w.plan_id, seed=3)
        ids = [b.id for b in service.list_batches(s, w.regulator, plan_id=w.plan_id)]
        for bid in ids:
            b = s.get(Batch, bid)
            b.state, b.verdict = "judged", "不合格"
    headers = login("regulator", reg)
    base = "/api/v1/spotcheck/batches"
    r = client.post(f"{base}/{ids[0]}/notify", json={"on": "2026-09-16", "delivered_on": "2026-09-16"}, headers=headers)
    assert r.status_code == 200, r.text
    assert (r.json()["delivered_on"], r.json()["objection_deadline"]) == ("2026-09-16", "2026-10-08")
    assert r.json()["objection_deadline_provisional"] is False
    r = client.post(f"{base}/{ids[1]}/notify", json={"on": "2026-09-10"}, headers=headers)
    assert r.status_code == 200 and r.json()["objection_deadline"] is None
    r = client.post(f"{base}/{ids[1]}/delivery", json={"delivered_on": "2026-09-01"}, headers=headers)
    assert r.status_code == 422 and r.json()["code"] == "spotcheck.delivered_before_notice"
    assert r.headers["content-type"].startswith("application/problem+json")
    r = client.post(f"{base}/{ids[1]}/delivery", json={"delivered_on": "2026-09-31"}, headers=headers)
    assert r.status_code == 422
    r = client.post(f"{base}/{ids[1]}/delivery", json={"delivered_on": "2026-09-12"}, headers=headers)
    assert r.status_code == 200 and r.json()["objection_deadline"] == "2026-09-28"  # 09-27 is a Sunday
    with db.session() as s:
        assert s.get(Batch, ids[1]).delivered_on == D(2026, 9, 12)


def test_console_notify_form_records_the_delivery_date(client, db):
    from tests.spotcheck.scenario import real_user
    from tests.spotcheck.test_pages import _login

    with db.session() as s:
        w = world(s, n_products=2)
        service.draw_plan(s, w.regulator, w.plan_id, seed=5)
        ids = [b.id for b in service.list_batches(s, w.regulator, plan_id=w.plan_id)]
        for bid in ids:
            b = s.get(Batch, bid)
            b.state, b.verdict = "judged", "不合格"
        username = real_user(s, w.regulator).username
    token = _login(client, username)
    page = client.get(f"/console/spotcheck/batches/{ids[0]}")
    assert 'name="delivered_on" type="date"' in page.text
    r = client.post(f"/console/spotcheck/batches/{ids[0]}/action",
                    data={"csrf_token": token, "action": "notify", "notified_on": "2026-09-16",
                          "delivered_on": "2026-09-16"}, follow_redirects=False)
    assert r.status_code == 303
    with db.session() as s:
        b = s.get(Batch, ids[0])
        assert (b.delivered_on, b.objection_deadline) == (D(2026, 9, 16), D(2026, 10, 8))
    # notified without a delivery date: the page offers 登记送达; a bad date is refused in place, nothing stored
    r = client.post(f"/console/spotcheck/batches/{ids[1]}/action",
                    data={"csrf_token": token, "action": "notify", "delivered_on": ""}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(f"/console/spotcheck/batches/{ids[1]}")
    assert "登记送达" in page.text
    bad = client.post(f"/console/spotcheck/batches/{ids[1]}/action",
                      data={"csrf_token": token, "action": "deliver", "delivered_on": "2026-02-30"})
    assert bad.status_code == 422 and "日期「2026-02-30」无效" in bad.text
    ok = client.post(f"/console/spotcheck/batches/{ids[1]}/action",
                     data={"csrf_token": token, "action": "deliver", "delivered_on": service.today().isoformat()},
                     follow_redirects=False)
    assert ok.status_code == 303
    with db.session() as s:
        b = s.get(Batch, ids[1])
        assert b.delivered_on == service.today() and b.objection_deadline is not None


def test_followup_deadlines_end_off_holidays(db):
    # 责令限期整改 (《产品质量法》第十七条) with 30 days from 2026-09-01 ends on 2026-10-01 (国庆节): the period ends on
    # the first working day after the holiday, 2026-10-08 (《民法典》第二百零三条); the old code gave 2026-10-01.
    from zhijian.spotcheck.models import FollowUp
    from zhijian.spotcheck.schemas import FollowUpDoneIn

    with db.session() as s:
        w = world(s, n_products=1)
        b = _judged_failing(s, w)
        service.notify(s, w.regulator, b.id, on=D(2026, 8, 1), delivered_on=D(2026, 8, 1))
        assert b.objection_deadline == D(2026, 8, 17)  # 08-16 is a Sunday
        service.finalize(s, w.regulator, b.id, on=D(2026, 9, 1), rectify_days=30)
        f = s.scalars(select(FollowUp).where(FollowUp.batch_id == b.id)).one()
        assert (f.step, f.due_on) == ("rectify", D(2026, 10, 8))
        service.complete_followup(s, w.regulator, f.id, FollowUpDoneIn(done_on=D(2026, 9, 6), outcome="done"),
                                  next_due_days=30)  # 09-06 + 30 = 10-06 (holiday) → 10-08
        nxt = s.scalars(select(FollowUp).where(FollowUp.batch_id == b.id, FollowUp.step == "recheck")).one()
        assert nxt.due_on == D(2026, 10, 8)
