"""The console and the portal on the real app: a lead filed and carried to a published decision through the forms
(each calling the same service as the API), errors shown in place (never 500), the joint-operation page of two
provinces, the oversight page and its Excel, the public 行政处罚信息公示 with personal data removed."""

from __future__ import annotations

import html
import re
from types import SimpleNamespace

from tests import factories
from tests.enforcement.test_api import _setup


def _token(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, html[:500]
    return m.group(1)


def test_console_lead_to_published_decision(client, db, login):
    oid, reg, certs = _setup(client, db, login, "330100", "municipal", "杭州市市场监督管理局")
    with db.session() as s:
        ent = factories.enterprise(s, region="330106")
        ent_id, ent_name = ent.id, ent.name
    r = client.post("/api/v1/enforcement/leads", headers=reg, json={
        "title": "举报销售不合格电热毯", "party_id": ent_id, "received_on": "2026-03-02", "source": "report",
        "source_ref": f"complaint-web-{factories.uid()}"})
    lead = r.json()["id"]
    # the desk lists leads 100 at a time, oldest first: on the shared test database this one may be past the first
    # hundred — the officer follows 下一页 (there was none: past the 100th lead nothing was shown)
    url, pages = "/console/enforcement", 0
    while True:
        page = client.get(url, headers=reg)
        assert page.status_code == 200
        pages += 1
        if f'href="/console/enforcement/leads/{lead}"' in page.text:
            break
        more = re.search(r'rel="next" href="([^"]+)"', page.text)
        assert more and pages < 50, f"lead {lead} not on {pages} pages of the desk"
        url = html.unescape(more.group(1))
    page = client.get(f"/console/enforcement/leads/{lead}", headers=reg)
    assert "2026-03-23" in page.text and "第十八条" in page.text
    token = _token(page.text)
    officers = ",".join(certs)
    r = client.post(f"/console/enforcement/leads/{lead}/file", headers=reg, follow_redirects=False, data={
        "csrf_token": token, "approver": "局长", "officers": certs[0], "on": "2026-03-05"})
    assert r.status_code == 422 and "两名" in r.text  # shown in place
    r = client.post(f"/console/enforcement/leads/{lead}/file", headers=reg, follow_redirects=False, data={
        "csrf_token": token, "approver": "局长", "officers": officers, "on": "2026-03-05", "violation_code": "PQL-49",
        "facts_text": "当事人销售的电热毯经检验不合格，联系人张三丰，电话13812345678"})
    assert r.status_code == 303, r.text
    case_url = r.headers["location"]
    cid = int(case_url.rsplit("/", 1)[1])

    def act(action: str, **data: str) -> None:
        resp = client.post(f"{case_url}/{action}", headers=reg, follow_redirects=False,
                           data={"csrf_token": token, "officers": officers, **data})
        assert resp.status_code == 303, (action, resp.text[-800:])

    act("evidence", kind="photo", description="现场照片")
    act("review", violation_code="PQL-49", goods_value="20000", proposed_fine="30000", on="2026-03-16")
    act("notice", served_on="2026-03-17")
    r = client.post(f"{case_url}/decision", headers=reg, data={
        "csrf_token": token, "officers": officers, "fine": "30000", "approver": "局长", "on": "2026-03-18"})
    assert r.status_code == 409 and "陈述、申辩期限" in r.text
    act("response", statement="已整改", on="2026-03-18")
    act("decision", fine="30000", approver="局长", on="2026-03-25")
    act("service", method="direct", served_on="2026-03-26")
    act("payment", paid_on="2026-04-03", amount="30000")
    act("close", on="2026-04-03")
    act("publish", on="2026-04-07")
    page = client.get(case_url, headers=reg)
    assert "已结案" in page.text and "证据链完整" in page.text and "✗" not in page.text
    pdf = client.get(f"{case_url}/documents/decision.pdf?public=1", headers=reg)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    public = client.get("/enforcement/decisions")
    assert public.status_code == 200 and ent_name in public.text
    one = client.get(f"/enforcement/decisions/{cid}")
    assert one.status_code == 200 and "13812345678" not in one.text and "张＊＊" in one.text
    assert "138＊＊＊＊5678" in one.text
    ov = client.get("/console/enforcement/oversight", headers=reg)
    assert ov.status_code == 200 and "100%" in ov.text
    assert client.get("/console/enforcement/oversight.xlsx", headers=reg).content[:2] == b"PK"
    pen = client.get("/console/enforcement/penalties", params={"violation": "FSL-124", "goods_value": "8000"},
                     headers=reg)
    assert "50000" in pen.text.replace(",", "") and "第一百二十四条" in pen.text
    # a regulator of another province: the case page is a 404 page, not the case
    _o, gz, _c = _setup(client, db, login, "440100", "municipal", "广州市市场监督管理局")
    assert client.get(case_url, headers=gz).status_code == 404
    assert client.get("/console/enforcement", follow_redirects=False).status_code == 303


def test_console_joint_operation_page(client, db, login):
    hz, hz_h, hz_c = _setup(client, db, login, "330100", "municipal", "杭州市市场监督管理局")
    gz, gz_h, gz_c = _setup(client, db, login, "440100", "municipal", "广州市市场监督管理局")
    page = client.get("/console/enforcement", headers=hz_h)
    r = client.post("/console/enforcement/operations", headers=hz_h, follow_redirects=False, data={
        "csrf_token": _token(page.text), "name": "清源行动", "gtins": "06901234567892", "members": str(gz)})
    assert r.status_code == 303, r.text
    op_url = r.headers["location"]
    with db.session() as s:
        party = factories.enterprise(s, region="440106").id
    case = client.post("/api/v1/enforcement/cases", headers=gz_h, json={
        "party_id": party, "title": "仓储假冒电热毯", "approver": "局长", "officers": gz_c, "gtin": "06901234567892",
        "on": "2026-11-03"}).json()
    page = client.get(op_url, headers=gz_h)
    assert case["case_no"] in page.text  # offered to join (same GTIN)
    r = client.post(f"{op_url}/join", headers=gz_h, follow_redirects=False,
                    data={"csrf_token": _token(page.text), "case_id": str(case["id"])})
    assert r.status_code == 303
    page = client.get(op_url, headers=hz_h)
    assert "440100" in page.text and "330100" in page.text and "归入案件" in page.text
    third = login("regulator", SimpleNamespace(id=factories_regulator(db)))
    assert client.get(op_url, headers=third).status_code == 404


def factories_regulator(db) -> int:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return factories.regulator(s, "municipal", "320100").id


def test_console_reads_that_fail_answer_the_console_error_page(client, db, login):
    """A lead, case, PDF or joint operation that does not exist is the console's 404 page (the app-wide DomainError
    page, issue #17: the handlers no longer build it by hand), not a 500 and not the portal's page."""
    _, reg, _ = _setup(client, db, login, "330100", "municipal", "杭州市市场监督管理局")
    for url in ("/console/enforcement/leads/987654321", "/console/enforcement/cases/987654321",
                "/console/enforcement/cases/987654321/documents/decision.pdf",
                "/console/enforcement/operations/987654321"):
        page = client.get(url, headers=reg | {"accept": "text/html"})
        assert page.status_code == 404, url
        assert "text/html" in page.headers["content-type"] and 'role="alert"' in page.text and "返回工作台" in page.text
        assert "not_found" in page.text, url


def test_desk_pages_past_the_hundredth_lead(client, db, login):
    """Finding (2026-12-03): the desk showed the first 100 received leads and no way to the rest — a bureau's 101st
    lead could not be reached from the console. 苏州市吴中区 (320506): a county whose leads only this test files."""
    from zhijian.enforcement import service
    from zhijian.enforcement.schemas import LeadIn
    from zhijian.platform.auth import actor_for
    from zhijian.platform.models import User

    oid, reg, _certs = _setup(client, db, login, "320506", "county", "苏州市吴中区市场监督管理局")
    with db.session() as s:
        ent = factories.enterprise(s, region="320506")
        officer = s.query(User).filter(User.organization_id == oid).first()
        actor = actor_for(officer)
        existing = len(service.list_leads(s, actor, state="received", limit=500).items)
        ids = [service.create_lead(s, actor, LeadIn(
            title=f"吴中线索{i}", party_id=ent.id, received_on="2026-03-02", source="report",
            source_ref=f"desk-{factories.uid()}-{i}")).id for i in range(101 - existing)]
    first = client.get("/console/enforcement", headers=reg)
    assert first.status_code == 200 and first.text.count('href="/console/enforcement/leads/') == 100
    last = f'href="/console/enforcement/leads/{ids[-1]}"'
    assert last not in first.text
    nxt = re.search(r'rel="next" href="([^"]+)"', first.text)
    assert nxt and "lead_cursor=" in nxt.group(1)
    second = client.get(html.unescape(nxt.group(1)), headers=reg)
    assert second.status_code == 200 and last in second.text
    assert 'rel="next"' not in second.text.split("<h2>", 2)[1]  # the lead list's pager ends there
