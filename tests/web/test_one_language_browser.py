"""Issue 21, finding 8 in a real browser: the screens the finding named — "in English mode, alert labels,
sampling-place types and signal methods stay Chinese", raw enums on Chinese screens — as Chromium renders them
for the demo users, checked by the crawl's own language check (tests/web/crawl.py: visible text and readable
attributes, content marked with its own `lang` skipped, the database's proper nouns allowed). Screenshots under
test-artifacts/<test name>/.

Before session 7 each English page below showed Chinese UI words: 曳引驱动乘客电梯 / 在用 (equipment list), 二项 LLR
CUSUM and 改进 Farrington (risk signals), 烧水时间(1L) (the comparative test), 广东 / 江苏 (association statistics),
送达 … 期限 (an enforcement case's clock) — and the Chinese risk page showed "二项 LLR CUSUM" as an English word run.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.web.conftest import LiveServer, login_as
from tests.web.crawl import _allowed, _offending, _Visible

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser-web-one-language")]

PAGES = {
    "admin": ["/console/equipment", "/console/equipment/workers", "/console/risk", "/console/risk/signals",
              "/console/enforcement/penalties", "/console/stable/rulesets", "/comparative/1",
              "/console/association/complaint-statistics"],
    "regulator": ["/console/spotcheck", "/console/enforcement/cases/{case}"],
}


def _mixed(page: Any, lang: str, allowed: Any) -> list[str]:
    vis = _Visible()
    vis.feed(page.content())  # the DOM as Chromium built it, scripts run
    return _offending(vis.texts, lang, allowed)


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_named_screens_render_in_one_language(live_server: LiveServer, new_page, shot, lang: str) -> None:  # type: ignore[no-untyped-def]
    from zhijian.enforcement.models import Case

    allowed = _allowed(live_server.db)
    with live_server.db.session() as s:
        case_id = s.scalar(select(Case.id).order_by(Case.id))
    assert case_id is not None, "the demo data has enforcement cases"
    found: dict[str, list[str]] = {}
    checked = 0
    for username, paths in PAGES.items():
        page = new_page()
        login_as(page, live_server, username)
        page.context.add_cookies([{"name": "zj_lang", "value": lang, "url": live_server("/")}])
        for path in paths:
            path = path.format(case=case_id)
            response = page.goto(live_server(path))
            assert response is not None and response.status == 200, (path, response and response.status)
            assert page.locator("html").get_attribute("lang") == lang
            shot(page, f"{username}-{path.strip('/').replace('/', '_')}-{lang}")
            if bad := _mixed(page, "en" if lang == "en" else "zh_CN", allowed):
                found[path] = bad[:6]
            checked += 1
        page.context.close()
    assert checked == sum(len(p) for p in PAGES.values())
    assert not found, f"text of the other script ({lang}): {found}"
