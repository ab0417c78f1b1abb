"""使用登记 and status changes through the console pages (TSG 08-2017《特种设备使用管理规则》: 设备代码 per 附件A,
§3 登记, 停用/启用/报废/注销 with reason and document), the same service calls as the API and the CLI."""

from __future__ import annotations

import datetime as dt
import re

from tests import factories
from tests.equipment.helpers import new_code
from zhijian.equipment import rules, service


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def test_regulator_registers_an_elevator_and_the_owner_stops_it(client, db, login):
    today = service.today()
    with db.session() as s:
        reg = factories.regulator(s, level="municipal", region="330100")
        owner, stranger = factories.enterprise(s), factories.enterprise(s)
        owner_id = owner.id
    r_h, o_h, x_h = login("regulator", reg), login("enterprise", owner), login("enterprise", stranger)
    page = client.get("/console/equipment/units/new", headers=r_h)
    assert page.status_code == 200 and 'name="params"' in page.text
    code = new_code()
    last = today - dt.timedelta(days=40)
    form = {"csrf_token": _token(page.text), "code": code, "variety": "3110", "owner_id": str(owner_id),
            "region_code": "330106", "address": "文一西路 100 号 1 号楼", "registration_no": "梯11浙A90001",
            "commissioned_on": "2018-05-01", "last_inspection_on": last.isoformat(),
            "params": "rated_load_kg=1000\nrated_speed_m_s=1.75"}
    r = client.post("/console/equipment/units", headers=r_h, data=form)  # 层站数 missing: named beside params
    assert r.status_code == 422 and 'id="params-error"' in r.text and "floors" in r.text
    r = client.post("/console/equipment/units", headers=r_h, data=form | {"code": code[:-1]})  # 17 characters
    assert r.status_code == 422 and 'id="code-error"' in r.text
    form["params"] += "\nfloors=18"
    r = client.post("/console/equipment/units", headers=r_h, data=form | {"region_code": "330200"})  # 宁波: not its city
    assert r.status_code == 403, re.findall(r"<li>.*?</li>", r.text)
    r = client.post("/console/equipment/units", headers=r_h, follow_redirects=False, data=form)
    assert r.status_code == 303 and r.headers["location"] == f"/console/equipment/units/{code}?done=registered"
    # TSG T7001-2023: an elevator is inspected every year — the record names the rule and the source
    record = client.get(f"/console/equipment/units/{code}", headers=o_h)
    assert record.status_code == 200 and "TSG T7001" in record.text
    assert rules.add_months(last, 12).isoformat() in record.text
    assert client.get(f"/console/equipment/units/{code}", headers=x_h).status_code == 404  # not its unit
    r = client.post(f"/console/equipment/units/{code}/status", headers=o_h, data={
        "csrf_token": _token(record.text), "status": "cancelled", "reason": "x"})  # 在用 → 注销 is not a TSG 08 step
    assert r.status_code == 409 and 'id="status-error"' in r.text
    r = client.post(f"/console/equipment/units/{code}/status", headers=o_h, follow_redirects=False, data={
        "csrf_token": _token(record.text), "status": "stopped", "reason": "大修停用一年", "document": "停用报告书"})
    assert r.status_code == 303, r.text
    after = client.get(f"/console/equipment/units/{code}", headers=r_h).text
    history = after[after.index('id="history"'):]
    assert "大修停用一年" in history and "停用报告书" in history
    assert client.get(f"/api/v1/equipment/units/{code}", headers=r_h).json()["status"] == "stopped"


def test_registry_and_report_files_through_the_pages_all_or_nothing(client, db, login):
    """批量导入 (issue #18 item 1 and 2): a file with one bad row stores nothing and names the row and the column;
    the good file registers every unit; the institute's report file then closes the due date (TSG T7001-2023: a
    合格 elevator report → next inspection a year later)."""
    from sqlalchemy import func, select

    from zhijian.equipment.models import EquipmentUnit

    with db.session() as s:
        reg = factories.regulator(s, level="municipal", region="330100")
        owner, lab = factories.enterprise(s), factories.lab(s)
        uscc = owner.uscc
    r_h, i_h = login("regulator", reg), login("inspector", lab)
    token = _token(client.get("/console/equipment/units/new", headers=r_h).text)
    a, b = new_code(), new_code()
    head = "设备代码,品种代码,使用单位统一社会信用代码,行政区划代码,地址,参数.rated_load_kg,参数.rated_speed_m_s,参数.floors\n"
    bad = head + f"{a},3110,{uscc},330106,文三路 1 号,1000,1.75,18\n{b},3110,{uscc},330106,文三路 2 号,1000,,18\n"
    r = client.post("/console/equipment/units/import", headers=r_h, data={"csrf_token": token},
                    files={"file": ("registry.csv", bad.encode(), "text/csv")})
    assert r.status_code == 422 and 'id="file-error"' in r.text and "第 3 行" in r.text, r.text[-2000:]
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(EquipmentUnit).where(EquipmentUnit.code.in_((a, b)))) == 0
    good = bad.replace(",1000,,18", ",1000,1.6,18")
    r = client.post("/console/equipment/units/import", headers=r_h, follow_redirects=False,
                    data={"csrf_token": token}, files={"file": ("registry.csv", good.encode(), "text/csv")})
    assert r.status_code == 303 and r.headers["location"].endswith("done=imported&n=2"), r.text[-2000:]
    home = client.get("/console/equipment", headers=i_h)
    assert 'action="/console/equipment/inspections/import"' in home.text
    on = service.today() - dt.timedelta(days=3)
    reports = f"设备代码,报告编号,检验日期,检验结论\n{a},TJ-IMP-{a},{on},合格\n"
    r = client.post("/console/equipment/inspections/import", headers=i_h, follow_redirects=False,
                    data={"csrf_token": _token(home.text)}, files={"file": ("r.csv", reports.encode(), "text/csv")})
    assert r.status_code == 303, r.text[-2000:]
    assert client.get(f"/api/v1/equipment/units/{a}", headers=r_h).json()["next_due_on"] == \
        rules.add_months(on, 12).isoformat()
    r = client.post("/console/equipment/inspections/import", headers=i_h, data={"csrf_token": _token(home.text)},
                    files={"file": ("r.csv", reports.encode(), "text/csv")})  # the same report again: refused
    assert r.status_code == 409 and 'id="file-error"' in r.text
