"""公文 per GB/T 9704-2012 and 检验报告 with CMA slot and signatures (issue 21, finding 6: "the test report has no CMA
mark and no 主检/审核/批准 blocks; announcements are not in 公文 form (发文机关标志, 文号, 成文日期, seal)").

The PDFs are rendered and read back with pypdf: text with its position on the page (mm from the left and from
the top edge), the colour operators and the images drawn. Figures from GB/T 9704-2012: 天头 37 mm, 订口 28 mm,
版心 156 × 225 mm (§5.2.2); 发文机关标志 top edge 35 mm under the 版心's top (§7.2.2); 发文字号 〔〕, no 第, no
leading zeros (§7.2.4); 主送 flush left ending in ：(§7.3.2); 正文 indented two characters of 3号 (§7.3.3);
成文日期 in Arabic numerals 右空四字 (§7.3.5); 页码 4号 one character in from the right on odd pages, from the left
on even pages (§7.5); 信函格式 mark 30 mm from the page top, no page number on page 1 (§10.1)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from zhijian.platform import documents as D
from zhijian.platform.errors import DomainError
from zhijian.platform.fonts import pdf_font

MM = 72 / 25.4
ORGAN = D.Organ("浙江省市场监督管理局", code="浙市监")


def _positions(pdf: bytes) -> list[list[tuple[str, float, float, float]]]:
    """Per page: (text, x mm from the left, baseline mm from the top, font size)."""
    pages = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        out: list[tuple[str, float, float, float]] = []

        def visit(text, cm, tm, font, size, out=out):  # type: ignore[no-untyped-def]
            if text.strip():
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                out.append((text.strip(), x / MM, 297 - y / MM, size))

        page.extract_text(visitor_text=visit)
        pages.append(out)
    return pages


def _find(page: list[tuple[str, float, float, float]], text: str) -> tuple[str, float, float, float]:
    hits = [p for p in page if p[0] == text]
    assert hits, (text, [p[0] for p in page])
    return hits[0]


def _width_mm(text: str, size: float) -> float:
    return stringWidth(text, pdf_font(), size) / MM


def _images(pdf: bytes, page: int = 0) -> list[tuple[float, float, float, float]]:
    """(x, y from the bottom, width, height) in mm of every image drawn on a page: the unit square under the
    transformation matrix current at each `Do`."""
    found: list[tuple[float, float, float, float]] = []

    def before(op, args, cm, tm):  # type: ignore[no-untyped-def]
        if op == b"Do":
            found.append((cm[4] / MM, cm[5] / MM, cm[0] / MM, cm[3] / MM))

    PdfReader(io.BytesIO(pdf)).pages[page].extract_text(visitor_operand_before=before)
    return found


def _seal_png() -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    ImageDraw.Draw(img).ellipse((4, 4, 196, 196), outline=(200, 16, 46, 255), width=8)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def test_number_and_date_rules():
    assert D.document_number("浙市监", 2026, 7) == "浙市监〔2026〕7号"  # §7.2.4: not 〔2026〕007号, not 第7号
    assert D.next_sequence([1, 2, None, 5]) == 6 and D.next_sequence([]) == 1
    assert D.written_date(dt.date(2026, 3, 5)) == "2026年3月5日"  # §7.3.5.1: no 03, no 〇五
    with pytest.raises(DomainError) as e:
        D.document_number("浙市监", 2026, 0)
    assert e.value.field == "seq"
    with pytest.raises(DomainError) as e:
        D.document_number(" ", 2026, 1)
    assert e.value.field == "code"


def _official(**kw) -> D.Official:  # type: ignore[no-untyped-def]
    base = dict(organ=ORGAN, title="关于电线电缆产品质量监督抽查结果的通告", number=D.document_number("浙市监", 2026, 7),
                recipients=["各市市场监督管理局", "省局各处室"], issued_on=dt.date(2026, 3, 5),
                body=["根据《中华人民共和国产品质量法》第十五条，省局组织开展了电线电缆产品质量监督抽查。"],
                attachments=["不合格产品及企业名单"], cc=["国家市场监督管理总局"], printed_by="浙江省市场监督管理局办公室",
                printed_on=dt.date(2026, 3, 6))
    base.update(kw)
    return D.Official(**base)


def test_document_form_layout():
    pdf = D.official_pdf(_official(body=["根据《中华人民共和国产品质量法》第十五条，省局组织开展了监督抽查。"] * 14))
    pages = _positions(pdf)
    p1 = pages[0]
    mark = _find(p1, "浙江省市场监督管理局文件")
    # 发文机关标志: red, centred, its em box's top edge 37 + 35 = 72 mm from the page top (§5.2.2, §7.2.2)
    assert abs((mark[2] - 0.88 * mark[3] / MM) - 72) < 0.5
    assert abs(mark[1] + _width_mm(mark[0], mark[3]) / 2 - (28 + 156 / 2)) < 0.5
    content = PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data().decode("latin-1")
    assert re.search(r"\.78431\d* \.06274\d* \.18039\d* rg", content)  # the red of the mark (#c8102e) as fill colour
    number = _find(p1, "浙市监〔2026〕7号")
    centre = number[1] + _width_mm(number[0], 16) / 2
    assert abs(centre - (28 + 156 / 2)) < 1 and number[3] == 16  # 3号, centred in the 版心
    assert number[2] - mark[2] > 2 * 25.4 / 72 * 16  # two empty lines under the mark
    title = _find(p1, "关于电线电缆产品质量监督抽查结果的通告")
    assert title[3] == 22 and title[2] > number[2]  # 2号 title under the rule
    to = _find(p1, "各市市场监督管理局、省局各处室：")
    assert abs(to[1] - 28) < 0.3 and to[2] > title[2]  # 主送: flush left at the 订口, full-width colon
    first = next(p for p in p1 if p[0].startswith("根据"))
    assert abs(first[1] - (28 + 2 * 16 / MM)) < 0.3  # 正文 indented two characters of 16 pt
    lines = sorted({round(p[2], 3) for p in p1 if p[3] == 16 and p[2] > first[2] - 0.1})
    assert all(abs((b - a) - 225 / 22) < 0.05 for a, b in zip(lines, lines[1:], strict=False))  # 22 lines a page
    # 页码: "— 1 —" in 4号, one character in from the right on page 1, from the left on page 2
    n1 = _find(p1, "— 1 —")
    assert n1[3] == 14 and abs(n1[1] + _width_mm("— 1 —", 14) - (28 + 156 - 14 / MM)) < 0.3
    assert n1[2] > 297 - 35  # under the 版心
    last = pages[-1]
    n2 = _find(pages[1], "— 2 —")
    assert abs(n2[1] - (28 + 14 / MM)) < 0.3
    # 署名 and 成文日期: the date in Arabic numerals, its right edge four characters in from the 版心's right edge
    date = _find(last, "2026年3月5日")
    assert abs(date[1] + _width_mm(date[0], 16) - (28 + 156 - 4 * 16 / MM)) < 0.3
    signer = _find(last, "浙江省市场监督管理局")
    assert abs((signer[1] + _width_mm(signer[0], 16) / 2) - (date[1] + _width_mm(date[0], 16) / 2)) < 0.3
    assert 0 < date[2] - signer[2] < 12
    texts = " ".join(p[0] for pg in pages for p in pg)
    assert "附件：不合格产品及企业名单" in texts and "抄送：国家市场监督管理总局。" in texts and "2026年3月6日印发" in texts


def test_seal_per_organ_pressed_over_signature_and_date(tmp_path, monkeypatch):
    (tmp_path / "浙市监.png").write_bytes(_seal_png())
    monkeypatch.setenv("ZHIJIAN_SEAL_DIR", str(tmp_path))
    pdf = D.official_pdf(_official(cc=(), printed_by=""))
    page = _positions(pdf)[0]
    imgs = _images(pdf)
    assert len(imgs) == 1
    x, y, w, h = imgs[0]
    assert abs(w - 42) < 0.1 and abs(h - 42) < 0.1  # 42 mm 公章
    date, signer = _find(page, "2026年3月5日"), _find(page, "浙江省市场监督管理局")
    for t in (date, signer):  # both lines lie inside the seal, below its centre (§7.3.5.1: 居中下压)
        mid = t[1] + _width_mm(t[0], 16) / 2
        base = 297 - t[2]
        assert x < mid < x + w and y < base < y + h
    assert abs((x + w / 2) - (date[1] + _width_mm(date[0], 16) / 2)) < 0.3
    assert (297 - date[2]) < y + h / 2  # the date sits under the centre
    other = D.official_pdf(_official(organ=D.Organ("杭州市市场监督管理局", code="杭市监"), cc=(), printed_by=""))
    assert _images(other) == []  # another organ, no seal file: nothing stamped
    explicit = D.official_pdf(_official(organ=D.Organ("杭州市市场监督管理局", code="杭市监", seal=_seal_png()),
                                        cc=(), printed_by=""))
    assert len(_images(explicit)) == 1


def test_letter_form():
    pdf = D.official_pdf(_official(title="关于协助调查的函", number="浙市监函〔2026〕2号", form="letter",
                                   recipients=["江苏省市场监督管理局"], body=["正文。"] * 40))
    pages = _positions(pdf)
    mark = _find(pages[0], "浙江省市场监督管理局")  # the name alone, no 文件
    assert abs((mark[2] - 0.88 * mark[3] / MM) - 30) < 0.5  # 30 mm from the page top (§10.1)
    number = _find(pages[0], "浙市监函〔2026〕2号")
    assert abs(number[1] + _width_mm(number[0], 16) - (28 + 156)) < 1.2  # at the right, under the double rule
    assert not any(p[0].startswith("—") for p in pages[0])  # no page number on the first page
    assert _find(pages[1], "— 2 —")


def test_annex_and_missing_glyph_refused():
    pdf = D.official_pdf(_official(annex=[D.Annex("不合格产品及企业名单", ["序号", "企业", "产品"], [[1, "某电缆有限公司", "BV 2.5mm²"]])]))
    last = _positions(pdf)[-1]
    assert _find(last, "附件") and _find(last, "BV 2.5mm²")
    with pytest.raises(DomainError) as e:
        D.official_pdf(_official(body=["企业名称含 \U00020000 字"]))
    assert e.value.code == "document.missing_glyph" and e.value.field == "text"
    with pytest.raises(DomainError) as e:
        D.official_pdf(_official(title=" "))
    assert e.value.field == "title"


def test_inspection_report_cma_slot_and_signatures():
    rep = D.InspectionReport(
        lab="浙江省电线电缆质量检验院", report_no="JC2026-0001", cma_no="240012345678",
        sample=[("样品名称", "聚氯乙烯绝缘电缆 BV 2.5mm²"), ("受检单位", "某电缆有限公司")], header=["检验项目", "单位", "标准要求", "实测值"],
        results=[["导体电阻", "Ω/km", "≤7.41", "7.20"]], conclusion="所检项目符合 GB/T 5023.3-2008 要求。",
        issued_on=dt.date(2026, 3, 20),
        signatures=(D.Signature("主检", "张三", dt.date(2026, 3, 18)), D.Signature("审核", "李四"), D.Signature("批准", "王五")))
    pdf = D.inspection_report_pdf(rep)
    page = _positions(pdf)[0]
    slot, cert = _find(page, "CMA 标志位"), _find(page, "240012345678")
    number = _find(page, "报告编号：JC2026-0001")
    assert slot[1] < 50 and slot[2] < 40 and cert[2] > slot[2]  # the slot at the top left, the certificate number under it
    assert number[1] > 105 and abs(number[2] - slot[2]) < 10  # the report number at the top right
    roles = [_find(page, f"{r}：") for r in ("主检", "审核", "批准")]
    assert len({round(r[2], 1) for r in roles}) == 1 and roles[0][1] < roles[1][1] < roles[2][1]  # one row, in order
    names = [_find(page, n) for n in ("张三", "李四", "王五")]
    assert all(abs(n[1] - r[1]) < 0.5 and n[2] > r[2] for n, r in zip(names, roles, strict=True))
    assert _find(page, "日期：2026年3月18日") and _find(page, "（检验检测专用章）") and _find(page, "签发日期：2026年3月20日")
    assert _images(pdf) == []  # no mark file: an empty framed slot, never a CMA mark the lab did not provide
    with_mark = D.inspection_report_pdf(D.InspectionReport(**{**rep.__dict__, "cma_mark": _seal_png()}))
    (x, y, w, h), = _images(with_mark)
    assert x < 30 and 297 - (y + h) < 15 and abs(w - 22) < 0.1  # the mark in the slot at the top left
    with pytest.raises(DomainError) as e:
        D.inspection_report_pdf(D.InspectionReport(**{**rep.__dict__, "report_no": ""}))
    assert e.value.field == "report_no"


def test_allocate_number_per_organ_and_year(db):
    """发文字号 restart at 1 per organ and year and are registered (发文登记)."""
    from sqlalchemy import select

    from tests import factories
    from zhijian.platform.document_models import DocumentNumber

    code = "测" + factories.uid()
    with db.session() as s:
        nums = [D.allocate_number(s, code, 2026, title="关于抽查结果的通告", issued_by="admin") for _ in range(3)]
        other = D.allocate_number(s, code + "乙", 2026)
        next_year = D.allocate_number(s, code, 2027)
    assert nums == [f"{code}〔2026〕1号", f"{code}〔2026〕2号", f"{code}〔2026〕3号"]
    assert other == f"{code}乙〔2026〕1号" and next_year == f"{code}〔2027〕1号"
    with db.session(write=False) as s:
        rows = s.scalars(select(DocumentNumber).where(DocumentNumber.organ_code == code)
                         .order_by(DocumentNumber.year, DocumentNumber.seq)).all()
        assert [(r.year, r.seq, r.title) for r in rows] == [(2026, 1, "关于抽查结果的通告"), (2026, 2, "关于抽查结果的通告"),
                                                           (2026, 3, "关于抽查结果的通告"), (2027, 1, "")]
    with pytest.raises(DomainError) as e, db.session() as s:
        D.allocate_number(s, "", 2026)
    assert e.value.field == "code"


def test_concurrent_allocations_never_share_a_number(db):
    """Six transactions allocate at once: six different numbers, 1 to 6, none skipped."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from tests import factories

    code = "并" + factories.uid()
    n = 6
    barrier = threading.Barrier(n)

    def one(_: int) -> str:
        barrier.wait()
        with db.session() as s:
            return D.allocate_number(s, code, 2026)

    with ThreadPoolExecutor(n) as pool:
        got = list(pool.map(one, range(n)))
    assert sorted(got, key=lambda x: int(x.split("〕")[1][:-1])) == [f"{code}〔2026〕{i}号" for i in range(1, n + 1)]
