"""Group standards through the real app: the secretariat's console forms for every stage, a member's comment on a
clause from the portal page, the public list and page (no login), the API and the 全国团体标准信息平台 export."""

from __future__ import annotations

import datetime as dt
import io
import re

from openpyxl import load_workbook

from tests import factories


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert m, "no CSRF field in the form"
    return m.group(1)


def test_console_and_portal_through_every_stage(client, db, login):
    with db.session() as s:
        ent = factories.enterprise(s)
    staff, member = login("association"), login("enterprise", ent)
    home = client.get("/console/association/standards", headers=member)
    r = client.post("/console/association/standards", headers=member, follow_redirects=False, data={
        "csrf_token": _csrf(home.text), "title": "电动自行车用锂电池安全分级", "scope": "电动自行车用锂离子电池组",
        "reason": "火灾事故多发，需要分级"})
    assert r.status_code == 303
    url = r.headers["location"]
    sid = int(url.rsplit("/", 1)[1])
    r = client.post("/console/association/standards", headers=member, data={"csrf_token": _csrf(home.text),
                                                                           "title": "x", "scope": "", "reason": ""})
    assert r.status_code == 422 and "title" in r.text  # pydantic errors are named, never a 500
    page = client.get(url, headers=staff).text
    tok = _csrf(page)

    def post(action: str, **data: str) -> None:
        resp = client.post(f"{url}/{action}", headers=staff, data={"csrf_token": tok, **data}, follow_redirects=False)
        assert resp.status_code == 303, (action, resp.text[:400])

    assert client.post(f"{url}/project", headers=member, data={"csrf_token": tok}).status_code == 403
    post("project", approve="1", reason="同意立项", units="中国质量检验协会\n某电池研究院", drafters="张三")
    post("draft", clauses="1 范围\n4.1 热失控不起火\n4.2 针刺不爆炸")
    start = (dt.date.today() - dt.timedelta(days=10)).isoformat()
    post("comments", start=start, days="30")
    # the public page shows the draft and asks to log in; the member comments on clause 4.2 from the portal
    pub = client.get(f"/association/standards/{sid}")
    assert pub.status_code == 200 and "热失控不起火" in pub.text and "登录后提出意见" in pub.text
    mine = client.get(f"/association/standards/{sid}", headers=member).text
    r = client.post(f"/association/standards/{sid}/comment", headers=member, follow_redirects=False, data={
        "csrf_token": _csrf(mine), "clause_no": "4.2", "commenter": "李工", "organization": "某车企",
        "text": "针刺试验条件未规定", "proposal": "增加针径 3 mm、速度 25 mm/s"})
    assert r.status_code == 303
    assert client.post(f"/association/standards/{sid}/comment", data={"clause_no": "4.2", "text": "匿名"},
                       follow_redirects=False).status_code == 303  # the public is sent to log in
    detail = client.get(url, headers=staff).text
    assert "针刺试验条件未规定" in detail and "待处理" in detail
    cid = re.search(r'name="comment_id" value="(\d+)"', detail).group(1)
    r = client.post(f"{url}/review", headers=staff, data={"csrf_token": tok, "clauses": "1 范围"})
    assert r.status_code == 409  # the comment period is still open
    api = client.get(f"/api/v1/association/standards/{sid}", headers=staff).json()
    assert api["status"] == "commenting" and api["comments"][0]["clause_no"] == "4.2"
    assert client.get(f"/api/v1/association/standards/{sid}").json()["comments"] == []  # the public: no comments
    post("dispose", comment_id=cid, disposition="accepted")
    # thirty days pass: the window is moved back in the database instead of waiting
    with db.session() as s:
        from zhijian.association.standards.models import GroupStandard

        g = s.get(GroupStandard, sid)
        g.comment_from, g.comment_until = dt.date.today() - dt.timedelta(days=40), dt.date.today() - dt.timedelta(days=10)
    post("review", clauses="1 范围\n4.1 热失控不起火\n4.2 针刺（针径 3 mm，25 mm/s）不爆炸")
    for i in range(5):
        post("vote", expert=f"专家{i}", vote="approve")
    post("conclude")
    post("publish", published_on="2026-09-01", implemented_on="2026-12-01")
    g = client.get(f"/api/v1/association/standards/{sid}").json()
    assert g["status"] == "published" and re.fullmatch(r"T/CAQI \d{3}—2026", g["number"])
    assert g["number"] in client.get("/association/standards").text
    x = client.get("/api/v1/association/standards/ttbz.xlsx", headers=staff)
    ws = load_workbook(io.BytesIO(x.content)).active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0][0] == "标准编号" and any(r[0] == g["number"] and r[7] == "中国质量检验协会、某电池研究院" for r in rows)
    assert client.get("/api/v1/association/standards/ttbz.xlsx", headers=member).status_code == 403
    post("amend", text="4.1 增加“不冒烟”")
    post("withdraw", reason="被 GB 43854 代替")
    assert client.get(f"/api/v1/association/standards/{sid}").json()["status"] == "withdrawn"
