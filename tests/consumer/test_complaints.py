"""投诉举报 on every database: the whole lifecycle through the real API, refused transitions, who sees what,
the statutory clock with testing excluded, the overdue list, and the contracts the risk room reads."""

from __future__ import annotations

import datetime as dt

from tests import factories
from zhijian.consumer import service
from zhijian.consumer.schemas import ComplaintIn, ConsentIn, TransitionIn
from zhijian.platform.auth import SYSTEM

D = dt.date


def _new_case(client, product_id: int, **kw):
    body = {"kind": "complaint", "complainant_name": "王丽", "complainant_phone": "13800001111",
            "complainant_address": "杭州市西湖区文三路1号", "product_id": product_id,
            "facts": "电热水壶使用中底座冒烟，手被烫伤", "requests": ["refund", "compensation"], "request_amount": 300}
    body.update(kw)
    r = client.post("/api/v1/complaints", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def test_complaint_lifecycle_permissions_and_tracking(client, db, login, staff):
    with db.session() as s:
        ent = factories.enterprise(s)
        other = factories.enterprise(s)
        p = factories.product(s, ent)
        pid, ent_id, other_id = p.id, ent.id, other.id
    created = _new_case(client, pid)
    cid, no, code = created["id"], created["tracking_no"], created["check_code"]
    assert no.startswith("TS") and created["state"] == "received" and created["clock"]["kind"] == "accept"
    reg = staff("regulator")
    ent_h = login("enterprise", _org(db, ent_id))
    other_h = login("enterprise", _org(db, other_id))

    # who sees what
    full = client.get(f"/api/v1/complaints/{cid}", headers=reg).json()
    assert full["complainant_phone"] == "13800001111" and full["hazard"] is True
    mine = client.get(f"/api/v1/complaints/{cid}", headers=ent_h)
    assert mine.status_code == 200
    assert mine.json()["complainant_name"] == "王丽" and "complainant_phone" not in mine.json()
    assert "complainant_address" not in mine.json()
    assert client.get(f"/api/v1/complaints/{cid}", headers=other_h).status_code == 404
    assert client.get(f"/api/v1/complaints/{cid}").status_code == 401
    assert [c["id"] for c in client.get("/api/v1/complaints", headers=ent_h).json()["items"]] == [cid]
    # the enterprise may not handle the case
    assert client.post(f"/api/v1/complaints/{cid}/transitions", json={"to": "accepted"}, headers=ent_h).status_code == 403

    def go(to: str, **kw):
        return client.post(f"/api/v1/complaints/{cid}/transitions", json={"to": to, **kw}, headers=reg)

    r = go("mediating")
    assert r.status_code == 409 and r.json()["code"] == "complaint.invalid_transition"
    assert go("rejected").json()["code"] == "complaint.reason_required"
    assert go("accepted").json()["state"] == "accepted"
    assert go("forwarded").json()["state"] == "forwarded"
    r = client.post(f"/api/v1/complaints/{cid}/replies", json={"text": "已联系消费者，同意退货"}, headers=ent_h)
    assert r.status_code == 200
    # 《暂行办法》第十六条: mediation needs both parties' consent, recorded
    r = go("mediating")
    assert r.status_code == 409 and r.json()["code"] == "complaint.consent_required"
    assert client.post(f"/api/v1/complaints/{cid}/consents", json={"party": "complainant", "consent": True},
                       headers=ent_h).status_code == 403  # the enterprise records only its own consent
    for party, h in (("complainant", reg), ("respondent", ent_h)):
        r = client.post(f"/api/v1/complaints/{cid}/consents", json={"party": party, "consent": True}, headers=h)
        assert r.status_code == 200 and r.json()[f"consent_{party}"] is True
    assert go("mediating").json()["clock"]["kind"] == "mediation"
    today = service.today().isoformat()
    r = client.post(f"/api/v1/complaints/{cid}/mediations", headers=reg,
                    json={"held_on": today, "place": "调解室", "summary": "双方同意送检"})
    assert r.status_code == 200
    assert client.post(f"/api/v1/complaints/{cid}/pauses", json={"on": today}, headers=reg).json()["clock"]["paused"]
    assert go("closed", outcome="agreement", agreement="退货").json()["code"] == "complaint.paused"
    assert not client.post(f"/api/v1/complaints/{cid}/pauses/end", json={"on": today},
                           headers=reg).json()["clock"]["paused"]
    assert go("closed", outcome="agreement").json()["code"] == "complaint.agreement_required"
    done = go("closed", outcome="agreement", agreement="退货退款并赔偿 300 元", compensation_agreed=300).json()
    assert done["state"] == "closed" and done["justified"] is True and done["clock"]["kind"] is None
    assert go("accepted").status_code == 409
    r = client.post(f"/api/v1/complaints/{cid}/payments", json={"amount": 300, "paid_on": today}, headers=ent_h)
    assert r.status_code == 200 and r.json()["compensation_paid"] == 300
    states = [e["to_state"] for e in done["timeline"] if e["kind"] == "transition"]
    assert states == ["received", "accepted", "forwarded", "mediating", "closed"]

    # the complainant follows the case without an account
    bad = client.post("/api/v1/complaints/track", json={"tracking_no": no, "check_code": "ZZZZZZ"})
    assert bad.status_code == 404 and bad.json()["code"] == "complaint.not_found"
    t = client.post("/api/v1/complaints/track", json={"tracking_no": no, "check_code": code.lower()}).json()
    assert t["state"] == "closed" and t["complainant_name"] == "王*" and "complainant_phone" not in t
    assert t["compensation_paid"] == 300 and all(e["actor"] == "" for e in t["timeline"])

    # the contracts: counted as justified, listed with its hazard flag
    with db.session() as s:
        assert service.justified_complaints(s, enterprise_id=ent_id) == 1
        assert service.justified_complaints(s, product_id=pid) == 1
        rec = [r for r in service.complaint_records(s) if r[0] == cid]
        assert rec == [(cid, service.today(), "complaint", rec[0][3], pid, ent_id, "330106", True, True)]


def test_report_flow_is_hidden_from_the_enterprise(client, db, login, staff):
    with db.session() as s:
        ent = factories.enterprise(s)
        p = factories.product(s, ent)
        pid, ent_id = p.id, ent.id
    r = client.post("/api/v1/complaints", json={"kind": "report", "anonymous": True, "product_id": pid,
                                                "facts": "无 3C 标志销售插座"})
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    assert r.json()["tracking_no"].startswith("JB") and r.json()["clock"]["kind"] == "verify"
    reg = staff("regulator")
    ent_h = login("enterprise", _org(db, ent_id))
    assert client.get(f"/api/v1/complaints/{rid}", headers=ent_h).status_code == 404
    go = lambda to, **kw: client.post(f"/api/v1/complaints/{rid}/transitions", json={"to": to, **kw}, headers=reg)  # noqa: E731
    assert go("forwarded").status_code == 409
    assert go("accepted").status_code == 200
    assert client.post(f"/api/v1/complaints/{rid}/extension", json={"text": "经批准延长"}, headers=reg).json()["extended"]
    assert client.post(f"/api/v1/complaints/{rid}/extension", json={"text": "again"}, headers=reg).status_code == 409
    assert go("decided").json()["code"] == "complaint.decision_required"
    d = go("decided", decision="filed", justified=True).json()
    assert d["decision"] == "filed" and d["clock"]["kind"] is None  # anonymous: nobody to tell
    assert go("closed").json()["state"] == "closed"


def test_complaint_needs_contact_and_request(client, db):
    with db.session() as s:
        pid = factories.product(s).id
    r = client.post("/api/v1/complaints", json={"product_id": pid, "facts": "坏了", "requests": ["refund"],
                                                "complainant_name": "李强", "complainant_phone": "1380000"})
    assert r.status_code == 422 and r.json()["field"] == "complainant_address"
    r = client.post("/api/v1/complaints", json={"product_id": pid, "facts": "坏了", "complainant_name": "李强",
                                                "complainant_phone": "1", "complainant_address": "x"})
    assert r.json()["field"] == "requests"
    r = client.post("/api/v1/complaints", json={"facts": "坏了", "complainant_name": "李强", "kind": "report"})
    assert r.json()["code"] == "complaint.respondent_required"
    r = client.post("/api/v1/complaints", json={"product_id": pid, "facts": "x", "received_on": "2025-01-02",
                                                "kind": "report"})
    assert r.status_code == 403  # only staff back-date a case


def test_statutory_clock_with_testing_excluded_and_overdue(db):
    """Received 2025-09-30 (before National Day), accepted 10-09, tested 10-20..10-24: due 2025-12-17."""
    with db.session(SYSTEM) as s:
        ent = factories.enterprise(s)
        c, _code = service.submit_complaint(s, SYSTEM, ComplaintIn(
            complainant_name="张敏", complainant_phone="13900002222", complainant_address="上海市浦东新区",
            respondent_id=ent.id, facts="冰箱不制冷", requests=["repair"], received_on=D(2025, 9, 30)))
        assert service.clock(s, c, D(2025, 10, 9)).due_on == D(2025, 10, 16)
        assert c.due_on == D(2025, 10, 16) and c.due_kind == "accept"
        assert c.id in [x.id for x in service.overdue(s, SYSTEM, D(2025, 10, 17))]
        assert c.id not in [x.id for x in service.overdue(s, SYSTEM, D(2025, 10, 16))]
        service.transition(s, SYSTEM, c.id, TransitionIn(to="accepted", on=D(2025, 10, 9)))
        assert c.due_on == D(2025, 12, 10)
        for party in ("complainant", "respondent"):
            service.record_consent(s, SYSTEM, c.id, ConsentIn(party=party, consent=True))
        service.transition(s, SYSTEM, c.id, TransitionIn(to="mediating", on=D(2025, 10, 13)))
        service.start_pause(s, SYSTEM, c.id, D(2025, 10, 20), "委托检测")
        assert c.paused and c.due_on is None
        assert c.id not in [x.id for x in service.overdue(s, SYSTEM, D(2026, 1, 5))]
        service.end_pause(s, SYSTEM, c.id, D(2025, 10, 24))
        assert c.due_on == D(2025, 12, 17) and not c.paused
        ck = service.clock(s, c, D(2025, 12, 15))
        assert (ck.kind, ck.due_on, ck.days_left, ck.overdue) == ("mediation", D(2025, 12, 17), 2, False)
        assert c.id in [x.id for x in service.overdue(s, SYSTEM, D(2025, 12, 18))]
        # deadlines are data: a shorter mediation period re-clocks open cases
        service.set_deadlines(s, SYSTEM, {"mediation": 40})
        assert c.due_on == D(2025, 12, 10)
        service.set_deadlines(s, SYSTEM, {"mediation": 45})


def _org(db, org_id: int):
    from zhijian.catalog.models import Organization

    with db.session() as s:
        return s.get(Organization, org_id)
