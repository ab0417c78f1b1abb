"""The consumer's verification answers on 320 and 375 px phones in headless Chromium (issue 21, findings 4-5):
the verdict is the largest text on the page, the icon's shape carries the tone, nothing scrolls sideways,
dates stay on one line, and the forged / recalled answers lead to the prefilled public complaint form.

Screenshots: under the test's tmp dir (`<pytest basetemp>/test_…/verify-<answer>-<width>.png`) and copied to
test-artifacts/<test name>/ with the other browser artifacts.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.web.conftest import ARTIFACTS, PHONE, LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser-web-verify_browser")]

HOTLINE = "400-820-0000"

LARGEST = """() => {
  const size = e => parseFloat(getComputedStyle(e).fontSize);
  const v = document.querySelector('.verdict-title');
  const others = [...document.querySelectorAll('body *')].filter(e => e !== v && !v.contains(e) && e.offsetParent
    && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()));
  return [size(v), Math.max(...others.map(size))];
}"""


@pytest.fixture(scope="module")
def answers(live_server: LiveServer) -> dict[str, str]:
    """Paths of a genuine, a forged and a recalled code of one demo product whose maker gives a hotline."""
    from zhijian.catalog import service as catalog
    from zhijian.catalog.models import Product
    from zhijian.catalog.schemas import OrganizationPatch
    from zhijian.platform.auth import SYSTEM
    from zhijian.trace import service as trace

    issued: list[Any] = []
    with live_server.db.session(SYSTEM) as s:
        p = s.scalars(select(Product).where(Product.gtin.is_not(None)).order_by(Product.id.desc())).first()
        catalog.update_organization(s, SYSTEM, p.enterprise_id, OrganizationPatch(contact_phone=HOTLINE))
        trace.issue_codes(s, SYSTEM, trace.IssueRequest(product_id=p.id, lot="VB20261101", quantity=3),
                          host="id.zhijian.example", sink=issued.extend)
        trace.issue_codes(s, SYSTEM, trace.IssueRequest(product_id=p.id, lot="VR20261001", quantity=1),
                          host="id.zhijian.example", sink=issued.extend)
        trace.mark_lot_recalled(s, SYSTEM, gtin=p.gtin, lot="VR20261001", recall_ref="ZH-RC-2026-007",
                                reason="标签未标示致敏物质")
    trace.invalidate_caches()
    g320, g375, forged_of, recalled = issued
    serial = forged_of.serial
    forged = forged_of.uri.split("example", 1)[1].replace(serial, serial[:-1] + ("A" if serial[-1] != "A" else "B"))
    return {"genuine-320": g320.uri.split("example", 1)[1], "genuine-375": g375.uri.split("example", 1)[1],
            "forged": forged, "recalled": recalled.uri.split("example", 1)[1]}


def _phone(browser: Any, width: int) -> Any:
    return browser.new_context(locale="zh-CN", **{**PHONE, "viewport": {"width": width, "height": 640}})


@pytest.mark.parametrize("width", [320, 375])
def test_answers_read_at_arms_length_on_a_phone(live_server: LiveServer, browser, answers, width: int,
                                                 tmp_path: Path, request: pytest.FixtureRequest):
    ctx = _phone(browser, width)
    errors: list[str] = []
    page = ctx.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error"
            and not m.text.startswith("Failed to load resource") else None)
    keep = ARTIFACTS / request.node.name.replace("/", "_")
    keep.mkdir(parents=True, exist_ok=True)
    expected = {"genuine": ("正品", "circle-check"), "forged": ("查无此码", "octagon-cross"),
                "recalled": ("已召回", "octagon-cross")}
    try:
        for name, (verdict, shape) in expected.items():
            page.goto(live_server(answers[f"{name}-{width}" if name == "genuine" else name]))
            title = page.locator("h1")
            assert title.count() == 1 and title.inner_text() == verdict
            assert page.locator(f".verdict svg[data-shape={shape}]").is_visible()
            box = page.locator(".verdict-icon").bounding_box()
            assert box["width"] >= 48 and box["height"] >= 48  # an icon you see at arm's length
            verdict_px, other_px = page.evaluate(LARGEST)
            assert verdict_px >= 32 and verdict_px >= 1.6 * other_px, (verdict_px, other_px)
            # the verdict sits in the first screen, above everything else on the page but the header
            assert page.locator(".verdict").bounding_box()["y"] < 200
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            for date in page.locator(".nowrap").all():  # dates and phone numbers on one line each
                if date.is_visible():
                    b = date.bounding_box()
                    assert b["height"] < 40, (date.inner_text(), b)
            shot = tmp_path / f"verify-{name}-{width}.png"
            page.screenshot(path=str(shot), full_page=True)
            shutil.copy(shot, keep / shot.name)
            if name == "genuine":
                assert page.locator(".next").count() == 0
                continue
            assert page.get_by_role("link", name="拨打 12315 投诉举报热线").get_attribute("href") == "tel:12315"
            brand = page.get_by_role("link", name=f"致电品牌方 {HOTLINE}")
            assert brand.get_attribute("href") == "tel:4008200000"
            assert page.locator(".queried").inner_text().count(answers[name].split("/21/")[1]) == 1  # serial shown
        # the recalled answer: banner with its reason, instructions, and a complaint prefilled with the code
        assert "标签未标示致敏物质" in page.locator(".recall-banner").inner_text()
        assert "召回的必要费用由生产者承担" in page.locator(".recall-banner").inner_text()
        page.get_by_role("link", name="投诉", exact=True).click()
        page.wait_for_url("**/complaints/new?*")
        assert page.locator("#kind").input_value() == "complaint"
        assert "(21)" in page.locator("#product_text").input_value()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        # the forged answer: 举报假冒 opens the report form with the code typed
        page.goto(live_server(answers["forged"]))
        page.get_by_role("link", name="举报假冒").click()
        page.wait_for_url("**/complaints/new?*")
        assert page.locator("#kind").input_value() == "report"
        forged_serial = answers["forged"].split("/21/")[1]
        assert page.locator("#product_text").input_value().endswith(f"(21){forged_serial}")
        shot = tmp_path / f"report-form-{width}.png"
        page.screenshot(path=str(shot), full_page=False)
        shutil.copy(shot, keep / shot.name)
    finally:
        ctx.close()
    assert not errors, errors
