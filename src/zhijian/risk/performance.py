"""检测方法的实测性能 — the measured behaviour of every detector at its default settings (false alarms per 100
periods, ARL₀, detection within 4 periods of a step, median delay, spike detection), written by
bench/bench_detectors.py into data/detector_performance.json and shown on the risk settings page."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

GROUP_ZH = {"count": "每周投诉数 μ = 5", "count_low": "每周投诉数 μ = 1", "rate": "月度不合格率 p0 = 5 %，每月 50 批"}


@lru_cache(maxsize=1)
def load() -> dict[str, Any]:
    """The stored table ({} when the bench has never been run)."""
    path = resources.files("zhijian.risk").joinpath("data/detector_performance.json")
    try:
        table: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return table
    except (FileNotFoundError, ValueError):
        return {}


def rows_by_method() -> dict[str, list[dict[str, Any]]]:
    """method → [{group, group_zh, false_per_100, arl0, ...}] in the order count, count_low, rate."""
    out: dict[str, list[dict[str, Any]]] = {}
    for group, methods in load().get("methods", {}).items():
        for m, r in methods.items():
            out.setdefault(m, []).append({"group": group, "group_zh": GROUP_ZH.get(group, group), **r})
    return out
