"""The phone top navigation (issue 21, finding 13: "the phone top navigation scrolls sideways with no affordance").

At 320 and 375 px (the narrowest phones in use, and the common one) the portal and console headers do not scroll
sideways — neither the page nor any element in the header (nor the console's own menu) — and their links sit behind
a menu button (`<button aria-expanded aria-controls>`, static/menu.js) that the keyboard opens, walks and closes.
Without JavaScript there is no button and every link is shown, wrapped. Real headless Chromium against the demo
data; screenshots under test-artifacts/<test name>/.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.web.conftest import ARTIFACTS, LiveServer, login_as

expect.set_options(timeout=30000)
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser-web-phone")]

WIDTHS = [320, 375]
# elements of the header and of the console menu whose content is wider than their box (a sideways scroller)
SCROLLERS = """() => [...document.querySelectorAll('header.top, header.top *, nav.side, nav.side *')]
  .filter(e => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1)
  .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + ' ' + e.scrollWidth + '>' + e.clientWidth)"""
OUTSIDE = """() => [...document.querySelectorAll('body *')].filter(e => {
  const r = e.getBoundingClientRect(); return r.width > 0 && (r.right > innerWidth + 1 || r.left < -1) &&
  !e.closest('.table-wrap') && !e.classList.contains('skip') && !e.classList.contains('sr'); })
  .slice(0, 3).map(e => e.outerHTML.slice(0, 160))"""


@pytest.fixture
def phone(new_page: Callable[..., Any]) -> Callable[..., Any]:
    """phone(width, js=True, locale="zh-CN") → a Page on a phone of that width (conftest's new_page: console errors
    fail the test)."""

    def make(width: int, js: bool = True, locale: str = "zh-CN") -> Any:
        return new_page(phone=True, locale=locale, viewport={"width": width, "height": 640}, java_script_enabled=js)

    return make


def shot(request: pytest.FixtureRequest, page: Any, name: str) -> None:
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _fits(page: Any) -> None:
    """Nothing scrolls sideways: not the page, not the header or the console menu, and nothing sticks out."""
    width = page.evaluate("innerWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.evaluate(OUTSIDE)
    assert page.evaluate(SCROLLERS) == []
    assert page.evaluate(OUTSIDE) == []


@pytest.fixture(scope="module")
def answer_path(live_server: LiveServer) -> str:
    """The verification answer of a code of a demo product, issued through the trace room's service."""
    trace = pytest.importorskip("zhijian.trace.service")
    from zhijian.catalog.models import Product
    from zhijian.platform.auth import SYSTEM

    issued: list[Any] = []
    with live_server.db.session(SYSTEM) as s:
        product_id = s.scalar(select(Product.id).where(Product.gtin.is_not(None)).order_by(Product.id))
        trace.issue_codes(s, SYSTEM, trace.IssueRequest(product_id=product_id, lot="PH20261203", quantity=1),
                          host="id.zhijian.example", sink=issued.extend)
    trace.invalidate_caches()
    return re.sub(r"^https?://[^/]+", "", issued[0].uri)


def _tab_to(page: Any, test: str, limit: int = 40) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(({test}))(document.activeElement)"):
            return
    raise AssertionError(f"never focused: {test}")


def _menu_by_keyboard(page: Any, button_name: str, panel: str, first_link: str) -> None:
    """Tab to the menu button, open it with Enter, Tab into its first link (shown, on screen), Escape closes it and
    gives the focus back, Space opens it again."""
    button = page.get_by_role("button", name=button_name, exact=True)
    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "false")
    assert button.get_attribute("aria-controls") == panel and page.locator(f"#{panel}").count() == 1
    expect(page.locator(f"#{panel} a").first).to_be_hidden()
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.locator("body").focus()
    _tab_to(page, f"e => e.getAttribute('aria-controls') === '{panel}'")
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    _tab_to(page, f"e => !!e.closest('#{panel}') && e.tagName === 'A'", limit=3)
    link = page.evaluate("""() => { const e = document.activeElement, r = e.getBoundingClientRect();
      return {text: e.textContent.trim(), left: r.left, right: r.right, height: r.height}; }""")
    assert link["text"] == first_link, link
    assert link["left"] >= 0 and link["right"] <= page.evaluate("innerWidth") and link["height"] >= 24, link
    page.keyboard.press("Escape")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_be_focused()
    page.keyboard.press(" ")
    expect(button).to_have_attribute("aria-expanded", "true")


@pytest.mark.parametrize("width", WIDTHS)
def test_portal_pages_fit_the_phone_and_the_menu_opens_by_keyboard(live_server: LiveServer, phone, answer_path,
                                                                   request, width: int):
    page = phone(width)
    for name, path in (("home", "/"), ("answer", answer_path)):
        page.goto(live_server(path))
        if name == "answer":
            expect(page.locator(".result")).to_be_visible()
        _fits(page)
        shot(request, page, f"{name}-{width}")
        _menu_by_keyboard(page, "菜单", "site-menu", "搜索")
        expect(page.get_by_role("link", name="English")).to_be_visible()  # the tools are in the menu too
        _fits(page)
        shot(request, page, f"{name}-{width}-menu")
    _tab_to(page, "e => e.textContent.trim() === '搜索'", limit=3)
    page.keyboard.press("Enter")  # the link works from the keyboard
    page.wait_for_url(live_server("/search"))
    # in English the button says so
    page.get_by_role("button", name="菜单", exact=True).click()
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "false")
    _fits(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_console_home_fits_the_phone_and_both_menus_open_by_keyboard(live_server: LiveServer, phone, request,
                                                                     width: int):
    page = phone(width)
    page.goto(live_server("/login"))
    page.get_by_role("button", name="菜单", exact=True).click()  # a visitor's menu: 登录 is in it
    expect(page.get_by_role("link", name="登录")).to_be_visible()
    login_as(page, live_server, "regulator")  # the role with the longest console menu
    _fits(page)
    shot(request, page, f"console-{width}")
    _menu_by_keyboard(page, "菜单", "site-menu", "门户")
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    _fits(page)
    page.keyboard.press("Escape")
    _menu_by_keyboard(page, "工作台菜单", "console-nav", "工作台")
    links = page.locator("#console-nav a")
    assert links.count() >= 8
    expect(links.last).to_be_visible()
    _fits(page)
    shot(request, page, f"console-{width}-menu")
    links.nth(1).click()  # a section of the console, reached from the phone menu
    page.wait_for_url(re.compile(r"/console/.+"))
    _fits(page)


def test_without_javascript_every_link_is_shown_and_nothing_scrolls_sideways(live_server: LiveServer, phone,
                                                                             answer_path, request):
    page = phone(320, js=False)
    for name, path in (("home", "/"), ("answer", answer_path)):
        page.goto(live_server(path))
        expect(page.locator("button.menu-toggle")).to_be_hidden()  # no button that would do nothing
        for link in ("搜索", "扫码验证", "登录", "English"):
            expect(page.locator("header").get_by_role("link", name=link, exact=True)).to_be_visible()
        _fits(page)
        shot(request, page, f"{name}-320-nojs")
    login_as(page, live_server, "regulator")
    expect(page.locator("nav.side a").last).to_be_visible()
    _fits(page)
    shot(request, page, "console-320-nojs")


def test_on_the_desk_the_links_are_in_the_header_without_a_button(live_server: LiveServer, new_page):
    page = new_page()
    login_as(page, live_server, "regulator")
    expect(page.locator("button.menu-toggle").first).to_be_hidden()
    expect(page.locator("button.side-toggle")).to_be_hidden()
    expect(page.locator("header nav").get_by_role("link", name="门户")).to_be_visible()
    expect(page.locator("nav.side a").last).to_be_visible()
    box = page.locator("nav.side").bounding_box()
    assert box["width"] <= 230 and box["height"] > 300  # the side column of a desk screen, as before
