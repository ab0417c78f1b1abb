"""Issue 15, item 3 (closing note: "the credit model's indicators and the draw frequencies it produces"): the
enterprise's credit page shows its breakdown by 企业信用风险分类 indicator group and the 双随机 frequency of its
class (weights A 0.5 < B 1 < C 2 < D 4 → the chance per draw among its province's enterprises); and a satisfaction
statistics page per handling regulator and month, scoped by jurisdiction (issue 13). Before: neither existed
(/console/satisfaction answered 404; the credit page had no group totals or draw frequency)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.web.test_pages import web_login
from zhijian.catalog.models import Organization
from zhijian.consumer import rules, service
from zhijian.consumer.models import Complaint
from zhijian.consumer.schemas import ComplaintIn, SatisfactionIn, TransitionIn
from zhijian.platform.auth import SYSTEM


def test_draw_chances_worked_example():
    # 10 A, 20 B, 5 C, 2 D with SAMR-ordered weights: Σ nⱼ·wⱼ = 5 + 20 + 10 + 8 = 43
    ch = rules.draw_chances({"A": 10, "B": 20, "C": 5, "D": 2}, {"A": 0.5, "B": 1.0, "C": 2.0, "D": 4.0})
    assert ch["A"]["per_draw"] == pytest.approx(0.5 / 43) and ch["D"]["per_draw"] == pytest.approx(4 / 43)
    assert [ch[k]["relative"] for k in "ABCD"] == [0.5, 1.0, 2.0, 4.0]
    assert ch["D"]["per_draw"] == pytest.approx(8 * ch["A"]["per_draw"])  # D checked 8 × as often as A
    # the whole population's chances add up to one draw
    assert sum(n * ch[k]["per_draw"] for k, n in {"A": 10, "B": 20, "C": 5, "D": 2}.items()) == pytest.approx(1.0)
    # a class with no enterprise in the population has no chance to show (1 A + 2 B: Σ = 2.5)
    small = rules.draw_chances({"A": 1, "B": 2}, {"A": 0.5, "B": 1.0, "C": 2.0, "D": 4.0})
    assert small["B"]["per_draw"] == pytest.approx(1 / 2.5) and small["D"]["per_draw"] is None
    # unclassified enterprises weigh as B (spotcheck.rules.draw): 3 unclassified add 3 to the total
    assert rules.draw_chances({"A": 1, "-": 3}, rules.CreditModel().draw_weights)["A"]["per_draw"] == pytest.approx(
        0.5 / 3.5)


def test_credit_page_shows_indicator_groups_and_draw_frequency(client, db):
    with db.session(SYSTEM) as s:
        ent = factories.enterprise(s, region="330106")
        service.recompute_credit(s, SYSTEM, enterprise_ids=[ent.id])
        eid = ent.id
        klass = s.get(Organization, eid).credit_class
        counts = {str(k or "-"): int(n) for k, n in s.execute(
            select(Organization.credit_class, func.count()).where(Organization.kind == "enterprise",
                                                                  Organization.region_code.like("33%"))
            .group_by(Organization.credit_class))}
        ent_org = s.get(Organization, eid)
    assert klass == "A"  # no spot-check failure, complaint, penalty or listing: 100 points
    weights = {"A": 0.5, "B": 1.0, "C": 2.0, "D": 4.0}
    total = sum(n * weights.get(k, 1.0) for k, n in counts.items())
    for role, org in (("regulator", None), ("enterprise", ent_org)):
        client.cookies.clear()
        web_login(client, db, role, org)
        html = client.get(f"/console/credit/{eid}").text
        groups = html[html.index('id="indicator-groups"'):html.index('id="draw-frequency"')]
        for label in ("基础属性信息", "经营行为信息", "监管信息（抽查、投诉、处罚）", "社会评价信息"):
            assert label in groups
        assert "+100.00" in groups  # the base score is the basic-information group
        draw = html[html.index('id="draw-frequency"'):]
        assert "抽查权重 0.5，为 B 类企业的 0.5 倍" in draw
        assert f"在本省 {sum(counts.values())} 家企业中" in draw
        assert f"{0.5 / total * 100:.4f}%" in draw
        assert (f"{4 / total * 100:.4f}%" if counts.get("D") else "<td class=\"num\">—</td>") in draw


def _rated(s, handler: int, region: str, on: dt.date, score: int) -> None:
    ent = factories.enterprise(s, region=region)
    c, code = service.submit_complaint(s, SYSTEM, ComplaintIn.model_validate({
        "kind": "complaint", "complainant_name": "王丽", "complainant_phone": "13800001111",
        "complainant_address": "某市某路1号", "respondent_id": ent.id, "facts": "电热水壶底座冒烟",
        "requests": ["refund"], "received_on": on - dt.timedelta(days=3)}))
    service.transition(s, SYSTEM, c.id, TransitionIn(to="accepted", on=on - dt.timedelta(days=2)))
    c.handler_org_id = handler  # the bureau that accepted it (a regulator user accepting sets it the same way)
    service.transition(s, SYSTEM, c.id, TransitionIn(to="closed", outcome="withdrawn", on=on))
    service.rate_satisfaction(s, SatisfactionIn(tracking_no=c.tracking_no, check_code=code, score=score))


def test_satisfaction_statistics_per_regulator_and_month_by_jurisdiction(client, db):
    with db.session(SYSTEM) as s:
        hz = factories.regulator(s, level="municipal", region="330100")
        gd = factories.regulator(s, level="provincial", region="440000")
        for day, score in ((dt.date(2026, 1, 15), 5), (dt.date(2026, 1, 20), 4), (dt.date(2026, 2, 3), 2)):
            _rated(s, hz.id, "330106", day, score)
        _rated(s, gd.id, "440305", dt.date(2026, 1, 16), 3)
        hz_org, gd_org, hz_name, gd_name = hz, gd, hz.name, gd.name
        s.expunge_all()
    web_login(client, db, "regulator", hz_org)
    html = client.get("/console/satisfaction").text
    assert gd_name not in html  # another province's bureau is outside Hangzhou's jurisdiction
    rows = re.findall(rf"<tr><td>{hz_name}</td>(.*?)</tr>", html)
    # by regulator: 3 rated, mean (5 + 4 + 2) / 3 = 3.67, 2 of 3 satisfied (4–5)
    assert rows[0] == '<td class="num">3</td><td class="num">3.67</td><td class="num">66.7%</td>'
    # by month: January 2 rated, mean 4.50, 100 %; February 1 rated, mean 2.00, 0 %
    assert rows[1].startswith('<td>2026-01</td><td class="num">2</td><td class="num">4.50</td><td class="num">100.0%</td>')
    assert rows[2].startswith('<td>2026-02</td><td class="num">1</td><td class="num">2.00</td><td class="num">0.0%</td>')
    client.cookies.clear()
    web_login(client, db, "regulator", gd_org)
    html = client.get("/console/satisfaction").text
    assert hz_name not in html and f"<tr><td>{gd_name}</td><td>2026-01</td>" in html
    client.cookies.clear()
    web_login(client, db, "association")
    assert client.get("/console/satisfaction").status_code == 403  # issue 13: the association reads no complaints
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Complaint).where(Complaint.handler_org_id == hz_org.id)) == 3
