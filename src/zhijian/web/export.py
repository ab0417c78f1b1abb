"""导出 Excel — list pages stream their rows as an .xlsx file (openpyxl write-only mode).

`xlsx_response("products.xlsx", ["名称", "品牌"], rows)` where `rows` is any iterable (a generator
over keyset pages keeps memory flat). Values are written as they are: numbers stay numbers, dates
stay dates; text that looks like a formula is written as text (no formula injection).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any
from urllib.parse import quote

from fastapi.responses import StreamingResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from zhijian.platform.tabular import escape_cell

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 64 * 1024
MAX_ROWS = 1_048_575  # Excel's sheet limit minus the header row


def _cell_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else value.astimezone(dt.UTC).replace(tzinfo=None)
    return escape_cell(value)  # the one formula guard of every export (platform.tabular)


def write_xlsx(fh: Any, headers: Sequence[str], rows: Iterable[Sequence[Any]], sheet: str = "Sheet1") -> int:
    """Write the workbook to a binary file object; returns the number of data rows written."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet[:31])
    bold = Font(bold=True)
    head = []
    for h in headers:
        c = WriteOnlyCell(ws, value=str(h))
        c.font = bold
        head.append(c)
    ws.append(head)
    n = 0
    for row in rows:
        if n >= MAX_ROWS:
            break
        ws.append([_cell_value(v) for v in row])
        n += 1
    wb.save(fh)
    return n


def xlsx_response(filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]],
                  sheet: str = "Sheet1") -> StreamingResponse:
    """An attachment response; the workbook is spooled to a temporary file and streamed in chunks."""
    spool = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115 — closed by the iterator
    write_xlsx(spool, headers, rows, sheet)
    size = spool.tell()
    spool.seek(0)

    def chunks() -> Iterator[bytes]:
        try:
            while block := spool.read(CHUNK):
                yield block
        finally:
            spool.close()

    ascii_name = filename.encode("ascii", "ignore").decode() or "export.xlsx"
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return StreamingResponse(chunks(), media_type=XLSX,
                             headers={"content-disposition": disposition, "content-length": str(size)})
