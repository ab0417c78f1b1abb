"""导入检验结果: lab result files (CSV / .xlsx with the Chinese headers labs use) read, checked row by row and
stored set-based — all rows or none; one vectorised judgement per plan."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from zhijian.catalog.models import Indicator
from zhijian.platform import audit
from zhijian.platform.auth import Actor
from zhijian.platform.errors import DomainError, NotFound
from zhijian.spotcheck import judgement, retest, rules
from zhijian.spotcheck.models import (
    Batch,
    ItemResult,
    Plan,
    StateChange,
    Verification,
    table,
)
from zhijian.spotcheck.service.answers import ImportSummary
from zhijian.spotcheck.service.batches import get_batch
from zhijian.spotcheck.service.policy import can_read_batch, entry_round, plan_of
from zhijian.spotcheck.service.results import (
    RETEST_NOTE,
    ParsedItem,
    indicators_by_name,
    item_rows,
    judge_items,
)

# ---- imports of lab result files (CSV / Excel) — all or nothing

HEADERS = {
    "检验项目": "name", "项目": "name", "单位": "unit", "标准要求": "requirement", "技术要求": "requirement",
    "检验结果": "value", "实测值": "value", "检测结果": "value", "单项判定": "lab_verdict", "单项结论": "lab_verdict",
    "检验方法": "method", "检测方法": "method", "抽样单编号": "sample_no", "样品编号": "sample_no",
    "扩展不确定度": "uncertainty", "不确定度": "uncertainty", "检出限": "lod", "序号": "seq",
    "样品单元结果": "units", "单元结果": "units",
}
REQUIRED_COLUMNS = ("name", "requirement", "value")
VERDICT_WORDS = {"合格": rules.PASS, "符合": rules.PASS, "不合格": rules.FAIL, "不符合": rules.FAIL, "/": None,
                 "—": None, "-": None, "": None, "待定": None}


@dataclass
class ImportError_:
    row: int
    column: str
    message_zh: str
    message_en: str


def read_table(data: bytes, filename: str) -> Iterable[tuple[int, list[Any]]]:
    """Non-empty rows of a .xlsx or .csv file as (row number as the user sees it, cells) — read by
    platform.tabular (streaming, size and zip-bomb limits, UTF-8 or GB18030)."""
    from zhijian.platform import tabular

    codes = {"import.bad_file": "spotcheck.bad_file", "import.bad_type": "spotcheck.bad_file",
             "import.encoding": "spotcheck.bad_encoding"}
    try:
        yield from tabular.iter_cells(data, filename)
    except DomainError as err:
        err.code = codes.get(err.code, err.code)
        raise


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return repr(v)
    return str(v).strip()


def _header(rows: Iterator[tuple[int, list[Any]]]) -> tuple[dict[int, str], dict[str, str]]:
    """The first non-empty row read as the header: column index → field, and field → the header as written."""
    header_map: dict[int, str] = {}
    header_names: dict[str, str] = {}
    for _r, cells in rows:
        if not any(_cell(c) for c in cells):
            continue
        for j, c in enumerate(cells):
            key = HEADERS.get(_cell(c).replace(" ", "").replace("\u3000", ""))
            if key and key not in header_names:
                header_map[j] = key
                header_names[key] = _cell(c)
        break
    return header_map, header_names


def _check_columns(header_names: dict[str, str], default_sample_no: str | None) -> None:
    missing = [k for k in REQUIRED_COLUMNS if k not in header_names]
    if missing:
        zh = {"name": "检验项目", "requirement": "标准要求", "value": "检验结果/实测值"}
        cols = "、".join(zh[m] for m in missing)
        raise DomainError("spotcheck.import_columns", f"表头缺少列：{cols}", f"missing columns: {', '.join(missing)}",
                          field="file", extra={"row": 1, "column": cols})
    if "sample_no" not in header_names and not default_sample_no:
        raise DomainError("spotcheck.import_columns", "文件没有「抽样单编号」列时，需要指定批次",
                          "without a 抽样单编号 column the batch must be given", field="batch")


def _row_errors(r: int, rec: dict[str, Any], header_names: dict[str, str], sample_no: str) -> list[ImportError_]:
    """What is wrong with one row as a row (the result itself is checked by rules.item_problems, like every path)."""
    errors: list[ImportError_] = []
    for key in REQUIRED_COLUMNS:
        if not rec.get(key) and key != "value":  # an empty result is refused by rules.item_problems, like every path
            errors.append(ImportError_(r, header_names[key], "不能为空", "must not be empty"))
    v = rec.get("lab_verdict", "")
    if v not in VERDICT_WORDS:
        errors.append(ImportError_(r, header_names.get("lab_verdict", "单项判定"),
                                   f"单项判定应为 合格/不合格，而不是「{v}」", f"item verdict must be 合格/不合格, not {v!r}"))
    for key in ("uncertainty", "lod"):
        if rec.get(key):
            try:
                float(rec[key])  # the sign and finiteness are checked by rules.item_problems, like every path
            except ValueError:
                errors.append(ImportError_(r, header_names[key], f"应为非负数值，而不是「{rec[key]}」",
                                           f"must be a non-negative number, not {rec[key]!r}"))
    if not sample_no:
        errors.append(ImportError_(r, header_names.get("sample_no", "抽样单编号"), "不能为空", "must not be empty"))
    return errors


def _invalid_file(errors: list[ImportError_]) -> DomainError:
    """One error naming the first bad row and column, with all of them in `extra` (nothing is imported)."""
    first = errors[0]
    return DomainError("spotcheck.import_invalid",
                       f"第 {first.row} 行「{first.column}」列：{first.message_zh}；未导入任何数据（共 {len(errors)} 处错误）",
                       f"row {first.row}, column '{first.column}': {first.message_en}; nothing was imported",
                       field=f"row {first.row}, column {first.column}",
                       extra={"row": first.row, "column": first.column,
                              "errors": [e.__dict__ for e in errors]})


def parse_result_file(data: bytes, filename: str, *, default_sample_no: str | None = None,
                      max_errors: int = 20) -> dict[str, list[tuple[int, dict[str, Any]]]]:
    """Read and check every row; rows grouped by 抽样单编号. Any bad row → one error naming row and column."""
    rows = iter(read_table(data, filename))
    header_map, header_names = _header(rows)
    _check_columns(header_names, default_sample_no)
    errors: list[ImportError_] = []
    out: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for r, cells in rows:
        rec: dict[str, Any] = {key: _cell(cells[j]) if j < len(cells) else "" for j, key in header_map.items()}
        if not any(rec.values()):
            continue
        sample_no = rec.get("sample_no") or default_sample_no or ""
        errors += _row_errors(r, rec, header_names, sample_no)
        out.setdefault(sample_no, []).append((r, rec))
        if len(errors) >= max_errors:
            break
    if errors:
        raise _invalid_file(errors)
    return out


def import_results(session: Session, actor: Actor, data: bytes, filename: str, *,
                   batch_id: int | None = None) -> ImportSummary:
    """导入检验结果 (CSV / .xlsx with the Chinese headers labs use): all rows or none."""
    default_no = None
    if batch_id is not None:
        default_no = get_batch(session, actor, batch_id).sample_no
    groups = parse_result_file(data, filename, default_sample_no=default_no)
    batches: dict[str, Batch] = {}
    nos = list(groups)
    for k in range(0, len(nos), 500):
        # locked (FOR UPDATE, in id order) so that a concurrent submission of the same batch waits and then
        # finds it tested (issue 12); the dict keeps the locked objects referenced until the commit
        batches.update({b.sample_no: b for b in session.scalars(
            select(Batch).where(Batch.sample_no.in_(nos[k:k + 500])).order_by(Batch.id).with_for_update()
            .execution_options(populate_existing=True))})
    ind_cache: dict[tuple[int, int], dict[str, tuple[Indicator, str]]] = {}
    plans: dict[int, Plan] = {}
    staged: list[tuple[Batch, int, list[ParsedItem]]] = []
    for sample_no, rows in groups.items():
        first_row = rows[0][0]
        batch = batches.get(sample_no)
        if batch is None:
            raise DomainError("spotcheck.import_invalid", f"第 {first_row} 行「抽样单编号」列：未知的抽样单编号 {sample_no}；未导入任何数据",
                              f"row {first_row}, column '抽样单编号': unknown sample number {sample_no}; nothing was imported",
                              field=f"row {first_row}, column 抽样单编号", extra={"row": first_row, "column": "抽样单编号"})
        plan = plans.setdefault(batch.plan_id, plan_of(session, batch))
        if not can_read_batch(actor, batch, plan, session):
            raise NotFound("batch", sample_no)
        rnd = entry_round(actor, batch, session)
        key = (plan.id, batch.category_id)
        if key not in ind_cache:
            ind_cache[key] = indicators_by_name(session, plan, batch.category_id)
        indicators = ind_cache[key]
        items: list[ParsedItem] = []
        for r, rec in rows:
            items.append(_row_item(r, rec, indicators, plan.decision_rule))
        if rnd == 1:
            retest.check_scope(session, batch, [it.name for it in items])
        staged.append((batch, rnd, items))
    total, failing = _store_results_bulk(session, actor, staged, plans)
    return ImportSummary(batches=len(staged), items=total, failing_items=failing)


def _chunks(ids: list[int], n: int = 500) -> Iterable[list[int]]:
    for k in range(0, len(ids), n):
        yield ids[k:k + n]


def _store_results_bulk(session: Session, actor: Actor, staged: list[tuple[Batch, int, list[ParsedItem]]],
                        plans: dict[int, Plan]) -> tuple[int, int]:
    """Set-based store of an import: one vectorised judgement per plan, bulk deletes/inserts, one audit record."""
    rows: list[dict[str, Any]] = []
    by_plan: dict[int, list[tuple[Batch, int, list[ParsedItem]]]] = {}
    for entry in staged:
        by_plan.setdefault(entry[0].plan_id, []).append(entry)
    failing = 0
    for plan_id, entries in by_plan.items():
        plan = plans[plan_id]
        flat = [it for _b, _r, items in entries for it in items]
        verdicts = judge_items(flat, rule=plan.decision_rule, guard_factor=plan.guard_factor)
        failing += sum(v == rules.FAIL for v in verdicts)
        k = 0
        for batch, rnd, items in entries:
            rows += item_rows(batch.id, rnd, items, verdicts[k:k + len(items)])
            k += len(items)
    for rnd in (0, 1):
        ids = [b.id for b, r, _i in staged if r == rnd]
        for chunk in _chunks(ids):
            session.execute(table(ItemResult).delete().where(ItemResult.batch_id.in_(chunk), ItemResult.round == rnd))
            session.execute(table(Verification).delete().where(Verification.batch_id.in_(chunk),
                                                                  Verification.round == rnd))
    for k in range(0, len(rows), 10_000):
        session.execute(insert(table(ItemResult)), rows[k:k + 10_000])
    now = dt.datetime.now(dt.UTC)
    tested = [b.id for b, r, _i in staged if r == 0]
    for chunk in _chunks(tested):
        session.execute(update(Batch).where(Batch.id.in_(chunk), Batch.state == "received")
                        .values(state="tested", updated_at=now).execution_options(synchronize_session=False))
    changes = [dict(batch_id=b.id, from_state="received" if r == 0 else b.state, to_state="tested" if r == 0 else b.state,
                    at=now, actor=actor.label, note=(f"{len(i)} items (import)" if r == 0 else f"{RETEST_NOTE}{len(i)} items"))
               for b, r, i in staged]
    for k in range(0, len(changes), 10_000):
        session.execute(insert(table(StateChange)), changes[k:k + 10_000])
    for b, _r, _i in staged:
        session.expire(b)
    audit.record(session, "update", "spotcheck_batch", f"import:{now:%Y%m%dT%H%M%S}",
                 {"state": "received"}, {"state": "tested", "batch_ids": tested[:1000], "batches": len(staged),
                                         "items": len(rows), "failing_items": failing})
    return len(rows), failing


_IMPORT_COLUMN = {"value": "检验结果", "unit": "单位", "lod": "检出限", "uncertainty": "扩展不确定度", "lab_verdict": "单项判定",
                  "units": "样品单元结果", "requirement": "标准要求"}


def _row_item(r: int, rec: dict[str, Any], indicators: dict[str, tuple[Indicator, str]],
              rule: str = "simple") -> ParsedItem:
    def err(col: str, e: DomainError) -> DomainError:
        return DomainError("spotcheck.import_invalid", f"第 {r} 行「{col}」列：{e.message_zh}；未导入任何数据",
                           f"row {r}, column '{col}': {e.message_en}; nothing was imported",
                           field=f"row {r}, column {col}", extra={"row": r, "column": col, "cause": e.code})

    name, unit = rec["name"], rec.get("unit", "")
    ind_method = indicators.get(name)
    try:
        req = rules.parse_requirement(rec["requirement"], unit)
    except DomainError as e:
        raise err("标准要求", e) from None
    try:
        measured = rules.parse_measured_for(req, rec["value"], units=rec.get("units") or None)
    except DomainError as e:
        raise err(_IMPORT_COLUMN["units"] if (e.field or "").startswith("units") else "检验结果", e) from None
    try:
        return judgement.parsed_item(
            name, req, measured, unit=unit, value_text=rec["value"], lod=float(rec["lod"]) if rec.get("lod") else None,
            uncertainty=float(rec["uncertainty"]) if rec.get("uncertainty") else None,
            method_standard=rec.get("method", ""), lab_verdict=VERDICT_WORDS.get(rec.get("lab_verdict", "")),
            is_safety=ind_method[0].is_safety if ind_method else False,
            comparison_method=ind_method[1] if ind_method else "full",
            indicator_id=ind_method[0].id if ind_method else None, rule=rule)
    except DomainError as e:
        raise err(_IMPORT_COLUMN.get((e.field or "unit").split(".")[0], "单位"), e) from None
