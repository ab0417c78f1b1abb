"""`platform.documents.draw_qr` writes a QR code as one literal path of module runs: the symbol read back from the
PDF's content stream must be segno's matrix exactly (every dark module, nothing else), at the place and size asked."""

from __future__ import annotations

import io
import re

import segno
from pypdf import PdfReader
from reportlab.pdfgen.canvas import Canvas

from zhijian.platform.documents import draw_qr


def test_the_drawn_modules_are_the_symbols_matrix() -> None:
    data = "https://id.example.cn/01/06901234000125/21/S0000000042AB?17=271231"
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(200, 200))
    draw_qr(c, data, 20, 30, 123)
    c.save()
    stream = PdfReader(io.BytesIO(buf.getvalue())).pages[0].get_contents().get_data().decode("latin-1")
    m = re.search(r"q ([\d.]+) 0 0 ([\d.]+) ([\d.]+) ([\d.]+) cm\n(.*?)\nf\nQ", stream, re.S)
    assert m, stream[:300]
    matrix = segno.make(data, error="m", micro=False).matrix
    n = len(matrix)
    module = float(m.group(1))
    assert abs(module - 123 / (n + 4)) < 1e-4  # two modules of quiet zone on each side
    assert abs(float(m.group(3)) - (20 + 2 * module)) < 1e-2 and abs(float(m.group(4)) - (30 + 2 * module)) < 1e-2
    drawn = [[0] * n for _ in range(n)]
    for x, y, w, h in re.findall(r"(\d+) (\d+) (\d+) (\d+) re", m.group(5)):
        assert h == "1"
        for col in range(int(x), int(x) + int(w)):
            assert drawn[n - 1 - int(y)][col] == 0, "a module drawn twice"
            drawn[n - 1 - int(y)][col] = 1
    assert drawn == [list(row) for row in matrix]
