"""The command shapes every 协会 sub-room's CLI shares: a step run as the system that prints how many rows it
touched, a spreadsheet import (all or nothing, errors naming the row and the column) and a PDF written to a file."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import typer
from sqlalchemy.orm import Session

from zhijian.platform.cli_support import unit_of_work
from zhijian.platform.files import write_bytes
from zhijian.platform.tabular import read_rows

Rows = Iterable[tuple[int, dict[str, Any]]]


def counted(message: str, work: Callable[[Session], int]) -> None:
    """Run ``work`` in one unit of work and print ``message`` with its count in place of ``{n}``."""
    with unit_of_work() as s:
        n = work(s)
    typer.echo(message.format(n=n))


def imported(path: Path, required: Sequence[str], work: Callable[[Session, Rows], int], message: str) -> None:
    """An Excel/CSV file's rows (the required columns checked first) through ``work``; ``message`` as in `counted`."""
    counted(message, lambda s: work(s, read_rows(path, path.name, required=required)))


def written(out: Path, data: bytes) -> None:
    """A generated file (a report, a certificate) written where the user said, and its size."""
    write_bytes(out, data)
    typer.echo(f"{out}\t{len(data)} bytes")
