"""Excel/CSV import and export shared by every room (导入导出).

Reading: `read_rows(path)` yields `(row_number, {header: value})` from .xlsx (openpyxl, read-only,
streaming) or .csv (UTF-8 with or without BOM, or GB18030 as Chinese Excel saves it).
Writing: `write_rows(path, headers, rows)` streams to .xlsx (write-only) or .csv.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from zhijian.platform.errors import DomainError


def _csv_text(data: bytes) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise DomainError("import.encoding", "CSV 文件编码无法识别（应为 UTF-8 或 GB18030）",
                      "CSV encoding not recognised (expected UTF-8 or GB18030)", field="file")


def read_rows(source: str | Path | bytes, filename: str | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """Rows as dicts keyed by the (stripped) header; row numbers as a spreadsheet shows them (header = 1)."""
    name = (filename or (str(source) if not isinstance(source, bytes) else "")).lower()
    if name.endswith((".xlsx", ".xlsm")):
        from openpyxl import load_workbook

        fh = io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")  # noqa: SIM115
        try:
            wb = load_workbook(fh, read_only=True, data_only=True)
        except Exception as exc:
            raise DomainError("import.bad_file", "无法读取 Excel 文件", f"cannot read the Excel file: {exc}",
                              field="file") from exc
        ws = wb.active
        rows = ws.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
        for i, values in enumerate(rows, start=2):
            if values is None or all(v is None or str(v).strip() == "" for v in values):
                continue
            yield i, {h: v for h, v in zip(header, values, strict=False) if h}
        wb.close()
        if not isinstance(source, bytes):
            fh.close()
        return
    if name.endswith(".csv") or isinstance(source, bytes):
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        reader = csv.reader(io.StringIO(_csv_text(data)))
        header = [h.strip() for h in next(reader, [])]
        for i, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            yield i, {h: v for h, v in zip(header, values, strict=False) if h}
        return
    raise DomainError("import.bad_type", "只支持 .xlsx 与 .csv 文件", "only .xlsx and .csv files are supported",
                      field="file")


def require_columns(row: dict[str, Any], columns: Sequence[str], row_no: int) -> None:
    missing = [c for c in columns if c not in row]
    if missing:
        raise DomainError("import.missing_column", f"缺少列：{'、'.join(missing)}", f"missing columns: {', '.join(missing)}",
                          field=missing[0], extra={"row": row_no})


def cell_error(row_no: int, column: str, zh: str, en: str) -> DomainError:
    """An import error that names the row and column; imports are all-or-nothing."""
    return DomainError("import.bad_cell", f"第 {row_no} 行「{column}」列：{zh}", f"row {row_no}, column '{column}': {en}",
                       field=column, extra={"row": row_no, "column": column})


def write_rows(target: str | Path | io.BytesIO, headers: Sequence[str], rows: Iterable[Sequence[Any]],
               fmt: str | None = None) -> None:
    fmt = fmt or ("xlsx" if str(target).lower().endswith(".xlsx") else "csv")
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet()
        ws.append(list(headers))
        for r in rows:
            ws.append(list(r))
        wb.save(target)
        return
    if isinstance(target, io.BytesIO):
        text = io.StringIO()
        w = csv.writer(text)
        w.writerow(headers)
        w.writerows(rows)
        target.write(text.getvalue().encode("utf-8-sig"))
        return
    with open(target, "w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerow(headers)
        w.writerows(rows)
