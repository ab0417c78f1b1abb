"""Output of issued codes, streamed chunk by chunk: CSV, ZIP (CSV inside) and PDF label sheets.

Label sheets: A4, 4 × 10 labels, each with a QR code of the Digital Link URI (segno; its compressed form, GS1 DL
1.1 §8, when the batch asks for it), the product name in Chinese (the embedded CJK font of platform.fonts), lot
and serial. Every text line is wrapped and shrunk to the room right of the QR code (`fit_lines`), so it never
runs into the neighbouring label's code (issue 21). A batch with PINs gets a 刮开涂层 placeholder on each label
and never the PIN in clear: the PINs go to the printer as a separate file (`PinFileSink`, `pins.csv`), which the
label printer overprints under the scratch-off coating. Large issues are split into several PDF files
(`stem-0001.pdf` …) so that no file holds more than `LABELS_PER_FILE` labels in memory.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any, Protocol

from zhijian.platform.documents import draw_qr
from zhijian.platform.escape import plain_text
from zhijian.platform.files import AtomicFile
from zhijian.trace.service import IssuedCode

CSV_HEADER = "serial,uri,element_string,pin,compressed_uri\r\n"
LABELS_PER_FILE = 4000


def compressed_uri(code: IssuedCode) -> str:
    """The code's compressed Digital Link (GS1 DL 1.1 §8; GS1 Resolver CE's default, no optimisations): as the
    issuance computed it, or from its URI (codes made elsewhere, e.g. tests and previews)."""
    if code.compressed:
        return code.compressed
    from zhijian.trace import digital_link

    link = digital_link.parse(code.uri)
    return digital_link.compressed_link(link, origin=f"{code.uri.split('://', 1)[0]}://{link.host}")


def csv_lines(chunk: list[IssuedCode]) -> str:
    """CSV rows of codes; the last column is the compressed Digital Link of the same code (the resolver answers
    both forms alike)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerows((c.serial, c.uri, c.element_string, c.pin or "", compressed_uri(c)) for c in chunk)
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


class _ZippedCsv:
    """One CSV entry (UTF-8 with BOM) inside a ZIP written as a stream to an atomic file (ZIP64 for large issues)."""

    def __init__(self, path: Path, entry: str, header: str) -> None:
        self.out = AtomicFile(path, "wb")
        self.zf = zipfile.ZipFile(self.out.file, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True)
        self.entry = self.zf.open(entry, "w", force_zip64=True)
        self.entry.write(("\ufeff" + header).encode())

    def close(self) -> list[Path]:
        self.entry.close()
        self.zf.close()
        return [self.out.commit()]

    def discard(self) -> None:
        self.out.discard()


class ZipSink(_ZippedCsv):
    """Codes to `codes.csv` inside a ZIP, written as a stream (ZIP64 for large issues)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(path, "codes.csv", CSV_HEADER)

    def __call__(self, chunk: list[IssuedCode]) -> None:
        self.entry.write(csv_lines(chunk).encode())


def _font() -> str:
    """The embedded CJK font of every PDF (platform.fonts)."""
    from zhijian.platform.fonts import pdf_font

    return pdf_font()


def fit_lines(text: str, font: str, size: float, width: float, *, max_lines: int = 3,
              min_size: float = 4.5) -> tuple[float, list[str]]:
    """Wrap `text` (character by character, as CJK wraps) into at most `max_lines` lines no wider than `width`,
    shrinking the type down to `min_size`; what still does not fit ends in "…". Returns (size, lines)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    def wrap(sz: float) -> list[str]:
        lines, cur = [], ""
        for ch in text:
            if cur and stringWidth(cur + ch, font, sz) > width:
                lines.append(cur)
                cur = ch.lstrip()
            else:
                cur += ch
        if cur:
            lines.append(cur)
        return lines

    sz = size
    while True:
        lines = wrap(sz)
        if len(lines) <= max_lines or sz <= min_size:
            break
        sz = max(min_size, sz - 0.5)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and stringWidth(last + "…", font, sz) > width:
            last = last[:-1]
        lines = lines[:max_lines - 1] + [last + "…"]
    return sz, lines


class PdfSink:
    """Label sheets; a new file every LABELS_PER_FILE labels. PINs are never drawn: with `with_pin` (or codes
    that carry one) each label gets the scratch-off placeholder and the PINs go to `<stem>.pins.csv` beside it
    (listed in `pin_files` after `close`)."""

    COLS, ROWS = 4, 10

    def __init__(self, path: Path, product_name: str, lot: str, per_file: int = LABELS_PER_FILE,
                 with_pin: bool = False, compressed: bool = False) -> None:
        self.path = path
        self.compressed = compressed  # the QR carries the compressed Digital Link (shorter: a smaller QR version)
        self.product = plain_text(product_name)  # canvas text: no markup, but no surrogates/controls either (#13)
        self.lot = plain_text(lot)
        self.per_file = per_file
        self.with_pin = with_pin
        self.files: list[Path] = []
        self.outs: list[AtomicFile] = []
        self.canvas: Any = None
        self.in_file = 0
        self.on_page = 0
        self.font = _font()
        self.pins: CsvPinSink | None = None
        self.pin_files: list[Path] = []

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

    def cell(self) -> tuple[float, float, float, float]:
        """(x0, y0, width, height) of the current label's cell."""
        from reportlab.lib.pagesizes import A4
        from reportlab.lib.units import mm

        w, h = A4
        cw, ch = (w - 20 * mm) / self.COLS, (h - 20 * mm) / self.ROWS
        col, row = self.on_page % self.COLS, self.on_page // self.COLS
        return 10 * mm + col * cw, h - 10 * mm - (row + 1) * ch, cw, ch

    def _label(self, code: IssuedCode) -> None:
        from reportlab.lib.units import mm

        if self.canvas is None or self.in_file >= self.per_file:
            self._close_file()
            self._open()
        elif self.on_page >= self.COLS * self.ROWS:
            self.canvas.showPage()
            self.on_page = 0
        x0, y0, cw, ch = self.cell()
        c = self.canvas
        qr_size = ch - 2 * mm
        draw_qr(c, compressed_uri(code) if self.compressed else code.uri, x0 + 1 * mm, y0 + 1 * mm, qr_size)
        tx = x0 + qr_size + 2 * mm
        room = x0 + cw - 1.5 * mm - tx  # the text column ends 1.5 mm before the cell edge
        y = y0 + ch - 4 * mm
        size, lines = fit_lines(self.product, self.font, 7, room, max_lines=3)
        c.setFont(self.font, size)
        for line in lines:
            c.drawString(tx, y, line)
            y -= size + 1
        y -= 1
        for text in (f"LOT {self.lot}", code.serial):
            sz, parts = fit_lines(text, "Helvetica", 5.5, room, max_lines=2)
            c.setFont("Helvetica", sz)
            for part in parts:
                c.drawString(tx, y, part)
                y -= sz + 1
        if self.with_pin or code.pin:
            # 刮开涂层区: an outlined grey box the printer overprints with the PIN and covers with scratch-off ink
            c.saveState()
            c.setFillGray(0.82)
            c.roundRect(tx, y0 + 1.5 * mm, room, 5 * mm, 1 * mm, stroke=0, fill=1)
            c.setFillGray(0.35)
            sz, [hint] = fit_lines("刮开涂层 PIN", self.font, 5, room - 2 * mm, max_lines=1)
            c.setFont(self.font, sz)
            c.drawString(tx + 1 * mm, y0 + 3.3 * mm, hint)
            c.restoreState()
        if code.pin:
            if self.pins is None:
                self.pins = CsvPinSink(self.path.with_name(f"{self.path.stem}.pins.csv"))
            self.pins([code])
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
        self.pin_files = self.pins.close() if self.pins else []  # the printer's PIN file, apart from the sheets
        return [out.commit() for out in self.outs]

    def discard(self) -> None:
        self.canvas = None
        for out in self.outs:
            out.discard()
        if self.pins:
            self.pins.discard()


PIN_HEADER = "serial,uri,pin\r\n"


class CsvPinSink:
    """The printer's PIN file: serial, URI and PIN per code (UTF-8 with BOM), kept apart from the label sheet."""

    def __init__(self, path: Path) -> None:
        self.out = AtomicFile(path, "w", encoding="utf-8-sig", newline="")
        self.out.file.write(PIN_HEADER)
        self.w = csv.writer(self.out.file, lineterminator="\r\n")

    def __call__(self, chunk: list[IssuedCode]) -> None:
        self.w.writerows((c.serial, c.uri, c.pin or "") for c in chunk)

    def close(self) -> list[Path]:
        return [self.out.commit()]

    def discard(self) -> None:
        self.out.discard()


class PinFileSink(_ZippedCsv):
    """PINs of a console issuance to a one-time ZIP (`pins.csv` inside) for the label printer (issue 21): the
    console never shows PINs on screen; the file is downloaded once and then deleted."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        super().__init__(path, "pins.csv", PIN_HEADER)
        self.count = 0

    def __call__(self, chunk: list[IssuedCode]) -> None:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerows((c.serial, c.uri, c.pin or "") for c in chunk)
        self.entry.write(buf.getvalue().encode())
        self.count += len(chunk)


def sink_for(path: Path, *, product_name: str, lot: str, with_pin: bool = False,
             compressed: bool = False) -> CsvSink | ZipSink | PdfSink:
    """The writer for an output path by its extension (.csv, .zip, .pdf); `compressed`: the label QR codes carry
    the compressed Digital Link (the CSV has both forms either way)."""
    from zhijian.platform.errors import DomainError

    ext = path.suffix.lower()
    if ext == ".csv":
        return CsvSink(path)
    if ext == ".zip":
        return ZipSink(path)
    if ext == ".pdf":
        return PdfSink(path, product_name, lot, with_pin=with_pin, compressed=compressed)
    raise DomainError("trace.bad_output", f"输出文件应为 .csv、.zip 或 .pdf：{path}",
                      f"output must end in .csv, .zip or .pdf: {path}", field="out")
