"""风险信号、评估、警示、召回 by jurisdiction (issue 13, item 3), through the real API.

Finding quoted by issue 13: "regulator_hz reads every province's complaints and signals". One scan on synthetic
rows (tests/risk/synthetic.py, as in test_scan.py) yields a failure-rate signal in 广东 (the hot category × 440305 → province 440000),
an enterprise signal for a 宁波 (330200) enterprise failing half its batches, and a complaint-count signal on a
product of a 杭州 (330106) enterprise. GB/T 2260: 330100 杭州市, 330000 浙江省, 440000 广东省.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests import factories
from tests.risk.synthetic import AS_OF, complaint_rows, result_rows
from tests.risk.test_api import SCENARIOS
from zhijian.platform.auth import SYSTEM, actor_for
from zhijian.platform.models import User
from zhijian.risk import service
from zhijian.risk.models import ScanRun
from zhijian.risk.schemas import RecallIn

PASSWORD = "correct horse 1"


def _login(client, db, org_id: int) -> tuple[int, dict[str, str]]:  # type: ignore[no-untyped-def]
    from zhijian.catalog.models import Organization

    with db.session() as s:
        u = factories.user(s, "regulator", s.get(Organization, org_id))
        uid, name = u.id, u.username
    r = client.post("/api/v1/auth/token", json={"username": name, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return uid, {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.fixture
def world(client, db) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    with db.session() as s:
        c1, c2, c3 = factories.category(s), factories.category(s), factories.category(s)
        ent_hz, ent_nb = factories.enterprise(s, region="330106"), factories.enterprise(s, region="330200")
        plain, other, third = (factories.enterprise(s, region="320505") for _ in range(3))
        prod = factories.product(s, ent_hz, c3)
        spike = factories.product(s, ent_hz, c3)
        # three more enterprises in the category: the empirical-Bayes prior needs at least three
        rows = (result_rows(cat=c1.id, hot_cat=c2.id, ent=plain.id, hot_ent=ent_nb.id, per_month=12)
                + result_rows(cat=c1.id, ent=other.id, seed=5, per_month=12, batch0=10**6)
                + result_rows(cat=c1.id, ent=third.id, seed=6, per_month=12, batch0=2 * 10**6))
        comp = complaint_rows(cat=c3.id, product=prod.id, spike_product=spike.id)
        run = service.run_scan(s, SYSTEM, as_of=AS_OF, results=rows, complaints=comp)
        sigs = service.list_signals(s, SYSTEM, limit=500).items
        mine = [g for g in sigs if g.scan_id == run.id]
        w: dict[str, Any] = {
            "gd_sig": next(g.id for g in mine if g.category_id == c2.id and g.region_code == "440000"),
            "nb_sig": next(g.id for g in mine if g.enterprise_id == ent_nb.id),
            "hz_sig": next(g.id for g in mine if g.product_id == spike.id),
            "scan": run.id, "db": db, "ent_hz": ent_hz.id, "ent_nb": ent_nb.id, "prod_hz": prod.id,
            "orgs": {"hz": factories.regulator(s, level="municipal", region="330100").id,
                     "zj": factories.regulator(s, level="provincial", region="330000").id,
                     "gd": factories.regulator(s, level="provincial", region="440000").id,
                     "samr": factories.regulator(s, level="national", region="110000").id}}
    for k, oid in w["orgs"].items():
        w[k] = _login(client, db, oid)
    return w


def _signal_ids(client, h: dict[str, str]) -> set[int]:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/risk/signals?status=&limit=500", headers=h)
    assert r.status_code == 200, r.text
    return {g["id"] for g in r.json()["items"]}


def test_signals_by_division(client, world) -> None:  # type: ignore[no-untyped-def]
    hz_sig, nb_sig, gd_sig = world["hz_sig"], world["nb_sig"], world["gd_sig"]
    ours = {hz_sig, nb_sig, gd_sig}
    hz = world["hz"][1]
    assert _signal_ids(client, hz) & ours == {hz_sig}
    assert client.get(f"/api/v1/risk/signals/{hz_sig}", headers=hz).json()["region_code"] == "330106"
    for other in (nb_sig, gd_sig):
        r = client.get(f"/api/v1/risk/signals/{other}", headers=hz)
        assert r.status_code == 404 and r.json()["code"] == "jurisdiction.outside"
        assert client.post(f"/api/v1/risk/signals/{other}/review", json={"status": "confirmed"},
                           headers=hz).status_code == 404
    assert _signal_ids(client, world["zj"][1]) & ours == {hz_sig, nb_sig}
    assert _signal_ids(client, world["gd"][1]) & ours == {gd_sig}
    assert _signal_ids(client, world["samr"][1]) & ours == ours
    assert client.post(f"/api/v1/risk/signals/{gd_sig}/review", json={"status": "confirmed"},
                       headers=world["gd"][1]).json()["status"] == "confirmed"
    # the association monitors signals but opens no complaint: the signal page links none of its evidence cases
    from tests.consumer.test_jurisdiction import _login as login_role

    _, assoc = login_role(client, world["db"], "association")
    page = client.get(f"/console/risk/signals/{hz_sig}", headers=assoc)
    assert page.status_code == 200 and "/console/complaints/" not in page.text and "不在本账号可查阅范围" in page.text
    # the scan is national: a municipal bureau may not retune a series for everyone
    cfg = {"kind": "count", "series_key": f"prod:{world['prod_hz']}", "methods": ["ears_c1"]}
    assert client.put("/api/v1/risk/series-configs", json=cfg, headers=hz).status_code == 403


def test_assessments_alerts_and_recalls_by_division(client, db, world) -> None:  # type: ignore[no-untyped-def]
    hz, zj, gd, samr = (world[k][1] for k in ("hz", "zj", "gd", "samr"))
    # an assessment by 杭州 belongs to 杭州: 浙江 and 总局 read it, 广东 does not
    a = client.post("/api/v1/risk/assessments", json=SCENARIOS, headers=hz)
    assert a.status_code == 201, a.text
    aid = a.json()["id"]
    assert client.get(f"/api/v1/risk/assessments/{aid}", headers=zj).status_code == 200
    assert client.get(f"/api/v1/risk/assessments/{aid}", headers=samr).status_code == 200
    assert client.get(f"/api/v1/risk/assessments/{aid}", headers=gd).status_code == 404
    assert client.get(f"/api/v1/risk/assessments/{aid}/pdf", headers=gd).status_code == 404
    assert aid not in {x["id"] for x in client.get("/api/v1/risk/assessments?limit=500", headers=gd).json()["items"]}
    # a draft alert on the confirmed 广东 signal (drafted by 总局) is 广东's: 杭州 can neither read nor publish it
    gd_sig = world["gd_sig"]
    client.post(f"/api/v1/risk/signals/{gd_sig}/review", json={"status": "confirmed"}, headers=gd)
    r = client.post("/api/v1/risk/alerts", headers=samr, json={
        "title": "电热水壶不合格率升高", "risk_level": "high", "signal_id": gd_sig, "fields": {"product": "电热水壶"}})
    assert r.status_code == 201, r.text
    alert = r.json()["id"]
    assert client.get(f"/api/v1/risk/alerts/{alert}", headers=hz).status_code == 404
    assert alert not in {x["id"] for x in client.get("/api/v1/risk/alerts?limit=500", headers=hz).json()["items"]}
    assert client.post(f"/api/v1/risk/alerts/{alert}/publish", headers=hz).status_code == 404
    assert client.post(f"/api/v1/risk/alerts/{alert}/publish", headers=gd).status_code == 200
    # published: public to every monitor, but only 广东 (or above) may withdraw it
    assert client.get(f"/api/v1/risk/alerts/{alert}", headers=hz).status_code == 200
    assert alert in {x["id"] for x in client.get("/api/v1/risk/alerts?limit=500", headers=hz).json()["items"]}
    assert client.post(f"/api/v1/risk/alerts/{alert}/withdraw", headers=hz).status_code == 404
    # a recall by the 宁波 enterprise: 浙江 reads it, 杭州 does not (detail, list, close)
    with db.session() as s:
        rec = service.start_recall(s, SYSTEM, RecallIn(
            enterprise_id=world["ent_nb"], title="电热水壶召回", reason="底座过热", risk_level="high",
            started_on=AS_OF, units_total=100))
        rid = rec.id
    assert client.get(f"/api/v1/risk/recalls/{rid}", headers=zj).status_code == 200
    assert client.get(f"/api/v1/risk/recalls/{rid}", headers=hz).status_code == 404
    assert rid not in {x["id"] for x in client.get("/api/v1/risk/recalls?limit=500", headers=hz).json()["items"]}
    assert client.post(f"/api/v1/risk/recalls/{rid}/close", json={"closed_on": AS_OF.isoformat(), "summary": "完成"},
                       headers=hz).status_code == 404
    # 杭州 may not order a recall for the 宁波 enterprise either
    r = client.post("/api/v1/risk/recalls", headers=hz, json={
        "enterprise_id": world["ent_nb"], "title": "责令召回", "reason": "过热", "risk_level": "high",
        "started_on": AS_OF.isoformat(), "units_total": 10})
    assert r.status_code == 404


def test_dashboard_aggregates_by_division(db, world) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        zj = actor_for(s.get(User, world["zj"][0]))  # type: ignore[arg-type]
        gd = actor_for(s.get(User, world["gd"][0]))  # type: ignore[arg-type]
        hz = actor_for(s.get(User, world["hz"][0]))  # type: ignore[arg-type]
        run = s.get(ScanRun, world["scan"])
        assert run is not None
        full = run.summary
        assert {c["region"] for c in full["heatmap"]} >= {"330000", "440000", "320000"}
        zs = service.scoped_summary(s, zj, full)
        assert {c["region"] for c in zs["heatmap"]} == {"330000"}
        assert all(t["region"] == "330000" for t in zs["trends"])
        assert all(p["region"].startswith("33") for f in zs["funnels"] for p in f["points"])
        assert zs["complaints"] == {}
        assert world["ent_nb"] in {e["enterprise_id"] for e in full["enterprises"]}
        assert {e["enterprise_id"] for e in zs["enterprises"]} == {world["ent_nb"]}  # the only 浙江 enterprise
        gs = service.scoped_summary(s, gd, full)
        assert {c["region"] for c in gs["heatmap"]} == {"440000"}
        # a municipal bureau has no province-level cell: the scan's series are provinces
        assert service.scoped_summary(s, hz, full)["heatmap"] == []
        assert service.scoped_summary(s, SYSTEM, full) is full
