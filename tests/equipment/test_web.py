"""API and pages end to end on the real app: problem+json errors, 不合格 → 停用 through the API, the due list
by division, the public scan page (no login) and the console list."""

from __future__ import annotations

import datetime as dt

from tests import factories
from tests.equipment.helpers import ELEVATOR_PARAMS, elevator, new_code

PROBLEM = "application/problem+json"


def test_api_register_inspect_due_and_errors(client, db, login):
    with db.session() as s:
        ent, lab = factories.enterprise(s), factories.lab(s)
        reg = factories.regulator(s, "municipal", "330100")
        ent_id = ent.id
    regulator, inspector, owner = login("regulator", reg), login("inspector", lab), login("enterprise", ent)
    code = new_code()
    body = {"code": code, "variety": "3110", "owner_id": ent_id, "region_code": "330106", "address": "学院路 8 号",
            "last_inspection_on": "2025-11-20", "params": ELEVATOR_PARAMS}
    r = client.post("/api/v1/equipment/units", json=body, headers=regulator)
    assert r.status_code == 201, r.text
    assert r.json()["next_due_on"] == "2026-11-20"
    # bad input: problem+json with a stable code, nothing written
    for bad, want in (({**body, "code": "2150108902015"}, "equipment.bad_code"),
                      ({**body, "code": new_code(), "params": {}}, "equipment.missing_param"),
                      (body, "equipment.duplicate")):
        r = client.post("/api/v1/equipment/units", json=bad, headers=regulator)
        assert r.headers["content-type"].startswith(PROBLEM) and r.json()["code"] == want, r.text
    # a regulator of another city may not register here
    with db.session() as s:
        other = factories.regulator(s, "municipal", "330200")
    r = client.post("/api/v1/equipment/units", json={**body, "code": new_code()}, headers=login("regulator", other))
    assert r.status_code == 403 and r.json()["code"] == "equipment.outside_division"
    # explained due date
    r = client.get(f"/api/v1/equipment/units/{code}/due", params={"on": "2026-12-02"}, headers=owner)
    assert r.json()["state"] == "overdue" and r.json()["source"].startswith("TSG T7001-2023")
    # overdue list of the city regulator contains it
    r = client.get("/api/v1/equipment/units/due", params={"on": "2026-12-02", "limit": 500}, headers=regulator)
    assert code in {i["code"] for i in r.json()["items"]}
    # the owner cannot record a report; the institute can, and 不合格 stops the unit
    rep = {"report_no": f"API-{code}", "inspected_on": "2026-11-25", "conclusion": "不合格", "defects": "门锁失效"}
    assert client.post(f"/api/v1/equipment/units/{code}/inspections", json=rep, headers=owner).status_code == 403
    r = client.post(f"/api/v1/equipment/units/{code}/inspections", json=rep, headers=inspector)
    assert r.status_code == 201, r.text
    assert client.get(f"/api/v1/equipment/units/{code}", headers=owner).json()["status"] == "stopped"
    r = client.post(f"/api/v1/equipment/units/{code}/status", json={"status": "in_use"}, headers=owner)
    assert r.status_code == 409 and r.json()["code"] == "equipment.failed_inspection"
    r = client.post(f"/api/v1/equipment/units/{code}/inspections", headers=inspector,
                    json={**rep, "report_no": f"API-{code}-x", "conclusion": "基本合格"})
    assert r.status_code == 422 and r.json()["code"] == "equipment.bad_conclusion"
    assert client.get("/api/v1/equipment/intervals").json()["version"] == "2023.1"
    stats = client.get("/api/v1/equipment/statistics", params={"on": "2026-12-02"}, headers=regulator).json()
    assert stats and all(r["region_code"].startswith("3301") for r in stats)


def test_import_api_reports_row_and_column(client, db, login):
    with db.session() as s:
        ent = factories.enterprise(s)
        uscc = ent.uscc
    owner = login("enterprise", ent)
    head = "设备代码,品种代码,使用单位统一社会信用代码,行政区划代码,地址,参数.rated_load_kg,参数.rated_speed_m_s,参数.floors"
    rows = [head, f"{new_code()},3110,{uscc},330106,A 座,630,1.0,6", f"BAD,3110,{uscc},330106,B 座,630,1.0,6"]
    r = client.post("/api/v1/equipment/units/import", headers=owner,
                    files={"file": ("r.csv", ("\n".join(rows) + "\n").encode(), "text/csv")})
    assert r.status_code == 422 and r.json()["code"] == "import.bad_cell", r.text
    assert (r.json()["row"], r.json()["column"]) == (3, "设备代码")
    r = client.post("/api/v1/equipment/units/import", headers=owner,
                    files={"file": ("r.csv", ("\n".join(rows[:2]) + "\n").encode(), "text/csv")})
    assert r.json() == {"imported": 1}


def test_public_scan_page_without_login(client, db):
    with db.session() as s:
        ent, maint = factories.enterprise(s), factories.enterprise(s)
        ok = elevator(s, ent.id, last=dt.date.today() - dt.timedelta(days=100), maintainer_id=maint.id)
        late = elevator(s, ent.id, last=dt.date.today() - dt.timedelta(days=400))
        codes, owner_name, maint_name = (ok.code, late.code), ent.name, maint.name
    r = client.get(f"/equipment/u/{codes[0]}")
    assert r.status_code == 200
    assert "96333" in r.text and owner_name in r.text and maint_name in r.text
    assert "/complaints/new?" in r.text and "已超过定期检验日期" not in r.text
    r = client.get(f"/equipment/u/{codes[1]}")
    assert "已超过定期检验日期" in r.text and 'role="alert"' in r.text
    assert client.get("/equipment/u/311033000201800000").status_code == 404
    assert client.get(f"/api/v1/equipment/public/{codes[1]}").json()["due_state"] == "overdue"


def test_console_due_page(client, db, login):
    with db.session() as s:
        # a city no other test uses: the list is the division's first 100, and the shared database holds more
        # overdue units in 杭州 than that
        reg = factories.regulator(s, "municipal", "320600")
        unit = elevator(s, factories.enterprise(s).id, region="320600", last=dt.date.today() - dt.timedelta(days=380))
        code = unit.code
    r = client.get("/console/equipment/due", headers=login("regulator", reg))
    assert r.status_code == 200 and code in r.text
    assert client.get("/console/equipment", follow_redirects=False).status_code == 303


def test_every_ui_string_of_the_room_is_translated():
    from zhijian.web.i18n_check import missing

    assert missing(["equipment"]) == {}
