"""Issue #21 finding 8 (every screen in one language) for the spot-check pages the crawl found mixed.

Before: on the English batch page the samplers (王抽样、李抽样) and the seal (封条 A-001) were unmarked Chinese; the
inspector's import form said "File (… with the header 抽样单编号, 检验项目, …)" with the header unmarked; the published
plan's table named categories and provinces in Chinese (酱油…, 浙江省) on the English page. Now the names and the
header — which must be typed literally in Chinese — are marked `lang="zh-CN"`, and categories and divisions are
named in the page's language (`Category.name_en`, the division's English name)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.spotcheck.test_pages import _login
from tests.spotcheck.test_results_form import _soy_world, _user
from tests.web.crawl import _Visible
from zhijian.catalog.models import Category
from zhijian.platform.app import create_app
from zhijian.spotcheck import service
from zhijian.spotcheck.models import Plan

CJK = re.compile(r"[\u3400-\u9fff]+")


@pytest.fixture
def client(sqlite_db, settings) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(sqlite_db, dataclasses.replace(settings, public_rate_limit=0))) as c:
        yield c


def _unmarked(html: str) -> list[str]:
    v = _Visible()
    v.feed(re.search(r"<main.*?</main>", html, re.S).group(0))
    return [t for t in v.texts if CJK.search(t)]


def test_batch_page_marks_names_and_seals_and_the_import_header(client, sqlite_db):
    with sqlite_db.session() as s:
        w = _soy_world(s)
        lab = _user(s, "inspector", w.lab_a)
    _login(client, lab)
    client.cookies.set("zj_lang", "en")
    page = client.get(f"/console/spotcheck/batches/{w.batches[0]}").text
    assert '<dd><span lang="zh-CN">王抽样</span>, <span lang="zh-CN">李抽样</span></dd>' in page
    assert '<dd><span lang="zh-CN">封条 A-001</span></dd>' in page
    assert "王抽样、李抽样" not in page
    plans = client.get("/console/spotcheck").text
    assert ('File (.xlsx or .csv with the header <span lang="zh-CN">抽样单编号</span>, <span lang="zh-CN">检验项目</span>, '
            '<span lang="zh-CN">单位</span>') in plans
    assert not [t for t in _unmarked(plans) if "抽样单编号" in t]
    client.cookies.set("zj_lang", "zh_CN")
    zh = client.get(f"/console/spotcheck/batches/{w.batches[0]}").text
    assert '<span lang="zh-CN">王抽样</span>、<span lang="zh-CN">李抽样</span>' in zh
    assert "文件（Excel 或 CSV，表头：" in client.get("/console/spotcheck").text


def test_published_plan_names_categories_and_divisions_in_english(client, sqlite_db):
    with sqlite_db.session() as s:
        w = _soy_world(s)
        batch = service.get_batch(s, w.regulator, w.batches[0])
        plan_id, cat_id = batch.plan_id, batch.category_id
        plan = s.get(Plan, plan_id)
        category = s.get(Category, cat_id)
        category.name_en, cat_zh = "Soy sauce", category.name
        plan.status = "published"
        plan.published_at = plan.created_at
        plan.summary = {"plan_id": plan_id, "batches": 1, "batches_tested": 1, "batches_failing": 0, "refusals": 0,
                        "enterprises": 1, "products": 1, "nonconformity_rate": 0.0,
                        "by_category": [{"category_id": cat_id, "category": "酱油", "batches": 1, "failing": 0,
                                         "rate": 0.0}],
                        "by_region": [{"region_code": "330000", "region": "浙江省", "batches": 1, "failing": 0,
                                       "rate": 0.0}], "failing_items": [], "items_tested": 4}
    en = client.get(f"/spotchecks/{plan_id}?lang=en").text
    assert "<tr><td>Soy sauce</td>" in en and "<tr><td>Zhejiang</td>" in en
    assert "<td>浙江省</td>" not in en and "<td>酱油</td>" not in en
    zh = client.get(f"/spotchecks/{plan_id}?lang=zh_CN").text
    assert "<tr><td>浙江省</td>" in zh and f"<tr><td>{cat_zh}</td>" in zh


def test_a_words_observation_is_named_or_marked():
    """A text requirement's observation: 符合 / 不符合 by their catalogue names, anything else as typed, marked."""
    from types import SimpleNamespace

    from zhijian.platform.i18n import gettext_for
    from zhijian.spotcheck.pages.batches import measured_text

    def item(text: str) -> SimpleNamespace:
        return SimpleNamespace(unit="", not_detected=False, lod=None, detail={}, value_text=text, value=None)

    en = gettext_for("en")
    assert measured_text(item("符合"), en) == "Met" and measured_text(item("不符合"), en) == "Not met"
    assert measured_text(item("无异味"), en) == '<span lang="zh-CN">无异味</span>'
    assert measured_text(item("符合"), gettext_for("zh_CN")) == "符合"
