"""Compressed Digital Links on issued codes (issue #16): the codes' CSV carries each code's compressed link
(GS1 Digital Link 1.1 §8, GS1 Resolver CE's default: no optimisation table), and a batch that asks for it
(API `compressed_qr`, the console's checkbox, `zhijian codes issue --compressed`) gets label QR codes that
carry the compressed form. Without the request the label sheet is unchanged.

What a QR code on the sheet holds is read back from the PDF itself: `platform.documents.draw_qr` writes each
code as runs of dark modules (`x y w 1 re`) under one scaling matrix, so the module matrix is rebuilt from the
page's content stream and compared with segno's matrix of each candidate text (same error level, same
choice of version and mask) — equal matrices, equal text. The text found is then scanned through the
resolver, and must give the answer the full link gives for the same code."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import re
import zipfile
from typing import Any

import pytest
import segno
from pypdf import PdfReader
from sqlalchemy import select

from tests import factories
from tests.web.test_pages import csrf, web_login
from zhijian.trace import digital_link, labels, rules
from zhijian.trace.models import CodeBatch
from zhijian.trace.service import IssuedCode
from zhijian.trace.service.issuance import compressed_links

JSON = {"accept": "application/json"}
HOST = "id.zhijian.example"  # the test settings' resolver host
_RUNS = re.compile(rb"q [\d.]+ 0 0 [\d.]+ [\d.]+ [\d.]+ cm\n((?:\d+ \d+ \d+ 1 re\n)+)f\nQ")


def qr_matrices(pdf: bytes) -> list[tuple[tuple[bool, ...], ...]]:
    """The module matrix of every QR code drawn on the sheet, in drawing order."""
    out = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for block in _RUNS.findall(page.get_contents().get_data()):
            runs = [tuple(map(int, line.split()[:3])) for line in block.decode().splitlines()]
            n = max(line for _c, line, _w in runs) + 1  # the top row holds two finder patterns: never empty
            grid = [[False] * n for _ in range(n)]
            for col, line, width in runs:
                for c in range(col, col + width):
                    grid[n - 1 - line][c] = True
            out.append(tuple(tuple(row) for row in grid))
    return out


def qr_of(text: str) -> tuple[tuple[bool, ...], ...]:
    return tuple(tuple(bool(m) for m in row) for row in segno.make(text, error="m", micro=False).matrix)


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def _path(uri: str) -> str:
    return "/" + uri.split("://", 1)[1].split("/", 1)[1]


def _same_answer(client: Any, compressed: str, full: str) -> None:
    """The compressed link scanned first, the full link second: one code (the count goes on), one answer."""
    first = client.get(_path(compressed), headers=JSON)
    assert first.status_code == 200, first.text
    second = client.get(_path(full), headers=JSON)
    assert second.status_code == 200, second.text
    a, b = first.json(), second.json()
    assert (a["answer"], a["count"], b["answer"], b["count"]) == ("genuine_first", 1, "genuine_repeat", 2)
    changing = {"answer", "count", "message_zh", "message_en", "message", "first_scan_at", "steps", "headline"}
    assert {k: v for k, v in a.items() if k not in changing} == {k: v for k, v in b.items() if k not in changing}


def _issue(client: Any, headers: dict[str, str], product_id: int, **extra: Any) -> dict[str, Any]:
    lot = "Q" + factories.uid()[:6].upper()
    r = client.post("/api/v1/trace/batches", headers=headers,
                    json={"product_id": product_id, "lot": lot, "quantity": 3, "expiry": "2027-06-30", **extra})
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def test_the_codes_csv_carries_the_compressed_link(client, db, login) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        ent = factories.enterprise(s)
        pid = factories.product(s, ent, gtin=factories.new_gtin()).id
    h = login("enterprise", ent)
    batch = _issue(client, h, pid)
    assert batch["compressed_qr"] is False
    r = client.get(f"/api/v1/trace/batches/{batch['id']}/codes.csv", headers=h)
    assert r.status_code == 200
    assert r.text.lstrip("\ufeff").splitlines()[0] == "serial,uri,element_string,pin,compressed_uri"
    rows = _rows(r.text)
    assert len(rows) == 3
    for row in rows:
        assert row["uri"].endswith("?17=270630")
        link = digital_link.parse(row["uri"])
        assert row["compressed_uri"] == digital_link.compressed_link(link, origin=f"https://{HOST}")
        assert re.fullmatch(rf"https://{re.escape(HOST)}/[A-Za-z0-9_-]+", row["compressed_uri"])
        back = digital_link.parse(row["compressed_uri"])  # the same element strings, expiry included
        assert (back.key, back.qualifiers, back.attributes) == (link.key, link.qualifiers, link.attributes)
    _same_answer(client, rows[0]["compressed_uri"], rows[0]["uri"])


def test_the_label_sheet_prints_the_compressed_link_when_asked(client, db, login) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        ent = factories.enterprise(s)
        pid = factories.product(s, ent, gtin=factories.new_gtin(), name="纯牛奶250mL").id
    h = login("enterprise", ent)
    asked = _issue(client, h, pid, compressed_qr=True)
    plain = _issue(client, h, pid)
    assert asked["compressed_qr"] is True
    web_login(client, db, "enterprise", ent)
    for batch, compressed in ((asked, True), (plain, False)):
        rows = sorted(_rows(client.get(f"/api/v1/trace/batches/{batch['id']}/codes.csv", headers=h).text),
                      key=lambda x: x["serial"])
        pdf = client.get(f"/console/trace/batches/{batch['id']}/labels.pdf")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        found = qr_matrices(pdf.content)
        assert len(found) == 3
        assert found == [qr_of(row["compressed_uri"] if compressed else row["uri"]) for row in rows]
        assert not set(found) & {qr_of(row["uri"] if compressed else row["compressed_uri"]) for row in rows}
        # the compressed QR is the smaller symbol (fewer modules): the point of asking for it
        assert len(qr_of(rows[0]["compressed_uri"])) < len(qr_of(rows[0]["uri"]))
        # ZIP export (the console's codes.zip) has the column as the API's CSV
        z = client.get(f"/console/trace/batches/{batch['id']}/codes.zip")
        zipped = _rows(zipfile.ZipFile(io.BytesIO(z.content)).read("codes.csv").decode("utf-8-sig"))
        assert sorted(zipped, key=lambda x: x["serial"]) == rows
    # the text in the QR resolves: the same answer as the full link of the same code
    first = sorted(_rows(client.get(f"/api/v1/trace/batches/{asked['id']}/codes.csv", headers=h).text),
                   key=lambda x: x["serial"])[0]
    _same_answer(client, first["compressed_uri"], first["uri"])
    page = client.get(f"/console/trace/batches/{asked['id']}")
    assert "压缩数字链接" in page.text


def test_the_console_form_asks_for_compressed_qr_codes(client, db) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        ent = factories.enterprise(s)
        pid = factories.product(s, ent, gtin=factories.new_gtin()).id
    web_login(client, db, "enterprise", ent)
    form = client.get("/console/trace/batches/new").text
    assert 'name="compressed_qr"' in form and "标签二维码使用压缩数字链接" in form
    lots = {}
    for ticked in (True, False):
        lot = "F" + factories.uid()[:6].upper()
        data = {"csrf_token": csrf(client, "/console/trace/batches/new"), "product_id": str(pid), "lot": lot,
                "quantity": "2", **({"compressed_qr": "1"} if ticked else {})}
        r = client.post("/console/trace/batches/new", data=data, follow_redirects=False)
        assert r.status_code == 303, r.text
        lots[lot] = ticked
    with db.session() as s:
        got = {b.lot: b.compressed_qr for b in s.scalars(select(CodeBatch).where(CodeBatch.lot.in_(list(lots))))}
    assert got == lots
    en = client.get("/console/trace/batches/new?lang=en").text
    assert "Print the compressed Digital Link in the label QR codes" in en and "标签二维码" not in en
    client.get("/console/trace/batches/new?lang=zh")


def test_cli_compressed_labels(sqlite_db, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from zhijian.platform.auth import SYSTEM
    from zhijian.platform.cli import app

    monkeypatch.setenv("ZHIJIAN_DATABASE_URL", sqlite_db.url)
    with sqlite_db.session(SYSTEM) as s:
        p = factories.product(s, factories.enterprise(s), gtin=factories.new_gtin(), name="婴幼儿配方奶粉")
        pid = p.id
    runner = CliRunner()
    lot = "C" + factories.uid()[:6].upper()
    r = runner.invoke(app, ["codes", "issue", "--product", str(pid), "--lot", lot, "--quantity", "4", "--expiry",
                            "2028-01-31", "--out", str(tmp_path / "l.pdf"), "--compressed", "--no-progress"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["codes", "issue", "--product", str(pid), "--lot", lot + "X", "--quantity", "4",
                            "--out", str(tmp_path / "c.csv"), "--no-progress"])
    assert r.exit_code == 0, r.output
    rows = _rows((tmp_path / "c.csv").read_text(encoding="utf-8-sig"))
    assert len(rows) == 4 and all(row["compressed_uri"] for row in rows)
    with sqlite_db.session() as s:
        batch = s.scalar(select(CodeBatch).where(CodeBatch.lot == lot))
        assert batch is not None and batch.compressed_qr is True
        from zhijian.trace.models import Code

        serials = list(s.scalars(select(Code.serial).where(Code.batch_id == batch.id)))
        gtin = batch.gtin
    found = qr_matrices((tmp_path / "l.pdf").read_bytes())
    base = rules.format_digital_link(HOST, gtin, lot=lot)
    expected = {qr_of(labels.compressed_uri(IssuedCode(s, rules.item_link(base, s, dt.date(2028, 1, 31)), "")))
                for s in serials}
    assert len(found) == 4 and set(found) == expected


ODD_LOTS = ["L1", "2026-03-15/A", "lot_x.y", "ABC%DEF", "a!b*c(d)", "00123", "x" * 20, "A:B;C<D", "Ü"]


@pytest.mark.parametrize("seed", range(3))
def test_the_batch_compressor_agrees_with_the_general_one(seed: int) -> None:
    """`compressed_links` (the lot's bits computed once) gives exactly `digital_link.compressed_link` of the
    issued link, for every lot an enterprise may give (GS1 AI 82 characters), with and without expiry."""
    rng = random.Random(seed)
    for lot in ODD_LOTS:
        try:
            rules.check_ai_value(lot, "lot")
        except Exception:
            continue  # not a lot the issuance accepts
        gtin = factories.new_gtin().zfill(14)
        expiry = rng.choice([None, dt.date(2027, 2, 28), dt.date(2030, 12, 31)])
        serials = rules.generate_serials("ab" * 32, 1, gtin, 5)
        make = compressed_links(HOST, gtin, lot, expiry)
        base = rules.format_digital_link(HOST, gtin, lot=lot)
        for serial in serials:
            uri = rules.item_link(base, serial, expiry)
            assert make(serial) == digital_link.compressed_link(digital_link.parse(uri), origin=f"https://{HOST}")
            assert labels.compressed_uri(IssuedCode(serial, uri, "")) == make(serial)
