"""The console pages that run a plan in the browser (issue 9): new-plan form, 双随机 draw, sampling — through the
real app with a real login cookie and CSRF token."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests import factories
from tests.spotcheck.scenario import real_user, world
from zhijian.catalog.models import Organization
from zhijian.spotcheck import service
from zhijian.spotcheck.models import Batch, Plan, PlanCategory, PlanLab

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


def _login(client, username: str) -> str:  # type: ignore[no-untyped-def]
    """Log in through the login form; returns a CSRF token for the session."""
    r = client.get("/login")
    r = client.post("/login", data={"csrf_token": TOKEN.search(r.text).group(1), "username": username,
                                    "password": "correct horse 1", "next": "/console"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return TOKEN.search(client.get("/console").text).group(1)


def _plan_form(w, uid: str, **over: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    data: dict[str, object] = {
        "code": f"P-{uid}", "title": f"2026年液体乳监督抽查{uid}", "year": "2026", "level": "provincial",
        "period_start": "2026-03-01", "period_end": "2026-10-31", "basis": "random", "decision_rule": "simple",
        "objection_days": "15", "cat_0": str(w.category_id), "target_0": "2", "std_0": [str(w.standard_id)],
        "lab_ids": [str(w.lab_a)]}
    return data | over


def test_regulator_creates_a_plan_with_errors_in_place_then_draws_it(client, db):
    uid = factories.uid()
    with db.session() as s:
        w = world(s, n_products=3)
        reg = real_user(s, w.regulator).username
        lab_name = s.get(Organization, w.lab_a).name
    token = _login(client, reg)
    assert 'href="/console/spotcheck/plans/new"' in client.get("/console/spotcheck").text
    form = client.get("/console/spotcheck/plans/new")
    assert form.status_code == 200 and 'name="cat_0"' in form.text and 'name="lab_ids"' in form.text
    # empty title, the period ending before it starts: the form comes back, the errors next to their fields
    r = client.post("/console/spotcheck/plans/new", data={"csrf_token": token, **_plan_form(w, uid, title="")})
    assert r.status_code == 422
    assert re.search(r'id="title"[^>]*aria-invalid="true"', r.text) and 'id="title-error"' in r.text
    r = client.post("/console/spotcheck/plans/new", data={
        "csrf_token": token, **_plan_form(w, uid, period_end="2026-01-31")})
    assert r.status_code == 422 and 'id="period_end-error"' in r.text and "抽查期间结束早于开始" in r.text
    assert f'value="P-{uid}"' in r.text  # what was typed stays
    r = client.post("/console/spotcheck/plans/new", data={"csrf_token": token, **_plan_form(w, uid, lab_ids=[])})
    assert r.status_code == 422 and 'id="lab_ids-error"' in r.text
    with db.session() as s:
        assert s.scalar(select(Plan.id).where(Plan.code == f"P-{uid}")) is None  # nothing half-written
    r = client.post("/console/spotcheck/plans/new", data={"csrf_token": token, **_plan_form(w, uid)},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    plan_id = int(r.headers["location"].rsplit("/", 1)[1])
    with db.session() as s:
        plan = s.get(Plan, plan_id)
        assert (plan.title, plan.level, plan.status, str(plan.period_end)) == (
            f"2026年液体乳监督抽查{uid}", "provincial", "draft", "2026-10-31")
        pc = s.scalars(select(PlanCategory).where(PlanCategory.plan_id == plan_id)).one()
        assert (pc.category_id, pc.target_batches, pc.standard_ids) == (w.category_id, 2, [w.standard_id])
        assert list(s.scalars(select(PlanLab.lab_id).where(PlanLab.plan_id == plan_id))) == [w.lab_a]
    page = client.get(f"/console/spotcheck/plans/{plan_id}")
    assert f'action="/console/spotcheck/plans/{plan_id}/draw" data-confirm=' in page.text
    # without the browser's confirmation the server asks first, and nothing is drawn yet
    r = client.post(f"/console/spotcheck/plans/{plan_id}/draw", data={"csrf_token": token, "seed": "11"})
    assert r.status_code == 200 and 'name="confirmed" value="1"' in r.text and 'name="seed" value="11"' in r.text
    with db.session() as s:
        assert s.scalar(select(Batch.id).where(Batch.plan_id == plan_id)) is None
    r = client.post(f"/console/spotcheck/plans/{plan_id}/draw",
                    data={"csrf_token": token, "seed": "11", "confirmed": "1"}, follow_redirects=False)
    assert r.status_code == 303
    with db.session() as s:
        batches = list(s.scalars(select(Batch).where(Batch.plan_id == plan_id)))
        assert len(batches) == 2 and {b.lab_id for b in batches} == {w.lab_a}
        ent_names = [s.get(Organization, b.enterprise_id).name for b in batches]
        assert s.get(Plan, plan_id).status == "issued"
    page = client.get(f"/console/spotcheck/plans/{plan_id}").text
    assert "<code>11</code>" in page and "抽取与匹配结果" in page and lab_name in page
    assert all(n in page for n in ent_names) and "开始抽取" not in page  # drawn once, no second button
    r = client.post(f"/console/spotcheck/plans/{plan_id}/draw", data={"csrf_token": token, "confirmed": "1"})
    assert r.status_code == 409  # a draw is irreversible


def test_lab_records_sampling_and_a_refusal(client, db):
    with db.session() as s:
        w = world(s, n_products=2)
        service.draw_plan(s, w.regulator, w.plan_id, seed=7)
        ids = [b.id for b in service.list_batches(s, w.regulator, plan_id=w.plan_id)]
        lab = real_user(s, w.inspectors_a[0]).username
    token = _login(client, lab)
    assert f'href="/console/spotcheck/batches/{ids[0]}/sampling"' in client.get(f"/console/spotcheck/batches/{ids[0]}").text
    good = {"csrf_token": token, "lot": "20260501A", "production_date": "2026-05-01", "sampled_on": "2026-05-12",
            "place": "杭州市某超市", "place_kind": "market", "samplers": ["王抽样", "李抽样"], "test_quantity": "12盒",
            "reserve_quantity": "12盒", "seals": "A-001，A-002"}
    url = f"/console/spotcheck/batches/{ids[0]}/sampling"
    assert client.get(url).status_code == 200
    r = client.post(url, data=good | {"samplers": ["王抽样", ""]})
    assert r.status_code == 422 and 'id="samplers-error"' in r.text and "抽样人员至少两名" in r.text
    r = client.post(url, data=good | {"sampled_on": "2026-12-01"})
    assert r.status_code == 422 and 'id="sampled_on-error"' in r.text and "不在计划期间内" in r.text
    r = client.post(url, data=good, follow_redirects=False)
    assert r.status_code == 303
    r = client.post(f"/console/spotcheck/batches/{ids[1]}/sampling",
                    data={"csrf_token": token, "refused": "1", "refusal_reason": "企业负责人拒绝抽样并拒绝签字"},
                    follow_redirects=False)
    assert r.status_code == 303
    with db.session() as s:
        b0, b1 = s.get(Batch, ids[0]), s.get(Batch, ids[1])
        assert (b0.state, b0.lot, str(b0.sampled_on), b0.samplers, b0.seals) == (
            "sampled", "20260501A", "2026-05-12", ["王抽样", "李抽样"], ["A-001", "A-002"])
        assert (b1.state, b1.refused, b1.refusal_reason) == ("refused", True, "企业负责人拒绝抽样并拒绝签字")
    assert client.get(url).status_code == 409  # sampled already


def test_enterprise_and_other_lab_may_not_plan_draw_or_sample(client, db):
    with db.session() as s:
        w = world(s, n_products=1)
        service.draw_plan(s, w.regulator, w.plan_id, seed=3)
        bid = service.list_batches(s, w.regulator, plan_id=w.plan_id)[0].id
        ent = real_user(s, w.ent_actors[0]).username
        other_lab = real_user(s, w.inspectors_b[0]).username
        other_reg = real_user(s, w.other_regulator).username
    token = _login(client, ent)
    assert client.get("/console/spotcheck/plans/new").status_code == 403
    assert client.post("/console/spotcheck/plans/new", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/console/spotcheck/plans/{w.plan_id}/draw", data={"csrf_token": token}).status_code == 403
    assert client.get(f"/console/spotcheck/batches/{bid}/sampling").status_code == 403
    client.cookies.clear()
    _login(client, other_lab)
    assert client.get(f"/console/spotcheck/batches/{bid}/sampling").status_code == 404  # another lab's batch is hidden
    client.cookies.clear()
    token = _login(client, other_reg)  # a regulator, but not the one organising this plan
    assert client.post(f"/console/spotcheck/plans/{w.plan_id}/draw",
                       data={"csrf_token": token, "confirmed": "1"}).status_code == 403
    client.cookies.clear()
    r = client.get("/console/spotcheck/plans/new", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
