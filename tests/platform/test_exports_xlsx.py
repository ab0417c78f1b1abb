"""Exports people open in Excel (issue 21, item 5 / finding 14: "no column widths, frozen header or autofilter;
dates stored as text; sheets named 'Sheet1'"). Every export goes through `platform.exports.write`; these tests open
the produced .xlsx with openpyxl and check the layout, the cell types and the formula guard, and the CSV's BOM.

On the old code `web.export.write_xlsx` wrote a sheet "Sheet1" without freeze_panes, auto_filter, widths or a title
row, and the spot-check workbook wrote 生产日期 as text — the assertions on those fail there."""

from __future__ import annotations

import datetime as dt
import decimal
import io
from types import SimpleNamespace

from openpyxl import load_workbook
from typer.testing import CliRunner

from tests import factories
from zhijian.platform import exports
from zhijian.platform.auth import SYSTEM
from zhijian.platform.cli import app as cli_app
from zhijian.platform.db import get_database
from zhijian.platform.tabular import read_rows
from zhijian.web.export import write_xlsx

BEIJING_NOON = dt.datetime(2026, 3, 15, 4, 0, tzinfo=dt.UTC)  # 12:00 北京时间 on 3·15


def _sheet() -> exports.Sheet:
    rows = [
        [1, "宁波市电器有限公司", '=HYPERLINK("http://evil","点我")', dt.date(2026, 3, 15), BEIJING_NOON, "2026-03-01",
         decimal.Decimal("12.50"), "06901234567892"],
        [2, "杭州乳业", "-5", dt.date(2026, 9, 1), None, "2026年9月1日", "3", "00012345678905"],
    ]
    cols = [exports.Column("序号", "int"), "企业名称", "备注", "抽样日期", "登记时间", exports.Column("生产日期", "date"),
            exports.Column("实测值", "number", number_format="0.00"), exports.Column("GTIN", "text")]
    return exports.Sheet("产品/列表[1]", cols, rows, title="产品质量监督抽查 产品清单",
                         filters={"关键词": "电器", "类别": "", "地区": "浙江省"})


def test_xlsx_layout_types_and_guard():
    data = exports.to_bytes(_sheet(), exported_at=dt.datetime(2026, 12, 2, 14, 30, tzinfo=dt.UTC))
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["产品_列表_1_"]  # a Chinese name, made valid ([]:*?/\ are not allowed in Excel)
    ws = wb.active
    # the title block: title, the filter that produced the export (blank filters left out), the export time
    assert ws["A1"].value == "产品质量监督抽查 产品清单" and ws["A1"].font.b and ws["A1"].font.sz == 14
    assert ws["A2"].value == "筛选条件：关键词＝电器；地区＝浙江省"
    assert ws["A3"].value == "导出时间：2026-12-02 22:30（北京时间）"
    assert {str(r) for r in ws.merged_cells.ranges} == {"A1:H1", "A2:H2", "A3:H3"}
    # the header on row 4: bold, frozen with the rows above it, autofilter over header and data, printed on each page
    assert [c.value for c in ws[4]] == ["序号", "企业名称", "备注", "抽样日期", "登记时间", "生产日期", "实测值", "GTIN"]
    assert all(c.font.b for c in ws[4])
    assert ws.freeze_panes == "A5"
    assert ws.auto_filter.ref == "A4:H6"
    assert ws.print_title_rows == "$4:$4"
    # widths: 宁波市电器有限公司 is 9 wide characters = 18 units, +2 padding; narrow columns at least 6
    widths = {k: v.width for k, v in ws.column_dimensions.items()}
    assert widths["B"] == 20 and widths["A"] == 6 and widths["D"] == 12 and widths["E"] == 18
    r5 = {c.column_letter: c for c in ws[5]}
    assert r5["A"].value == 1 and r5["A"].data_type == "n"
    assert r5["C"].data_type == "s" and r5["C"].value == '\'=HYPERLINK("http://evil","点我")'  # text, not a formula
    assert r5["D"].is_date and r5["D"].number_format == "yyyy-mm-dd" and r5["D"].value.date() == dt.date(2026, 3, 15)
    assert r5["E"].is_date and r5["E"].number_format == "yyyy-mm-dd hh:mm"
    assert r5["E"].value == dt.datetime(2026, 3, 15, 12, 0)  # aware UTC 04:00 written as 北京时间 12:00
    assert r5["F"].is_date and r5["F"].value.date() == dt.date(2026, 3, 1)  # a date column: text dates become dates
    assert r5["G"].data_type == "n" and r5["G"].value == 12.5 and r5["G"].number_format == "0.00"
    assert r5["H"].data_type == "s" and r5["H"].value == "06901234567892"  # codes keep their leading zero
    r6 = {c.column_letter: c for c in ws[6]}
    assert r6["C"].value == "-5" and r6["F"].value.date() == dt.date(2026, 9, 1) and r6["G"].value == 3.0
    assert r6["E"].value is None


def test_csv_has_bom_crlf_and_the_same_guard():
    raw = exports.to_bytes(_sheet(), "csv")
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Chinese Excel and WPS read the file as UTF-8
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert lines[0] == "序号,企业名称,备注,抽样日期,登记时间,生产日期,实测值,GTIN"  # CSV is data only: header first
    assert lines[1] == ('1,宁波市电器有限公司,"\'=HYPERLINK(""http://evil"",""点我"")",2026-03-15,2026-03-15 12:00:00,'
                        '2026-03-01,12.5,06901234567892')


def test_sheet_names_filters_and_several_sheets():
    assert exports.sheet_name("x" * 40) == "x" * 31
    assert exports.sheet_name("汇总", ["汇总"]) == "汇总(2)"
    assert exports.sheet_name("  ") == "数据" and exports.sheet_name("History") == "History_"
    assert exports.filter_text({"关键词": None, "类型": ""}) == "筛选条件：全部（未筛选）"
    assert exports.filter_text([("Keyword", "kettle")], "en") == "Filter: Keyword = kettle"
    data = exports.to_bytes([exports.Sheet("汇总", ["项目", "数值"], [["批次", 3]]),
                             exports.Sheet("汇总", ["项目", "数值"], [["批次", 4]])])
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["汇总", "汇总(2)"] and wb["汇总(2)"]["B5"].value == 4
    assert wb["汇总"]["A1"].value == "汇总"  # no title given: the sheet's name


def test_web_export_is_no_longer_sheet1():
    buf = io.BytesIO()
    write_xlsx(buf, ["ID", "名称"], [[1, "电热水壶"]], "产品", title="产品", filters={"关键词": "壶"})
    ws = load_workbook(io.BytesIO(buf.getvalue())).active
    assert ws.title == "产品" and ws.freeze_panes == "A5" and ws.auto_filter.ref == "A4:B5"
    assert ws["A2"].value == "筛选条件：关键词＝壶"


def test_spotcheck_results_workbook():
    from zhijian.spotcheck import reports

    plan = SimpleNamespace(title="2026年浙江省液体乳产品质量监督抽查", year=2026)
    stats = {"enterprises": 12, "batches_tested": 40, "batches_failing": 3, "nonconformity_rate": 7.5, "refusals": 1,
             "by_category": [{"category": "液体乳", "batches": 40, "failing": 3, "rate": 7.5}],
             "by_region": [{"region": "杭州市", "batches": 10, "failing": 1, "rate": 10.0}],
             "failing_items": [{"item": "菌落总数", "batches": 2}]}
    noncon = [{"enterprise": "某乳业有限公司", "region_code": "330100", "product": "纯牛奶", "brand": "某", "model": "250mL",
               "production_date": "2026-05-06", "lot": "0506A", "failing_items": ["菌落总数"], "safety_failure": True,
               "lab": "浙江省食品药品检验研究院", "report_no": "SP2026-001", "retested": False}]
    wb = load_workbook(io.BytesIO(reports.plan_xlsx(plan, stats, noncon)))
    assert wb.sheetnames == ["汇总", "按产品类别", "按地区", "不合格项目", "不合格产品名单"]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A5" and ws.auto_filter.ref.startswith("A4:")
        assert ws["A1"].value.startswith(plan.title) and ws["A2"].value == f"筛选条件：抽查计划＝{plan.title}；年度＝2026"
    ws = wb["不合格产品名单"]
    row = {h.value: c for h, c in zip(ws[4], ws[5], strict=True)}
    assert row["生产日期"].is_date and row["生产日期"].value.date() == dt.date(2026, 5, 6)  # was the text "2026-05-06"
    assert row["地区代码"].value == "330100" and row["序号"].value == 1
    assert wb["按产品类别"]["D5"].value == 7.5 and wb["按产品类别"]["D5"].number_format == "0.00"


def test_stable_announcement_workbook():
    from zhijian.stable import documents

    doc = documents.AnnouncementDoc(
        label="2026年第1号", kind="listing", title="稳定合格产品名单公告", body="", published_on=dt.date(2026, 3, 15),
        valid_from=dt.date(2026, 3, 15), valid_until=dt.date(2029, 3, 14),
        rows=(documents.Row("WDHG-2026-0001", "宁波某电器有限公司", "电热水壶", "某", "SWF-17", "家用电器", "连续三年监督抽查合格"),))
    ws = load_workbook(io.BytesIO(documents.announcement_xlsx(doc))).active
    assert ws.title == "2026年第1号" and "2026年第1号" in ws["A1"].value
    assert ws["A2"].value == "筛选条件：公告＝2026年第1号；有效期＝2026-03-15 至 2029-03-14"
    assert ws.freeze_panes == "A5" and ws.auto_filter.ref == "A4:I5"
    assert ws.column_dimensions["C"].width == 36 and ws["B5"].value == "WDHG-2026-0001"


def test_cli_product_export_layout_and_round_trip(sqlite_db, monkeypatch, tmp_path):
    """`zhijian products export` writes the exports layout and the file imports again (the importer skips the title
    block above the header)."""
    monkeypatch.setenv("ZHIJIAN_DATABASE_URL", sqlite_db.url)
    get_database.cache_clear()
    try:
        uid = factories.uid()
        with sqlite_db.session(SYSTEM) as s:
            factories.product(s, name=f"电热水壶{uid}")
        out = tmp_path / "p.xlsx"
        r = CliRunner().invoke(cli_app, ["products", "export", "--out", str(out), "--q", uid])
        assert r.exit_code == 0, r.output
    finally:
        get_database.cache_clear()
    ws = load_workbook(out).active
    assert ws.title == "产品" and ws["A1"].value == "产品清单" and ws["A2"].value == f"筛选条件：关键词＝{uid}"
    assert ws.freeze_panes == "A5" and ws.auto_filter.ref == "A4:F5"
    rows = list(read_rows(out, required=("产品名称", "品牌", "型号规格", "类别代码", "企业统一社会信用代码")))
    assert [(n, d["产品名称"]) for n, d in rows] == [(5, f"电热水壶{uid}")]
