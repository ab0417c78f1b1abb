"""Issue #21 on the spot-check console pages (through the real app, login cookie and CSRF; SQLite, as nothing
here depends on the backend):

- finding 9: a rule refusal returns to the page with the message at the form and what was typed kept — a lab
  inspector verifying the results they entered themselves (审核须另一名检验人员), publishing a plan whose batches
  are not final, a draw with a bad seed — instead of a dead-end error page;
- finding 3: the plan form pre-selects no standard and offers each standard under its own category; a lab whose
  plan lists no test items is offered the result import on the results page;
- finding 11: 未检出 is shown with its LOD, and a value typed in g/kg under the standard's mg/kg shows the
  converted value.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests import factories
from tests.spotcheck.test_pages import TOKEN, _login
from tests.spotcheck.test_results_form import _form, _soy_world, _user
from zhijian.platform.app import create_app
from zhijian.spotcheck.models import Batch, Verification


@pytest.fixture
def client(sqlite_db, settings) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(sqlite_db, dataclasses.replace(settings, public_rate_limit=0))) as c:
        yield c


def _text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_self_verification_refused_on_the_batch_page(client, sqlite_db):
    with sqlite_db.session() as s:
        w = _soy_world(s)
        lab = _user(s, "inspector", w.lab_a)
    bid = w.batches[0]
    token = _login(client, lab)
    r = client.post(f"/console/spotcheck/batches/{bid}/results", data=_form(token, w.indicator_ids),
                    follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    page = client.get(f"/console/spotcheck/batches/{bid}").text
    r = client.post(f"/console/spotcheck/batches/{bid}/action", data={"csrf_token": TOKEN.search(page).group(1),
                                                                      "action": "verify"})
    assert r.status_code == 409
    assert "<h1>特级酿造酱油" in r.text  # the batch page itself, with its items and buttons
    err = re.search(r'<p class="field-error" id="action-verify-error">([^<]+)</p>', r.text)
    assert err and err.group(1) == "录入人不能审核自己录入的结果（需要另一名检验人员）"
    assert 'href="#action-verify"' in r.text and 'id="action-verify"' in r.text
    with sqlite_db.session() as s:
        assert s.get(Batch, bid).state == "tested"  # still waiting for a second inspector
        assert s.scalars(select(Verification).where(Verification.batch_id == bid)).all() == []


def test_publish_with_unfinished_batches_stays_on_the_plan(client, sqlite_db):
    with sqlite_db.session() as s:
        w = _soy_world(s)
        plan_id = s.get(Batch, w.batches[0]).plan_id
        reg = factories.user(s, "regulator", s.get(factories.Organization, w.regulator.organization_id)).username
    token = _login(client, reg)
    r = client.post(f"/console/spotcheck/plans/{plan_id}/publish", data={"csrf_token": token, "confirmed": "1"})
    assert r.status_code == 409
    assert 'id="publish"' in r.text and 'role="alert"' in r.text
    assert "还有 1 个批次结果未确定，不能公布" in _text(r.text)
    assert "简单接受" in _text(r.text) and "simple" not in _text(r.text)  # finding 8: the rule by its name
    # a bad seed on the draw form: the message at the field, the seed typed kept
    r = client.post(f"/console/spotcheck/plans/{plan_id}/draw", data={"csrf_token": token, "seed": "-7"})
    assert r.status_code == 422 and "<h1>2026年浙江省酱油产品质量监督抽查</h1>" in r.text
    assert "随机种子须为非负整数" in _text(r.text)


def test_not_detected_with_lod_and_converted_values_on_the_batch_page(client, sqlite_db):
    """GB 5009.12 铅 未检出 with LOD 0.02 mg/kg; 总砷 typed as 0.00002 g/kg under the standard's mg/kg
    (1 g/kg = 1000 mg/kg → 0.02 mg/kg); 氨基酸态氮 0.65 ± 0.03 g/100mL as typed."""
    with sqlite_db.session() as s:
        w = _soy_world(s)
        lab = _user(s, "inspector", w.lab_a)
    bid = w.batches[0]
    token = _login(client, lab)
    r = client.post(f"/console/spotcheck/batches/{bid}/results", follow_redirects=False,
                    data=_form(token, w.indicator_ids, value_1="0.00002", unit_1="g/kg"))
    assert r.status_code == 303, r.text[:300]
    page = client.get(f"/console/spotcheck/batches/{bid}").text
    rows = {re.sub(r"<[^>]+>", "", m.group(1)).strip(): _text(m.group(0))
            for m in re.finditer(r"<tr><td>初检</td><td>(.*?)</td>.*?</tr>", page, re.S)}
    assert "未检出（检出限 0.02 mg/kg）" in rows["铅(以Pb计) 安全"]
    assert "0.02（录入值 0.00002 g/kg）" in rows["总砷(以As计) 安全"] and " mg/kg " in rows["总砷(以As计) 安全"]
    assert "0.65 ± 0.03" in rows["氨基酸态氮"]
    en = client.get(f"/console/spotcheck/batches/{bid}?lang=en").text
    assert "Not detected (LOD 0.02 mg/kg)" in _text(en) and "(entered 0.00002 g/kg)" in _text(en)


def test_plan_form_groups_standards_by_category_and_refuses_an_unrelated_one(client, sqlite_db):
    """GB 19645 巴氏杀菌乳 belongs to 液体乳; GB 10765 婴儿配方食品 to 婴幼儿配方食品 — offered under their own
    categories, nothing pre-selected, and GB 10765 chosen for 液体乳 is refused at that row."""
    from tests.spotcheck.test_pages import _plan_form

    uid = factories.uid()
    with sqlite_db.session() as s:
        dairy = factories.category(s, name=f"乳制品{uid}")
        milk = factories.category(s, name=f"液体乳{uid}", parent=dairy)
        infant = factories.category(s, name=f"婴幼儿配方食品{uid}")
        own = factories.standard(s, code=f"GB 19645-{uid}", title="巴氏杀菌乳", category_id=milk.id)
        other = factories.standard(s, code=f"GB 10765-{uid}", title="婴儿配方食品", category_id=infant.id)
        lab = factories.lab(s, region="330100")
        reg = factories.user(s, "regulator", factories.regulator(s, region="330000")).username
    token = _login(client, reg)
    form = client.get("/console/spotcheck/plans/new").text
    select_0 = re.search(r'<select id="std_0".*?</select>', form, re.S).group(0)
    assert " selected" not in select_0
    groups = dict(re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', select_0, re.S))
    assert f'value="{own.id}"' in groups[f"液体乳{uid}"] and f'value="{other.id}"' in groups[f"婴幼儿配方食品{uid}"]
    # finding 13: the category select is the tree (a child under its parent), not a code-point list
    cats = re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', re.search(r'<select id="cat_0".*?</select>',
                                                                               form, re.S).group(0))
    at = [v for v, _label in cats].index(str(dairy.id))
    assert cats[at + 1] == (str(milk.id), f"— 液体乳{uid}")
    w = type("W", (), {"category_id": milk.id, "standard_id": other.id, "lab_a": lab.id})
    r = client.post("/console/spotcheck/plans/new", data={"csrf_token": token, **_plan_form(w, uid)})
    assert r.status_code == 422
    err = re.search(r'<p class="field-error" id="std_0-error">([^<]+)</p>', r.text)
    assert err and html.unescape(err.group(1)) == f"GB 10765-{uid} 不适用于所选类别，请选择该类别的标准"
    assert re.search(rf'<option value="{other.id}" selected>', r.text)  # the choice kept to correct it
    # the category's own standard, or one of its parent category, is accepted
    w.standard_id = own.id
    r = client.post("/console/spotcheck/plans/new", data={"csrf_token": token, **_plan_form(w, uid)},
                    follow_redirects=False)
    assert r.status_code == 303, r.text[:300]


def test_results_page_offers_the_import_when_the_plan_lists_no_items(client, sqlite_db):
    import datetime as dt

    from tests.spotcheck.scenario import sampling
    from zhijian.spotcheck import service
    from zhijian.spotcheck.schemas import PlanCategoryIn, PlanIn

    with sqlite_db.session() as s:
        reg = factories.regulator(s, region="330000")
        lab = factories.lab(s, region="330100")
        cat = factories.category(s)
        factories.product(s, factories.enterprise(s, region="330106"), cat, name="电热水壶")
        from zhijian.platform.auth import Actor

        regulator = Actor(None, f"regulator_{factories.uid()}", "regulator", reg.id)
        inspector = Actor(None, f"inspector_{factories.uid()}", "inspector", lab.id)
        plan = service.create_plan(s, regulator, PlanIn(
            code=f"K-{factories.uid()}", title="电热水壶监督抽查", year=2026, level="provincial",
            period_start=dt.date(2026, 3, 1), period_end=dt.date(2026, 10, 31),
            categories=[PlanCategoryIn(category_id=cat.id, standard_ids=[], target_batches=1)], lab_ids=[lab.id]))
        service.draw_plan(s, regulator, plan.id, seed=1)
        bid = service.list_batches(s, regulator, plan_id=plan.id)[0].id
        service.record_sampling(s, inspector, bid, sampling())
        service.receive_sample(s, inspector, bid)
        lab_user = _user(s, "inspector", lab.id)
    _login(client, lab_user)
    page = client.get(f"/console/spotcheck/batches/{bid}/results").text
    assert "计划未列出该类别的检验项目，请通过文件导入录入结果" in page
    form = re.search(r'<form method="post" action="/console/spotcheck/import" enctype="multipart/form-data">.*?</form>',
                     page, re.S)
    assert form and f'name="batch_id" value="{bid}"' in form.group(0) and 'type="file"' in form.group(0)
