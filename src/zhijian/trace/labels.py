"""Output of issued codes, streamed chunk by chunk: CSV, ZIP (CSV inside) and PDF label sheets.

Label sheets: A4, 4 × 10 labels, each with a QR code of the Digital Link URI (segno), the product name in
Chinese (the embedded CJK font of platform.fonts), lot and serial, and the PIN when there is one.
Large issues are split into several PDF files (`stem-0001.pdf` …) so that no file holds more than
`LABELS_PER_FILE` labels in memory.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any, Protocol

import segno

from zhijian.platform.files import AtomicFile
from zhijian.trace.service import IssuedCode

CSV_HEADER = "serial,uri,element_string,pin\r\n"
LABELS_PER_FILE = 4000


def csv_lines(chunk: list[IssuedCode]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerows((c.serial, c.uri, c.element_string, c.pin or "") for c in chunk)
    return buf.getvalue()


class Sink(Protocol):
    def __call__(self, chunk: list[IssuedCode]) -> None: ...

    def close(self) -> list[Path]: ...

    def discard(self) -> None: ...


class CsvSink:
    """Codes to a CSV file (UTF-8 with BOM, so that Excel shows Chinese correctly)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.out = AtomicFile(path, "w", encoding="utf-8-sig", newline="")
        self.f = self.out.file
        self.f.write(CSV_HEADER)

    def __call__(self, chunk: list[IssuedCode]) -> None:
        self.f.write(csv_lines(chunk))

    def close(self) -> list[Path]:
        return [self.out.commit()]

    def discard(self) -> None:
        self.out.discard()


class ZipSink:
    """Codes to `codes.csv` inside a ZIP, written as a stream (ZIP64 for large issues)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.out = AtomicFile(path, "wb")
        self.zf = zipfile.ZipFile(self.out.file, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True)
        self.entry = self.zf.open("codes.csv", "w", force_zip64=True)
        self.entry.write(("\ufeff" + CSV_HEADER).encode())

    def __call__(self, chunk: list[IssuedCode]) -> None:
        self.entry.write(csv_lines(chunk).encode())

    def close(self) -> list[Path]:
        self.entry.close()
        self.zf.close()
        return [self.out.commit()]

    def discard(self) -> None:
        self.out.discard()


def _font() -> str:
    """The embedded CJK font of every PDF (platform.fonts)."""
    from zhijian.platform.fonts import pdf_font

    return pdf_font()


def draw_qr(canvas: Any, data: str, x: float, y: float, size: float) -> None:
    """A QR code from segno's matrix, drawn as horizontal runs of dark modules (vector, crisp when printed)."""
    qr = segno.make(data, error="m", micro=False)
    matrix = [list(row) for row in qr.matrix]
    n = len(matrix)
    quiet = 2
    module = size / (n + 2 * quiet)
    path = canvas.beginPath()
    for r, row in enumerate(matrix):
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                path.rect(x + (quiet + start) * module, y + size - (quiet + r + 1) * module, (c - start) * module,
                          module)
            else:
                c += 1
    canvas.drawPath(path, stroke=0, fill=1)


class PdfSink:
    """Label sheets; a new file every LABELS_PER_FILE labels."""

    COLS, ROWS = 4, 10

    def __init__(self, path: Path, product_name: str, lot: str, per_file: int = LABELS_PER_FILE) -> None:
        self.path = path
        self.product = product_name
        self.lot = lot
        self.per_file = per_file
        self.files: list[Path] = []
        self.outs: list[AtomicFile] = []
        self.canvas: Any = None
        self.in_file = 0
        self.on_page = 0
        self.font = _font()

    def _open(self) -> None:
        from reportlab.lib.pagesizes import A4
        from reportlab.pdfgen.canvas import Canvas

        n = len(self.files) + 1
        p = self.path if n == 1 else self.path.with_name(f"{self.path.stem}-{n:04d}{self.path.suffix}")
        self.files.append(p)
        self.outs.append(AtomicFile(p, "wb"))
        self.canvas = Canvas(self.outs[-1].file, pagesize=A4)
        self.canvas.setTitle(f"{self.product} {self.lot} 防伪溯源标签")
        self.in_file = 0
        self.on_page = 0

    def _label(self, code: IssuedCode) -> None:
        from reportlab.lib.pagesizes import A4
        from reportlab.lib.units import mm

        if self.canvas is None or self.in_file >= self.per_file:
            self._close_file()
            self._open()
        elif self.on_page >= self.COLS * self.ROWS:
            self.canvas.showPage()
            self.on_page = 0
        w, h = A4
        cw, ch = (w - 20 * mm) / self.COLS, (h - 20 * mm) / self.ROWS
        col, row = self.on_page % self.COLS, self.on_page // self.COLS
        x0, y0 = 10 * mm + col * cw, h - 10 * mm - (row + 1) * ch
        c = self.canvas
        qr_size = ch - 2 * mm
        draw_qr(c, code.uri, x0 + 1 * mm, y0 + 1 * mm, qr_size)
        tx = x0 + qr_size + 2 * mm
        c.setFont(self.font, 7)
        c.drawString(tx, y0 + ch - 5 * mm, self.product[:10])
        c.setFont("Helvetica", 5.5)
        c.drawString(tx, y0 + ch - 9 * mm, f"LOT {self.lot}")
        c.drawString(tx, y0 + ch - 12 * mm, code.serial[:10])
        c.drawString(tx, y0 + ch - 14.5 * mm, code.serial[10:])
        if code.pin:
            c.setFont(self.font, 6)
            c.drawString(tx, y0 + 3 * mm, f"刮开码 {code.pin}")
        self.on_page += 1
        self.in_file += 1

    def __call__(self, chunk: list[IssuedCode]) -> None:
        for code in chunk:
            self._label(code)

    def _close_file(self) -> None:
        if self.canvas is not None:
            self.canvas.showPage()
            self.canvas.save()
            self.canvas = None

    def close(self) -> list[Path]:
        """Finish the last sheet and put every file in place (each whole or not at all)."""
        self._close_file()
        return [out.commit() for out in self.outs]

    def discard(self) -> None:
        self.canvas = None
        for out in self.outs:
            out.discard()


def sink_for(path: Path, *, product_name: str, lot: str) -> CsvSink | ZipSink | PdfSink:
    """The writer for an output path by its extension (.csv, .zip, .pdf)."""
    from zhijian.platform.errors import DomainError

    ext = path.suffix.lower()
    if ext == ".csv":
        return CsvSink(path)
    if ext == ".zip":
        return ZipSink(path)
    if ext == ".pdf":
        return PdfSink(path, product_name, lot)
    raise DomainError("trace.bad_output", f"输出文件应为 .csv、.zip 或 .pdf：{path}",
                      f"output must end in .csv, .zip or .pdf: {path}", field="out")
