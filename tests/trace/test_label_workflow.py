"""Issue 21, finding 7 (enterprise label workflow): the console offered CSV only, showed PINs once as an on-screen
table, and the label sheet let the product name run into the neighbouring QR code with the PIN in clear.

Now the batch page offers the PDF label sheet and the ZIP; PINs never appear on screen — they go to the printer
as a separate `pins.zip` (pins.csv inside), downloadable once and audited; every text line of a label stays inside
its own cell (checked on the extracted text positions of the real PDF with pypdf), and a PIN batch's labels carry
a 刮开涂层 placeholder instead of the PIN."""

from __future__ import annotations

import csv
import io
import re
import zipfile

from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from sqlalchemy import select

from tests import factories
from tests.web.test_pages import csrf, web_login
from zhijian.platform.audit import AuditRecord
from zhijian.trace import labels
from zhijian.trace.models import CodeBatch
from zhijian.trace.service import IssuedCode

LONG_NAME = "婴幼儿配方乳粉（较大婴儿和幼儿配方）三段 900 克罐装 有机原生营养"


def test_console_offers_pdf_and_zip_and_pins_only_once(client, db):
    with db.session() as s:
        ent = factories.enterprise(s)
        p = factories.product(s, ent, gtin=factories.new_gtin(), name=LONG_NAME)
        pid = p.id
    web_login(client, db, "enterprise", ent)
    token = csrf(client, "/console/trace/batches/new")
    lot = "P" + factories.uid()[:6].upper()
    r = client.post("/console/trace/batches/new", data={"csrf_token": token, "product_id": str(pid), "lot": lot,
                                                        "quantity": "5", "with_pin": "1"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    with db.session() as s:
        batch = s.scalar(select(CodeBatch).where(CodeBatch.lot == lot))
        assert batch is not None
        bid = batch.id
    page = client.get(r.headers["location"]).text
    assert f'href="/console/trace/batches/{bid}/labels.pdf"' in page
    assert f'href="/console/trace/batches/{bid}/codes.zip"' in page
    assert f'href="/console/trace/batches/{bid}/pins.zip"' in page
    assert not re.search(r"<td>\d{6}</td>", page)  # no PIN table on screen

    pdf = client.get(f"/console/trace/batches/{bid}/labels.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(pg.extract_text() for pg in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "刮开涂层" in text and lot in text
    z = client.get(f"/console/trace/batches/{bid}/codes.zip")
    assert z.status_code == 200
    rows = list(csv.reader(io.StringIO(zipfile.ZipFile(io.BytesIO(z.content)).read("codes.csv").decode("utf-8-sig"))))
    assert rows[0] == ["serial", "uri", "element_string", "pin", "compressed_uri"] and len(rows) == 1 + 5

    pins = client.get(f"/console/trace/batches/{bid}/pins.zip")
    assert pins.status_code == 200 and pins.headers["cache-control"] == "no-store"
    prow = list(csv.reader(io.StringIO(zipfile.ZipFile(io.BytesIO(pins.content)).read("pins.csv").decode("utf-8-sig"))))
    assert prow[0] == ["serial", "uri", "pin"] and len(prow) == 1 + 5
    assert all(re.fullmatch(r"\d{6}", row[2]) for row in prow[1:])
    assert {row[0] for row in prow[1:]} == {row[0] for row in rows[1:]}
    for row in prow[1:]:  # the PINs are on no other output
        assert row[2] not in page and row[2] not in z.content.decode("latin-1")
    again = client.get(f"/console/trace/batches/{bid}/pins.zip")
    assert again.status_code == 410 and "只能下载一次" in again.text
    assert "pins.zip" not in client.get(f"/console/trace/batches/{bid}").text
    with db.session() as s:
        audits = s.scalars(select(AuditRecord).where(AuditRecord.action == "export_pins",
                                                     AuditRecord.entity_id == str(bid))).all()
        assert len(audits) == 1 and audits[0].after["codes"] == 5


def _text_runs(pdf_path) -> list[tuple[str, float, float, float]]:  # type: ignore[no-untyped-def]
    """(text, x, y, font size) of every text run on the first page."""
    runs: list[tuple[str, float, float, float]] = []

    def visit(text, cm, tm, font_dict, font_size):  # type: ignore[no-untyped-def]
        if text.strip():
            runs.append((text.strip(), tm[4], tm[5], font_size))

    PdfReader(str(pdf_path)).pages[0].extract_text(visitor_text=visit)
    return runs


def test_label_text_stays_inside_its_cell_and_pin_not_in_clear(tmp_path):
    sink = labels.PdfSink(tmp_path / "labels.pdf", LONG_NAME, "LOT-2026-0315-A", with_pin=True)
    sink([IssuedCode(serial=f"{i:020d}", uri=f"https://id.example/01/06901234567892/21/{i}", element_string="",
                     pin=f"{100000 + i}") for i in range(8)])
    (path,) = sink.close()
    font = labels._font()
    w, _h = A4
    cw = (w - 20 * mm) / sink.COLS
    runs = _text_runs(path)
    assert runs, "no text extracted"
    for text, x, _y, size in runs:
        col = int((x - 10 * mm) // cw)
        right = 10 * mm + (col + 1) * cw  # the next label's QR code starts here
        face = font if re.search(r"[\u3400-\u9fff]", text) else "Helvetica"
        assert x + stringWidth(text, face, size) <= right - 1 * mm + 0.01, (text, x, size)
    joined = "".join(t for t, *_ in runs)
    assert "婴幼儿配方乳粉" in joined  # the name is there, wrapped rather than cut to 10 characters
    assert not any(f"{100000 + i}" in joined for i in range(8))  # no PIN in clear on the sheet
    assert "刮开涂层" in joined
    pins = list(csv.reader(io.StringIO(sink.pin_files[0].read_text(encoding="utf-8-sig"))))
    assert pins[1] == ["0" * 20, "https://id.example/01/06901234567892/21/0", "100000"]


def test_fit_lines_wraps_and_shrinks_within_width():
    font = labels._font()
    size, lines = labels.fit_lines(LONG_NAME, font, 7, 40, max_lines=3)
    assert 4.5 <= size <= 7 and 1 < len(lines) <= 3
    assert all(stringWidth(line, font, size) <= 40 for line in lines)
    assert labels.fit_lines("纯牛奶", font, 7, 40) == (7, ["纯牛奶"])
