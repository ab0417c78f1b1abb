"""`zhijian association standard …` — group standards: list, reviews due, the 全国团体标准信息平台 export."""

from __future__ import annotations

from pathlib import Path

import typer

from zhijian.association.common.cli import listed
from zhijian.association.standards import rules, service
from zhijian.platform.auth import SYSTEM
from zhijian.platform.cli_support import unit_of_work
from zhijian.platform.tabular import write_rows

app = typer.Typer(help="团体标准 / group standards", no_args_is_help=True)


@app.command("list")
def list_cmd(status: str | None = None) -> None:
    listed(lambda s: service.list_standards(s, SYSTEM, status=status),
           lambda g: f"{g.id}\t{g.number or g.project_no or '—'}\t{rules.STATUSES[g.status]}\t{g.title}")


@app.command("reviews-due")
def reviews_due_cmd(within_days: int = 90) -> None:
    """五年复审到期 (or overdue) within the next days."""
    listed(lambda s: service.reviews_due(s, within_days=within_days),
           lambda g: f"{g.number}\t{g.next_review_on}\t{g.title}")


@app.command("ttbz-export")
def ttbz_cmd(out: Path) -> None:
    """全国团体标准信息平台 record fields of every numbered standard (.xlsx or .csv)."""
    with unit_of_work() as s:
        rows = service.ttbz_export(s, SYSTEM)
    n = write_rows(out, service.TTBZ_COLUMNS, [[r[c] for c in service.TTBZ_COLUMNS] for r in rows])
    typer.echo(f"{out}\t{n} 项标准")
