"""Issue #14 re-tests (复检) and plan rules, through the real services on every database.

The finding: first test 铅 and 蛋白质 fail; the enterprise objects to 铅 only; the re-test enters 铅 only and it
passes; the final verdict came out 合格 with no failing items (the re-test round replaced the whole result), so
no 整改 opened. The law/practice (DOMAIN.md): the final verdict merges the undisputed first-test results with the
re-test; the re-test lab is drawn from labs qualified for the product's field, never the first lab; the re-test
conclusion is final; the fee is borne by the applicant when the first conclusion stands."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories
from tests.spotcheck.scenario import sampling, world
from tests.spotcheck.test_workflow import _to_judged
from zhijian.platform.errors import DomainError
from zhijian.spotcheck import retest, rules, service
from zhijian.spotcheck.schemas import BatchIn, FollowUpDoneIn, ItemIn, ObjectionDecisionIn

BOTH_FAIL = [ItemIn(name="铅(以Pb计)", value="0.8"), ItemIn(name="蛋白质", value="2.5"),
             ItemIn(name="色泽", value="乳白色", lab_verdict="合格")]


def _objected(s, w, items=("铅(以Pb计)",)):  # type: ignore[no-untyped-def]
    service.draw_plan(s, w.regulator, w.plan_id, seed=3)
    b = service.list_batches(s, w.regulator, plan_id=w.plan_id)[0]
    judged = _to_judged(s, w, b.id, BOTH_FAIL)
    assert judged.failing_items == ["铅(以Pb计)", "蛋白质"]
    service.notify(s, w.regulator, b.id, on=dt.date(2026, 6, 1), delivered_on=dt.date(2026, 6, 1))
    ent = next(a for a in w.ent_actors if a.organization_id == b.enterprise_id)
    obj = service.submit_objection(s, ent, b.id, "对铅的结果有异议", on=dt.date(2026, 6, 5), items=list(items))
    return b, ent, obj


def test_partial_retest_keeps_the_undisputed_failure(db):
    with db.session() as s:
        w = world(s, n_products=1)
        b, ent, obj = _objected(s, w)
        assert obj.items == ["铅(以Pb计)"]
        decided = service.decide_objection(s, w.regulator, b.id, ObjectionDecisionIn(accept=True))  # lab drawn
        assert decided.retest_lab_id == w.lab_b and decided.retest_candidates == [w.lab_b]  # never lab A
        r1, r2 = w.inspectors_b
        assert [e.name for e in service.expected_items(s, b)] == ["铅(以Pb计)"]  # the form offers 铅 only
        service.submit_results(s, r1, b.id, [ItemIn(name="铅(以Pb计)", value="0.3")])  # re-test passes
        service.verify_results(s, r2, b.id)
        final = service.finalize(s, w.regulator, b.id, on=dt.date(2026, 7, 1))
        assert (final.final_verdict, final.failing_items) == ("不合格", ["蛋白质"])
        steps = service.list_followups(s, w.regulator, batch_id=b.id)
        assert [f.step for f in steps] == ["rectify"]  # 整改 opens
        o = service.objection_of(s, w.regulator, b.id)
        assert (o.status, o.retest_verdict, o.fee_payer) == ("retested", "不合格", "organiser")  # 铅 changed
        rows = service.items_of(s, w.regulator, b.id)
        assert [(r.round, r.name, r.superseded) for r in rows if r.name == "铅(以Pb计)"] == [(0, "铅(以Pb计)", True),
                                                                                           (1, "铅(以Pb计)", False)]
        with pytest.raises(DomainError) as again:  # the re-test conclusion is final: no second objection
            service.submit_objection(s, ent, b.id, "再次异议")
        assert again.value.code in ("spotcheck.retest_final", "spotcheck.invalid_transition")
        stats = service.plan_statistics(s, w.plan_id)
        assert stats["failing_items"] == [{"item": "蛋白质", "batches": 1}]


def test_fee_borne_by_the_applicant_when_the_first_conclusion_stands(db):
    with db.session() as s:
        w = world(s, n_products=1)
        b, _ent, _obj = _objected(s, w)
        service.decide_objection(s, w.regulator, b.id, ObjectionDecisionIn(accept=True))
        r1, r2 = w.inspectors_b
        service.submit_results(s, r1, b.id, [ItemIn(name="铅(以Pb计)", value="0.9")])
        service.verify_results(s, r2, b.id)
        final = service.finalize(s, w.regulator, b.id, on=dt.date(2026, 7, 1))
        assert final.failing_items == ["铅(以Pb计)", "蛋白质"]
        o = service.objection_of(s, w.regulator, b.id)
        assert o.fee_payer == "applicant" and "申请人" in o.fee_note


def test_retest_lab_only_from_the_products_field(db):
    """A children's T-shirt is never re-tested by a food lab; the draw is reproducible from its recorded seed."""
    with db.session() as s:
        w = world(s, n_products=1)
        food = factories.category(s, name=f"食品{factories.uid()}")
        food_lab = factories.lab(s)
        retest.set_lab_fields(s, w.regulator, food_lab.id, [food.id])
        b, _ent, _obj = _objected(s, w)
        with pytest.raises(DomainError) as e:
            service.decide_objection(s, w.regulator, b.id, ObjectionDecisionIn(accept=True, retest_lab_id=food_lab.id))
        assert e.value.code == "spotcheck.retest_lab_unqualified"
        assert food_lab.id not in retest.qualified_labs(s, b.category_id)
        assert retest.propose_lab(s, b) == retest.propose_lab(s, b) == w.lab_b
        o = service.decide_objection(s, w.regulator, b.id, ObjectionDecisionIn(accept=True))
        assert rules.pick_retest_lab(o.retest_seed, o.retest_candidates, exclude=set()) == o.retest_lab_id


def test_retest_must_cover_exactly_the_disputed_items(db):
    with db.session() as s:
        w = world(s, n_products=1)
        b, _ent, _obj = _objected(s, w, items=("铅(以Pb计)", "蛋白质"))
        service.decide_objection(s, w.regulator, b.id, ObjectionDecisionIn(accept=True))
        with pytest.raises(DomainError) as e:
            service.submit_results(s, w.inspectors_b[0], b.id, [ItemIn(name="铅(以Pb计)", value="0.3")])
        assert e.value.code == "spotcheck.retest_incomplete"


def test_objection_names_tested_items_only(db):
    with db.session() as s:
        w = world(s, n_products=1)
        with pytest.raises(DomainError) as e:
            _objected(s, w, items=("砷",))
        assert (e.value.code, e.value.field) == ("spotcheck.objection_unknown_item", "items.0")


def _final_fail(s, w):  # type: ignore[no-untyped-def]
    service.draw_plan(s, w.regulator, w.plan_id, seed=5)
    b = service.list_batches(s, w.regulator, plan_id=w.plan_id)[0]
    _to_judged(s, w, b.id, BOTH_FAIL)
    service.notify(s, w.regulator, b.id, on=dt.date(2026, 6, 1), delivered_on=dt.date(2026, 6, 1))
    service.finalize(s, w.regulator, b.id, on=dt.date(2026, 7, 1))
    return b


@pytest.mark.parametrize(("level", "after_recheck"), [("county", "suspend"), ("municipal", "suspend"),
                                                      ("provincial", "announce")])
def test_announcement_only_for_provincial_and_higher_plans(db, level, after_recheck):
    """《产品质量法》 Art. 17: 公告 by provincial and higher regulators; county and city plans have no 公告 step."""
    with db.session() as s:
        w = world(s, n_products=1, level=level)
        b = _final_fail(s, w)
        rectify = service.list_followups(s, w.regulator, batch_id=b.id)[0]
        service.complete_followup(s, w.regulator, rectify.id, FollowUpDoneIn(done_on=dt.date(2026, 7, 20)))
        recheck = [f for f in service.list_followups(s, w.regulator, batch_id=b.id) if f.step == "recheck"][0]
        service.complete_followup(s, w.regulator, recheck.id, FollowUpDoneIn(outcome="non_conforming",
                                                                             done_on=dt.date(2026, 8, 20)))
        steps = [f.step for f in service.list_followups(s, w.regulator, batch_id=b.id)]
        assert steps[-1] == after_recheck
        if level != "provincial":
            from zhijian.spotcheck.schemas import FollowUpIn

            with pytest.raises(DomainError) as e:
                service.add_followup(s, w.regulator, b.id, FollowUpIn(step="announce", due_on=dt.date(2026, 9, 1)))
            assert e.value.code == "spotcheck.no_announcement"


def test_repeat_check_window_after_a_higher_level_check(db):
    """Same producer, same product within six months after a provincial check: not drawn by a county plan, not
    addable by hand either, unless a targeted/emergency check records its reason."""
    with db.session() as s:
        prov = world(s, n_products=1, level="provincial", period=(dt.date(2026, 3, 1), dt.date(2026, 4, 30)))
        service.draw_plan(s, prov.regulator, prov.plan_id, seed=1)
        pb = service.list_batches(s, prov.regulator, plan_id=prov.plan_id)[0]
        service.record_sampling(s, prov.inspectors_a[0], pb.id, sampling(on=dt.date(2026, 3, 10)))
        from zhijian.spotcheck.schemas import PlanCategoryIn, PlanIn

        county_reg = factories.regulator(s, level="county", region="330106")
        reg = type(prov.regulator)(None, f"county_{factories.uid()}", "regulator", county_reg.id)

        def plan(start, end, basis="random", exemption=""):  # type: ignore[no-untyped-def]
            return service.create_plan(s, reg, PlanIn(
                code=f"C-{factories.uid()}", title="县级抽查", year=2026, level="county", region_code="330106",
                period_start=start, period_end=end, basis=basis, repeat_exemption=exemption,
                categories=[PlanCategoryIn(category_id=prov.category_id, standard_ids=[prov.standard_id],
                                           target_batches=1)], lab_ids=[prov.lab_a]))
        inside = plan(dt.date(2026, 8, 1), dt.date(2026, 8, 31))  # within six months of 2026-03-10
        draw = service.draw_plan(s, reg, inside.id, seed=2)
        assert draw.result["assignments"] == []
        assert "2026-09-10" in draw.result["excluded"][0]["reason"] and "第十五条" in draw.result["excluded"][0]["reason"]
        assert "6 个月" in draw.inputs["repeat_rule"] and "产品质量法第十五条" in draw.inputs["repeat_rule"]
        with pytest.raises(DomainError) as e:  # a manual addition follows the same rule
            service.add_batch(s, reg, inside.id, product_id=pb.product_id, lab_id=prov.lab_a, basis="targeted")
        assert e.value.code == "spotcheck.repeat_check"
        added = service.add_batch(s, reg, inside.id, product_id=pb.product_id, lab_id=prov.lab_a, basis="targeted",
                                  repeat_exemption="消费者投诉集中，需定向核查")
        assert added.repeat_exemption == "消费者投诉集中，需定向核查"
        with pytest.raises(DomainError):  # a random check cannot be exempt
            service.add_batch(s, reg, inside.id, product_id=pb.product_id, lab_id=prov.lab_a, basis="random",
                              repeat_exemption="理由")
        after = plan(dt.date(2026, 9, 11), dt.date(2026, 10, 31))  # the window has passed
        assert len(service.draw_plan(s, reg, after.id, seed=2).result["assignments"]) == 1
        exempt = plan(dt.date(2026, 8, 1), dt.date(2026, 8, 31), basis="emergency", exemption="食品安全事故应急抽查")
        assert len(service.draw_plan(s, reg, exempt.id, seed=2).result["assignments"]) == 1
        with pytest.raises(DomainError) as bad:
            plan(dt.date(2026, 8, 1), dt.date(2026, 8, 31), exemption="随机抽查不得免除")
        assert bad.value.code == "spotcheck.exemption_not_allowed"
        _ = BatchIn  # the API schema carries repeat_exemption too


def test_reviewable_logic_same_on_page_pdf_and_api(client, db):
    """Per item: requirement as written, parse, comparison method, rounding, uncertainty rule, result — the same
    text in the API, on the batch page and in the PDF report."""
    import html

    from tests.spotcheck.scenario import real_user
    from tests.spotcheck.test_api import _hdr
    from tests.spotcheck.test_pages import _login
    from zhijian.spotcheck import judgement

    with db.session() as s:
        w = world(s, n_products=1)
        service.draw_plan(s, w.regulator, w.plan_id, seed=3)
        b = service.list_batches(s, w.regulator, plan_id=w.plan_id)[0]
        _to_judged(s, w, b.id, BOTH_FAIL)
        user = real_user(s, w.regulator)
        data = service.report_data(s, w.regulator, b.id)
    r = client.get(f"/api/v1/spotcheck/batches/{b.id}", headers=_hdr(client, user))
    lead = next(i for i in r.json()["items"] if i["name"] == "铅(以Pb计)")["explanation"]
    assert lead["requirement"] == "≤0.5" and lead["parsed"].startswith("上限 0.5") and lead["result"].startswith("不合格")
    assert lead["comparison_method"].startswith("全数值比较法") and "简单接受" in lead["uncertainty_rule"]
    assert next(i for i in data["items"] if i["name"] == "铅(以Pb计)")["explanation"] == lead
    client.headers.pop("Authorization", None)
    _login(client, user.username)
    page = html.unescape(client.get(f"/console/spotcheck/batches/{b.id}").text)
    assert judgement.explain_text(lead) in page
    pdf = client.get(f"/console/spotcheck/batches/{b.id}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # the PDF renders report_data's items, whose explanation is the API's (checked above)


def test_console_offers_the_drawn_lab_and_qualified_labs_only(client, db):
    from tests.spotcheck.scenario import real_user
    from tests.spotcheck.test_pages import _login

    with db.session() as s:
        w = world(s, n_products=1)
        food = factories.category(s, name=f"食品{factories.uid()}")
        food_lab = factories.lab(s)
        retest.set_lab_fields(s, w.regulator, food_lab.id, [food.id])
        b, _ent, _obj = _objected(s, w)
        user = real_user(s, w.regulator)
    _login(client, user.username)
    page = client.get(f"/console/spotcheck/batches/{b.id}").text
    select = page[page.index('name="retest_lab_id"'):].split("</select>")[0]
    assert '<option value="">随机抽取（' in select and f'value="{w.lab_b}"' in select
    assert f'value="{food_lab.id}"' not in select and f'value="{w.lab_a}"' not in select


def test_plan_page_shows_each_requirement_as_parsed(client, db):
    from tests.spotcheck.scenario import real_user
    from tests.spotcheck.test_pages import _login

    with db.session() as s:
        w = world(s, n_products=1)
        service.draw_plan(s, w.regulator, w.plan_id, seed=3)
        user = real_user(s, w.regulator)
        reqs = service.plan_requirements(s, service.get_plan(s, w.regulator, w.plan_id))
    assert [(r["name"], r["kind"]) for r in reqs] == [("铅(以Pb计)", "max"), ("蛋白质", "min"), ("色泽", "text")]
    _login(client, user.username)
    page = client.get(f"/console/spotcheck/plans/{w.plan_id}").text
    assert "检验项目与要求解析" in page and "上限 0.5 mg/kg（含限值）" in page and "人工判定：文字要求" in page
    assert "重复抽查规则" in page and "6 个月" in page
