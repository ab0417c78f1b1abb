"""One importer for every spreadsheet (platform.tabular): limits checked before any row, zip bombs refused from the
zip's central directory, header before data, encodings Chinese Excel writes, and the one formula guard of exports.
"""

from __future__ import annotations

import datetime as dt
import io
import struct
import time
import tracemalloc
import zipfile
import zlib

import pytest
from openpyxl import Workbook, load_workbook

from zhijian.platform import tabular
from zhijian.platform.errors import DomainError

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
WORKBOOK = f'<workbook xmlns="{NS}"><sheets><sheet name="S" sheetId="1"/></sheets></workbook>'.encode()


def _deflated(parts: list[tuple[bytes, int]]) -> tuple[bytes, int, int]:
    """Raw deflate of the concatenation of (block × times), compressing each distinct block once: after a full
    flush the compressor forgets its history, so a repeated block's compressed bytes repeat too. Returns
    (compressed, crc32, uncompressed size) — a multi-hundred-MB part in milliseconds."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    out, crc, size = [], 0, 0
    for block, times in parts:
        seg = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
        out.append(seg * times)
        for _ in range(times):
            crc = zlib.crc32(block, crc)
        size += len(block) * times
    out.append(c.flush())
    return b"".join(out), crc, size


def _zip(entries: dict[str, tuple[bytes, int, int] | bytes]) -> bytes:
    """A zip (deflate) of ready-made raw entries: (compressed, crc, size), or plain bytes to deflate."""
    buf = io.BytesIO()
    central = []
    for name, e in entries.items():
        if isinstance(e, bytes):
            c = zlib.compressobj(6, zlib.DEFLATED, -15)
            e = (c.compress(e) + c.flush(), zlib.crc32(e), len(e))
        comp, crc, size = e
        off = buf.tell()
        n = name.encode()
        buf.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(comp), size, len(n), 0) + n + comp)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(comp), size, len(n),
                                   0, 0, 0, 0, 0, off) + n)
    cd = buf.tell()
    for c in central:
        buf.write(c)
    buf.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), buf.tell() - cd, cd, 0))
    return buf.getvalue()


def sheet_bomb(rows: int = 2_500_000) -> bytes:
    """The finding's file: ~1.5 MB of .xlsx whose one sheet unpacks to 2.5 M rows (about 400 MB of XML)."""
    head = (f'<worksheet xmlns="{NS}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>number</t></is></c>'
            '<c r="B1" t="inlineStr"><is><t>kind</t></is></c></row>').encode()
    row = b"<row>" + b'<c t="inlineStr"><is><t>x</t></is></c>' * 4 + b"</row>"
    return _zip({"xl/workbook.xml": WORKBOOK,
                 "xl/worksheets/sheet1.xml": _deflated([(head, 1), (row * 10_000, rows // 10_000),
                                                         (b"</sheetData></worksheet>", 1)])})


def strings_bomb() -> bytes:
    """A small sheet whose shared-strings table unpacks to 300 MB."""
    sheet = f'<worksheet xmlns="{NS}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>'
    return _zip({"xl/workbook.xml": WORKBOOK, "xl/worksheets/sheet1.xml": sheet.encode(),
                 "xl/sharedStrings.xml": _deflated([(f'<sst xmlns="{NS}">'.encode(), 1),
                                                    (b"<si><t>number</t></si>" * 50_000, 272),
                                                    (b"</sst>", 1)])})


def _xlsx(rows: list[list[object]], **wb_props: object) -> bytes:
    wb = Workbook()
    ws = wb.active
    for k, v in wb_props.items():
        setattr(wb, k, v)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------- the finding: a zip bomb at the certificate import


def test_the_bomb_is_what_the_finding_describes():
    data = sheet_bomb()
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml")
    assert 1_000_000 < len(data) < 2_000_000 and info.file_size > 400_000_000  # 1.5 MB → 2.5 M rows


def test_zip_bomb_to_certificate_import_is_refused_in_under_a_second_with_memory_bounded(client, login):
    """Issue #12: a 1.5 MB .xlsx unpacking to 2.5 M rows took 98 s and +772 MB before being refused."""
    headers = login("association")
    warm = client.post("/api/v1/certificates/import", headers=headers,  # first upload of the process: lazy imports
                       files={"file": ("certs.xlsx", _xlsx([["编号"], ["1"]]), "application/vnd.ms-excel")})
    assert warm.status_code == 422 and warm.json()["code"] == "import.missing_column"
    for data in (sheet_bomb(), strings_bomb()):
        t0 = time.perf_counter()
        r = client.post("/api/v1/certificates/import", headers=headers,
                        files={"file": ("certs.xlsx", data, "application/vnd.ms-excel")})
        elapsed = time.perf_counter() - t0
        tracemalloc.start()  # a second time, traced (tracing slows every allocation, so not timed)
        client.post("/api/v1/certificates/import", headers=headers,
                    files={"file": ("certs.xlsx", data, "application/vnd.ms-excel")})
        _cur, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert r.status_code == 413, r.text
        body = r.json()
        assert r.headers["content-type"].startswith("application/problem+json")
        assert body["code"] == "import.too_large" and body["message_zh"] and body["message_en"]
        assert elapsed < 1.0, elapsed
        assert peak < 32 * 1024 * 1024, peak  # the upload itself is 1.5 MB; nothing is inflated


def test_zip_bomb_is_refused_before_inflating():
    for data in (sheet_bomb(), strings_bomb()):
        t0 = time.perf_counter()
        with pytest.raises(DomainError) as e:
            tabular.open_table(data, "x.xlsx")
        assert time.perf_counter() - t0 < 0.2
        assert e.value.code == "import.too_large" and e.value.status == 413


def test_a_real_sheet_over_the_row_limit_is_refused_as_rows_arrive():
    rows = [["number", "kind"]] + [[f"N{i}", "CCC"] for i in range(30)]
    table = tabular.open_table(_xlsx(rows), "x.xlsx", limits=tabular.Limits(max_rows=25))
    with pytest.raises(DomainError) as e:
        list(table)
    assert e.value.code == "import.too_many_rows" and e.value.status == 413 and e.value.extra["row"] == 27
    csv_data = ("number,kind\n" + "".join(f"N{i},CCC\n" for i in range(30))).encode()
    with pytest.raises(DomainError) as e:
        list(tabular.read_rows(csv_data, "x.csv", limits=tabular.Limits(max_rows=25)))
    assert e.value.code == "import.too_many_rows"


def test_file_over_the_byte_limit_is_413(tmp_path):
    with pytest.raises(DomainError) as e:
        tabular.open_table(b"a,b\n" * 1000, "x.csv", limits=tabular.Limits(max_bytes=1000))
    assert (e.value.code, e.value.status) == ("import.too_large", 413)
    p = tmp_path / "x.csv"
    p.write_bytes(b"a,b\n" * 1000)
    with pytest.raises(DomainError) as e:
        tabular.open_table(p, limits=tabular.Limits(max_bytes=1000))
    assert e.value.code == "import.too_large"


def test_header_is_checked_before_any_data_row():
    # the missing column is named even though row 3 is broken: nothing past the header was read
    data = "编号,类型\n1,CCC\n\"unterminated\n".encode()
    with pytest.raises(DomainError) as e:
        tabular.read_rows(data, "x.csv", required=("编号", "持证人"))
    assert e.value.code == "import.missing_column" and e.value.field == "持证人" and e.value.extra["row"] == 1
    # a large, valid sheet with a wrong header is refused without streaming its rows
    wb = Workbook(write_only=True)  # write-only: the 100,000 rows are written in a quarter of the time
    ws = wb.create_sheet()
    for row in [["a", "b"]] + [[i, "x"] for i in range(100_000)]:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    big = buf.getvalue()
    t0 = time.perf_counter()
    with pytest.raises(DomainError):
        tabular.read_rows(big, "x.xlsx", required=("number",))
    assert time.perf_counter() - t0 < 0.5


# ---------------------------------------------------------------- reading what Chinese Excel writes


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings(encoding):
    text = "产品名称,品牌,型号规格\n电热水壶,美的,MK-1\n\n“双引号”,,\n"
    rows = list(tabular.read_rows(text.encode(encoding), "p.csv", required=("产品名称",)))
    assert rows == [(2, {"产品名称": "电热水壶", "品牌": "美的", "型号规格": "MK-1"}),
                    (4, {"产品名称": "“双引号”", "品牌": "", "型号规格": ""})]


def test_csv_semicolon_and_tab_and_bad_encoding():
    assert list(tabular.read_rows(b"a;b\n1;2\n", "x.csv")) == [(2, {"a": "1", "b": "2"})]
    assert list(tabular.read_rows(b"a\tb\n1\t2\n", "x.csv")) == [(2, {"a": "1", "b": "2"})]
    with pytest.raises(DomainError) as e:
        tabular.open_table(b"a,b\n\xff\xfe\xff\x00", "x.csv")  # neither UTF-8 nor GB18030
    assert e.value.code == "import.encoding"
    with pytest.raises(DomainError) as e:
        tabular.open_table(b"x", "x.pdf")
    assert e.value.code == "import.bad_type"
    with pytest.raises(DomainError) as e:
        tabular.open_table(b"not a zip", "x.xlsx")
    assert e.value.code == "import.bad_file"


def test_xlsx_values_as_openpyxl_reads_them():
    rows = [["编号", "日期", "时间", "数", "布尔", "空", "文本"],
            ["A-1", dt.datetime(2029, 2, 28), dt.datetime(2025, 1, 2, 13, 45, 30), 0.52, True, None, "=不是公式"],
            [None, None, None, None, None, None, None],
            ["A-2", dt.date(2024, 3, 1), None, 12, False, None, "带&符号<>"]]
    data = _xlsx(rows)
    ours = [(r, cells) for r, cells in tabular.iter_cells(data, "x.xlsx")]
    theirs = [list(r) for r in load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
              .iter_rows(values_only=True)]
    assert [r for r, _ in ours] == [1, 2, 4]  # the empty row is skipped, numbering kept
    for (_r, cells), ref in zip(ours, [theirs[0], theirs[1], theirs[3]], strict=True):
        assert cells + [None] * (len(ref) - len(cells)) == ref
    recs = list(tabular.read_rows(data, "x.xlsx"))
    assert recs[1][1]["日期"] == dt.datetime(2024, 3, 1) and recs[1][1]["数"] == 12


def test_xlsx_1904_date_system():
    data = _xlsx([["d"], [dt.datetime(2020, 5, 17)]], epoch=dt.datetime(1904, 1, 1))
    assert list(tabular.iter_cells(data, "x.xlsx"))[1][1] == [dt.datetime(2020, 5, 17)]


def test_streaming_keeps_memory_flat(monkeypatch):
    """30 000 rows (~7 MB of XML): memory follows the chunk size (256 KiB here), not the sheet."""
    monkeypatch.setattr(tabular, "_CHUNK", 256 * 1024)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["number", "kind", "holder"])
    for i in range(30_000):
        ws.append([f"2024{i:010d}", "CCC", "某某电器有限公司"])
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    unpacked = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml").file_size
    tracemalloc.start()
    n = sum(1 for _ in tabular.read_rows(data, "x.xlsx", required=("number",)))
    _cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert n == 30_000 and unpacked > 6 * 1024 * 1024
    assert peak < unpacked / 2, (peak, unpacked)  # chunk-sized buffers, not the sheet


# ---------------------------------------------------------------- writing: one formula guard


@pytest.mark.parametrize(("value", "expected"), [
    ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'), ("+86 138", "'+86 138"),
    ("-cmd", "'-cmd"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("-5", "-5"), ("+1.5", "+1.5"),
    ("电热水壶", "电热水壶"), (-5, -5), (1.5, 1.5), (None, None), (True, True), (dt.date(2025, 1, 1), dt.date(2025, 1, 1)),
])
def test_escape_cell(value, expected):
    assert tabular.escape_cell(value) == expected


def test_write_rows_escapes_in_xlsx_and_csv(tmp_path):
    rows = [['=HYPERLINK("http://evil","点我")', "-2", 3, dt.date(2025, 1, 1)]]
    tabular.write_rows(tmp_path / "x.xlsx", ["名称", "a", "b", "c"], rows)
    ws = load_workbook(tmp_path / "x.xlsx").active
    cell = ws["A2"]
    assert cell.data_type == "s" and cell.value == '\'=HYPERLINK("http://evil","点我")'
    assert [c.value for c in ws[2]][1:3] == ["-2", 3]
    tabular.write_rows(tmp_path / "x.csv", ["名称", "a", "b", "c"], rows)
    raw = (tmp_path / "x.csv").read_bytes()
    assert raw.startswith("\ufeff".encode())
    assert raw.decode("utf-8-sig").splitlines()[1] == '"\'=HYPERLINK(""http://evil"",""点我"")",-2,3,2025-01-01'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.csv", "x.xlsx"]  # no temporary file left
