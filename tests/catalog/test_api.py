"""Catalog API through the real ASGI app, on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from sqlalchemy import func, select

from tests import factories
from zhijian.catalog.models import Product


def _cat(db):
    with db.session() as s:
        return factories.category(s).id


def test_product_crud_as_enterprise_owner(client, db, login):
    with db.session() as s:
        ent = factories.enterprise(s)
        other = factories.enterprise(s)
        ent_id, other_id = ent.id, other.id
    cat_id = _cat(db)
    h = login("enterprise", ent)
    gtin = factories.new_gtin()
    r = client.post("/api/v1/products", headers=h, json={"name": "电热水壶", "brand": "美家", "model": "MK-17",
                                                         "category_id": cat_id, "enterprise_id": ent_id, "gtin": gtin})
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    assert r.json()["gtin"] == gtin.zfill(14)
    r = client.patch(f"/api/v1/products/{pid}", headers=h, json={"model": "MK-17A"})
    assert r.status_code == 200 and r.json()["model"] == "MK-17A"
    # another enterprise may neither create for, nor edit, this enterprise
    h2 = login("enterprise", other)
    r = client.patch(f"/api/v1/products/{pid}", headers=h2, json={"model": "X"})
    assert r.status_code == 403 and r.json()["code"] == "auth.forbidden"
    r = client.post("/api/v1/products", headers=h2, json={"name": "x", "category_id": cat_id, "enterprise_id": ent_id})
    assert r.status_code == 403
    r = client.post("/api/v1/products", headers=h2, json={"name": "x", "category_id": cat_id,
                                                          "enterprise_id": other_id})
    assert r.status_code == 201
    # anonymous cannot write at all
    r = client.post("/api/v1/products", json={"name": "x", "category_id": cat_id, "enterprise_id": ent_id})
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")
    r = client.delete(f"/api/v1/products/{pid}", headers=h)
    assert r.status_code == 204
    assert client.get(f"/api/v1/products/{pid}").status_code == 404


def test_unpublished_product_visible_only_to_owner_and_staff(client, db, login):
    with db.session() as s:
        ent = factories.enterprise(s)
        p = factories.product(s, ent, name="未公开新品", is_public=False)
        pid, ent_id = p.id, ent.id
    assert client.get(f"/api/v1/products/{pid}").status_code == 404
    assert client.get(f"/api/v1/products/{pid}", headers=login("enterprise", ent)).status_code == 200
    assert client.get(f"/api/v1/products/{pid}", headers=login("regulator")).status_code == 200
    with db.session() as s:
        other = factories.enterprise(s)
    assert client.get(f"/api/v1/products/{pid}", headers=login("enterprise", other)).status_code == 404
    ids = [i["id"] for i in client.get("/api/v1/products", params={"enterprise_id": ent_id}).json()["items"]]
    assert pid not in ids


def test_keyset_pagination_walks_every_row_once(client, db):
    with db.session() as s:
        ent = factories.enterprise(s)
        cat = factories.category(s)
        made = [factories.product(s, ent, cat, name=f"分页{i}").id for i in range(7)]
    seen, cursor = [], None
    while True:
        params = {"enterprise_id": ent.id, "limit": 3}
        if cursor:
            params["cursor"] = cursor
        body = client.get("/api/v1/products", params=params).json()
        seen += [i["id"] for i in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == made
    r = client.get("/api/v1/products", params={"cursor": "not-a-cursor"})
    assert r.status_code == 400 and r.json()["field"] == "cursor"


def test_filters_by_category_subtree_and_region(client, db):
    with db.session() as s:
        parent = factories.category(s, name="乳制品X")
        child = factories.category(s, name="婴幼儿配方奶粉X", parent=parent)
        ent_zj = factories.enterprise(s, region="330106")
        ent_gd = factories.enterprise(s, region="440305")
        a = factories.product(s, ent_zj, child).id
        b = factories.product(s, ent_gd, child).id
    ids = {i["id"] for i in client.get("/api/v1/products", params={"category_id": parent.id}).json()["items"]}
    assert ids == {a, b}
    ids = {i["id"] for i in client.get("/api/v1/products", params={"category_id": parent.id,
                                                                     "region": "330000"}).json()["items"]}
    assert ids == {a}


def test_organization_validation_and_duplicates(client, db, login):
    h = login("regulator")
    uscc = factories.new_uscc()
    body = {"kind": "enterprise", "name": "杭州测试电器有限公司", "uscc": uscc, "region_code": "330106"}
    r = client.post("/api/v1/organizations", headers=h, json=body)
    assert r.status_code == 201 and r.json()["region_name"] == "浙江省 杭州市 西湖区"
    r = client.post("/api/v1/organizations", headers=h, json=body)
    assert r.status_code == 409 and r.json()["code"] == "organization.duplicate"
    r = client.post("/api/v1/organizations", headers=h, json={**body, "uscc": uscc[:-1] + ("0" if uscc[-1] != "0" else "1")})
    assert r.status_code == 422 and r.json()["code"] == "catalog.invalid_uscc" and r.json()["field"] == "uscc"
    assert "统一社会信用代码" in r.json()["message_zh"] and r.json()["message_en"]
    r = client.post("/api/v1/organizations", headers=h, json={**body, "uscc": factories.new_uscc(), "region_code": "999999"})
    assert r.status_code == 422 and r.json()["field"] == "region_code"
    # an enterprise user may not register organizations
    with db.session() as s:
        ent = factories.enterprise(s)
    r = client.post("/api/v1/organizations", headers=login("enterprise", ent), json={**body, "uscc": factories.new_uscc()})
    assert r.status_code == 403


def test_bad_requests_are_problem_json_and_write_nothing(client, db, login):
    h = login("regulator")
    with db.session() as s:
        before = s.scalar(select(func.count()).select_from(Product))
        ent_id = factories.enterprise(s).id
    cat_id = _cat(db)
    with db.session() as s:
        before = s.scalar(select(func.count()).select_from(Product))
    cases = [
        (b'{"name": "x", ', "application/json", 400, "request.malformed_json", None),
        (b'{"name": "\xff\xfe", "category_id": 1, "enterprise_id": 1}', "application/json", 400, "request.malformed_json", None),
        (f'{{"name": "x", "category_id": "abc", "enterprise_id": {ent_id}}}'.encode(), "application/json", 422,
         "validation.invalid", "category_id"),
        (f'{{"name": "x", "category_id": 987654321, "enterprise_id": {ent_id}}}'.encode(), "application/json", 404,
         "category.not_found", "category_id"),
        (f'{{"name": "x", "category_id": {cat_id}, "enterprise_id": {ent_id}, "gtin": "6901234567891"}}'.encode(),
         "application/json", 422, "catalog.invalid_gtin", "gtin"),
    ]
    for body, ctype, status, code, field in cases:
        r = client.post("/api/v1/products", headers={**h, "content-type": ctype}, content=body)
        assert r.status_code == status, (body, r.text)
        problem = r.json()
        assert r.headers["content-type"].startswith("application/problem+json")
        assert problem["code"] == code and problem["message_zh"] and problem["message_en"]
        assert problem["status"] == status
        if field:
            assert problem["field"] == field
    big = b'{"name": "' + b"x" * (10 * 1024 * 1024 + 10) + b'"}'
    r = client.post("/api/v1/products", headers={**h, "content-type": "application/json"}, content=big)
    assert r.status_code == 413 and r.json()["code"] == "request.too_large"
    gtin = factories.new_gtin()
    ok = {"name": "重复", "category_id": cat_id, "enterprise_id": ent_id, "gtin": gtin}
    assert client.post("/api/v1/products", headers=h, json=ok).status_code == 201
    r = client.post("/api/v1/products", headers=h, json=ok)
    assert r.status_code == 409 and r.json()["code"] == "product.duplicate"
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Product)) == before + 1


def test_standard_with_indicators(client, db, login):
    h = login("regulator")
    body = {"code": f"GB 2762-{factories.uid()}", "title": "食品安全国家标准 食品中污染物限量",
            "indicators": [{"name": "铅(以Pb计)", "unit": "mg/kg", "requirement_kind": "max", "upper": 0.2,
                            "text": "≤0.2", "is_safety": True},
                           {"name": "pH", "requirement_kind": "range", "lower": 6.5, "upper": 8.5, "text": "6.5~8.5"}]}
    r = client.post("/api/v1/standards", headers=h, json=body)
    assert r.status_code == 201, r.text
    std = r.json()
    assert std["kind"] == "GB" and [i["name"] for i in std["indicators"]] == ["铅(以Pb计)", "pH"]
    bad = {**body, "code": body["code"] + "b", "indicators": [{"name": "铅", "requirement_kind": "max"}]}
    r = client.post("/api/v1/standards", headers=h, json=bad)
    assert r.status_code == 422 and r.json()["field"] == "indicators.0.upper"
    found = client.get("/api/v1/standards", params={"q": "污染物"}).json()["items"]
    assert std["id"] in [i["id"] for i in found]
    # an enterprise may keep its own Q/ standard but not a national one
    with db.session() as s:
        ent = factories.enterprise(s)
    he = login("enterprise", ent)
    r = client.post("/api/v1/standards", headers=he, json={"code": f"Q/HZ {factories.uid()}S-2026", "title": "企业标准",
                                                          "organization_id": ent.id})
    assert r.status_code == 201 and r.json()["kind"] == "enterprise"
    r = client.patch(f"/api/v1/standards/{std['id']}", headers=he, json={"title": "改"})
    assert r.status_code == 403


def test_users_admin_only(client, db, login):
    r = client.post("/api/v1/users", headers=login("regulator"),
                    json={"username": f"u{factories.uid()}", "password": "longpassword", "role": "admin"})
    assert r.status_code == 403
    with db.session() as s:
        lab = factories.lab(s)
    ha = login("admin")
    r = client.post("/api/v1/users", headers=ha, json={"username": f"u{factories.uid()}", "password": "longpassword",
                                                       "role": "inspector"})
    assert r.status_code == 422 and r.json()["code"] == "user.organization_required"
    r = client.post("/api/v1/users", headers=ha, json={"username": f"u{factories.uid()}", "password": "longpassword",
                                                       "role": "inspector", "organization_id": lab.id})
    assert r.status_code == 201 and r.json()["organization_id"] == lab.id
