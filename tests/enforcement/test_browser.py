"""The enforcement console in headless Chromium against the real app with the demo data (杭州 and 广州 bureaus).

杭州's officer opens the case waiting for the party, records the party's written waiver, decides, serves, records the
payment, closes and publishes — every step through the console forms; the portal's 行政处罚信息公示 then shows the
public version. 广州's officer opens the joint operation and sees both provinces' cases on the shared timeline.
Screenshots under test-artifacts/<test name>/.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.web.conftest import LiveServer, login_as
from zhijian.enforcement.demo import ORGANS
from zhijian.enforcement.models import Case, Operation

expect.set_options(timeout=30000)
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser-enforcement-browser")]
HZ_OFFICERS = ",".join(c for _, c in ORGANS[0][3])


def test_case_to_published_decision_in_the_console(enforcement_server: LiveServer, new_page: Any, shot: Any):
    with enforcement_server.db.session() as s:
        case = s.scalar(select(Case).where(Case.state == "notified").order_by(Case.id))
        assert case is not None
        cid, title = case.id, case.title
    page = new_page()
    login_as(page, enforcement_server, "enf_hz", "/console/enforcement")
    expect(page.locator("h1")).to_contain_text("综合执法")
    page.get_by_role("link", name=case_no_for(enforcement_server, cid)).click()
    expect(page.locator("h1")).to_contain_text(title)
    shot(page, "case-notified")
    # deciding now is refused: the response period is still running (shown in place)
    form = page.locator("#form-decision")
    form.get_by_label("负责人（审批）").fill("局长 陈某")
    form.get_by_label("两名执法人员的执法证号（逗号分隔）").fill(HZ_OFFICERS)
    form.get_by_role("button", name="作出决定").click()
    expect(page.get_by_role("alert")).to_contain_text("陈述、申辩期限")
    # the party waives in writing; then the decision may follow
    page.locator("#form-response").get_by_label("当事人书面放弃陈述、申辩").check()
    page.locator("#form-response").get_by_role("button", name="记录").click()
    form = page.locator("#form-decision")
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
    shot(page, "case-closed")
    page.goto(enforcement_server("/enforcement/decisions"))
    expect(page.locator("h1")).to_contain_text("行政处罚信息公示")
    page.get_by_role("link", name=decision_no_for(enforcement_server, cid)).click()
    expect(page.locator(".decision-text")).to_contain_text("罚款")
    shot(page, "public-decision")


def test_joint_operation_seen_by_the_other_province(enforcement_server: LiveServer, new_page: Any, shot: Any):
    with enforcement_server.db.session() as s:
        op_id = s.scalar(select(Operation.id).order_by(Operation.id))
    page = new_page()
    login_as(page, enforcement_server, "enf_gz", "/console/enforcement")
    page.goto(enforcement_server(f"/console/enforcement/operations/{op_id}"))
    expect(page.locator("h1")).to_contain_text("清源")
    expect(page.locator("table")).to_contain_text("330100")
    expect(page.locator("table")).to_contain_text("440100")
    expect(page.locator("#timeline")).to_contain_text("专项行动启动")
    expect(page.locator("#timeline")).to_contain_text("协查答复")
    shot(page, "operation")


def case_no_for(server: LiveServer, cid: int) -> str:
    with server.db.session() as s:
        return s.get(Case, cid).case_no


def decision_no_for(server: LiveServer, cid: int) -> str:
    with server.db.session() as s:
        return s.get(Case, cid).decision_no
