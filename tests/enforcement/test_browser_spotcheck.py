"""A full case from a failed spot check, in headless Chromium through the console (issue #19 "Tests").

A real 监督抽查 batch reaches a final 不合格 verdict through the spot-check service (drawn, both tests failing,
notified, objection period over: `finalize`); the daily lead scan turns it into a lead in 杭州's division; 杭州's
officer then, only through the console forms: 立案 from the lead (程序规定 第十八条、第二十条) → 调查终结 with the
penalty computed from 《产品质量法》第四十九条 → 告知书 served (《行政处罚法》第四十四条) → the party's written waiver →
决定 → 送达 → the fine paid → 结案 → 公示; the portal's 行政处罚信息公示 lists the decision and shows its public text.
Screenshots under test-artifacts/<test name>/.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.web.conftest import LiveServer, login_as
from zhijian.enforcement.demo import ORGANS
from zhijian.enforcement.models import Case, Lead

expect.set_options(timeout=30000)
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser-enforcement-browser_spotcheck")]
HZ_OFFICERS = ",".join(c for _, c in ORGANS[0][3])


def _failed_spot_check_lead(server: LiveServer) -> tuple[int, int, int]:
    from tests.spotcheck.scenario import world
    from tests.spotcheck.test_retest import _final_fail
    from zhijian.enforcement import service
    from zhijian.platform.auth import SYSTEM

    with server.db.session() as s:
        batch = _final_fail(s, world(s, n_products=1))
        bid, ent = batch.id, batch.enterprise_id
    with server.db.session() as s:
        service.collect_leads(s, SYSTEM)  # what the daily job `enforcement.collect_leads` does
        lead = s.scalar(select(Lead).where(Lead.source == "spotcheck", Lead.source_ref == f"batch:{bid}"))
        assert lead is not None and lead.party_id == ent and lead.state == "received"
        return lead.id, bid, ent


def test_failed_spot_check_to_published_decision_in_the_console(enforcement_server: LiveServer, new_page: Any,
                                                                shot: Any):
    lead_id, batch_id, ent_id = _failed_spot_check_lead(enforcement_server)
    page = new_page()
    login_as(page, enforcement_server, "enf_hz", f"/console/enforcement/leads/{lead_id}")
    expect(page.locator("h1")).to_contain_text(f"监督抽查不合格（批次 {batch_id}）")
    shot(page, "lead")
    page.get_by_label("负责人（审批）").fill("局长 陈某")
    page.get_by_label("两名执法人员的执法证号（逗号分隔）").fill(HZ_OFFICERS)
    page.get_by_label("违法行为（罚则目录编号）").fill("PQL-49")
    page.get_by_label("简要案情").fill("当事人生产的纯牛奶经省级监督抽查，铅含量不合格")
    page.get_by_role("button", name="立案", exact=True).click()
    expect(page.locator("#case-state")).to_have_text("调查取证")
    with enforcement_server.db.session() as s:
        case = s.scalar(select(Case).where(Case.lead_id == lead_id))
        assert case is not None and case.party_id == ent_id and case.case_no.startswith("杭市监立〔")
        cid = case.id
    # 询问笔录 of the party's legal representative (程序规定 第三十一条); the list shows the ID number masked
    from zhijian.enforcement.service import today

    day = today().isoformat()
    form = page.locator("#form-inquiry")
    form.get_by_label("被询问人姓名").fill("张某某")
    form.get_by_label("被询问人身份证件号码").fill("11010519491231002X")
    form.get_by_label("被询问人身份", exact=True).select_option("legal_rep")
    form.get_by_label("询问开始时间").fill(f"{day}T09:30")
    form.get_by_label("询问结束时间").fill(f"{day}T10:20")
    form.get_by_label("询问地点").fill("当事人经营场所")
    form.get_by_label("问答（每行以“问：”或“答：”开头，也可写 Q: 或 A:）").fill("问：涉案纯牛奶的生产数量？\n答：生产了2000箱。")
    form.get_by_label("两名执法人员的执法证号（逗号分隔）").fill(HZ_OFFICERS)
    form.get_by_role("button", name="制作询问笔录").click()
    expect(page.get_by_role("link", name="询问笔录 杭市监询")).to_be_visible()
    expect(page.get_by_text("110105********002X")).to_be_visible()
    expect(page.get_by_text("11010519491231002X")).to_have_count(0)
    # 调查终结: 货值金额 2 000 元 → 《产品质量法》第四十九条 1–3 倍 = 2 000–6 000 元; proposed 3 000 元
    form = page.locator("#form-review")
    form.get_by_label("违法行为").select_option("PQL-49")
    form.get_by_label("货值金额（元）").fill("2000")
    form.get_by_label("拟罚款（元）").fill("3000")
    form.get_by_label("两名执法人员的执法证号（逗号分隔）").fill(HZ_OFFICERS)
    form.get_by_role("button", name="调查终结，提交审核").click()
    expect(page.locator("#case-state")).to_have_text("案件审核")
    form = page.locator("#form-notice")
    form.get_by_label("两名执法人员的执法证号（逗号分隔）").fill(HZ_OFFICERS)
    form.get_by_role("button", name="送达行政处罚告知书").click()
    expect(page.locator("#case-state")).to_have_text("已告知")
    shot(page, "notified")
    page.locator("#form-response").get_by_label("当事人书面放弃陈述、申辩").check()
    page.locator("#form-response").get_by_role("button", name="记录").click()
    form = page.locator("#form-decision")
    expect(form.get_by_label("罚款（元）")).to_have_value("3000.00")
    form.get_by_label("负责人（审批）").fill("局长 陈某")
    form.get_by_label("两名执法人员的执法证号（逗号分隔）").fill(HZ_OFFICERS)
    form.get_by_role("button", name="作出决定").click()
    expect(page.locator("#case-state")).to_have_text("已决定")
    form = page.locator("#form-service")
    form.get_by_label("两名执法人员的执法证号（逗号分隔）").fill(HZ_OFFICERS)
    form.get_by_role("button", name="送达决定书").click()
    expect(page.locator("#case-state")).to_have_text("已送达")
    page.locator("#form-payment").get_by_role("button", name="登记缴款").click()
    expect(page.locator("#case-state")).to_have_text("执行中")
    form = page.locator("#form-close")
    form.get_by_label("两名执法人员的执法证号（逗号分隔）").fill(HZ_OFFICERS)
    form.get_by_role("button", name="结案").click()
    expect(page.locator("#case-state")).to_have_text("已结案")
    page.locator("#form-publish").get_by_role("button", name="公示决定书（公开版本）").click()
    expect(page.get_by_text("已公示")).to_be_visible()
    shot(page, "closed-and-published")
    with enforcement_server.db.session() as s:
        c = s.get(Case, cid)
        assert (c.fine_fen, c.paid_fen, c.state) == (300000, 300000, "closed") and c.published_on is not None
        assert "已写入信用档案" in c.credit_record
        decision_no = c.decision_no
    page.goto(enforcement_server("/enforcement/decisions"))
    expect(page.locator("h1")).to_contain_text("行政处罚信息公示")
    page.get_by_role("link", name=decision_no).click()
    expect(page.locator(".decision-text")).to_contain_text("第四十九条")
    expect(page.locator(".decision-text")).to_contain_text("罚款3,000.00元")
    shot(page, "public-decision")
