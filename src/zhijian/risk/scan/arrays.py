"""Rows → arrays (pure): the spot-check and complaint rows of the other rooms as NumPy columns, built without
per-row Python objects where possible (set-based scans over 10^6 rows)."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import numpy as np

from zhijian.risk.scan.base import BASIS_CODES, FAIL, MONDAY0

# ---------------------------------------------------------------- rows → arrays


@dataclass
class ResultArrays:
    batch_id: np.ndarray
    fail: np.ndarray  # bool
    category_id: np.ndarray
    province: np.ndarray  # int, first two digits of the division code (0 unknown)
    enterprise_id: np.ndarray
    product_id: np.ndarray  # −1 when unknown
    month: np.ndarray  # months since 1970-01
    basis: np.ndarray  # 0 random, 1 targeted, 2 complaint-driven

    def __len__(self) -> int:
        return int(self.batch_id.size)


@dataclass
class ComplaintArrays:
    complaint_id: np.ndarray
    week: np.ndarray
    category_id: np.ndarray  # −1 unknown
    product_id: np.ndarray  # −1 unknown
    enterprise_id: np.ndarray
    province: np.ndarray
    justified: np.ndarray  # 1 yes, 0 no, −1 undecided
    hazard: np.ndarray  # bool

    def __len__(self) -> int:
        return int(self.complaint_id.size)


def _ints(col: Sequence[Any], missing: int = -1) -> np.ndarray:
    try:
        return np.array(col, dtype=np.int64)
    except TypeError:  # some None
        pass
    a = np.array(col, dtype=object)
    a[a == None] = missing  # noqa: E711  (element-wise)
    return a.astype(np.int64)


class _Columns:
    """Column k of a list of tuples, built only when asked for (cheaper than zip(*rows) over all columns)."""

    def __init__(self, rows: Sequence[tuple[Any, ...]]) -> None:
        self.rows = rows

    def __getitem__(self, k: int) -> list[Any]:
        return list(map(itemgetter(k), self.rows))


@contextmanager
def _no_gc() -> Iterator[None]:
    """Column building allocates millions of small objects and no cycles: the cyclic GC only slows it."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _memo(fn: Callable[[Any], int]) -> Callable[[Any], int]:
    """`fn` computed once per distinct value (dates and division codes repeat a lot)."""

    class Memo(dict[Any, int]):
        def __missing__(self, key: Any) -> int:
            value = self[key] = fn(key)
            return value

    return Memo().__getitem__


def _memo_codes(col: Sequence[Any], fn: Callable[[Any], int]) -> np.ndarray:
    """Map each value through `fn` once per distinct value."""
    return np.fromiter(map(_memo(fn), col), dtype=np.int64, count=len(col))


def _province_of(code: Any) -> int:
    s = str(code or "")[:2]
    return int(s) if len(s) == 2 and s.isdigit() else 0


def _provinces(col: Sequence[Any]) -> np.ndarray:
    return _memo_codes(col, _province_of)


_EPOCH = dt.date(1970, 1, 1).toordinal()


def _dates(col: Sequence[Any]) -> np.ndarray:
    """Days since 1970-01-01 as datetime64[D] (dates or ISO strings)."""
    def day(v: Any) -> int:
        d = v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v)[:10])
        return d.toordinal() - _EPOCH

    return _memo_codes(col, day).astype("datetime64[D]")


def result_arrays(rows: Sequence[tuple[Any, ...]]) -> ResultArrays:
    """From `spotcheck.service.final_results` tuples `(batch_id, final_verdict, category_id, region_code,
    enterprise_id, product_id, sampled_on, basis)` (or `result_rows`, whose further columns are ignored);
    rows without a final verdict are dropped (only final verdicts count)."""
    if not rows:
        z = np.zeros(0, dtype=np.int64)
        return ResultArrays(z, z.astype(bool), z, z, z, z, z, z)
    with _no_gc():
        return _result_arrays(rows)


def _col_codes(rows: Sequence[tuple[Any, ...]], k: int, fn: Callable[[Any], int]) -> np.ndarray:
    """Column k mapped through `fn` once per distinct value, without building the column as a list."""
    return np.fromiter(map(_memo(fn), map(itemgetter(k), rows)), dtype=np.int64, count=len(rows))


def _col_ints(rows: Sequence[tuple[Any, ...]], k: int) -> np.ndarray:
    try:
        return np.fromiter(map(itemgetter(k), rows), dtype=np.int64, count=len(rows))
    except TypeError:  # some None
        return _col_codes(rows, k, lambda v: -1 if v is None else int(v))


def _month_of(v: Any) -> int:
    d = v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v)[:10])
    return (d.year - 1970) * 12 + d.month - 1


def _verdict_code(v: Any) -> int:
    return -1 if v is None else (1 if v == FAIL else 0)


def _result_arrays(rows: Sequence[tuple[Any, ...]]) -> ResultArrays:
    verdict = _col_codes(rows, 1, _verdict_code)
    final = verdict >= 0
    out = ResultArrays(
        batch_id=_col_ints(rows, 0), fail=verdict == 1, category_id=_col_ints(rows, 2),
        province=_col_codes(rows, 3, _province_of), enterprise_id=_col_ints(rows, 4), product_id=_col_ints(rows, 5),
        month=_col_codes(rows, 6, _month_of), basis=_col_codes(rows, 7, lambda b: BASIS_CODES.get(b, 0)).astype(np.int8))
    if not final.all():
        for name in ("batch_id", "fail", "category_id", "province", "enterprise_id", "product_id", "month", "basis"):
            setattr(out, name, getattr(out, name)[final])
    return out


def complaint_arrays(rows: Sequence[tuple[Any, ...]]) -> ComplaintArrays:
    """From `consumer.service.complaint_records` tuples `(complaint_id, received_on, kind, category_id,
    product_id, enterprise_id, region_code, justified, hazard)`."""
    if not rows:
        z = np.zeros(0, dtype=np.int64)
        return ComplaintArrays(z, z, z, z, z, z, z, z.astype(bool))
    with _no_gc():
        return _complaint_arrays(rows)


def _complaint_arrays(rows: Sequence[tuple[Any, ...]]) -> ComplaintArrays:
    cols = _Columns(rows)
    days = _dates(cols[1])
    week = ((days - MONDAY0).astype(np.int64)) // 7
    just = np.array(cols[7], dtype=object)
    j = np.full(len(rows), -1, dtype=np.int8)
    j[just == True] = 1  # noqa: E712
    j[just == False] = 0  # noqa: E712
    return ComplaintArrays(np.asarray(cols[0], dtype=np.int64), week, _ints(cols[3]), _ints(cols[4]), _ints(cols[5]),
                           _provinces(cols[6]), j, np.array(cols[8], dtype=bool))
