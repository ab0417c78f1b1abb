"""Reading lab result files (pure: no database): Excel as Excel/WPS write it, CSV in UTF-8 and GB18030."""

from __future__ import annotations

import io
import zipfile

import pytest

from zhijian.platform.errors import DomainError
from zhijian.spotcheck.service import parse_result_file, read_table

_SHEET = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
          '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:F3"/><sheetData>'
          '<row r="1" spans="1:6"><c r="A1" s="1" t="s"><v>0</v></c><c r="B1" s="1" t="s"><v>1</v></c>'
          '<c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>4</v></c><c r="F1" t="s"><v>5</v></c></row>'
          '<row r="2"><c r="A2" t="s"><v>6</v></c><c r="B2" t="s"><v>7</v></c><c r="C2" t="s"><v>8</v></c>'
          '<c r="D2" t="s"><v>9</v></c><c r="E2"><v>0.52</v></c><c r="F2" t="s"><v>10</v></c></row>'
          '<row r="3"/>'
          '<row r="5"><c r="A5" t="s"><v>6</v></c><c r="B5" t="s"><v>11</v></c><c r="D5" t="str"><v>≥2.9</v></c>'
          '<c r="E5"><v>3</v></c></row>'
          '</sheetData></worksheet>')
_STRINGS = ["抽样单编号", "检验项目", "单位", "标准要求", "实测值", "单项判定", "S-0001", "铅(以Pb计)", "mg/kg", "≤0.5",
            "不合格", "蛋白质"]


def _xlsx() -> bytes:
    sst = "".join(f"<si><t>{s}</t></si>" if i != 1 else '<si><r><t>检验</t></r><r><t xml:space="preserve">项目</t></r>'
                  '<rPh sb="0" eb="2"><t>ケンサ</t></rPh></si>' for i, s in enumerate(_STRINGS))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/workbook.xml", '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                   'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
                   '<sheet name="结果" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
        z.writestr("xl/sharedStrings.xml", '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                   f"{sst}</sst>")
        z.writestr("xl/worksheets/sheet1.xml", _SHEET)
    return buf.getvalue()


def test_excel_with_shared_strings_and_rich_text():
    rows = list(read_table(_xlsx(), "r.xlsx"))
    assert rows[0] == (1, ["抽样单编号", "检验项目", "单位", "标准要求", "实测值", "单项判定"])  # rich text, ruby dropped
    assert rows[1] == (2, ["S-0001", "铅(以Pb计)", "mg/kg", "≤0.5", 0.52, "不合格"])
    assert rows[-1] == (5, ["S-0001", "蛋白质", None, "≥2.9", 3])
    groups = parse_result_file(_xlsx(), "r.xlsx")
    assert [(r, rec["name"], rec["value"]) for r, rec in groups["S-0001"]] == [(2, "铅(以Pb计)", "0.52"), (5, "蛋白质", "3")]


def test_csv_gb18030_and_errors():
    text = "检验项目,单位,标准要求,检验结果,单项判定\n铅,mg/kg,≤0.5,0.1,合格\n"
    groups = parse_result_file(text.encode("gb18030"), "r.csv", default_sample_no="S-1")
    assert groups["S-1"][0][1]["name"] == "铅"
    with pytest.raises(DomainError) as e:
        parse_result_file("检验项目,单位\n铅,mg/kg\n".encode(), "r.csv", default_sample_no="S-1")
    assert e.value.code == "spotcheck.import_columns" and "标准要求" in e.value.message_zh
    with pytest.raises(DomainError) as e:
        parse_result_file((text + "镉,mg/kg,≤0.2,0.1,大概合格\n").encode(), "r.csv", default_sample_no="S-1")
    assert (e.value.extra["row"], e.value.extra["column"]) == (3, "单项判定")
    with pytest.raises(DomainError) as e:
        parse_result_file(b"not a zip", "r.xlsx", default_sample_no="S-1")
    assert e.value.code == "spotcheck.bad_file"
