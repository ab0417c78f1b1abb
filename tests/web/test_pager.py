"""The one pager macro (`m.pager`) of `web/macros.html`, rendered directly: keyset pages by `?cursor=` (or another
parameter) keeping the filters, numbered pages with page numbers and sizes. Pure: no database."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from zhijian.platform.i18n import gettext_for
from zhijian.platform.pagination import Page
from zhijian.web.core import env, query_url
from zhijian.web.listing import Numbered

TEMPLATE = '{% import "web/macros.html" as m with context %}{{ m.pager(page, **opts) }}'


def pager(query: str, page: Any, **opts: Any) -> str:
    request = Request({"type": "http", "method": "GET", "path": "/console/x", "query_string": query.encode(),
                       "headers": []})
    return env().from_string(TEMPLATE).render(request=request, _=gettext_for("zh_CN"), page=page, opts=opts,
                                              url_with=lambda **kw: query_url(request, **kw))


def test_keyset_pager_keeps_the_filters():
    html = pager("state=open", Page(items=[1], next_cursor="abc", limit=1))
    assert 'href="/console/x?state=open&amp;cursor=abc"' in html and "下一页" in html and "第一页" not in html
    html = pager("state=open&cursor=abc", Page(items=[1], next_cursor=None, limit=1))
    assert 'href="/console/x?state=open">第一页' in html and "下一页" not in html


def test_keyset_pager_by_another_parameter():
    html = pager("state=open", None, param="after", next=42)
    assert 'href="/console/x?state=open&amp;after=42"' in html
    assert "第一页" in pager("after=42", None, param="after", next=None)


def test_numbered_pager():
    html = pager("q=x&page=2", Numbered(items=[], total=45, page=2, size=20))
    assert "第 2 / 3 页，共 45 条" in html and 'href="/console/x?q=x&amp;page=3"' in html
    assert 'rel="prev" href="/console/x?q=x&amp;page=1"' in html and 'aria-current="true">20<' in html
