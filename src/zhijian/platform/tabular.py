"""Excel/CSV import and export shared by every room (导入导出) — the one place spreadsheets are read and written.

Reading
    `open_table(source, filename)` checks the file before any data row is read — its size, and for an .xlsx the
    zip's declared (uncompressed) sizes and compression ratios, so a zip bomb is refused from the central
    directory alone, in milliseconds — then reads the header row (the first non-empty row). Data rows are
    streamed: the worksheet XML is read from the zip in 1 MiB chunks and scanned with compiled patterns
    (about 20× faster than openpyxl's read-only mode), CSV is decoded incrementally. Memory stays flat whatever
    the number of rows; the row limit is checked as rows arrive.
    `read_rows(source, filename, required=...)` yields `(row_number, {header: value})` after checking that the
    required columns are in the header. `iter_cells` yields every row's raw cells (for readers that find their own
    header). Row numbers are those a spreadsheet shows (header usually 1).
    CSV: UTF-8 with or without BOM, or GB18030 as Chinese Excel saves it; `,`, `;` or tab separated.
    .xlsx: shared and inline strings, numbers, booleans, dates (by the cell's number format, 1900 or 1904 system).
    Errors are DomainErrors: 413 `import.too_large` / `import.too_many_rows`, 422 `import.bad_file`,
    `import.encoding`, `import.bad_type`, `import.empty`, `import.missing_column`, `import.bad_cell` (row and
    column named). Imports are all-or-nothing: callers validate every row before they write any.

Writing
    `escape_cell(value)` — the one formula-injection guard (text starting with = + - @, tab or CR gets a leading
    apostrophe so that Excel, WPS and LibreOffice show it as text); `write_rows(path, headers, rows)` streams to
    .xlsx (write-only) or .csv through it, into a temporary file that is renamed when complete (platform.files).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import html
import io
import os
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import IO, Any

from zhijian.platform.errors import DomainError

MiB = 1024 * 1024
TITLE_ROWS = 5  # at most this many one-cell rows (标题, 筛选条件, 导出时间, notes) are taken as a title block


@dataclass(frozen=True)
class Limits:
    """What an import may be: the file's bytes, its data rows, and (for .xlsx) what the zip unpacks to."""

    max_bytes: int = 20 * MiB
    max_rows: int = 200_000
    max_unpacked: int = 160 * MiB        # the worksheet and shared strings together, as declared by the zip
    max_ratio: int = 120                 # declared size / compressed size of one part (parts over 1 MiB)
    max_shared_strings: int = 32 * MiB


DEFAULT_LIMITS = Limits()


def _too_large(zh: str, en: str, **extra: Any) -> DomainError:
    return DomainError("import.too_large", zh, en, status=413, field="file", extra=extra)


def _bad_file(en: str = "") -> DomainError:
    return DomainError("import.bad_file", "无法读取 Excel 文件（应为 .xlsx）",
                       "cannot read the Excel file (.xlsx expected)" + (f": {en}" if en else ""), field="file")


def cell_error(row_no: int, column: str, zh: str, en: str) -> DomainError:
    """An import error that names the row and column; imports are all-or-nothing."""
    return DomainError("import.bad_cell", f"第 {row_no} 行「{column}」列：{zh}", f"row {row_no}, column '{column}': {en}",
                       field=column, extra={"row": row_no, "column": column})


def require_columns(row: dict[str, Any] | Sequence[str], columns: Sequence[str], row_no: int = 1) -> None:
    """Every required column is present (in a header list or a row dict), else 422 naming the missing ones."""
    missing = [c for c in columns if c not in row]
    if missing:
        raise DomainError("import.missing_column", f"缺少列：{'、'.join(missing)}", f"missing columns: {', '.join(missing)}",
                          field=missing[0], extra={"row": row_no, "column": missing[0]})


def kind_of(filename: str) -> str:
    name = filename.lower()
    if name.endswith((".xlsx", ".xlsm")):
        return "xlsx"
    if name.endswith((".csv", ".txt", ".tsv")):
        return "csv"
    raise DomainError("import.bad_type", "只支持 .xlsx 与 .csv 文件", "only .xlsx and .csv files are supported",
                      field="file")


# ---------------------------------------------------------------- reading


class Table:
    """An opened spreadsheet: `header` (stripped strings, read first) and the data rows, streamed once."""

    def __init__(self, rows: Iterator[tuple[int, list[Any]]], limits: Limits, *, find_header: bool = True) -> None:
        self._rows = rows
        self.limits = limits
        self.header: list[str] = []
        self.header_row = 0
        if find_header:  # a title block (rows of one filled cell, as platform.exports writes) before it is skipped
            title: list[tuple[int, list[Any]]] = []
            for r, cells in rows:
                filled = sum(not _blank(c) for c in cells)
                if filled > 1:
                    self.header, self.header_row = [_text(c) for c in cells], r
                    break
                if filled:
                    title.append((r, cells))
                    if len(title) > TITLE_ROWS:
                        break
            if not self.header_row and title:  # a one-column file: its first row is the header
                self.header, self.header_row = [_text(c) for c in title[0][1]], title[0][0]
                self._rows = chain(title[1:], rows)

    def __iter__(self) -> Iterator[tuple[int, list[Any]]]:
        """Non-empty data rows as (row number, cells); more than `limits.max_rows` → 413."""
        n = 0
        for r, cells in self._rows:
            if all(_blank(c) for c in cells):
                continue
            n += 1
            if n > self.limits.max_rows:
                raise DomainError("import.too_many_rows", f"数据行超过 {self.limits.max_rows} 行上限",
                                  f"more than {self.limits.max_rows} data rows", status=413, field="file",
                                  extra={"row": r, "max_rows": self.limits.max_rows})
            yield r, cells

    def records(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """Data rows keyed by header (columns without a header are dropped; strings stripped)."""
        header = self.header
        for r, cells in self:
            yield r, {h: (v.strip() if isinstance(v, str) else v) for h, v in zip(header, cells, strict=False) if h}


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _text(v: Any) -> str:
    if v is None:
        return ""
    return str(v).strip()


def _source_bytes(source: str | Path | bytes, limits: Limits) -> tuple[bytes | None, Path | None]:
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        if len(data) > limits.max_bytes:
            raise _too_large(f"文件超过 {limits.max_bytes // MiB} MB 上限", f"the file exceeds {limits.max_bytes} bytes",
                             max_bytes=limits.max_bytes)
        return data, None
    path = Path(source)
    try:
        size = path.stat().st_size
    except OSError:
        raise DomainError("import.not_found", f"找不到文件：{path}", f"file not found: {path}", field="file") from None
    if size > limits.max_bytes:
        raise _too_large(f"文件超过 {limits.max_bytes // MiB} MB 上限", f"the file exceeds {limits.max_bytes} bytes",
                         max_bytes=limits.max_bytes)
    return None, path


def open_table(source: str | Path | bytes, filename: str | None = None, *, limits: Limits = DEFAULT_LIMITS,
               find_header: bool = True) -> Table:
    """Check the file (size, zip structure, encoding) and read its header row; no data row is read yet."""
    name = filename or ("" if isinstance(source, bytes | bytearray | memoryview) else str(source))
    kind = kind_of(name) if name else "csv"
    data, path = _source_bytes(source, limits)
    if kind == "xlsx":
        rows = _xlsx_rows(data, path, limits)
    else:
        rows = _csv_rows(data if data is not None else path.read_bytes())  # type: ignore[union-attr]
    return Table(rows, limits, find_header=find_header)


def iter_cells(source: str | Path | bytes, filename: str | None = None, *,
               limits: Limits = DEFAULT_LIMITS) -> Iterator[tuple[int, list[Any]]]:
    """Every non-empty row of the file (header included) as (row number, cells)."""
    t = open_table(source, filename, limits=limits, find_header=False)
    n = 0
    for r, cells in t._rows:
        if all(_blank(c) for c in cells):
            continue
        n += 1
        if n > limits.max_rows + 1:
            raise DomainError("import.too_many_rows", f"数据行超过 {limits.max_rows} 行上限",
                              f"more than {limits.max_rows} data rows", status=413, field="file",
                              extra={"row": r, "max_rows": limits.max_rows})
        yield r, cells


def read_rows(source: str | Path | bytes, filename: str | None = None, *, required: Sequence[str] = (),
              limits: Limits = DEFAULT_LIMITS) -> Iterator[tuple[int, dict[str, Any]]]:
    """Rows as dicts keyed by the (stripped) header; the required columns are checked before any data row.

    The checks that need no data (file type, size, zip structure, header) run when this is called, not when the
    first row is asked for."""
    t = open_table(source, filename, limits=limits)
    require_columns(t.header, required, t.header_row or 1)
    return t.records()


# ---- CSV


def _encoding(data: bytes) -> str:
    """utf-8-sig or gb18030, checked over the whole file in 1 MiB steps (nothing decoded is kept)."""
    for enc in ("utf-8-sig", "gb18030"):
        dec = codecs.getincrementaldecoder(enc)()
        try:
            for i in range(0, len(data), MiB):
                dec.decode(data[i:i + MiB])
            dec.decode(b"", final=True)
            return enc
        except UnicodeDecodeError:
            continue
    raise DomainError("import.encoding", "CSV 文件编码无法识别（应为 UTF-8 或 GB18030）",
                      "CSV encoding not recognised (expected UTF-8 or GB18030)", field="file")


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    enc = _encoding(data)
    fh = io.TextIOWrapper(io.BytesIO(data), encoding=enc, newline="")
    sample = fh.read(8192)
    fh.seek(0)
    dialect: Any = csv.excel
    first = sample.split("\n", 1)[0]
    if first and "," not in first and ("\t" in first or ";" in first):
        dialect = csv.excel_tab if "\t" in first else _Semicolon
    reader = csv.reader(fh, dialect=dialect)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            for values in reader:
                yield reader.line_num, list(values)
        except csv.Error as exc:
            raise DomainError("import.bad_file", f"第 {reader.line_num} 行：CSV 格式错误（{exc}）",
                              f"row {reader.line_num}: malformed CSV ({exc})", field="file",
                              extra={"row": reader.line_num}) from None

    return rows()


class _Semicolon(csv.excel):
    delimiter = ";"


# ---- XLSX


_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_ROW_RE = re.compile(rb"<row\b([^>]*?)(?:/>|>(.*?)</row>)", re.S)
_CELL_RE = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_ATTR_R = re.compile(rb'\br="([A-Z]*)(\d*)"')
_ATTR_T = re.compile(rb'\bt="([a-zA-Z]+)"')
_ATTR_S = re.compile(rb'\bs="(\d+)"')
_V_RE = re.compile(rb"<v>(.*?)</v>", re.S)
_T_RE = re.compile(rb"<t(?:\s[^>]*)?>(.*?)</t>|<t(?:\s[^>]*)?/>", re.S)
_SI_RE = re.compile(rb"<si>(.*?)</si>|<si/>", re.S)
_RPH_RE = re.compile(rb"<rPh\b.*?</rPh>", re.S)
# built-in number formats that are dates or times (ECMA-376 Part 1, §18.8.30; 27–36 and 50–58 are the CJK ones)
_DATE_FMT_IDS = set(range(14, 23)) | {45, 46, 47} | set(range(27, 37)) | set(range(50, 59))
_DATE_TOKENS = re.compile(r"[ymdhs]")
_CHUNK = MiB


def _xml_text(b: bytes) -> str:
    t = b.decode("utf-8")
    return html.unescape(t) if "&" in t else t


def _col_index(ref: bytes) -> int:
    n = 0
    for ch in ref:
        n = n * 26 + (ch - 64)
    return n - 1


def _check_zip(zf: zipfile.ZipFile, parts: Sequence[str], limits: Limits) -> None:
    """Refuse a zip bomb from the central directory: declared sizes and ratios, before anything is inflated.

    The declared size bounds what zipfile inflates (it stops there and checks the CRC), so it can be trusted."""
    total = 0
    for name in parts:
        info = zf.getinfo(name)
        total += info.file_size
        if info.file_size > MiB and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise _too_large(f"Excel 文件解压后过大（{name} 压缩比 {info.file_size // max(info.compress_size, 1)}:1）",
                             f"the Excel file unpacks too far ({name}: ratio "
                             f"{info.file_size // max(info.compress_size, 1)}:1, limit {limits.max_ratio}:1)",
                             part=name, unpacked=info.file_size)
        if name.endswith("sharedStrings.xml") and info.file_size > limits.max_shared_strings:
            raise _too_large(f"Excel 共享字符串表过大（{info.file_size // MiB} MB）",
                             f"the shared strings unpack to {info.file_size} bytes (limit {limits.max_shared_strings})",
                             part=name, unpacked=info.file_size)
    if total > limits.max_unpacked:
        raise _too_large(f"Excel 文件解压后超过 {limits.max_unpacked // MiB} MB 上限",
                         f"the Excel file unpacks to {total} bytes (limit {limits.max_unpacked})", unpacked=total)


def _small_part(zf: zipfile.ZipFile, name: str, cap: int = 4 * MiB) -> bytes:
    info = zf.getinfo(name)
    if info.file_size > cap:
        raise _too_large(f"Excel 文件的 {name} 过大", f"{name} unpacks to {info.file_size} bytes", part=name)
    return zf.read(name)


def _date_styles(zf: zipfile.ZipFile, names: set[str]) -> set[int]:
    """Indexes of the cell formats (cellXfs) that show a date or time."""
    if "xl/styles.xml" not in names:
        return set()
    from lxml import etree  # type: ignore[import-untyped]  # lxml-stubs is not installed

    root = etree.fromstring(_small_part(zf, "xl/styles.xml"))
    custom: set[int] = set()
    for nf in root.iterfind(f"{_NS}numFmts/{_NS}numFmt"):
        code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", nf.get("formatCode", "")).lower()
        if _DATE_TOKENS.search(code):
            custom.add(int(nf.get("numFmtId", "0")))
    out = set()
    for i, xf in enumerate(root.iterfind(f"{_NS}cellXfs/{_NS}xf")):
        fid = int(xf.get("numFmtId", "0"))
        if fid in _DATE_FMT_IDS or fid in custom:
            out.add(i)
    return out


def _xlsx_rows(data: bytes | None, path: Path | None, limits: Limits) -> Iterator[tuple[int, list[Any]]]:
    """Open the workbook and check it now; return the generator of the first worksheet's rows."""
    from lxml import etree

    fh: IO[bytes] = io.BytesIO(data) if data is not None else open(path, "rb")  # type: ignore[arg-type]  # noqa: SIM115
    try:
        zf = zipfile.ZipFile(fh)
        names = set(zf.namelist())
        sheet = "xl/worksheets/sheet1.xml"
        wb = etree.fromstring(_small_part(zf, "xl/workbook.xml"))
        date1904 = False
        pr = wb.find(f"{_NS}workbookPr")
        if pr is not None and pr.get("date1904") in ("1", "true"):
            date1904 = True
        first = wb.find(f"{_NS}sheets/{_NS}sheet")
        if first is not None and "xl/_rels/workbook.xml.rels" in names:
            rid = first.get(f"{_REL_NS}id")
            for rel in etree.fromstring(_small_part(zf, "xl/_rels/workbook.xml.rels")):
                if rel.get("Id") == rid:
                    target = rel.get("Target", "")
                    sheet = target.lstrip("/") if target.startswith("/") else "xl/" + target
        if sheet not in names:
            raise _bad_file("no worksheet")
        parts = [sheet] + (["xl/sharedStrings.xml"] if "xl/sharedStrings.xml" in names else [])
        _check_zip(zf, parts, limits)
        strings: list[str] = []
        if "xl/sharedStrings.xml" in names:
            raw = zf.read("xl/sharedStrings.xml")
            for si in _SI_RE.finditer(raw):
                body = si.group(1) or b""
                if b"<rPh" in body:  # phonetic runs (ruby) are not part of the text
                    body = _RPH_RE.sub(b"", body)
                strings.append("".join(_xml_text(m.group(1) or b"") for m in _T_RE.finditer(body)))
            del raw
        dates = _date_styles(zf, names)
        stream = zf.open(sheet)
    except DomainError:
        fh.close()
        raise
    except (KeyError, ValueError, IndexError, UnicodeDecodeError, OSError, zipfile.BadZipFile,
            etree.XMLSyntaxError) as exc:
        fh.close()
        raise _bad_file(type(exc).__name__) from None
    epoch = dt.datetime(1904, 1, 1) if date1904 else dt.datetime(1899, 12, 30)
    return _sheet_rows(fh, zf, stream, strings, dates, epoch)


def _sheet_rows(fh: IO[bytes], zf: zipfile.ZipFile, stream: IO[bytes], strings: list[str], dates: set[int],
                epoch: dt.datetime) -> Iterator[tuple[int, list[Any]]]:
    auto_r = 0
    buf = b""
    try:
        while True:
            try:
                block = stream.read(_CHUNK)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise _bad_file(type(exc).__name__) from None
            buf += block
            if block:
                end = buf.rfind(b"</row>")
                if end < 0:
                    continue
                end += 6
                work, buf = buf[:end], buf[end:]
            else:
                work, buf = buf, b""
            for rm in _ROW_RE.finditer(work):
                m = _ATTR_R.search(rm.group(1))
                auto_r = int(m.group(2)) if m and m.group(2) else auto_r + 1
                try:
                    cells = _cells(rm.group(2) or b"", strings, dates, epoch)
                except (IndexError, ValueError, UnicodeDecodeError, OverflowError):
                    raise DomainError("import.bad_file", f"第 {auto_r} 行：Excel 单元格无法读取",
                                      f"row {auto_r}: an Excel cell cannot be read", field="file",
                                      extra={"row": auto_r}) from None
                yield auto_r, cells
            if not block:
                break
    finally:
        stream.close()
        zf.close()
        fh.close()


def _cells(row: bytes, strings: list[str], dates: set[int], epoch: dt.datetime) -> list[Any]:
    cells: list[Any] = []
    for cm in _CELL_RE.finditer(row):
        attrs, body = cm.group(1), cm.group(2) or b""
        ra = _ATTR_R.search(attrs)
        if ra and ra.group(1):
            j = _col_index(ra.group(1))
            if j > 16383:
                raise ValueError("column")
            while len(cells) < j:
                cells.append(None)
        ta = _ATTR_T.search(attrs)
        t = ta.group(1) if ta else b"n"
        val: Any = None
        if t == b"inlineStr":
            val = "".join(_xml_text(x.group(1) or b"") for x in _T_RE.finditer(body))
        else:
            vm = _V_RE.search(body)
            if vm is not None and vm.group(1):  # a formula without a cached value has an empty <v>
                rv = vm.group(1)
                if t == b"s":
                    val = strings[int(rv)]
                elif t in (b"str", b"e"):
                    val = _xml_text(rv)
                elif t == b"b":
                    val = rv == b"1"
                elif t == b"d":
                    val = dt.datetime.fromisoformat(rv.decode())
                else:
                    f = float(rv)
                    sa = _ATTR_S.search(attrs) if dates else None
                    if sa is not None and int(sa.group(1)) in dates:
                        val = epoch + dt.timedelta(seconds=round(f * 86400))
                    else:
                        val = int(f) if f.is_integer() and b"." not in rv and b"E" not in rv.upper() else f
        cells.append(val)
    return cells


# ---------------------------------------------------------------- writing


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def escape_cell(value: Any) -> Any:
    """The one guard against formula injection (CSV/Excel injection, OWASP): text that a spreadsheet would run
    as a formula gets a leading apostrophe and is shown as text. Numbers, dates and booleans pass unchanged;
    a negative number written as text (``-3.5``) stays as it is."""
    if value is None or isinstance(value, bool | int | float | dt.date | dt.time):
        return value
    text = _NOT_IN_XML.sub("", str(value))  # C0 controls and lone surrogates: openpyxl refuses them (#13)
    if text.startswith(FORMULA_PREFIXES) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip() == text


def _xlsx_value(value: Any) -> Any:
    v = escape_cell(value)
    if isinstance(v, dt.datetime) and v.tzinfo is not None:
        return v.astimezone(dt.UTC).replace(tzinfo=None)
    return v


class escaping:  # noqa: N801 — used like a function: ws = escaping(wb.create_sheet(...))
    """An openpyxl worksheet whose `append` passes every value through `escape_cell` (everything else as is)."""

    def __init__(self, ws: Any) -> None:
        object.__setattr__(self, "_ws", ws)

    def append(self, row: Iterable[Any]) -> None:
        self._ws.append([_xlsx_value(v) for v in row])

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ws, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._ws, name, value)

    def __getitem__(self, key: Any) -> Any:
        return self._ws[key]


def write_rows(target: str | Path | IO[bytes], headers: Sequence[str], rows: Iterable[Sequence[Any]],
               fmt: str | None = None) -> int:
    """Stream rows to .xlsx or .csv (UTF-8 with BOM so Excel shows Chinese), every cell through `escape_cell`.

    A path is written whole or not at all (temporary file, fsync, rename); returns the number of data rows."""
    if fmt is None:
        fmt = "xlsx" if str(getattr(target, "name", target)).lower().endswith(".xlsx") else "csv"
    if isinstance(target, str | os.PathLike):
        from zhijian.platform.files import atomic_write

        with atomic_write(Path(target)) as fh:
            return write_rows(fh, headers, rows, fmt)
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet()
        ws.append([escape_cell(h) for h in headers])
        n = 0
        for r in rows:
            ws.append([_xlsx_value(v) for v in r])
            n += 1
        wb.save(target)
        return n
    text = io.TextIOWrapper(target, encoding="utf-8-sig", newline="", write_through=True)
    try:
        w = csv.writer(text)
        w.writerow([escape_cell(h) for h in headers])
        n = 0
        for r in rows:
            w.writerow(["" if v is None else escape_cell(v) for v in r])
            n += 1
        text.flush()
    finally:
        text.detach()
    return n
