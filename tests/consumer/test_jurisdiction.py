"""投诉举报 by jurisdiction and whistle-blower confidentiality (issue 13, items 1–2), through the real API.

Finding quoted by issue 13: "regulator_hz reads every province's complaints and signals" and "the association
role counts as staff, so it reads every 举报 with the reporter's name, phone and address
(《市场监督管理投诉举报处理暂行办法》第三十三条 requires the reporter's information to be kept confidential)".
Divisions are GB/T 2260 codes: 330000 浙江省, 330100 杭州市 (330106 西湖区), 330200 宁波市, 440305 深圳市南山区.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from tests import factories
from zhijian.platform.models import AuditRecord

PASSWORD = "correct horse 1"


def _login(client, db, role: str, org_id: int | None = None) -> tuple[int, dict[str, str]]:  # type: ignore[no-untyped-def]
    from zhijian.catalog.models import Organization

    with db.session() as s:
        org = s.get(Organization, org_id) if org_id is not None else None
        u = factories.user(s, role, org)
        uid, name = u.id, u.username
    r = client.post("/api/v1/auth/token", json={"username": name, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return uid, {"Authorization": f"Bearer {r.json()['access_token']}"}


def _world(client, db) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Three enterprises (杭州, 宁波, 深圳), four regulators (杭州市, 浙江省, 广东省, 总局) and one complaint each."""
    with db.session() as s:
        ents = {k: factories.enterprise(s, region=r).id for k, r in
                (("hz", "330106"), ("nb", "330200"), ("gd", "440305"))}
        regs = {"hz": factories.regulator(s, level="municipal", region="330100").id,
                "zj": factories.regulator(s, level="provincial", region="330000").id,
                "gd": factories.regulator(s, level="provincial", region="440000").id,
                "samr": factories.regulator(s, level="national", region="110000").id}
    w: dict[str, Any] = {"ents": ents, "cases": {}}
    for k, eid in ents.items():
        r = client.post("/api/v1/complaints", json={
            "kind": "complaint", "complainant_name": "王丽", "complainant_phone": "13800001111",
            "complainant_address": "某市某路1号", "respondent_id": eid, "facts": "电热水壶底座冒烟",
            "requests": ["refund"]})
        assert r.status_code == 201, r.text
        w["cases"][k] = r.json()["id"]
    for k, oid in regs.items():
        w[k] = _login(client, db, "regulator", oid)
    return w


def _ids(client, headers: dict[str, str], url: str = "/api/v1/complaints?limit=500") -> set[int]:  # type: ignore[no-untyped-def]
    r = client.get(url, headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    return {c["id"] for c in (body["items"] if isinstance(body, dict) else body)}


def test_regulator_hz_reads_only_hangzhou_complaints(client, db) -> None:  # type: ignore[no-untyped-def]
    w = _world(client, db)
    hz, nb, gd = w["cases"]["hz"], w["cases"]["nb"], w["cases"]["gd"]
    mine = {hz, nb, gd}
    _, hz_h = w["hz"]
    # 杭州市局: 杭州 only — the list, the detail (404 outside, existence not revealed) and every action
    assert _ids(client, hz_h) & mine == {hz}
    assert client.get(f"/api/v1/complaints/{hz}", headers=hz_h).json()["region_code"] == "330106"
    for other in (nb, gd):
        r = client.get(f"/api/v1/complaints/{other}", headers=hz_h)
        assert r.status_code == 404 and r.json()["code"] == "jurisdiction.outside"
        assert client.post(f"/api/v1/complaints/{other}/transitions", json={"to": "accepted"},
                           headers=hz_h).status_code == 404
        assert client.post(f"/api/v1/complaints/{other}/link", json={"enterprise_id": w["ents"]["hz"]},
                           headers=hz_h).status_code == 404
    assert client.post(f"/api/v1/complaints/{hz}/transitions", json={"to": "accepted"},
                       headers=hz_h).json()["state"] == "accepted"
    # 浙江省局: 杭州 and 宁波, not 深圳; 广东省局: 深圳 only; 总局: all three
    assert _ids(client, w["zj"][1]) & mine == {hz, nb}
    assert _ids(client, w["gd"][1]) & mine == {gd}
    assert _ids(client, w["samr"][1]) & mine == mine
    assert client.get(f"/api/v1/complaints/{gd}", headers=w["zj"][1]).status_code == 404
    # the overdue list (a date far ahead makes every open case overdue) and the dashboard card follow the division
    far = "/api/v1/complaints/overdue?on=2099-01-01"
    assert _ids(client, hz_h, far) & mine == {hz}
    assert _ids(client, w["zj"][1], far) & mine == {hz, nb}
    assert _ids(client, w["samr"][1], far) & mine == mine


def test_division_follows_the_respondent_or_the_complainant(client, db) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        hz_reg = factories.regulator(s, level="municipal", region="330100").id
        gd_ent = factories.enterprise(s, region="440305").id
    _, hz_h = _login(client, db, "regulator", hz_reg)
    # an unregistered respondent: the complainant's region (杭州市西湖区) decides
    r = client.post("/api/v1/complaints", json={
        "kind": "complaint", "complainant_name": "李雷", "complainant_phone": "13900002222",
        "complainant_address": "杭州市西湖区", "complainant_region": "330106",
        "respondent_name": f"未登记商户{factories.uid()}", "facts": "假冒商品", "requests": ["refund"]})
    cid = r.json()["id"]
    case = client.get(f"/api/v1/complaints/{cid}", headers=hz_h).json()
    assert case["region_code"] == "330106"
    # linking the respondent to a 深圳 enterprise moves the case to 广东 (移送): 杭州 no longer sees it
    assert client.post(f"/api/v1/complaints/{cid}/link", json={"enterprise_id": gd_ent},
                       headers=hz_h).status_code == 200
    assert client.get(f"/api/v1/complaints/{cid}", headers=hz_h).status_code == 404
    from zhijian.consumer.models import Complaint

    with db.session() as s:
        assert s.get(Complaint, cid).region_code == "440305"  # type: ignore[union-attr]


def test_association_reads_no_complaint_or_report(client, db) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/complaints", json={
        "kind": "report", "complainant_name": "张三", "complainant_phone": "13812341234",
        "complainant_address": "杭州市西湖区文三路1号", "respondent_name": f"某商行{factories.uid()}",
        "facts": "销售过期食品"})
    rid = r.json()["id"]
    _, assoc = _login(client, db, "association")
    got = client.get(f"/api/v1/complaints/{rid}", headers=assoc)
    assert got.status_code == 404 and "张三" not in got.text and "13812341234" not in got.text
    for url in ("/api/v1/complaints", "/api/v1/complaints?kind=report", "/api/v1/complaints/overdue",
                "/api/v1/complaint-stats/satisfaction"):
        r = client.get(url, headers=assoc)
        assert r.status_code == 403, (url, r.status_code)
        assert "13812341234" not in r.text and "张三" not in r.text
    assert client.post(f"/api/v1/complaints/{rid}/transitions", json={"to": "accepted"},
                       headers=assoc).status_code == 403


def _viewed(db, rid: int) -> int:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(AuditRecord).where(
            AuditRecord.action == "reporter_identity_viewed", AuditRecord.entity_id == str(rid))) or 0)


def test_reporter_identity_only_for_the_assignee_and_every_view_audited(client, db) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        hz_reg = factories.regulator(s, level="municipal", region="330100").id
        ent = factories.enterprise(s, region="330106").id
    r = client.post("/api/v1/complaints", json={
        "kind": "report", "complainant_name": "张三", "complainant_phone": "13812341234",
        "complainant_address": "杭州市西湖区文三路1号", "contact_email": "zhangsan@example.com",
        "respondent_id": ent, "facts": "销售过期食品"})
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    colleague_id, colleague = _login(client, db, "regulator", hz_reg)
    handler_id, handler = _login(client, db, "regulator", hz_reg)
    _, samr = _login(client, db, "regulator")
    # unassigned: the division's regulators see the case with the identity masked, and no audit record is written
    masked = client.get(f"/api/v1/complaints/{rid}", headers=colleague).json()
    assert (masked["complainant_name"], masked["complainant_phone"], masked["complainant_address"]) == (
        "张*", "138****1234", "杭州市****")
    assert masked["contact_email"] == "z***@example.com" and masked["identity_masked"] is True
    listed = [c for c in client.get("/api/v1/complaints?kind=report&limit=500", headers=colleague).json()["items"]
              if c["id"] == rid]
    assert listed and listed[0]["complainant_phone"] == "138****1234"
    assert _viewed(db, rid) == 0
    # the handling regulator assigns its staff member; an assignee outside the division is refused
    _, gd_h = _login(client, db, "regulator", _gd(db))
    bad = client.post(f"/api/v1/complaints/{rid}/assignee", json={"assignee_user_id": _user_of(gd_h, client)},
                      headers=colleague)
    assert bad.status_code == 422 and bad.json()["field"] == "assignee_user_id"
    a = client.post(f"/api/v1/complaints/{rid}/assignee", json={"assignee_user_id": handler_id}, headers=colleague)
    assert a.status_code == 200 and a.json()["assignee_user_id"] == handler_id
    assert a.json()["complainant_phone"] == "138****1234"  # the colleague who assigned still sees it masked
    # the assignee sees the identity; each view is one audit record naming the viewer
    for n in (1, 2):
        full = client.get(f"/api/v1/complaints/{rid}", headers=handler).json()
        assert (full["complainant_name"], full["complainant_phone"], full["contact_email"]) == (
            "张三", "13812341234", "zhangsan@example.com")
        assert _viewed(db, rid) == n
    with db.session() as s:
        rec = s.scalars(select(AuditRecord).where(AuditRecord.action == "reporter_identity_viewed",
                                                  AuditRecord.entity_id == str(rid))).first()
        assert rec is not None and rec.after["viewer_user_id"] == handler_id
        assert set(rec.after["fields"]) == {"complainant_name", "complainant_phone", "complainant_address",
                                            "contact_email"}
    # everyone else — colleague, 总局, the respondent enterprise — still sees no identity
    for h in (colleague, samr):
        assert client.get(f"/api/v1/complaints/{rid}", headers=h).json()["complainant_name"] == "张*"
    assert _viewed(db, rid) == 2
    assert colleague_id != handler_id


def _gd(db) -> int:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return factories.regulator(s, level="provincial", region="440000").id


def _user_of(headers: dict[str, str], client) -> int:  # type: ignore[no-untyped-def]
    me = client.get("/api/v1/auth/me", headers=headers)
    assert me.status_code == 200, me.text
    return int(me.json()["user_id"])


def test_credit_actions_stay_in_the_division(client, db) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        hz_reg = factories.regulator(s, level="municipal", region="330100").id
        gd_ent = factories.enterprise(s, region="440305").id
        hz_ent = factories.enterprise(s, region="330106").id
    _, hz_h = _login(client, db, "regulator", hz_reg)
    listing = {"kind": "abnormal", "listed_on": "2026-01-05", "reason": "未按期公示年报"}
    r = client.post(f"/api/v1/credit/{gd_ent}/listings", json=listing, headers=hz_h)
    assert r.status_code == 404 and r.json()["code"] == "jurisdiction.outside"
    assert client.post(f"/api/v1/credit/{hz_ent}/listings", json=listing, headers=hz_h).status_code == 201
    assert client.post("/api/v1/credit/recompute", json={"enterprise_ids": [gd_ent]}, headers=hz_h).status_code == 404
    assert client.post("/api/v1/credit/recompute", json={"enterprise_ids": [hz_ent]},
                       headers=hz_h).status_code == 200
    assert client.get(f"/api/v1/credit/{gd_ent}", headers=hz_h).status_code == 404
    assert gd_ent not in {row["enterprise_id"] for row in client.get("/api/v1/credit", headers=hz_h).json()}


def test_console_pages_mask_the_reporter_and_refuse_the_association(client, db) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        hz_reg = factories.regulator(s, level="municipal", region="330100").id
    r = client.post("/api/v1/complaints", json={
        "kind": "report", "complainant_name": "赵六", "complainant_phone": "13912345678",
        "complainant_address": "杭州市西湖区湖墅南路8号", "complainant_region": "330106",
        "respondent_name": f"某超市{factories.uid()}", "facts": "销售无证食品"})
    rid = r.json()["id"]
    _, colleague = _login(client, db, "regulator", hz_reg)
    handler_id, handler = _login(client, db, "regulator", hz_reg)
    page = client.get(f"/console/complaints/{rid}", headers=colleague)
    assert page.status_code == 200
    assert "139****5678" in page.text and "13912345678" not in page.text and "赵六" not in page.text
    listing = client.get("/console/complaints?kind=report", headers=colleague)
    assert listing.status_code == 200 and "13912345678" not in listing.text and "赵六" not in listing.text
    assert _viewed(db, rid) == 0
    assert client.post(f"/api/v1/complaints/{rid}/assignee", json={"assignee_user_id": handler_id},
                       headers=colleague).status_code == 200
    page = client.get(f"/console/complaints/{rid}", headers=handler)
    assert "13912345678" in page.text and "赵六" in page.text and "湖墅南路8号" in page.text
    assert _viewed(db, rid) == 1
    _, assoc = _login(client, db, "association")
    assert client.get(f"/console/complaints/{rid}", headers=assoc).status_code == 403
    r = client.get("/console/complaints", headers=assoc)
    assert r.status_code == 403 and "13912345678" not in r.text


def test_case_messages_reach_the_handling_bureau_not_every_regulator(client, db) -> None:  # type: ignore[no-untyped-def]
    """The enterprise's answer is announced to the bureau handling the case; when no handler was recorded (a case
    accepted by the system, as imported or demo cases are) it went to the role "regulator" of the whole country —
    now to the most local bureau whose division covers the case."""
    from zhijian.consumer import service
    from zhijian.consumer.models import Notification
    from zhijian.consumer.schemas import TransitionIn
    from zhijian.platform.auth import SYSTEM

    with db.session() as s:
        gd_reg = factories.regulator(s, level="provincial", region="440000").id
        factories.regulator(s, level="provincial", region="330000")  # 浙江省局 covers the case
        ent = factories.enterprise(s, region="330106").id
    _, gd_h = _login(client, db, "regulator", gd_reg)
    _, ent_h = _login(client, db, "enterprise", ent)
    r = client.post("/api/v1/complaints", json={
        "kind": "complaint", "complainant_name": "钱七", "complainant_phone": "13700007777",
        "complainant_address": "杭州市西湖区", "respondent_id": ent, "facts": "充电宝鼓包", "requests": ["refund"]})
    cid, no = r.json()["id"], r.json()["tracking_no"]
    with db.session(SYSTEM) as s:
        for to in ("accepted", "forwarded"):
            service.transition(s, SYSTEM, cid, TransitionIn(to=to))  # type: ignore[arg-type]
    assert client.post(f"/api/v1/complaints/{cid}/enterprise-response", json={"response": "answer", "text": "同意退货"},
                       headers=ent_h).status_code == 200
    gd_box = [n for n in client.get("/api/v1/notifications", headers=gd_h).json() if no in n["subject"]]
    assert not gd_box, gd_box
    from zhijian.catalog.models import Organization

    with db.session() as s:
        n = s.scalars(select(Notification).where(Notification.kind == "complaint.answered",
                                                 Notification.subject.like(f"%{no}%"))).one()
        org = s.get(Organization, n.organization_id)
        assert org is not None and org.kind == "regulator" and org.region_code.startswith("33")


def test_the_audit_trail_keeps_no_reporter_identity(client, db) -> None:  # type: ignore[no-untyped-def]
    """The audit history (`/api/v1/audit`) was readable by every staff role, for every record: the association read a
    举报's trail and a city bureau any province's. Now the record's own read policy decides, and the trail holds no
    reporter identity even for those who may read it."""
    r = client.post("/api/v1/complaints", json={
        "kind": "report", "complainant_name": "孙八", "complainant_phone": "13655556666",
        "complainant_address": "杭州市西湖区某路", "contact_email": "sunba@example.com",
        "respondent_name": f"某药店{factories.uid()}", "facts": "销售假药"})
    rid = r.json()["id"]
    q = {"entity": "complaint", "entity_id": str(rid)}
    _, assoc = _login(client, db, "association")
    assert client.get("/api/v1/audit", params=q, headers=assoc).status_code == 404  # no 举报 for the association
    _, admin = _login(client, db, "admin")
    trail = client.get("/api/v1/audit", params=q, headers=admin)
    assert trail.status_code == 200 and trail.json(), trail.text  # the record is audited …
    for secret in ("孙八", "13655556666", "某路", "sunba@example.com"):
        assert secret not in trail.text  # … without the reporter
    w = _world(client, db)
    gd_case = {"entity": "complaint", "entity_id": str(w["cases"]["gd"])}
    assert client.get("/api/v1/audit", params=gd_case, headers=w["hz"][1]).status_code == 404  # 杭州 ↛ 深圳
    assert client.get("/api/v1/audit", params=gd_case, headers=w["gd"][1]).status_code == 200
    assert client.get("/api/v1/audit", params=gd_case, headers=w["samr"][1]).status_code == 200
    other = client.get("/api/v1/audit", params={"entity": "user_account", "entity_id": "1"}, headers=w["samr"][1])
    assert other.status_code == 403  # kinds without a read policy: admins only
