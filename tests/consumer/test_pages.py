"""Console forms of the consumer room through the real app on every database: 认证证书登记 and 企业标准自我声明
(indicators as rows) — field errors in place, the record created by the API's service function, and the
service's permission checks refusing the wrong role or another enterprise."""

from __future__ import annotations

import random

from sqlalchemy import select

from tests import factories
from tests.web.test_pages import csrf, web_login
from zhijian.catalog.schemas import IndicatorIn
from zhijian.consumer.models import Certificate, StandardDeclaration
from zhijian.platform.auth import SYSTEM


def test_certificate_form_errors_in_place_then_created_and_refused_to_enterprise(client, db):
    with db.session(SYSTEM) as s:
        ent = factories.enterprise(s)
        name, uscc = ent.name, ent.uscc
    web_login(client, db, "association")
    token = csrf(client, "/console/certificates/new")
    number = f"20240107{random.randrange(10**7, 10**8)}"
    base = {"csrf_token": token, "number": number, "kind": "CCC", "holder_name": name, "holder_uscc": uscc,
            "body_name": "中国质量认证中心", "products_text": "电热水壶 MK-1", "issued_on": "2024-03-01"}
    r = client.post("/console/certificates/new", data=base | {"kind": "", "valid_until": "2023-01-01"})
    assert r.status_code == 422 and 'id="kind-error"' in r.text and "请选择一项" in r.text
    assert f'value="{number}"' in r.text  # what was typed stays in the form
    r = client.post("/console/certificates/new", data=base | {"valid_until": "2023-01-01"})
    assert r.status_code == 422 and 'id="valid_until-error"' in r.text and "有效期截止早于发证日期" in r.text
    with db.session() as s:
        assert s.scalar(select(Certificate).where(Certificate.number == number)) is None
    r = client.post("/console/certificates/new", data=base | {"valid_until": "2029-02-28"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/console/certificates?q={number}"
    with db.session() as s:
        cert = s.scalar(select(Certificate).where(Certificate.number == number))
        assert cert is not None and cert.holder_name == name and str(cert.valid_until) == "2029-02-28"
    assert number in client.get(r.headers["location"]).text

    client.cookies.clear()
    web_login(client, db, "enterprise", ent)
    assert client.get("/console/certificates/new").status_code == 403
    r = client.post("/console/certificates/new", data=base | {"csrf_token": csrf(client, "/console/declarations/new"),
                                                              "number": number + "9"})
    assert r.status_code == 403


def test_declaration_form_rows_checked_against_national_standard(client, db):
    with db.session(SYSTEM) as s:
        cat = factories.category(s, name="页面测试食品")
        factories.standard(s, category_id=cat.id, indicators=[
            IndicatorIn(name="铅(以Pb计)", unit="mg/kg", requirement_kind="max", upper=0.2, text="≤0.2")])
        ent = factories.enterprise(s)
        other = factories.enterprise(s)
        p = factories.product(s, ent, name="页面测试饼干")
        foreign = factories.product(s, other, name="别家饼干")
        lab = factories.lab(s)
        cat_id, pid, fid = cat.id, p.id, foreign.id
    web_login(client, db, "enterprise", ent)
    token = csrf(client, "/console/declarations/new")
    page = client.get("/console/declarations/new").text
    assert "页面测试饼干" in page and "别家饼干" not in page and 'name="enterprise_id"' not in page
    code = f"Q/YM {factories.uid()}S-2026"
    base = {"csrf_token": token, "category_id": str(cat_id), "code": code, "title": "饼干企业标准",
            "product_id": str(pid), "ind-0-name": "铅(以Pb计)", "ind-0-unit": "mg/kg", "ind-0-requirement_kind": "max",
            "ind-0-upper": "0.15"}
    # row 3 (index 2) has a name but no requirement kind, and a non-numeric limit: errors land on that row
    r = client.post("/console/declarations/new", data=base | {"ind-2-name": "水分", "ind-2-upper": "五"})
    assert r.status_code == 422
    assert 'id="ind-2-requirement_kind-error"' in r.text and 'id="ind-2-upper-error"' in r.text
    assert "请输入数字" in r.text and 'value="水分"' in r.text
    # another enterprise's product is refused by the service
    r = client.post("/console/declarations/new", data=base | {"product_id": str(fid)})
    assert r.status_code == 404 and 'id="product_id-error"' in r.text
    with db.session() as s:
        assert s.scalar(select(StandardDeclaration).where(StandardDeclaration.product_ids.is_not(None))
                        .where(StandardDeclaration.category_id == cat_id)) is None
    r = client.post("/console/declarations/new", data=base, follow_redirects=False)
    assert r.status_code == 303, r.text
    with db.session() as s:
        d = s.scalar(select(StandardDeclaration).where(StandardDeclaration.category_id == cat_id))
        assert d is not None and d.enterprise_id == ent.id and d.product_ids == [pid]
        assert d.overall == "stricter"  # 0.15 mg/kg is stricter than GB ≤0.2 mg/kg — not 领跑者 unless listed
    assert r.headers["location"] == f"/standards/declarations/{d.id}"
    assert code in client.get(r.headers["location"]).text

    client.cookies.clear()
    web_login(client, db, "inspector", lab)
    assert client.get("/console/declarations/new").status_code == 403
