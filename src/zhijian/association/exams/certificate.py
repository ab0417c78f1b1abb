"""合格证书 PDF: holder, exam, validity, and a QR code of the public verification page (segno, drawn as vectors).

Drawn on a canvas (not Paragraphs), so user text goes through ``platform.escape.mail_header``: one line, no
control characters, bounded length.
"""

from __future__ import annotations

import io
from typing import Any

from zhijian.association.common.pdf import font as cjk_font
from zhijian.platform.escape import mail_header as one_line


def _qr(canvas: Any, data: str, x: float, y: float, size: float) -> None:
    import segno

    matrix = [list(row) for row in segno.make(data, error="m", micro=False).matrix]
    n, quiet = len(matrix), 2
    module = size / (n + 2 * quiet)
    path = canvas.beginPath()
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                path.rect(x + (quiet + c) * module, y + size - (quiet + r + 1) * module, module, module)
    canvas.drawPath(path, stroke=0, fill=1)


def pdf(facts: Any, verify_url: str) -> bytes:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    font = cjk_font()
    buf = io.BytesIO()
    w, h = landscape(A4)
    c = Canvas(buf, pagesize=(w, h))
    c.setTitle(f"合格证书 {facts.number}")
    c.setLineWidth(2)
    c.rect(12 * mm, 12 * mm, w - 24 * mm, h - 24 * mm)
    c.setFont(font, 30)
    c.drawCentredString(w / 2, h - 45 * mm, "合 格 证 书")
    c.setFont(font, 14)
    lines = [f"兹证明 {one_line(facts.holder, max_length=40)}（证件号 {facts.id_number_masked}）",
             f"参加「{one_line(facts.exam_title, max_length=60)}」考试，成绩合格。",
             f"证书编号：{facts.number}", f"发证日期：{facts.issued_on}    有效期至：{facts.valid_until}"]
    for i, line in enumerate(lines):
        c.drawString(35 * mm, h - (75 + 14 * i) * mm, line)
    c.setFont(font, 10)
    c.drawString(35 * mm, 30 * mm, "中国质量检验协会（秘书处）")
    c.drawString(w - 95 * mm, 25 * mm, "扫码或访问下列网址查询真伪：")
    c.drawString(w - 95 * mm, 20 * mm, one_line(verify_url, max_length=90))
    _qr(c, verify_url, w - 70 * mm, 30 * mm, 40 * mm)
    c.showPage()
    c.save()
    return buf.getvalue()
