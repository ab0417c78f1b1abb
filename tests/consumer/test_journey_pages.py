"""Issue 15 journey through the real pages (server-rendered forms, CSRF): the consumer files on the 12315 form
naming the enterprise, staff accept and forward, the enterprise finds it in its console inbox and answers with a
settlement, the consumer sees it by tracking number, asks for mediation, the case is mediated and closed, and the
consumer rates it."""

from __future__ import annotations

import re

from tests import factories
from tests.web.test_pages import csrf, web_login
from zhijian.platform.auth import SYSTEM


def test_consumer_enterprise_mediation_closing_through_the_pages(client, db):
    with db.session(SYSTEM) as s:
        ent = factories.enterprise(s, name=f"宁波{factories.uid()}厨具有限责任公司")
        eid, ename = ent.id, ent.name
    form = client.get("/complaints/new").text
    assert "※ 地址" in form and "投诉必填" in form  # required fields marked
    r = client.post("/complaints/new", data={
        "csrf_token": csrf(client, "/complaints/new"), "kind": "complaint", "complainant_name": "陈静",
        "complainant_phone": "13700001234", "complainant_address": "宁波市海曙区中山西路 1 号",
        "respondent_name": ename.replace("有限责任公司", "有限公司"), "product_text": "不粘锅", "facts": "涂层脱落",
        "requests": ["refund"]})
    assert r.status_code == 200, r.text[:300]
    no = re.search(r"TS\d{14}", r.text).group(0)
    code = re.search(r"<code[^>]*>([2-9A-Z]{6})</code>", r.text) or re.search(r"\b([2-9A-HJ-NP-Z]{6})\b", r.text)
    code = code.group(1)
    web_login(client, db, "regulator")
    from zhijian.consumer.models import Complaint

    with db.session() as s:
        cid = s.query(Complaint).filter(Complaint.tracking_no == no).one().id
    page = f"/console/complaints/{cid}"

    def act(action: str, **data: str) -> None:
        r = client.post(f"{page}/{action}", data={"csrf_token": csrf(client, page), **data}, follow_redirects=False)
        assert r.status_code == 303 and "error=" not in r.headers["location"], r.headers["location"]

    act("transition", to="accepted")
    act("transition", to="forwarded")
    client.cookies.clear()
    with db.session() as s:
        from zhijian.catalog.models import Organization

        org = s.get(Organization, eid)
    web_login(client, db, "enterprise", org)
    inbox = client.get("/console/inbox").text
    assert no in inbox and f'href="{page}"' in inbox
    assert "企业处理" in client.get(page).text
    act("respond", response="settlement", text="退款并补偿 50 元", amount="50")
    client.cookies.clear()
    t = client.post("/complaints/track", data={"csrf_token": csrf(client, "/complaints/track"), "tracking_no": no,
                                              "check_code": code})
    assert "退款并补偿 50 元" in t.text and "接受企业处理" in t.text
    r = client.post("/complaints/respond", data={"csrf_token": csrf(client, "/complaints/track"), "tracking_no": no,
                                                "check_code": code, "response": "mediation"})
    assert r.status_code == 200 and "申请调解" in r.text
    web_login(client, db, "regulator")
    act("consent", party="respondent", consent="1")
    act("transition", to="mediating")
    act("transition", to="closed", outcome="agreement", agreement="退款并补偿 80 元", compensation_agreed="80")
    client.cookies.clear()
    r = client.post("/complaints/respond", data={"csrf_token": csrf(client, "/complaints/track"), "tracking_no": no,
                                                "check_code": code, "score": "4"})
    assert r.status_code == 200 and "4 / 5" in r.text
