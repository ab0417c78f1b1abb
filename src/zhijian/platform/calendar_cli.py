"""`zhijian calendar`: import the State Council's 放假安排, show the years and days, list provisional deadlines."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import typer

from zhijian.platform.calendar import parse_date
from zhijian.platform.cli_support import counted, emit, unit_of_work

calendar_app = typer.Typer(help="工作日历（国务院放假安排）/ working-day calendar", no_args_is_help=True)

ORIGIN_ZH = {"imported": "已导入通知", "package": "chinesecalendar 数据", "rule": "按法定规则推算（暂定）"}


@calendar_app.command("import")
def calendar_import(file: Path = typer.Argument(..., help="CSV: date,kind,name (kind 休 or 班)"),
                    source: str = typer.Option("", help="notice title or number, e.g. 国办发明电〔2026〕7号"),
                    year: int | None = typer.Option(None, help="refuse dates outside this year"),
                    json_out: bool = typer.Option(False, "--json")) -> None:
    """导入放假安排 — replace the listed years with the notice, then recompute provisional deadlines."""
    from zhijian.platform import deadlines
    from zhijian.platform.auth import SYSTEM

    text = file.read_bytes().decode("utf-8-sig", errors="strict")
    with unit_of_work() as s:
        res = deadlines.import_notice(s, SYSTEM, text, source=source, year=year)
    emit(dataclasses.asdict(res), json_out, lambda d: (
        f"imported {', '.join(map(str, d['years']))}: {d['days']} days; {d['recomputed']} provisional deadlines recomputed"))


@calendar_app.command("show")
def calendar_show(year: int | None = typer.Argument(None, help="a year: its days; none: the list of years"),
                  json_out: bool = typer.Option(False, "--json")) -> None:
    """查看日历 — the years with their source, or one year's rest days and adjusted working days."""
    from zhijian.platform import deadlines

    with unit_of_work() as s:
        if year is None:
            rows = [dataclasses.asdict(y) for y in deadlines.years(s)]
            emit(rows, json_out, lambda rs: "\n".join(
                f"{r['year']}  {ORIGIN_ZH[r['origin']]:<14} 休 {r['rest_days']:>2}  班 {r['working_weekends']:>2}  "
                f"{r['source']}" for r in rs))
            return
        n = deadlines.year_notice(s, year)
    data = {"year": n.year, "source": n.source, "provisional": n.provisional,
            "days": [{"date": e.day.isoformat(), "kind": e.kind, "name": e.name} for e in n.days]}
    emit(data, json_out, lambda d: "\n".join(
        [f"{d['year']}: {d['source']}" + ("  (provisional)" if d["provisional"] else "")]
        + [f"{x['date']}  {x['kind']}  {x['name']}" for x in d["days"]]))


@calendar_app.command("provisional")
def calendar_provisional(json_out: bool = typer.Option(False, "--json")) -> None:
    """暂定期限 — stored deadlines computed on a year whose notice is not yet imported."""
    from zhijian.platform import deadlines

    with unit_of_work() as s:
        rows = [dataclasses.asdict(d) for d in deadlines.provisional_deadlines(s)]
    emit(rows, json_out, lambda rs: "\n".join(
        f"{r['due']}  {r['room']}  {r['entity']} #{r['entity_id']}  {r['kind']}  {r['basis']}" for r in rs)
        or "no provisional deadlines")


@calendar_app.command("recompute")
def calendar_recompute() -> None:
    """重算暂定期限 — recompute every stored provisional deadline on the current calendar."""
    from zhijian.platform import deadlines

    counted("{n} provisional deadlines recomputed", deadlines.recompute_provisional)


@calendar_app.command("due")
def calendar_due(start: str = typer.Argument(..., help="start date (not counted), YYYY-MM-DD"),
                 days: int = typer.Argument(..., help="number of days"),
                 working: bool = typer.Option(False, "--working", help="working days instead of calendar days"),
                 json_out: bool = typer.Option(False, "--json")) -> None:
    """计算期限 — calendar days (a last day on a rest day moves to the next working day) or working days."""
    from zhijian.platform import deadlines

    day = parse_date(start, "start", code="calendar.bad_date", required=True)
    assert day is not None  # required: a blank start is the error
    with unit_of_work() as s:
        d = (deadlines.working_days if working else deadlines.calendar_days)(s, day, days)
    emit({"start": day.isoformat(), "days": days, "working": working, "due": d.due.isoformat(),
          "provisional": d.provisional, "basis": d.basis}, json_out,
         lambda x: f"{x['due']}{'  (provisional)' if x['provisional'] else ''}  {x['basis']}")


def register(root: typer.Typer) -> None:
    root.add_typer(calendar_app, name="calendar")
