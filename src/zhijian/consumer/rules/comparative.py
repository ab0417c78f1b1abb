"""比较试验 rules (pure): competition ranks and item scores, the weighted overall rank (non-conforming samples apart),
and the results table typed or uploaded (parsed, numbers checked)."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from zhijian.consumer.rules.certificates import normalize_name
from zhijian.consumer.rules.standards import Limit, _cmp
from zhijian.platform.errors import DomainError

# ====================================================================== comparative testing (比较试验)


@dataclass(frozen=True)
class TestItem:
    key: str
    name: str
    unit: str
    weight: float
    higher_is_better: bool
    limit: Limit | None = None  # optional pass/fail requirement


@dataclass(frozen=True)
class Ranked:
    sample: str
    values: dict[str, float | None]
    ranks: dict[str, int | None]
    scores: dict[str, float | None]
    overall: float
    rank: int
    failures: tuple[str, ...]

    @property
    def conforming(self) -> bool:
        return not self.failures


def competition_ranks(values: Sequence[float | None], higher_is_better: bool) -> list[int | None]:
    """Standard competition ranking (1, 2, 2, 4): equal results share the better rank; missing → None."""
    present = [v for v in values if v is not None]
    out: list[int | None] = []
    for v in values:
        if v is None:
            out.append(None)
            continue
        better = sum(1 for w in present if (w > v if higher_is_better else w < v) and _cmp(w, v) != 0)
        out.append(better + 1)
    return out


def item_scores(values: Sequence[float | None], higher_is_better: bool) -> list[float | None]:
    """Min–max score 0–100 over the tested samples (best = 100, worst = 0; all equal = 100)."""
    present = [v for v in values if v is not None]
    if not present:
        return [None] * len(values)
    lo, hi = min(present), max(present)
    out: list[float | None] = []
    for v in values:
        if v is None:
            out.append(None)
        elif _cmp(hi, lo) == 0:
            out.append(100.0)
        else:
            s = (v - lo) / (hi - lo) if higher_is_better else (hi - v) / (hi - lo)
            out.append(round(100.0 * s, 2))
    return out


def _fails(lim: Limit, v: float) -> bool:
    if lim.kind in ("max", "range") and lim.upper is not None:
        if v > lim.upper or (not lim.upper_inclusive and _cmp(v, lim.upper) == 0):
            return True
    if lim.kind in ("min", "range") and lim.lower is not None:
        if v < lim.lower or (not lim.lower_inclusive and _cmp(v, lim.lower) == 0):
            return True
    return False


def rank_comparative(items: Sequence[TestItem], samples: Sequence[tuple[str, dict[str, float | None]]]) -> list[Ranked]:
    """Per-item ranks and scores, and the overall score Σ wᵢ·sᵢ / Σ wᵢ over the items a sample has.

    Weights are published with the report; a missing result leaves that item out of the sample's weighted mean.
    """
    if not items:
        raise DomainError("comparative.no_items", "比较试验至少需要一个检测项目", "a comparative test needs at least one item",
                          field="items")
    if any(i.weight < 0 for i in items) or sum(i.weight for i in items) <= 0:
        raise DomainError("comparative.bad_weights", "权重须非负且总和大于 0", "weights must be ≥ 0 and sum to more than 0",
                          field="items")
    keys = [i.key for i in items]
    if len(set(keys)) != len(keys):
        raise DomainError("comparative.duplicate_item", "检测项目编号重复", "duplicate item keys", field="items")
    per_item: dict[str, tuple[list[int | None], list[float | None]]] = {}
    for it in items:
        col = [vals.get(it.key) for _, vals in samples]
        per_item[it.key] = (competition_ranks(col, it.higher_is_better), item_scores(col, it.higher_is_better))
    rows: list[tuple[str, dict[str, float | None], dict[str, int | None], dict[str, float | None], float,
                     tuple[str, ...]]] = []
    for j, (name, vals) in enumerate(samples):
        ranks = {k: per_item[k][0][j] for k in keys}
        scores = {k: per_item[k][1][j] for k in keys}
        wsum = sum(it.weight for it in items if scores[it.key] is not None)
        overall = sum(it.weight * (scores[it.key] or 0.0) for it in items if scores[it.key] is not None)
        overall = round(overall / wsum, 2) if wsum else 0.0
        fails = tuple(it.name for it in items if it.limit is not None and vals.get(it.key) is not None
                      and _fails(it.limit, float(vals[it.key])))  # type: ignore[arg-type]
        rows.append((name, dict(vals), ranks, scores, overall, fails))
    # a sample failing a requirement (mandatory limit) is never ranked above a conforming one: conforming samples
    # are ranked among themselves, the failing ones after all of them (and listed apart by the report)
    ok = [i for i, r in enumerate(rows) if not r[5]]
    bad = [i for i, r in enumerate(rows) if r[5]]
    overall_rank: dict[int, int] = {}
    for group, offset in ((ok, 0), (bad, len(ok))):
        for i, rk in zip(group, competition_ranks([rows[i][4] for i in group], True), strict=True):
            overall_rank[i] = offset + (rk or 0)
    return [Ranked(r[0], r[1], r[2], r[3], r[4], overall_rank[i], r[5]) for i, r in enumerate(rows)]


# ---------------------------------------------------------------- comparative results table (结果表)
# One row per sample (品牌, 型号, optional 生产企业 and 价格), one column per test item named like the item
# (unit in brackets allowed: "烧水时间(min)"). The console form, its upload and `zhijian comparative import`
# all read it through `results_table`, so the three accept exactly the same tables.

RESULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "brand": ("品牌", "brand"),
    "model": ("型号", "规格型号", "model"),
    "enterprise_name": ("生产企业", "企业", "生产者", "enterprise", "enterprisename"),
    "price": ("价格", "价格元", "售价", "售价元", "price"),
}
NOT_TESTED = frozenset({"—", "-", "–", "－", "——", "/", "未检", "未测", "n/a", "na"})


def parse_results_text(text: str) -> list[tuple[int, dict[str, str]]]:
    """Rows of a results table typed or pasted into a text area, numbered like a spreadsheet (header = 1).

    The separator is read from the header line: tab (pasted from Excel/WPS), comma, full-width comma, else spaces.
    """
    import csv

    lines = [(n, ln) for n, ln in enumerate((text or "").splitlines(), start=1) if ln.strip()]
    if not lines:
        return []
    head = lines[0][1]
    sep = "\t" if "\t" in head else "," if "," in head else "，" if "，" in head else None

    def cells(line: str) -> list[str]:
        if sep is None:
            return line.split()
        return next(csv.reader([line], delimiter=sep), [])

    header = [h.strip() for h in cells(head)]
    rows = []
    for n, line in lines[1:]:
        rows.append((n - lines[0][0] + 1, {h: v for h, v in zip(header, cells(line), strict=False) if h}))
    return rows


def _header(rows: Sequence[tuple[int, dict[str, Any]]]) -> list[str]:
    """Every column of the rows, in the order first seen."""
    header: list[str] = []
    for _, r in rows:
        header += [h for h in r if h not in header]
    return header


def results_text(rows: Sequence[tuple[int, dict[str, Any]]]) -> str:
    """A table read from a file, written back as tab-separated text (so a form keeps what was uploaded)."""
    header = _header(rows)

    def cell(v: Any) -> str:
        if v is None:
            return ""
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v).replace("\t", " ").replace("\n", " ")

    return "\n".join(["\t".join(header)] + ["\t".join(cell(r.get(h)) for h in header) for _, r in rows])


def _result_number(value: Any, row: int, column: str, *, allow_missing: bool) -> float | None:
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = unicodedata.normalize("NFKC", str(value or "")).strip()
        if text.lower() in NOT_TESTED or str(value or "").strip() in NOT_TESTED:
            return None
        if text == "":
            if allow_missing:
                return None
            raise DomainError("comparative.missing_result", f"第 {row} 行「{column}」缺少结果（未检测请填 —）",
                              f"row {row}, column '{column}': result missing (write — if not tested)",
                              field="results", extra={"row": row, "column": column})
        try:
            number = float(text.replace(",", ""))
        except ValueError:
            raise DomainError("comparative.bad_result", f"第 {row} 行「{column}」应为数字，而不是「{text}」",
                              f"row {row}, column '{column}': '{text}' is not a number",
                              field="results", extra={"row": row, "column": column}) from None
    if not math.isfinite(number):
        raise DomainError("comparative.bad_result", f"第 {row} 行「{column}」应为有限数值",
                          f"row {row}, column '{column}' must be a finite number", field="results",
                          extra={"row": row, "column": column})
    return number


def _result_columns(rows: Sequence[tuple[int, dict[str, Any]]],
                    items: Sequence[tuple[str, str, str]]) -> dict[str, str]:
    """header → "brand" / "model" / "enterprise_name" / "price" / "item:<key>"; an unknown column, no brand
    column or an item without its column is refused."""
    by_name: dict[str, str] = {}
    for key, name, unit in items:
        for alias in (name, key, f"{name}{unit}", f"{name}/{unit}", f"{name}单位{unit}"):
            by_name.setdefault(normalize_name(alias), key)
    fixed = {normalize_name(a): col for col, aliases in RESULT_COLUMNS.items() for a in aliases}
    columns: dict[str, str] = {}
    for h in _header(rows):
        n = normalize_name(h)
        if n in fixed:
            columns[h] = fixed[n]
        elif n in by_name:
            columns[h] = f"item:{by_name[n]}"
        else:
            names = "、".join(name for _, name, _ in items)
            raise DomainError("comparative.unknown_item", f"结果表的列「{h}」不是已定义的检测项目（项目：{names}）",
                              f"column '{h}' of the results table is not a defined test item (items: {names})",
                              field="results", extra={"column": h})
    if "brand" not in columns.values():
        raise DomainError("comparative.missing_column", "结果表缺少「品牌」列", "the results table has no 'brand' column",
                          field="results")
    for key, name, _ in items:
        if f"item:{key}" not in columns.values():
            raise DomainError("comparative.missing_column", f"结果表缺少检测项目「{name}」的列",
                              f"the results table has no column for the item '{name}'", field="results",
                              extra={"column": name})
    return columns


def _sample(row_no: int, r: dict[str, Any], columns: dict[str, str]) -> dict[str, Any]:
    """One row as `SampleIn` fields (results and price as numbers); a row without a brand is refused."""
    sample: dict[str, Any] = {"brand": "", "model": "", "enterprise_name": "", "price": None, "results": {}}
    for h, col in columns.items():
        v = r.get(h)
        if col.startswith("item:"):
            sample["results"][col[5:]] = _result_number(v, row_no, h, allow_missing=False)
        elif col == "price":
            sample["price"] = _result_number(v, row_no, h, allow_missing=True)
        else:
            sample[col] = "" if v is None else str(v).strip()
    if not sample["brand"]:
        raise DomainError("comparative.missing_brand", f"第 {row_no} 行缺少品牌", f"row {row_no}: brand missing",
                          field="results", extra={"row": row_no})
    return sample


def results_table(rows: Sequence[tuple[int, dict[str, Any]]],
                  items: Sequence[tuple[str, str, str]]) -> list[tuple[int, dict[str, Any]]]:
    """结果表 → `(row number, SampleIn fields)` per sample; items are `(key, name, unit)`.

    All or nothing: an unknown column, an item without a column, an empty result cell (— means not tested),
    a non-number or a repeated brand/model is refused naming the row and column.
    """
    if not rows:
        raise DomainError("comparative.no_results", "请填写结果表：首行为表头（品牌、型号、各检测项目），每个样品一行",
                          "enter the results table: a header line (brand, model, one column per item), "
                          "then one line per sample", field="results")
    columns = _result_columns(rows, items)
    out: list[tuple[int, dict[str, Any]]] = []
    seen: dict[tuple[str, str], int] = {}
    for row_no, r in rows:
        sample = _sample(row_no, r, columns)
        ident = (normalize_name(sample["brand"]), normalize_name(sample["model"]))
        if ident in seen:
            raise DomainError("comparative.duplicate_sample",
                              f"第 {row_no} 行与第 {seen[ident]} 行的品牌型号相同",
                              f"row {row_no} repeats the brand and model of row {seen[ident]}",
                              field="results", extra={"row": row_no})
        seen[ident] = row_no
        out.append((row_no, sample))
    return out
