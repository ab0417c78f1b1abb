"""Attribute sampling plans (计数抽样方案) — GB/T 2828.1-2012 (= ISO 2859-1:1999) and ANSI/ASQ Z1.4.

Tables live in ``stats/data/*.json`` (read once, packaged data, no other I/O). Each cell of the single
sampling tables is stored already resolved: the plan (code letter, n, Ac, Re) that the table's arrows
lead to. Following an arrow changes the sample size with the letter (箭头后使用新字码的样本量);
when n reaches the lot size the whole lot is inspected (样本量 ≥ 批量时 100% 检验).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

from zhijian.stats._validate import err, positive_int

Severity = Literal["normal", "tightened", "reduced"]
Scheme = Literal["single", "double"]
Standard = Literal["gbt2828", "z14"]

SEVERITIES: tuple[str, ...] = ("normal", "tightened", "reduced")
SCHEMES: tuple[str, ...] = ("single", "double")
LEVELS: tuple[str, ...] = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")
STANDARDS: dict[str, str] = {"gbt2828": "gbt2828_1_2012.json", "z14": "z14.json"}
SEVERITY_ZH = {"normal": "正常检验", "tightened": "加严检验", "reduced": "放宽检验"}


@cache
def load_tables(standard: str = "gbt2828") -> dict[str, Any]:
    """The packaged tables of one standard (cached)."""
    if standard not in STANDARDS:
        raise err(
            "unknown_standard",
            f"未知标准：{standard}（可选 gbt2828、z14）",
            f"unknown standard: {standard} (choose gbt2828 or z14)",
            "standard",
        )
    text = resources.files("zhijian.stats").joinpath("data", STANDARDS[standard]).read_text(encoding="utf-8")
    tables: dict[str, Any] = json.loads(text)
    return tables


def parse_aql(aql: float | str, standard: str = "gbt2828") -> str:
    """Canonical AQL column label (接收质量限), e.g. ``1`` → ``"1.0"``; StatsError if not a table column."""
    cols: list[str] = load_tables(standard)["aql_columns"]
    try:
        value = float(str(aql).strip().rstrip("%"))
    except ValueError as exc:
        raise err("aql_not_in_table", f"AQL 不是数值：{aql!r}", f"AQL is not a number: {aql!r}", "aql") from exc
    for col in cols:
        if math.isclose(value, float(col), rel_tol=1e-9, abs_tol=1e-12):
            return col
    raise err(
        "aql_not_in_table",
        f"AQL {aql} 不在表中（可选：{', '.join(cols)}）",
        f"AQL {aql} is not in the tables (choose one of: {', '.join(cols)})",
        "aql",
        allowed=cols,
    )


def code_letter(lot_size: int, level: str = "II", standard: str = "gbt2828") -> str:
    """Sample size code letter from Table 1 (样本量字码)."""
    n_lot = positive_int(lot_size, "lot_size", minimum=1)
    lvl = normalise_level(level)
    t1 = load_tables(standard)["table_1"]
    letters: list[str] = t1["levels"][lvl]
    for (_lo, hi), letter in zip(t1["lot_ranges"], letters, strict=True):
        if hi is None or n_lot <= hi:  # ranges are contiguous; a lot of 1 falls in the first row
            return letter
    return letters[-1]  # pragma: no cover


def normalise_level(level: str) -> str:
    """Accept ``II``, ``2``, ``s-1``, ``S1`` …"""
    raw = str(level).strip().upper().replace("_", "-")
    aliases = {"1": "I", "2": "II", "3": "III", "S1": "S-1", "S2": "S-2", "S3": "S-3", "S4": "S-4"}
    raw = aliases.get(raw, raw)
    if raw not in LEVELS:
        raise err(
            "unknown_level",
            f"检验水平无效：{level}（可选 {', '.join(LEVELS)}）",
            f"invalid inspection level: {level} (choose one of {', '.join(LEVELS)})",
            "level",
        )
    return raw


@dataclass(frozen=True)
class Stage:
    """One stage of a sampling plan (一次或二次抽样的一个样本)."""

    sample_size: int
    cumulative_sample_size: int
    acceptance_number: int
    rejection_number: int

    def to_dict(self) -> dict[str, int]:
        """The four numbers under their field names (every field is an int, so the dataclass's own dict)."""
        return asdict(self)


@dataclass(frozen=True)
class SamplingPlan:
    """A plan read from the tables, with the path that led to it (抽样方案)."""

    standard: str
    standard_title: str
    table: str
    lot_size: int
    inspection_level: str
    aql: str
    severity: str
    scheme: str
    code_letter: str
    plan_letter: str
    arrow: str | None
    stages: tuple[Stage, ...]
    full_inspection: bool
    fallback_to_single: bool
    unconfirmed: bool
    notes_en: tuple[str, ...] = field(default_factory=tuple)
    notes_zh: tuple[str, ...] = field(default_factory=tuple)

    @property
    def sample_size(self) -> int:
        return self.stages[0].sample_size

    @property
    def acceptance_number(self) -> int:
        return self.stages[0].acceptance_number

    @property
    def rejection_number(self) -> int:
        return self.stages[0].rejection_number

    def accepts(self, nonconforming: int, nonconforming_second: int | None = None) -> bool | None:
        """Decision for a lot; None when a second sample is needed but not given."""
        first = self.stages[0]
        if len(self.stages) == 1:  # Ac < d < Re (Z1.4 reduced gap) accepts the lot, see switching
            return nonconforming < first.rejection_number
        if nonconforming <= first.acceptance_number:
            return True
        if nonconforming >= first.rejection_number:
            return False
        if nonconforming_second is None:
            return None
        return nonconforming + nonconforming_second <= self.stages[1].acceptance_number

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "standard": self.standard,
            "standard_title": self.standard_title,
            "table": self.table,
            "lot_size": self.lot_size,
            "inspection_level": self.inspection_level,
            "aql": self.aql,
            "severity": self.severity,
            "scheme": self.scheme,
            "code_letter": self.code_letter,
            "plan_letter": self.plan_letter,
            "arrow": self.arrow,
            "full_inspection": self.full_inspection,
            "unconfirmed": self.unconfirmed,
            "notes": list(self.notes_en),
            "notes_zh": list(self.notes_zh),
        }
        if self.scheme == "single" or self.fallback_to_single:
            out.update(
                sample_size=self.sample_size,
                acceptance_number=self.acceptance_number,
                rejection_number=self.rejection_number,
            )
        if self.scheme == "double":
            out["fallback_to_single"] = self.fallback_to_single
            out["stages"] = [s.to_dict() for s in self.stages]
        return out


def _cell(tables: dict[str, Any], severity: str, letter: str, aql: str) -> tuple[str, int, int, int] | None:
    block = tables["single"][severity]
    row = block["cells"].get(letter)
    if row is None:
        return None
    raw = row[tables["aql_columns"].index(aql)]
    if raw == "-":
        return None
    final, n, ac, re = raw.split("/")
    return final, int(n), int(ac), int(re)


def single_cell(letter: str, aql: float | str, severity: str = "normal", standard: str = "gbt2828") -> tuple[str, int, int, int]:
    """The resolved table cell (final letter, n, Ac, Re) for an initial code letter."""
    tables = load_tables(standard)
    sev = _severity(severity)
    col = parse_aql(aql, standard)
    cell = _cell(tables, sev, letter, col)
    if cell is None:
        raise err("no_plan", f"表中字码 {letter}、AQL {col} 无方案", f"no plan in the table for letter {letter}, AQL {col}", "aql")
    return cell


def _severity(severity: str) -> str:
    s = str(severity).strip().lower()
    if s not in SEVERITIES:
        raise err(
            "unknown_severity",
            f"检验严格度无效：{severity}（可选 normal、tightened、reduced）",
            f"invalid severity: {severity} (choose normal, tightened or reduced)",
            "severity",
        )
    return s


def find_plan(
    lot_size: int,
    aql: float | str,
    *,
    level: str = "II",
    severity: str = "normal",
    scheme: str = "single",
    standard: str = "gbt2828",
) -> SamplingPlan:
    """Look up the sampling plan for a lot (检索抽样方案): Table 1, then Table 2-x or 3-x.

    Arrows are followed to the first plan below or above, and that plan's sample size is used;
    when the sample size reaches the lot size the plan becomes 100 % inspection. (Its length is the
    SamplingPlan it fills in field by field; the steps are `_arrow`, `_double_stages` and `_fit_to_lot`.)
    """
    tables = load_tables(standard)
    n_lot = positive_int(lot_size, "lot_size", minimum=1)
    lvl = normalise_level(level)
    col = parse_aql(aql, standard)
    sev = _severity(severity)
    sch = str(scheme).strip().lower()
    if sch not in SCHEMES:
        raise err("unknown_scheme", f"抽样方案类型无效：{scheme}（可选 single、double）", f"invalid scheme: {scheme} (single or double)", "scheme")
    letter = code_letter(n_lot, lvl, standard)
    cell = _cell(tables, sev, letter, col)
    if cell is None:  # pragma: no cover - every initial letter has a plan in every column
        raise err("no_plan", f"表中字码 {letter}、AQL {col} 无方案", f"no plan for letter {letter}, AQL {col}", "aql")
    final, n, ac, re = cell
    block = tables["single"][sev]
    notes = _Notes()
    arrow = _arrow(tables, block, letter, final, n, notes)
    unconfirmed = not block.get("confirmed", False)
    if unconfirmed:
        notes.add(f"table {block['table']} of {tables['title']} is not confirmed from a citable source: {block.get('note', block['source'])}",
                  f"{tables['title']} 表 {block['table']} 未能从可引用来源核对，结果标为未确认")
    table = block["table"]
    fallback = False
    stages: tuple[Stage, ...] = (Stage(n, n, ac, re),)
    if sch == "double":
        dbl = tables["double"]
        table = dbl["tables"][sev]
        double = _double_stages(dbl, sev, final, ac, table, notes)
        if double is None:
            fallback = True
        else:
            stages = double
            unconfirmed = unconfirmed or not dbl.get("confirmed", False)
    stages, full = _fit_to_lot(stages, n_lot, notes)
    if full and sch == "double":
        fallback = True
    if sev == "reduced" and tables.get("switching", {}).get("reduced_gap_rule"):
        notes.add("reduced plan with a gap: Ac < d < Re accepts the lot but reinstates normal inspection",
                  "放宽方案有间隙：Ac < d < Re 时接收该批但恢复正常检验")
    return SamplingPlan(
        standard=standard,
        standard_title=tables["title"],
        table=table,
        lot_size=n_lot,
        inspection_level=lvl,
        aql=col,
        severity=sev,
        scheme=sch,
        code_letter=letter,
        plan_letter=final,
        arrow=arrow,
        stages=stages,
        full_inspection=full,
        fallback_to_single=fallback,
        unconfirmed=unconfirmed,
        notes_en=tuple(notes.en),
        notes_zh=tuple(notes.zh),
    )


@dataclass
class _Notes:
    """The plan's notes, each in English and Chinese."""

    en: list[str] = field(default_factory=list)
    zh: list[str] = field(default_factory=list)

    def add(self, en: str, zh: str) -> None:
        self.en.append(en)
        self.zh.append(zh)


def _arrow(tables: dict[str, Any], block: dict[str, Any], letter: str, final: str, n: int, notes: _Notes) -> str | None:
    """"down"/"up" when the table's arrow led from the code letter to another letter's plan, else None."""
    if final == letter:
        return None
    letters = tables["code_letters"] + (["S"] if "S" in block["cells"] else [])
    arrow = "down" if letters.index(final) > letters.index(letter) else "up"
    sym = "↓" if arrow == "down" else "↑"
    notes.add(f"arrow {sym} followed from code letter {letter} to {final}: sample size {n} of {final} is used",
              f"沿箭头{sym}由字码 {letter} 转到 {final}，使用 {final} 的样本量 {n}")
    return arrow


def _double_stages(dbl: dict[str, Any], sev: str, final: str, ac: int, table: str,
                   notes: _Notes) -> tuple[Stage, ...] | None:
    """The two stages of the double plan (二次抽样) matching the single plan's Ac, or None: use the single plan."""
    n1 = dbl["first_sample_sizes"][sev].get(final)
    pair = dbl["plans_by_single_ac"][sev].get(str(ac))
    if ac == 0 or n1 is None:
        notes.add(f"table {table} gives '*' here: the single sampling plan is used", f"表 {table} 此处为 *：使用一次抽样方案")
        return None
    if pair is None:
        notes.add(f"double plan for this cell is not keyed in table {table}: the single sampling plan is used",
                  f"表 {table} 此格未录入二次方案：使用一次抽样方案")
        return None
    a1, r1, a2, r2 = pair
    notes.add(dbl["note_en"], dbl["note_zh"])
    return (Stage(n1, n1, a1, r1), Stage(n1, 2 * n1, a2, r2))


def _fit_to_lot(stages: tuple[Stage, ...], n_lot: int, notes: _Notes) -> tuple[tuple[Stage, ...], bool]:
    """Stages no larger than the lot: 100 % inspection when the first sample reaches it; True then."""
    if stages[0].sample_size >= n_lot:
        st = stages[0]
        notes.add(f"sample size {st.sample_size} reaches the lot size {n_lot}: inspect 100 %",
                  f"样本量达到或超过批量 {n_lot}：执行 100% 检验")
        return (Stage(n_lot, n_lot, st.acceptance_number, st.rejection_number),), True
    if len(stages) == 2 and stages[1].cumulative_sample_size > n_lot:
        s1, s2 = stages
        notes.add(f"second sample limited to the rest of the lot ({n_lot - s1.sample_size} items)",
                  f"第二样本以批内剩余 {n_lot - s1.sample_size} 件为限")
        return (s1, Stage(n_lot - s1.sample_size, n_lot, s2.acceptance_number, s2.rejection_number)), False
    return stages, False


def tighter_aql(aql: str, standard: str = "gbt2828") -> str | None:
    """The AQL one step tighter (严一档), or None for the first column."""
    cols = load_tables(standard)["aql_columns"]
    i = cols.index(parse_aql(aql, standard))
    return cols[i - 1] if i > 0 else None
