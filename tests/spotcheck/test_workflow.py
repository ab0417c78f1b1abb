"""The spot-check workflow through the real services on every database: every state, permissions,
objection and re-test, publication statistics, the contracts for other rooms."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.spotcheck.scenario import sampling, world
from zhijian.platform.auth import PUBLIC, SYSTEM
from zhijian.platform.errors import DomainError, InvalidTransition, NotFound, PermissionDenied
from zhijian.spotcheck import service
from zhijian.spotcheck.schemas import ItemIn, ObjectionDecisionIn, RefusalIn

GOOD = [ItemIn(name="铅(以Pb计)", value="0.12"), ItemIn(name="蛋白质", value="3.1"),
        ItemIn(name="色泽", value="乳白色", lab_verdict="合格")]
BAD = [ItemIn(name="铅(以Pb计)", value="0.52"), ItemIn(name="蛋白质", value="3.1"),
       ItemIn(name="色泽", value="乳白色", lab_verdict="合格")]


def _to_judged(s, w, batch_id, items):  # type: ignore[no-untyped-def]
    i1, i2 = w.inspectors_a
    service.record_sampling(s, i1, batch_id, sampling())
    service.receive_sample(s, i1, batch_id)
    service.submit_results(s, i1, batch_id, items)
    service.verify_results(s, i2, batch_id)
    return service.judge_batch(s, i2, batch_id)


def test_full_workflow_with_objection_and_retest(db):
    with db.session() as s:
        w = world(s, n_products=3)
        draw = service.draw_plan(s, w.regulator, w.plan_id, seed=20260915)
        assert draw.seed == 20260915 and len(draw.result["assignments"]) == 3
        batches = service.list_batches(s, w.regulator, plan_id=w.plan_id)
        assert [b.state for b in batches] == ["planned"] * 3
        b_bad, b_ok, b_ref = batches
        i1, i2 = w.inspectors_a
        # refused transitions and permissions on the way
        with pytest.raises(InvalidTransition):
            service.receive_sample(s, i1, b_bad.id)
        with pytest.raises(NotFound):  # another lab does not even see the batch
            service.record_sampling(s, w.inspectors_b[0], b_bad.id, sampling())
        judged = _to_judged(s, w, b_bad.id, BAD)
        assert (judged.verdict, judged.failing_items, judged.safety_failure) == ("不合格", ["铅(以Pb计)"], True)
        assert judged.report_no and judged.report_no.startswith("ZJ2026")
        _to_judged(s, w, b_ok.id, GOOD)
        service.record_refusal(s, w.regulator, b_ref.id, RefusalIn(reason="企业拒绝抽样", on=dt.date(2026, 5, 13)))
        # notification, objection within 15 days, re-test of the reserve sample by another lab
        service.notify(s, w.regulator, b_bad.id, on=dt.date(2026, 6, 1), delivered_on=dt.date(2026, 6, 1))
        assert s.get(service.Batch, b_bad.id).objection_deadline == dt.date(2026, 6, 16)
        ent = next(a for a in w.ent_actors if a.organization_id == b_bad.enterprise_id)
        other_ent = next(a for a in w.ent_actors if a.organization_id != b_bad.enterprise_id)
        with pytest.raises(NotFound):  # other enterprises do not see the batch before publication
            service.submit_objection(s, other_ent, b_bad.id, "不是我们的产品")
        with pytest.raises(DomainError) as late:
            service.submit_objection(s, ent, b_bad.id, "迟到的异议", on=dt.date(2026, 6, 17))
        assert late.value.code == "spotcheck.objection_late"
        service.submit_objection(s, ent, b_bad.id, "对铅含量结果有异议，申请复检备样", on=dt.date(2026, 6, 10))
        with pytest.raises(DomainError) as same:
            service.decide_objection(s, w.regulator, b_bad.id, ObjectionDecisionIn(accept=True, retest_lab_id=w.lab_a))
        assert same.value.code == "spotcheck.retest_same_lab"
        service.decide_objection(s, w.regulator, b_bad.id, ObjectionDecisionIn(accept=True, retest_lab_id=w.lab_b))
        with pytest.raises(PermissionDenied):  # the original lab may not enter the re-test
            service.submit_results(s, i1, b_bad.id, GOOD)
        r1, r2 = w.inspectors_b
        with pytest.raises(DomainError) as scope:  # the re-test covers the disputed item (铅) only
            service.submit_results(s, r1, b_bad.id, [ItemIn(name="铅(以Pb计)", value="0.48"),
                                                     ItemIn(name="蛋白质", value="3.0")])
        assert (scope.value.code, scope.value.field) == ("spotcheck.retest_scope", "items.1.name")
        service.submit_results(s, r1, b_bad.id, [ItemIn(name="铅(以Pb计)", value="0.48")])
        with pytest.raises(DomainError) as selfv:
            service.verify_results(s, r1, b_bad.id)
        assert selfv.value.code == "spotcheck.self_verification"
        assert service.verify_results(s, r2, b_bad.id).state == "retested"
        final = service.finalize(s, w.regulator, b_bad.id, on=dt.date(2026, 7, 1))
        assert (final.state, final.verdict, final.final_verdict) == ("final", "不合格", "合格")  # the re-test decides
        assert final.failing_items == []
        # the conforming batch: final after notification
        service.notify(s, w.regulator, b_ok.id, on=dt.date(2026, 6, 1))
        assert service.finalize(s, w.regulator, b_ok.id, on=dt.date(2026, 6, 2)).final_verdict == "合格"
        # before publication: nothing visible to the public or to other enterprises
        with pytest.raises(NotFound):
            service.get_plan(s, PUBLIC, w.plan_id)
        with pytest.raises(NotFound):
            service.get_batch(s, other_ent, b_bad.id)
        assert service.get_batch(s, ent, b_bad.id).id == b_bad.id
        assert service.workflow_counts(s, w.regulator, w.plan_id)["final"] == 2
        plan = service.publish_plan(s, w.regulator, w.plan_id)
        assert plan.summary["batches"] == 3 and plan.summary["refusals"] == 1
        assert plan.summary["batches_failing"] == 0 and plan.summary["nonconformity_rate"] == 0.0
        assert service.get_batch(s, PUBLIC, b_bad.id).state == "published"
        hist = [(h.from_state, h.to_state) for h in service.history(s, w.regulator, b_bad.id)]
        assert ("objected", "retested") in hist and ("retested", "final") in hist
        recs = service.inspection_history(s, product_id=b_bad.product_id)
        assert len(recs) == 1 and recs[0].final_verdict == "合格" and recs[0].retested
        assert service.latest_verdict(s, b_bad.product_id).batch_id == b_bad.id
        from zhijian.platform import audit

        assert any(r.action == "update" for r in audit.history(s, "spotcheck_batch", b_bad.id))


def test_publication_statistics_and_followup(db):
    with db.session() as s:
        w = world(s, n_products=4)
        service.draw_plan(s, w.regulator, w.plan_id, seed=7)
        bs = service.list_batches(s, w.regulator, plan_id=w.plan_id)
        for b, items in zip(bs[:3], (BAD, GOOD, GOOD), strict=True):
            _to_judged(s, w, b.id, items)
            service.notify(s, w.regulator, b.id, on=dt.date(2026, 6, 1), delivered_on=dt.date(2026, 6, 1))
        service.record_refusal(s, w.regulator, bs[3].id, RefusalIn(reason="拒绝抽样"))
        with pytest.raises(DomainError) as early:
            service.finalize(s, w.regulator, bs[0].id, on=dt.date(2026, 6, 10))
        assert early.value.code == "spotcheck.objection_window_open"
        with pytest.raises(DomainError) as notfinal:
            service.publish_plan(s, w.regulator, w.plan_id)
        assert notfinal.value.extra["open_batches"] == 3
        for b in bs[:3]:
            service.finalize(s, w.regulator, b.id, on=dt.date(2026, 6, 20))
        with pytest.raises(PermissionDenied):
            service.publish_plan(s, w.other_regulator, w.plan_id)
        plan = service.publish_plan(s, w.regulator, w.plan_id)
        st = plan.summary
        assert (st["batches"], st["batches_tested"], st["batches_failing"], st["refusals"]) == (4, 3, 1, 1)
        assert st["nonconformity_rate"] == 33.3  # 1 of 3 tested batches
        assert st["failing_items"] == [{"item": "铅(以Pb计)", "batches": 1}]
        assert [(c["batches"], c["failing"], c["rate"]) for c in st["by_category"]] == [(3, 1, 33.3)]
        assert {r["region_code"] for r in st["by_region"]} == {"330000"}
        nc = service.nonconforming_list(s, w.plan_id)
        assert len(nc) == 1 and nc[0]["failing_items"] == ["铅(以Pb计)"] and nc[0]["safety_failure"]
        # PQL Art. 17: rectification step opened at finalisation, overdue after its deadline
        steps = service.list_followups(s, w.regulator, batch_id=bs[0].id)
        assert [(f.step, f.due_on) for f in steps] == [("rectify", dt.date(2026, 7, 20))]
        overdue = service.list_followups(s, w.regulator, overdue_on=dt.date(2026, 7, 21))
        assert steps[0].id in {f.id for f in overdue}
        from zhijian.spotcheck.schemas import FollowUpDoneIn

        service.complete_followup(s, w.regulator, steps[0].id, FollowUpDoneIn(done_on=dt.date(2026, 7, 15)))
        nxt = service.list_followups(s, w.regulator, batch_id=bs[0].id)
        assert [(f.step, f.due_on) for f in nxt] == [("rectify", dt.date(2026, 7, 20)), ("recheck", dt.date(2026, 8, 14))]
        rows = [r for r in service.result_rows(s) if r[0] in {b.id for b in bs}]
        assert sorted((r[1], r[9], r[10]) for r in rows) == [("不合格", 3, 1), ("合格", 3, 0), ("合格", 3, 0)]
        # the risk scan's read path: the same batches and columns, without the item aggregation
        assert [r for r in service.final_results(s) if r[0] in {b.id for b in bs}] == [r[:8] for r in rows]


def test_rounded_method_and_override(db):
    """The standard's GB/T 8170 method is applied: 0.52 passes ≤0.5 under 修约值比较法; overrides need a reason."""
    with db.session() as s:
        w = world(s, n_products=1, comparison="rounded")
        service.draw_plan(s, w.regulator, w.plan_id, seed=1)
        b = service.list_batches(s, w.regulator, plan_id=w.plan_id)[0]
        judged = _to_judged(s, w, b.id, BAD)
        assert judged.verdict == "合格"
        items = service.items_of(s, w.regulator, b.id)
        assert [i.comparison_method for i in items] == ["rounded"] * 3
        with pytest.raises(DomainError):
            service.override_verdict(s, w.regulator, b.id, "不合格", "  ")
        o = service.override_verdict(s, w.regulator, b.id, "不合格", "复核发现样品标签与备样不一致")
        assert (o.auto_verdict, o.verdict) == ("合格", "不合格")
        # a complaint-driven batch outside the draw records its basis; only the plan's labs may test it
        t = service.add_batch(s, w.regulator, w.plan_id, product_id=w.products[0], lab_id=w.lab_a, basis="complaint")
        assert (t.state, t.basis, t.sample_no.endswith("-00002")) == ("planned", "complaint", True)
        with pytest.raises(DomainError) as e:
            service.add_batch(s, w.regulator, w.plan_id, product_id=w.products[0], lab_id=w.lab_b)
        assert e.value.code == "spotcheck.lab_not_in_plan"
        cards = {c["label"]: c["value"] for c in service.dashboard_cards(s, w.regulator)}
        assert cards["待抽样批次"] == 1 and cards["待告知企业"] == 1


def test_higher_level_plan_excludes_products(db):
    """PQL Art. 15: a product in a national plan of the same period is not drawn by a provincial plan."""
    with db.session() as s:
        nat = world(s, n_products=2, level="national", region="110000")
        service.draw_plan(s, nat.regulator, nat.plan_id, seed=3)
        from zhijian.spotcheck.models import PlanCategory
        from zhijian.spotcheck.schemas import PlanCategoryIn, PlanIn

        prov = world(s, n_products=1)
        plan = service.create_plan(s, prov.regulator, PlanIn(
            code=f"P-{nat.plan_id}-x", title="省级", year=2026, level="provincial", period_start=dt.date(2026, 4, 1),
            period_end=dt.date(2026, 9, 30), lab_ids=[prov.lab_a],
            categories=[PlanCategoryIn(category_id=nat.category_id, target_batches=5)]))
        assert s.query(PlanCategory).filter_by(plan_id=plan.id).count() == 1
        d = service.draw_plan(s, prov.regulator, plan.id, seed=3)
        excluded = {e["product_id"] for e in d.result["excluded"]}
        assert excluded == set(nat.products)
        assert d.result["assignments"] == []
        again = service.rerun_draw(s, PUBLIC if False else SYSTEM, plan.id, 3)
        assert again["identical"] is True
