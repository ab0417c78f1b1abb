"""Consumer-room commands: certificate import and verification, credit recompute, overdue complaints,
the working-day calculator and the comparative-test PDF."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import typer

from zhijian.platform.cli_support import emit, unit_of_work
from zhijian.platform.errors import DomainError

certificates_app = typer.Typer(help="认证证书 / certificates", no_args_is_help=True)
credit_app = typer.Typer(help="质量信用 / enterprise quality credit", no_args_is_help=True)
complaints_app = typer.Typer(help="投诉举报 / complaints and reports", no_args_is_help=True)
comparative_app = typer.Typer(help="比较试验 / comparative tests", no_args_is_help=True)


def _date(value: str | None, field: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise DomainError("cli.bad_date", f"日期「{value}」应为 YYYY-MM-DD", f"date {value!r} must be YYYY-MM-DD",
                          field=field) from None


@certificates_app.command("import")
def certificates_import(file: Path = typer.Argument(..., help=".csv (UTF-8) or .xlsx"),
                        json_out: bool = typer.Option(False, "--json")) -> None:
    """批量导入证书 — all rows or none; a bad row is named with its number."""
    from zhijian.consumer import service

    content = file.read_bytes()
    with unit_of_work() as s:
        rows = service.parse_certificate_file(file.name, content)
        result = service.import_certificates(s, s.info["actor"], rows)
    emit(result, json_out, lambda d: f"imported {d['rows']} certificates: {d['created']} new, {d['updated']} updated")


@certificates_app.command("verify")
def certificates_verify(number: str, holder: str | None = typer.Option(None, help="claimed holder"),
                        product: str | None = typer.Option(None, help="claimed product"),
                        json_out: bool = typer.Option(False, "--json")) -> None:
    """验证证书 (exit 1 when not valid)."""
    from zhijian.consumer import service

    with unit_of_work() as s:
        v, _cert = service.verify_certificate(s, number, holder=holder, product=product)
    data = {"number": v.number, "valid": v.valid, "status": v.status,
            "findings": [{"code": f.code, "zh": f.zh} for f in v.findings]}
    emit(data, json_out, lambda d: f"{d['number']}: {'有效 valid' if d['valid'] else '无效 NOT valid'}"
         + "".join(f"\n  - {f['code']}: {f['zh']}" for f in d["findings"]))
    if not v.valid:
        raise typer.Exit(1)


@credit_app.command("recompute")
def credit_recompute(enterprise: list[int] = typer.Option(None, "--enterprise", help="enterprise id (repeatable)"),
                     as_of: str | None = typer.Option(None, "--as-of", help="YYYY-MM-DD (default today)"),
                     json_out: bool = typer.Option(False, "--json")) -> None:
    """重新评价企业信用分类 (A–D) and write it to the organizations."""
    from zhijian.consumer import service

    on = _date(as_of, "as_of")
    with unit_of_work() as s:
        rows = service.recompute_credit(s, s.info["actor"], enterprise_ids=list(enterprise or []) or None, as_of=on)
        data = [{"enterprise_id": a.enterprise_id, "score": a.score, "credit_class": a.credit_class,
                 "previous_class": a.previous_class} for a in rows]
    counts: dict[str, int] = {}
    for d in data:
        counts[d["credit_class"]] = counts.get(d["credit_class"], 0) + 1
    changed = sum(1 for d in data if d["credit_class"] != d["previous_class"])
    emit(data, json_out, lambda _d: f"{len(data)} enterprises scored; classes "
         + ", ".join(f"{k}: {counts.get(k, 0)}" for k in "ABCD") + f"; {changed} changed")


@credit_app.command("show")
def credit_show(enterprise_id: int, json_out: bool = typer.Option(False, "--json")) -> None:
    """The latest assessment of an enterprise with its breakdown."""
    from zhijian.consumer import service

    with unit_of_work() as s:
        hist = service.credit_history(s, s.info["actor"], enterprise_id, limit=1)
        if not hist:
            raise DomainError("credit.none", f"企业 {enterprise_id} 尚无信用评价", f"no assessment for {enterprise_id}",
                              field="enterprise_id")
        data = service.credit_dict(hist[0])

    def human(d: dict[str, Any]) -> str:
        lines = [f"enterprise {d['enterprise_id']}: {d['credit_class']} ({d['score']}) as of {d['as_of']}"]
        lines += [f"  {i['points']:+7.2f}  {i['label_zh']}  {i['detail']}" for i in d["breakdown"]]
        lines += [f"  cap: {c}" for c in d["caps"]]
        return "\n".join(lines)

    emit(data, json_out, human)


@complaints_app.command("overdue")
def complaints_overdue(on: str | None = typer.Option(None, help="YYYY-MM-DD (default today)"),
                       json_out: bool = typer.Option(False, "--json")) -> None:
    """超期案件 — open cases whose deadline has passed."""
    from zhijian.consumer import service

    day = _date(on, "on")
    with unit_of_work() as s:
        rows = service.overdue(s, s.info["actor"], day)
        data = [{"id": c.id, "tracking_no": c.tracking_no, "kind": c.kind, "state": c.state, "due_kind": c.due_kind,
                 "due_on": c.due_on.isoformat() if c.due_on else None, "respondent": c.respondent_name} for c in rows]
    emit(data, json_out, lambda d: "\n".join(f"{r['tracking_no']}  {r['state']:<10} {r['due_kind']:<10} due {r['due_on']}"
                                             f"  {r['respondent']}" for r in d) or "no overdue cases")


@complaints_app.command("reclock")
def complaints_reclock() -> None:
    """Recompute the due dates of every open case (after a deadline or holiday-calendar change)."""
    from zhijian.consumer import service

    with unit_of_work() as s:
        n = service.refresh_clocks(s)
    typer.echo(f"{n} open cases re-clocked")


@complaints_app.command("deadline")
def complaints_deadline(start: str = typer.Argument(..., help="date of receipt / acceptance, YYYY-MM-DD"),
                        days: int = typer.Argument(..., help="working days"),
                        json_out: bool = typer.Option(False, "--json")) -> None:
    """工作日计算 — the n-th working day after a date on the PRC calendar."""
    from zhijian.consumer import rules

    day = _date(start, "start")
    assert day is not None
    due = rules.add_working_days(day, days)
    data = {"start": day.isoformat(), "working_days": days, "due_on": due.isoformat(),
            "provisional": not rules.calendar_known(due)}
    emit(data, json_out, lambda d: d["due_on"] + ("  (provisional: holiday calendar not yet published)"
                                                  if d["provisional"] else ""))


@comparative_app.command("pdf")
def comparative_pdf(test_id: int, out: Path = typer.Option(..., "--out", "-o")) -> None:
    """Write the Chinese PDF report of a comparative test."""
    from zhijian.consumer import report, service

    with unit_of_work() as s:
        rep = service.comparative_report(s, s.info["actor"], test_id)
    out.write_bytes(report.pdf_report(rep))
    typer.echo(f"wrote {out}")


@comparative_app.command("import")
def comparative_import(
    file: Path = typer.Argument(..., help="结果表 .xlsx/.csv: 品牌, 型号, then one column per item (named like it)"),
    title: str = typer.Option(..., "--title"),
    product_type: str = typer.Option(..., "--product-type"),
    item: list[str] = typer.Option(..., "--item", help='"名称:单位:权重:higher|lower", once per item, in order'),
    category_id: int | None = typer.Option(None, "--category-id"),
    organizer: str = typer.Option("", "--organizer"),
    lab: str = typer.Option("", "--lab"),
    tested_on: str | None = typer.Option(None, "--tested-on", help="YYYY-MM-DD"),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """登记比较试验 (draft) from a results table — the parser of the console form; all or nothing."""
    from zhijian.consumer import service

    items = []
    for n, spec in enumerate(item, start=1):
        parts = [p.strip() for p in spec.split(":")]
        if len(parts) != 4 or parts[3] not in ("higher", "lower"):
            raise DomainError("cli.bad_item", f"项目「{spec}」应写作 名称:单位:权重:higher|lower",
                              f"item {spec!r} must be name:unit:weight:higher|lower", field="item")
        items.append({"key": f"i{n}", "name": parts[0], "unit": parts[1], "weight": parts[2],
                      "higher_is_better": parts[3] == "higher"})
    data: dict[str, Any] = {"title": title, "product_type": product_type, "category_id": category_id,
                            "organizer": organizer, "lab_name": lab, "tested_on": _date(tested_on, "tested_on"),
                            "items": items}
    content = file.read_bytes()
    with unit_of_work() as s:
        t = service.import_comparative_test(s, s.info["actor"], data, content, file.name)
        rep = service.comparative_report(s, s.info["actor"], t.id)
    out = {"id": rep["id"], "title": rep["title"], "status": rep["status"],
           "rows": [{"rank": r["rank"], "label": r["label"], "overall": r["overall"]} for r in rep["rows"]]}
    emit(out, json_out, lambda d: f"comparative test {d['id']} created (draft, {len(d['rows'])} samples): "
         + ", ".join(f"{r['rank']}. {r['label']} {r['overall']:.1f}" for r in d["rows"]))


def register(root: typer.Typer) -> None:
    root.add_typer(certificates_app, name="certificates")
    root.add_typer(credit_app, name="credit")
    root.add_typer(complaints_app, name="complaints")
    root.add_typer(comparative_app, name="comparative")
