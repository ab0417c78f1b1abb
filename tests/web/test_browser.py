"""Real headless Chromium (Debian's /usr/bin/chromium) against the real app under uvicorn with the demo data.

Scenarios from issue 9: a consumer verifies a genuine, a repeated and a forged code on a 375×667 phone
(typed and read from the camera), the English switch, the portal on a phone (keyboard, search, product
page), the catalog console (field errors in place, audit history, confirmation before deletion).
Screenshots are kept under test-artifacts/.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import segno
from playwright.sync_api import expect
from sqlalchemy import select

from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, LiveServer, login_as

expect.set_options(timeout=30000)  # shared CI machines can be slow

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser-web-browser")]


WIDE = """w => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w + 1)
  .slice(0, 3).map(e => e.parentElement.outerHTML.slice(0, 300) + ':' + Math.round(e.getBoundingClientRect().right))"""


def _no_horizontal_scroll(page: Any) -> None:
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.evaluate(WIDE, width)


UNLABELLED = """[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.outerHTML)"""


def _accessible(page: Any) -> None:
    """Every form control has a label, and the page has one h1 and a main landmark."""
    assert page.evaluate(UNLABELLED) == []
    assert page.locator("h1").count() == 1 and page.locator("main#main").count() == 1


def test_portal_on_a_phone_keyboard_search_and_product(live_server: LiveServer, new_page, shot):
    page = new_page(phone=True)
    page.goto(live_server("/"))
    assert page.title() == "首页 · 质检"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "跳到正文"  # the skip link comes first
    assert page.locator("a.skip").bounding_box()["x"] >= 0  # and is visible when focused
    _no_horizontal_scroll(page)
    _accessible(page)
    shot(page, "home-375")
    page.get_by_role("searchbox", name="搜索").fill("奶粉")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    results = page.locator("#res-products + ul a")
    assert results.count() >= 1 and all("奶粉" in t for t in results.all_inner_texts())
    name = results.first.inner_text()
    results.first.click()
    assert page.locator("h1").inner_text() == name
    assert page.get_by_role("heading", name="生产企业").is_visible()
    _no_horizontal_scroll(page)
    shot(page, "product-375")


def test_english_switch_is_remembered(live_server: LiveServer, new_page, shot):
    page = new_page()
    page.goto(live_server("/"))
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.locator("h1").inner_text() == "Product quality at a glance"
    page.get_by_role("link", name="Search", exact=True).first.click()  # a plain link: the cookie keeps English
    assert page.get_by_role("heading", name="Search").is_visible()
    shot(page, "search-en")
    page.get_by_role("link", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    assert page.get_by_role("heading", name="搜索").is_visible()


def test_catalog_console_form_errors_audit_and_confirmed_delete(live_server: LiveServer, new_page, shot):
    from zhijian.catalog.models import Category

    with live_server.db.session() as s:
        kettle = s.scalar(select(Category.id).where(Category.code == "IND-APPL-KETTLE"))
    page = new_page()
    login_as(page, live_server, "enterprise", "/console/products")
    page.get_by_role("link", name="登记产品").click()
    page.get_by_role("button", name="保存").click()
    name = page.get_by_label("产品名称")
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#name-error")).to_have_text("此项不能为空")
    assert page.get_by_role("alert").is_visible()
    _accessible(page)
    shot(page, "form-errors")
    name.fill("浏览器测试电热水壶")
    page.locator(f"#category_id-tree input[value='{kettle}']").check()  # the category tree (issue 21)
    page.get_by_label("商品条码（GTIN）").fill("6901234567890")  # wrong check digit
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#gtin-error")).to_contain_text("GTIN 校验位错误")
    assert page.get_by_label("产品名称").input_value() == "浏览器测试电热水壶"  # kept
    page.get_by_label("商品条码（GTIN）").fill("")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"/console/products/\d+\?saved=1"))
    assert page.get_by_role("status").inner_text() == "已保存"
    assert page.get_by_role("heading", name="审计历史").is_visible()
    shot(page, "product-saved")
    url = page.url
    page.once("dialog", lambda d: d.dismiss())  # changing one's mind keeps the product
    page.get_by_role("button", name="删除").click()
    assert page.url == url
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="删除").click()
    page.wait_for_url(re.compile(r"/console/products\?deleted=1"))
    assert page.get_by_role("status").inner_text() == "产品已删除"


# ---------------------------------------------------------------- code verification (trace room)


@pytest.fixture(scope="module")
def codes(live_server: LiveServer) -> list[Any]:
    """Four codes of a demo product issued through the trace room's service, as an enterprise would."""
    trace = pytest.importorskip("zhijian.trace.service")
    from zhijian.catalog.models import Product
    from zhijian.platform.auth import SYSTEM

    issued: list[Any] = []
    with live_server.db.session(SYSTEM) as s:
        product_id = s.scalar(select(Product.id).where(Product.gtin.is_not(None)).order_by(Product.id))
        trace.issue_codes(s, SYSTEM, trace.IssueRequest(product_id=product_id, lot="BT20260915", quantity=4),
                          host="id.zhijian.example", sink=issued.extend)
    return issued


def test_consumer_verifies_genuine_repeated_and_forged_codes_on_a_phone(live_server: LiveServer, codes, new_page,
                                                                       shot):
    page = new_page(phone=True)

    def verify(text: str) -> str:
        page.goto(live_server("/verify"))
        page.get_by_label("商品码或链接").fill(text)
        page.get_by_role("button", name="查询").click()
        page.wait_for_url(re.compile(r"/01/"))
        _no_horizontal_scroll(page)
        return page.locator(".result").inner_text()

    first = verify(codes[0].uri)  # the URL printed in the QR code
    assert "首次查询，正品" in first and page.locator(".result.ok").count() == 1
    shot(page, "genuine-375")
    again = verify(codes[0].element_string)  # the same code typed as a GS1 element string
    assert "此码已被查询2次" in again and page.locator(".result.warn").count() == 1
    shot(page, "repeated-375")
    forged_serial = codes[1].serial[:-1] + ("A" if codes[1].serial[-1] != "A" else "B")
    forged = verify(codes[1].uri.replace(codes[1].serial, forged_serial))
    assert "查无此码，谨防假冒" in forged and page.locator(".result.bad").count() == 1
    shot(page, "forged-375")
    page.goto(live_server("/verify"))
    _accessible(page)
    page.get_by_label("商品码或链接").fill("06901234567890")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#code-error")).to_contain_text("校验位不正确")
    assert page.get_by_label("商品码或链接").get_attribute("aria-invalid") == "true"


def _y4m_of_qr(text: str, path: Path, width: int = 640, height: int = 480) -> Path:
    """A one-frame Y4M video showing the QR code, for Chromium's fake camera."""
    qr = segno.make(text, error="m")
    matrix = np.array([[0 if v else 255 for v in row] for row in qr.matrix], dtype=np.uint8)
    scale = min(width, height) * 3 // 4 // (matrix.shape[0] + 8)
    img = np.kron(np.pad(matrix, 4, constant_values=255), np.ones((scale, scale), dtype=np.uint8))
    y = np.full((height, width), 255, dtype=np.uint8)
    top, left = (height - img.shape[0]) // 2, (width - img.shape[1]) // 2
    y[top:top + img.shape[0], left:left + img.shape[1]] = img
    uv = np.full((height // 2) * (width // 2), 128, dtype=np.uint8).tobytes()
    path.write_bytes(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode() + b"FRAME\n"
                     + y.tobytes() + uv + uv)
    return path


def test_consumer_scans_the_qr_code_with_the_phone_camera(live_server: LiveServer, codes, playwright, tmp_path, shot):
    video = _y4m_of_qr(codes[3].uri, tmp_path / "qr.y4m")
    args = [*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}"]
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
    try:
        page = browser.new_context(locale="zh-CN", permissions=["camera"], **PHONE).new_page()
        page.goto(live_server("/verify"))
        page.get_by_role("button", name="打开摄像头扫码").click()
        page.wait_for_url(re.compile(r"/01/"), timeout=15000)
        assert "首次查询，正品" in page.locator(".result").inner_text()
        shot(page, "scanned-375")
    finally:
        browser.close()


# ---------------------------------------------------------------- a spot-check plan from draw to publication


# What the lab keys in per category: GB 25190-2010 灭菌乳 (蛋白质 ≥2.9, 脂肪 ≥3.1, 非脂乳固体 ≥8.1 g/100g) and
# GB 2716-2018 植物油 (酸价 ≤3 mg/g, 过氧化值 ≤0.25 g/100g, 溶剂残留量 ≤20 mg/kg), the limits as the demo catalogue
# keeps them; the values are those of an ordinary conforming UHT whole milk and pressed oil, within the limits.
# The first item of each is typed wrong first ("零点..." is no number), then with its expanded uncertainty.
JOURNEY = {
    "FOOD-DAIRY-LIQ": {"place": "义乌市稠城街道某超市", "quantity": "12盒", "first": ("蛋白质", "g/100g", "3.1", "0.1"),
                       "others": {"脂肪": "3.6", "非脂乳固体": "8.5"}},
    "FOOD-OIL": {"place": "杭州市西湖区某超市", "quantity": "2桶", "first": ("酸价(以KOH计)", "mg/g", "0.30", "0.05"),
                 "others": {"过氧化值": "0.06", "溶剂残留量": "3"}},
}


def test_regulator_runs_a_spot_check_plan_from_draw_to_publication(live_server: LiveServer, new_page, shot):
    """The 浙江省局 regulator runs its own province's plan end to end, as jurisdiction (#13) has it: a provincial
    plan of division 330000 draws only among makers registered in 浙江 (the 义乌 dairy, the 西湖 oil mill), one
    batch each. The regulator creates the plan in the console (a wrong period is shown next to its field first) and
    runs the 双随机 draw after confirming it; the lab fills in the sampling form for each batch, receives, enters
    the results item by item and another inspector verifies and judges; the regulator notifies, finalises and
    publishes, and the plan is public."""
    pytest.importorskip("zhijian.spotcheck.service")
    from zhijian.catalog.models import Category, Organization, Product, Standard
    from zhijian.platform.auth import actor_for
    from zhijian.platform.models import User
    from zhijian.spotcheck.models import Batch, Plan

    title = "2026年浙江省乳制品及食用植物油产品质量监督抽查（浏览器测试）"
    with live_server.db.session() as s:
        inspector = actor_for(s.scalar(select(User).where(User.username == "inspector")))
        cats = {code: s.scalar(select(Category.id).where(Category.code == code)) for code in JOURNEY}
        stds = {code: str(s.scalar(select(Standard.id).where(Standard.code == std)))
                for code, std in (("FOOD-DAIRY-LIQ", "GB 25190-2010"), ("FOOD-OIL", "GB 2716-2018"))}
        lab_name = s.get(Organization, inspector.organization_id).name
        # the makers of the two categories registered in 浙江: the only ones a 330000 plan may draw
        makers = set(s.scalars(select(Organization.region_code).join(Product, Product.enterprise_id == Organization.id)
                               .where(Product.category_id.in_(cats.values()), Organization.region_code.like("33%"))))
    assert makers == {"330782", "330106"}, makers
    lab_box = f"#lab_{inspector.organization_id}"  # its label also shows the lab's proficiency-testing record

    regulator = new_page()
    login_as(regulator, live_server, "regulator", "/console/spotcheck")
    regulator.get_by_role("link", name="制定抽查计划").click()
    regulator.get_by_label("计划编号").fill("LLQ-2026-01")
    regulator.get_by_label("计划名称").fill(title)
    regulator.get_by_label("年度").fill("2026")
    regulator.get_by_label("层级").select_option("provincial")
    regulator.get_by_label("抽查区域代码").fill("330000")  # its own division: 浙江省 (a plan stays in its jurisdiction)
    regulator.get_by_label("抽查期间开始").fill("2026-10-01")
    regulator.get_by_label("抽查期间结束").fill("2026-09-30")
    for i, code in enumerate(JOURNEY):
        regulator.get_by_label(f"类别 {i + 1}").select_option(str(cats[code]))
        regulator.get_by_label(f"计划批次 {i + 1}", exact=True).fill("1")  # one maker of each in the province
        regulator.get_by_label(f"依据标准 {i + 1}", exact=True).select_option([stds[code]])
    regulator.locator(lab_box).check()
    regulator.get_by_role("button", name="保存计划").click()
    expect(regulator.locator("#period_end-error")).to_contain_text("抽查期间结束早于开始")  # shown in place
    expect(regulator.get_by_label("计划名称")).to_have_value(title)  # what was typed stays
    regulator.get_by_label("抽查期间结束").fill("2026-12-31")
    regulator.locator(lab_box).check()
    regulator.get_by_role("button", name="保存计划").click()
    expect(regulator.locator("h1")).to_contain_text(title)
    regulator.get_by_label("随机种子（可选）").fill("20261001")
    regulator.once("dialog", lambda d: d.accept())  # the draw is irreversible: confirmed first
    regulator.get_by_role("button", name="开始抽取").click()
    expect(regulator.locator("main")).to_contain_text("抽取与匹配结果")
    expect(regulator.locator("main")).to_contain_text(f"参与承检机构 1：{lab_name}")  # the batches matched to the lab
    expect(regulator.locator("main")).to_contain_text("抽中企业 2")
    shot(regulator, "1-drawn")
    with live_server.db.session() as s:
        plan = s.scalar(select(Plan).where(Plan.code == "LLQ-2026-01"))
        assert plan.region_code == "330000"
        batches = [(b.id, code) for b, code in s.execute(
            select(Batch, Category.code).join(Category, Category.id == Batch.category_id)
            .where(Batch.plan_id == plan.id).order_by(Batch.id))]
        plan_id = plan.id
        drawn = set(s.scalars(select(Organization.region_code).join(Batch, Batch.enterprise_id == Organization.id)
                              .where(Batch.plan_id == plan_id)))
    assert sorted(code for _b, code in batches) == sorted(JOURNEY) and drawn == makers

    def act(page: Any, bid: int, label: str) -> None:
        page.goto(live_server(f"/console/spotcheck/batches/{bid}"))
        page.get_by_role("button", name=label).click()
        page.wait_for_url(live_server(f"/console/spotcheck/batches/{bid}"))

    lab = new_page()
    login_as(lab, live_server, "inspector", "/console/spotcheck")
    for i, (bid, code) in enumerate(batches):
        plan_items = JOURNEY[code]
        lab.goto(live_server(f"/console/spotcheck/batches/{bid}"))
        lab.get_by_role("link", name="填写抽样单").click()
        lab.get_by_label("批号").fill(f"20261015A{i}")
        lab.get_by_label("抽样日期").fill("2026-10-15")
        lab.get_by_label("抽样地点").fill(plan_items["place"])
        lab.get_by_label("抽样人员 1", exact=True).fill("王建国")
        lab.get_by_label("抽样人员 2", exact=True).fill("李敏")
        lab.get_by_label("检验样品数量").fill(plan_items["quantity"])
        lab.get_by_label("备样数量").fill(plan_items["quantity"])
        lab.get_by_role("button", name="保存抽样单").click()
        lab.wait_for_url(live_server(f"/console/spotcheck/batches/{bid}"))
        expect(lab.locator("main")).to_contain_text("王建国、李敏")
        act(lab, bid, "确认收样")
        # results keyed in item by item on the form prefilled from the plan's standard (a bad value marked in place)
        lab.get_by_role("link", name="逐项录入检验结果").click()

        def item(name: str) -> Any:
            return lab.locator("fieldset", has=lab.locator("legend", has_text=name))

        name, unit, value, u = plan_items["first"]
        expect(item(name).get_by_label("单位")).to_have_value(unit)
        item(name).get_by_label("实测值").fill("零点" + value)
        for other, v in plan_items["others"].items():
            item(other).get_by_label("实测值").fill(v)
        lab.get_by_role("button", name="保存检验结果").click()
        expect(lab.locator("#value_0-error")).to_contain_text("实测值无法识别")
        other, v = next(iter(plan_items["others"].items()))
        expect(item(other).get_by_label("实测值")).to_have_value(v)  # what was typed stays
        if i == 0:
            shot(lab, "2-results-form")
        item(name).get_by_label("实测值").fill(value)
        item(name).get_by_label("扩展不确定度").fill(u)
        lab.get_by_role("button", name="保存检验结果").click()
        lab.wait_for_url(live_server(f"/console/spotcheck/batches/{bid}"))
        expect(lab.locator("main")).to_contain_text(f"{value} ± {u}")
        if i == 0:
            shot(lab, "2-results")
    reviewer = new_page()
    login_as(reviewer, live_server, "inspector2", "/console/spotcheck")
    for bid, _code in batches:
        act(reviewer, bid, "审核结果")
        act(reviewer, bid, "判定")
    shot(reviewer, "2-judged")
    for bid, _code in batches:
        act(regulator, bid, "告知企业")
        act(regulator, bid, "确定结果")  # conforming: no objection window to wait for
    regulator.goto(live_server(f"/console/spotcheck/plans/{plan_id}"))
    regulator.once("dialog", lambda d: d.accept())
    regulator.get_by_role("button", name="公布结果").click()
    regulator.get_by_role("link", name="查看公布页面").click()
    expect(regulator.locator("h1")).to_contain_text(title)
    shot(regulator, "3-published")
    public = new_page(phone=True)
    public.goto(live_server("/spotchecks"))
    public.get_by_role("link", name=title).click()
    expect(public.locator("main")).to_contain_text("2 批次")
    _no_horizontal_scroll(public)
    shot(public, "4-public-375")


def test_enterprise_issues_a_batch_of_codes_and_a_consumer_scans_one(live_server: LiveServer, new_page, shot):
    """The enterprise, logged in to the console, orders codes for a lot through the 申请赋码 form (a field error
    first, in place), lands on the batch page, downloads its codes, and a consumer verifies one on a phone."""
    import csv
    import io

    pytest.importorskip("zhijian.trace.service")
    from zhijian.catalog.models import Product
    from zhijian.platform.models import User

    with live_server.db.session() as s:
        org = s.scalar(select(User.organization_id).where(User.username == "enterprise"))
        product_id = s.scalar(select(Product.id).where(Product.enterprise_id == org, Product.gtin.is_not(None))
                              .order_by(Product.id))
    page = new_page()
    login_as(page, live_server, "enterprise", "/console/trace")
    page.get_by_role("link", name="申请赋码").click()
    page.get_by_label("产品").select_option(str(product_id))
    page.get_by_label("数量").fill("25")
    page.get_by_role("button", name="提交赋码").click()
    expect(page.locator("#lot-error")).to_contain_text("此项不能为空")
    expect(page.get_by_label("批号")).to_have_attribute("aria-invalid", "true")
    shot(page, "issue-form-error")
    page.get_by_label("批号").fill("LLQ20261127")
    page.get_by_role("button", name="提交赋码").click()
    expect(page).to_have_url(re.compile(r"/console/trace/batches/\d+\?saved=1$"))
    expect(page.locator("main")).to_contain_text("LLQ20261127")
    shot(page, "batch-issued")
    with page.expect_download() as dl:
        page.get_by_role("link", name="下载码 CSV").click()
    rows = list(csv.reader(io.StringIO(Path(dl.value.path()).read_text(encoding="utf-8-sig"))))
    assert len(rows) == 1 + 25
    uri = next(cell for cell in rows[1] if cell.startswith("https://") and "/01/" in cell)
    phone = new_page(phone=True)
    phone.goto(live_server("/verify"))
    phone.get_by_label("商品码或链接").fill(uri)
    phone.get_by_role("button", name="查询").click()
    expect(phone.locator(".result.ok")).to_contain_text("首次查询，正品")
    expect(phone.locator("main")).to_contain_text("LLQ20261127")
    shot(phone, "issued-code-verified-375")
