"""The API and the public pages through the real ASGI app on every database."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

from openpyxl import load_workbook

from tests import factories
from tests.stable.helpers import approved
from zhijian.stable import service
from zhijian.stable.models import Announcement

ATOM = "{http://www.w3.org/2005/Atom}"


def test_api_permissions_and_problem_json(client, db, crew):
    with db.session() as s:
        theirs = factories.product(s, crew.people(s, "b").enterprise)
        mine = factories.product(s, crew.people(s, "a").enterprise)
        mine_id, theirs_id = mine.id, theirs.id
    ent = crew.headers["owner_a"]
    r = client.post("/api/v1/stable/applications", json={"product_id": theirs_id}, headers=ent)
    assert r.status_code == 403 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "auth.forbidden"
    r = client.post("/api/v1/stable/applications", json={"product_id": mine_id, "former_names": [["旧牌", "A-1"]]},
                    headers=ent)
    assert r.status_code == 201, r.text
    app_id = r.json()["id"]
    assert r.json()["former_names"] == [["旧牌", "A-1"]]
    # the evaluation behind it is readable by the owner, and explains every criterion
    ev = client.get(f"/api/v1/stable/evaluations/{r.json()['evaluation_id']}", headers=ent).json()
    assert {c["kind"] for c in ev["result"]["criteria"]} >= {"conforming_results", "credit_class"}
    other = crew.headers["owner_b"]
    assert client.get(f"/api/v1/stable/applications/{app_id}", headers=other).status_code == 404
    r = client.post(f"/api/v1/stable/applications/{app_id}/review", json={"recommendation": "approve",
                                                                          "comment": "好"}, headers=ent)
    assert r.status_code == 403
    r = client.post(f"/api/v1/stable/applications/{app_id}/review", json={"recommendation": "maybe",
                                                                          "comment": "好"}, headers=crew.headers["reviewer"])
    assert r.status_code == 422 and r.json()["field"] == "recommendation"
    r = client.post("/api/v1/stable/evaluations", json={"product_id": theirs_id}, headers=ent)
    assert r.status_code == 403
    assert client.get("/api/v1/stable/applications").status_code == 401


def test_ruleset_api_validates_and_versions(client, crew):
    staff = crew.headers["reviewer"]
    rulesets = client.get("/api/v1/stable/rulesets", headers=staff).json()
    assert rulesets[0]["version"] == 1 and rulesets[0]["data"]["criteria"][0]["kind"] == "conforming_results"
    bad = {"effective_from": "2050-01-01", "criteria": [{"kind": "conforming_results", "params": {"min_count": -1}}]}
    r = client.post("/api/v1/stable/rulesets", json=bad, headers=staff)
    assert r.status_code == 422 and r.json()["field"] == "criteria.0.params.min_count"
    r = client.post("/api/v1/stable/rulesets", json=bad | {"criteria": [{"kind": "complaints"}]},
                    headers=staff)
    assert r.status_code == 201 and r.json()["data"]["criteria"] == [
        {"kind": "complaints", "params": {"max_justified": 0, "window_years": 3}}]


def test_public_pages_pdf_excel_feed_and_verification(client, db, crew):
    with db.session() as s:
        p = crew.people(s)
        _app, listing = approved(s, p)
        draft_id = listing.announcement_id
        draft_html = client.get("/stable").text
        ann = service.publish_announcement(s, p.reviewer, draft_id, title="全国质量检验稳定合格产品名单（测试批）")
        year, number, label = ann.year, ann.number, service.announcement_label(ann)
        cert, name = listing.certificate_no, listing.product_name
        # a fresh draft (another approval) is not public
        _app2, pending = approved(s, p)
        hidden_draft = pending.announcement_id
    assert label not in draft_html
    page = client.get("/stable")
    assert page.status_code == 200 and label in page.text
    detail = client.get(f"/stable/announcements/{year}/{number}")
    assert detail.status_code == 200 and name in detail.text and cert in detail.text
    pdf = client.get(f"/stable/announcements/{year}/{number}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and b"/FontFile2" in pdf.content
    xlsx = client.get(f"/stable/announcements/{year}/{number}.xlsx")
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert label in ws["A1"].value and cert in [c.value for c in ws["B"]]
    feed = ET.fromstring(client.get("/stable/feed.atom").content)
    titles = [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")]
    assert any(label in t for t in titles)
    verify = client.get(f"/stable/verify/{cert}")
    assert verify.status_code == 200 and "有效" in verify.text and label in verify.text
    assert client.get(f"/api/v1/stable/verify/{cert}").json()["state"] == "valid"
    cert_pdf = client.get(f"/stable/certificates/{cert}.pdf")
    assert cert_pdf.status_code == 200 and cert_pdf.content.startswith(b"%PDF")
    assert client.get("/stable/verify/WDHG-0000-NOPE").status_code == 404
    with db.session() as s:  # the portal's hooks (web.sources): latest announcements and search
        assert any(label in a["title"] for a in service.latest_announcements(s, limit=50))
        assert [h["href"] for h in service.search_announcements(s, cert)] == [f"/stable/verify/{cert}"]
    # drafts: invisible to the public, by API and by file
    assert client.get(f"/api/v1/stable/announcements/{hidden_draft}").status_code == 404
    assert client.get(f"/api/v1/stable/announcements/{hidden_draft}/file.pdf").status_code == 404
    assert client.get("/stable/verify/" + pending.certificate_no).status_code == 404
    with db.session() as s:
        assert s.get(Announcement, hidden_draft).status == "draft"


def test_revocation_changes_the_public_verification_page(client, db, crew):
    from zhijian.platform.events import publish

    with db.session() as s:
        p = crew.people(s)
        _app, listing = approved(s, p)
        service.publish_announcement(s, p.reviewer, listing.announcement_id)
        cert, pid = listing.certificate_no, listing.product_id
        publish(s, "spotcheck.verdict_final", {"batch_id": 77, "product_id": pid, "enterprise_id": p.enterprise.id,
                                               "verdict": "不合格", "failing_items": ["耐压"], "report_no": "R-77",
                                               "gtin": None, "lot": None})
    assert "复核中" in client.get(f"/stable/verify/{cert}").text
    with db.session() as s:
        listing = service.listing_by_certificate(s, cert)
        service.revoke_listing(s, crew.committee, listing.id, "2026年国家监督抽查耐压项目不合格")
        rev = service.publish_announcement(s, p.reviewer, listing.revocation_announcement_id)
        rev_label = service.announcement_label(rev)
        rev_year, rev_number = rev.year, rev.number
    page = client.get(f"/stable/verify/{cert}").text
    assert "已撤销" in page and "耐压项目不合格" in page and rev_label in page
    rev_page = client.get(f"/stable/announcements/{rev_year}/{rev_number}").text
    assert cert in rev_page and "撤销理由" in rev_page


def test_console_pages_render_for_each_role(client, db, crew):
    with db.session() as s:
        app, _listing = approved(s, crew.people(s))
    for headers in (crew.headers["reviewer"], crew.headers["regulator"], crew.headers["owner_a"]):
        for url in ("/console/stable", f"/console/stable/applications/{app.id}", "/console/stable/evaluate",
                    "/console/stable/announcements", "/console/stable/listings", "/console/stable/rulesets"):
            r = client.get(url, headers=headers)
            assert r.status_code == 200, (url, r.text[:300])
    assert client.get(f"/console/stable/applications/{app.id}", headers=crew.headers["owner_b"]).status_code == 404
    assert client.get("/console/stable", follow_redirects=False).status_code == 303


def _csrf(html: str) -> str:
    import re

    m = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert m, "no CSRF field in the form"
    return m.group(1)


def test_console_forms_apply_review_decide(client, db, crew):
    """The whole workflow through the console forms (CSRF included), each step by its own role."""
    with db.session() as s:
        product = factories.product(s, crew.people(s).enterprise, brand="表单牌", model=f"F-{factories.uid()}")
        pid = product.id
    owner, reviewer, member = crew.headers["owner_a"], crew.headers["reviewer"], crew.headers["committee"]
    page = client.get("/console/stable", headers=owner)
    assert f'value="{pid}"' in page.text  # own product offered in the apply form
    r = client.post("/console/stable/apply", headers=owner, follow_redirects=False,
                    data={"csrf_token": _csrf(page.text), "product_id": pid, "statement": "表单申报",
                          "former_names": "旧牌|F 100\n"})
    assert r.status_code == 303, r.text[:500]
    app_url = r.headers["location"]
    detail = client.get(app_url, headers=reviewer).text
    assert "表单申报" in detail and "旧牌 F 100" in detail
    r = client.post(app_url + "/review", headers=reviewer, follow_redirects=False,
                    data={"csrf_token": _csrf(detail), "recommendation": "reject", "comment": "抽查记录不足三年"})
    assert r.status_code == 303
    r = client.post(app_url + "/review", headers=reviewer, data={"recommendation": "reject", "comment": "x"})
    assert r.status_code == 403  # no CSRF token
    detail = client.get(app_url, headers=member).text
    assert "评审委员会决定" in detail
    r = client.post(app_url + "/decide", headers=member, follow_redirects=False,
                    data={"csrf_token": _csrf(detail), "decision": "rejected", "reason": "不满足连续三年合格"})
    assert r.status_code == 303
    final = client.get(app_url, headers=owner).text
    assert "不满足连续三年合格" in final and "未批准" in final
