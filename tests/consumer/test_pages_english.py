"""Issue #21 finding 8 (every screen in one language): the details consumer's rules write — a credit item's
"1 张", a declaration's comparison with the national standard — are English on the English pages; the Chinese
pages and the API keep the Chinese. Real app and DB fixtures; the lead limit is GB 2762-2022's 0.2 mg/kg
(as in tests/consumer/test_credit_certs.py), the enterprise's 0.0003 g/kg = 0.3 mg/kg is laxer."""

from __future__ import annotations

import datetime as dt
import html
import random
import re

from tests import factories
from tests.web.test_pages import web_login
from zhijian.catalog.schemas import IndicatorIn
from zhijian.consumer import service
from zhijian.consumer.rules.english import detail_en
from zhijian.consumer.schemas import CertificateIn
from zhijian.platform.auth import SYSTEM


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_the_rules_details_in_english() -> None:
    assert detail_en("上限 5") == "cap 5"
    assert detail_en("与国家标准相同（g/kg 换算为 g/100g）") == \
        "the same as the national standard (g/kg converted to g/100g)"
    assert detail_en("未知的说明") == "未知的说明"  # text it does not know stays as written


def test_credit_and_declaration_pages_in_english(client, db, login):  # type: ignore[no-untyped-def]
    with db.session(SYSTEM) as s:
        ent = factories.enterprise(s)
        service.create_certificate(s, SYSTEM, CertificateIn(
            number=f"0012{random.randrange(10**8, 10**9)}", kind="ISO9001", holder_name=ent.name,
            holder_uscc=ent.uscc, body_name="中国质量认证中心", scope="电热水壶的设计和生产",
            issued_on=dt.date(2024, 3, 1), valid_until=dt.date(2027, 2, 28)))
        service.recompute_credit(s, SYSTEM, enterprise_ids=[ent.id])
        cat = factories.category(s, name=f"食品{factories.uid()}")
        factories.standard(s, category_id=cat.id, indicators=[
            IndicatorIn(name="铅(以Pb计)", unit="mg/kg", requirement_kind="max", upper=0.2, text="≤0.2")])
        eid, cat_id = ent.id, cat.id
    r = client.post("/api/v1/declarations", headers=login("enterprise", ent), json={
        "enterprise_id": eid, "category_id": cat_id, "code": f"Q/T {factories.uid()}S-2025", "title": "某食品企业标准",
        "products_text": "测试食品", "indicators": [{"name": "铅", "unit": "g/kg", "requirement_kind": "max",
                                                   "upper": 0.0003}]})
    assert r.status_code == 201, r.text
    decl = r.json()
    zh_detail = decl["check"]["rows"][0]["detail"]
    assert zh_detail == "上限 0.3 mg/kg 高于国家标准 0.2 mg/kg（g/kg 换算为 mg/kg）"  # the API keeps the Chinese
    client.cookies.set("zj_lang", "en")
    text = _text(client.get(f"/standards/declarations/{decl['id']}").text)
    assert "maximum 0.3 mg/kg above the national standard's 0.2 mg/kg (g/kg converted to mg/kg)" in text
    assert zh_detail not in text
    web_login(client, db, "regulator", None)
    client.cookies.set("zj_lang", "en")
    text = _text(client.get(f"/console/credit/{eid}").text)
    assert "1 certificate(s)" in text and "1 张" not in text
    client.cookies.set("zj_lang", "zh-CN")
    assert "1 张" in _text(client.get(f"/console/credit/{eid}").text)
    assert zh_detail in _text(client.get(f"/standards/declarations/{decl['id']}").text)
