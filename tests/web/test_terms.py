"""Issue #21 finding 8: no raw enum code, actor label or English entity name on a Chinese screen (and the
English screen in English). The `term`, `who` and `note` filters of web.terms, and the error page's NotFound
wording, through the real templates and app."""

from __future__ import annotations

import dataclasses
import re

from fastapi.testclient import TestClient

from tests.web.test_pages import web_login
from zhijian.platform.app import create_app
from zhijian.platform.i18n import gettext_for
from zhijian.web.core import env


def _render(source: str, lang: str, **values: object) -> str:
    return env().from_string(source).render(_=gettext_for(lang), **values)


def test_codes_become_terms_in_both_languages():
    src = '{{ a|term("alert") }}|{{ s|term("signal") }}|{{ c|term("code") }}|{{ b|term("basis") }}|{{ x|term }}'
    codes = {"a": "draft", "s": "false_alarm", "c": "frozen", "b": "includes_targeted", "x": "not_detected"}
    assert _render(src, "zh_CN", **codes) == "草稿|误报|已冻结|含定向抽样|未检出"
    assert _render(src, "en", **codes) == "Draft|False alarm|Frozen|includes targeted sampling|Not detected"
    assert _render("{{ v|term }}", "zh_CN", v="某个新状态") == "某个新状态"  # unknown: shown as is
    assert _render('{{ v|term("objection") }}', "zh_CN", v="submitted") == "待处理"  # a spot-check objection


def test_actor_labels_and_machine_notes():
    src = "{{ a|who }} · {{ n|note }}"
    assert _render(src, "zh_CN", a="inspector:inspector2", n="4 items") == "检验机构 inspector2 · 4 项"
    assert _render(src, "zh_CN", a="admin:system", n="复检结果：3 items") == "系统 · 复检结果：3 项"
    assert _render(src, "en", a="inspector:inspector2", n="4 items") == "Laboratory inspector2 · 4 items"
    assert _render(src, "en", a="admin:system", n="合格") == "System · Conforming"  # a stored term translated
    assert _render(src, "zh_CN", a="王建国", n="样品已拆封") == "王建国 · 样品已拆封"  # people's words as written


def test_not_found_page_names_the_record_in_chinese(sqlite_db, settings):
    app = create_app(sqlite_db, dataclasses.replace(settings, public_rate_limit=0))
    with TestClient(app) as client:
        web_login(client, sqlite_db, "regulator")
        r = client.get("/console/complaints/987654321")
        assert r.status_code == 404
        text = re.sub(r"<[^>]+>", " ", r.text)
        assert "未找到投诉举报：987654321" in text and "未找到complaint" not in text
        en = client.get("/console/complaints/987654321?lang=en")
        assert "complaint not found: 987654321" in en.text


def test_stable_announcement_numbers_in_the_visitors_language():
    """公告编号 2026年第1号 reads "No. 1 of 2026" on an English page; a draft is 草稿 / Draft."""
    from types import SimpleNamespace

    from starlette.requests import Request

    from zhijian.stable.pages import _label

    def request(lang: str) -> Request:
        return Request({"type": "http", "method": "GET", "path": "/stable", "headers": [],
                        "query_string": f"lang={lang}".encode()})

    published, draft = SimpleNamespace(year=2026, number=1), SimpleNamespace(year=None, number=None)
    assert (_label(request("zh_CN"), published), _label(request("en"), published)) == ("2026年第1号", "No. 1 of 2026")
    assert (_label(request("zh_CN"), draft), _label(request("en"), draft)) == ("草稿", "Draft")


def test_stored_terms_in_a_list_through_the_catalogue():
    src = '{{ xs|map("tr")|join(sep) }}'
    xs = ["退货退款", "赔偿", "张三的特殊要求"]
    assert _render(src, "zh_CN", xs=xs, sep="、") == "退货退款、赔偿、张三的特殊要求"
    assert _render(src, "en", xs=xs, sep=", ") == "Return and refund, Compensation, 张三的特殊要求"
