"""Through the real app: a final 不合格 spot check becomes a lead (the scan), a case, a paid fine and a published
decision; a joint operation of two provinces (浙江 杭州, 广东 广州) with 协查, 移送 and a shared timeline; problem+json
for bad input; each division sees only its own cases and what is shared with it.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from tests import factories
from tests.spotcheck.scenario import world
from tests.spotcheck.test_retest import _final_fail

PROBLEM = "application/problem+json"


def _setup(client, db, login, region, level, name):  # type: ignore[no-untyped-def]
    with db.session() as s:
        org = factories.regulator(s, level, region)
        org.name = f"{name}{factories.uid()}"
        s.flush()
        oid = org.id
    h = login("regulator", SimpleNamespace(id=oid))
    certs = []
    for i in range(2):
        cert = f"{region}{factories.uid()[-6:]}{i}".upper()[:24]
        r = client.post("/api/v1/enforcement/officers", json={"name": f"执法员{i}", "cert_no": cert}, headers=h)
        assert r.status_code == 201, r.text
        certs.append(cert)
    return oid, h, certs


def test_failed_spot_check_to_paid_fine_and_published_decision(client, db, login):
    with db.session() as s:
        w = world(s, n_products=1)
        batch = _final_fail(s, w)
        batch_id, ent_id = batch.id, batch.enterprise_id
    oid, reg, certs = _setup(client, db, login, "330100", "municipal", "杭州市市场监督管理局")
    r = client.post("/api/v1/enforcement/leads/scan", headers=login("admin"))
    assert r.status_code == 200 and r.json().get("spotcheck", 0) >= 1, r.text
    assert client.post("/api/v1/enforcement/leads/scan", headers=login("admin")).json().get("spotcheck", 0) == 0
    leads = client.get("/api/v1/enforcement/leads", params={"source": "spotcheck", "limit": 500}, headers=reg).json()
    lead = next(x for x in leads["items"] if x["source_ref"] == f"batch:{batch_id}")
    assert lead["party_id"] == ent_id and lead["source_link"] == f"/console/spotcheck/batches/{batch_id}"
    received = dt.date.fromisoformat(lead["received_on"])
    # 程序规定 第十八条: 15 working days
    from zhijian.platform.calendar import default_calendar

    assert lead["verify_due_on"] == default_calendar().add_working_days(received, 15).due.isoformat()
    day = received + dt.timedelta(days=3)
    r = client.post("/api/v1/enforcement/cases", headers=reg, json={
        "lead_id": lead["id"], "approver": "局长 王某", "officers": certs, "on": day.isoformat(),
        "facts_text": "当事人生产的纯牛奶经监督抽查铅含量不合格"})
    assert r.status_code == 201, r.text
    case = r.json()
    cid = case["id"]
    ev = client.post(f"/api/v1/enforcement/cases/{cid}/evidence", headers=reg,
                     data={"kind": "test_report", "description": "检验报告", "officers": ",".join(certs)},
                     files={"file": ("report.pdf", b"%PDF-1.4 test report", "application/pdf")})
    assert ev.status_code == 201 and len(ev.json()["file_hash"]) == 64, ev.text
    # bad input: problem+json naming the field, nothing written
    bad = client.post(f"/api/v1/enforcement/cases/{cid}/review", headers=reg, json={
        "officers": certs, "violation_code": "FSL-124", "facts": {"goods_value": 8000}, "proposed_fine": 40000})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith(PROBLEM)
    assert bad.json()["code"] == "enforcement.fine_out_of_range"
    r = client.post(f"/api/v1/enforcement/cases/{cid}/review", headers=reg, json={
        "officers": certs, "violation_code": "FSL-124", "facts": {"goods_value": 8000}, "proposed_fine": 60000,
        "on": day.isoformat()})
    assert r.status_code == 200 and not r.json()["hearing_right"], r.text
    served = day + dt.timedelta(days=1)
    r = client.post(f"/api/v1/enforcement/cases/{cid}/notice", headers=reg,
                    json={"officers": certs, "served_on": served.isoformat()})
    due = dt.date.fromisoformat(r.json()["response_due_on"])
    early = client.post(f"/api/v1/enforcement/cases/{cid}/decision", headers=reg, json={
        "officers": certs, "fine": 60000, "approver": "局长", "on": due.isoformat()})
    assert early.status_code == 409 and early.json()["code"] == "enforcement.decision_too_early"
    decided = due + dt.timedelta(days=1)
    r = client.post(f"/api/v1/enforcement/cases/{cid}/decision", headers=reg, json={
        "officers": certs, "fine": 60000, "approver": "局长", "on": decided.isoformat()})
    assert r.status_code == 200 and r.json()["state"] == "decided", r.text
    r = client.post(f"/api/v1/enforcement/cases/{cid}/service", headers=reg, json={
        "officers": certs, "method": "direct", "served_on": decided.isoformat()})
    pay_due = r.json()["payment_due_on"]
    r = client.post(f"/api/v1/enforcement/cases/{cid}/payment", headers=reg, json={"paid_on": pay_due, "amount": "60000"})
    assert r.status_code == 200 and r.json()["state"] == "executing", r.text
    r = client.post(f"/api/v1/enforcement/cases/{cid}/close", headers=reg,
                    json={"officers": certs, "on": pay_due})
    assert r.json()["state"] == "closed"
    r = client.post(f"/api/v1/enforcement/cases/{cid}/publish", headers=reg, json={"on": pay_due})
    assert r.status_code == 200 and r.json()["published_on"] == pay_due
    pub = client.get("/api/v1/enforcement/public/decisions", params={"limit": 500}).json()
    mine = next(p for p in pub if p["id"] == cid)
    assert "食品安全法》第一百二十四条" in mine["text"] and mine["fine"] == "60000.00"
    for kind in ("filing", "notice", "decision", "receipt"):
        r = client.get(f"/api/v1/enforcement/cases/{cid}/documents/{kind}.pdf", headers=reg)
        assert r.status_code == 200 and r.content.startswith(b"%PDF"), kind
    checks = client.get(f"/api/v1/enforcement/cases/{cid}/checklist", headers=reg).json()
    assert all(c["ok"] in (True, None) for c in checks), checks
    # another city's regulator sees neither the lead nor the case; the public page has only the public version
    _other, other_h, _ = _setup(client, db, login, "330200", "municipal", "宁波市市场监督管理局")
    assert client.get(f"/api/v1/enforcement/cases/{cid}", headers=other_h).status_code == 404
    assert client.get(f"/api/v1/enforcement/leads/{lead['id']}", headers=other_h).status_code == 404
    stats = client.get("/api/v1/enforcement/oversight", headers=reg).json()
    row = next(d for d in stats["divisions"] if d["organ_id"] == oid)
    assert (row["cases"], row["decided_on_time"], row["penalties"], row["published_on_time"]) == (1, 1, 1, 1)
    x = client.get("/api/v1/enforcement/oversight.xlsx", headers=reg)
    assert x.status_code == 200 and x.content[:2] == b"PK"


def test_joint_operation_across_two_provinces(client, db, login):
    hz, hz_h, hz_c = _setup(client, db, login, "330100", "municipal", "杭州市市场监督管理局")
    gz, gz_h, gz_c = _setup(client, db, login, "440100", "municipal", "广州市市场监督管理局")
    with db.session() as s:
        e1, e2 = factories.enterprise(s, region="330106"), factories.enterprise(s, region="440106")
        p1, p2 = e1.id, e2.id
    gtin = "06901234567892"
    r = client.post("/api/v1/enforcement/operations", headers=hz_h, json={
        "name": "“清源”假冒电热毯专项行动", "gtins": [gtin], "member_organ_ids": [gz], "on": "2026-11-02"})
    assert r.status_code == 201, r.text
    op = r.json()["id"]
    cases = {}
    for organ_h, certs, party in ((hz_h, hz_c, p1), (gz_h, gz_c, p2)):
        r = client.post("/api/v1/enforcement/cases", headers=organ_h, json={
            "party_id": party, "title": "销售假冒注册商标电热毯", "approver": "局长", "officers": certs,
            "on": "2026-11-03", "gtin": gtin, "violation_code": "PQL-50"})
        assert r.status_code == 201, r.text
        cases[organ_h["Authorization"]] = r.json()["id"]
        assert client.post(f"/api/v1/enforcement/operations/{op}/cases/{r.json()['id']}", headers=organ_h).status_code == 200
    hz_case, gz_case = cases[hz_h["Authorization"]], cases[gz_h["Authorization"]]
    # a 杭州 case outside the operation stays invisible to 广州; the joined one is visible, read-only
    other = client.post("/api/v1/enforcement/cases", headers=hz_h, json={
        "party_id": p1, "title": "另案", "approver": "局长", "officers": hz_c, "on": "2026-11-03"}).json()["id"]
    assert client.get(f"/api/v1/enforcement/cases/{other}", headers=gz_h).status_code == 404
    assert client.get(f"/api/v1/enforcement/cases/{hz_case}", headers=gz_h).status_code == 200
    r = client.post(f"/api/v1/enforcement/cases/{hz_case}/seizures", headers=gz_h,
                    json={"officers": gz_c, "items": "x"})
    assert r.status_code == 403
    client.post(f"/api/v1/enforcement/cases/{hz_case}/seizures", headers=hz_h,
                json={"officers": hz_c, "items": "假冒电热毯 300 条", "on": "2026-11-04"})
    # 协查: 杭州 asks 广州 to check the warehouse, sharing only party name and GTIN
    r = client.post("/api/v1/enforcement/assists", headers=hz_h, json={
        "to_organ_id": gz, "case_id": other, "subject_kind": "warehouse", "subject_name": "白云区某仓库",
        "question": "核实库存与出货记录", "share_fields": ["party_name", "gtin"], "on": "2026-11-05"})
    assert r.status_code == 201, r.text
    assist = r.json()
    assert set(assist["shared"]) == {"party_name", "gtin"} and assist["due_on"] == "2026-11-26"  # 15 working days
    assert client.get(f"/api/v1/enforcement/cases/{other}", headers=gz_h).status_code == 404  # still not shared
    bad = client.post("/api/v1/enforcement/assists", headers=hz_h, json={
        "to_organ_id": gz, "case_id": other, "subject_kind": "seller", "subject_name": "x", "question": "y",
        "share_fields": ["party_persons"]})
    assert bad.status_code == 422 and bad.json()["field"] == "share_fields"
    assert client.post(f"/api/v1/enforcement/assists/{assist['id']}/answer", headers=hz_h,
                       json={"answer": "x"}).status_code == 403
    r = client.post(f"/api/v1/enforcement/assists/{assist['id']}/answer", headers=gz_h,
                    json={"answer": "仓库存有同款 1200 条，已先行登记保存", "on": "2026-11-20"})
    assert r.json()["state"] == "answered"
    for organ_h in (hz_h, gz_h):  # the asking and the asked organ both list the 协查 request
        assert assist["id"] in [a["id"] for a in client.get("/api/v1/enforcement/assists", headers=organ_h).json()]
    # 移送: 杭州 hands a case to 广州; both sides see the hand-over, 广州 files it with the evidence
    client.post(f"/api/v1/enforcement/cases/{other}/evidence", headers=hz_h,
                data={"kind": "photo", "description": "现场照片", "officers": ",".join(hz_c)})
    r = client.post(f"/api/v1/enforcement/cases/{other}/transfer", headers=hz_h, json={
        "kind": "regulator", "to_organ_id": gz, "reason": "违法行为发生地在广州", "officers": hz_c, "on": "2026-11-21"})
    assert r.status_code == 201, r.text
    tid = r.json()["id"]
    for organ_h in (hz_h, gz_h):  # sender and receiver both list the hand-over
        assert any(t["id"] == tid for t in client.get("/api/v1/enforcement/transfers", headers=organ_h).json())
    r = client.post(f"/api/v1/enforcement/transfers/{tid}/accept", headers=gz_h, json={
        "approver": "局长", "officers": gz_c, "on": "2026-11-23"})
    assert r.status_code == 201, r.text
    new = r.json()["id"]
    ev = client.get(f"/api/v1/enforcement/cases/{new}/evidence", headers=gz_h).json()
    assert len(ev["items"]) == 1 and ev["chain_intact"]
    assert client.get(f"/api/v1/enforcement/cases/{new}", headers=hz_h).status_code == 200  # shared back
    # 移送公安 needs the criteria of 刑法 第一百四十条 (销售金额五万元以上)
    client.post(f"/api/v1/enforcement/cases/{gz_case}/review", headers=gz_h, json={
        "officers": gz_c, "violation_code": "PQL-50", "facts": {"goods_value": 20000, "sales_amount": 10000},
        "proposed_fine": 20000})
    r = client.post(f"/api/v1/enforcement/cases/{gz_case}/transfer", headers=gz_h, json={
        "kind": "police", "to_name": "广州市公安局", "reason": "涉嫌销售伪劣产品罪", "officers": gz_c})
    assert r.status_code == 422 and r.json()["code"] == "enforcement.no_criminal_ground"
    # the shared timeline and the statistics show both provinces
    r = client.get(f"/api/v1/enforcement/operations/{op}", headers=gz_h).json()
    regions = {x["region_code"] for x in r["stats"]}
    assert regions == {"330100", "440100"} and sum(x["cases"] for x in r["stats"]) == 2
    assert sum(x["seizures"] for x in r["stats"]) == 1
    kinds = [t["kind"] for t in r["timeline"]]
    assert kinds[0] == "start" and "seizure" in kinds and kinds.count("case") == 2
    with db.session() as s:
        third = factories.regulator(s, "municipal", "320100").id
    assert client.get(f"/api/v1/enforcement/operations/{op}",
                      headers=login("regulator", SimpleNamespace(id=third))).status_code == 404


def test_penalty_catalogue_and_compute_without_login(client):
    r = client.get("/api/v1/enforcement/penalties").json()
    assert any(v["code"] == "PQL-49" and v["verified"] for v in r["violations"])
    r = client.post("/api/v1/enforcement/penalties/compute",
                    json={"violation": "PQL-49", "facts": {"goods_value": 20000}}).json()
    assert (r["lawful_min"], r["lawful_max"]) == ("20000.00", "60000.00")
    r = client.post("/api/v1/enforcement/penalties/compute", json={"violation": "PQL-49", "facts": {"goods_value": -1}})
    assert r.status_code == 422
