"""Issue 21 (accessibility, 适老化, desk work) in Debian's Chromium against the demo data.

- axe-core (WCAG 2.x rules; installed from the npm registry by scripts/system-deps.sh into a cache dir, never
  committed, never a CDN) is injected into every page kind of the portal and the console — for each demo role
  (admin, regulator, association, inspector, enterprise, public) every page of its menu and the first record page
  each list links to, plus login, search, error and form pages — with zero serious or critical violations;
  the same in 适老化 mode, where the body text is at least 18 px (《互联网网站适老化通用设计规范》, 工信部 2020).
- Keyboard-only journeys: a consumer types a forged code, reaches 举报假冒 and files the report; a lab inspector
  logs in and enters a batch's results — Tab, typing, Space, arrows and Enter only.
- Desk work at 1280 px: the list tables use the screen (no ~1,000 px column); the category tree filters on pinyin.
Screenshots under test-artifacts/<test name>/.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.web.conftest import DEMO_PASSWORD, LiveServer, login_as

expect.set_options(timeout=30000)
pytestmark = pytest.mark.browser  # no xdist group: the page kinds spread over the workers (each has its server)

AXE = Path(os.environ.get("ZHIJIAN_AXE_DIR") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
           / "zhijian" / "axe") / "node_modules" / "axe-core" / "axe.min.js"
RUN_AXE = """async () => {
  const r = await axe.run(document, {resultTypes: ['violations']});
  return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => v.id + ' (' + v.impact + ', ' + v.nodes.length + '): '
         + v.nodes.slice(0, 2).map(n => n.target.join(' ') + ' ' + n.html.slice(0, 100)).join(' | '));
}"""
ROLES = ["admin", "regulator", "association", "inspector", "enterprise", "public"]
EXTRA = {  # page kinds a menu does not lead to
    "public": ["/login", "/search?q=奶粉", "/verify?code=12345", "/no-such-page", "/complaints/new"],
    "admin": ["/console/products/new", "/console/no-such-page"],
    "enterprise": ["/console/products/new"],
}


@pytest.fixture(scope="session")
def axe_js() -> str:
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `make system-deps` (scripts/system-deps.sh installs axe-core)")
    return AXE.read_text(encoding="utf-8")


def _axe(page: Any, js: str) -> list[str]:
    page.evaluate(js)  # through the DevTools protocol: the page's CSP (script-src 'self') stays as it is
    return list(page.evaluate(RUN_AXE))


def _pages_of(page: Any, server: LiveServer, role: str) -> list[str]:
    """The role's menu, then for each list the first record page it links to (one page per shape)."""
    if role == "public":
        page.goto(server("/"))
        menu = ["/", *page.eval_on_selector_all("header nav a", "es => es.map(e => e.getAttribute('href'))")]
    else:
        page.goto(server("/console"))
        menu = page.eval_on_selector_all("nav.side a", "es => es.map(e => e.getAttribute('href'))")
    return list(dict.fromkeys(menu + EXTRA.get(role, [])))


def _shape(path: str) -> str:
    return re.sub(r"\d+", "N", path.split("?")[0])


def test_axe_finds_a_known_violation(browser, axe_js):
    """The check itself works: an image without alt text and an unlabelled field are reported."""
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        page.set_content('<html lang="zh-CN"><title>t</title><main><img src="data:,"><input></main></html>')
        found = " ".join(_axe(page, axe_js))
        assert "image-alt (critical" in found and "label (critical" in found
    finally:
        ctx.close()


@pytest.mark.parametrize("role", ROLES)
def test_every_page_kind_has_no_serious_axe_violation(live_server: LiveServer, new_page, axe_js, shot, role: str):
    page = new_page()
    if role != "public":
        login_as(page, live_server, role)
    todo = _pages_of(page, live_server, role)
    menu = set(todo)
    seen: set[str] = set()
    report: dict[str, list[str]] = {}
    for path in todo:
        if _shape(path) in seen:
            continue
        seen.add(_shape(path))
        page.goto(live_server(path))
        found = _axe(page, axe_js)
        if found:
            report[path] = found
        if path in menu:  # the first record page of a list (/console/x → /console/x/7)
            base = path.split("?")[0].rstrip("/") or "/"
            for href in page.eval_on_selector_all("main a[href^='/']", "es => es.map(e => e.getAttribute('href'))"):
                if re.fullmatch(re.escape(base) + r"/\d+", href.split("?")[0]) and _shape(href) not in seen:
                    todo.append(href)
                    break
    assert len(seen) >= 5, seen
    shot(page, f"last-{role}")
    assert not report, f"{role}: serious/critical axe violations on {len(report)} of {len(seen)} page kinds: " + \
        "; ".join(f"{p}: {v}" for p, v in report.items())


@pytest.mark.parametrize("role", ["public", "enterprise"])
def test_elder_mode_large_type_and_no_axe_violation(live_server: LiveServer, new_page, axe_js, shot, role: str):
    page = new_page()
    if role != "public":
        login_as(page, live_server, role)
    start = "/" if role == "public" else "/console"
    page.goto(live_server(start))
    page.get_by_role("link", name="适老化模式").click()
    expect(page.locator("body")).to_have_class(re.compile(r"\belder\b"))
    for path in ([start, "/search?q=奶粉", "/verify"] if role == "public" else [start, "/console/products"]):
        page.goto(live_server(path))  # the cookie keeps the mode from page to page
        assert "elder" in (page.locator("body").get_attribute("class") or "")
        sizes = page.evaluate("""() => [...document.querySelectorAll('main p, main li, main td, main label, main a')]
          .filter(e => e.offsetParent).map(e => parseFloat(getComputedStyle(e).fontSize))""")
        assert sizes and min(sizes) >= 18, (path, min(sizes))
        assert float(page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")) >= 20
        assert _axe(page, axe_js) == [], path
        shot(page, "elder" + re.sub(r"\W+", "-", path))
    page.get_by_role("link", name="退出适老化").click()
    expect(page.locator("body")).not_to_have_class(re.compile(r"\belder\b"))


def test_desk_lists_use_the_screen_and_the_tree_filters_on_pinyin(live_server: LiveServer, new_page, shot):
    page = new_page()
    login_as(page, live_server, "admin", "/console/products")
    width = page.locator(".table-wrap").first.bounding_box()["width"]
    assert width >= 1200, width  # on a 1280 px screen (was ~920 px beside the menu)
    assert page.locator("nav.pager").inner_text().count("每页") == 1
    page.get_by_role("link", name="名称", exact=True).click()
    expect(page.locator("th[aria-sort=ascending]")).to_have_text(re.compile("名称"))
    shot(page, "products-1280")
    page.goto(live_server("/console/products/new"))
    tree = page.locator("#category_id-tree")
    total = tree.locator("li").count()
    page.get_by_label("搜索类别").fill("rzp")  # 乳制品 by its initials
    visible = [t.strip() for t in tree.locator("li:visible > label").all_inner_texts()]
    assert "乳制品" in visible and len(visible) < total, visible[:10]
    page.get_by_label("搜索类别").fill("ruzhipin")
    assert "乳制品" in [t.strip() for t in tree.locator("li:visible > label").all_inner_texts()]
    page.get_by_label("搜索类别").fill("zzzzqq")
    expect(page.get_by_text("没有匹配的类别")).to_be_visible()
    shot(page, "category-tree")


# ---------------------------------------------------------------- keyboard only


def _tab_to(page: Any, test: str, limit: int = 150) -> None:
    """Press Tab until the focused element satisfies the JS predicate `test` (el => bool)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(({test}))(document.activeElement)"):
            return
    raise AssertionError(f"never focused: {test}")


@pytest.fixture(scope="module")
def forged_code(live_server: LiveServer) -> str:
    from zhijian.catalog.models import Product
    from zhijian.platform.auth import SYSTEM
    from zhijian.trace import service as trace

    issued: list[Any] = []
    with live_server.db.session(SYSTEM) as s:
        p = s.scalars(select(Product).where(Product.gtin.is_not(None)).order_by(Product.id)).first()
        trace.issue_codes(s, SYSTEM, trace.IssueRequest(product_id=p.id, lot="KB20261201", quantity=1),
                          host="id.zhijian.example", sink=issued.extend)
    trace.invalidate_caches()
    serial = issued[0].serial
    return issued[0].uri.replace(serial, serial[:-1] + ("A" if serial[-1] != "A" else "B"))


def test_keyboard_only_consumer_verifies_and_reports_a_counterfeit(live_server: LiveServer, new_page, forged_code,
                                                                   shot):
    page = new_page()
    page.goto(live_server("/verify"))
    _tab_to(page, "e => e.id === 'code'")
    page.keyboard.type(forged_code)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/01/"))
    assert page.locator("h1").inner_text() == "查无此码"
    _tab_to(page, "e => e.textContent.trim() === '举报假冒'")
    page.keyboard.press("Enter")
    page.wait_for_url("**/complaints/new?*")
    assert page.locator("#kind").input_value() == "report"
    _tab_to(page, "e => e.id === 'respondent_name'")
    if not page.locator("#respondent_name").input_value():
        page.keyboard.type("不明销售者")
    _tab_to(page, "e => e.id === 'facts'")
    page.keyboard.type("2026年11月在超市购买，扫码查询显示查无此码，疑为假冒。")
    shot(page, "report-form")
    _tab_to(page, "e => e.tagName === 'BUTTON' && e.type === 'submit' && e.closest('main')")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    text = page.locator("main").inner_text()
    assert page.locator(".errors").count() == 0 and "查询码" in text, text[:500]  # filed: its 查询码 is shown
    shot(page, "report-filed")


def test_keyboard_only_lab_logs_in_and_enters_results(live_server: LiveServer, new_page, shot):
    from zhijian.platform.models import User
    from zhijian.spotcheck.models import Batch

    with live_server.db.session() as s:
        lab_id = s.scalar(select(User.organization_id).where(User.username == "inspector"))
        batch_id = s.scalar(select(Batch.id).where(Batch.state == "received", Batch.lab_id == lab_id,
                                                   Batch.retest_lab_id.is_(None)).order_by(Batch.id.desc()))
    assert batch_id, "the demo has a batch received by the inspector's lab"
    page = new_page()
    page.goto(live_server("/login"))
    _tab_to(page, "e => e.id === 'username'")
    page.keyboard.type("inspector")
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(live_server("/console"))
    expect(page.locator("#queue-entry-h")).to_contain_text("待我录入")
    page.goto(live_server(f"/console/spotcheck/batches/{batch_id}/results"))
    inputs = page.eval_on_selector_all("main [id^=value_]", "es => es.map(e => e.id)")
    assert inputs
    for fid in inputs:
        _tab_to(page, f"e => e.id === '{fid}'")
        n = fid.split("_")[1]
        if page.locator(f"#verdict_{n}").count():  # an item judged by the inspector (感官, 标志)
            page.keyboard.type("符合要求")
            _tab_to(page, f"e => e.id === 'verdict_{n}'")
            page.keyboard.press("ArrowDown")
            assert page.locator(f"#verdict_{n}").input_value() != ""
        else:
            page.keyboard.type("0.01")
    shot(page, "results-typed")
    _tab_to(page, "e => e.tagName === 'BUTTON' && e.type === 'submit' && e.closest('main')")
    page.keyboard.press("Enter")
    page.wait_for_url(live_server(f"/console/spotcheck/batches/{batch_id}"))
    with live_server.db.session() as s:
        assert s.get(Batch, batch_id).state == "tested"
    shot(page, "results-saved")
