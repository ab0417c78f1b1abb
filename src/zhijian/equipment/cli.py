"""`zhijian equipment …` — register, import, record inspections, explain due dates, list overdue units."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer

from zhijian.equipment import rules, service
from zhijian.equipment.schemas import InspectionIn, StatusIn, UnitIn
from zhijian.platform.auth import SYSTEM
from zhijian.platform.cli_support import unit_of_work
from zhijian.platform.errors import DomainError
from zhijian.platform.tabular import read_rows

app = typer.Typer(help="特种设备 / special equipment", no_args_is_help=True)


def _date(value: str | None, field: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise DomainError("validation.invalid", f"「{field}」应为日期 YYYY-MM-DD", f"'{field}' must be a date (YYYY-MM-DD)",
                          field=field) from None


@app.command("intervals")
def intervals_cmd() -> None:
    """The periodic-inspection interval table with its sources."""
    t = rules.CURRENT_TABLE
    typer.echo(f"检验周期表 {t.version}（自 {t.effective_from}）")
    for r in t.rows.values():
        months = "—" if r.months is None else f"{r.months} 个月"
        typer.echo(f"{r.key}\t{months}\t{r.source}\t{r.note}")


@app.command("register")
def register_cmd(code: str, variety: str = typer.Option(...), owner: int = typer.Option(..., help="使用单位 id"),
                 region: str = typer.Option(...), address: str = "", registration_no: str = "",
                 last_inspection: str | None = None, commissioned: str | None = None,
                 params: str = typer.Option("{}", help="技术参数 JSON")) -> None:
    """使用登记 — register one unit."""
    try:
        p = json.loads(params)
    except json.JSONDecodeError:
        raise DomainError("validation.invalid", "「--params」应为 JSON", "--params must be JSON", field="params") from None
    with unit_of_work() as s:
        unit = service.register_unit(s, SYSTEM, UnitIn(
            code=code, variety=variety, owner_id=owner, region_code=region, address=address,
            registration_no=registration_no, last_inspection_on=_date(last_inspection, "last_inspection"),
            commissioned_on=_date(commissioned, "commissioned"), params=p))
        typer.echo(f"{unit.code}\t{rules.STATUSES[unit.status]}\t下次检验 {unit.next_due_on or '—'}")


@app.command("import")
def import_cmd(path: Path) -> None:
    """批量导入使用登记 (CSV / Excel), all or nothing."""
    with unit_of_work() as s:
        n = service.import_registry(s, SYSTEM, read_rows(path, path.name, required=service.IMPORT_COLUMNS))
    typer.echo(f"已导入 {n} 台设备")


@app.command("import-reports")
def import_reports_cmd(path: Path, institute: int = typer.Option(..., help="检验机构 id")) -> None:
    """批量导入检验报告 (CSV / Excel) of one institute, all or nothing."""
    from zhijian.platform.auth import Actor

    with unit_of_work() as s:
        n = service.import_inspections(s, Actor(None, "cli", "inspector", institute),
                                       read_rows(path, path.name, required=service.INSPECTION_COLUMNS))
    typer.echo(f"已导入 {n} 份检验报告")


@app.command("inspect")
def inspect_cmd(code: str, report_no: str = typer.Option(...), date: str = typer.Option(...),
                conclusion: str = typer.Option(..., help="合格 / 复检合格 / 不合格 / 整改后合格"),
                institute: int = typer.Option(..., help="检验机构 id"), kind: str = "periodic",
                grade: int | None = None, defects: str = "") -> None:
    """Record an inspection report."""
    with unit_of_work() as s:
        row = service.record_inspection(s, SYSTEM, code, InspectionIn(
            report_no=report_no, inspected_on=_date(date, "date"), conclusion=conclusion, kind=kind,  # type: ignore[arg-type]
            safety_grade=grade, defects=defects, institute_id=institute))
        unit = service.get_unit(s, SYSTEM, code)
        typer.echo(f"{row.report_no}\t{rules.CONCLUSIONS[row.conclusion]}\t{rules.STATUSES[unit.status]}\t"
                   f"下次检验 {unit.next_due_on or '—'}")


@app.command("status")
def status_cmd(code: str, status: str, reason: str = "", document: str = "") -> None:
    """停用 (stopped) / 启用 (in_use) / 报废 (scrapped) / 注销 (cancelled)."""
    with unit_of_work() as s:
        unit = service.change_status(s, SYSTEM, code, StatusIn(status=status, reason=reason, document=document))
        typer.echo(f"{unit.code}\t{rules.STATUSES[unit.status]}")


@app.command("due")
def due_cmd(code: str, on: str | None = None) -> None:
    """Explain a unit's next inspection date: which rule, which source."""
    with unit_of_work() as s:
        e = service.explain_due(s, SYSTEM, code, _date(on, "on"))
        typer.echo(f"{e.code}\t{e.due.due_on or '—'}\t{rules.DUE_STATE_ZH[e.state]}\n{e.due.explanation}")


@app.command("overdue")
def overdue_cmd(region: str | None = None, owner: int | None = None, soon: bool = typer.Option(False, "--soon"),
                on: str | None = None, limit: int = 100) -> None:
    """超期 (or with --soon, 30 日内到期) units of a division or an owner."""
    with unit_of_work() as s:
        page = service.due_list(s, SYSTEM, state="due_soon" if soon else "overdue", region=region, owner_id=owner,
                                on=_date(on, "on"), limit=limit)
        for u in page.items:
            typer.echo(f"{u.code}\t{rules.VARIETIES.get(u.variety, u.variety)}\t{u.region_code}\t{u.next_due_on}\t{u.address}")
        typer.echo(f"共 {len(page.items)} 台" + ("（还有更多）" if page.next_cursor else ""))


@app.command("stats")
def stats_cmd(on: str | None = None) -> None:
    """统计: units, in use, stopped, overdue, due within 30 days by category and division."""
    with unit_of_work() as s:
        typer.echo("类别\t行政区划\t台数\t在用\t停用\t超期\t30日内到期")
        for r in service.statistics(s, SYSTEM, on=_date(on, "on")):
            typer.echo(f"{rules.CATEGORIES.get(r.category, r.category)}\t{r.region_code}\t{r.units}\t{r.in_use}\t"
                       f"{r.stopped}\t{r.overdue}\t{r.due_soon}")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="equipment")
