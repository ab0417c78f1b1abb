"""导出 Excel — list pages stream their rows as an .xlsx file through `platform.exports.write`.

`xlsx_response("产品.xlsx", ["名称", "品牌"], rows, filters={"关键词": q})` where `rows` is any iterable (a
generator over keyset pages keeps memory flat): a title row, the filter, a frozen header with autofilter, column
widths; numbers stay numbers, dates stay dates; text that looks like a formula is written as text.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any
from urllib.parse import quote

from fastapi.responses import StreamingResponse

from zhijian.platform import exports
from zhijian.platform.openapi import XLSX

CHUNK = 64 * 1024
MAX_ROWS = exports.MAX_ROWS  # Excel's sheet limit (exports stops at it, title block included)


def write_xlsx(fh: Any, headers: Sequence[str | exports.Column], rows: Iterable[Sequence[Any]], sheet: str = "",
               *, title: str = "", filters: Mapping[str, Any] | None = None, lang: str = "zh-CN") -> int:
    """Write the workbook to a binary file object through the one export function (platform.exports)."""
    return exports.write(fh, exports.Sheet(sheet or title or "数据", headers, islice(rows, MAX_ROWS), title=title,
                                           filters=filters), "xlsx", lang=lang)


def xlsx_response(filename: str, headers: Sequence[str | exports.Column], rows: Iterable[Sequence[Any]],
                  sheet: str = "", *, title: str = "", filters: Mapping[str, Any] | None = None,
                  lang: str = "zh-CN") -> StreamingResponse:
    """An attachment response; the workbook is spooled to a temporary file and streamed in chunks.

    The sheet is named after the file (产品.xlsx → sheet 产品) and titled so, with the filter written under it."""
    stem = filename.rsplit(".", 1)[0]
    spool = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115 — closed by the iterator
    write_xlsx(spool, headers, rows, sheet or stem, title=title or stem, filters=filters, lang=lang)
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
