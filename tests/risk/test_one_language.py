"""Issue #21 finding 8 (every screen in one language) and finding 13 (tiny chart text) for the risk room.

Each assertion names a string that was mixed before: the dashboard's charts said 不合格率热力图 / 趋势：… / 颜色：白 … on
the English page, with category and province names in Chinese, in 9–11 px text shrunk further by width="100%"; the
signals' method 二项 LLR CUSUM put an unmarked Latin abbreviation on the Chinese page and the PPV table kept the Chinese
method name (Laney p′ 图) on the English one; the assessment page showed the raw level （serious） and
"Injury scenario 1：" with a full-width colon; the Safety Gate, (EU) 2019/417 and PUT /api/… references were Latin words
in unmarked Chinese text; the alerts' free text had no language."""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests import factories
from tests.web.crawl import _Visible
from tests.web.test_pages import web_login
from zhijian.platform.app import create_app
from zhijian.platform.auth import SYSTEM
from zhijian.platform.db import utcnow
from zhijian.platform.i18n import gettext_for
from zhijian.risk import charts, service
from zhijian.risk.models import ScanRun, Signal
from zhijian.risk.schemas import AlertIn, AssessmentIn

CJK = re.compile(r"[\u3400-\u9fff]+")
SVG = "{http://www.w3.org/2000/svg}"
EN = gettext_for("en")


@pytest.fixture
def client(sqlite_db, settings) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(sqlite_db, dataclasses.replace(settings, public_rate_limit=0))) as c:
        yield c


def _visible(html: str) -> list[str]:
    """The visible text of the page's main content, as the crawl reads it (text under a `lang` of its own is not
    counted); the header and footer belong to the web room."""
    v = _Visible()
    v.feed(re.search(r"<main.*?</main>", html, re.S).group(0))
    return v.texts


def _texts(svg: str) -> list[tuple[float, str]]:
    root = ET.fromstring(svg)
    w, h = (float(x) for x in root.get("viewBox", "").split()[2:])
    # shown at scale 1: the SVG's own size is its viewBox's, not 100 % of a column it would shrink into
    assert (float(root.get("width", "0")), float(root.get("height", "0"))) == (w, h)
    return [(float(t.get("font-size", "0")), "".join(t.itertext())) for t in root.iter(f"{SVG}text")]


def _charts(_: object) -> list[str]:
    """The four dashboard charts, labelled through `_` (None: the charts' own Chinese default)."""
    kw = {} if _ is None else {"_": _}
    months = [f"2026-{m:02d}" for m in range(1, 13)]
    return [
        charts.heatmap_svg([{"category": "Electric kettles", "region_name": "Zhejiang", "x": 3, "n": 40},
                            {"category": "Liquid milk", "region_name": "Guangdong", "x": 1, "n": 30}], **kw),
        charts.trend_svg(months, [1] * 12, [30] * 12, 0.05, label="Boilers · Hunan", markers=[("2026-11", "EWMA")],
                         **kw),
        charts.funnel_svg([{"label": "Zhejiang", "x": 3, "n": 40, "alarm": True}, {"label": "Hunan", "x": 1, "n": 30}],
                          0.05, 0.001, label="Electric kettles", **kw),
        charts.weekly_svg([f"2026-W{w:02d}" for w in range(1, 27)], list(range(26)), **kw),
    ]


def test_every_chart_text_is_at_least_12px_at_the_scale_shown():
    for labels in (None, EN):
        for svg in _charts(labels):
            texts = _texts(svg)
            assert texts and min(size for size, _ in texts) >= 12, [t for t in texts if t[0] < 12]


def test_charts_speak_the_pages_language():
    en = [text for svg in _charts(EN) for _, text in _texts(svg)]
    assert "Non-conformity heat map (last 12 months, category × region)" in en
    assert "Trend: Boilers · Hunan" in en and "National 5.0%" in en
    assert "Colour: white = 0, red = 7.5% (highest shown); grey = no data" in en
    assert not [t for t in en if CJK.search(t)]
    zh = [text for svg in _charts(gettext_for("zh_CN")) for _, text in _texts(svg)]
    assert "颜色：白 = 0，红 = 7.5%（图中最高）；灰 = 无数据" in zh  # the Chinese chart is the one it was


def _scan(s, cat_id: int) -> None:  # type: ignore[no-untyped-def]
    months = [f"2026-{m:02d}" for m in range(1, 13)]
    s.add(ScanRun(started_at=utcnow(), finished_at=utcnow(), n_results=70, n_complaints=0, n_signals=0, seconds=0.1,
                  summary={"as_of": "2026-12-01", "months": months,
                           "heatmap": [{"category_id": cat_id, "region": "330000", "x": 3, "n": 40,
                                        "category": "电热水壶", "region_name": "浙江省"}],
                           "trends": [{"series_key": f"cat:{cat_id}|reg:330000", "category_id": cat_id,
                                       "region": "330000", "x": [1] * 12, "n": [30] * 12, "p0": 0.05,
                                       "label": "电热水壶 · 浙江省"}],
                           "funnels": [], "enterprises": [], "complaints": {}}))


def test_dashboard_and_signals_in_english_and_in_chinese(client, sqlite_db):
    uid = factories.uid()
    with sqlite_db.session() as s:
        cat = factories.category(s, name=f"电热水壶{uid}")
        cat.name_en = f"Electric kettles {uid}"
        sig = Signal(fingerprint=f"cusum|{uid}|2026-11", kind="rate", method="cusum",
                     series_key=f"cat:{cat.id}|reg:330000", series_label=f"电热水壶{uid} · 浙江省", period="2026-11",
                     observed=0.2, expected=0.05, status="open", evidence={})
        s.add(sig)
        s.flush()
        _scan(s, cat.id)
        sid = sig.id
    web_login(client, sqlite_db, "regulator")
    en = client.get("/console/risk?lang=en").text
    assert f"Electric kettles {uid}" in en and "Zhejiang" in en  # the heatmap's row and column, by their codes
    assert f"Trend: Electric kettles {uid} · Zhejiang" in en
    assert "不合格率热力图" not in en and "趋势：" not in en and "浙江省" not in en
    signals_en = client.get("/console/risk/signals?lang=en").text
    assert "Binomial LLR CUSUM" in signals_en and f"Electric kettles {uid} · Zhejiang" in signals_en
    assert "Laney p′ 图" not in signals_en and "二项" not in signals_en  # the PPV table's methods too
    zh = client.get("/console/risk/signals?lang=zh_CN").text
    assert "二项对数似然比 CUSUM" in zh and "LLR" not in " ".join(_visible(zh))
    detail = client.get(f"/console/risk/signals/{sid}?lang=zh_CN").text
    assert "二项对数似然比 CUSUM" in detail and f"电热水壶{uid} · 浙江省" in detail


def test_assessment_pages_read_in_one_language(client, sqlite_db):
    with sqlite_db.session() as s:
        a = service.create_assessment(s, SYSTEM, AssessmentIn(
            product="积木玩具", hazard="窒息", presumed_serious=[],
            scenarios=[{"description": "小部件脱落后被儿童吞入", "consumer": "very_vulnerable", "severity": 4,
                        "steps": [{"description": "小部件脱落", "probability": "1/10"},
                                  {"description": "吞入", "probability": "1/100"}]}]))
        aid = a.id
    web_login(client, sqlite_db, "regulator")
    en = client.get(f"/console/risk/assessments/{aid}?lang=en").text
    assert 'Injury scenario 1: <span lang="zh-CN">小部件脱落后被儿童吞入</span>' in en
    english = " ".join(t for t in _visible(en) if not CJK.search(t))
    assert not re.search(r"[：（）；]", english), english  # English punctuation on the English page
    zh = client.get(f"/console/risk/assessments/{aid}?lang=zh_CN").text
    assert "（serious）" not in zh and "（high）" not in zh
    assert '<span lang="en">EU 2019/417 / 2024/3173 Annex II</span>' in zh
    form = client.get("/console/risk/assess?lang=zh_CN").text
    assert ('按欧盟 <span lang="en">Safety Gate</span> 风险评估方法（<span lang="en">(EU) 2019/417</span>，'
            '<span lang="en">(EU) 2024/3173</span> 附件二沿用）') in form
    assert "REACH 法规附件十七限制物质" in form and "XVII" not in form
    settings = client.get("/console/risk/settings?lang=zh_CN").text
    assert "通过 API <code>PUT /api/v1/risk/series-configs</code> 设置。" in settings


def test_public_alert_free_text_is_marked_with_its_language(client, sqlite_db):
    uid = factories.uid()
    with sqlite_db.session() as s:
        a = service.create_assessment(s, SYSTEM, AssessmentIn(
            product=f"积木玩具{uid}", hazard="窒息", presumed_serious=["small_parts_children_under_36_months"],
            scenarios=[{"description": "小部件被吞入", "consumer": "very_vulnerable", "severity": 4,
                        "steps": [{"description": "吞入", "probability": "1/10"}]}]))
        alert = service.create_alert(s, SYSTEM, AlertIn(
            title=f"积木玩具{uid}存在小部件窒息风险", risk_level="serious", assessment_id=a.id,
            fields={"product": f"积木玩具{uid}", "hazard": "窒息", "measures_by": "生产企业（自愿召回）",
                    "risk_description": "积木小部件易脱落。", "measures": ["recall"]},
            public_fields=["product", "hazard", "measures_by", "risk_description", "measures"]))
        service.publish_alert(s, SYSTEM, alert.id)
        ref = alert.ref
    page = client.get(f"/risk/alerts/{ref}?lang=en").text
    assert '<dd><span lang="zh-CN">生产企业（自愿召回）</span></dd>' in page
    assert '<dd><span lang="zh-CN">积木小部件易脱落。</span></dd>' in page
    assert not [t for t in _visible(page) if CJK.search(t)]  # every Chinese text is marked as Chinese
    listed = client.get("/risk/alerts?lang=en").text
    assert f'<span lang="zh-CN">积木玩具{uid}</span> · <span lang="zh-CN">窒息</span>' in listed
