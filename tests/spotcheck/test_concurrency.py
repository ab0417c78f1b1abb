"""Race-free spot-check transitions (issue 12 part 3): of 20 concurrent identical requests exactly one succeeds.

Finding (issue 12): on PostgreSQL with 2 workers, 20 concurrent result submissions for one batch stored each
item three times with four state changes — nothing locked the batch being changed. Now every transition of a
plan, a batch and its objection (draw, sampling, receipt, results, verification, judgement, notice, objection,
decision, re-test results and their verification, final result, publication) loads what it changes with
`platform.db.lock_for_update` (SELECT … FOR UPDATE on PostgreSQL/MariaDB, the writer lock on SQLite) and
checks the state there: one request changes it, the other 19 wait, read the new state and get 409
problem+json naming it. Each step goes through a real HTTP server (tests/platform/live.py), and the rows, the
state changes (the batch's events) and the audit records are counted after each step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from tests.platform.live import fire, live_server, token
from tests.spotcheck.scenario import real_user, sampling, world
from zhijian.platform.models import AuditRecord
from zhijian.spotcheck.models import Batch, Draw, FollowUp, ItemResult, Objection, StateChange, Verification

pytestmark = pytest.mark.xdist_group("reliability-transitions")
N = 20
ITEMS = [{"name": "铅(以Pb计)", "value": "0.8"}, {"name": "蛋白质", "value": "2.5"},
         {"name": "色泽", "value": "乳白色", "lab_verdict": "合格"}]


def _count(db, model: Any, *where: Any) -> int:  # type: ignore[no-untyped-def]
    with db.session(write=False) as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _audits(db, entity: str, entity_id: str) -> int:  # type: ignore[no-untyped-def]
    return _count(db, AuditRecord, AuditRecord.entity == entity, AuditRecord.entity_id == entity_id)


def _moves(db, entity: str, entity_id: int, field: str, to: str) -> int:  # type: ignore[no-untyped-def]
    """Audit records of the change of `field` to `to` (full snapshots before and after: platform.audit)."""
    with db.session(write=False) as s:
        rows = s.execute(select(AuditRecord.before, AuditRecord.after).where(
            AuditRecord.entity == entity, AuditRecord.entity_id == str(entity_id))).all()
    return sum(1 for b, a in rows if (a or {}).get(field) == to and (b or {}).get(field) != to)


def _once(base: str, send: Callable[[httpx.Client], httpx.Response], ok: int = 200) -> list[dict[str, Any]]:
    """Fire N identical requests at once: exactly one answers `ok`, the other N-1 answer 409 problem+json."""
    answers = fire(N, send, base)
    codes = sorted(a.status_code for a in answers)
    assert codes == sorted([ok] + [409] * (N - 1)), [a.text[:300] for a in answers if a.status_code not in (ok, 409)][:2]
    refused = [a.json() for a in answers if a.status_code == 409]
    assert all(a.headers["content-type"].startswith("application/problem+json") for a in answers if a.status_code == 409)
    return refused


def test_twenty_concurrent_requests_change_each_state_once(app, db):
    with db.session() as s:
        w = world(s, n_products=1)
        users = {"reg": real_user(s, w.regulator), "a0": real_user(s, w.inspectors_a[0]),
                 "a1": real_user(s, w.inspectors_a[1]), "b0": real_user(s, w.inspectors_b[0]),
                 "b1": real_user(s, w.inspectors_b[1]), "ent": real_user(s, w.ent_actors[0])}
        names = {k: u.username for k, u in users.items()}
        plan_id = w.plan_id
    with live_server(app) as base:
        auth = {k: token(base, n) for k, n in names.items()}
        api = "/api/v1/spotcheck"

        def post(who: str, path: str, body: Any = None) -> Callable[[httpx.Client], httpx.Response]:
            return lambda c: c.post(api + path, json=body if body is not None else {}, headers=auth[who])

        # 双随机 draw of the plan: one draw, one batch
        refused = _once(base, post("reg", f"/plans/{plan_id}/draw", {"seed": 12}), ok=201)
        assert {(p["code"], p["current"]) for p in refused} == {("spotcheck.already_drawn", "issued")}
        assert _count(db, Draw, Draw.plan_id == plan_id) == 1
        assert _count(db, Batch, Batch.plan_id == plan_id) == 1
        with db.session(write=False) as s:
            bid = s.scalar(select(Batch.id).where(Batch.plan_id == plan_id))
        audits = _audits(db, "spotcheck_batch", str(bid))

        def step(who: str, path: str, body: Any, to_state: str, code: str, current: str, n_audit: int = 1) -> None:
            """One step fired N times: one state change, and the audit records of ONE request (n_audit: the
            batch's flushes in that request, e.g. the notice is written before and after its deadline is read)."""
            nonlocal audits
            before = _count(db, StateChange, StateChange.batch_id == bid)
            refused = _once(base, post(who, f"/batches/{bid}{path}", body))
            assert {(p["code"], p["current"]) for p in refused} == {(code, current)}, refused[:1]
            changes = _count(db, StateChange, StateChange.batch_id == bid)
            assert changes - before == 1, (path, changes - before)  # one event per transition
            assert _count(db, StateChange, StateChange.batch_id == bid, StateChange.to_state == to_state) >= 1
            assert _moves(db, "spotcheck_batch", bid, "state", to_state) == 1  # audited once
            now = _audits(db, "spotcheck_batch", str(bid))
            assert now - audits == n_audit, (path, now - audits)  # what ONE request writes
            audits = now

        bad = "batch.invalid_transition"
        step("a0", "/sampling", sampling().model_dump(mode="json"), "sampled", bad, "sampled")
        step("a0", "/receive", None, "received", bad, "received")
        step("a0", "/results", {"items": ITEMS}, "tested", "spotcheck.invalid_transition", "tested")
        assert _count(db, ItemResult, ItemResult.batch_id == bid) == 3  # each item stored once
        assert _audits(db, "spotcheck_item", f"batch:{bid}:round:0") == 1
        step("a1", "/verify", None, "verified", "spotcheck.nothing_to_verify", "verified")
        assert _count(db, Verification, Verification.batch_id == bid) == 1
        step("a1", "/judge", None, "judged", bad, "judged")
        from zhijian.spotcheck.service import today

        step("reg", "/notify", {"delivered_on": today().isoformat()}, "notified", bad, "notified", n_audit=2)

        # the objection: one submitted (its own audit record), one decision, one re-test
        before = _count(db, StateChange, StateChange.batch_id == bid)
        refused = _once(base, post("ent", f"/batches/{bid}/objection", {"reason": "对铅的结果有异议", "items": ["铅(以Pb计)"]}),
                        ok=201)
        assert {(p["code"], p["current"]) for p in refused} == {("spotcheck.retest_final", "objected")}
        assert _count(db, Objection, Objection.batch_id == bid) == 1
        assert _count(db, StateChange, StateChange.batch_id == bid) - before == 1
        with db.session(write=False) as s:
            oid = s.scalar(select(Objection.id).where(Objection.batch_id == bid))
        assert _audits(db, "spotcheck_objection", str(oid)) == 1
        refused = _once(base, post("reg", f"/batches/{bid}/objection/decision", {"accept": True}))
        assert {(p["code"], p["current"]) for p in refused} == {("spotcheck.no_pending_objection", "accepted")}
        assert _moves(db, "spotcheck_objection", oid, "status", "accepted") == 1
        audits = _audits(db, "spotcheck_batch", str(bid))
        before = _count(db, StateChange, StateChange.batch_id == bid)
        refused = _once(base, post("b0", f"/batches/{bid}/results", {"items": [{"name": "铅(以Pb计)", "value": "0.3"}]}))
        assert {(p["code"], p["current"]) for p in refused} == {("spotcheck.results_entered", "objected")}
        assert _count(db, ItemResult, ItemResult.batch_id == bid, ItemResult.round == 1) == 1
        assert _count(db, StateChange, StateChange.batch_id == bid) - before == 1
        step("b1", "/verify", None, "retested", "spotcheck.nothing_to_verify", "retested")
        step("reg", "/finalize", None, "final", bad, "final", n_audit=2)
        assert _count(db, FollowUp, FollowUp.batch_id == bid) == 1  # one 整改 opened, not 20

        # publication of the plan
        refused = _once(base, post("reg", f"/plans/{plan_id}/publish"))
        assert {(p["code"], p["current"]) for p in refused} == {("spotcheck.already_published", "published")}
        assert _audits(db, "spotcheck_batch", f"plan:{plan_id}") == 2  # the draw's and the publication's
    with db.session(write=False) as s:
        b = s.get(Batch, bid)
        assert (b.state, b.final_verdict, b.failing_items) == ("published", "不合格", ["蛋白质"])


def test_concurrent_imports_rejections_and_followups_once(app, db):
    """The import path (one file, 20 uploads at once), the rejection of an objection and the close of a
    follow-up step: one request each changes the state, the other 19 get 409 naming it."""
    from tests.spotcheck.test_retest import BOTH_FAIL
    from tests.spotcheck.test_workflow import _to_judged
    from zhijian.spotcheck import service
    from zhijian.spotcheck.service import today

    with db.session() as s:
        w = world(s, n_products=2)
        service.draw_plan(s, w.regulator, w.plan_id, seed=21)
        imp, obj = service.list_batches(s, w.regulator, plan_id=w.plan_id)
        service.record_sampling(s, w.inspectors_a[0], imp.id, sampling())
        service.receive_sample(s, w.inspectors_a[0], imp.id)
        _to_judged(s, w, obj.id, BOTH_FAIL)
        service.notify(s, w.regulator, obj.id, delivered_on=today())
        ent = next(a for a in w.ent_actors if a.organization_id == obj.enterprise_id)
        service.submit_objection(s, ent, obj.id, "对铅的结果有异议")
        names = {"reg": real_user(s, w.regulator).username, "a0": real_user(s, w.inspectors_a[0]).username}
        imp_id, imp_no, obj_id = imp.id, imp.sample_no, obj.id
    csv = ("抽样单编号,检验项目,单位,标准要求,检验结果,单项判定\n"
           f"{imp_no},铅(以Pb计),mg/kg,≤0.5,0.1,\n{imp_no},蛋白质,g/100g,≥2.9,3.1,\n"
           f"{imp_no},色泽,,乳白色或微黄色,乳白色,合格\n").encode()
    with live_server(app) as base:
        auth = {k: token(base, n) for k, n in names.items()}
        refused = _once(base, lambda c: c.post("/api/v1/spotcheck/results/import", headers=auth["a0"],
                                               files={"file": ("r.csv", csv, "text/csv")}))
        assert {(p["code"], p["current"]) for p in refused} == {("spotcheck.invalid_transition", "tested")}
        assert _count(db, ItemResult, ItemResult.batch_id == imp_id) == 3  # each item once
        assert _count(db, StateChange, StateChange.batch_id == imp_id, StateChange.to_state == "tested") == 1

        refused = _once(base, lambda c: c.post(f"/api/v1/spotcheck/batches/{obj_id}/objection/decision",
                                               json={"accept": False, "note": "理由不成立"}, headers=auth["reg"]))
        assert {(p["code"], p["current"]) for p in refused} == {("spotcheck.no_pending_objection", "rejected")}
        assert _count(db, StateChange, StateChange.batch_id == obj_id, StateChange.to_state == "final") == 1
        assert _moves(db, "spotcheck_batch", obj_id, "state", "final") == 1
        with db.session(write=False) as s:
            (fid,) = s.scalars(select(FollowUp.id).where(FollowUp.batch_id == obj_id)).all()  # one 整改, not 20
        refused = _once(base, lambda c: c.post(f"/api/v1/spotcheck/followups/{fid}/done", json={"outcome": "done"},
                                               headers=auth["reg"]))
        assert {(p["code"], p["current"]) for p in refused} == {("spotcheck.followup_done", "done")}
    assert _count(db, FollowUp, FollowUp.batch_id == obj_id) == 2  # the 整改 closed once, one 复查 opened
    assert _moves(db, "spotcheck_followup", fid, "outcome", "done") == 1
