"""能力验证报告 — the per-participant PDF (its scores, all results with uncertainty bars) and the round report.

Rendering only: it takes the service's RoundView. Participants appear by code; every user text is escaped.
"""

from __future__ import annotations

import io
import math
from typing import Any

from zhijian.association.common import pdf
from zhijian.association.pt import rules
from zhijian.platform.escape import pdf_text as esc
from zhijian.platform.escape import plot_text


def _fmt(v: float | None, nd: int = 2) -> str:
    return "—" if v is None or not math.isfinite(v) else f"{v:.{nd}f}"


# the charts' widths in inches: the PDF places each at this width (A4 less 15 mm margins leaves 7.09 in)
RESULTS_WIDTH_IN = 6.9
HISTOGRAM_WIDTH_IN = 5.9


def _sized(ax: Any) -> None:
    """Every text of the axes at least pdf.MIN_PT (issue #21 finding 13: 8 pt shrunk to 0.86 printed as 6.9 pt)."""
    ax.tick_params(labelsize=pdf.MIN_PT)
    ax.xaxis.label.set_fontsize(pdf.MIN_PT)
    ax.yaxis.label.set_fontsize(pdf.MIN_PT)
    ax.title.set_fontsize(pdf.MIN_PT + 2)


def results_figure(view: Any, highlight: str | None = None) -> Any:
    """All results sorted, with ±U bars; x_pt and x_pt ± 2σ_pt, ± 3σ_pt lines; the reader's own result in red."""
    s = view.round.summary
    rows = sorted((r for r in view.rows if r["result"] is not None), key=lambda r: r["result"])
    fig = pdf.figure(RESULTS_WIDTH_IN, 3.8)
    ax = fig.subplots()
    xs = list(range(1, len(rows) + 1))
    ys = [r["result"] for r in rows]
    errs = [r["U"] or 0.0 for r in rows]
    colours = ["#c62828" if r["code"] == highlight else "#1f4e79" for r in rows]
    ax.errorbar(xs, ys, yerr=errs, fmt="none", ecolor="#9aa7b4", elinewidth=0.8, capsize=1.5)
    ax.scatter(xs, ys, c=colours, s=10 if len(rows) > 60 else 18, zorder=3)
    xpt, sp = s.get("assigned_value"), s.get("sigma_pt")
    if xpt is not None and sp:
        ax.axhline(xpt, color="#2e7d32", lw=1.2, label=f"x_pt = {xpt:.4g}")
        for k, ls in ((2, "--"), (3, ":")):
            ax.axhline(xpt + k * sp, color="#e65100", lw=0.9, ls=ls)
            ax.axhline(xpt - k * sp, color="#e65100", lw=0.9, ls=ls, label=f"x_pt ± {k}σ_pt" if k else None)
    if highlight:
        for x, r in zip(xs, rows, strict=True):
            if r["code"] == highlight:
                ax.annotate(highlight, (x, r["result"]), textcoords="offset points", xytext=(4, 6), color="#c62828",
                            fontsize=pdf.MIN_PT)
    ax.set_xlabel("参加者（按结果排序）")
    ax.set_ylabel(plot_text(f"{view.round.measurand} ({view.round.unit})"))
    ax.set_title(plot_text(f"{view.round.code} 全部结果及扩展不确定度"))
    ax.legend(fontsize=pdf.MIN_PT, loc="upper left")
    ax.spines[["top", "right"]].set_visible(False)
    _sized(ax)
    return fig


def results_plot(view: Any, highlight: str | None = None) -> bytes:
    return pdf.png_figure(results_figure(view, highlight))


def histogram_figure(view: Any) -> Any:
    zs = [r["z"] for r in view.rows if r["z"] is not None]
    fig = pdf.figure(HISTOGRAM_WIDTH_IN, 2.8)
    ax = fig.subplots()
    ax.hist([max(-5.0, min(5.0, z)) for z in zs], bins=20, range=(-5, 5), color="#1f4e79")
    for k in (-3, -2, 2, 3):
        ax.axvline(k, color="#e65100", ls="--" if abs(k) == 2 else ":", lw=0.9)
    ax.set_xlabel("z 比分数（截断于 ±5）")
    ax.set_ylabel("参加者数")
    _sized(ax)
    return fig


def _z_histogram(view: Any) -> bytes:
    return pdf.png_figure(histogram_figure(view))


def _head(view: Any, st: dict[str, Any]) -> list[Any]:
    from reportlab.platypus import Paragraph

    r, s = view.round, view.round.summary
    meta = [f"计划：{view.scheme.code} {view.scheme.name}", f"轮次：{r.code}（{r.year}）", f"检测项目：{r.measurand}",
            f"单位：{r.unit or '—'}", f"方法：{r.method or '—'}"]
    stat = [f"指定值 x_pt = {_fmt(s.get('assigned_value'), 4)}（{s.get('assigned_value_source', '')}）",
            f"u(x_pt) = {_fmt(s.get('u_assigned'), 4)}", f"σ_pt = {_fmt(s.get('sigma_pt'), 4)}（{s.get('sigma_pt_source', '')}）",
            f"结果数 p = {s.get('p')}", f"评价统计量：{rules.SCORE_KINDS.get(r.score_kind, r.score_kind)}"]
    return [Paragraph(esc("；".join(meta)), st["body"]), Paragraph(esc("；".join(stat)), st["body"])]


def _doc(buf: io.BytesIO, title: str) -> Any:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    from zhijian.platform.escape import mail_header

    return SimpleDocTemplate(buf, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                             bottomMargin=15 * mm, title=mail_header(title), author="zhijian association")


SIGNAL_TEXT = {"satisfactory": "满意", "questionable": "有问题（预警）", "unsatisfactory": "不满意（行动）", None: "—"}


def participant_pdf(view: Any, code: str) -> bytes:
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer

    st = pdf.styles()
    me = next(r for r in view.rows if r["code"] == code)
    buf = io.BytesIO()
    doc = _doc(buf, f"能力验证结果报告 {view.round.code} {code}")
    story: list[Any] = [Paragraph(esc(f"能力验证结果报告 — 参加者 {code}"), st["h1"])]
    if me.get("lab"):
        story.append(Paragraph(esc(f"参加机构：{me['lab']}"), st["body"]))
    story += _head(view, st)
    story.append(Paragraph("本机构结果与评价", st["h2"]))
    data = [["结果", "扩展不确定度 U", "z", "z′", "ζ", "En", "评价"],
            [_fmt(me["result"], 4), _fmt(me["U"], 4), _fmt(me["z"]), _fmt(me["z_prime"]), _fmt(me["zeta"]),
             _fmt(me["en"]), SIGNAL_TEXT.get(me["signal"], "—")]]
    story.append(pdf.table(data))
    story.append(Paragraph("判定：|z| ≤ 2 满意；2 < |z| < 3 有问题；|z| ≥ 3 不满意；|En| ≤ 1 满意，|En| > 1 不满意"
                           "（ISO 13528:2015 §9）。有问题或不满意的结果须在期限内提交原因分析和纠正措施。", st["small"]))
    story += [Spacer(1, 3 * mm), pdf.image(results_plot(view, code))]
    doc.build(story)
    return buf.getvalue()


def round_pdf(view: Any) -> bytes:
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer

    st = pdf.styles()
    r, s = view.round, view.round.summary
    buf = io.BytesIO()
    doc = _doc(buf, f"能力验证总结报告 {r.code}")
    story: list[Any] = [Paragraph(esc(f"能力验证总结报告 — {r.code}"), st["h1"])] + _head(view, st)
    h, stab = r.homogeneity or {}, r.stability or {}
    story.append(Paragraph("样品均匀性与稳定性", st["h2"]))
    if h:
        story.append(Paragraph(esc(f"g = {h.get('g')}，m = {h.get('m')}，s_x = {_fmt(h.get('s_x'), 5)}，"
                                   f"s_w = {_fmt(h.get('s_w'), 5)}，s_s = {_fmt(h.get('s_s'), 5)}；"
                                   f"{h.get('verdict_zh', '')}"), st["body"]))
    if stab:
        story.append(Paragraph(esc(stab.get("verdict_zh", "")), st["body"]))
    c = s.get("counts", {})
    story.append(Paragraph("结果统计", st["h2"]))
    story.append(Paragraph(esc(f"报名 {s.get('enrolled')} 家，回报结果 {s.get('p')} 家，未回报 {s.get('missing')} 家；"
                               f"满意 {c.get('satisfactory', 0)}，有问题 {c.get('questionable', 0)}，"
                               f"不满意 {c.get('unsatisfactory', 0)}；稳健统计 x* = {_fmt(s.get('x_star'), 4)}，"
                               f"s* = {_fmt(s.get('s_star'), 4)}（算法 A，{s.get('iterations')} 次迭代）"), st["body"]))
    for note in s.get("notes") or []:
        story.append(Paragraph(esc(note), st["small"]))
    story += [Spacer(1, 2 * mm), pdf.image(results_plot(view)), pdf.image(_z_histogram(view))]
    story.append(Paragraph("全部参加者结果", st["h2"]))
    data: list[list[Any]] = [["编号", "结果", "U", "z", "z′", "ζ", "En", "评价"]]
    flagged = []
    for i, x in enumerate(view.rows, 1):
        data.append([x["code"], _fmt(x["result"], 4), _fmt(x["U"], 4), _fmt(x["z"]), _fmt(x["z_prime"]),
                     _fmt(x["zeta"]), _fmt(x["en"]), SIGNAL_TEXT.get(x["signal"], "未回报")])
        if x["signal"] in ("questionable", "unsatisfactory"):
            flagged.append(i)
    story.append(pdf.table(data, highlight=flagged))
    doc.build(story)
    return buf.getvalue()
