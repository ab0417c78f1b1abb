"""使用标志 label sheet (PDF): A4, 3 × 8 labels, each with the QR of the unit's GIAI Digital Link.

Drawn with the project's label code (``zhijian.trace.labels``: segno's QR matrix as vector runs, ReportLab's
built-in CID font STSong-Light for Chinese), so the equipment labels print like the product labels.
"""

from __future__ import annotations

import io
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Label:
    code: str             # 设备代码
    variety_zh: str
    registration_no: str  # 使用登记证编号
    giai: str             # GIAI (AI 8004) value
    link: str             # the Digital Link URI the QR encodes
    emergency: str        # 96333 for elevators, else ""


COLS, ROWS = 3, 8


def render(labels: list[Label]) -> bytes:
    """The sheet as PDF bytes (at most a few thousand labels: the service caps the count)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    from zhijian.platform.documents import draw_qr
    from zhijian.platform.escape import plain_text
    from zhijian.platform.fonts import pdf_font as _font

    font = _font()
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4)
    c.setTitle("特种设备使用标志 二维码")
    w, h = A4
    cw, ch = (w - 14 * mm) / COLS, (h - 14 * mm) / ROWS
    for i, lab in enumerate(labels):
        slot = i % (COLS * ROWS)
        if i and slot == 0:
            c.showPage()
        col, row = slot % COLS, slot // COLS
        x0, y0 = 7 * mm + col * cw, h - 7 * mm - (row + 1) * ch
        c.setLineWidth(0.3)
        c.rect(x0 + 1 * mm, y0 + 1 * mm, cw - 2 * mm, ch - 2 * mm)
        qr = ch - 6 * mm
        draw_qr(c, lab.link, x0 + 2 * mm, y0 + 3 * mm, qr)
        tx = x0 + qr + 3 * mm
        c.setFont(font, 8)
        c.drawString(tx, y0 + ch - 7 * mm, "特种设备使用标志")
        c.setFont(font, 7)
        c.drawString(tx, y0 + ch - 11 * mm, plain_text(lab.variety_zh)[:9])  # stored text, one line (#13)
        c.drawString(tx, y0 + ch - 15 * mm, f"登记证 {plain_text(lab.registration_no)[:14]}")
        c.setFont("Helvetica", 6)
        c.drawString(tx, y0 + ch - 19 * mm, lab.code)
        c.drawString(tx, y0 + ch - 22 * mm, f"(8004){lab.giai}"[:32])
        c.setFont(font, 6.5)
        c.drawString(tx, y0 + 7 * mm, "扫码查看检验、维保信息")
        if lab.emergency:
            c.drawString(tx, y0 + 3.5 * mm, f"困人救援 {plain_text(lab.emergency, max_length=20)}")
    c.showPage()
    c.save()
    return buf.getvalue()
