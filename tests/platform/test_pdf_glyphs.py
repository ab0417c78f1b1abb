"""Every PDF kind embeds its CJK font and draws every character (issue 21, finding 6: "the CJK font is not embedded
and '2.5mm²', '1m³' show as tofu boxes on certificates, announcements and 检验报告").

Each kind is rendered with unit and symbol strings, then read back with pypdf: the text extracts as written, every
font is embedded (FontFile2, a subset) except base-14 fonts drawing ASCII only, and no character of the embedded
subsets maps to .notdef or to an empty outline (checked with fontTools on the embedded font file itself).
On the old code the PDFs used the CID font STSong-Light without a font file: `_fonts_of` finds it unembedded."""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from types import SimpleNamespace

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from zhijian.platform import documents, fonts

SYMBOLS = "截面 2.5mm²，体积 1m³，限量≤0.5 μg/kg，温度 25℃±2℃"
BASE14 = {"Helvetica", "Helvetica-Bold", "Times-Roman", "Courier", "Symbol", "ZapfDingbats"}


def _tounicode(data: bytes) -> dict[int, str]:
    """code → text from a ToUnicode CMap (bfchar and bfrange)."""
    text = data.decode("latin-1")
    out: dict[int, str] = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for src, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            out[int(src, 16)] = bytes.fromhex(dst).decode("utf-16-be")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for lo, hi, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            start = int.from_bytes(bytes.fromhex(dst), "big")
            for k, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                out[code] = chr(start + k)
    return out


def _fonts_of(pdf: bytes) -> dict[str, dict]:
    """Every font of every page: its subtype, whether a font file is embedded, and the characters it draws that
    have no real glyph in that embedded file (.notdef or an empty outline)."""
    reader = PdfReader(io.BytesIO(pdf))
    found: dict[str, dict] = {}
    for page in reader.pages:
        res = page.get("/Resources")
        objs = [res.get_object()] if res else []
        xobjs = objs[0].get("/XObject", {}) if objs else {}
        for x in xobjs.values():
            r = x.get_object().get("/Resources")
            if r:
                objs.append(r.get_object())
        for r in objs:
            for font in (r.get("/Font") or {}).values():
                font = font.get_object()
                name = str(font.get("/BaseFont"))
                desc = font.get("/FontDescriptor")
                if desc is None and "/DescendantFonts" in font:
                    desc = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
                desc = desc.get_object() if desc is not None else {}
                file = next((desc[k] for k in ("/FontFile2", "/FontFile3", "/FontFile") if k in desc), None)
                info = {"subtype": str(font.get("/Subtype")), "embedded": file is not None, "bad": set()}
                if file is not None and "/ToUnicode" in font and "/FontFile2" in desc:
                    tt = TTFont(io.BytesIO(file.get_object().get_data()))
                    cmap = {}
                    for t in tt["cmap"].tables:
                        cmap.update(t.cmap)
                    glyf = tt["glyf"]
                    for code, ch in _tounicode(font["/ToUnicode"].get_object().get_data()).items():
                        g = cmap.get(code) or cmap.get(0xF000 + code)
                        if ch.isspace() or unicodedata.category(ch).startswith("C"):
                            continue  # ReportLab's first subset lists the ASCII control codes; they are never drawn
                        if g in (None, ".notdef") or tt.getGlyphID(g) == 0 or glyf[g].numberOfContours == 0:
                            info["bad"].add(ch)
                found[name] = info
    return found


def _check(pdf: bytes, *expected: str) -> str:
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(p.extract_text() for p in reader.pages)
    flat = re.sub(r"\s+", "", text)
    for s in expected:
        assert re.sub(r"\s+", "", s) in flat, (s, text[:500])
    found = _fonts_of(pdf)
    assert found, "no fonts found"
    for name, info in found.items():
        if name.lstrip("/") in BASE14:
            continue  # Latin labels (LOT, serial numbers) in a standard font every viewer has
        assert info["embedded"], f"{name} is not embedded"
        assert "STSong" not in name
        assert not info["bad"], f"{name} draws {sorted(info['bad'])} as .notdef"
    assert any(n.split("+")[-1].startswith("/NotoSerifCJK") or "Noto" in n for n in found), found.keys()
    return text


def test_the_font_has_every_symbol_and_is_truetype():
    assert fonts.missing_glyphs(SYMBOLS + "µΩ×°‰（）《》、；：“”—") == []
    assert fonts.missing_glyphs(SYMBOLS, bold=True) == []
    assert fonts.missing_glyphs("\U00020000") == ["\U00020000"]  # CJK Ext. B is not in the SC face: reported
    src = fonts.pdf_font_source()
    assert src is not None and "CJK" in src[0]
    assert "glyf" in TTFont(str(fonts.truetype_file(*src)), lazy=True)  # ReportLab embeds TrueType outlines only


def test_spotcheck_report_and_results():
    from zhijian.spotcheck import reports

    data = {"report_no": "SP2026-0001", "product": "聚氯乙烯绝缘电缆", "brand": "某牌", "model": "BV 2.5mm²",
            "production_date": "2026-03-01", "lot": "A1", "enterprise": "某电缆有限公司", "sampled_on": "2026-03-05",
            "place": "仓库", "sample_no": "CY-1", "plan": "2026年电线电缆监督抽查", "lab": "某检验院",
            "items": [{"round": 0, "name": "导体电阻", "unit": "Ω/km", "requirement": "≤7.41", "value": "7.20",
                       "verdict": "合格", "method": "GB/T 3048.4"},
                      {"round": 0, "name": "铅", "unit": "μg/kg", "requirement": "≤0.5", "value": "0.2",
                       "verdict": "合格", "method": "GB 5009.12"},
                      {"round": 0, "name": "试验温度", "unit": "℃", "requirement": "20±2", "value": "20",
                       "verdict": "合格", "method": "—"}],
            "verdict": "合格", "failing_items": [], "issued_on": "2026-03-20"}
    _check(reports.report_pdf(data, verify_url="https://zj.example/r/1", digest="ABCD"),
           "BV 2.5mm²", "≤7.41", "μg/kg", "20±2", "℃")
    plan = SimpleNamespace(title="2026年电线电缆产品质量监督抽查", year=2026)
    stats = {"enterprises": 2, "batches_tested": 3, "batches_failing": 1, "nonconformity_rate": 33.33, "refusals": 0,
             "by_category": [{"category": "电线电缆 2.5mm²", "batches": 3, "failing": 1, "rate": 33.33}],
             "by_region": [], "failing_items": [{"item": "体积电阻率≤1m³", "batches": 1}]}
    noncon = [{"enterprise": "某电缆有限公司", "region_code": "330100", "product": "电缆", "brand": "某", "model": "2.5mm²",
               "production_date": "2026-03-01", "lot": "A1", "failing_items": ["导体电阻"], "safety_failure": True,
               "lab": "某检验院", "report_no": "SP2026-0001", "retested": False}]
    _check(reports.plan_pdf(plan, stats, noncon), "电线电缆 2.5mm²", "1m³")


def test_stable_announcement_and_certificate():
    from zhijian.stable import documents as sd

    doc = sd.AnnouncementDoc(label="2026年第1号", kind="listing", title="稳定合格产品名单公告", body="",
                             published_on=dt.date(2026, 3, 15), valid_from=dt.date(2026, 3, 15),
                             valid_until=dt.date(2029, 3, 14),
                             rows=(sd.Row("WDHG-2026-0001", "某电缆有限公司", "电缆", "某", "BV 2.5mm²", "电线电缆",
                                          "连续三年合格；电阻≤7.41Ω/km，20℃±2℃"),))
    _check(sd.announcement_pdf(doc), "BV 2.5mm²", "≤7.41", "20℃±2℃")
    cert = sd.CertificateDoc("WDHG-2026-0001", "某电缆有限公司", "电缆", "某", "BV 2.5mm²", "电线电缆", "2026年第1号",
                             dt.date(2026, 3, 15), dt.date(2029, 3, 14), "https://zj.example/v/1")
    _check(sd.certificate_pdf(cert), "BV 2.5mm²", "有效期")


def test_risk_assessment_record():
    from zhijian.risk import matrix, pdf

    a = matrix.parse_assessment({"product": "电暖器 1m³ 房间", "scenarios": [{
        "description": "表面温度≥85℃±2℃ 烫伤", "consumer": "others", "severity": 2,
        "steps": [{"description": "接触 2.5mm² 裸露导体", "probability": "1/10"}, {"probability": 0.01}]}]})
    _check(pdf.assessment_pdf(matrix.assess(a), record_id=1, assessor="评估员", created="2026-03-05",
                              hazard="铅 0.5 μg/kg"), "1m³", "≥85℃±2℃", "2.5mm²", "μg/kg")


def test_comparative_report():
    from zhijian.consumer import report

    items = [{"key": "p", "name": "功率偏差", "unit": "±%", "weight": 1, "weight_pct": 50, "higher_is_better": False,
              "requirement": "≤±10%"},
             {"key": "t", "name": "温升", "unit": "℃", "weight": 1, "weight_pct": 50, "higher_is_better": False,
              "requirement": "≤60℃"}]
    rows = [{"label": "甲牌 1.7L", "values": {"p": 2.0, "t": 40.0}, "ranks": {"p": 1, "t": 1}, "scores": {},
             "overall": 100.0, "rank": 1, "failures": []},
            {"label": "乙牌 2.5mm² 电源线", "values": {"p": 5.0, "t": 55.0}, "ranks": {"p": 2, "t": 2}, "scores": {},
             "overall": 0.0, "rank": 2, "failures": []}]
    rep = {"id": 1, "title": "电热水壶比较试验", "product_type": "电热水壶", "organizer": "中国质量检验协会",
           "lab_name": "检验院", "tested_on": dt.date(2026, 1, 5), "published_on": None,
           "method": "按 GB 4706.19 检测，环境 20℃±2℃，1m³ 试验箱", "items": items, "rows": rows}
    _check(report.pdf_report(rep), "20℃±2℃", "1m³", "≤60℃", "2.5mm²")


def test_trace_and_equipment_labels(tmp_path):
    from zhijian.trace.labels import PdfSink
    from zhijian.trace.service import IssuedCode

    sink = PdfSink(tmp_path / "labels.pdf", "电缆 2.5mm²", "L1")
    sink([IssuedCode(serial=f"S{i:011d}", uri=f"https://id.example/01/06901234567892/21/S{i}", element_string="",
                     pin="1234") for i in range(3)])
    (path,) = sink.close()
    _check(path.read_bytes(), "电缆 2.5mm²")


def test_enforcement_document():
    from zhijian.enforcement import documents as ed

    pdf = ed.render("notice", organ="杭州市市场监督管理局", number="杭市监罚告〔2026〕3号", issued_on=dt.date(2026, 3, 5),
                    paragraphs=["经查，你单位生产的电缆导体截面标称 2.5mm²，实测电阻超过≤7.41Ω/km 的要求（20℃±2℃）。"])
    _check(pdf, "2.5mm²", "≤7.41Ω/km", "20℃±2℃", "2026年3月5日")


def test_association_report_blocks():
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    from zhijian.association.common import pdf as ap

    buf = io.BytesIO()
    st = ap.styles()
    SimpleDocTemplate(buf).build([Paragraph("能力验证 z 比分数 ±2.0，铅 0.5 μg/kg", st["body"]),
                                  ap.table([["项目", "指定值"], ["体积", "1m³"]])])
    _check(buf.getvalue(), "±2.0", "μg/kg", "1m³")


@pytest.mark.parametrize("form", ["document", "letter"])
def test_official_documents(form):
    doc = documents.Official(
        organ=documents.Organ("浙江省市场监督管理局", code="浙市监"), title="关于电线电缆产品质量监督抽查结果的通告",
        number=documents.document_number("浙市监", 2026, 7), recipients=["各市市场监督管理局"],
        issued_on=dt.date(2026, 3, 5), body=[SYMBOLS], form=form,
        annex=[documents.Annex("不合格产品名单", ["产品", "项目"], [["BV 2.5mm²", "导体电阻≤7.41Ω/km"]])])
    _check(documents.official_pdf(doc), "2.5mm²", "1m³", "≤0.5μg/kg", "25℃±2℃", "BV 2.5mm²")


def test_inspection_report():
    rep = documents.InspectionReport(lab="某检验院", report_no="JC2026-0001", sample=[("样品名称", "电缆 BV 2.5mm²")],
                                     header=["项目", "单位", "要求", "结果"],
                                     results=[["铅", "μg/kg", "≤0.5", "0.2"], ["温度", "℃", "20±2", "20"]],
                                     conclusion="所检项目符合 GB/T 5023.3 要求，1m³ 样品", cma_no="240012345678")
    _check(documents.inspection_report_pdf(rep), "BV 2.5mm²", "μg/kg", "≤0.5", "20±2", "1m³")
