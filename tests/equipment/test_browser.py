"""The equipment pages in headless Chromium against the real app with the demo data.

A passer-by scans an overdue elevator's code on a 375 px and a 320 px phone: the warning is the first thing under
the heading (role=alert), the 96333 emergency number is a tel: link, nothing scrolls sideways, and 举报安全隐患 opens
the public complaint form with the unit filled in; the GIAI Digital Link of the label opens the same page. The
regulator (杭州市局) works the due list; the maintenance company records a visit through its form and the owner
signs it. Screenshots under test-artifacts/<test name>/.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.web.conftest import PHONE, LiveServer, login_as
from zhijian.catalog.models import Organization
from zhijian.equipment import rules, service
from zhijian.equipment.models import EquipmentUnit

expect.set_options(timeout=30000)
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser-equipment-browser")]


def _units(server: LiveServer) -> dict[str, str]:
    today = service.today()
    with server.db.session() as s:
        overdue = s.scalar(select(EquipmentUnit.code).where(
            EquipmentUnit.category == "3000", EquipmentUnit.status == "in_use", EquipmentUnit.next_due_on < today)
            .order_by(EquipmentUnit.id))
        stopped = s.scalar(select(EquipmentUnit.code).where(EquipmentUnit.status == "stopped").order_by(EquipmentUnit.id))
        maint = s.scalar(select(Organization.id).where(Organization.name == "杭州西奥电梯维保有限公司"))
        owner = s.scalar(select(Organization.id).where(Organization.name == "杭州绿城物业服务集团有限公司"))
        mine = s.scalar(select(EquipmentUnit.code).where(
            EquipmentUnit.maintainer_id == maint, EquipmentUnit.owner_id == owner,
            EquipmentUnit.status == "in_use").order_by(EquipmentUnit.id.desc()))
    assert overdue and stopped and mine
    return {"overdue": overdue, "stopped": stopped, "mine": mine}


@pytest.mark.parametrize("width", [375, 320])
def test_scan_page_on_a_phone(equipment_server: LiveServer, browser: Any, width: int, shot):
    units = _units(equipment_server)
    ctx = browser.new_context(locale="zh-CN", **{**PHONE, "viewport": {"width": width, "height": 700}})
    errors: list[str] = []
    try:
        page = ctx.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(equipment_server(f"/equipment/u/{units['overdue']}"))
        expect(page.locator("h1")).to_contain_text(units["overdue"])
        alert = page.get_by_role("alert").first
        expect(alert).to_contain_text("已超过定期检验日期")
        # the warning comes right after the heading, before the facts
        assert page.evaluate("""() => {
          const a = document.querySelector('[role=alert]'), f = document.querySelector('dl.facts');
          return !!(a.compareDocumentPosition(f) & Node.DOCUMENT_POSITION_FOLLOWING);
        }""")
        expect(page.locator('a[href="tel:96333"]')).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot(page, f"scan-overdue-{width}")
        page.get_by_role("link", name="举报安全隐患").click()
        page.wait_for_url("**/complaints/new?**")
        expect(page.locator("#product_text")).to_have_value(f"曳引驱动乘客电梯 设备代码 {units['overdue']}")
        expect(page.locator("#kind")).to_have_value("report")
        shot(page, f"complaint-prefilled-{width}")
        # a unit stopped after a 不合格 report
        page.goto(equipment_server(f"/equipment/u/{units['stopped']}"))
        expect(page.get_by_role("alert").first).to_contain_text("本设备已停用")
        # the label's GIAI Digital Link opens the same answer
        giai = rules.giai_for(units["overdue"], service.gs1_prefix())
        page.goto(equipment_server(f"/equipment/8004/{giai}"))
        expect(page.locator("h1")).to_contain_text(units["overdue"])
    finally:
        ctx.close()
    assert not errors, errors


def test_due_list_maintenance_visit_and_owner_signature(equipment_server: LiveServer, new_page, shot):
    units = _units(equipment_server)
    # the city regulator: overdue list of its division, then the 30-day list through the filter form
    page = new_page()
    login_as(page, equipment_server, "regulator_hz", "/console/equipment")
    expect(page.locator("h1")).to_have_text("特种设备")
    page.goto(equipment_server("/console/equipment/due?state=overdue"))
    expect(page.get_by_role("link", name=units["overdue"])).to_be_visible()
    shot(page, "due-overdue")
    page.select_option("#state", "due_soon")
    with page.expect_navigation():
        page.get_by_role("button", name="查询").click()
    expect(page).to_have_url(equipment_server("/console/equipment/due?state=due_soon&region="))
    page.wait_for_load_state("load")
    rows = page.locator("tbody tr")
    assert rows.count() >= 1
    today = service.today()
    for cell in page.locator("tbody tr td:nth-child(6)").all_inner_texts():
        assert today <= dt.date.fromisoformat(cell) <= today + dt.timedelta(days=30)
    shot(page, "due-soon")
    # the maintenance company records a half-month visit
    maint = new_page()
    login_as(maint, equipment_server, "eq_maint", "/console/equipment")
    form = maint.locator("#maintenance-form")
    form.get_by_label("设备代码").fill(units["mine"])
    form.get_by_label("维保类型").select_option("quarter")  # the demo's half-month visits may include today's
    form.get_by_label("维保人员").fill("王建国")
    form.get_by_label("特种设备作业人员证编号").fill("330106198001011234")
    form.get_by_label("维保项目（每行一项）").fill("制动器各销轴部位润滑\n层门门锁电气触点清洁")
    form.get_by_role("button", name="提交维保记录").click()
    expect(maint.get_by_role("status")).to_contain_text("维保记录已录入")
    shot(maint, "maintenance-recorded")
    # a wrong certificate number is refused in place
    form = maint.locator("#maintenance-form")
    form.get_by_label("设备代码").fill(units["mine"])
    form.get_by_label("维保类型").select_option("repair")
    form.get_by_label("维保人员").fill("王建国")
    form.get_by_label("特种设备作业人员证编号").fill("x")
    form.get_by_role("button", name="提交维保记录").click()
    expect(maint.locator("#maintenance-form .errors")).to_contain_text("特种设备作业人员证编号格式不正确")
    # the owner signs it
    owner = new_page()
    login_as(owner, equipment_server, "eq_owner", "/console/equipment")
    row = owner.locator("tr", has_text=units["mine"]).filter(has=owner.get_by_role("button", name="签字确认")).first
    row.get_by_role("button", name="签字确认").click()
    expect(owner.get_by_role("status")).to_contain_text("已签字确认")
    shot(owner, "owner-signed")
    owner.goto(equipment_server(f"/equipment/u/{units['mine']}"))
    expect(owner.locator("dl.facts")).to_contain_text(today.isoformat())  # 上次维保日期: today


def test_owner_requests_institute_declines_then_accepts_and_reports(equipment_server: LiveServer, new_page, shot):
    """检验申请 end to end (《特种设备安全法》第四十条: the owner asks the institute before the due date): the owner
    asks; the institute returns it with a reason, which the owner reads; the owner asks again, the institute
    schedules it and records its 合格 report, which closes the request (已出具报告) and moves the due date a year on
    (TSG T7001-2023: elevators every year)."""
    today = service.today()
    with equipment_server.db.session() as s:
        owner = s.scalar(select(Organization.id).where(Organization.name == "杭州绿城物业服务集团有限公司"))
        lab_id = s.scalar(select(Organization.id).where(Organization.name == "杭州市特种设备检测研究院"))
        from zhijian.equipment.models import EquipmentInspectionRequest

        asked = select(EquipmentInspectionRequest.unit_id)
        code = s.scalar(select(EquipmentUnit.code).where(
            EquipmentUnit.owner_id == owner, EquipmentUnit.status == "in_use", EquipmentUnit.category == "3000",
            EquipmentUnit.last_inspection_on < today, EquipmentUnit.id.not_in(asked)).order_by(EquipmentUnit.id))
    assert code and lab_id

    def ask(page: Any) -> None:
        form = page.locator("#request-form")
        form.get_by_label("设备代码").fill(code)
        form.get_by_label("检验机构").select_option(str(lab_id))
        form.get_by_role("button", name="提交检验申请").click()
        expect(page.get_by_role("status")).to_contain_text("检验申请已提交")

    owner_page = new_page()
    login_as(owner_page, equipment_server, "eq_owner", "/console/equipment")
    ask(owner_page)
    inst = new_page()
    login_as(inst, equipment_server, "eq_inspector", "/console/equipment")
    row = inst.locator("#requests tr", has_text=code).first
    row.get_by_label("退回理由").fill("请先完成制动器整改后再申请")
    row.get_by_role("button", name="退回申请").click()
    expect(inst.get_by_role("status")).to_contain_text("检验申请已退回")
    owner_page.reload()
    mine = owner_page.locator("#requests tr", has_text=code).first
    expect(mine).to_contain_text("已退回")
    expect(mine).to_contain_text("请先完成制动器整改后再申请")
    shot(owner_page, "request-declined")
    ask(owner_page)  # the returned request is closed: the owner may ask again
    inst.reload()
    row = inst.locator("#requests tr", has_text=code).filter(has=inst.get_by_role("button", name="受理并排期")).first
    row.get_by_label("检验日期").fill(today.isoformat())
    row.get_by_role("button", name="受理并排期").click()
    expect(inst.get_by_role("status")).to_contain_text("检验已排期")
    form = inst.locator("#inspection-form")
    form.get_by_label("设备代码").fill(code)
    form.get_by_label("报告编号").fill(f"TJ-BROWSER-{code[-6:]}")
    form.get_by_label("检验日期").fill(today.isoformat())
    form.get_by_label("检验结论").select_option("合格")
    form.get_by_role("button", name="提交检验报告").click()
    expect(inst.get_by_role("status")).to_contain_text("检验报告已录入")
    shot(inst, "report-recorded")
    owner_page.reload()
    expect(owner_page.locator("#requests tr", has_text=code).first).to_contain_text("已出具报告")
    shot(owner_page, "request-closed")
    owner_page.goto(equipment_server(f"/equipment/u/{code}"))
    expect(owner_page.locator("dl.facts")).to_contain_text(rules.add_months(today, 12).isoformat())
