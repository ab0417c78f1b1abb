"""风险评估记录 PDF — the assessment's scenarios, steps, matrix cells and conclusion (ReportLab, embedded CJK font)."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from zhijian.platform.fonts import pdf_font
from zhijian.risk import matrix


def _font() -> str:
    """The embedded CJK font (platform.fonts): subset of Noto Serif CJK SC, so 10⁻⁶, ≤ and ℃ print."""
    return pdf_font()


def assessment_pdf(result: dict[str, Any], *, record_id: int | None = None, assessor: str = "", created: str = "",
                   hazard: str = "") -> bytes:
    font = _font()
    h1 = ParagraphStyle("h1", fontName=font, fontSize=16, leading=22, spaceAfter=6)
    h2 = ParagraphStyle("h2", fontName=font, fontSize=12, leading=18, spaceBefore=8, spaceAfter=4)
    body = ParagraphStyle("b", fontName=font, fontSize=10, leading=15)
    small = ParagraphStyle("s", fontName=font, fontSize=8.5, leading=12, textColor=colors.grey)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                            bottomMargin=16 * mm, title="风险评估记录", author="zhijian")
    flow: list[Any] = [Paragraph("产品风险评估记录", h1)]
    meta = [f"编号：{record_id}" if record_id else "", f"产品：{escape(result['product'])}",
            f"危害：{escape(hazard)}" if hazard else "", f"评估人：{escape(assessor)}" if assessor else "",
            f"日期：{escape(created)}" if created else "", f"方法：{escape(result['method'])}"]
    for m in meta:
        if m:
            flow.append(Paragraph(m, body))
    flow.append(Paragraph(f"结论：{result['risk_level_zh']}（{result['risk_level']}）", h2))
    if result.get("presumed_serious"):
        flow.append(Paragraph("推定严重风险情形：" + "；".join(escape(matrix.PRESUMED_SERIOUS[f])
                                                           for f in result["presumed_serious"]), body))
        flow.append(Paragraph(f"按风险矩阵的等级：{matrix.LEVEL_ZH[result['risk_level_by_matrix']]}", body))
    for i, sc in enumerate(result["scenarios"], 1):
        flow.append(Paragraph(f"伤害情景 {i}：{escape(sc['description'])}", h2))
        flow.append(Paragraph(f"消费者：{sc['consumer_zh']}；严重程度：{escape(matrix.SEVERITY_ZH[sc['severity']])}", body))
        rows = [["步骤", "描述", "概率"]] + [[str(j), Paragraph(escape(st["description"]), body), f"{st['probability']:.6g}"]
                                         for j, st in enumerate(sc["steps"], 1)]
        rows.append(["", "总概率（各步骤之积）", f"{sc['probability_label']}（{sc['probability_fraction']}）"])
        rows.append(["", "概率区间 / 风险等级", f"{sc['band']} → {sc['risk_level_zh']}"])
        t = Table(rows, colWidths=[14 * mm, 110 * mm, 50 * mm], splitInRow=1)  # tall rows split (#13)
        t.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), font, 9), ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        flow.append(t)
    if "exposure" in result:
        e = result["exposure"]
        flow.append(Paragraph("暴露量调整（非欧盟方法的一部分）", h2))
        flow.append(Paragraph(f"在用数量 {e['units_in_use']}，预期伤害次数约 {e['expected_injuries']:.2f}。{escape(e['note_zh'])}",
                              body))
    flow.append(Spacer(1, 8))
    flow.append(Paragraph("风险矩阵依据 Implementing Decision (EU) 2019/417（Delegated Regulation (EU) 2024/3173 Annex II 沿用）；"
                          "概率区间为严格大于（如 “> 1/1 000”）。", small))
    doc.build(flow)
    return buf.getvalue()
