"""`zhijian association pt …` — run a proficiency-testing round from the command line (the secretariat)."""

from __future__ import annotations

from pathlib import Path

import typer

from zhijian.association.common.cli import imported, written
from zhijian.association.common.forms import build
from zhijian.association.pt import rules, service
from zhijian.association.pt.models import PtRound
from zhijian.association.pt.schemas import HomogeneityIn, RoundIn, SchemeIn, StabilityIn
from zhijian.platform.auth import SYSTEM
from zhijian.platform.cli_support import unit_of_work

app = typer.Typer(help="能力验证 / proficiency testing (ISO/IEC 17043, ISO 13528)", no_args_is_help=True)


def _echo_round(r: PtRound, *more: object) -> None:
    """A round's line after a step: its code and status (状态), then what the step adds."""
    typer.echo("\t".join([r.code, rules.STATUSES[r.status], *map(str, more)]))


@app.command("scheme")
def scheme_cmd(code: str, name: str = typer.Option(...), field: str = "") -> None:
    """新建能力验证计划."""
    with unit_of_work() as s:
        sc = service.create_scheme(s, SYSTEM, build(SchemeIn, code=code, name=name, field=field))
        typer.echo(f"{sc.code}\t{sc.name}")


@app.command("round")
def round_cmd(code: str, scheme: str = typer.Option(...), year: int = typer.Option(...),
              measurand: str = typer.Option(...), unit: str = "",
              sigma: float | None = typer.Option(None, help="规定的 σ_pt"),
              assigned: float | None = typer.Option(None, help="给定指定值 (否则稳健平均值)"),
              assigned_u: float | None = None, score_kind: str = "z") -> None:
    """新建轮次: x_pt by Algorithm A unless --assigned; σ_pt fixed by --sigma, else the robust s*."""
    with unit_of_work() as s:
        r = service.create_round(s, SYSTEM, build(RoundIn,
            scheme_code=scheme, code=code, year=year, measurand=measurand, unit=unit,
            assigned_method="given" if assigned is not None else "robust", assigned_given=assigned,
            assigned_given_u=assigned_u, sigma_method="fixed" if sigma is not None else "robust", sigma_given=sigma,
            score_kind=score_kind))
        _echo_round(r)


@app.command("enrol")
def enrol_cmd(code: str, lab: list[int] = typer.Option(..., help="检验检测机构 id (可重复)")) -> None:
    """报名 one or more labs."""
    with unit_of_work() as s:
        for lab_id in lab:
            e = service.enrol(s, SYSTEM, code, lab_id)
            typer.echo(f"{lab_id}\t{e.participant_code}")


@app.command("homogeneity")
def homogeneity_cmd(code: str, path: Path, sigma: float | None = None, accept_widened: bool = False) -> None:
    """均匀性检验 from a text/CSV file: one line per test item with its replicate results."""
    pairs = rules.parse_pairs(path.read_text(encoding="utf-8"))
    with unit_of_work() as s:
        h = service.record_homogeneity(s, SYSTEM, code, build(HomogeneityIn, measurements=pairs, sigma_pt=sigma,
                                                                      accept_widened=accept_widened))
    typer.echo(h["verdict_zh"])


@app.command("stability")
def stability_cmd(code: str, first: str = typer.Option(..., help="首次测定值, 逗号分隔"),
                  second: str = typer.Option(..., help="末次测定值, 逗号分隔"), sigma: float | None = None) -> None:
    """稳定性检验 (ISO 13528:2015 B.5)."""
    with unit_of_work() as s:
        st = service.record_stability(s, SYSTEM, code, build(StabilityIn, first=rules.parse_values(first, "first"),
                                                                   second=rules.parse_values(second, "second"),
                                                                   sigma_pt=sigma))
    typer.echo(st["verdict_zh"])


@app.command("dispatch")
def dispatch_cmd(code: str) -> None:
    """发样 (after a passed homogeneity check)."""
    with unit_of_work() as s:
        r = service.dispatch(s, SYSTEM, code)
        _echo_round(r, r.dispatched_on)


@app.command("import-results")
def import_results_cmd(code: str, path: Path) -> None:
    """结果导入 (CSV / Excel: 参加者编号, 结果, 扩展不确定度, 包含因子), all or nothing."""
    imported(path, service.RESULT_COLUMNS, lambda s, rows: service.import_results(s, SYSTEM, code, rows),
             "已导入 {n} 个结果")


@app.command("score")
def score_cmd(code: str) -> None:
    """统计评价: x_pt, σ_pt and every participant's scores."""
    with unit_of_work() as s:
        r = service.score(s, SYSTEM, code)
        m = r.summary
        c = m["counts"]
        typer.echo(f"x_pt = {m['assigned_value']:.6g}\tu(x_pt) = {m['u_assigned']:.4g}\tσ_pt = {m['sigma_pt']:.6g}\t"
                   f"p = {m['p']}\t满意 {c['satisfactory']}\t有问题 {c['questionable']}\t不满意 {c['unsatisfactory']}")


@app.command("report")
def report_cmd(code: str, out: Path, participant: str | None = None) -> None:
    """总结报告 PDF (or one participant's report with --participant)."""
    with unit_of_work() as s:
        data = (service.participant_report(s, SYSTEM, code, participant) if participant
                else service.round_report(s, SYSTEM, code))
    written(out, data)


@app.command("close")
def close_cmd(code: str) -> None:
    with unit_of_work() as s:
        r = service.close_round(s, SYSTEM, code)
        _echo_round(r)


@app.command("history")
def history_cmd(lab: int) -> None:
    """一个机构的能力验证记录."""
    with unit_of_work() as s:
        for h in service.lab_history(s, SYSTEM, lab):
            score = "—" if h.score is None else f"{h.score:.2f}"
            typer.echo(f"{h.year}\t{h.round_code}\t{h.measurand}\t{h.score_kind}={score}\t"
                       f"{rules.SIGNALS_ZH.get(h.signal or '', '—')}")
