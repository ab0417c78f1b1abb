"""Documents of spot checks: the inspection report PDF (with a QR code to its public verification page),
the published results as PDF and Excel, and the Atom feed of publications. Rendering only: the data
comes from the service."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from typing import Any

from zhijian.platform.escape import plain_text


def _font(bold: bool = False) -> str:
    """The embedded CJK font (platform.fonts: subset of Noto Serif CJK SC, every unit symbol present)."""
    from zhijian.platform.fonts import pdf_font

    return pdf_font(bold)


def _styles() -> dict[str, Any]:
    from reportlab.lib.styles import ParagraphStyle

    f = _font()
    return {"title": ParagraphStyle("t", fontName=f, fontSize=16, leading=22, alignment=1, spaceAfter=8),
            "h": ParagraphStyle("h", fontName=f, fontSize=11, leading=16, spaceBefore=6, spaceAfter=4),
            "p": ParagraphStyle("p", fontName=f, fontSize=9, leading=13),
            "cell": ParagraphStyle("c", fontName=f, fontSize=8, leading=11)}


def _table(rows: list[list[Any]], widths: list[float] | None = None, header: bool = True) -> Any:
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    st = _styles()["cell"]
    if len(rows) > 300:  # long annexes: plain cells (no paragraph layout per cell) keep 30,000-batch plans fast
        data: list[list[Any]] = [["" if c is None else str(c)[:40] for c in r] for r in rows]
    else:
        data = [[Paragraph(_esc(c), st) for c in r] for r in rows]
    t = Table(data, colWidths=widths, repeatRows=1 if header else 0, splitInRow=1)  # tall rows split (#13)
    style = [("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
             ("FONTNAME", (0, 0), (-1, -1), _font()), ("FONTSIZE", (0, 0), (-1, -1), 7)]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")))
    t.setStyle(TableStyle(style))
    return t


def _esc(v: Any) -> str:
    s = "" if v is None else str(v)
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def qr_png(url: str) -> bytes:
    import segno

    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="png", scale=4, border=2)
    return buf.getvalue()


def report_pdf(data: dict[str, Any], *, verify_url: str, digest: str) -> bytes:
    """检验报告 PDF: report number, sample, items with verdicts, conclusion, QR code to the verification page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer

    st = _styles()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=plain_text(f"检验报告 {data['report_no']}"),
                            author=plain_text(data.get("lab", "")))
    story: list[Any] = [Paragraph("检 验 报 告", st["title"]),
                        Paragraph(f"报告编号：{_esc(data['report_no'])}　　防伪校验码：{digest}", st["p"]),
                        Spacer(1, 4)]
    info = [["样品名称", data["product"], "商标", data["brand"]],
            ["规格型号", data["model"], "生产日期/批号", f"{data.get('production_date') or ''} {data.get('lot') or ''}"],
            ["受检单位", data["enterprise"], "抽样日期", data.get("sampled_on") or ""],
            ["抽样地点", data.get("place", ""), "抽样单编号", data["sample_no"]],
            ["任务来源", data["plan"], "检验机构", data["lab"]]]
    story.append(_table(info, [24 * mm, 62 * mm, 26 * mm, 62 * mm], header=False))
    story.append(Paragraph("检验结果", st["h"]))
    rows: list[list[Any]] = [["序号", "检验项目", "单位", "标准要求", "实测值", "单项判定", "检验方法"]]
    for i, it in enumerate([x for x in data["items"] if x["round"] == 0], 1):
        rows.append([i, it["name"], it["unit"], it["requirement"], it["value"], it["verdict"], it["method"]])
    story.append(_table(rows, [10 * mm, 38 * mm, 16 * mm, 26 * mm, 22 * mm, 18 * mm, 44 * mm]))
    retest = [x for x in data["items"] if x["round"] == 1]
    if retest:
        story.append(Paragraph(f"复检结果（复检机构：{_esc(data.get('retest_lab') or '')}）", st["h"]))
        rr: list[list[Any]] = [["序号", "检验项目", "单位", "标准要求", "实测值", "单项判定", "检验方法"]]
        for i, it in enumerate(retest, 1):
            rr.append([i, it["name"], it["unit"], it["requirement"], it["value"], it["verdict"], it["method"]])
        story.append(_table(rr, [10 * mm, 38 * mm, 16 * mm, 26 * mm, 22 * mm, 18 * mm, 44 * mm]))
    story.append(Paragraph("判定依据", st["h"]))  # issue #14: the same text as the batch page and the API
    from zhijian.spotcheck.judgement import explain_text

    for it in data["items"]:
        if it.get("explanation"):
            tag = "复检" if it["round"] else "初检"
            story.append(Paragraph(_esc(f"{tag} {it['name']}：{explain_text(it['explanation'])}"), st["p"]))
    verdict = data.get("verdict") or "待判定"
    concl = f"检验结论：经抽样检验，所检项目{'符合' if verdict == '合格' else '不符合'}标准要求，判定为{verdict}。"
    if data.get("failing_items"):
        concl += f"不合格项目：{'、'.join(data['failing_items'])}。"
    story += [Spacer(1, 6), Paragraph(_esc(concl), st["p"])]
    if data.get("override_reason"):
        story.append(Paragraph(f"复核改判理由：{_esc(data['override_reason'])}", st["p"]))
    story += [Spacer(1, 6), Paragraph(f"签发日期：{data.get('issued_on') or ''}　　扫描二维码核验报告真伪：", st["p"]),
              Image(io.BytesIO(qr_png(verify_url)), width=28 * mm, height=28 * mm),
              Paragraph(_esc(verify_url), st["cell"])]
    doc.build(story)
    return buf.getvalue()


def plan_pdf(plan: Any, stats: dict[str, Any], noncon: Sequence[Mapping[str, Any]]) -> bytes:
    """公布结果 PDF: summary, rates by category and region, failing items, annex of non-conforming products."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    st = _styles()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm, topMargin=12 * mm,
                            bottomMargin=12 * mm, title=plain_text(plan.title))
    rate = stats.get("nonconformity_rate")
    story: list[Any] = [
        Paragraph(_esc(plan.title), st["title"]),
        Paragraph(_esc(f"共抽查 {stats['enterprises']} 家企业 {stats['batches_tested']} 批次产品，"
                       f"发现 {stats['batches_failing']} 批次不合格，不合格发现率 {rate if rate is not None else '—'}%；"
                       f"拒检 {stats['refusals']} 家次。"), st["p"]), Spacer(1, 4),
        Paragraph("按产品类别", st["h"]),
        _table([["产品类别", "抽查批次", "不合格批次", "不合格发现率(%)"]] +
               [[c["category"], c["batches"], c["failing"], c["rate"]] for c in stats["by_category"]]),
        Paragraph("按地区", st["h"]),
        _table([["地区", "抽查批次", "不合格批次", "不合格发现率(%)"]] +
               [[r["region"], r["batches"], r["failing"], r["rate"]] for r in stats["by_region"]]),
        Paragraph("不合格项目", st["h"]),
        _table([["检验项目", "不合格批次"]] + [[i["item"], i["batches"]] for i in stats["failing_items"]] or [["—", ""]]),
        Paragraph("附件：不合格产品及企业名单", st["h"]),
        _table([["序号", "受检单位", "产品名称", "商标", "规格型号", "生产日期/批号", "不合格项目", "检验机构"]] +
               [[i, n["enterprise"], n["product"], n["brand"], n["model"], f"{n['production_date']} {n['lot']}",
                 "、".join(n["failing_items"]), n["lab"]] for i, n in enumerate(noncon, 1)],
               [10 * mm, 50 * mm, 40 * mm, 20 * mm, 28 * mm, 32 * mm, 50 * mm, 42 * mm]),
    ]
    doc.build(story)
    return buf.getvalue()


def plan_xlsx(plan: Any, stats: dict[str, Any], noncon: Sequence[Mapping[str, Any]]) -> bytes:
    """公布结果 Excel through platform.exports: one table per sheet (汇总, by category, by region, failing items,
    the non-conforming products), each titled with the plan, frozen header, autofilter, dates as dates."""
    from zhijian.platform import exports as ex

    title, scope = str(plan.title), {"抽查计划": plan.title, "年度": getattr(plan, "year", None)}
    pct = ex.Column("不合格发现率(%)", "number", number_format="0.00")
    count: tuple[tuple[str, ex.Kind], ...] = ("抽查批次", "int"), ("不合格批次", "int")
    summary = [["抽查企业", stats["enterprises"]], ["抽查批次", stats["batches_tested"]],
               ["不合格批次", stats["batches_failing"]], ["不合格发现率(%)", stats["nonconformity_rate"]],
               ["拒检", stats["refusals"]]]
    sheets = [
        ex.Sheet("汇总", ["项目", ex.Column("数值", "number")], summary, title=title, filters=scope),
        ex.Sheet("按产品类别", ["产品类别", *(ex.Column(h, k) for h, k in count), pct],
                 ([c["category"], c["batches"], c["failing"], c["rate"]] for c in stats["by_category"]),
                 title=title, filters=scope),
        ex.Sheet("按地区", ["地区", *(ex.Column(h, k) for h, k in count), pct],
                 ([r["region"], r["batches"], r["failing"], r["rate"]] for r in stats["by_region"]),
                 title=title, filters=scope),
        ex.Sheet("不合格项目", ["不合格项目", ex.Column("不合格批次", "int")],
                 ([i["item"], i["batches"]] for i in stats["failing_items"]), title=title, filters=scope),
        ex.Sheet("不合格产品名单",
                 [ex.Column("序号", "int"), "受检单位", ex.Column("地区代码", "text"), "产品名称", "商标", "规格型号",
                  ex.Column("生产日期", "date"), ex.Column("批号", "text"), "不合格项目", "涉及安全项目", "检验机构",
                  ex.Column("报告编号", "text"), "经复检"],
                 ([i, n["enterprise"], n["region_code"], n["product"], n["brand"], n["model"], n["production_date"],
                   n["lot"], "、".join(n["failing_items"]), "是" if n["safety_failure"] else "否", n["lab"],
                   n["report_no"], "是" if n["retested"] else "否"] for i, n in enumerate(noncon, 1)),
                 title=f"{title} 不合格产品及企业名单", filters=scope),
    ]
    return ex.to_bytes(sheets)


def atom_feed(plans: list[Any], base_url: str) -> bytes:
    """Atom feed of published spot-check results (最新抽查结果公布)."""
    from feedgen.feed import FeedGenerator

    fg = FeedGenerator()
    fg.id(f"{base_url}/spotchecks")
    fg.title("监督抽查结果公布")
    fg.link(href=f"{base_url}/spotchecks", rel="alternate")
    fg.link(href=f"{base_url}/spotchecks/feed.atom", rel="self")
    fg.language("zh-CN")
    fg.updated(max((p.published_at for p in plans if p.published_at), default=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)))
    for p in sorted(plans, key=lambda p: p.published_at or dt.datetime.min.replace(tzinfo=dt.UTC)):
        e = fg.add_entry()
        e.id(f"{base_url}/spotchecks/{p.id}")
        e.title(p.title)
        e.link(href=f"{base_url}/spotchecks/{p.id}")
        s = p.summary or {}
        e.summary(f"抽查 {s.get('batches_tested', 0)} 批次，不合格 {s.get('batches_failing', 0)} 批次，"
                  f"不合格发现率 {s.get('nonconformity_rate')}%")
        e.updated(p.published_at)
        e.published(p.published_at)
    feed: bytes = fg.atom_str(pretty=True)
    return feed
