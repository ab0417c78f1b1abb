"""Issue 15, finding on credit: A and B had the same 双随机 weight (spotcheck's default {A: 1, B: 1, C: 2, D: 3}),
there was no 严重违法失信名单 forcing D, no 经营异常名录, no 信用修复, and the association could recompute the classes
that steer regulators' draws. SAMR 企业信用风险分类管理 (2022): A is checked least often, D most; listing on the
严重违法失信名单 (SAMR Order No. 44, 2021) forces the highest-risk class."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories
from zhijian.catalog.models import Organization
from zhijian.consumer import rules, service
from zhijian.platform.auth import SYSTEM
from zhijian.platform.errors import DomainError


def test_draw_weights_differ_for_every_class_and_are_validated():
    w = rules.CreditModel().draw_weights
    assert w["A"] < w["B"] < w["C"] < w["D"]
    with pytest.raises(DomainError) as e:
        rules.CreditModel.from_dict({"draw_weights": {"A": 1.0, "B": 1.0, "C": 2.0, "D": 3.0}})
    assert e.value.code == "credit.bad_model" and e.value.field == "draw_weights"


def test_serious_list_forces_d_abnormal_lowers_and_groups_are_named():
    today = dt.date(2026, 6, 1)
    clean = rules.score_credit(rules.CreditInputs(), rules.CreditModel(), today)
    assert clean.credit_class == "A"
    serious = rules.score_credit(rules.CreditInputs(serious_listed=("严重失信决定书 1 号",)), rules.CreditModel(), today)
    assert serious.score == 100.0 and serious.credit_class == "D" and "严重违法失信名单" in serious.caps[0]
    abnormal = rules.score_credit(rules.CreditInputs(abnormal_entries=("未按期公示年报",)), rules.CreditModel(), today)
    assert abnormal.score == 90.0 and abnormal.credit_class == "A"  # one entry −10
    two = rules.score_credit(rules.CreditInputs(abnormal_entries=("年报", "地址失联")), rules.CreditModel(), today)
    assert two.score == 80.0 and two.credit_class == "B"
    groups = {g["group"]: g["points"] for g in two.groups()}
    assert groups["basic"] == 80.0 and set(groups) == {"basic", "business", "supervision", "social"}
    assert {b["group"] for b in two.breakdown()} == {"basic"} and all(b["source"] for b in two.breakdown())


def test_listing_repair_and_only_regulators_steer_the_draw(client, db, staff):
    with db.session(SYSTEM) as s:
        ent = factories.enterprise(s)
        eid = ent.id
    reg, assoc = staff("regulator"), staff("association")
    body = {"kind": "serious", "listed_on": (service.today() - dt.timedelta(days=30)).isoformat(),
            "decision_no": f"失信{factories.uid()}", "reason": "提供不合格食品", "authority": "某市市场监管局"}
    assert client.post(f"/api/v1/credit/{eid}/listings", json=body, headers=assoc).status_code == 403
    r = client.post(f"/api/v1/credit/{eid}/listings", json=body, headers=reg)
    assert r.status_code == 201, r.text
    lid = r.json()["id"]
    assert client.post("/api/v1/credit/recompute", json={"enterprise_ids": [eid]}, headers=assoc).status_code == 403
    r = client.post("/api/v1/credit/recompute", json={"enterprise_ids": [eid]}, headers=reg)
    assert r.json()[0]["credit_class"] == "D"
    # 信用修复: recorded with its grounds, the next recompute restores the class
    r = client.post(f"/api/v1/credit/listings/{lid}/removal", json={"removal": "repair", "note": ""}, headers=reg)
    assert r.status_code == 422 and r.json()["code"] == "credit.note_required"
    r = client.post(f"/api/v1/credit/listings/{lid}/removal", headers=reg,
                    json={"removal": "repair", "note": "已整改并履行处罚，申请信用修复获准"})
    assert r.status_code == 200 and r.json()["removal"] == "repair"
    r = client.post("/api/v1/credit/recompute", json={"enterprise_ids": [eid]}, headers=reg)
    assert r.json()[0]["credit_class"] == "A"
    hist = client.get(f"/api/v1/credit/{eid}/listings", headers=assoc).json()
    assert hist[0]["removal_zh"] == "信用修复" and hist[0]["removed_by"].startswith("regulator:")
    with db.session() as s:
        assert s.get(Organization, eid).credit_class == "A"


def test_spotcheck_draw_reads_the_credit_model_weights(db):
    from zhijian.spotcheck import service as spot

    with db.session(SYSTEM) as s:
        assert spot._credit_draw_weights(s) == {"A": 0.5, "B": 1.0, "C": 2.0, "D": 4.0}
        assert service.draw_weights(s) == spot._credit_draw_weights(s)
