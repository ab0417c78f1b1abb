"""Issue 15, finding 1: a complaint naming a registered enterprise was never linked to it, staff could not link
it, so 转企业处理 failed ("被投诉人未登记为企业，不能转企业处理") and the enterprise had no inbox. Now: the USCC or the
normalized name links it; similar names are candidates staff confirm; forwarding puts it in the enterprise's
console inbox (and mails it over real SMTP) with its clock; the enterprise answers; the consumer accepts by
tracking number, or asks for mediation. Plus the procedure of 《市场监督管理投诉举报处理暂行办法》 (Arts 7, 15, 21, 23)
and the 90-day clock of a filed case."""

from __future__ import annotations

import socket
import time
from email import message_from_string
from email.policy import default

from aiosmtpd.controller import Controller

from tests import factories
from zhijian.catalog import service as catalog
from zhijian.catalog.models import Organization
from zhijian.catalog.schemas import OrganizationPatch
from zhijian.consumer import procedure, service
from zhijian.platform.auth import SYSTEM
from zhijian.platform.config import get_settings

BODY = {"kind": "complaint", "complainant_name": "王丽", "complainant_phone": "13800001111",
        "complainant_address": "杭州市西湖区文三路1号", "facts": "电水壶底座漏电", "requests": ["refund"],
        "product_text": "电水壶", "request_amount": 199}


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd hook)
        self.messages.append((list(envelope.rcpt_tos), envelope.content.decode("utf-8", "replace")))
        return "250 OK"


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_normalized_name_matching_rules():
    n = procedure.normalize_enterprise_name
    assert n("杭州美味（集团）有限责任公司") == n("杭州美味(集团)有限公司") == n("杭州美味 集团 有限公司")
    assert n("ＡＢＣ电器有限公司") == n("ABC电器有限公司")  # full-width → half-width
    reg = [(1, "杭州美味（集团）有限公司", "91330106MA2XXXXX1X"), (2, "杭州美味食品有限公司", None)]
    linked, cands = procedure.match_respondent("杭州美味(集团)有限责任公司", None, reg)
    assert linked is not None and linked.id == 1 and linked.basis == "name" and cands == []
    linked, cands = procedure.match_respondent("随便写的名字", "91330106MA2XXXXX1X", reg)
    assert linked is not None and linked.basis == "uscc"
    linked, cands = procedure.match_respondent("杭州美味", None, reg)  # not exact: candidates, never linked silently
    assert linked is None and {c.id for c in cands} == {1, 2}


def test_complaint_reaches_the_enterprise_inbox_and_mail_and_the_consumer_accepts(client, db, login, staff,
                                                                                   monkeypatch):
    smtp = _Inbox()
    port = _port()
    ctl = Controller(smtp, hostname="127.0.0.1", port=port)
    ctl.start()
    monkeypatch.setenv("ZHIJIAN_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ZHIJIAN_SMTP_PORT", str(port))
    get_settings.cache_clear()
    try:
        with db.session(SYSTEM) as s:
            uid = factories.uid()
            ent = factories.enterprise(s, name=f"杭州{uid}电器（集团）有限公司")
            catalog.update_organization(s, SYSTEM, ent.id, OrganizationPatch(email=f"kf-{ent.id}@ent.test"))
            twin = factories.enterprise(s, name=f"杭州{uid}电器销售有限公司")
            ent_id, twin_id = ent.id, twin.id
        ent_org = _org(db, ent_id)
        ent_h = login("enterprise", ent_org)
        reg = staff("regulator")
        # typed with half-width brackets and 有限责任公司: linked at once (this failed before: respondent_id None)
        r = client.post("/api/v1/complaints", json=BODY | {"respondent_name": f"杭州{uid}电器(集团)有限责任公司"})
        assert r.status_code == 201, r.text
        cid, no, code = r.json()["id"], r.json()["tracking_no"], r.json()["check_code"]
        full = client.get(f"/api/v1/complaints/{cid}", headers=reg).json()
        assert full["respondent_id"] == ent_id and full["respondent_link"] == "name"

        def go(to, **kw):
            return client.post(f"/api/v1/complaints/{cid}/transitions", json={"to": to, **kw}, headers=reg)

        assert go("accepted").status_code == 200
        f = go("forwarded").json()
        assert f["state"] == "forwarded" and f["enterprise_due_on"] is not None
        # the enterprise's console inbox has it, and its address got the mail after commit
        box = client.get("/api/v1/notifications", headers=ent_h).json()
        assert any(n["kind"] == "complaint.forwarded" and n["link"] == f"/console/complaints/{cid}" for n in box)
        for _ in range(50):
            if smtp.messages:
                break
            time.sleep(0.1)
        mails = [(to, message_from_string(raw, policy=default)) for to, raw in smtp.messages]
        assert any(f"kf-{ent_id}@ent.test" in to and no in m["Subject"] and f"/console/complaints/{cid}"
                   in m.get_content() for to, m in mails)
        page = client.get(f"/console/complaints/{cid}", headers=ent_h)
        assert page.status_code == 200
        # the enterprise proposes a settlement; the consumer sees it by tracking number and accepts
        r = client.post(f"/api/v1/complaints/{cid}/enterprise-response", headers=ent_h,
                        json={"response": "settlement", "text": "退货退款并补偿", "amount": 250})
        assert r.status_code == 200, r.text
        t = client.post("/api/v1/complaints/track", json={"tracking_no": no, "check_code": code}).json()
        assert t["enterprise_response"] == "settlement" and t["settlement_amount"] == 250
        assert any("退货退款并补偿" in e["note"] for e in t["timeline"])
        r = client.post("/api/v1/complaints/respond", json={"tracking_no": no, "check_code": code,
                                                            "response": "accept"})
        assert r.status_code == 200, r.text
        assert r.json()["state"] == "closed" and r.json()["outcome"] == "resolved_by_enterprise"
        assert r.json()["compensation_agreed"] == 250
        # satisfaction at closing, counted per handling regulator
        r = client.post("/api/v1/complaints/satisfaction", json={"tracking_no": no, "check_code": code, "score": 5})
        assert r.status_code == 200 and r.json()["satisfaction"] == 5
        again = client.post("/api/v1/complaints/satisfaction", json={"tracking_no": no, "check_code": code, "score": 1})
        assert again.status_code == 409
        stats = client.get("/api/v1/complaint-stats/satisfaction", headers=reg).json()
        assert sum(x["rated"] for x in stats) >= 1

        # an ambiguous name: candidates for staff, forwarding refused until staff link it
        r = client.post("/api/v1/complaints", json=BODY | {"respondent_name": f"{uid}电器"})
        cid2 = r.json()["id"]
        c2 = client.get(f"/api/v1/complaints/{cid2}", headers=reg).json()
        assert c2["respondent_id"] is None and {x["id"] for x in c2["respondent_candidates"]} == {ent_id, twin_id}
        client.post(f"/api/v1/complaints/{cid2}/transitions", json={"to": "accepted"}, headers=reg)
        r = client.post(f"/api/v1/complaints/{cid2}/transitions", json={"to": "forwarded"}, headers=reg)
        assert r.status_code == 422 and r.json()["code"] == "complaint.no_respondent"
        assert client.post(f"/api/v1/complaints/{cid2}/link", json={"enterprise_id": twin_id},
                           headers=ent_h).status_code == 403
        r = client.post(f"/api/v1/complaints/{cid2}/link", json={"enterprise_id": ent_id}, headers=reg)
        assert r.status_code == 200 and r.json()["respondent_link"] == "staff"
        assert client.post(f"/api/v1/complaints/{cid2}/transitions", json={"to": "forwarded"},
                           headers=reg).status_code == 200
        r = client.post(f"/api/v1/complaints/{cid2}/enterprise-response", headers=ent_h,
                        json={"response": "decline", "text": "该产品非我司生产"})
        assert r.status_code == 200
        # the consumer asks for mediation instead (consent recorded, Art. 16)
        with db.session() as s:
            from zhijian.consumer.models import Complaint

            c = s.get(Complaint, cid2)
            no2 = c.tracking_no
            c.check_hash = service._check_hash(no2, "ABCDEF")
            code2 = "ABCDEF"
        r = client.post("/api/v1/complaints/respond", json={"tracking_no": no2, "check_code": code2,
                                                            "response": "mediation"})
        assert r.status_code == 200 and r.json()["consumer_response"] == "mediation"
        assert r.json()["consent_complainant"] is True and r.json()["state"] == "forwarded"
    finally:
        ctl.stop()
        get_settings.cache_clear()


def test_procedure_codes_notices_leads_split_and_case_clock(client, db, staff):
    reg = staff("regulator")
    with db.session(SYSTEM) as s:
        ent = factories.enterprise(s)
        eid = ent.id

    def new(**kw):
        r = client.post("/api/v1/complaints", json=BODY | {"respondent_id": eid} | kw)
        assert r.status_code == 201, r.text
        return r.json()

    def go(cid, to, **kw):
        return client.post(f"/api/v1/complaints/{cid}/transitions", json={"to": to, **kw}, headers=reg)

    # Art. 15: a ground code is required and the notice cites its article
    a = new()
    r = go(a["id"], "rejected", reason="非生活消费")
    assert r.status_code == 422 and r.json()["code"] == "complaint.bad_ground"
    r = go(a["id"], "rejected", reason="购买用于经营", reason_code="not_consumer_dispute")
    assert r.status_code == 200 and r.json()["rejected_code"] == "not_consumer_dispute"
    assert any("第十五条第三项" in e["note"] for e in r.json()["timeline"] if e["kind"] == "notice")
    # Art. 15(4): knew of it more than three years before filing → acceptance refused
    b = new(knew_on="2020-01-01")
    r = go(b["id"], "accepted")
    assert r.status_code == 422 and r.json()["code"] == "complaint.time_limit"
    # Art. 21: termination needs its ground; the notice is due within 7 working days and is on the overdue list
    c = new()
    go(c["id"], "accepted")
    for party in ("complainant", "respondent"):
        client.post(f"/api/v1/complaints/{c['id']}/consents", json={"party": party, "consent": True}, headers=reg)
    assert go(c["id"], "mediating").status_code == 200
    # Art. 23: a lead found in mediation goes to the report procedure (15 working days from discovery)
    r = client.post(f"/api/v1/complaints/{c['id']}/leads", json={"facts": "涉嫌无 3C 认证销售"}, headers=reg)
    assert r.status_code == 201 and r.json()["kind"] == "report" and r.json()["origin_kind"] == "lead"
    assert r.json()["clock"]["kind"] == "verify"
    # 赔偿测算 recorded on the case for the agreement
    r = client.post(f"/api/v1/complaints/{c['id']}/compensation", headers=reg,
                    json={"price": 100, "fraud": True, "record": True})
    assert r.status_code == 200 and r.json()[0]["punitive"] == 500.0
    r = go(c["id"], "closed", outcome="terminated")
    assert r.status_code == 422 and r.json()["code"] == "complaint.bad_ground"
    r = go(c["id"], "closed", outcome="terminated", termination_code="refused_mediation")
    assert r.status_code == 200 and r.json()["notice_due_on"] and r.json()["clock"]["kind"] is None
    assert r.json()["compensation_basis"][0]["code"] == "consumer_law_55"
    r = client.post(f"/api/v1/complaints/{c['id']}/termination-notice", headers=reg)
    assert r.status_code == 200 and "第二十一条第三项" in r.json()["notice"] and r.json()["notice_sent_on"]
    # Art. 7: one submission with a report part becomes two cases
    d = new(also_report="商家销售过期食品")
    with db.session() as s:
        from zhijian.consumer.models import Complaint

        rep = s.query(Complaint).filter(Complaint.origin_id == d["id"]).one()
        rid, rno = rep.id, rep.tracking_no
        assert rep.kind == "report" and rep.origin_kind == "split"
    t = client.post("/api/v1/complaints/track", json={"tracking_no": rno, "check_code": d["check_code"]})
    assert t.status_code == 200  # the same check code follows both
    # report: filed → 90 days; extensions recorded (first ≤ 30 by the head, later only collectively)
    assert go(rid, "accepted").status_code == 200
    r = go(rid, "decided", decision="filed")
    cc = r.json()["case_clock"]
    assert cc["kind"] == "case" and cc["filed_on"] == service.today().isoformat()
    ext = f"/api/v1/complaints/{rid}/case-extensions"
    r = client.post(ext, json={"days": 31, "approved_by": "局长", "reason": "案情复杂"}, headers=reg)
    assert r.status_code == 422
    r = client.post(ext, json={"days": 30, "approved_by": "局长", "reason": "案情复杂"}, headers=reg)
    assert r.status_code == 200 and len(r.json()["case_clock"]["extensions"]) == 1
    r = client.post(ext, json={"days": 30, "approved_by": "局长", "reason": "仍需鉴定"}, headers=reg)
    assert r.status_code == 422 and r.json()["code"] == "complaint.extension_collective"
    r = client.post(ext, json={"days": 60, "approved_by": "局务会", "reason": "仍需鉴定", "collective": True},
                    headers=reg)
    assert r.status_code == 200 and len(r.json()["case_clock"]["extensions"]) == 2


def test_case_clock_is_ninety_calendar_days_moved_off_rest_days(db):
    """Filed 2025-07-03: 90 days later is 2025-10-01 (National Day) → the next working day, 2025-10-09."""
    import datetime as dt

    from zhijian.platform import deadlines

    with db.session(SYSTEM) as s:
        assert deadlines.calendar_days(s, dt.date(2025, 7, 3), procedure.CASE_DAYS).due == dt.date(2025, 10, 9)


def _org(db, org_id: int):
    with db.session() as s:
        return s.get(Organization, org_id)
