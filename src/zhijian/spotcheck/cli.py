"""Spot-check commands: `zhijian judge` (quick judgement) and `zhijian spotcheck draw|import|publish|stats|overdue`."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from pathlib import Path

import typer

from zhijian.platform.cli_support import emit, unit_of_work
from zhijian.platform.errors import DomainError

spotcheck_app = typer.Typer(help="监督抽查 / supervisory spot checks", no_args_is_help=True)


def judge(
    requirement: str = typer.Option(..., "--requirement", help="标准要求, e.g. ≤0.5, ≥3.0, 0.5~1.5, 不得检出"),
    requirement_unit: str = typer.Option("", "--requirement-unit", help="unit of the requirement, e.g. mg/kg"),
    value: str = typer.Option("", "--value", help="实测值: a number, 未检出, <0.05, 检出, 阳性, 阴性"),
    unit: str | None = typer.Option(None, "--unit", help="unit of the measured value (converted with pint)"),
    uncertainty: float | None = typer.Option(None, "--uncertainty", help="expanded uncertainty U (value's unit)"),
    lod: float | None = typer.Option(None, "--lod", help="limit of detection (value's unit)"),
    rule: str = typer.Option("simple", "--rule", help="simple | guarded"),
    guard_factor: float = typer.Option(1.0, "--guard-factor", help="r in w = r·U (guarded)"),
    method: str = typer.Option("full", "--method", help="GB/T 8170: full 全数值比较法 | rounded 修约值比较法"),
    lab_verdict: str | None = typer.Option(None, "--lab-verdict", help="单项判定 合格|不合格 (text requirements)"),
    units: list[str] = typer.Option([], "--units", help="sampling plan: the n unit results, e.g. --units 120,3000,80,90,60"
                                    " (or the option repeated)"),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """判定 — judge one measured value against a requirement as written in a Chinese standard (the same judgement
    as the console form, the API and the import)."""
    from zhijian.spotcheck.service import quick_judge

    if lab_verdict not in (None, "合格", "不合格"):
        raise DomainError("spotcheck.bad_verdict", "单项判定应为 合格 或 不合格", "the lab's item verdict must be 合格 or 不合格",
                          field="lab_verdict")
    out = quick_judge(requirement, requirement_unit, value, unit, uncertainty, lod, rule, guard_factor, method,
                      lab_verdict, units or None)
    emit(out, json_out, lambda d: (f"{d['verdict']}  ({d['requirement']['describe_zh']}; "
                                   f"{d['comparison_method_zh']}; rule {d['rule']}; {d['reason_zh']})"))


@spotcheck_app.command("draw")
def draw(plan: str = typer.Option(..., "--plan", help="plan code or id"),
         seed: int | None = typer.Option(None, "--seed", help="random seed (recorded; re-running with it reproduces)"),
         json_out: bool = typer.Option(False, "--json")) -> None:
    """双随机抽取: draw the plan (first time) or re-run its recorded draw and check it is identical."""
    from zhijian.platform.auth import SYSTEM
    from zhijian.spotcheck import service

    with unit_of_work() as s:
        p = service.get_plan_by_code(s, SYSTEM, plan)
        from sqlalchemy import select

        from zhijian.spotcheck.models import Draw

        existing = s.scalar(select(Draw.id).where(Draw.plan_id == p.id))
        if existing is None:
            d = service.draw_plan(s, SYSTEM, p.id, seed)
            out = {"plan": p.code, "action": "drawn", "seed": d.seed, "input_digest": d.input_digest,
                   "batches": len(d.result["assignments"]), "excluded": d.result["excluded"],
                   "assignments": d.result["assignments"]}
        else:
            again = service.rerun_draw(s, SYSTEM, p.id, seed)
            out = {"plan": p.code, "action": "re-run", "seed": again["seed"], "input_digest": again["input_digest"],
                   "identical": again["identical"], "batches": len(again["result"]["assignments"]),
                   "excluded": again["result"]["excluded"], "assignments": again["result"]["assignments"]}
    emit(out, json_out, lambda d: (
        f"{d['plan']}: {d['action']} with seed {d['seed']}: {d['batches']} batches, {len(d['excluded'])} excluded"
        + ("" if d["action"] == "drawn" else f"; identical to the recorded draw: {'yes' if d['identical'] else 'NO'}")))
    if out.get("identical") is False:
        raise typer.Exit(1)


@spotcheck_app.command("import")
def import_(file: Path = typer.Argument(..., help=".xlsx or .csv with 检验项目, 单位, 标准要求, 检验结果/实测值, ..."),
            batch: str | None = typer.Option(None, "--batch", help="抽样单编号 or batch id when the file has no such column"),
            json_out: bool = typer.Option(False, "--json")) -> None:
    """导入检验结果 — all rows or none; a bad row is named by row and column."""
    from sqlalchemy import select

    from zhijian.platform.auth import SYSTEM
    from zhijian.spotcheck import service
    from zhijian.spotcheck.models import Batch

    data = file.read_bytes()
    with unit_of_work() as s:
        batch_id = None
        if batch:
            b = s.scalar(select(Batch).where(Batch.sample_no == batch))
            if b is None and batch.isdigit():
                b = s.get(Batch, int(batch))
            if b is None:
                raise DomainError("batch.not_found", f"未找到批次：{batch}", f"batch not found: {batch}", field="batch")
            batch_id = b.id
        out = asdict(service.import_results(s, SYSTEM, data, file.name, batch_id=batch_id))
    emit(out, json_out, lambda d: f"imported {d['items']} items into {d['batches']} batches ({d['failing_items']} failing)")


@spotcheck_app.command("publish")
def publish(plan: str = typer.Option(..., "--plan"), json_out: bool = typer.Option(False, "--json")) -> None:
    """公布 — publish a plan whose batches are all final; prints the statistics."""
    from zhijian.platform.auth import SYSTEM
    from zhijian.spotcheck import service

    with unit_of_work() as s:
        p = service.get_plan_by_code(s, SYSTEM, plan)
        p = service.publish_plan(s, SYSTEM, p.id)
        out = dict(p.summary or {})
        out["plan"] = p.code
    emit(out, json_out, lambda d: (f"{d['plan']} published: {d['batches_tested']} batches, {d['batches_failing']} failing "
                                   f"({d['nonconformity_rate']}%), {d['refusals']} refusals"))


@spotcheck_app.command("stats")
def stats(plan: str = typer.Option(..., "--plan"), json_out: bool = typer.Option(False, "--json")) -> None:
    """Statistics of a plan (as they would be published)."""
    from zhijian.platform.auth import SYSTEM
    from zhijian.spotcheck import service

    with unit_of_work() as s:
        p = service.get_plan_by_code(s, SYSTEM, plan)
        out = service.plan_statistics(s, p.id)
        out["workflow"] = service.workflow_counts(s, SYSTEM, p.id)
    emit(out, json_out, lambda d: (f"{d['batches']} batches, {d['batches_failing']} failing ({d['nonconformity_rate']}%), "
                                   f"workflow: " + ", ".join(f"{k} {v}" for k, v in d["workflow"].items() if v)))


@spotcheck_app.command("overdue")
def overdue(json_out: bool = typer.Option(False, "--json")) -> None:
    """逾期后处理 — open follow-up steps past their deadline."""
    from zhijian.platform.auth import SYSTEM
    from zhijian.spotcheck import service

    with unit_of_work() as s:
        rows = [{"id": f.id, "batch_id": f.batch_id, "enterprise_id": f.enterprise_id, "step": f.step,
                 "step_zh": service.STEP_ZH.get(f.step, f.step), "due_on": f.due_on.isoformat()}
                for f in service.list_followups(s, SYSTEM, overdue_on=dt.datetime.now(dt.UTC).date())]
    emit(rows, json_out, lambda d: "\n".join(f"{r['due_on']}  {r['step_zh']}  batch {r['batch_id']}" for r in d)
         or "no overdue steps")


def register(root: typer.Typer) -> None:
    root.command("judge")(judge)
    root.add_typer(spotcheck_app, name="spotcheck")
