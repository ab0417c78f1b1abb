"""Portal and console pages through the real ASGI app on every database: same data and permission
checks as the API, CSRF on forms, field errors in place, confirmation before deletion, audit history,
Excel export, the English switch, the page-weight budget and the CSP (no inline scripts or styles)."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from tests import factories
from zhijian.catalog.models import Product

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


def csrf(client, path: str) -> str:  # type: ignore[no-untyped-def]
    r = client.get(path)
    assert r.status_code == 200, r.text
    return TOKEN.search(r.text).group(1)


def web_login(client, db, role: str, org=None) -> str:  # type: ignore[no-untyped-def]
    with db.session() as s:
        username = factories.user(s, role, org).username
    r = client.post("/login", data={"csrf_token": csrf(client, "/login"), "username": username,
                                    "password": "correct horse 1", "next": "/console"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console", r.text
    return username


def test_portal_search_product_enterprise_and_english(client, db):
    uid = factories.uid()
    with db.session() as s:
        ent = factories.enterprise(s, name=f"杭州{uid}乳业有限公司")
        cat = factories.category(s, name=f"婴幼儿配方奶粉{uid}")
        p = factories.product(s, ent, cat, name=f"金装婴幼儿配方奶粉{uid}", gtin=factories.new_gtin())
        hidden = factories.product(s, ent, cat, name=f"内部样品奶粉{uid}", is_public=False)
        pid, hid, eid = p.id, hidden.id, ent.id
    r = client.get("/")
    assert r.status_code == 200
    assert "content-security-policy" in r.headers and "script-src 'self'" in r.headers["content-security-policy"]
    # Chinese substring search: "奶粉" + the unique part finds the product and not the hidden one
    r = client.get("/search", params={"q": f"奶粉{uid}", "type": "products"})
    assert f'href="/products/{pid}"' in r.text and f"/products/{hid}" not in r.text
    r = client.get("/search", params={"q": f"{uid}乳业"})
    assert f'href="/enterprises/{eid}"' in r.text
    r = client.get(f"/products/{pid}")
    assert r.status_code == 200 and f"杭州{uid}乳业有限公司" in r.text and f"婴幼儿配方奶粉{uid}" in r.text
    assert client.get(f"/products/{hid}").status_code == 404  # the API's visibility rule
    r = client.get(f"/enterprises/{eid}")
    assert r.status_code == 200 and f"金装婴幼儿配方奶粉{uid}" in r.text and f"内部样品奶粉{uid}" not in r.text
    # English switch: ?lang=en answers in English and remembers the choice in a cookie
    r = client.get(f"/products/{pid}?lang=en")
    assert '<html lang="en">' in r.text and "Manufacturer" in r.text and "生产企业" not in r.text
    assert "zj_lang=en" in r.headers["set-cookie"]
    assert "Manufacturer" in client.get(f"/products/{pid}").text
    client.get("/?lang=zh_CN")
    assert "生产企业" in client.get(f"/products/{pid}").text


def test_verify_forwards_readable_codes_and_explains_others(client):
    r = client.get("/verify", params={"code": "(01)09506000134352(10)L1(21)S1"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/01/09506000134352/10/L1/21/S1"
    r = client.get("/verify/report", params={"no": "ZJ 2026/1"}, follow_redirects=False)
    assert r.headers["location"] == "/reports/verify/ZJ%202026%2F1"
    r = client.get("/verify", params={"code": "09506000134353"})
    assert r.status_code == 422 and "校验位不正确" in r.text and 'aria-invalid="true"' in r.text


def test_console_requires_login_and_role(client, db):
    r = client.get("/console/products", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fconsole%2Fproducts"
    with db.session() as s:
        lab = factories.lab(s)
    web_login(client, db, "inspector", lab)
    r = client.get("/console")  # the lab's dashboard: results to enter and to verify (the spot-check room's cards)
    assert "待录入结果" in r.text and "待审核" in r.text and "待录入检验结果" not in r.text  # counted once
    assert "本企业产品" not in r.text
    r = client.get("/console/organizations")
    assert r.status_code == 403 and "无权访问" in r.text
    r = client.post("/logout", data={"csrf_token": "forged"})
    assert r.status_code == 403  # CSRF: a forged token is refused


def test_product_form_errors_in_place_create_audit_export_delete(client, db):
    uid = factories.uid()
    with db.session() as s:
        ent = factories.enterprise(s)
        other = factories.enterprise(s)
        cat = factories.category(s)
        foreign = factories.product(s, other, cat)
        eid, cid, fid = ent.id, cat.id, foreign.id
    web_login(client, db, "enterprise", ent)
    token = csrf(client, "/console/products/new")
    # empty name and a wrong GTIN check digit: the form comes back with both errors next to their fields
    r = client.post("/console/products/new", data={"csrf_token": token, "name": "", "category_id": str(cid),
                                                   "gtin": "6901234567890"})
    assert r.status_code == 422
    assert re.search(r'id="name"[^>]*aria-invalid="true"', r.text) and 'id="name-error"' in r.text
    r = client.post("/console/products/new", data={"csrf_token": token, "name": f"电热水壶{uid}",
                                                   "category_id": str(cid), "gtin": "6901234567890"})
    assert r.status_code == 422 and 'id="gtin-error"' in r.text and "GTIN 校验位错误" in r.text
    assert f'value="电热水壶{uid}"' in r.text  # what was typed stays in the form
    with db.session() as s:
        assert s.query(Product).filter(Product.name == f"电热水壶{uid}").count() == 0  # nothing half-written
    gtin = factories.new_gtin()
    r = client.post("/console/products/new", data={"csrf_token": token, "name": f"电热水壶{uid}", "brand": "美好",
                                                   "category_id": str(cid), "gtin": gtin, "is_public": "1",
                                                   "enterprise_id": str(other.id)}, follow_redirects=False)
    assert r.status_code == 303
    new_id = int(r.headers["location"].split("/")[3].split("?")[0])
    with db.session() as s:
        assert s.get(Product, new_id).enterprise_id == eid  # an enterprise registers for itself only
    r = client.get("/console")
    assert re.search(r'<span class="num">1</span><span>本企业产品</span>', r.text)
    r = client.post(f"/console/products/{new_id}/edit", data={"csrf_token": token, "name": f"电热水壶{uid} 1.7L",
                                                              "brand": "美好", "category_id": str(cid), "gtin": gtin,
                                                              "is_public": "1"}, follow_redirects=False)
    assert r.status_code == 303
    r = client.get(f"/console/products/{new_id}")
    assert "审计历史" in r.text and "创建" in r.text and "修改" in r.text
    assert f"<del>电热水壶{uid}</del> → <ins>电热水壶{uid} 1.7L</ins>" in r.text
    # the enterprise's list shows its own products only; the export has the same rows
    r = client.get("/console/products", params={"q": uid})
    assert f"/console/products/{new_id}" in r.text and f"/console/products/{fid}" not in r.text
    r = client.get("/console/products", params={"format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[3][:3] == ("ID", "名称", "品牌") and [row[0] for row in rows[4:]] == [new_id]  # after the title block
    # another enterprise's product: not editable
    assert client.get(f"/console/products/{fid}/edit").status_code == 403
    # delete: without confirmation a confirmation page, nothing deleted; with it, gone
    r = client.post(f"/console/products/{new_id}/delete", data={"csrf_token": token})
    assert r.status_code == 200 and "确认删除" in r.text and 'name="confirmed" value="1"' in r.text
    with db.session() as s:
        assert s.get(Product, new_id) is not None
    r = client.post(f"/console/products/{new_id}/delete", data={"csrf_token": token, "confirmed": "1"},
                    follow_redirects=False)
    assert r.status_code == 303
    with db.session() as s:
        assert s.get(Product, new_id) is None


def test_staff_lists_filter_page_and_export(client, db):
    uid = factories.uid()
    with db.session() as s:
        ents = [factories.enterprise(s, name=f"宁波{uid}电器{i}有限公司") for i in range(3)]
        std = factories.standard(s, title=f"电热水壶安全{uid}")
        sid = std.id
    web_login(client, db, "regulator")
    r = client.get("/console")
    assert r.status_code == 200 and 'href="/console/organizations?kind=enterprise"' in r.text
    r = client.get("/console/organizations", params={"q": uid, "kind": "enterprise"})
    assert all(f"/console/organizations/{e.id}" in r.text for e in ents)
    r = client.get("/console/organizations", params={"format": "xlsx", "q": uid})
    names = [row[2] for row in load_workbook(io.BytesIO(r.content)).active.iter_rows(min_row=5, values_only=True)]
    assert names == [f"宁波{uid}电器{i}有限公司" for i in range(3)]
    r = client.get("/console/standards", params={"q": uid})
    assert f"/console/standards/{sid}" in r.text
    r = client.get(f"/console/standards/{sid}")
    assert "铅(以Pb计)" in r.text and "≤0.5" in r.text and "审计历史" in r.text
    r = client.get("/console/organizations", params={"page": "abc"})  # numbered pages: a bad page is named
    assert r.status_code == 422 and "页码「abc」无效" in r.text
    r = client.get("/console/organizations", params={"size": "7"})
    assert r.status_code == 422 and "每页条数「7」无效" in r.text
    r = client.get("/console/organizations", params={"sort": "password"})
    assert r.status_code == 422 and "不能按「password」排序" in r.text


def test_first_page_budget_and_no_inline_code(client):
    html = client.get("/").text
    css = client.get("/static/site.css").content
    scripts = re.findall(r'<script src="([^"]+)"', html)
    js = sum(len(client.get(src).content) for src in scripts)
    assert len(html.encode()) + len(css) + js < 100_000
    for path in ("/", "/search?q=水壶", "/verify", "/login"):
        page = client.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), path  # no inline scripts
        assert " style=" not in page and "<style" not in page, path  # no inline styles
        assert re.search(r'<a class="skip" href="#main">', page) and 'id="main"' in page
        assert "http://" not in page.replace("http://www.w3.org", "") and "https://cdn" not in page
