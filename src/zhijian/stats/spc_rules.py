"""Run rules (判异准则): the eight Western Electric / Nelson rules, reported per point with the rule number.

Split from ``spc`` because every chart applies them to its statistic in σ units.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

# ---------------------------------------------------------------- run rules (判异准则)

RULES_TEXT = {
    1: "1 point beyond 3σ",
    2: "9 points in a row on the same side of the centre line",
    3: "6 points in a row steadily increasing or decreasing",
    4: "14 points in a row alternating up and down",
    5: "2 of 3 points in a row beyond 2σ on the same side",
    6: "4 of 5 points in a row beyond 1σ on the same side",
    7: "15 points in a row within 1σ of the centre line",
    8: "8 points in a row beyond 1σ on either side",
}
RULES_TEXT_ZH = {
    1: "1 点落在 3σ 控制限外",
    2: "连续 9 点落在中心线同一侧",
    3: "连续 6 点递增或递减",
    4: "连续 14 点中相邻点上下交替",
    5: "连续 3 点中有 2 点落在同侧 2σ 外",
    6: "连续 5 点中有 4 点落在同侧 1σ 外",
    7: "连续 15 点落在中心线两侧 1σ 内",
    8: "连续 8 点落在中心线两侧且无一在 1σ 内",
}


def _run_ending(mask: np.ndarray, length: int) -> np.ndarray:
    """True at i when mask[i-length+1 .. i] are all True."""
    if mask.size < length:
        return np.zeros(mask.size, dtype=bool)
    c = np.concatenate(([0], np.cumsum(mask, dtype=np.int32)))
    out = np.zeros(mask.size, dtype=bool)
    out[length - 1:] = (c[length:] - c[:-length]) == length
    return out


def _count_in_window(mask: np.ndarray, length: int) -> np.ndarray:
    c = np.concatenate(([0], np.cumsum(mask, dtype=np.int32)))
    out = np.zeros(mask.size, dtype=np.int32)
    if mask.size >= length:
        out[length - 1:] = c[length:] - c[:-length]
    return out


def run_rules(z: np.ndarray, rules: Sequence[int] = (1, 2, 3, 4, 5, 6, 7, 8)) -> np.ndarray:
    """Boolean matrix (8 × n): row r−1 is True where rule r signals at that point.

    ``z`` is the statistic in σ units from the centre line, (x − CL)/σ_point. A rule flags the
    point that completes the pattern, as Minitab and qcc do.
    """
    z = np.asarray(z, dtype=float)
    n = z.size
    out = np.zeros((8, n), dtype=bool)
    valid = np.isfinite(z)
    zz = np.where(valid, z, 0.0)
    wanted = set(rules)
    if 1 in wanted:
        out[0] = valid & (np.abs(zz) > 3.0)
    if 2 in wanted:
        out[1] = _run_ending(zz > 0, 9) | _run_ending(zz < 0, 9)
    if 3 in wanted and n >= 6:
        d = np.diff(zz)
        up = np.concatenate(([False], d > 0))
        down = np.concatenate(([False], d < 0))
        out[2] = _run_ending(up, 5) | _run_ending(down, 5)
    if 4 in wanted and n >= 14:
        d = np.diff(zz)
        alt = np.concatenate(([False], np.concatenate(([False], (d[1:] * d[:-1]) < 0))))
        out[3] = _run_ending(alt, 12)
    if 5 in wanted:
        out[4] = ((_count_in_window(zz > 2, 3) >= 2) & (zz > 2)) | ((_count_in_window(zz < -2, 3) >= 2) & (zz < -2))
    if 6 in wanted:
        out[5] = ((_count_in_window(zz > 1, 5) >= 4) & (zz > 1)) | ((_count_in_window(zz < -1, 5) >= 4) & (zz < -1))
    if 7 in wanted:
        out[6] = _run_ending(np.abs(zz) < 1, 15)
    if 8 in wanted:
        out[7] = _run_ending(np.abs(zz) > 1, 8)
    out &= valid[None, :]
    return out


def violations(z: np.ndarray, labels: Sequence[Any] | None = None, rules: Sequence[int] = (1, 2, 3, 4, 5, 6, 7, 8)) -> list[dict[str, Any]]:
    """Per-point list of {index, subgroup, rules} for points where any rule signals."""
    m = run_rules(z, rules)
    hit = np.flatnonzero(m.any(axis=0))
    res = []
    for i in hit:
        rr = [int(r) + 1 for r in np.flatnonzero(m[:, i])]
        res.append({"index": int(i), "subgroup": _jsonable(labels[int(i)]) if labels is not None else int(i) + 1, "rules": rr})
    return res


def _jsonable(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v
