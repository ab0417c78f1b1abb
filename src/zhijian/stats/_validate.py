"""Input checks shared by the pure statistics modules (输入校验).

Every check raises :class:`zhijian.stats.errors.StatsError` with a stable ``stats.*`` code,
a zh-CN and an English message and the name of the bad field. No I/O here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, Literal, overload

import numpy as np

from zhijian.stats.errors import StatsError


def err(code: str, zh: str, en: str, field: str | None = None, **extra: Any) -> StatsError:
    """Build a StatsError with a ``stats.`` code (422 when it reaches the API)."""
    return StatsError(f"stats.{code}", zh, en, field=field, extra=extra or None)


def as_float_array(values: Iterable[Any] | np.ndarray, field: str, *, min_size: int = 1) -> np.ndarray:
    """Return a 1-D float array; reject empty data, non-numeric cells, NaN and infinities."""
    try:
        arr = np.asarray(values if isinstance(values, np.ndarray) else list(values), dtype=float)
    except (TypeError, ValueError) as exc:
        bad = _first_non_numeric(values)
        raise err("non_numeric", f"{field} 含非数值：{bad!r}", f"{field} has a non-numeric value: {bad!r}", field, value=str(bad)) from exc
    arr = arr.reshape(-1)
    if arr.size == 0:
        raise err("empty_data", f"{field} 没有数据", f"{field} is empty", field)
    if arr.size < min_size:
        raise err(
            "too_few_values",
            f"{field} 至少需要 {min_size} 个值，实际 {arr.size} 个",
            f"{field} needs at least {min_size} values, got {arr.size}",
            field,
            minimum=min_size,
        )
    finite = np.isfinite(arr)
    if not finite.all():
        i = int(np.flatnonzero(~finite)[0])
        raise err(
            "nan_value",
            f"{field} 第 {i + 1} 个值不是有限数（NaN 或无穷）",
            f"{field} item {i + 1} is not a finite number (NaN or infinity)",
            field,
            index=i,
        )
    return arr


def _first_non_numeric(values: Any) -> Any:
    try:
        for v in values:
            try:
                float(v)
            except (TypeError, ValueError):
                return v
    except TypeError:
        return values
    return values


@overload
def finite_float(value: Any, field: str, *, allow_none: Literal[False] = False) -> float: ...


@overload
def finite_float(value: Any, field: str, *, allow_none: bool) -> float | None: ...


def finite_float(value: Any, field: str, *, allow_none: bool = False) -> float | None:
    """One finite float (or None when allowed: the overloads tell the type checker which)."""
    if value is None:
        if allow_none:
            return None
        raise err("missing_value", f"缺少 {field}", f"{field} is required", field)
    try:
        x = float(value)
    except (TypeError, ValueError) as exc:
        raise err("non_numeric", f"{field} 不是数值：{value!r}", f"{field} is not a number: {value!r}", field, value=str(value)) from exc
    if not math.isfinite(x):
        raise err("nan_value", f"{field} 不是有限数", f"{field} is not a finite number", field)
    return x


def positive_int(value: Any, field: str, *, minimum: int = 1) -> int:
    """An integer >= minimum (rejects 2.5, '3x', booleans)."""
    if isinstance(value, bool):
        raise err("not_integer", f"{field} 必须是整数", f"{field} must be an integer", field)
    try:
        f = float(value)
    except (TypeError, ValueError) as exc:
        raise err("non_numeric", f"{field} 不是数值：{value!r}", f"{field} is not a number: {value!r}", field) from exc
    if not math.isfinite(f) or f != int(f):
        raise err("not_integer", f"{field} 必须是整数：{value!r}", f"{field} must be an integer: {value!r}", field)
    i = int(f)
    if i < minimum:
        code = "lot_size_zero" if field.endswith("lot_size") and i <= 0 else "out_of_range"
        raise err(code, f"{field} 必须 ≥ {minimum}，实际为 {i}", f"{field} must be >= {minimum}, got {i}", field, minimum=minimum)
    if i > MAX_COUNT:
        raise err("out_of_range", f"{field} 必须 ≤ 2^53，实际为 {value!r}", f"{field} must be <= 2^53, got {value!r}", field,
                  maximum=MAX_COUNT)
    return i


MAX_COUNT = 2**53
"""The largest count (sample size, lot size, acceptance number …) a float holds exactly: beyond it `positive_int`'s
reading is not the number given, and SciPy's distributions refuse what no longer fits an int64 (a sample size of
8e20 answered 500 from the OC curve)."""


def probabilities(values: Iterable[Any] | np.ndarray, field: str = "p") -> np.ndarray:
    """Fractions in [0, 1]."""
    arr = as_float_array(values, field)
    bad = (arr < 0) | (arr > 1)
    if bad.any():
        v = float(arr[np.flatnonzero(bad)[0]])
        raise err("p_out_of_range", f"{field} 必须在 [0, 1] 内，出现 {v}", f"{field} must lie in [0, 1], got {v}", field, value=v)
    return arr


def group_labels(labels: Sequence[Any] | np.ndarray, n: int, field: str) -> tuple[np.ndarray, list[Any]]:
    """Map subgroup labels to consecutive codes in order of first appearance."""
    labs = labels if isinstance(labels, np.ndarray) else list(labels)
    if len(labs) != n:
        raise err(
            "length_mismatch",
            f"{field} 的长度（{len(labs)}）与数据长度（{n}）不一致",
            f"{field} has {len(labs)} entries but the data has {n}",
            field,
        )
    arr = labs if isinstance(labs, np.ndarray) else np.asarray(labs)
    if arr.ndim == 1 and arr.dtype.kind in "iufUSb":
        uniq, first, inv = np.unique(arr, return_index=True, return_inverse=True)
        by_first = np.argsort(first, kind="stable")
        rank = np.empty(by_first.size, dtype=np.int64)
        rank[by_first] = np.arange(by_first.size)
        return rank[inv.reshape(-1)], uniq[by_first].tolist()
    seen: dict[Any, int] = {}
    codes = np.empty(n, dtype=np.int64)
    for i, lab in enumerate(list(labs)):
        key = lab.item() if isinstance(lab, np.generic) else lab
        codes[i] = seen.setdefault(key, len(seen))
    return codes, list(seen)
