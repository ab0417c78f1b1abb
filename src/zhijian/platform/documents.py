"""公文 and 检验报告 PDFs — one ReportLab pipeline for announcements, letters and test reports (issue 21, finding 6).

公文 (announcements 公告/通告, notices, letters) are laid out per GB/T 9704-2012《党政机关公文格式》:
- §5.2.1 A4; §5.2.2 天头 37 mm, 订口 28 mm, 版心 156 mm × 225 mm (so 26 mm right, 35 mm bottom);
- §5.2.3 正文 3号 (16 pt), 22 lines of 28 characters a page (leading 225 mm / 22 ≈ 29 pt);
- §7.2.2 发文机关标志 red, centred, its top edge 35 mm below the 版心's top (文件格式);
- §7.2.4 发文字号 two lines under it, centred: 代字〔年份〕序号号 — the year in full inside 六角括号, the number
  without 第 and without leading zeros ("浙市监〔2026〕7号", never "〔2026〕007号");
- §7.2.6 a red rule as wide as the 版心, 4 mm under the 发文字号;
- §7.3.1 标题 2号 (22 pt), two lines under the rule, centred; §7.3.2 主送机关 one line under it, flush left, ending
  with a full-width colon; §7.3.3 正文 paragraphs indented two characters;
- §7.3.4 附件说明 one line under the text, indented two characters ("附件：1．…");
- §7.3.5 署名 and 成文日期: the date in Arabic numerals with year, month and day in full and no leading zeros
  ("2026年3月5日", §7.3.5.1), 右空四字; the 印章 (red, per organ) pressed down over 署名 and date;
- §7.4 版记 (抄送, 印发机关 and 印发日期) between rules at the end; §7.5 页码 4号 "— 1 —" 7 mm under the 版心, odd
  pages right and even pages left, one character in;
- §10.1 信函格式 (letters): the organ's name (no 文件) 30 mm from the page top, a red double rule under it, the
  发文字号 at the right under the rule, no page number on the first page.

The font is the embedded CJK face of `platform.fonts` (Noto Serif CJK SC: bold for 发文机关标志 and 标题 in place of
小标宋, regular for the text in place of 仿宋); every character is checked with `fonts.missing_glyphs`.
The 印章 image is configured per organ: `Organ.seal` (PNG bytes or path), else ``$ZHIJIAN_SEAL_DIR/<代字 or
name>.png``; without one the slot stays empty (a dashed circle on drafts).

检验报告 (`inspection_report_pdf`) carry the CMA mark slot at the top left with the 资质认定 certificate number under it
(《检验检测机构资质认定管理办法》 and the mark's use rules: the mark printed on reports within the accredited
scope), the report number, the sample table, results, conclusion, and the 主检 / 审核 / 批准 signature blocks with the
检验检测专用章 slot.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from reportlab.platypus import Flowable

from zhijian.platform.errors import DomainError
from zhijian.platform.escape import pdf_text
from zhijian.platform.fonts import missing_glyphs, pdf_font

MM = 72 / 25.4  # points per millimetre
PT_3HAO, PT_2HAO, PT_4HAO = 16.0, 22.0, 14.0  # 字号: 3号, 2号, 4号 (GB/T 9704 §5.2.3, §7.3.1, §7.5)
PAGE_W, PAGE_H = 210 * MM, 297 * MM
TOP, LEFT, TEXT_W, TEXT_H = 37 * MM, 28 * MM, 156 * MM, 225 * MM  # 天头, 订口, 版心 (§5.2.2)
RIGHT, BOTTOM = PAGE_W - LEFT - TEXT_W, PAGE_H - TOP - TEXT_H
LEADING = TEXT_H / 22  # 22 lines a page
RED = "#c8102e"  # the red of 发文机关标志, rules and seals
SEAL_MM = 42  # 公章 diameter commonly 42 mm (4.2 cm)
EM_BELOW_TOP = 0.12  # Noto CJK's ideographic em box: 0.88 above the baseline, so its top is 0.12 em under ReportLab's


@dataclass(frozen=True)
class Organ:
    """The issuing organ (发文机关): full name, 代字 for 文号, its 标志 and its seal image."""

    name: str
    code: str = ""  # 发文机关代字, e.g. 浙市监
    mark: str = ""  # 发文机关标志; default: the name + 文件 (文件格式) or the name alone (信函格式)
    seal: bytes | str | Path | None = None  # 印章 image (PNG, transparent background)

    def seal_image(self) -> bytes | None:
        """The seal: given on the organ, else $ZHIJIAN_SEAL_DIR/<代字>.png or <name>.png, else None."""
        if isinstance(self.seal, bytes):
            return self.seal
        candidates = [Path(self.seal)] if self.seal else []
        base = os.environ.get("ZHIJIAN_SEAL_DIR")
        if base:
            candidates += [Path(base) / f"{n}.png" for n in (self.code, self.name) if n]
        for p in candidates:
            if p.is_file():
                return p.read_bytes()
        return None


@dataclass(frozen=True)
class Official:
    """One 公文: what GB/T 9704 lays out (版头, 主体, 版记)."""

    organ: Organ
    title: str
    body: Sequence[str]
    number: str = ""  # 发文字号, see `document_number`
    recipients: Sequence[str] = ()  # 主送机关
    issued_on: dt.date | None = None  # 成文日期
    attachments: Sequence[str] = ()  # 附件说明 (names of the attachments, in order)
    signer: str = ""  # 发文机关署名 (default: the organ's name)
    cc: Sequence[str] = ()  # 抄送机关
    printed_by: str = ""  # 印发机关
    printed_on: dt.date | None = None  # 印发日期
    form: Literal["document", "letter"] = "document"  # 文件格式 or 信函格式
    annex: Sequence[Annex] = ()  # 附件 laid out after the 版记's page (tables)
    draft: bool = False  # a dashed seal slot, for review before signing


@dataclass(frozen=True)
class Annex:
    """An attachment table (附件) printed after the document: 附件N, its title, a header and rows."""

    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[Any]]
    widths_mm: Sequence[float] | None = None


@dataclass(frozen=True)
class Signature:
    """A signature block of a test report: role (主检/审核/批准), name, date, optional signature image."""

    role: str
    name: str = ""
    on: dt.date | None = None
    image: bytes | None = None


@dataclass(frozen=True)
class InspectionReport:
    """检验报告: the lab, its CMA certificate, the sample, results, conclusion and the three signatures."""

    lab: str
    report_no: str
    sample: Sequence[tuple[str, Any]]  # 样品名称, 规格型号, 受检单位 …
    header: Sequence[str]  # results table header
    results: Sequence[Sequence[Any]]
    conclusion: str
    issued_on: dt.date | None = None
    title: str = "检验报告"
    cma_no: str = ""  # 资质认定证书编号
    cma_mark: bytes | None = None  # the CMA mark image (the lab's own file); None leaves the framed slot
    signatures: Sequence[Signature] = field(default_factory=lambda: (Signature("主检"), Signature("审核"), Signature("批准")))
    stamp: bytes | None = None  # 检验检测专用章
    notes: Sequence[str] = ()
    qr_url: str = ""


# ---- 文号 and dates (pure)


def document_number(code: str, year: int, seq: int) -> str:
    """发文字号 per GB/T 9704-2012 §7.2.4: 代字〔2026〕7号 — six-angle brackets, full year, no 第, no leading zeros."""
    if not code or not code.strip():
        raise DomainError("document.no_code", "发文机关代字不能为空", "the organ's code (代字) is required", field="code")
    if not (1900 <= int(year) <= 9999):
        raise DomainError("document.bad_year", f"年份不正确：{year}", f"invalid year: {year}", field="year")
    if int(seq) < 1:
        raise DomainError("document.bad_seq", f"发文顺序号应从 1 起：{seq}", f"the sequence starts at 1: {seq}", field="seq")
    return f"{code.strip()}〔{int(year)}〕{int(seq)}号"


def next_sequence(existing: Iterable[int | None]) -> int:
    """The next 发文顺序号 of an organ's year (numbers restart at 1 each year)."""
    return max((int(n) for n in existing if n), default=0) + 1


def allocate_number(session: Any, code: str, year: int, *, title: str = "", issued_by: str = "") -> str:
    """The next 发文字号 of an organ's year, registered in 发文登记 (platform_document_number).

    MAX(seq) + 1 under the unique (organ_code, year, seq): of two concurrent allocations one flush fails on the
    index, its savepoint rolls back and it reads the new maximum (READ COMMITTED on PostgreSQL and MariaDB, writes
    serialised on SQLite) — numbers are never shared and never skipped."""
    from sqlalchemy import func, select
    from sqlalchemy.exc import IntegrityError

    from zhijian.platform.document_models import DocumentNumber
    from zhijian.platform.errors import Conflict

    code = (code or "").strip()
    document_number(code, year, 1)  # validates code and year
    for _ in range(20):
        seq = next_sequence([session.scalar(select(func.max(DocumentNumber.seq)).where(
            DocumentNumber.organ_code == code, DocumentNumber.year == int(year)))])
        row = DocumentNumber(organ_code=code, year=int(year), seq=seq, number=document_number(code, year, seq),
                             title=(title or "")[:200], issued_by=(issued_by or "")[:64])
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
            return row.number
        except IntegrityError:
            continue
    raise Conflict("document_number.busy", "发文字号分配冲突，请重试", "document number contention, retry")


def written_date(on: dt.date) -> str:
    """成文日期 per §7.3.5.1: Arabic numerals, the year in full, month and day without leading zeros."""
    return f"{on.year}年{on.month}月{on.day}日"


# ---- rendering


def _check_glyphs(texts: Iterable[str], bold: bool = False) -> None:
    missing = missing_glyphs("".join(t for t in texts if t), bold)
    if missing:
        shown = "".join(missing[:10])
        raise DomainError("document.missing_glyph", f"字体缺少以下字符，无法印制：{shown}",
                          f"the font has no glyph for: {shown}", field="text", extra={"characters": missing})


def _styles() -> dict[str, Any]:
    from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    f, b = pdf_font(), pdf_font(bold=True)
    body = dict(fontName=f, fontSize=PT_3HAO, leading=LEADING, wordWrap="CJK")
    return {
        "mark": ParagraphStyle("mark", fontName=b, fontSize=36, leading=44, alignment=TA_CENTER, textColor=RED,
                               wordWrap="CJK"),
        "number": ParagraphStyle("number", alignment=TA_CENTER, **body),
        "number_right": ParagraphStyle("number_right", alignment=TA_RIGHT, **body),
        "title": ParagraphStyle("title", fontName=b, fontSize=PT_2HAO, leading=LEADING * 1.2, alignment=TA_CENTER,
                                wordWrap="CJK"),
        "to": ParagraphStyle("to", alignment=TA_LEFT, **body),
        "body": ParagraphStyle("body", alignment=TA_JUSTIFY, firstLineIndent=2 * PT_3HAO, **body),
        "attach": ParagraphStyle("attach", alignment=TA_LEFT, leftIndent=2 * PT_3HAO + 3 * PT_3HAO,
                                 firstLineIndent=-3 * PT_3HAO, **body),
        "record": ParagraphStyle("record", fontName=f, fontSize=14, leading=22, wordWrap="CJK",
                                 leftIndent=PT_3HAO, rightIndent=PT_3HAO),
        "annex_no": ParagraphStyle("annex_no", fontName=b, fontSize=PT_3HAO, leading=LEADING, wordWrap="CJK"),
        "cell": ParagraphStyle("cell", fontName=f, fontSize=9, leading=12, wordWrap="CJK"),
        "small": ParagraphStyle("small", fontName=f, fontSize=10.5, leading=15, wordWrap="CJK"),
        "report_title": ParagraphStyle("report_title", fontName=b, fontSize=26, leading=34, alignment=TA_CENTER),
        "report_body": ParagraphStyle("report_body", fontName=f, fontSize=10.5, leading=16, wordWrap="CJK"),
    }


class SignatureBlock(Flowable):  # type: ignore[misc]
    """署名 and 成文日期 at the right (日期 右空四字, 署名 centred over the date) with the seal pressed over both
    (§7.3.5.1: 印章 端正、居中下压署名和成文日期, 署名和日期居印章中心偏下)."""

    def __init__(self, signer: str, date_text: str, seal: bytes | None, draft: bool) -> None:
        super().__init__()
        self.signer, self.date_text, self.seal, self.draft = signer, date_text, seal, draft
        self.block_h = 3 * LEADING

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.block_w = aw
        return aw, self.block_h

    def draw(self) -> None:
        from reportlab.lib import colors
        from reportlab.lib.utils import ImageReader

        c, f = self.canv, pdf_font()
        c.setFont(f, PT_3HAO)
        date_right = self.block_w - 4 * PT_3HAO  # 右空四字
        date_w = c.stringWidth(self.date_text or "2026年12月31日", f, PT_3HAO)
        centre = date_right - date_w / 2
        y_date = 0.4 * LEADING
        y_sign = y_date + LEADING
        if self.signer:
            c.drawCentredString(centre, y_sign, self.signer)
        if self.date_text:
            c.drawRightString(date_right, y_date, self.date_text)
        r = SEAL_MM * MM / 2
        cy = (y_sign + y_date) / 2 + 0.35 * LEADING  # 署名 and date a little below the seal's centre
        if self.seal:
            c.drawImage(ImageReader(io.BytesIO(self.seal)), centre - r, cy - r, 2 * r, 2 * r, mask="auto")
        elif self.draft:
            c.saveState()
            c.setStrokeColor(colors.HexColor(RED))
            c.setDash(3, 3)
            c.circle(centre, cy, r)
            c.restoreState()


def _page_number(form: str):  # type: ignore[no-untyped-def]
    """页码 (§7.5): 4号 "— n —" 7 mm under the 版心; odd pages right, even pages left, one character in."""

    def draw(canvas: Any, doc: Any) -> None:
        n = canvas.getPageNumber()
        if form == "letter" and n == 1:
            return  # 信函格式: the first page shows no number (§10.1)
        text = f"— {n} —"
        canvas.saveState()
        canvas.setFont(pdf_font(), PT_4HAO)
        y = BOTTOM - 7 * MM - PT_4HAO * 0.8
        if n % 2:
            canvas.drawRightString(PAGE_W - RIGHT - PT_4HAO, y, text)
        else:
            canvas.drawString(LEFT + PT_4HAO, y, text)
        canvas.restoreState()

    return draw


def _rule(width: float, thickness: float, color: str, before: float = 0, after: float = 0) -> Any:
    from reportlab.lib import colors
    from reportlab.platypus import HRFlowable

    return HRFlowable(width=width, thickness=thickness, color=colors.HexColor(color), spaceBefore=before,
                      spaceAfter=after, hAlign="CENTER")


def _fit_mark(text: str, style: Any) -> Any:
    """The 发文机关标志 shrunk to the 版心's width when the organ's name is long (it never wraps)."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import Paragraph

    size = style.fontSize
    while size > 16 and stringWidth(text, style.fontName, size) > TEXT_W * 0.94:
        size -= 1
    return Paragraph(pdf_text(text), ParagraphStyle("mark_fit", parent=style, fontSize=size, leading=size * 1.2))


def _annex_table(annex: Annex, st: dict[str, Any], total_width: float | None = None) -> Any:
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    data = [[Paragraph(pdf_text(h, max_length=500), st["cell"]) for h in annex.header]]
    data += [[Paragraph(pdf_text("" if v is None else v, max_length=500), st["cell"]) for v in r] for r in annex.rows]
    n = max(len(annex.header), max((len(r) for r in annex.rows), default=0), 1)
    # without given widths the columns share the text width: a long cell wraps instead of squeezing its neighbours
    widths = [w * MM for w in annex.widths_mm] if annex.widths_mm else [(total_width or TEXT_W) / n] * n
    t = Table(data, colWidths=widths, repeatRows=1, splitInRow=1)  # a row taller than a page splits, never a 500
    t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                           ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f2f2"))]))
    return t


def official_pdf(doc: Official) -> bytes:
    """The 公文 as PDF (GB/T 9704-2012 layout, see the module docstring)."""
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

    if not (doc.title or "").strip():
        raise DomainError("document.no_title", "公文标题不能为空", "a document needs a title", field="title")
    mark = doc.organ.mark or (doc.organ.name + ("文件" if doc.form == "document" else ""))
    signer = doc.signer or doc.organ.name
    date_text = written_date(doc.issued_on) if doc.issued_on else ""
    texts = [doc.title, doc.number, signer, date_text, *doc.body, *doc.recipients, *doc.attachments, *doc.cc,
             doc.printed_by, *(a.title for a in doc.annex),
             *(str(v) for a in doc.annex for r in [a.header, *a.rows] for v in r if v is not None)]
    _check_glyphs(texts)
    _check_glyphs([mark, doc.title], bold=True)
    st = _styles()
    buf = io.BytesIO()
    mark_p = _fit_mark(mark, st["mark"])
    drop = EM_BELOW_TOP * mark_p.style.fontSize  # ReportLab sets the first baseline one font size under the top
    top = TOP if doc.form == "document" else 30 * MM - drop  # 信函格式: the mark 30 mm from the page's top edge
    pdf = BaseDocTemplate(buf, pagesize=(PAGE_W, PAGE_H), leftMargin=LEFT, rightMargin=RIGHT, topMargin=top,
                          bottomMargin=BOTTOM, title=pdf_text(doc.title), author=pdf_text(doc.organ.name),
                          subject=pdf_text(doc.number), creator="zhijian platform.documents (GB/T 9704-2012)")
    number = _page_number(doc.form)
    first = Frame(LEFT, BOTTOM, TEXT_W, PAGE_H - top - BOTTOM, 0, 0, 0, 0, id="first")  # the 版心, no padding
    later = Frame(LEFT, BOTTOM, TEXT_W, TEXT_H, 0, 0, 0, 0, id="later")
    pdf.addPageTemplates([PageTemplate("first", [first], onPage=number, autoNextPageTemplate="later"),
                          PageTemplate("later", [later], onPage=number)])
    story = [*_official_head(doc, mark_p, st, drop), *_official_body(doc, st, signer, date_text),
             *_official_record(doc, st), *_official_annexes(doc, st)]
    pdf.build(story)
    return buf.getvalue()


def _official_head(doc: Official, mark_p: Any, st: dict[str, Any], drop: float) -> list[Any]:
    """版头: the red mark, the 发文字号 and the red rule (文件格式), or the double rule of the 信函格式."""
    from reportlab.platypus import Paragraph, Spacer

    story: list[Any] = []
    if doc.form == "document":
        story += [Spacer(1, 35 * MM - drop), mark_p, Spacer(1, 2 * LEADING)]  # the mark's top edge 35 mm in
        if doc.number:
            story.append(Paragraph(pdf_text(doc.number), st["number"]))
        story += [_rule(TEXT_W, 1.0, RED, before=4 * MM, after=2 * LEADING)]
        return story
    story += [mark_p, _rule(TEXT_W, 2.0, RED, before=4 * MM, after=0.8), _rule(TEXT_W, 0.6, RED, after=3 * MM)]
    if doc.number:
        story += [Paragraph(pdf_text(doc.number), st["number_right"]), Spacer(1, LEADING)]
    else:
        story.append(Spacer(1, LEADING))
    return story


def _official_body(doc: Official, st: dict[str, Any], signer: str, date_text: str) -> list[Any]:
    """主体: title, 主送机关, the text, 附件说明 and the signature block with the seal."""
    from reportlab.platypus import KeepTogether, Paragraph, Spacer

    story: list[Any] = [Paragraph(pdf_text(doc.title), st["title"]), Spacer(1, LEADING)]
    if doc.recipients:
        story.append(Paragraph(pdf_text("、".join(doc.recipients) + "："), st["to"]))
    story += [Paragraph(pdf_text(p), st["body"]) for p in doc.body if p and p.strip()]
    if doc.attachments:
        story.append(Spacer(1, LEADING))
        names = list(doc.attachments)
        first = names[0] if len(names) == 1 else f"1．{names[0]}"
        story.append(Paragraph(pdf_text(f"附件：{first}"), st["attach"]))
        story += [Paragraph(pdf_text(f"{i}．{n}"), st["attach"]) for i, n in enumerate(names[1:], 2)]
    story += [Spacer(1, LEADING), KeepTogether([SignatureBlock(signer, date_text, doc.organ.seal_image(),
                                                                doc.draft)])]
    return story


def _official_record(doc: Official, st: dict[str, Any]) -> list[Any]:
    """版记 (§7.4): 抄送 and 印发 between a thick first and last rule, thin between; nothing without them."""
    from reportlab.platypus import KeepTogether, Paragraph, Spacer

    if not (doc.cc or doc.printed_by):
        return []
    record: list[Any] = [Spacer(1, 2 * LEADING), _rule(TEXT_W, 1.0, "#000000", after=2)]
    if doc.cc:
        record += [Paragraph(pdf_text("抄送：" + "，".join(doc.cc) + "。"), st["record"]),
                   _rule(TEXT_W, 0.7, "#000000", before=2, after=2)]
    if doc.printed_by:
        when = written_date(doc.printed_on) + "印发" if doc.printed_on else ""
        record.append(Paragraph(pdf_text(doc.printed_by) + "&nbsp;" * 8 + pdf_text(when), st["record"]))
    record.append(_rule(TEXT_W, 1.0, "#000000", before=2))
    return [KeepTogether(record)]


def _official_annexes(doc: Official, st: dict[str, Any]) -> list[Any]:
    """Each 附件 on a new page: its number, title and table."""
    from reportlab.platypus import PageBreak, Paragraph, Spacer

    story: list[Any] = []
    for i, annex in enumerate(doc.annex, 1):
        story += [PageBreak(), Paragraph(pdf_text(f"附件{i}" if len(doc.annex) > 1 else "附件"), st["annex_no"]),
                  Spacer(1, LEADING / 2), Paragraph(pdf_text(annex.title), st["title"]), Spacer(1, LEADING / 2),
                  _annex_table(annex, st)]
    return story


def inspection_report_pdf(rep: InspectionReport) -> bytes:
    """检验报告 PDF: CMA mark slot (top left) with the certificate number, report number (top right), sample table,
    results, conclusion, and the 主检 / 审核 / 批准 blocks with the 检验检测专用章 slot."""
    from reportlab.lib import colors
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if not (rep.report_no or "").strip():
        raise DomainError("document.no_report_no", "报告编号不能为空", "a report needs its number", field="report_no")
    texts = [rep.lab, rep.report_no, rep.title, rep.conclusion, rep.cma_no, *rep.notes, *rep.header,
             *(f"{k}{v}" for k, v in rep.sample), *(str(v) for r in rep.results for v in r if v is not None),
             *(f"{s.role}{s.name}" for s in rep.signatures)]
    _check_glyphs(texts)
    st = _styles()
    buf = io.BytesIO()
    margin = 20 * MM
    width = PAGE_W - 2 * margin
    frame = _report_frame(rep, margin)
    pdf = SimpleDocTemplate(buf, pagesize=(PAGE_W, PAGE_H), leftMargin=margin, rightMargin=margin, topMargin=40 * MM,
                            bottomMargin=22 * MM, title=pdf_text(f"{rep.title} {rep.report_no}"),
                            author=pdf_text(rep.lab), creator="zhijian platform.documents")
    spaced = " ".join(rep.title) if len(rep.title) <= 6 else rep.title  # 检 验 报 告
    story: list[Any] = [Paragraph(pdf_text(spaced), st["report_title"]),
                        Paragraph(pdf_text(rep.lab), _centred(st["report_body"])), Spacer(1, 6 * MM)]
    info = [[Paragraph(pdf_text(k, max_length=200), st["cell"]),
             Paragraph(pdf_text("" if v is None else v, max_length=2000), st["cell"])]
            for k, v in rep.sample]
    if info:
        t = Table(info, colWidths=[32 * MM, width - 32 * MM], splitInRow=1)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                               ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2"))]))
        story += [t, Spacer(1, 5 * MM)]
    if rep.header:
        story.append(_annex_table(Annex("", rep.header, rep.results), st, width))
        story.append(Spacer(1, 5 * MM))
    story.append(Paragraph(pdf_text(f"检验结论：{rep.conclusion}"), st["report_body"]))
    story += [Paragraph(pdf_text(n), st["small"]) for n in rep.notes]
    if rep.qr_url:
        import segno

        png = io.BytesIO()
        segno.make(rep.qr_url, error="m").save(png, kind="png", scale=4, border=2)
        story += [Spacer(1, 3 * MM), Image(io.BytesIO(png.getvalue()), width=24 * MM, height=24 * MM, hAlign="LEFT"),
                  Paragraph(pdf_text(rep.qr_url), st["cell"])]
    sig = _report_signatures(rep, st, width)
    story += [Spacer(1, 8 * MM), sig]
    pdf.build(story, onFirstPage=frame, onLaterPages=frame)
    return buf.getvalue()


def _report_frame(rep: InspectionReport, margin: float) -> Callable[[Any, Any], None]:
    """The page decoration of a 检验报告 (drawn on every page by ReportLab)."""
    from reportlab.lib import colors
    from reportlab.lib.utils import ImageReader

    f = pdf_font()

    def frame(canvas: Any, doc: Any) -> None:
        """Every page: the CMA slot at the top left, the report number at the top right, page n / N at the foot."""
        canvas.saveState()
        x, y, size = margin, PAGE_H - 12 * MM - 22 * MM, 22 * MM
        if rep.cma_mark:
            canvas.drawImage(ImageReader(io.BytesIO(rep.cma_mark)), x, y, size, size, mask="auto",
                             preserveAspectRatio=True)
        else:
            canvas.setStrokeColor(colors.HexColor("#999999"))
            canvas.setDash(2, 2)
            canvas.rect(x, y, size, size)
            canvas.setFont(f, 7)
            canvas.setFillColor(colors.HexColor("#999999"))
            canvas.drawCentredString(x + size / 2, y + size / 2, "CMA 标志位")
            canvas.setFillColor(colors.black)
        canvas.setDash()
        canvas.setFont(f, 8)
        if rep.cma_no:
            canvas.drawCentredString(x + size / 2, y - 10, rep.cma_no)
        canvas.setFont(f, 10)
        canvas.drawRightString(PAGE_W - margin, PAGE_H - 20 * MM, f"报告编号：{rep.report_no}")
        canvas.setFont(f, 9)
        canvas.drawCentredString(PAGE_W / 2, 12 * MM, f"第 {canvas.getPageNumber()} 页")
        canvas.restoreState()

    return frame


def _report_signatures(rep: InspectionReport, st: dict[str, Any], width: float) -> Any:
    """The 主检 / 审核 / 批准 blocks (signature image or a blank line, name, date) and the 检验检测专用章 slot."""
    from reportlab.lib import colors
    from reportlab.platypus import Image, Paragraph, Spacer, Table, TableStyle

    cells = []
    for s in rep.signatures:
        parts: list[Any] = [Paragraph(pdf_text(f"{s.role}："), st["report_body"])]
        if s.image:
            parts.append(Image(io.BytesIO(s.image), width=28 * MM, height=10 * MM, hAlign="LEFT"))
        else:
            parts.append(Spacer(1, 10 * MM))
        parts.append(Paragraph(pdf_text(s.name or "＿＿＿＿＿＿"), st["report_body"]))
        parts.append(Paragraph(pdf_text(f"日期：{written_date(s.on)}" if s.on else "日期："), st["cell"]))
        cells.append(parts)
    stamp = [Paragraph(pdf_text("（检验检测专用章）"), st["small"]),
             Paragraph(pdf_text(f"签发日期：{written_date(rep.issued_on)}" if rep.issued_on else "签发日期："), st["small"])]
    if rep.stamp:
        stamp.insert(0, Image(io.BytesIO(rep.stamp), width=36 * MM, height=36 * MM))
    sig = Table([[*cells, stamp]], colWidths=[width * 0.22] * len(cells) + [width - width * 0.22 * len(cells)])
    sig.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEABOVE", (0, 0), (-1, 0), 0.5, colors.black)]))
    return sig


def _centred(base: Any) -> Any:
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle

    return ParagraphStyle(base.name + "_c", parent=base, alignment=TA_CENTER)


def draw_qr(canvas: Any, data: str, x: float, y: float, size: float) -> None:
    """A QR code from segno's matrix, drawn as horizontal runs of dark modules (vector, crisp when printed);
    the trace and equipment label sheets both draw with it.

    The runs go into the page as one literal path in module units under a scaling matrix (`x y w 1 re` with
    small integers): ReportLab's path object formatted every coordinate through its pure-Python float
    formatter, a third of the time of a 1,200-label sheet."""
    import segno

    matrix = segno.make(data, error="m", micro=False).matrix
    n = len(matrix)
    quiet = 2
    module = size / (n + 2 * quiet)
    ops: list[str] = []
    for r, row in enumerate(matrix):
        line = n - 1 - r  # PDF's y grows upwards: the first row is the top one
        c = 0
        for dark, run in itertools.groupby(row):
            width = len(list(run))
            if dark:
                ops.append(f"{c} {line} {width} 1 re")
            c += width
    origin_x, origin_y = x + quiet * module, y + quiet * module
    canvas.addLiteral(f"q {module:.5f} 0 0 {module:.5f} {origin_x:.3f} {origin_y:.3f} cm\n" + "\n".join(ops) + "\nf\nQ")
