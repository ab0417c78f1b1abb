"""比较试验报告 — bar and radar charts (matplotlib, Chinese labels) and the Chinese PDF report (ReportLab).

Rendering only: it takes the dict that `service.comparative_report` returns and draws it.
The CJK font is `zhijian.platform.fonts.matplotlib_cjk_family()`; without one the labels fall back to the
default font (glyphs may be missing) rather than failing.
"""

from __future__ import annotations

import io
from typing import Any

from zhijian.platform.fonts import matplotlib_cjk_family

# Charts are drawn at the size they are shown (issue #21 finding 13: 8–9 pt text, then scaled down): the PDF places
# a figure W inches wide at W inches, the page shows it W × 96 CSS pixels wide (CSS_PX, in a scrolling box on a
# narrow screen), so a font of N pt shows at N pt; every text is at least MIN_PT. PNGs at DPI for sharp print.
DPI = 150
MIN_PT = 10.0
BAR_WIDTH_IN = 6.6
RADAR_WIDTH_IN = 5.6
CSS_PX = {"bar": round(BAR_WIDTH_IN * 96), "radar": round(RADAR_WIDTH_IN * 96)}


def _figure(width: float, height: float) -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    name = matplotlib_cjk_family()  # platform.fonts: the one CJK font finder (Simplified-Chinese shapes first)
    if name:
        matplotlib.rcParams["font.family"] = [name, "sans-serif"]
    matplotlib.rcParams["axes.unicode_minus"] = False
    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def _png(fig: Any) -> bytes:
    """The figure at exactly its size (no tight crop, which would change the scale it is shown at)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def bar_chart(report: dict[str, Any]) -> bytes:
    return _png(bar_figure(report))


def radar_chart(report: dict[str, Any], top: int = 6) -> bytes:
    return _png(radar_figure(report, top))


def bar_figure(report: dict[str, Any]) -> Any:
    """综合得分柱状图, best first."""
    rows = report["rows"]
    fig = _figure(BAR_WIDTH_IN, 0.5 * len(rows) + 1.6)
    ax = fig.subplots()
    from zhijian.platform.escape import plot_text

    labels = [f"{r['rank']}. {plot_text(r['label'])}" for r in rows][::-1]  # (numbered: equal labels stay apart)
    values = [r["overall"] for r in rows][::-1]
    bars = ax.barh(labels, values, color="#0b5cad")
    for b, v in zip(bars, values, strict=True):
        ax.text(b.get_width() + 1, b.get_y() + b.get_height() / 2, f"{v:.1f}", va="center", fontsize=MIN_PT)
    ax.set_xlim(0, 110)
    ax.set_xlabel("综合得分（0–100，按公布权重加权）", fontsize=MIN_PT)
    ax.set_title(f"{plot_text(report['title'])} — 综合得分", fontsize=MIN_PT + 2)
    ax.tick_params(labelsize=MIN_PT)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def radar_figure(report: dict[str, Any], top: int = 6) -> Any:
    """各项目得分雷达图 (the best `top` samples)."""
    import numpy as np

    from zhijian.platform.escape import plot_text

    items = report["items"]
    rows = report["rows"][:top]
    n = len(items)
    fig = _figure(RADAR_WIDTH_IN, 5.4)
    ax = fig.add_subplot(projection="polar")
    angles = np.linspace(0, 2 * np.pi, n, endpoint=False).tolist()
    angles += angles[:1]
    for r in rows:
        vals = [float(r["scores"].get(i["key"]) or 0.0) for i in items]
        vals += vals[:1]
        ax.plot(angles, vals, linewidth=1.5, label=plot_text(r["label"]) or " ")
        ax.fill(angles, vals, alpha=0.08)
    ax.set_xticks(angles[:-1])
    ax.set_xticklabels([plot_text(i["name"], max_length=20) for i in items], fontsize=MIN_PT)
    ax.tick_params(labelsize=MIN_PT)
    ax.set_ylim(0, 100)
    ax.set_title(f"{plot_text(report['title'])} — 单项得分", pad=18, fontsize=MIN_PT + 2)
    fig.legend(loc="outside lower center", ncols=2, fontsize=MIN_PT)
    return fig


def pdf_report(report: dict[str, Any]) -> bytes:
    """The Chinese PDF: method, weights, results table with ranks, overall ranking, both charts."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from zhijian.platform.escape import mail_header as meta_text
    from zhijian.platform.escape import pdf_text as esc  # every user text, never markup (issue 13)
    from zhijian.platform.fonts import pdf_font

    def cell(text: Any) -> str:
        return esc(text, max_length=200)

    font = pdf_font()  # embedded CJK subset (platform.fonts), not the unembedded STSong-Light
    h1 = ParagraphStyle("h1", fontName=font, fontSize=16, leading=22, spaceAfter=6)
    h2 = ParagraphStyle("h2", fontName=font, fontSize=12, leading=18, spaceBefore=8, spaceAfter=4)
    body = ParagraphStyle("b", fontName=font, fontSize=9.5, leading=14)
    small = ParagraphStyle("s", fontName=font, fontSize=8, leading=10)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=meta_text(report["title"]), author=meta_text(report.get("organizer") or "zhijian"))
    story: list[Any] = [Paragraph(esc(report["title"]), h1)]
    meta = [f"产品类型：{report['product_type']}", f"组织单位：{report.get('organizer') or '—'}",
            f"检测机构：{report.get('lab_name') or '—'}", f"检测日期：{report.get('tested_on') or '—'}",
            f"发布日期：{report.get('published_on') or '未发布'}"]
    story.append(Paragraph(esc("；".join(meta)), body))
    if report.get("method"):
        story += [Paragraph("试验方法", h2), Paragraph(esc(report["method"]), body)]
    story.append(Paragraph("检测项目与权重", h2))
    def para(text: Any) -> Any:
        return Paragraph(cell(text), small)

    wt = [["项目", "单位", "权重", "优劣方向", "要求"]] + [
        [para(i["name"]), para(i["unit"]), f"{i['weight_pct']}%", "越大越好" if i["higher_is_better"] else "越小越好",
         para(i["requirement"] or "—")] for i in report["items"]]
    story.append(_table(wt, [50 * mm, 20 * mm, 18 * mm, 22 * mm, 60 * mm], Table, TableStyle, colors))
    story.append(Paragraph("检测结果（括号内为单项排名）", h2))
    data = _results_rows(report, para)
    n = len(report["items"])
    widths = [12 * mm, 38 * mm] + [max(14.0, 118.0 / max(n, 1)) * mm] * n + [18 * mm]
    story.append(_table(data, widths, Table, TableStyle, colors))
    fails = [r for r in report["rows"] if r["failures"]]
    if fails:
        story.append(Paragraph(esc("不符合要求的项目：" + "；".join(f"{r['label']}：{'、'.join(r['failures'])}"
                                                             for r in fails)), body))
    story.append(Paragraph("评分方法：各项目按样品间最优 100 分、最差 0 分线性计分，综合得分为按公布权重的加权平均；"
                           "单项排名相同数值并列。", small))
    story.append(Spacer(1, 4 * mm))
    from reportlab.lib.units import inch

    for png in (bar_chart(report), radar_chart(report)):  # at their own size: MIN_PT prints as MIN_PT
        iw, ih = ImageReader(io.BytesIO(png)).getSize()
        story.append(Image(io.BytesIO(png), width=iw / DPI * inch, height=ih / DPI * inch))
    doc.build(story)
    return buf.getvalue()


def _results_rows(report: dict[str, Any], para: Any) -> list[list[Any]]:
    """The results table: header, then per sample its rank, label, each value with its item rank, the score."""
    head = ["排名", "品牌型号"] + [i["name"] for i in report["items"]] + ["综合得分"]
    data: list[list[Any]] = [[para(h) for h in head]]
    for r in report["rows"]:
        cells = [str(r["rank"]), para(r["label"])]
        for i in report["items"]:
            v = r["values"].get(i["key"])
            cells.append(para("—" if v is None else f"{v:g} ({r['ranks'].get(i['key'])})"))
        cells.append(f"{r['overall']:.1f}")
        data.append(cells)
    return data


def _table(data: list[list[Any]], widths: list[float], table_cls: Any, style_cls: Any, colors: Any) -> Any:
    t = table_cls(data, colWidths=widths, repeatRows=1)
    from zhijian.platform.fonts import pdf_font

    t.setStyle(style_cls([("FONTNAME", (0, 0), (-1, -1), pdf_font()), ("FONTSIZE", (0, 0), (-1, -1), 8),
                          ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                          ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")),
                          ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    return t
