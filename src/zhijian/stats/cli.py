"""CLI adapter of the stats room: ``zhijian sampling|spc|conformity|pt …`` (each with ``--json``).

Reads CSV files (long format, UTF-8, header row), calls the pure functions, prints JSON or a short
summary, and draws plots through ``stats.plots``. Bad input raises StatsError: the root CLI prints one
line on stderr and exits with code 2.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import typer

from zhijian.platform.cli_support import emit
from zhijian.stats import capability as cap
from zhijian.stats import conformity, oc, proficiency, sampling, spc, switching
from zhijian.stats._validate import err

sampling_app = typer.Typer(help="计数抽样 GB/T 2828.1 / Z1.4 — attribute sampling", no_args_is_help=True)
spc_app = typer.Typer(help="控制图与过程能力 — control charts and capability", no_args_is_help=True)
conformity_app = typer.Typer(help="符合性判定（含测量不确定度）— conformity decisions", no_args_is_help=True)
pt_app = typer.Typer(help="能力验证 ISO 13528 — proficiency testing", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    """Add the stats command groups to the root ``zhijian`` app."""
    root.add_typer(sampling_app, name="sampling")
    root.add_typer(spc_app, name="spc")
    root.add_typer(conformity_app, name="conformity")
    root.add_typer(pt_app, name="pt")


# ---------------------------------------------------------------- CSV helpers (adapter I/O)


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of a CSV (UTF-8 with or without BOM, or GB18030; `,` `;` or tab) or .xlsx file, read by
    platform.tabular; values as text; empty file → stats.empty_data."""
    from zhijian.platform import tabular

    if not path.is_file():
        raise err("file_not_found", f"找不到文件：{path}", f"file not found: {path}", "input")
    table = tabular.open_table(path, path.name if path.suffix.lower() in (".xlsx", ".xlsm") else "input.csv")
    header = [h for h in table.header if h]
    rows = [{h: _as_text(row.get(h)) for h in header} for _n, row in table.records()]
    rows = [r for r in rows if any(v for v in r.values())]
    if not header or not rows:
        raise err("empty_data", f"文件没有数据行：{path.name}", f"the file has no data rows: {path.name}", "input")
    return header, rows


def _as_text(v: Any) -> str:
    if v is None:
        return ""
    return repr(v) if isinstance(v, float) else str(v).strip()


def column(header: list[str], wanted: str | None, fallbacks: tuple[str, ...], what: str, *, required: bool = True) -> str | None:
    if wanted:
        if wanted not in header:
            raise err("missing_column", f"文件中没有列「{wanted}」（现有：{', '.join(header)}）",
                      f"column '{wanted}' is not in the file (columns: {', '.join(header)})", what)
        return wanted
    lower = {h.lower(): h for h in header}
    for name in fallbacks:
        if name in lower:
            return lower[name]
    if required:
        raise err("missing_column", f"找不到{what}列（请用 --{what.replace('_', '-')} 指定；现有：{', '.join(header)}）",
                  f"no {what} column found (give --{what.replace('_', '-')}; columns: {', '.join(header)})", what)
    return None


def numbers(rows: list[dict[str, str]], col: str, *, allow_blank: bool = False) -> list[float | None]:
    out: list[float | None] = []
    for i, row in enumerate(rows, start=2):
        raw = row.get(col, "")
        if raw == "" and allow_blank:
            out.append(None)
            continue
        try:
            v = float(raw.replace("，", "."))
        except ValueError:
            raise err("non_numeric", f"第 {i} 行「{col}」列不是数值：{raw!r}", f"row {i}, column '{col}' is not a number: {raw!r}",
                      col, row=i, value=raw) from None
        if not math.isfinite(v):
            raise err("nan_value", f"第 {i} 行「{col}」列不是有限数：{raw!r}", f"row {i}, column '{col}' is not a finite number: {raw!r}",
                      col, row=i)
        out.append(v)
    return out


def float_list(text: str, field: str) -> list[float]:
    try:
        return [float(t) for t in text.replace("，", ",").split(",") if t.strip()]
    except ValueError:
        raise err("non_numeric", f"{field} 含非数值：{text!r}", f"{field} has a non-numeric value: {text!r}", field) from None


def _fmt(v: Any, digits: int = 4) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.{digits}g}"
    return str(v)


def _limit_text(v: Any) -> str:
    """A control limit for the summary: one number, or 分段 for limits that vary by subgroup size."""
    return "分段" if isinstance(v, list) else _fmt(v, 6)


# ---------------------------------------------------------------- sampling


@sampling_app.command("plan")
def sampling_plan(
    lot_size: int = typer.Option(..., "--lot-size", help="批量 N"),
    aql: str = typer.Option(..., "--aql", help="接收质量限 AQL，例如 1.0"),
    level: str = typer.Option("II", "--level", help="检验水平 S-1…S-4, I, II, III"),
    severity: str = typer.Option("normal", "--severity", help="normal | tightened | reduced"),
    scheme: str = typer.Option("single", "--scheme", help="single | double"),
    standard: str = typer.Option("gbt2828", "--standard", help="gbt2828（GB/T 2828.1-2012）| z14（ANSI/ASQ Z1.4）"),
    as_json: bool = typer.Option(False, "--json", help="JSON 输出"),
) -> None:
    """抽样方案：批量 + 检验水平 + AQL → 字码、样本量、Ac、Re。"""
    plan = sampling.find_plan(lot_size, aql, level=level, severity=severity, scheme=scheme, standard=standard).to_dict()

    def human(d: dict[str, Any]) -> str:
        head = f"{d['standard_title']} 表 {d['table']}（{sampling.SEVERITY_ZH[d['severity']]}）字码 {d['code_letter']}"
        if "stages" in d and not d.get("fallback_to_single"):
            body = "; ".join(f"n{i + 1}={s['sample_size']} Ac={s['acceptance_number']} Re={s['rejection_number']}"
                             for i, s in enumerate(d["stages"]))
        else:
            body = f"n={d['sample_size']} Ac={d['acceptance_number']} Re={d['rejection_number']}"
        lines = [f"{head}: {body}"] + [f"  · {n}" for n in d["notes_zh"]]
        if d["unconfirmed"]:
            lines.append("  · 注意：该方案含未确认的表格数据 (unconfirmed)")
        return "\n".join(lines)

    emit(plan, as_json, human)


@sampling_app.command("oc")
def sampling_oc(
    sample_size: int = typer.Option(..., "--sample-size", help="样本量 n"),
    acceptance: int = typer.Option(..., "--acceptance", help="接收数 Ac"),
    p: str | None = typer.Option(None, "--p", help="批不合格品率，逗号分隔，例如 0.01,0.02"),
    lot_size: int | None = typer.Option(None, "--lot-size", help="给出批量则用超几何分布"),
    points: int = typer.Option(101, "--points", help="未给 --p 时的网格点数"),
    plot: Path | None = typer.Option(None, "--plot", help="画 OC 曲线到 .png 或 .svg"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """OC 曲线：各 p 下的接收概率，以及 Pa = 0.95 与 Pa = 0.10 处的 p。"""
    grid = float_list(p, "p") if p else None
    curve = oc.oc_curve(sample_size, acceptance, grid, lot_size=lot_size, points=points).to_dict()
    if plot is not None:
        from zhijian.stats import plots

        curve["plot"] = plots.plot_oc(curve, plot)

    def human(d: dict[str, Any]) -> str:
        lines = [f"OC n={d['sample_size']} Ac={d['acceptance_number']} ({d['distribution']})",
                 f"  Pa=0.95 at p={_fmt(d['p_at_pa_95'])};  Pa=0.10 at p={_fmt(d['p_at_pa_10'])}"]
        if grid:
            lines += [f"  p={_fmt(pt['p'])}  Pa={pt['pa']:.4f}" for pt in d["points"]]
        if "plot" in d:
            lines.append(f"  plot: {d['plot']['file']}")
        return "\n".join(lines)

    emit(curve, as_json, human)


@sampling_app.command("switch")
def sampling_switch(
    input: Path = typer.Option(..., "--input", help="CSV：lot_size, nonconforming[, nonconforming_second, accepted, production_irregular, lot_id]"),
    aql: str = typer.Option(..., "--aql"),
    level: str = typer.Option("II", "--level"),
    scheme: str = typer.Option("single", "--scheme"),
    standard: str = typer.Option("gbt2828", "--standard"),
    start: str = typer.Option("normal", "--start", help="起始严格度"),
    score_threshold: int = typer.Option(30, "--score-threshold", help="转移得分阈值（9.3.3）"),
    score_add_ac_ge_2: int = typer.Option(3, "--score-add-ac-ge-2", help="Ac≥2 且严一档仍接收时的加分"),
    score_add_ac_le_1: int = typer.Option(2, "--score-add-ac-le-1", help="Ac≤1 且接收时的加分"),
    no_authority_approval: bool = typer.Option(False, "--no-authority-approval", help="负责部门未批准放宽"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """转移规则：逐批给出严格度、方案、判定与何时暂停检验。"""
    header, rows = read_csv(input)
    if "lot_size" not in {h.lower() for h in header}:
        raise err("missing_column", "CSV 缺少 lot_size 列", "the CSV has no lot_size column", "lot_size")
    lots = [{k.lower(): v for k, v in r.items()} for r in rows]
    rules = switching.SwitchingRules(score_threshold=score_threshold, score_add_ac_ge_2=score_add_ac_ge_2,
                                     score_add_ac_le_1=score_add_ac_le_1, authority_approves_reduced=not no_authority_approval)
    run = switching.run_switching(lots, aql=aql, level=level, scheme=scheme, standard=standard, rules=rules, start=start).to_dict()

    def human(d: dict[str, Any]) -> str:
        lines = []
        for s in d["lots"]:
            plan = s["plan"] or {}
            pl = f"n={plan.get('sample_size', plan.get('stages', [{}])[0].get('sample_size'))} Ac={plan.get('acceptance_number', '—')}" if plan else "—"
            verdict = {True: "接收", False: "不接收", None: "—"}[s["accepted"]]
            line = f"{s['index']:>3} {s['severity']:<12} {pl:<16} d={_fmt(s['nonconforming'])} {verdict} score={_fmt(s['switching_score'])}"
            if s["event_zh"]:
                line += f"  → {s['event_zh']}"
            lines.append(line)
        lines.append(f"最终：{d['final_severity']}" + ("（已暂停检验）" if d["discontinued"] else ""))
        return "\n".join(lines)

    emit(run, as_json, human)


# ---------------------------------------------------------------- spc


@spc_app.command("chart")
def spc_chart(
    chart_type: str = typer.Option(..., "--type", help="xbar-r | xbar-s | imr | p | np | c | u | ewma | cusum"),
    input: Path = typer.Option(..., "--input", help="长格式 CSV：每个测量值一行（计数图每个子组一行）"),
    value_col: str | None = typer.Option(None, "--value-col", help="数值列（默认 value / count / d）"),
    subgroup_col: str | None = typer.Option(None, "--subgroup-col", help="子组列（默认 subgroup）"),
    size_col: str | None = typer.Option(None, "--size-col", help="样本量列（p/np/u 图，默认 size / n）"),
    lam: float = typer.Option(0.2, "--lambda", help="EWMA 的 λ"),
    L: float = typer.Option(3.0, "--L", help="EWMA 控制限宽度（σ 的倍数）"),
    k: float = typer.Option(0.5, "--k", help="CUSUM 参考值 k（σ 单位）"),
    h: float = typer.Option(4.0, "--h", help="CUSUM 决策区间 h（σ 单位）"),
    center: float | None = typer.Option(None, "--center", help="阶段 II：给定中心线/目标值"),
    sigma: float | None = typer.Option(None, "--sigma", help="阶段 II：给定 σ"),
    rules: str | None = typer.Option(None, "--rules", help="判异准则编号，逗号分隔，默认 1-8"),
    drop_out_of_control: bool = typer.Option(False, "--drop-out-of-control", help="阶段 I：剔除失控子组后重算控制限"),
    plot: Path | None = typer.Option(None, "--plot", help="画图到 .png 或 .svg"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """控制图：中心线、控制限、统计量与判异（带准则编号）。"""
    header, rows = read_csv(input)
    t = chart_type.lower()
    vcol = column(header, value_col, ("value", "count", "d", "nonconforming", "x"), "value_col")
    scol = column(header, subgroup_col, ("subgroup", "sample", "group"), "subgroup_col", required=t in ("xbar-r", "xbar-s"))
    ncol = column(header, size_col, ("size", "n", "sample_size"), "size_col", required=t in ("p", "np", "u"))
    values = numbers(rows, vcol)  # type: ignore[arg-type]
    subgroups = [r[scol] for r in rows] if scol else None
    sizes = numbers(rows, ncol) if ncol else None
    rule_list = [int(v) for v in float_list(rules, "rules")] if rules else None
    chart = spc.control_chart(t, values, subgroups=subgroups, sizes=sizes, center=center, sigma=sigma, lam=lam, L=L,
                              k=k, h=h, rules=rule_list, drop_out_of_control=drop_out_of_control).to_dict()
    if plot is not None:
        from zhijian.stats import plots

        chart["plot"] = plots.plot_control_chart(chart, plot)

    def human(d: dict[str, Any]) -> str:
        lines = [f"{d['type']} 控制图（阶段 {'I' if d['phase'] == 1 else 'II'}）"]
        for p in d["charts"]:
            lines.append(f"  {p['name']}: CL={_limit_text(p['center_line'])} UCL={_limit_text(p['ucl'])} "
                         f"LCL={_limit_text(p['lcl'])}; 判异点 {len(p['violations'])} 个")
            for v in p["violations"][:20]:
                lines.append(f"    子组 {v['subgroup']}: 准则 {', '.join(str(r) for r in v['rules'])}")
        if d["excluded_subgroups"]:
            lines.append(f"  剔除的子组：{d['excluded_subgroups']}")
        if "plot" in d:
            lines.append(f"  plot: {d['plot']['file']}")
        return "\n".join(lines)

    emit(chart, as_json, human)


@spc_app.command("capability")
def spc_capability(
    input: Path = typer.Option(..., "--input"),
    lsl: float | None = typer.Option(None, "--lsl", help="规格下限"),
    usl: float | None = typer.Option(None, "--usl", help="规格上限"),
    target: float | None = typer.Option(None, "--target", help="目标值（Cpm；默认规格中心）"),
    value_col: str | None = typer.Option(None, "--value-col"),
    subgroup_col: str | None = typer.Option(None, "--subgroup-col"),
    confidence: float = typer.Option(0.95, "--confidence"),
    plot: Path | None = typer.Option(None, "--plot", help="直方图 .png 或 .svg"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """过程能力：Cp、Cpk、Pp、Ppk、Cpm（含置信区间）、ppm、正态性检验。"""
    header, rows = read_csv(input)
    vcol = column(header, value_col, ("value", "x"), "value_col")
    scol = column(header, subgroup_col, ("subgroup", "sample", "group"), "subgroup_col", required=False)
    values = numbers(rows, vcol)  # type: ignore[arg-type]
    subgroups = [r[scol] for r in rows] if scol else None
    res = cap.capability(values, lsl=lsl, usl=usl, subgroups=subgroups, target=target, confidence=confidence).to_dict()
    if plot is not None:
        from zhijian.stats import plots

        res["plot"] = plots.plot_capability(values, res, plot)

    def human(d: dict[str, Any]) -> str:
        keys = ("cp", "cpk", "pp", "ppk", "cpm")
        lines = ["  ".join(f"{k.upper()}={_fmt(d[k])}" for k in keys),
                 f"ppm（组内期望）={_fmt(d['ppm']['expected_within']['total'])}  ppm（整体期望）={_fmt(d['ppm']['expected_overall']['total'])}"]
        lines += [f"  ! {w}" for w in d["warnings_zh"]]
        return "\n".join(lines)

    emit(res, as_json, human)


# ---------------------------------------------------------------- conformity


@conformity_app.command("judge")
def conformity_judge(
    value: float = typer.Option(..., "--value", help="测量值"),
    uncertainty: float | None = typer.Option(None, "--uncertainty", help="扩展不确定度 U"),
    coverage_factor: float = typer.Option(2.0, "--coverage-factor", help="包含因子 k"),
    min_: float | None = typer.Option(None, "--min", help="下限"),
    max_: float | None = typer.Option(None, "--max", help="上限"),
    rule: str = typer.Option("simple", "--rule", help="simple | guarded"),
    guard_factor: float = typer.Option(1.0, "--guard-factor", help="保护带系数 r（w = r·U）"),
    on_limit: str = typer.Option("pass", "--on-limit", help="恰在限值上：pass | fail"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """符合性判定：合格 / 有条件合格 / 有条件不合格 / 不合格，以及符合概率。"""
    d = conformity.judge_value(value, lower=min_, upper=max_, expanded_uncertainty=uncertainty, coverage_factor=coverage_factor,
                               rule=rule, guard_factor=guard_factor, on_limit=on_limit).to_dict()  # type: ignore[arg-type]
    emit(d, as_json, lambda x: f"{x['outcome_zh']} ({x['outcome']}); 符合概率 p_c = {_fmt(x['probability_of_conformance'])}\n  {x['rule_text_zh']}")


# ---------------------------------------------------------------- proficiency testing


@pt_app.command("score")
def pt_score(
    input: Path = typer.Option(..., "--input", help="CSV：participant,result[,expanded_uncertainty,coverage_factor]"),
    assigned: float | None = typer.Option(None, "--assigned", help="指定值 x_pt（默认 Algorithm A 的 x*）"),
    assigned_uncertainty: float | None = typer.Option(None, "--assigned-uncertainty", help="指定值的扩展不确定度（k = 2）"),
    sigma_pt: float | None = typer.Option(None, "--sigma-pt", help="能力评定标准差 σ_pt（默认 s*）"),
    en_limit: str = typer.Option("satisfactory", "--en-limit", help="|En| 恰为 1 时：satisfactory | unsatisfactory"),
    stopping: str = typer.Option("third_significant_figure", "--stopping", help="third_significant_figure | converged"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """能力验证评分：x*、s*、u(x_pt)，以及各参加者的 z、z′、ζ、En 与结论。"""
    header, rows = read_csv(input)
    pcol = column(header, None, ("participant", "lab", "laboratory"), "participant")
    rcol = column(header, None, ("result", "value"), "result")
    ucol = column(header, None, ("expanded_uncertainty", "u", "uncertainty"), "expanded_uncertainty", required=False)
    kcol = column(header, None, ("coverage_factor", "k"), "coverage_factor", required=False)
    res = proficiency.score_participants(
        numbers(rows, rcol),  # type: ignore[arg-type]
        participants=[r[pcol] for r in rows],  # type: ignore[index]
        expanded_uncertainties=numbers(rows, ucol, allow_blank=True) if ucol else None,
        coverage_factors=numbers(rows, kcol, allow_blank=True) if kcol else None,
        assigned=assigned,
        assigned_expanded_uncertainty=assigned_uncertainty,
        sigma_pt=sigma_pt,
        en_limit=en_limit,  # type: ignore[arg-type]
        stopping=stopping,  # type: ignore[arg-type]
    ).to_dict()

    def human(d: dict[str, Any]) -> str:
        lines = [f"x_pt={_fmt(d['assigned_value'], 6)} ({d['assigned_value_source']})  s*={_fmt(d['s_star'])}  "
                 f"u(x_pt)={_fmt(d['u_assigned'])}  σ_pt={_fmt(d['sigma_pt'])}"]
        for p in d["participants"]:
            lines.append(f"  {p['participant']:<12} {p['result']:<10g} z={p['z']:+.2f} z'={p['z_prime']:+.2f} "
                         f"ζ={_fmt(p['zeta'], 3)} En={_fmt(p['en'], 3)} {p['signal_zh']}")
        return "\n".join(lines)

    emit(res, as_json, human)
