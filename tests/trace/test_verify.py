"""Consumer verification over the real app on every database: each answer, forged MACs, signals, permissions."""

from __future__ import annotations

from sqlalchemy import event, select

from tests import factories
from tests.trace.conftest import issue_lot
from zhijian.platform.auth import SYSTEM
from zhijian.trace import rules, service
from zhijian.trace.models import Code, Signal

JSON = {"accept": "application/json"}


def _url(lot, serial, with_lot=True):  # type: ignore[no-untyped-def]
    return f"/01/{lot.gtin}/10/{lot.lot}/21/{serial}" if with_lot else f"/01/{lot.gtin}/21/{serial}"


def test_first_repeat_frozen(client, lot):
    s = lot.serials[0]
    r = client.get(_url(lot, s), headers=JSON, params={"region": "330106"})
    assert r.status_code == 200
    body = r.json()
    assert (body["answer"], body["message_zh"], body["count"]) == ("genuine_first", "首次查询，正品", 1)
    assert body["product"]["name"] == "纯牛奶250mL" and body["lot"] == lot.lot
    r2 = client.get(_url(lot, s, with_lot=False), headers=JSON, params={"region": "330102"}).json()
    assert r2["answer"] == "genuine_repeat"
    assert r2["message_zh"].startswith("此码已被查询2次，首次查询时间")
    assert "地点浙江省 杭州市；如非本人查询，谨防假冒" in r2["message_zh"]
    client.get(_url(lot, s), headers=JSON, params={"region": "330106"})
    r4 = client.get(_url(lot, s), headers=JSON).json()  # threshold 3: the 4th query freezes the code
    assert (r4["answer"], r4["message_zh"]) == ("frozen", "此码查询次数过多，已被冻结，请联系品牌方核实")
    assert client.get(_url(lot, s), headers=JSON).json()["answer"] == "frozen"


def test_not_found_recalled_voided(client, db, lot):
    forged = lot.serials[1][:-1] + ("0" if lot.serials[1][-1] != "0" else "1")
    r = client.get(_url(lot, forged), headers=JSON).json()
    assert (r["answer"], r["message_zh"]) == ("not_found", "查无此码，谨防假冒")
    unknown = client.get(f"/01/{factories.new_gtin().zfill(14)}/21/{lot.serials[1]}", headers=JSON)
    assert (unknown.status_code, unknown.json()["answer"]) == (404, "not_found")  # resolver standard: unknown key 404
    with db.session(SYSTEM) as s:
        assert service.change_codes(s, SYSTEM, gtin=lot.gtin, action="void", serial=lot.serials[1]) == 1
        assert service.mark_lot_recalled(s, SYSTEM, gtin=lot.gtin, lot=lot.lot, recall_ref="R-1",
                                         reason="菌落总数超标") == len(lot.serials) - 1
    v = client.get(_url(lot, lot.serials[1]), headers=JSON).json()
    assert (v["answer"], v["message_zh"]) == ("voided", "此码已作废，谨防假冒")
    rc = client.get(_url(lot, lot.serials[2]), headers=JSON).json()
    assert (rc["answer"], rc["message_zh"]) == ("recalled", "该批次已召回")


def test_forged_serial_rejected_before_any_database_lookup(db, lot):
    statements: list[str] = []

    def count(conn, cursor, statement, *a):  # type: ignore[no-untyped-def]
        statements.append(statement)

    with db.session() as s:
        service.keys_for_gtin(s, lot.gtin)  # warm the worker's key cache (as the first request does)
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        with db.session() as s:
            forged = rules.make_serial(rules.new_key(), 0, lot.gtin)  # right shape, wrong key
            r = service.verify_scan(s, service.ScanInput(gtin=lot.gtin, serial=forged, client="t-forge"))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert r["answer"] == "not_found"
    assert statements == []


def test_enumeration_is_flagged_and_refused(client, db, lot, fresh_guard):
    for i in range(20):
        fake = rules.make_serial(rules.new_key(), 0, lot.gtin)
        assert client.get(_url(lot, fake), headers=JSON).json()["answer"] == "not_found", i
    r = client.get(_url(lot, lot.serials[0]), headers=JSON)
    assert r.status_code == 429 and r.json()["code"] == "trace.enumeration_blocked"
    with db.session() as s:
        sig = s.scalars(select(Signal).where(Signal.kind == "enumeration", Signal.gtin == lot.gtin)).all()
    assert len(sig) == 1 and sig[0].evidence["unknown_codes"] == 20 and sig[0].enterprise_id == lot.enterprise_id


def test_signals_seen_by_owner_and_regulator_only(client, db, login, lot):
    s = lot.serials[3]
    for region in ("330106", "110105", "440106"):  # 杭州, 北京, 广州 within minutes
        client.get(_url(lot, s), headers=JSON, params={"region": region})
    with db.session() as ss:
        ent = ss.get(__import__("zhijian.catalog.models", fromlist=["Organization"]).Organization, lot.enterprise_id)
        other = factories.enterprise(ss)
    own = client.get("/api/v1/trace/signals", headers=login("enterprise", ent), params={"gtin": lot.gtin}).json()
    kinds = sorted(i["kind"] for i in own["items"])
    assert kinds == ["diversion", "multi_city"]  # 北京 and 广州 are outside the lot's 浙江 sales region (one signal)
    multi = next(i for i in own["items"] if i["kind"] == "multi_city")
    assert multi["evidence"]["cities"] == ["110000", "330100", "440100"] and multi["serial"] == s
    assert client.get("/api/v1/trace/signals", headers=login("enterprise", other),
                      params={"gtin": lot.gtin}).json()["items"] == []
    reg = client.get("/api/v1/trace/signals", headers=login("regulator"), params={"gtin": lot.gtin}).json()
    assert sorted(i["kind"] for i in reg["items"]) == ["diversion", "multi_city"]
    assert client.get("/api/v1/trace/signals").status_code == 401
    page = client.get("/console/trace/signals", headers=login("regulator"))
    assert page.status_code == 200 and "短时间内多城市查询" in page.text


def test_issue_permissions_and_bad_input(client, db, login):
    with db.session(SYSTEM) as s:
        ent, other = factories.enterprise(s), factories.enterprise(s)
        p = factories.product(s, ent, gtin=factories.new_gtin())
    body = {"product_id": p.id, "lot": "B2026", "quantity": 3}
    assert client.post("/api/v1/trace/batches", json=body, headers=login("enterprise", other)).status_code == 403
    r = client.post("/api/v1/trace/batches", json={**body, "lot": "A/B"}, headers=login("enterprise", ent))
    assert r.status_code == 422 and r.json()["code"] == "trace.invalid_ai"
    h = login("enterprise", ent)
    r = client.post("/api/v1/trace/batches", json=body, headers=h)
    assert r.status_code == 201, r.text
    denied = client.get(f"/api/v1/trace/batches/{r.json()['id']}/codes.csv", headers=login("enterprise", other))
    assert denied.status_code == 403 and denied.headers["content-type"] == "application/problem+json"
    csv = client.get(f"/api/v1/trace/batches/{r.json()['id']}/codes.csv", headers=h)
    lines = csv.text.lstrip("\ufeff").splitlines()
    assert lines[0] == "serial,uri,element_string,pin,compressed_uri" and len(lines) == 4
    serial, uri, element, _, _compressed = lines[1].split(",")
    assert uri == f"https://id.zhijian.example/01/{p.gtin.zfill(14)}/10/B2026/21/{serial}"
    assert element == f"(01){p.gtin.zfill(14)}(10)B2026(21){serial}"
    with db.session() as s:
        assert s.get(Code, (serial, p.gtin.zfill(14))).status == "active"


def test_resolver_linkset_description_and_400(client, lot):
    r = client.get(_url(lot, lot.serials[4]), params={"linkType": "all"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/linkset+json")
    entry = r.json()["linkset"][0]
    assert entry["anchor"] == f"https://id.zhijian.example/01/{lot.gtin}/10/{lot.lot}/21/{lot.serials[4]}"
    assert "https://gs1.org/voc/verificationService" in entry
    assert client.get("/.well-known/gs1resolver").json()["supportedPrimaryKeys"][:2] == ["00", "01"]
    bad = client.get(f"/01/{lot.gtin}/21/{lot.serials[4]}/10/{lot.lot}", headers=JSON)
    assert bad.status_code == 400 and bad.json()["code"] == "trace.invalid_uri"
    page = client.get(_url(lot, lot.serials[5]))
    assert page.status_code == 200 and "首次查询，正品" in page.text and "纯牛奶250mL" in page.text


def test_key_rotation_keeps_old_codes_valid(client, db):
    first = issue_lot(db, quantity=2)
    with db.session(SYSTEM) as s:
        assert service.rotate_key(s, SYSTEM, first.enterprise_id).version == 1
        req = service.IssueRequest(product_id=first.product_id, lot="NEWKEY", quantity=1)
        b = service.issue_codes(s, SYSTEM, req, host="id.zhijian.example")
        new = s.scalar(select(Code.serial).where(Code.batch_id == b.id))
    assert new[0] == "1" and first.serials[0][0] == "0"
    assert client.get(_url(first, first.serials[0]), headers=JSON).json()["answer"] == "genuine_first"
    assert client.get(f"/01/{first.gtin}/21/{new}", headers=JSON).json()["answer"] == "genuine_first"
