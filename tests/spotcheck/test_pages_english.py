"""Issue #21 finding 8 (every screen in one language): on the English pages of the spot-check console the
sentences the room's rules build — a requirement's parse, an item's judgement explanation (判定依据), a draw
exclusion, the repeat-check rule — are in English; the Chinese pages, the PDF and the API keep the Chinese.

Real app, login cookie, SQLite (nothing here depends on the backend). The limits are the standards' own:
GB 2762-2022 表1 lead (以Pb计) in fish (鱼类) ≤0.5 mg/kg; GB/T 18186-2000 特级酿造酱油 amino-acid nitrogen
≥0.8 g/100mL (the soy world of tests/spotcheck/test_results_form.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests import factories
from tests.spotcheck.test_pages import _login
from tests.spotcheck.test_results_form import SOY, _actor, _form, _soy_world, _user
from zhijian.platform.app import create_app
from zhijian.spotcheck import rules, service
from zhijian.spotcheck.schemas import ConflictIn, PlanCategoryIn, PlanIn

HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def client(sqlite_db, settings) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(sqlite_db, dataclasses.replace(settings, public_rate_limit=0))) as c:
        yield c


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_a_gb2762_lead_limit_parses_in_both_languages() -> None:
    req = rules.parse_requirement("≤0.5", "mg/kg")  # GB 2762-2022 表1: 铅 in 鱼类 0.5 mg/kg
    assert req.parse_zh == "上限 0.5 mg/kg（含限值）；限值末位 0.1"  # unchanged
    assert req.parse_en == "maximum 0.5 mg/kg (limit included); last digit of the limit 0.1"
    assert rules.parse_requirement("应符合第8章的要求", "").parse_en == \
        "manual judgement: by the inspector against chapter 8"


def test_judgement_explanations_in_english_on_the_batch_page(client, sqlite_db):
    with sqlite_db.session() as s:
        w = _soy_world(s)
        lab = _user(s, "inspector", w.lab_a)
    bid = w.batches[0]
    token = _login(client, lab)
    r = client.post(f"/console/spotcheck/batches/{bid}/results", data=_form(token, w.indicator_ids),
                    follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    client.cookies.set("zj_lang", "en")
    text = _text(client.get(f"/console/spotcheck/batches/{bid}").text)
    # 氨基酸态氮 0.65 g/100mL against ≥0.8: 不合格, below the minimum
    assert ("parsed: minimum 0.8 g/100mL (limit included); last digit of the limit 0.1; comparison: full-value "
            "comparison (GB/T 8170-2008 4.3); rounding: not rounded, the full value 0.65 compared") in text
    assert "result: does not conform: below the minimum" in text
    # 铅 未检出 with LOD 0.02 against ≤1.0 mg/kg: 合格
    assert "result: conforms: not detected (below the limit of detection 0.02, not above the limit)" in text
    # 总砷 0.02 against ≤0.5 mg/kg: 合格
    assert "parsed: maximum 0.5 mg/kg (limit included)" in text and "result: conforms: within the limit" in text
    assert "result: conforms: a requirement in words, judged by the inspector: the inspector's verdict conforms" in text
    explained = re.findall(r"How it was judged[^<]*", client.get(f"/console/spotcheck/batches/{bid}").text)
    # only the 色泽 requirement as the standard writes it stays Chinese (it is the standard's text, not ours)
    assert len(explained) == 4 and [e for e in explained if HAN.search(e)] == [
        e for e in explained if "红褐色或浅红褐色" in e]
    client.cookies.set("zj_lang", "zh-CN")
    zh = _text(client.get(f"/console/spotcheck/batches/{bid}").text)
    assert "结果：不合格：低于下限" in zh and "结果：合格：未检出（低于检出限 0.02，不高于限值）" in zh


def test_plan_page_in_english_parse_exclusion_and_repeat_rule(client, sqlite_db):
    with sqlite_db.session() as s:
        reg = factories.regulator(s, region="330000")
        lab = factories.lab(s, region="330100")
        cat = factories.category(s, name=f"酱油{factories.uid()}")
        std = factories.standard(s, indicators=SOY, title="酿造酱油")
        ent = factories.enterprise(s, region="330106")
        factories.product(s, ent, cat, name="特级酿造酱油", brand="海天然", model="500mL")
        regulator = _actor("regulator", reg.id)
        service.add_conflict(s, regulator, ConflictIn(lab_id=lab.id, enterprise_id=ent.id, reason="同一集团"))
        plan = service.create_plan(s, regulator, PlanIn(
            code=f"SOY-{factories.uid()}", title="2026年浙江省酱油产品质量监督抽查", year=2026, level="provincial",
            period_start=dt.date(2026, 3, 1), period_end=dt.date(2026, 10, 31),
            categories=[PlanCategoryIn(category_id=cat.id, standard_ids=[std.id], target_batches=1)],
            lab_ids=[lab.id]))
        d = service.draw_plan(s, regulator, plan.id, seed=2762)
        assert d.result["excluded"][0]["reason"] == "无可回避利害关系的检验机构 / no lab without a conflict"
        user = _user(s, "regulator", reg.id)
        plan_id = plan.id
    _login(client, user)
    client.cookies.set("zj_lang", "en")
    page = client.get(f"/console/spotcheck/plans/{plan_id}").text
    text = _text(page)
    assert "特级酿造酱油: no lab without a conflict" in text  # the product's name is data; the reason and its colon English
    assert "无可回避利害关系的检验机构" not in text
    assert "maximum 1 mg/kg (limit included); last digit of the limit 0.1" in text  # 铅 ≤1.0 mg/kg
    assert "minimum 0.8 g/100mL (limit included)" in text and "上限 1 mg/kg" not in text
    assert "not checked again within 6 months after a higher-level check" in text
    client.cookies.set("zj_lang", "zh-CN")
    zh = _text(client.get(f"/console/spotcheck/plans/{plan_id}").text)
    assert "无可回避利害关系的检验机构" in zh and "no lab without a conflict" not in zh
    assert "上限 1 mg/kg（含限值）；限值末位 0.1" in zh and "个月内不再抽查" in zh
