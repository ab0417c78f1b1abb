"""What every detector of the scan shares (pure): the defaults and names of the methods, the signal draft, the
per-series configuration, month and week indices, and the evidence lookup."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

BASIS_CODES = {"random": 0, "targeted": 1, "complaint": 2}
FAIL = "不合格"
MONDAY0 = np.datetime64("1970-01-05")  # a Monday: week index = (date − MONDAY0) // 7

DEFAULTS: dict[str, dict[str, Any]] = {
    "rate": {"methods": ["p_exact", "laney", "ewma", "cusum", "funnel"],
             "params": {"alpha": 0.0027, "laney_L": 3.0, "lambda": 0.2, "ewma_L": 2.7, "cusum_h": 4.0,
                        "odds_ratio": 2.0, "lookback": 2, "months": 24, "funnel_months": 12, "funnel_alpha": 0.002,
                        "include_targeted": False, "min_batches": 3}},
    "enterprise": {"methods": ["eb_shrinkage"],
                   "params": {"months": 24, "ratio": 1.5, "prob": 0.95, "min_batches": 2, "include_targeted": False}},
    "count": {"methods": ["farrington", "ears_c1", "ears_c2", "ears_c3", "count_cusum"],
              "params": {"b": 2, "w": 3, "alpha": 0.05, "no_periods": 10, "reweight_threshold": 2.58,
                         "limit_cases": 5, "limit_periods": 4, "ears_baseline": 7, "min_sigma": 0.5,
                         "cusum_kappa": 2.0, "cusum_h": 4.0, "cusum_baseline": 52, "cusum_lag": 4,
                         "lookback": 1, "exclude_unjustified": True, "product_series": True}},
}
RATE_METHODS = ("p_exact", "laney", "ewma", "cusum", "funnel")
COUNT_METHODS = ("farrington", "ears_c1", "ears_c2", "ears_c3", "count_cusum")
ENTERPRISE_METHODS = ("eb_shrinkage",)
METHOD_ZH = {"p_exact": "p 控制图（精确二项限）", "laney": "Laney p′ 图", "ewma": "EWMA", "cusum": "二项对数似然比 CUSUM",
             "funnel": "漏斗图（Spiegelhalter）", "eb_shrinkage": "经验贝叶斯收缩", "farrington": "改进 Farrington",
             "ears_c1": "EARS C1", "ears_c2": "EARS C2", "ears_c3": "EARS C3", "count_cusum": "泊松 CUSUM",
             "equipment_overdue_inspection": "特种设备超期未检", "equipment_maintenance_overdue": "特种设备维保超期",
             "equipment_repeated_fail": "特种设备多次检验不合格", "equipment_accident": "特种设备事故",
             "equipment_entrapment_rate": "电梯困人"}


@dataclass
class SignalDraft:
    """What a detector found; the service stores it as a Signal (deduplicated by fingerprint)."""

    kind: str
    method: str
    series_key: str
    period: str
    observed: float
    expected: float | None
    threshold: float | None
    score: float | None
    p_value: float | None
    params: dict[str, Any]
    evidence: dict[str, Any]
    sampling_basis: str = "random"
    category_id: int | None = None
    region_code: str | None = None
    enterprise_id: int | None = None
    product_id: int | None = None

    @property
    def fingerprint(self) -> str:
        return f"{self.method}|{self.series_key}|{self.period}"[:64]



def month_index(d: dt.date) -> int:
    return (d.year - 1970) * 12 + d.month - 1


def month_label(m: int) -> str:
    return f"{1970 + m // 12:04d}-{m % 12 + 1:02d}"


def week_index(d: dt.date) -> int:
    return int((np.datetime64(d, "D") - MONDAY0).astype(np.int64) // 7)


def week_label(w: int) -> str:
    monday = (MONDAY0 + np.timedelta64(int(w) * 7, "D")).astype(dt.date)
    y, wk, _ = monday.isocalendar()
    return f"{y:04d}-W{wk:02d}"


def province_code(p: int) -> str:
    return f"{int(p):02d}0000"



# ---------------------------------------------------------------- configuration


@dataclass
class Config:
    methods: list[str]
    params: dict[str, Any]


@dataclass
class Configs:
    """Per-kind defaults plus per-series overrides (from the risk_series_config table)."""

    by_kind: dict[str, Config] = field(default_factory=dict)
    overrides: dict[tuple[str, str], Config] = field(default_factory=dict)
    disabled: set[tuple[str, str]] = field(default_factory=set)

    def for_series(self, kind: str, key: str) -> Config | None:
        if (kind, key) in self.disabled:
            return None
        if (kind, key) in self.overrides:
            return self.overrides[(kind, key)]
        if (kind, "*") in self.disabled:
            return None
        if kind not in self.by_kind:  # one shared default object per kind, so series group together
            self.by_kind[kind] = Config(list(DEFAULTS[kind]["methods"]), dict(DEFAULTS[kind]["params"]))
        return self.by_kind[kind]


def build_configs(rows: Sequence[tuple[str, str, list[str], dict[str, Any], bool]]) -> Configs:
    """rows: (kind, series_key, methods, params, enabled); params are merged over the defaults."""
    cfg = Configs()
    for kind, key, methods, params, enabled in rows:
        base = DEFAULTS[kind]
        c = Config(list(methods or base["methods"]), {**base["params"], **(params or {})})
        if not enabled:
            cfg.disabled.add((kind, key))
        elif key == "*":
            cfg.by_kind[kind] = c
        else:
            cfg.overrides[(kind, key)] = c
    return cfg


def group_by_config(cfgs: Configs, kind: str, keys: list[str]) -> list[tuple[Config, np.ndarray]]:
    """The series (by index into `keys`) that share one configuration, so each group runs its detectors at once."""
    groups: dict[int, tuple[Config, list[int]]] = {}
    for i, k in enumerate(keys):
        c = cfgs.for_series(kind, k)
        if c is None:
            continue
        groups.setdefault(id(c), (c, []))[1].append(i)
    return [(c, np.asarray(ix, dtype=np.int64)) for c, ix in groups.values()]



def rate_key(cat: int, prov: int) -> str:
    """The series key of a category × province rate series."""
    return f"cat:{cat}|reg:{province_code(prov)}"


def evidence_index(keys: np.ndarray, batch_ids: np.ndarray) -> Callable[..., list[int]]:
    """lookup(key, limit=50): the ids (batches, complaints) behind one cell of a series, for the evidence."""
    order = np.argsort(keys, kind="stable")
    sk = keys[order]
    sb = batch_ids[order]

    def lookup(key: int, limit: int = 50) -> list[int]:
        lo, hi = np.searchsorted(sk, key, "left"), np.searchsorted(sk, key, "right")
        return [int(b) for b in sb[lo:min(hi, lo + limit)]]

    return lookup


def finite(v: Any) -> float | None:
    """`v` as a float, or None when it is missing or not finite (NaN, ±inf): the drafts' JSON numbers."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if np.isfinite(f) else None
