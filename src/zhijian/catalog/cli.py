"""Catalog commands: product import/export (Excel/CSV) and lookups."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import Progress

from zhijian.catalog import rules, service
from zhijian.platform import exports
from zhijian.platform.auth import SYSTEM
from zhijian.platform.cli_support import emit, unit_of_work
from zhijian.platform.tabular import read_rows

products = typer.Typer(help="产品 / products", no_args_is_help=True)


@products.command("import")
def import_cmd(file: Path = typer.Argument(..., exists=False, help=".xlsx or .csv with 产品名称, 品牌, 型号规格, 类别代码, 企业统一社会信用代码, GTIN")) -> None:
    """批量导入产品 (all or nothing; a bad cell is named by row and column)."""
    with unit_of_work() as s, Progress(transient=True) as bar:
        task = bar.add_task("导入产品", total=None)
        n = service.import_products(s, SYSTEM, read_rows(file, required=service.PRODUCT_COLUMNS[:5]),
                                    progress=lambda k: bar.advance(task, k))
    typer.echo(f"imported {n} products")


@products.command("export")
def export_cmd(out: Path = typer.Option(..., "--out", help=".xlsx or .csv"), q: str | None = None,
               category_id: int | None = None) -> None:
    """导出产品 (.xlsx with title, filter, frozen header and autofilter; .csv for programs) — imports again as is."""
    with unit_of_work() as s:
        rows = service.export_products(s, SYSTEM, q=q, category_id=category_id)
        cols = [exports.Column(h, "text") for h in service.PRODUCT_COLUMNS]  # codes stay text (leading zeros)
        n = exports.write(out, exports.Sheet("产品", cols, rows, title="产品清单",
                                             filters={"关键词": q, "类别ID": category_id}))
    typer.echo(f"written {out} ({n} rows)")


@products.command("search")
def search_cmd(q: str, limit: int = 20, json_out: bool = typer.Option(False, "--json")) -> None:
    """产品检索 (Chinese substring search)."""
    with unit_of_work() as s:
        page = service.list_products(s, SYSTEM, q=q, limit=limit)
        data = [{"id": p.id, "name": p.name, "brand": p.brand, "model": p.model, "gtin": p.gtin} for p in page.items]
    emit(data, json_out, lambda d: "\n".join(f"{r['id']:>7}  {r['name']}  {r['brand']}  {r['model']}" for r in d))


def register(root: typer.Typer) -> None:
    root.add_typer(products, name="products")

    @root.command("region")
    def region_cmd(code: str) -> None:
        """GB/T 2260 行政区划代码 lookup."""
        r = rules.parse_region(code, field="code")
        typer.echo(f"{r.code} {rules.region_label(r.code)} ({r.level})")
