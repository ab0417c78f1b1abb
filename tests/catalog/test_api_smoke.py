"""The catalog through the real ASGI app on every database."""

from __future__ import annotations

from tests import factories


def test_chinese_search_finds_substring(client, db, login):
    with db.session() as s:
        ent = factories.enterprise(s)
        cat = factories.category(s, name="乳制品测试")
        p = factories.product(s, ent, cat, name=f"婴幼儿配方奶粉{factories.uid()}")
        pid = p.id
    r = client.get("/api/v1/products", params={"q": "奶粉", "enterprise_id": ent.id})
    assert r.status_code == 200, r.text
    assert [i["id"] for i in r.json()["items"]] == [pid]
