"""Counterfeit signals (防伪预警) by division: a regional regulator reads and handles the signals of brand owners in
its division and of scans in it (the evidence's city, GB/T 2260), not the country's.

The finding: `signal_scope` gave every regulator every signal, so the 杭州 city bureau listed and could dismiss a
深圳 brand's signal raised by scans in 深圳 — with the scans' cities, coordinates and client hashes in the evidence.
SAMR (national) and the admin still read all; a 深圳 brand scanned in 杭州 is both bureaus' (跨区域联合打假)."""

from __future__ import annotations

from tests import factories
from zhijian.platform.db import Database
from zhijian.trace.models import Signal


def test_a_city_bureau_reads_and_handles_the_signals_of_its_division(client, db: Database, login) -> None:  # type: ignore[no-untyped-def]
    uid = factories.uid()
    with db.session() as s:
        hz, sz = factories.enterprise(s, region="330106"), factories.enterprise(s, region="440305")
        hz_reg = factories.regulator(s, level="municipal", region="330100")
        samr = factories.regulator(s, level="national", region="110000")
        rows = {"hz brand": Signal(kind="counterfeit", enterprise_id=hz.id, gtin="06901234567892", serial=f"H{uid}",
                                   evidence={"city": "330106"}),
                "sz brand in sz": Signal(kind="counterfeit", enterprise_id=sz.id, gtin="06901234567892",
                                         serial=f"S{uid}", evidence={"city": "440305", "lat": 22.5, "lon": 114.0}),
                "sz brand in hz": Signal(kind="diversion", enterprise_id=sz.id, gtin="06901234567892",
                                         serial=f"D{uid}", evidence={"city": "330102"})}
        s.add_all(rows.values())
        s.flush()
        ids = {k: v.id for k, v in rows.items()}
    mine = {ids["hz brand"], ids["sz brand in hz"]}

    def listed(headers: dict[str, str]) -> set[int]:
        r = client.get("/api/v1/trace/signals", params={"gtin": "06901234567892", "limit": 200}, headers=headers)
        assert r.status_code == 200, r.text
        return {x["id"] for x in r.json()["items"]} & set(ids.values())

    hz_h = login("regulator", hz_reg)
    assert listed(hz_h) == mine  # was all three
    assert listed(login("regulator", samr)) == set(ids.values())
    assert listed(login("admin")) == set(ids.values())
    assert listed(login("enterprise", sz)) == {ids["sz brand in sz"], ids["sz brand in hz"]}
    outside = client.patch(f"/api/v1/trace/signals/{ids['sz brand in sz']}", json={"status": "dismissed"}, headers=hz_h)
    assert outside.status_code == 404, outside.text  # was 200: the city bureau dismissed 深圳's signal
    inside = client.patch(f"/api/v1/trace/signals/{ids['sz brand in hz']}", json={"status": "confirmed"}, headers=hz_h)
    assert inside.status_code == 200 and inside.json()["status"] == "confirmed"
    with db.session(write=False) as s:
        assert s.get(Signal, ids["sz brand in sz"]).status == "open"  # type: ignore[union-attr]


def test_a_city_bureau_freezes_and_recalls_only_the_codes_of_its_divisions_brand_owners(client, db: Database,
                                                                                       login) -> None:  # type: ignore[no-untyped-def]
    """属地管辖 for the codes themselves: the 深圳 bureau froze and recalled a 杭州 brand owner's lot (200/201);
    now 404 `jurisdiction.outside`, while the 杭州 bureau and SAMR may, and the codes stay as they were."""
    from sqlalchemy import func, select

    from tests.trace.conftest import issue_lot
    from zhijian.trace.models import Code

    lot = issue_lot(db, quantity=4)  # its brand owner is in 330106 (杭州市西湖区)
    with db.session() as s:
        sz_reg = factories.regulator(s, level="municipal", region="440300")
        hz_reg = factories.regulator(s, level="municipal", region="330100")
    sz_h, hz_h = login("regulator", sz_reg), login("regulator", hz_reg)
    freeze = {"gtin": lot.gtin, "action": "freeze", "lot": lot.lot, "reason": "疑似假冒"}
    recall = {"gtin": lot.gtin, "lot": lot.lot, "recall_ref": f"R-{lot.lot}", "reason": "标签不合格"}
    for path, body in (("/api/v1/trace/codes/status", freeze), ("/api/v1/trace/recalls", recall)):
        r = client.post(path, json=body, headers=sz_h)
        assert r.status_code == 404 and r.json()["code"] == "jurisdiction.outside", r.text
    with db.session(write=False) as s:
        assert s.scalar(select(func.count()).select_from(Code).where(
            Code.gtin == lot.gtin, Code.lot == lot.lot, Code.status == "active")) == 4
    assert client.post("/api/v1/trace/codes/status", json=freeze, headers=hz_h).json() == {"changed": 4}
    assert client.post("/api/v1/trace/recalls", json=recall, headers=hz_h).status_code == 201
