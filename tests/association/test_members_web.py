"""Members through the real app: a unit applies from the console, the secretariat approves and records the dues
payment, the member sets what the public directory shows, member-only documents, the API."""

from __future__ import annotations

import re

from tests import factories


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert m, "no CSRF field in the form"
    return m.group(1)


def test_apply_approve_pay_directory(client, db, login):
    with db.session() as s:
        ent = factories.enterprise(s)
        name = ent.name
    staff, me = login("association"), login("enterprise", ent)
    page = client.get("/console/association/members", headers=me)
    assert page.status_code == 200 and "申请入会" in page.text
    tok = _csrf(page.text)
    r = client.post("/console/association/members/apply", headers=me, follow_redirects=False, data={
        "csrf_token": tok, "kind": "unit", "member_class": "council", "statement": "申请加入"})
    assert r.status_code == 303
    r = client.post("/console/association/members/apply", headers=me, data={"csrf_token": tok, "kind": "unit"})
    assert r.status_code == 409
    listing = client.get("/api/v1/association/members", params={"status": "applied"}, headers=staff).json()
    mid = next(x["id"] for x in listing if x["name"] == name)
    assert client.get("/api/v1/association/members", headers=me).status_code == 403
    sp = client.get("/console/association/members", headers=staff).text
    r = client.post("/console/association/members/decide", headers=staff, follow_redirects=False,
                    data={"csrf_token": _csrf(sp), "member_id": str(mid), "approve": "1", "reason": "同意"})
    assert r.status_code == 303
    [dues] = client.get("/api/v1/association/members/dues", headers=me).json()
    assert dues["amount"] == 5000.0 and dues["status"] == "issued"
    r = client.post(f"/api/v1/association/members/dues/{dues['id']}/payment", headers=staff,
                    json={"payment_ref": "HX-2026-001"})
    assert r.status_code == 200 and r.json()["status"] == "paid"
    mine = client.get("/console/association/members", headers=me).text
    assert "CAQI-D" in mine and "已缴" in mine
    assert name not in client.get("/association/members").text  # not public until the member allows it
    r = client.post("/console/association/members/directory", headers=me, follow_redirects=False, data={
        "csrf_token": _csrf(mine), "directory_visible": "1", "phone": "0571-12345678", "intro": "小家电制造"})
    assert r.status_code == 303
    public = client.get("/association/members").text
    assert name in public and "0571-12345678" in public and "理事单位" in public
    assert any(x["name"] == name for x in client.get("/api/v1/association/members/directory").json())
    r = client.post("/api/v1/association/members/documents", headers=staff,
                    json={"title": "会员大会通知", "body": "5 月 20 日召开"})
    assert r.status_code == 201
    assert any(d["title"] == "会员大会通知" for d in client.get("/api/v1/association/members/documents", headers=me).json())
    with db.session() as s:
        other = factories.enterprise(s)
    outsider = login("enterprise", other)
    assert not any(d["title"] == "会员大会通知"
                   for d in client.get("/api/v1/association/members/documents", headers=outsider).json())
