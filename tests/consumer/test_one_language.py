"""Issue #21 finding 8 (every screen in one language) for consumer's pages, through the real app: a credit cap is
English on the English page (from its reason code; it was 「365 天内受到情节严重的行政处罚，最高 D 类」 there) and
stays Chinese on the Chinese page and in the API; the results-table hint of the comparative-test form names the
column headers that must be typed in Chinese, marked `lang="zh-CN"` on the English page; the enterprise-standard
number example on the Chinese form is a <code> literal, not Latin words in Chinese text."""

from __future__ import annotations

import datetime as dt
import html
import re

from tests import factories
from tests.web.crawl import Allowed, _offending, _Visible
from tests.web.test_pages import web_login
from zhijian.consumer import service
from zhijian.consumer.schemas import PenaltyIn
from zhijian.consumer.service.common import today
from zhijian.platform.auth import SYSTEM

CAP_ZH = "365 天内受到情节严重的行政处罚，最高 D 类"
CAP_EN = "a serious administrative penalty within 365 days: class D at best"


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def _other_script(page: str, lang: str) -> list[str]:
    vis = _Visible()
    vis.feed(page)
    return _offending(vis.texts, lang, Allowed(set(), set()))


def test_credit_cap_in_the_page_language(client, db, login):  # type: ignore[no-untyped-def]
    with db.session(SYSTEM) as s:
        ent = factories.enterprise(s)
        service.add_penalty(s, SYSTEM, PenaltyIn(enterprise_id=ent.id, decision_no=f"浙市监罚〔2026〕{factories.uid()}号",
                                                 decided_on=today() - dt.timedelta(days=30), authority="浙江省市场监督管理局",
                                                 severity="serious", reason="生产不合格产品"))
        service.recompute_credit(s, SYSTEM, enterprise_ids=[ent.id])
        eid = ent.id
    api = client.get(f"/api/v1/credit/{eid}", headers=login("regulator"))
    assert api.status_code == 200, api.text
    body = api.json()
    latest = body[0] if isinstance(body, list) else body.get("items", [body])[0]
    assert latest["caps"] == [CAP_ZH]  # the API keeps the Chinese sentence, byte for byte
    assert latest["cap_reasons"] == [{"code": "credit.cap_serious_penalty", "params": {"days": 365, "klass": "D"}}]
    web_login(client, db, "regulator", None)
    client.cookies.set("zj_lang", "zh-CN")
    assert CAP_ZH in _text(client.get(f"/console/credit/{eid}").text)
    client.cookies.set("zj_lang", "en")
    en = _text(client.get(f"/console/credit/{eid}").text)
    assert CAP_EN in en and CAP_ZH not in en
    assert "serious ×" in en and "情节严重 ×" not in en  # the penalty line: its severity in English too


def test_form_hints_in_one_language(client, db):  # type: ignore[no-untyped-def]
    web_login(client, db, "regulator", None)
    client.cookies.set("zj_lang", "en")
    form = client.get("/console/comparative/new").text
    assert '<span lang="zh-CN">品牌</span> (brand), <span lang="zh-CN">型号</span> (model)' in form
    hint = re.search(r'<p class="hint" id="results-columns">.*?</p>', form, re.S)
    assert hint and _other_script(hint.group(0), "en") == []
    client.cookies.set("zj_lang", "zh-CN")
    decl = client.get("/console/declarations/new").text
    example = re.search(r'<p class="hint" id="code-example">.*?</p>', decl, re.S)
    assert example and "<code>Q/HZKB 0001S-2025</code>" in example.group(0)
    assert _other_script(example.group(0), "zh-CN") == []
    assert 'aria-describedby="code-example"' in decl
