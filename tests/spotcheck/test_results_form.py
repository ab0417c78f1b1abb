"""The console form where a lab inspector types in a batch's results item by item (issue 4 §3): prefilled from the
plan's standards, judged at once by submit_results, errors next to the row with nothing stored, and only the lab
testing now (the re-test lab for the reserve sample) may use it — through the real app, login cookie and CSRF."""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass

from sqlalchemy import select

from tests import factories
from tests.spotcheck.scenario import sampling
from tests.spotcheck.test_pages import _login
from zhijian.catalog.schemas import IndicatorIn
from zhijian.platform.auth import Actor
from zhijian.spotcheck import service
from zhijian.spotcheck.models import Batch, ItemResult
from zhijian.spotcheck.schemas import ItemIn, ObjectionDecisionIn, PlanCategoryIn, PlanIn

SOY = [  # GB/T 18186 / GB 2762 / GB 2717 as the lab's standard for 特级酿造酱油
    IndicatorIn(name="氨基酸态氮", unit="g/100mL", requirement_kind="min", lower=0.8, text="≥0.8",
                method_standard="GB 5009.235-2016"),
    IndicatorIn(name="总砷(以As计)", unit="mg/kg", requirement_kind="max", upper=0.5, text="≤0.5", is_safety=True,
                method_standard="GB 5009.11-2014"),
    IndicatorIn(name="铅(以Pb计)", unit="mg/kg", requirement_kind="max", upper=1.0, text="≤1.0", is_safety=True,
                method_standard="GB 5009.12-2017"),
    IndicatorIn(name="色泽", requirement_kind="text", text="红褐色或浅红褐色，色泽鲜艳，有光泽"),
]
GOOD = {"value_0": "0.65", "unit_0": "g/100mL", "u_0": "0.03", "method_0": "GB 5009.235-2016",
        "value_1": "0.02", "unit_1": "mg/kg", "method_1": "GB 5009.11-2014",
        "value_2": "未检出", "unit_2": "mg/kg", "lod_2": "0.02", "method_2": "GB 5009.12-2017",
        "value_3": "红褐色，有光泽", "verdict_3": "合格"}


@dataclass
class Soy:
    batches: list[int]
    regulator: Actor
    lab_a: int
    lab_b: int
    inspectors_a: list[Actor]
    enterprises: dict[int, Actor]
    indicator_ids: list[int]


def _actor(role: str, org_id: int) -> Actor:
    return Actor(None, f"{role}_{factories.uid()}", role, org_id)


def _soy_world(s, n: int = 1) -> Soy:  # type: ignore[no-untyped-def]
    """A provincial soy-sauce plan drawn, every batch sampled and received by lab A."""
    reg = factories.regulator(s, region="330000")
    lab_a, lab_b = factories.lab(s, region="330100"), factories.lab(s, region="440100")
    cat = factories.category(s, name=f"酱油{factories.uid()}")
    std = factories.standard(s, indicators=SOY, title="酿造酱油")
    ents = {}
    for i in range(n):
        e = factories.enterprise(s, region="330106")
        factories.product(s, e, cat, name="特级酿造酱油", brand="海天然", model=f"500mL-{i}")
        ents[e.id] = _actor("enterprise", e.id)
    regulator = _actor("regulator", reg.id)
    plan = service.create_plan(s, regulator, PlanIn(
        code=f"SOY-{factories.uid()}", title="2026年浙江省酱油产品质量监督抽查", year=2026, level="provincial",
        period_start=dt.date(2026, 3, 1), period_end=dt.date(2026, 10, 31),
        categories=[PlanCategoryIn(category_id=cat.id, standard_ids=[std.id], target_batches=n)], lab_ids=[lab_a.id]))
    service.draw_plan(s, regulator, plan.id, seed=18186)
    inspectors = [_actor("inspector", lab_a.id), _actor("inspector", lab_a.id)]
    ids = [b.id for b in service.list_batches(s, regulator, plan_id=plan.id)]
    for bid in ids:
        service.record_sampling(s, inspectors[0], bid, sampling())
        service.receive_sample(s, inspectors[0], bid)
    from zhijian.spotcheck import retest

    retest.set_lab_fields(s, regulator, lab_b.id, [cat.id])  # lab B is qualified to re-test soy sauce
    return Soy(ids, regulator, lab_a.id, lab_b.id, inspectors, ents, [ind.id for ind in std.indicators])


def _user(s, role: str, org_id: int) -> str:  # type: ignore[no-untyped-def]
    from zhijian.catalog.models import Organization

    return factories.user(s, role, s.get(Organization, org_id)).username


def _form(token: str, ids: list[int], **over: str) -> dict[str, object]:
    return {"csrf_token": token, "indicator_ids": [str(i) for i in ids]} | GOOD | over


def _value(html: str, name: str) -> str | None:
    """The value an input of the form shows (None when there is no such input)."""
    m = re.search(rf'<input id="{name}" name="{name}"[^>]*? value="([^"]*)"', html)
    return m.group(1) if m else None


def _error(html: str, name: str) -> str:
    m = re.search(rf'<p class="field-error" id="{name}-error">([^<]*)</p>', html)
    assert m, f"no error shown next to {name}"
    return m.group(1)


def test_lab_enters_results_item_by_item_and_sees_the_verdicts(client, db):
    with db.session() as s:
        w = _soy_world(s)
        lab = _user(s, "inspector", w.lab_a)
    bid = w.batches[0]
    url = f"/console/spotcheck/batches/{bid}/results"
    token = _login(client, lab)
    assert f'href="{url}"' in client.get(f"/console/spotcheck/batches/{bid}").text  # received: the form is linked
    page = client.get(url)
    assert page.status_code == 200
    # one row per test item of the plan's standard, requirement, unit and method copied from its indicators
    assert [int(v) for v in re.findall(r'name="indicator_ids" value="(\d+)"', page.text)] == w.indicator_ids
    assert "氨基酸态氮" in page.text and "≥0.8" in page.text and "红褐色或浅红褐色" in page.text
    assert (_value(page.text, "unit_0"), _value(page.text, "method_1"), _value(page.text, "value_0")) == (
        "g/100mL", "GB 5009.11-2014", "")
    assert 'name="verdict_3"' in page.text and 'name="verdict_0"' not in page.text  # text items: the inspector judges
    assert _value(page.text, "lod_3") is None  # no LOD for a text requirement

    # bad input: every bad row marked in place, the typed values kept, status 422, nothing stored
    bad = client.post(url, data=_form(token, w.indicator_ids, value_0="零点六五", value_2="未检出", lod_2="",
                                      unit_1="g/100mL", u_0="-1", verdict_3=""))
    assert bad.status_code == 422
    assert "实测值无法识别" in _error(bad.text, "value_0") and "第 1 项「氨基酸态氮」" in bad.text
    assert "无法换算" in _error(bad.text, "unit_1") and "第 2 项「总砷(以As计)」" in bad.text
    # the service's refusals (rules.item_problems), worded exactly as the API, the import and the CLI give them
    assert html.unescape(_error(bad.text, "lod_2")) == "结果为未检出时须填写检出限（或写作「<检出限」）" and "第 3 项「铅(以Pb计)」" in bad.text
    assert _error(bad.text, "verdict_3") == "文字要求须由检验人员给出单项判定（合格/不合格）"
    neg = client.post(url, data=_form(token, w.indicator_ids, u_0="-1"))
    assert neg.status_code == 422 and _error(neg.text, "u_0") == "扩展不确定度 U 应为非负数"
    assert re.search(r'id="value_0"[^>]*aria-invalid="true"', bad.text)
    assert (_value(bad.text, "value_0"), _value(bad.text, "value_1"), _value(bad.text, "unit_1")) == (
        "零点六五", "0.02", "g/100mL")  # values kept
    with db.session() as s:
        assert s.get(Batch, bid).state == "received"
        assert s.scalars(select(ItemResult).where(ItemResult.batch_id == bid)).all() == []
    # English: the same errors in the visitor's language
    en = client.post(url, data=_form(token, w.indicator_ids, value_0="abc"), headers={"accept-language": "en"})
    assert en.status_code == 422 and "measured value not understood" in en.text and "Item 1" in en.text

    r = client.post(url, data=_form(token, w.indicator_ids), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/console/spotcheck/batches/{bid}"
    with db.session() as s:
        b = s.get(Batch, bid)
        rows = s.scalars(select(ItemResult).where(ItemResult.batch_id == bid).order_by(ItemResult.position)).all()
        assert b.state == "tested"
        got = [(i.round, i.name, i.indicator_id, i.value, i.not_detected, i.lod, i.uncertainty, i.unit,
                i.requirement_text, i.method_standard, i.lab_verdict, i.verdict) for i in rows]
        assert got == [
            (0, "氨基酸态氮", w.indicator_ids[0], 0.65, False, None, 0.03, "g/100mL", "≥0.8", "GB 5009.235-2016", None, "不合格"),
            (0, "总砷(以As计)", w.indicator_ids[1], 0.02, False, None, None, "mg/kg", "≤0.5", "GB 5009.11-2014", None, "合格"),
            (0, "铅(以Pb计)", w.indicator_ids[2], None, True, 0.02, None, "mg/kg", "≤1.0", "GB 5009.12-2017", None, "合格"),
            (0, "色泽", w.indicator_ids[3], None, False, None, None, "", "红褐色或浅红褐色，色泽鲜艳，有光泽", "", "合格", "合格")]
        assert [i.is_safety for i in rows] == [False, True, True, False]
        assert rows[3].value_text == "红褐色，有光泽"
    page = client.get(f"/console/spotcheck/batches/{bid}").text
    row = re.search(r"<tr><td>初检</td><td>氨基酸态氮.*?</tr>", page, re.S).group(0)
    assert "0.65 ± 0.03" in row and 'class="badge bad">不合格' in row
    row = re.search(r"<tr><td>初检</td><td>总砷\(以As计\).*?</tr>", page, re.S).group(0)
    assert "0.02" in row and 'class="badge ok">合格' in row
    assert f'href="{url}"' not in page  # tested: waiting for verification, no second entry
    again = client.get(url)
    assert again.status_code == 409 and "不能录入结果" in again.text


def test_unit_conversion_and_wrong_state_and_other_labs(client, db):
    with db.session() as s:
        w = _soy_world(s, n=2)
        received, retest = w.batches
        # the second batch: judged 不合格, objected, re-test of the reserve sample by lab B
        i1, i2 = w.inspectors_a
        service.submit_results(s, i1, retest, [ItemIn(name="氨基酸态氮", value="0.65"), ItemIn(name="总砷(以As计)", value="0.02"),
                                               ItemIn(name="铅(以Pb计)", value="0.1"),
                                               ItemIn(name="色泽", value="红褐色", lab_verdict="合格")])
        service.verify_results(s, i2, retest)
        service.judge_batch(s, i2, retest)
        service.notify(s, w.regulator, retest, on=dt.date(2026, 6, 1))
        ent = w.enterprises[s.get(Batch, retest).enterprise_id]
        service.submit_objection(s, ent, retest, "对氨基酸态氮结果有异议，申请复检备样", on=dt.date(2026, 6, 10))
        service.decide_objection(s, w.regulator, retest, ObjectionDecisionIn(accept=True, retest_lab_id=w.lab_b))
        lab_a, lab_b = _user(s, "inspector", w.lab_a), _user(s, "inspector", w.lab_b)
        ent_user = _user(s, "enterprise", ent.organization_id)
    # lab B is not this batch's lab: the received batch stays hidden from it, as on the sampling page
    token = _login(client, lab_b)
    assert client.get(f"/console/spotcheck/batches/{received}/results").status_code == 404
    r = client.post(f"/console/spotcheck/batches/{received}/results", data=_form(token, w.indicator_ids))
    assert r.status_code == 404
    # ... but it re-tests the reserve sample of the objected batch (round 1, the batch stays 异议中 until verified)
    assert 'results">逐项录入复检结果' in client.get(f"/console/spotcheck/batches/{retest}").text
    form = client.get(f"/console/spotcheck/batches/{retest}/results")
    assert form.status_code == 200 and "录入复检结果" in form.text
    # the re-test form has the disputed item only (issue #14: the re-test covers the disputed items)
    assert _value(form.text, "value_0") is not None and _value(form.text, "value_1") is None
    r = client.post(f"/console/spotcheck/batches/{retest}/results",
                    data=_form(token, w.indicator_ids[:1], value_0="850", unit_0="mg/100mL"), follow_redirects=False)
    assert r.status_code == 303
    with db.session() as s:
        assert s.get(Batch, retest).state == "objected"
        rows = s.scalars(select(ItemResult).where(ItemResult.batch_id == retest, ItemResult.round == 1)
                         .order_by(ItemResult.position)).all()
        assert [(i.name, i.verdict) for i in rows] == [("氨基酸态氮", "合格")]
        assert (rows[0].value, rows[0].unit, rows[0].value_text) == (0.85, "g/100mL", "850 mg/100mL")  # converted
    # entered once, like the first test: the re-test results wait for verification (issue 12: 20 concurrent
    # submissions must not each replace them), so the form is refused with the reason
    again = client.get(f"/console/spotcheck/batches/{retest}/results")
    assert again.status_code == 409 and "复检结果已录入，待审核" in again.text

    # lab A tested the batch first, but the re-test is another lab's: 403, nothing stored
    client.cookies.clear()
    token = _login(client, lab_a)
    assert 'results">' not in client.get(f"/console/spotcheck/batches/{retest}").text
    assert client.get(f"/console/spotcheck/batches/{retest}/results").status_code == 403
    r = client.post(f"/console/spotcheck/batches/{retest}/results", data=_form(token, w.indicator_ids[:1], value_0="0.1"))
    assert r.status_code == 403 and "只能编辑本机构承检的报告" in r.text
    with db.session() as s:
        assert s.scalar(select(ItemResult.value).where(ItemResult.batch_id == retest, ItemResult.round == 1,
                                                       ItemResult.position == 0)) == 0.85
    # wrong state: results once entered wait for verification; a second post says why, keeps the values, stores nothing
    assert client.post(f"/console/spotcheck/batches/{received}/results", data=_form(token, w.indicator_ids),
                       follow_redirects=False).status_code == 303
    r = client.post(f"/console/spotcheck/batches/{received}/results", data=_form(token, w.indicator_ids, value_1="0.7"))
    assert r.status_code == 409 and "批次处于「已检验」，不能录入结果" in r.text and _value(r.text, "value_1") == "0.7"
    with db.session() as s:
        assert s.scalar(select(ItemResult.value).where(ItemResult.batch_id == received, ItemResult.position == 1)) == 0.02
    # enterprises never get the form
    client.cookies.clear()
    _login(client, ent_user)
    assert client.get(f"/console/spotcheck/batches/{retest}/results").status_code == 403
