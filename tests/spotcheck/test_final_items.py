"""Issue #14 leftovers: the risk scan counts the final verdict's items, and the standard's comparison method
(GB/T 8170-2008 §4.3: 全数值比较法 or 修约值比较法, as the product standard prescribes) applies on every path.

Findings before the fix:
- `service.result_rows` (read by the risk room's scan) counted the first test's items: after a partial re-test
  (铅 disputed and passing, 蛋白质 undisputed and failing) it reported 2 failing items of 3, while the final
  verdict has one (蛋白质);
- an API result item that carried its own requirement text was compared 全数值 even when its standard says
  修约值: 0.54 against ≤0.5 (GB/T 8170 rounding to the limit's last digit gives 0.5, 合格) was 不合格.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest

from tests.spotcheck.scenario import sampling, world
from tests.spotcheck.test_retest import _objected
from zhijian.platform.errors import DomainError
from zhijian.spotcheck import service
from zhijian.spotcheck.models import ItemResult
from zhijian.spotcheck.schemas import ItemIn, ObjectionDecisionIn


def test_result_rows_count_the_final_items_after_a_partial_retest(db):
    with db.session() as s:
        w = world(s, n_products=1)
        b, _ent, _obj = _objected(s, w)  # first test: 铅 0.8 (>0.5) and 蛋白质 2.5 (<2.9) fail; 铅 disputed
        row = next(r for r in service.result_rows(s) if r[0] == b.id)
        assert (row[1], row[9], row[10]) == (None, 3, 2)  # not final yet: the first test
        service.decide_objection(s, w.regulator, b.id, ObjectionDecisionIn(accept=True))
        r1, r2 = w.inspectors_b
        service.submit_results(s, r1, b.id, [ItemIn(name="铅(以Pb计)", value="0.3")])
        row = next(r for r in service.result_rows(s) if r[0] == b.id)
        assert (row[9], row[10]) == (3, 2)  # re-test entered, not verified: still the first test's items
        service.verify_results(s, r2, b.id)
        service.finalize(s, w.regulator, b.id, on=dt.date(2026, 7, 1))
        row = next(r for r in service.result_rows(s) if r[0] == b.id)
        # the final verdict: 铅 from the re-test (合格), 蛋白质 and 色泽 from the first test — one failing item
        assert (row[1], row[9], row[10]) == ("不合格", 3, 1)
        assert s.get(type(b), b.id).failing_items == ["蛋白质"]


def _received(s, n: int = 3):  # type: ignore[no-untyped-def]
    w = world(s, n_products=n, comparison="rounded")  # the standard prescribes 修约值比较法
    service.draw_plan(s, w.regulator, w.plan_id, seed=8170)
    bs = service.list_batches(s, w.regulator, plan_id=w.plan_id)
    for b in bs:
        service.record_sampling(s, w.inspectors_a[0], b.id, sampling())
        service.receive_sample(s, w.inspectors_a[0], b.id)
    return w, bs


REST = [ItemIn(name="蛋白质", value="3.1"), ItemIn(name="色泽", value="乳白色", lab_verdict="合格")]


def _lead(s, batch_id: int) -> ItemResult:  # type: ignore[no-untyped-def]
    return s.query(ItemResult).filter(ItemResult.batch_id == batch_id, ItemResult.name == "铅(以Pb计)").one()


def test_the_standards_rounding_method_on_every_path(db):
    with db.session() as s:
        w, (b_api, b_text, b_imp) = _received(s)
        i1 = w.inspectors_a[0]
        # the API with the indicator's requirement (resolved by name)
        service.submit_results(s, i1, b_api.id, [ItemIn(name="铅(以Pb计)", value="0.54"), *REST])
        # the API with the item's own requirement text: the standard's method still applies
        service.submit_results(s, i1, b_text.id, [ItemIn(name="铅(以Pb计)", requirement="≤0.5", requirement_unit="mg/kg",
                                                         unit="mg/kg", value="0.54"), *REST])
        # the import (its own 标准要求 column, as labs write it)
        csv = ("抽样单编号,检验项目,单位,标准要求,检验结果,单项判定\n"
               f"{b_imp.sample_no},铅(以Pb计),mg/kg,≤0.5,0.54,\n{b_imp.sample_no},蛋白质,g/100g,≥2.9,3.1,\n"
               f"{b_imp.sample_no},色泽,,乳白色或微黄色,乳白色,合格\n").encode()
        service.import_results(s, i1, io.BytesIO(csv).read(), "r.csv")
        for b in (b_api, b_text, b_imp):
            lead = _lead(s, b.id)
            # GB/T 8170-2008 §4.3.3: 0.54 rounded to the limit's digit (0.1) is 0.5, which meets ≤0.5
            assert (lead.comparison_method, lead.verdict) == ("rounded", "合格"), b.sample_no
            assert lead.indicator_id is not None and lead.is_safety  # linked to its indicator on every path
            assert service.explain_item(s, lead)["comparison_method"].startswith("修约值比较法")


def test_a_method_contradicting_the_standard_is_refused(db):
    with db.session() as s:
        w, (b, *_rest) = _received(s, n=1)
        with pytest.raises(DomainError) as e:
            service.submit_results(s, w.inspectors_a[0], b.id, [
                ItemIn(name="铅(以Pb计)", requirement="≤0.5", value="0.54", comparison_method="full"), *REST])
        assert (e.value.code, e.value.field) == ("spotcheck.method_conflict", "items.0.comparison_method")
        assert "修约值比较法" in e.value.message_zh
