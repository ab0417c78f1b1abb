"""Headless Chromium on the real app (uvicorn): a candidate takes an exam on a 375 px phone (no sideways scroll,
answers saved and submitted through the form, the score shown) and a lab submits its PT result on a phone and
reads its scores after the round is scored."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests import factories
from tests.association.exam_helpers import bank, exam
from tests.association.helpers import lab_actor, ready_round
from zhijian.association.exams import service as ex
from zhijian.association.exams.schemas import CandidateIn
from zhijian.association.pt import service as pt
from zhijian.association.pt.schemas import ResultIn
from zhijian.catalog.models import Organization
from zhijian.platform.auth import SYSTEM

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
PHONE = {"viewport": {"width": 375, "height": 667}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
PASSWORD = "correct horse 1"


@pytest.fixture(scope="module")
def server(sqlite_db, settings) -> Iterator[str]:  # type: ignore[no-untyped-def]
    import dataclasses

    from tests.platform.live import live_server
    from zhijian.platform.app import create_app

    app = create_app(sqlite_db, dataclasses.replace(settings, public_rate_limit=0))
    with live_server(app) as base:
        yield base


@pytest.fixture(scope="module")
def phone() -> Iterator[Any]:
    from tests.web.conftest import shared_playwright  # one driver per process (see there)

    browser = shared_playwright().chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
    yield browser
    browser.close()


def _page(browser: Any, errors: list[str]) -> Any:
    ctx = browser.new_context(locale="zh-CN", **PHONE)
    ctx.set_default_timeout(15000)
    page = ctx.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error"
            and not m.text.startswith("Failed to load resource") else None)
    return page


def _login(page: Any, base: str, username: str, next_path: str) -> None:
    page.goto(f"{base}/login?next={next_path}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}{next_path}*")


def _no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "page scrolls sideways"


def test_candidate_takes_an_exam_on_a_phone(server, phone, sqlite_db):
    with sqlite_db.session() as s:
        e = exam(s, bank(s, per_cell=4, short=False), short=False)
        code = e.code
        lab = factories.lab(s)
        user = factories.user(s, "inspector", lab)
        username = user.username
        ex.register(s, SYSTEM, code, CandidateIn(name="手机考生", user_id=user.id))
    errors: list[str] = []
    page = _page(phone, errors)
    _login(page, server, username, f"/console/association/exams/{code}")
    _no_sideways_scroll(page)
    page.get_by_role("button", name="开始答题").click()
    page.wait_for_url(f"{server}/console/association/exams/{code}/take")
    _no_sideways_scroll(page)
    groups = page.locator("fieldset")
    assert groups.count() == 27
    for i in range(groups.count()):
        g = groups.nth(i)
        kind = g.locator("input[type=hidden]").get_attribute("value")
        if kind == "truefalse":
            g.get_by_label("对").check()
        elif kind == "single":  # the right options by their text: each candidate's options are shuffled
            g.locator("label.check", has_text="选项乙").locator("input").check()
        else:
            g.locator("label.check", has_text="选项甲").locator("input").check()
            g.locator("label.check", has_text="选项丙").locator("input").check()
    label = page.locator("fieldset label.check").first.bounding_box()
    assert label is not None and label["height"] >= 24  # the tap target is the whole label (WCAG 2.2 §2.5.8)
    page.get_by_role("button", name="保存答案").click()
    page.wait_for_url(f"{server}/console/association/exams/{code}/take")
    assert page.locator("input:checked").count() == 27 + 9  # saved: 9 multiple-choice items have two boxes
    page.get_by_role("button", name="交卷").click()
    page.wait_for_url(f"{server}/console/association/exams/{code}/take")
    assert "试卷已提交" in page.content() and "54.0 / 54.0" in page.content()
    assert not errors, errors


def test_lab_submits_pt_result_on_a_phone(server, phone, sqlite_db):
    with sqlite_db.session() as s:
        r, labs = ready_round(s, 4, sigma=1.5)
        code, mine = r.code, labs[0]
        username = factories.user(s, "inspector", s.get(Organization, mine)).username
    errors: list[str] = []
    page = _page(phone, errors)
    _login(page, server, username, f"/console/association/pt/{code}")
    _no_sideways_scroll(page)
    page.locator("#result").fill("42.4")
    page.locator("#expanded_uncertainty").fill("0.8")
    page.get_by_role("button", name="提交结果").click()
    page.wait_for_url(f"{server}/console/association/pt/{code}")
    assert "42.4" in page.content()
    with sqlite_db.session() as s:
        for lab, v in zip(labs[1:], (41.9, 43.1, 42.0), strict=True):
            pt.submit_result(s, lab_actor(lab), code, ResultIn(result=v))
        pt.score(s, SYSTEM, code)
    page.reload()
    _no_sideways_scroll(page)
    assert page.get_by_role("link", name="下载报告（PDF）").count() == 1
    rows = page.locator("tr.mine")
    assert rows.count() == 1 and "满意" in rows.inner_text()
    assert not errors, errors
