"""The command shapes every 协会 sub-room's CLI shares: a step run as the system that prints how many rows it
touched (platform.cli_support.counted), a listing one line a row, a spreadsheet import (all or nothing, errors naming the row and the column) and a PDF written to a file."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import typer
from sqlalchemy.orm import Session

from zhijian.platform.cli_support import counted, unit_of_work
from zhijian.platform.files import write_bytes
from zhijian.platform.tabular import read_rows

Rows = Iterable[tuple[int, dict[str, Any]]]
T = TypeVar("T")

__all__ = ["counted", "imported", "listed", "written"]


def listed(query: Callable[[Session], Iterable[T]], line: Callable[[T], str]) -> None:
    """The rows ``query`` finds (as the system, in one unit of work), one printed ``line`` each."""
    with unit_of_work() as s:
        for row in query(s):
            typer.echo(line(row))


def imported(path: Path, required: Sequence[str], work: Callable[[Session, Rows], int], message: str) -> None:
    """An Excel/CSV file's rows (the required columns checked first) through ``work``; ``message`` as in `counted`."""
    counted(message, lambda s: work(s, read_rows(path, path.name, required=required)))


def written(out: Path, data: bytes) -> None:
    """A generated file (a report, a certificate) written where the user said, and its size."""
    write_bytes(out, data)
    typer.echo(f"{out}\t{len(data)} bytes")
