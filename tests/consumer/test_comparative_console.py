"""比较试验 console form through the real app on every database: items with weights and directions, the
results table typed or uploaded, the ranking the report computes, field errors in place with nothing stored,
roles refused, English; and the same results-table parser behind `zhijian comparative import`."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.web.test_pages import csrf, web_login
from zhijian.consumer import rules, service
from zhijian.consumer.models import ComparativeSample, ComparativeTest
from zhijian.platform.auth import SYSTEM
from zhijian.platform.errors import DomainError

# 3 electric kettles: 烧水时间 (min, lower is better, weight 40) and 能效 (%, higher is better, weight 60, ≥ 86)
KETTLES = [("天工", "TG-17A", 5.2, 88.0), ("美家", "MK-1701", 4.8, 85.0), ("润泽", "RZ-17Q", 6.0, 90.0)]
RESULTS = "品牌\t型号\t烧水时间(min)\t能效(%)\n" + "\n".join(f"{b}\t{m}\t{t:g}\t{e:g}" for b, m, t, e in KETTLES)


def _form(token: str, title: str, **changes: str) -> dict[str, str]:
    data = {"csrf_token": token, "title": title, "product_type": "电热水壶（1.5–1.8 L）", "organizer": "中国质量检验协会",
            "lab_name": "浙江省产品质量安全科学研究院", "tested_on": "2025-05-20", "method": "1 L 水由 20 ℃ 加热至沸腾",
            "item-0-name": "烧水时间", "item-0-unit": "min", "item-0-weight": "40", "item-0-direction": "lower",
            "item-1-name": "能效", "item-1-unit": "%", "item-1-weight": "60", "item-1-direction": "higher",
            "item-1-req_kind": "min", "item-1-lower": "86", "results": RESULTS}
    return data | changes


def _count(db, title: str) -> int:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(ComparativeTest).where(ComparativeTest.title == title)) or 0


def test_form_creates_test_ranks_it_and_publishing_shows_it(client, db):
    web_login(client, db, "association")
    listing = client.get("/console/comparative").text
    assert 'href="/console/comparative/new"' in listing and "新建比较试验" in listing
    title = f"电热水壶比较试验 {factories.uid()}"
    r = client.post("/console/comparative/new", data=_form(csrf(client, "/console/comparative/new"), title),
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    with db.session() as s:
        t = s.scalar(select(ComparativeTest).where(ComparativeTest.title == title))
        assert t is not None and t.status == "draft" and str(t.tested_on) == "2025-05-20"
        tid = t.id
        assert [(i["key"], i["name"], i["unit"], i["weight"], i["higher_is_better"]) for i in t.items] == [
            ("i1", "烧水时间", "min", 40.0, False), ("i2", "能效", "%", 60.0, True)]
        assert t.items[1]["requirement"]["kind"] == "min" and t.items[1]["requirement"]["lower"] == 86.0
        samples = list(s.scalars(select(ComparativeSample).where(ComparativeSample.test_id == tid)
                                 .order_by(ComparativeSample.position)))
        assert [(x.brand, x.model, x.results) for x in samples] == [
            ("天工", "TG-17A", {"i1": 5.2, "i2": 88.0}), ("美家", "MK-1701", {"i1": 4.8, "i2": 85.0}),
            ("润泽", "RZ-17Q", {"i1": 6.0, "i2": 90.0})]
        rep = service.comparative_report(s, SYSTEM, tid)
    assert r.headers["location"] == f"/console/comparative?created={tid}"
    assert title in client.get(r.headers["location"]).text
    # 烧水时间 (lower better, 4.8–6.0): 天工 (6.0−5.2)/1.2 = 66.67, 美家 100, 润泽 0;
    # 能效 (85–90): 天工 60, 美家 0, 润泽 100; overall (40·s₁ + 60·s₂)/100
    by = {x["brand"]: x for x in rep["rows"] + rep["failing"]}
    assert by["天工"]["scores"] == {"i1": 66.67, "i2": 60.0}
    assert [(x["brand"], x["overall"], x["rank"]) for x in rep["rows"]] == [("天工", 62.67, 1), ("润泽", 60.0, 2)]
    assert [(x["brand"], x["rank"]) for x in rep["failing"]] == [("美家", 3)]  # fails 能效: listed apart
    assert by["美家"]["failures"] == ["能效"] and by["天工"]["failures"] == []
    assert [i["weight_pct"] for i in rep["items"]] == [40.0, 60.0]

    client.cookies.clear()
    assert client.get(f"/comparative/{tid}").status_code == 404  # a draft is not public
    web_login(client, db, "regulator")
    r = client.post(f"/console/comparative/{tid}/publish",
                    data={"csrf_token": csrf(client, "/console/comparative"), "confirmed": "1"}, follow_redirects=False)
    assert r.status_code == 303
    client.cookies.clear()
    page = client.get(f"/comparative/{tid}")
    assert page.status_code == 200 and title in page.text and "62.7" in page.text and "烧水时间" in page.text


def test_uploaded_xlsx_results_table(client, db):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["品牌", "型号", "价格(元)", "烧水时间", "能效"])
    for b, m, t, e in KETTLES:
        ws.append([b, m, 199, t, e])
    buf = io.BytesIO()
    wb.save(buf)
    web_login(client, db, "regulator")
    title = f"电热水壶比较试验 {factories.uid()}"
    data = _form(csrf(client, "/console/comparative/new"), title, results="")
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    r = client.post("/console/comparative/new", data=data, files={"results_file": ("kettles.xlsx", buf.getvalue(), xlsx)},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    with db.session() as s:
        tid = s.scalar(select(ComparativeTest.id).where(ComparativeTest.title == title))
        rep = service.comparative_report(s, SYSTEM, tid)
    assert [(x["label"], x["overall"], x["price"]) for x in rep["rows"] + rep["failing"]] == [
        ("天工 TG-17A", 62.67, 199.0), ("润泽 RZ-17Q", 60.0, 199.0), ("美家 MK-1701", 40.0, 199.0)]
    # a file that is not a table is refused at the upload field, and the typed items stay
    r = client.post("/console/comparative/new", data=data, files={"results_file": ("kettles.txt", b"x", "text/plain")})
    assert r.status_code == 422 and 'id="results_file-error"' in r.text and 'value="烧水时间"' in r.text


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"results": RESULTS.replace("\t6\t90", "\t\t90")}, "results", "第 4 行「烧水时间(min)」缺少结果"),
    ({"results": RESULTS.replace("5.2", "五点二")}, "results", "应为数字"),
    ({"results": RESULTS.replace("能效(%)", "噪声")}, "results", "列「噪声」不是已定义的检测项目"),
    ({"results": RESULTS.split("\n", 2)[0] + "\n" + RESULTS.split("\n")[1]}, "results", "至少需要两个样品"),
    ({"item-1-weight": "-5"}, "item-1-weight", "权重不能为负数"),
    ({"item-1-weight": "六十"}, "item-1-weight", "请输入数字"),
    ({"item-0-weight": ""}, "item-0-weight", "此项必填"),
    ({"item-0-weight": "0", "item-1-weight": "0"}, "items", "权重须非负且总和大于 0"),
    ({"item-0-direction": ""}, "item-0-direction", "请选择一项"),
    ({"item-1-lower": ""}, "item-1-lower", "此项必填"),
    ({"title": ""}, "title", "此项必填"),
])
def test_bad_form_is_refused_in_place_and_nothing_stored(client, db, changes, field, message):
    web_login(client, db, "association")
    title = f"电热水壶比较试验 {factories.uid()}"
    data = _form(csrf(client, "/console/comparative/new"), title) | changes
    r = client.post("/console/comparative/new", data=data)
    assert r.status_code == 422
    assert f'id="{field}-error"' in r.text and message in r.text, r.text
    assert "天工" in r.text and 'value="烧水时间"' in r.text  # what was entered stays in the form
    assert _count(db, data["title"] or title) == 0


def test_enterprise_may_not_create(client, db):
    with db.session(SYSTEM) as s:
        ent = factories.enterprise(s)
    web_login(client, db, "enterprise", ent)
    assert client.get("/console/comparative/new").status_code == 403
    title = f"电热水壶比较试验 {factories.uid()}"
    r = client.post("/console/comparative/new", data=_form(csrf(client, "/console/declarations/new"), title))
    assert r.status_code == 403 and _count(db, title) == 0


def test_english_form_and_errors(client, db):
    web_login(client, db, "regulator")
    page = client.get("/console/comparative/new?lang=en")
    assert page.status_code == 200
    assert "New comparative test" in page.text and "Items and weights" in page.text and "Save as draft" in page.text
    assert "新建比较试验" not in page.text and "结果表" not in page.text
    assert "New comparative test" in client.get("/console/comparative?lang=en").text
    r = client.post("/console/comparative/new?lang=en", data=_form(
        csrf(client, "/console/comparative/new"), "x" + factories.uid(), results=RESULTS.replace("\t6\t90", "\t\t90"),
        **{"item-0-weight": "-1"}))
    assert r.status_code == 422
    assert "row 4, column &#39;烧水时间(min)&#39;: result missing" in r.text and "A weight cannot be negative" in r.text


# ---------------------------------------------------------------- the parser alone (pure) and the CLI


ITEMS = [("i1", "烧水时间", "min"), ("i2", "能效", "%")]


def test_results_text_separators_and_not_tested():
    comma = "品牌,型号,烧水时间,能效\n天工,TG-17A,5.2,88\n美家,MK-1701,—,85\n"
    fullwidth = "品牌，型号，烧水时间/min，能效\n天工，TG-17A，5.2，88\n美家，MK-1701，—，85"
    for text in (comma, fullwidth, RESULTS.replace("4.8", "—")):
        rows = rules.results_table(rules.parse_results_text(text), ITEMS)
        assert [(n, s["brand"], s["results"]) for n, s in rows][:2] == [
            (2, "天工", {"i1": 5.2, "i2": 88.0}), (3, "美家", {"i1": None, "i2": 85.0})]
    table = rules.parse_results_text(RESULTS)
    assert rules.parse_results_text(rules.results_text(table)) == table
    with pytest.raises(DomainError) as e:
        rules.results_table(rules.parse_results_text("品牌,能效\n天工,88\n美家,85"), ITEMS)
    assert e.value.code == "comparative.missing_column" and "烧水时间" in e.value.message_zh
    with pytest.raises(DomainError) as e:
        rules.results_table(rules.parse_results_text("品牌,烧水时间,能效\n天工,5,88\n天工,5,85"), ITEMS)
    assert e.value.code == "comparative.duplicate_sample" and "第 3 行与第 2 行" in e.value.message_zh


def test_cli_import_uses_the_same_parser(sqlite_db, monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from zhijian.platform.cli import app as cli_app
    from zhijian.platform.db import get_database

    monkeypatch.setenv("ZHIJIAN_DATABASE_URL", sqlite_db.url)
    get_database.cache_clear()
    try:
        f = tmp_path / "kettles.csv"
        f.write_text(RESULTS.replace("\t", ","), encoding="utf-8")
        title = f"电热水壶比较试验 {factories.uid()}"
        args = ["comparative", "import", str(f), "--title", title, "--product-type", "电热水壶",
                "--item", "烧水时间:min:40:lower", "--item", "能效:%:60:higher"]
        r = CliRunner().invoke(cli_app, args)
        assert r.exit_code == 0, r.output
        assert "1. 天工 TG-17A 62.7, 2. 润泽 RZ-17Q 60.0, 3. 美家 MK-1701 40.0" in r.output
        f.write_text(RESULTS.replace("\t", ",").replace(",6,90", ",,90"), encoding="utf-8")
        r = CliRunner().invoke(cli_app, args[:4] + [title + "2"] + args[5:])
        assert r.exit_code == 2 and "comparative.missing_result" in r.output
        r = CliRunner().invoke(cli_app, args[:-1] + ["能效:%:60"])
        assert r.exit_code == 2 and "cli.bad_item" in r.output
    finally:
        get_database.cache_clear()
