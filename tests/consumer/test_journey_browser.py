"""Issue 15, "Done when": a consumer → enterprise → mediation → closing journey in the browser (Debian Chromium
through Playwright, the real app under uvicorn on the demo data). A consumer files a complaint on a phone-size
page naming a shop the register does not know; staff accept it, link the respondent to the registered enterprise
and forward it (转企业处理); the enterprise finds it in its console inbox and proposes a settlement; the consumer,
by tracking number and check code, declines and asks for mediation; the regulator records the respondent's
consent (《市场监督管理投诉举报处理暂行办法》第十六条), mediates and closes with an agreement; the consumer rates it.
Screenshots of every step go to test-artifacts/."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.web.conftest import LiveServer, browser, live_server, login_as, new_page, playwright, shot  # noqa: F401
from zhijian.consumer import service

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser-consumer-journey_browser")]


def _staff_for(region: str) -> str:
    """The demo regulator whose jurisdiction covers the enterprise (浙江省局, 广东省局, else 总局)."""
    return {"33": "regulator", "44": "regulator_gd"}.get(region[:2], "samr")


def _submit(page: Any, action: str) -> None:
    page.locator(f'form[action$="/{action}"] button[type=submit]').first.click()
    page.wait_for_load_state()


def _no_error(page: Any) -> None:
    assert page.locator("p.error").count() == 0, page.locator("p.error").all_inner_texts()


def test_consumer_enterprise_mediation_closing_in_the_browser(live_server: LiveServer, new_page, shot):  # noqa: F811
    from zhijian.catalog.models import Organization
    from zhijian.consumer.models import Complaint
    from zhijian.platform.models import User

    with live_server.db.session() as s:
        ent = s.get(Organization, s.scalar(select(User.organization_id).where(User.username == "enterprise")))
        eid, ename, region = ent.id, ent.name, ent.region_code or ""
    staff_user = _staff_for(region)
    today = service.today().isoformat()  # China time, as the service counts

    # 1. the consumer files on a phone-size page; the shop's name is not the registered name
    phone = new_page(phone=True)
    phone.goto(live_server("/complaints/new"))
    expect(phone.get_by_text("标 ※ 的为投诉必填项", exact=False)).to_be_visible()
    phone.fill("#complainant_name", "陈静")
    phone.fill("#complainant_phone", "13700001234")
    phone.fill("#complainant_address", "杭州市西湖区文三路 1 号")
    phone.fill("#respondent_name", "某母婴用品专卖店")
    phone.fill("#product_text", "婴幼儿配方奶粉 900 克")
    phone.fill("#facts", "奶粉罐内有结块异物，与商家协商退货未果。")
    phone.check('input[name=requests][value=refund]')
    phone.fill("#request_amount", "358")
    shot(phone, "1-consumer-form")
    phone.locator('form[action="/complaints/new"] button[type=submit]').click()
    phone.wait_for_load_state()
    text = phone.locator("section.result").inner_text()
    no = re.search(r"TS\d{14}", text).group(0)
    code = re.search(r"查询码\s*([2-9A-HJ-NP-Z]{6})", text).group(1)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling on a phone
    shot(phone, "2-consumer-registered")
    with live_server.db.session() as s:
        cid = s.scalar(select(Complaint.id).where(Complaint.tracking_no == no))
    case = f"/console/complaints/{cid}"

    # 2. staff accept, link the respondent to the registered enterprise and forward it
    desk = new_page()
    login_as(desk, live_server, staff_user, case)
    desk.select_option("#to2", "accepted")
    _submit(desk, "transition")
    _no_error(desk)
    desk.fill("#enterprise_id", str(eid))
    _submit(desk, "link")
    _no_error(desk)
    expect(desk.get_by_text("工作人员关联").first).to_be_visible()
    desk.select_option("#to2", "forwarded")
    _submit(desk, "transition")
    _no_error(desk)
    expect(desk.locator("h1")).to_contain_text("已转企业处理")
    shot(desk, "3-staff-forwarded")

    # 3. the enterprise finds it in its inbox and proposes a settlement
    firm = new_page()
    login_as(firm, live_server, "enterprise", "/console/inbox")
    firm.locator(f'a[href="{case}"]').first.click()
    firm.wait_for_url(live_server(case))
    expect(firm.locator("h1")).to_contain_text(no)
    firm.select_option('form[action$="/respond"] select[name=response]', "settlement")
    firm.fill('form[action$="/respond"] textarea[name=text]', "同意退货退款，另补偿 100 元。")
    firm.fill('form[action$="/respond"] input[name=amount]', "458")
    shot(firm, "4-enterprise-answer")
    _submit(firm, "respond")
    _no_error(firm)

    # 4. the consumer sees the answer by tracking number and asks for mediation
    phone.goto(live_server("/complaints/track"))
    phone.fill("#tracking_no", no)
    phone.fill("#check_code", code)
    phone.locator('form[action="/complaints/track"] button[type=submit]').click()
    expect(phone.get_by_text("同意退货退款，另补偿 100 元。（和解金额 458.00 元）", exact=True)).to_be_visible()
    shot(phone, "5-consumer-sees-answer")
    phone.get_by_role("button", name="不接受，申请调解").click()
    phone.wait_for_load_state()
    expect(phone.get_by_text("申请调解", exact=False).first).to_be_visible()

    # 5. the regulator records the respondent's consent, mediates and closes with an agreement
    desk.goto(live_server(case))
    expect(desk.get_by_text("投诉人：同意", exact=False).first).to_be_visible()  # the consumer's request counts as consent
    desk.get_by_role("button", name="被投诉人同意调解").click()
    desk.wait_for_load_state()
    desk.select_option("#to2", "mediating")
    _submit(desk, "transition")
    _no_error(desk)
    desk.fill("#held_on", today)
    desk.fill("#place", "市场监管所调解室")
    desk.fill("#summary", "双方到场，企业同意退货退款并补偿。")
    _submit(desk, "mediation")
    _no_error(desk)
    desk.select_option("#to2", "closed")
    desk.select_option("#outcome", "agreement")
    desk.fill("#agreement", "企业退还货款 358 元并补偿 100 元，三日内支付。")
    desk.fill("#compensation_agreed", "458")
    shot(desk, "6-staff-closing")
    _submit(desk, "transition")
    _no_error(desk)
    expect(desk.locator("h1")).to_contain_text("已办结")

    # 6. the consumer rates the closed case
    phone.goto(live_server("/complaints/track"))
    phone.fill("#tracking_no", no)
    phone.fill("#check_code", code)
    phone.locator('form[action="/complaints/track"] button[type=submit]').click()
    expect(phone.get_by_text("调解成功，达成协议", exact=False).first).to_be_visible()
    phone.select_option("#score", "5")
    phone.get_by_role("button", name="提交评价").click()
    expect(phone.get_by_text("您的评价：5 / 5")).to_be_visible()
    shot(phone, "7-consumer-rated")
    with live_server.db.session() as s:
        c = s.get(Complaint, cid)
        assert (c.state, c.outcome, c.respondent_id, c.satisfaction, c.compensation_agreed) == (
            "closed", "agreement", eid, 5, 458.0)
        assert c.consent_complainant is True and c.consent_respondent is True
    assert ename  # the enterprise the journey reached
