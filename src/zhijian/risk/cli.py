"""`zhijian risk …` — assess a product from a scenarios file, run the scan with a progress bar, list signals."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import typer

from zhijian.platform.auth import Actor
from zhijian.platform.calendar import parse_date
from zhijian.platform.cli_support import emit, unit_of_work
from zhijian.platform.errors import DomainError
from zhijian.risk import matrix

app = typer.Typer(help="风险监测预警 / risk monitoring, assessment, alerts and recalls", no_args_is_help=True)


def _human_assessment(r: dict[str, Any]) -> str:
    lines = [f"{r['product']}：{r['risk_level_zh']}（{r['risk_level']}）"]
    for i, s in enumerate(r["scenarios"], 1):
        lines.append(f"  情景 {i}：概率 {s['probability_label']}，严重程度 {s['severity']} → {s['risk_level_zh']}"
                     f"  {s['description']}")
    if r["presumed_serious"]:
        lines.append("  推定严重风险：" + "、".join(matrix.PRESUMED_SERIOUS[f] for f in r["presumed_serious"]))
    if "exposure" in r:
        lines.append(f"  （{r['exposure']['note_zh']}：{r['exposure']['expected_injuries']:.2f}）")
    return "\n".join(lines)


@app.command("assess")
def assess(input: Path = typer.Option(..., "--input", "-i", help="scenarios JSON file"),  # noqa: A002
           json_out: bool = typer.Option(False, "--json"),
           exposure: bool = typer.Option(False, "--exposure", help="add the exposure estimate (NOT part of the EU method)"),
           ) -> None:
    """风险评估：EU 2019/417 / 2024/3173 method. Input: {"product", "scenarios": [{description, consumer, severity, steps}]}."""
    try:
        data = json.loads(input.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DomainError("risk.bad_input", f"输入文件不是合法的 JSON：第 {exc.lineno} 行", f"input is not valid JSON: line {exc.lineno}",
                          field="input") from None
    except UnicodeDecodeError:
        raise DomainError("risk.bad_input", "输入文件不是 UTF-8 编码", "input is not UTF-8", field="input") from None
    result = matrix.assess(matrix.parse_assessment(data), exposure_adjustment=exposure)
    emit(result, json_out, _human_assessment)


@app.command("scan")
def scan(as_of: str | None = typer.Option(None, "--as-of", help="YYYY-MM-DD (default today)"),
         json_out: bool = typer.Option(False, "--json")) -> None:
    """全量监测扫描 over spot-check results and complaints, with a progress bar."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from zhijian.risk import service

    day = service.scan_day(parse_date(as_of, "as_of", code="risk.bad_date"))
    with Progress(TextColumn("[bold]风险扫描[/bold] {task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                  TimeElapsedColumn(), transient=json_out, disable=json_out) as bar:
        task = bar.add_task("开始", total=100)

        def progress(step: str, pct: int) -> None:
            bar.update(task, completed=pct, description=step)

        with unit_of_work() as s:
            run = service.run_scan(s, _system(), as_of=day, progress=progress)
            data = {**asdict(service.scan_figures(s, _system(), run)), "timings": run.summary.get("timings", {})}
    emit(data, json_out, lambda d: (f"扫描完成：{d['results']} 条抽查结果，{d['complaints']} 条投诉，"
                                    f"新信号 {d['new_signals']} 个，用时 {d['seconds']} 秒"))


@app.command("signals")
def signals(status: str | None = typer.Option("open"), limit: int = typer.Option(50),
            json_out: bool = typer.Option(False, "--json")) -> None:
    """列出风险信号."""
    from zhijian.risk import service

    with unit_of_work() as s:
        page = service.list_signals(s, _system(), status=status, limit=limit)
        rows = [{"id": g.id, "method": g.method, "series": g.series_label or g.series_key, "period": g.period,
                 "observed": g.observed, "expected": g.expected, "status": g.status} for g in page.items]
    emit(rows, json_out, lambda rs: "\n".join(
        f"#{r['id']} {r['period']} {r['method']:<12} {r['series']}  观测 {r['observed']:.4g}"
        f" 期望 {r['expected'] if r['expected'] is None else format(r['expected'], '.4g')}" for r in rs) or "（无信号）")


@app.command("performance")
def performance(json_out: bool = typer.Option(False, "--json")) -> None:
    """各方法的阳性预测值 (PPV) from staff reviews."""
    from zhijian.risk import service

    with unit_of_work() as s:
        rows = service.method_performance(s, _system())
    emit([r.model_dump() for r in rows], json_out, lambda rs: "\n".join(
        f"{r['method_zh']:<20} 信号 {r['signals']:>4}  确认 {r['confirmed']:>3}  误报 {r['false_alarm']:>3}  PPV "
        + ("—" if r["ppv"] is None else f"{r['ppv']:.0%}") for r in rs) or "（无信号）")


def _system() -> Actor:
    from zhijian.platform.auth import SYSTEM

    return SYSTEM


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="risk")
