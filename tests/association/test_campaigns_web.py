"""Campaigns through the real app: the secretariat's console forms (campaign, event, notice, review by a second
staff member), the public campaign page with its tile map and a registration from the portal form."""

from __future__ import annotations

import re

from tests import factories


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert m, "no CSRF field in the form"
    return m.group(1)


def test_console_and_portal(client, db, login):
    s1, s2 = login("association"), login("association")
    page = client.get("/console/association/campaigns", headers=s1)
    assert page.status_code == 200
    tok = _csrf(page.text)
    for _ in range(20):
        year = 2030 + int(factories.uid(), 16) % 70
        r = client.post("/console/association/campaigns/create", headers=s1, follow_redirects=False,
                        data={"csrf_token": tok, "kind": "quality_month", "year": str(year), "theme": "质量月主题"})
        if r.status_code == 303:
            break
    code = f"ZLY-{year}"
    r = client.post("/console/association/campaigns/event", headers=s1, follow_redirects=False, data={
        "csrf_token": tok, "code": code, "title": "浙江检验开放日", "province": "33", "city": "杭州",
        "held_on": f"{year}-09-16", "capacity": "30"})
    assert r.status_code == 303
    r = client.post("/console/association/campaigns/event", headers=s1, data={
        "csrf_token": tok, "code": code, "title": "坏日期", "province": "33", "held_on": "not a date", "capacity": "3"})
    assert r.status_code == 422 and "held_on" in r.text
    assert client.get(f"/association/campaigns/{code}").status_code == 404  # draft
    client.post("/console/association/campaigns/publish", headers=s1, data={"csrf_token": tok, "code": code})
    client.post("/console/association/campaigns/notice", headers=s1, data={
        "csrf_token": tok, "code": code, "kind": "news", "title": "质量月启动", "body": "今日启动"})
    listing = client.get("/api/v1/association/campaigns/notices", params={"all": True}, headers=s1).json()
    nid = next(n["id"] for n in listing if n["title"] == "质量月启动")
    client.post("/console/association/campaigns/submit", headers=s1, data={"csrf_token": tok, "notice_id": str(nid)})
    r = client.post("/console/association/campaigns/review", headers=s1,
                    data={"csrf_token": tok, "notice_id": str(nid), "approve": "1"})
    assert r.status_code == 403  # not the author's own
    tok2 = _csrf(client.get("/console/association/campaigns", headers=s2).text)
    r = client.post("/console/association/campaigns/review", headers=s2, follow_redirects=False,
                    data={"csrf_token": tok2, "notice_id": str(nid), "approve": "1"})
    assert r.status_code == 303
    pub = client.get(f"/association/campaigns/{code}")
    assert pub.status_code == 200 and "质量月启动" in pub.text and "浙江检验开放日" in pub.text
    assert "<svg" in pub.text and "<title>浙江：1</title>" in pub.text
    eid = re.search(r'/events/(\d+)/register', pub.text).group(1)
    r = client.post(f"/association/campaigns/{code}/events/{eid}/register", follow_redirects=False,
                    data={"csrf_token": _csrf(pub.text), "name": "孙五", "phone": "13912345678"})
    assert r.status_code == 303 and "registered=" in r.headers["location"]
    after = client.get(r.headers["location"]).text
    assert "报名成功" in after and "1/30" in after
    api = client.get(f"/api/v1/association/campaigns/{code}").json()
    assert api["statistics"]["registrations"] == 1 and api["statistics"]["by_province"] == {"33": 1}
    assert code in client.get("/association/campaigns").text
