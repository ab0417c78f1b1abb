"""导出 — the one function behind every Excel/CSV export (web lists, CLI, spot-check and stable workbooks).

Issue 21 (finding 14): exports opened in Excel had no column widths, no frozen header, no autofilter, dates as
text and sheets named "Sheet1". `write(target, [Sheet(...)])` lays every sheet out the same way:

    row 1   标题 (bold, merged over the table's width)
    row 2   筛选条件：关键词＝…；类别＝…  (the filter that produced the export; "全部（未筛选）" when none)
    row 3   导出时间：2026-12-02 22:51（北京时间）, then any notes, one per row
    row n   the header (bold, shaded, repeated on every printed page), frozen with the rows above it
    n+1…    the data: numbers as numbers, dates as dates (yyyy-mm-dd), aware datetimes in Beijing time,
            every text cell through `platform.tabular.escape_cell` (formula injection), autofilter over
            header and data, widths from the header and the first rows (a Chinese character counts two).

Sheet names are Chinese and made valid for Excel (≤ 31 characters, none of ``[]:*?/\\``, unique).
The workbook is written in openpyxl's write-only mode, so 10^5 rows stream in flat memory. CSV (`fmt="csv"`)
is the data alone — header then rows, UTF-8 with a BOM and CRLF so that Chinese Excel and WPS open it — because
programs read CSV; it goes through the same cell conversion and the same formula guard.

The importer (`platform.tabular`) skips the title block, so an exported product list imports again as it is.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import IO, Any, Literal

from zhijian.platform.errors import DomainError
from zhijian.platform.tabular import escape_cell

Kind = Literal["auto", "text", "int", "number", "date", "datetime"]
CHINA = dt.timezone(dt.timedelta(hours=8), "CST")  # 北京时间 (no DST since 1991)
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
MAX_ROWS = 1_048_576  # Excel's sheet limit, title block and header included
SAMPLE_ROWS = 500  # rows looked at for the column widths
MIN_WIDTH, MAX_WIDTH = 6.0, 60.0
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_DATE_TEXT = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")

LABELS = {
    "zh-CN": {"filter": "筛选条件：", "all": "全部（未筛选）", "exported": "导出时间：", "tz": "（北京时间）",
              "sep": "；", "eq": "＝", "rows": "共 {n} 条"},
    "en": {"filter": "Filter: ", "all": "all (no filter)", "exported": "Exported: ", "tz": " (Beijing time)",
           "sep": "; ", "eq": " = ", "rows": "{n} rows"},
}


@dataclass(frozen=True)
class Column:
    """A column: its header, how its cells are typed, and optionally a fixed width (Excel character units)."""

    header: str
    kind: Kind = "auto"
    width: float | None = None
    number_format: str | None = None  # e.g. "0.00" or "0.0%"; dates get DATE_FORMAT / DATETIME_FORMAT


@dataclass
class Sheet:
    """One sheet of an export. `filters` is what the user chose (label → value); empty values are left out."""

    name: str
    columns: Sequence[Column | str]
    rows: Iterable[Sequence[Any]]
    title: str = ""
    filters: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None
    notes: Sequence[str] = ()
    written: int = field(default=0, init=False)  # data rows written, set by `write`

    @property
    def cols(self) -> list[Column]:
        return [c if isinstance(c, Column) else Column(str(c)) for c in self.columns]


# ---- cells


def cell_value(value: Any, kind: Kind = "auto") -> Any:
    """The value as Excel should store it: typed where the column says so, text escaped (one formula guard)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(CHINA).replace(tzinfo=None)
        return value.date() if kind == "date" else value
    if kind == "text":
        return escape_cell(str(value))
    if isinstance(value, bool):
        return value
    if isinstance(value, decimal.Decimal):
        return int(value) if kind == "int" and value == value.to_integral_value() else float(value)
    if isinstance(value, int | float | dt.date | dt.time):
        return value
    if isinstance(value, str) and kind in ("int", "number"):
        text = value.strip().replace(",", "")
        try:
            return int(text) if kind == "int" else float(text)
        except ValueError:
            pass
    if isinstance(value, str) and kind in ("date", "datetime"):
        m = _DATE_TEXT.match(value.strip())
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                pass
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            pass
        else:
            return cell_value(parsed, kind)
    return escape_cell(value if isinstance(value, str) else str(value))


def display_width(value: Any) -> float:
    """Width of a value in Excel character units: East Asian wide characters count two."""
    if value is None:
        return 0.0
    if isinstance(value, dt.datetime):
        return 16.0
    if isinstance(value, dt.date):
        return 10.0
    if isinstance(value, float):
        text = f"{value:.6g}"
    else:
        text = str(value)
    longest = max(text.split("\n"), key=len) if "\n" in text else text
    return float(sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in longest))


def sheet_name(name: str, taken: Iterable[str] = ()) -> str:
    """A valid, unique Excel sheet name (≤ 31 characters, none of []:*?/\\, not blank, not 'History')."""
    clean = _BAD_SHEET_CHARS.sub("_", escape_cell(name or "")).strip().strip("'") or "数据"  # no controls (#13)
    if clean.lower() == "history":
        clean = "History_"
    clean = clean[:31]
    used = {t.lower() for t in taken}
    candidate, n = clean, 2
    while candidate.lower() in used:
        suffix = f"({n})"
        candidate, n = clean[:31 - len(suffix)] + suffix, n + 1
    return candidate


def filter_text(filters: Mapping[str, Any] | Sequence[tuple[str, Any]] | None, lang: str = "zh-CN") -> str:
    """'筛选条件：关键词＝电热水壶；类别＝家用电器' — blank values left out; '全部（未筛选）' when nothing is set."""
    lab = LABELS.get(lang, LABELS["zh-CN"])
    pairs = list(filters.items()) if isinstance(filters, Mapping) else list(filters or ())
    parts = []
    for k, v in pairs:
        if v is None or v == "" or v == () or v == []:
            continue
        if isinstance(v, list | tuple | set):
            v = "、".join(str(x) for x in v)
        parts.append(f"{k}{lab['eq']}{v}")
    return lab["filter"] + (lab["sep"].join(parts) if parts else lab["all"])


def _title_block(sheet: Sheet, lang: str, exported_at: dt.datetime) -> list[str]:
    lab = LABELS.get(lang, LABELS["zh-CN"])
    when = exported_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    return [sheet.title or sheet.name, filter_text(sheet.filters, lang), f"{lab['exported']}{when}{lab['tz']}",
            *sheet.notes]


def _col_letter(n: int) -> str:
    from openpyxl.utils import get_column_letter

    letter: str = get_column_letter(n)
    return letter


# ---- writers


def write_xlsx(fh: IO[bytes], sheets: Sequence[Sheet], *, lang: str = "zh-CN",
               exported_at: dt.datetime | None = None) -> int:
    """Write the workbook to a binary file object; returns the data rows written over all sheets."""
    from openpyxl import Workbook

    if not sheets:
        raise DomainError("export.empty", "没有可导出的工作表", "nothing to export", field="sheets")
    exported_at = exported_at or dt.datetime.now(dt.UTC)
    wb = Workbook(write_only=True)
    names: list[str] = []
    total = 0
    for sheet in sheets:
        if not sheet.cols:
            raise DomainError("export.no_columns", "导出表没有列", "an export needs at least one column", field="columns")
        name = sheet_name(sheet.name, names)
        names.append(name)
        total += _write_sheet(wb.create_sheet(title=name), sheet, _title_block(sheet, lang, exported_at))
    wb.save(fh)
    return total


def _write_sheet(ws: Any, sheet: Sheet, block: list[str]) -> int:
    """One worksheet: widths from the first rows, the title block, the styled header, typed data, autofilter."""
    cols = sheet.cols
    rows = iter(sheet.rows)
    sample = [[cell_value(v, c.kind) for v, c in zip(r, cols, strict=False)] for r in islice(rows, SAMPLE_ROWS)]
    _set_widths(ws, cols, sample)
    header_row = len(block) + 1
    last_col = _col_letter(len(cols))
    _page_setup(ws, header_row, len(cols))
    _title_and_header(ws, cols, block, last_col)
    n = 0
    limit = MAX_ROWS - header_row
    for values in chain(sample, ([cell_value(v, c.kind) for v, c in zip(r, cols, strict=False)] for r in rows)):
        if n >= limit:
            break
        ws.append(_typed_cells(ws, values, cols))
        n += 1
    ws.auto_filter.ref = f"A{header_row}:{last_col}{header_row + max(n, 1)}"
    sheet.written = n
    return n


def _set_widths(ws: Any, cols: Sequence[Column], sample: list[list[Any]]) -> None:
    """Each column's width: as given, or fitted to the header and the sampled rows (within MIN/MAX_WIDTH)."""
    for i, c in enumerate(cols):
        width = c.width
        if width is None:
            seen = [display_width(c.header)] + [display_width(r[i]) for r in sample if i < len(r)]
            width = min(MAX_WIDTH, max(MIN_WIDTH, max(seen) + 2))
        ws.column_dimensions[_col_letter(i + 1)].width = width


def _page_setup(ws: Any, header_row: int, n_cols: int) -> None:
    """Frozen header, header repeated on every printed page, fit to the page width (landscape when wide)."""
    from openpyxl.worksheet.properties import PageSetupProperties

    ws.freeze_panes = f"A{header_row + 1}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.orientation = "landscape" if n_cols > 6 else "portrait"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0


def _title_and_header(ws: Any, cols: Sequence[Column], block: list[str], last_col: str) -> None:
    """The title block (title, filter, time; merged across the columns) and the bold, filled header row."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    for k, line in enumerate(block):
        cell = WriteOnlyCell(ws, value=escape_cell(line))
        cell.font = Font(bold=True, size=14) if k == 0 else Font(color="595959")
        ws.append([cell])
        if len(cols) > 1:
            ws.merged_cells.add(f"A{k + 1}:{last_col}{k + 1}")
    bold, head_fill = Font(bold=True), PatternFill("solid", fgColor="DCE6F1")
    head_border = Border(bottom=Side(style="thin", color="7F7F7F"))
    wrap = Alignment(vertical="center", wrap_text=True)
    head = []
    for c in cols:
        cell = WriteOnlyCell(ws, value=escape_cell(c.header))
        cell.font, cell.fill, cell.border, cell.alignment = bold, head_fill, head_border, wrap
        head.append(cell)
    ws.append(head)


def _typed_cells(ws: Any, values: list[Any], cols: Sequence[Column]) -> list[Any]:
    """One data row: dates, times and formatted numbers as cells with their number format, the rest as is."""
    from openpyxl.cell import WriteOnlyCell

    out: list[Any] = []
    for v, c in zip(values, cols, strict=False):
        if isinstance(v, dt.date | dt.time) or c.number_format:
            cell = WriteOnlyCell(ws, value=v)
            if isinstance(v, dt.datetime):
                cell.number_format = DATETIME_FORMAT
            elif isinstance(v, dt.date):
                cell.number_format = DATE_FORMAT
            elif c.number_format and isinstance(v, int | float):
                cell.number_format = c.number_format
            out.append(cell)
        else:
            out.append(v)
    return out


def write_csv(fh: IO[bytes], sheet: Sheet) -> int:
    """The data of one sheet as CSV: UTF-8 with BOM, CRLF, header then rows, every cell escaped."""
    cols = sheet.cols
    text = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="", write_through=True)
    try:
        w = csv.writer(text, lineterminator="\r\n")
        w.writerow([escape_cell(c.header) for c in cols])
        n = 0
        for r in sheet.rows:
            row = []
            for v, c in zip(r, cols, strict=False):
                x = cell_value(v, c.kind)
                if isinstance(x, dt.datetime):
                    x = x.strftime("%Y-%m-%d %H:%M:%S")
                elif isinstance(x, dt.date):
                    x = x.isoformat()
                row.append("" if x is None else x)
            w.writerow(row)
            n += 1
        text.flush()
    finally:
        text.detach()
    sheet.written = n
    return n


def format_of(target: Any, fmt: str | None = None) -> str:
    if fmt:
        fmt = fmt.lower().lstrip(".")
    else:
        fmt = "xlsx" if str(getattr(target, "name", target)).lower().endswith(".xlsx") else "csv"
    if fmt not in ("xlsx", "csv"):
        raise DomainError("export.bad_format", f"导出格式应为 xlsx 或 csv：{fmt}", f"export format must be xlsx or csv: {fmt}",
                          field="format")
    return fmt


def write(target: str | os.PathLike[str] | IO[bytes], sheets: Sheet | Sequence[Sheet], fmt: str | None = None, *,
          lang: str = "zh-CN", exported_at: dt.datetime | None = None) -> int:
    """THE export function: sheets to .xlsx (or the first sheet to .csv); a path appears whole or not at all.

    Returns the number of data rows written."""
    sheets = [sheets] if isinstance(sheets, Sheet) else list(sheets)
    fmt = format_of(target, fmt)
    if isinstance(target, str | os.PathLike):
        from zhijian.platform.files import atomic_write

        with atomic_write(Path(target)) as fh:
            return write(fh, sheets, fmt, lang=lang, exported_at=exported_at)
    if fmt == "csv":
        if len(sheets) != 1:
            raise DomainError("export.csv_one_sheet", "CSV 只能导出一张表", "CSV holds one sheet only", field="format")
        return write_csv(target, sheets[0])
    return write_xlsx(target, sheets, lang=lang, exported_at=exported_at)


def to_bytes(sheets: Sheet | Sequence[Sheet], fmt: str = "xlsx", **kw: Any) -> bytes:
    """The export in memory (small workbooks: announcements, published results)."""
    buf = io.BytesIO()
    write(buf, sheets, fmt, **kw)
    return buf.getvalue()


def table_rows(rows: Iterable[Mapping[str, Any]], keys: Sequence[str]) -> Iterator[list[Any]]:
    """Dict rows (as services return them) in column order."""
    for r in rows:
        yield [r.get(k) for k in keys]
