"""Published documents of the programme: announcement PDF (A4, Chinese) and Excel, Atom feed, certificate PDF.

Plain data in, bytes out (no database): the service gathers the rows, these functions lay them out.
Chinese text uses the embedded CJK font of platform.fonts (a subset of Noto Serif CJK SC per document).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from zhijian.platform.escape import plain_text

ASSOCIATION = "中国质量检验协会"
PROGRAMME = "全国质量检验稳定合格产品"
FONT = "STSong-Light"


@dataclass(frozen=True)
class ListedProduct:
    """What an announcement's line and a certificate both show of a listed product (证书编号, 企业, 产品 …)."""

    certificate_no: str
    enterprise: str
    product: str
    brand: str
    model: str
    category: str


@dataclass(frozen=True)
class Row(ListedProduct):
    """One line of an announcement (公告附件)."""

    basis: str
    note: str = ""


@dataclass(frozen=True)
class AnnouncementDoc:
    label: str  # 2026年第1号
    kind: str  # listing | revocation
    title: str
    body: str
    published_on: dt.date | None
    valid_from: dt.date | None
    valid_until: dt.date | None
    rows: tuple[Row, ...]
    url: str = ""


def _font() -> str:
    """The embedded CJK font (platform.fonts; FONT is the old, non-embedded CID font's name, kept for callers)."""
    from zhijian.platform.fonts import pdf_font

    return pdf_font()


def _styles() -> dict[str, Any]:
    """The paragraph styles of the announcement PDF (reportlab ParagraphStyle, imported lazily)."""
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle

    f = _font()
    return {
        "head": ParagraphStyle("head", fontName=f, fontSize=20, leading=28, alignment=TA_CENTER, textColor="#b3261e"),
        "title": ParagraphStyle("title", fontName=f, fontSize=15, leading=22, alignment=TA_CENTER),
        "no": ParagraphStyle("no", fontName=f, fontSize=11, leading=16, alignment=TA_CENTER),
        "body": ParagraphStyle("body", fontName=f, fontSize=11, leading=18, firstLineIndent=22),
        "cell": ParagraphStyle("cell", fontName=f, fontSize=8, leading=11),
        "small": ParagraphStyle("small", fontName=f, fontSize=9, leading=13),
    }


def _esc(text: str) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _intro(doc: AnnouncementDoc) -> str:
    if doc.body:
        return doc.body
    if doc.kind == "revocation":
        return (f"经复核，下列产品在列入{PROGRAMME}名单后的监督抽查中最终判定不合格，"
                "现撤销其稳定合格产品资格，证书同时作废。特此公告。")
    return (f"根据{PROGRAMME}评价规则，经企业申报、协会审核和评审委员会审定，下列产品列入{PROGRAMME}名单，"
            f"有效期自 {doc.valid_from} 至 {doc.valid_until}。特此公告。")


def announcement_pdf(doc: AnnouncementDoc) -> bytes:
    """公告 PDF: association header, number, text, and the table of products."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import HRFlowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    st = _styles()
    buf = io.BytesIO()
    pdf = SimpleDocTemplate(buf, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=plain_text(f"{doc.title} {doc.label}"), author=ASSOCIATION)
    story = [Paragraph(ASSOCIATION, st["head"]), HRFlowable(width="100%", thickness=2, color=colors.HexColor("#b3261e")),
             Spacer(1, 4 * mm), Paragraph(_esc(doc.title), st["title"]), Paragraph(f"公告 {doc.label}", st["no"]),
             Spacer(1, 4 * mm), Paragraph(_esc(_intro(doc)), st["body"]), Spacer(1, 4 * mm)]
    head = ["序号", "证书编号", "企业名称", "产品名称", "品牌", "型号规格", "类别", "撤销理由" if doc.kind == "revocation" else "列入依据"]
    data = [[Paragraph(h, st["cell"]) for h in head]]
    for i, r in enumerate(doc.rows, 1):
        last = r.note if doc.kind == "revocation" else r.basis
        data.append([Paragraph(_esc(str(v)), st["cell"]) for v in
                     (i, r.certificate_no, r.enterprise, r.product, r.brand, r.model, r.category, last)])
    widths = [m * mm for m in (9, 24, 36, 27, 15, 20, 17, 32)]
    table = Table(data, colWidths=widths, repeatRows=1, splitInRow=1)  # tall rows split (#13)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [table, Spacer(1, 8 * mm),
              Paragraph(f"{ASSOCIATION}　{doc.published_on or ''}", st["small"])]
    if doc.url:
        story.append(Paragraph(f"网上公告：{_esc(doc.url)}", st["small"]))
    pdf.build(story)
    return buf.getvalue()


def announcement_xlsx(doc: AnnouncementDoc) -> bytes:
    """公告 Excel through platform.exports: the announcement as title, its period as the filter, the products."""
    from zhijian.platform import exports as ex

    scope: dict[str, Any]
    if doc.kind == "listing":
        scope = {"公告": doc.label, "有效期": f"{doc.valid_from} 至 {doc.valid_until}"}
    else:
        scope = {"公告": doc.label, "发布日期": doc.published_on}
    cols = [ex.Column("序号", "int", 6), ex.Column("证书编号", "text", 18), ex.Column("企业名称", width=36),
            ex.Column("产品名称", width=24), ex.Column("品牌", width=12), ex.Column("型号规格", width=18),
            ex.Column("产品类别", width=16), ex.Column("列入依据", width=60), ex.Column("备注", width=40)]
    rows = ([i, r.certificate_no, r.enterprise, r.product, r.brand, r.model, r.category, r.basis, r.note]
            for i, r in enumerate(doc.rows, 1))
    return ex.to_bytes(ex.Sheet(doc.label, cols, rows, title=f"{ASSOCIATION} {doc.title} {doc.label}", filters=scope))


@dataclass(frozen=True)
class FeedEntry:
    id_url: str
    title: str
    summary: str
    published: dt.datetime
    pdf_url: str


def atom_feed(site_url: str, entries: Sequence[FeedEntry]) -> bytes:
    """Atom feed of published announcements (newest first)."""
    from feedgen.feed import FeedGenerator

    fg = FeedGenerator()
    fg.id(f"{site_url}/stable/feed.atom")
    fg.title(f"{PROGRAMME}公告")
    fg.author({"name": ASSOCIATION})
    fg.link(href=f"{site_url}/stable", rel="alternate")
    fg.link(href=f"{site_url}/stable/feed.atom", rel="self")
    fg.language("zh-CN")
    fg.updated(max((e.published for e in entries), default=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)))
    for e in reversed(list(entries)):  # feedgen prepends: add oldest first
        fe = fg.add_entry()
        fe.id(e.id_url)
        fe.title(e.title)
        fe.link(href=e.id_url, rel="alternate")
        fe.link(href=e.pdf_url, rel="enclosure", type="application/pdf")
        fe.summary(e.summary)
        fe.published(e.published)
        fe.updated(e.published)
    feed: bytes = fg.atom_str(pretty=True)
    return feed


@dataclass(frozen=True)
class CertificateDoc(ListedProduct):
    """证书: the listed product with its announcement, validity and the verification link (QR code)."""

    announcement_no: str
    valid_from: dt.date | None
    valid_until: dt.date | None
    verify_url: str


def qr_png(url: str) -> bytes:
    import segno

    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="png", scale=6, border=2)
    return buf.getvalue()


def certificate_pdf(doc: CertificateDoc) -> bytes:
    """证书 PDF (A4) with a QR code that opens the public verification page."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    f = _font()
    buf = io.BytesIO()
    w, h = A4
    c = canvas.Canvas(buf, pagesize=A4)
    c.setTitle(f"{PROGRAMME}证书 {doc.certificate_no}")
    c.setAuthor(ASSOCIATION)
    c.setStrokeColor(colors.HexColor("#b3261e"))
    c.setLineWidth(3)
    c.rect(12 * mm, 12 * mm, w - 24 * mm, h - 24 * mm)
    c.setFillColor(colors.HexColor("#b3261e"))
    c.setFont(f, 22)
    c.drawCentredString(w / 2, h - 40 * mm, ASSOCIATION)
    c.setFillColor(colors.black)
    c.setFont(f, 26)
    c.drawCentredString(w / 2, h - 62 * mm, f"{PROGRAMME}证书")
    c.setFont(f, 12)
    c.drawCentredString(w / 2, h - 74 * mm, f"证书编号：{doc.certificate_no}")
    lines = [("企业名称", doc.enterprise), ("产品名称", doc.product), ("品牌", doc.brand or "—"),
             ("型号规格", doc.model or "—"), ("产品类别", doc.category), ("公告编号", doc.announcement_no),
             ("有效期", f"{doc.valid_from} 至 {doc.valid_until}")]
    y = h - 100 * mm
    for label, value in lines:
        c.setFont(f, 13)
        c.drawString(35 * mm, y, f"{label}：")
        c.drawString(65 * mm, y, value[:40])
        y -= 11 * mm
    c.drawImage(ImageReader(io.BytesIO(qr_png(doc.verify_url))), w - 75 * mm, 30 * mm, 45 * mm, 45 * mm)
    c.setFont(f, 9)
    c.drawString(25 * mm, 40 * mm, "扫描二维码或访问下列网址核验证书状态（有效／已过期／已撤销）：")
    c.drawString(25 * mm, 34 * mm, doc.verify_url)
    c.showPage()
    c.save()
    return buf.getvalue()
