"""Judgement benchmark (issue #14): the one judge of spot-check item results.

- 1,000,000 numeric item results (max/min/range/not_detected/equals, simple and rounded methods, some 未检出 with
  LOD, some "<x" reported limits, qualitative 检出/阴性) through ``rules.judge_arrays`` — target ≥ 100,000 items/s;
- the same core through ``judgement.judge_items`` (ParsedItem objects, as the import and the API build them);
- 100,000 microbiological items of 5 units each (GB 4789.1 three- and two-class plans) — target ≥ 50,000 items/s;
- the scalar ``rules.judge`` on 100,000 items (one call per item), for comparison.

Run: ``.venv/bin/python bench/bench_judge.py`` (prints the figures; exit 1 if a target is missed).
"""

from __future__ import annotations

import sys
import time

import numpy as np

from zhijian.spotcheck import judgement, rules


def _numeric(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    kinds = rng.choice([rules.KIND_CODE[k] for k in ("max", "min", "range", "not_detected", "equals")], n).astype(np.int8)
    lower = np.where(np.isin(kinds, [rules.KIND_CODE["min"], rules.KIND_CODE["range"], rules.KIND_CODE["equals"]]),
                     rng.uniform(0, 1, n), np.nan)
    upper = np.where(np.isin(kinds, [rules.KIND_CODE["max"], rules.KIND_CODE["range"]]), lower + rng.uniform(0.5, 2, n),
                     np.nan)
    upper = np.where(kinds == rules.KIND_CODE["max"], rng.uniform(0.1, 2, n), upper)
    nd = rng.random(n) < 0.1
    value = np.where(nd, np.nan, rng.uniform(0, 3, n))
    lod = np.where(nd, rng.uniform(0.001, 0.05, n), np.nan)
    rep = np.where(nd & (rng.random(n) < 0.3), rng.uniform(0.001, 0.1, n), np.nan)
    return dict(kind=kinds, lower=lower, upper=upper, value=value, not_detected=nd, lod=lod, reported=rep,
                uncertainty=rng.uniform(0, 0.05, n), decimals=rng.integers(-1, 3, n).astype(float),
                rounded=rng.random(n) < 0.5)


def bench_bulk(n: int = 1_000_000) -> float:
    a = _numeric(n, np.random.default_rng(14))
    t = time.perf_counter()
    out = rules.judge_arrays(a["kind"], a["lower"], a["upper"], a["value"], a["not_detected"], lod=a["lod"],
                             reported=a["reported"], uncertainty=a["uncertainty"], decimals=a["decimals"],
                             rounded=a["rounded"])
    dt = time.perf_counter() - t
    assert out.shape == (n,)
    return n / dt


def bench_items(n: int = 200_000) -> float:
    rng = np.random.default_rng(15)
    reqs = [rules.parse_requirement(t) for t in ("≤0.5", "≥2.9", "0.5-1.5", "不得检出", "≤5×10⁴")]
    items = []
    for k in range(n):
        req = reqs[k % len(reqs)]
        m = rules.Measured(None, True, "未检出") if k % 10 == 0 else rules.Measured(float(rng.uniform(0, 3)), False, "")
        items.append(judgement.ParsedItem("x", req, m, "", "", 0.01, None, "", None, False, "full"))
    t = time.perf_counter()
    judgement.judge_items(items, rule="simple", guard_factor=1.0)
    return n / (time.perf_counter() - t)


def bench_plans(n: int = 100_000, units: int = 5) -> float:
    rng = np.random.default_rng(16)
    kind = np.full(n, rules.KIND_CODE["plan"], np.int8)
    m = rng.choice([100.0, 1000.0, 5000.0], n)
    big = np.where(rng.random(n) < 0.8, m * 10, np.nan)  # 80 % three-class, 20 % two-class
    vals = rng.lognormal(np.log(m)[:, None] - 1, 1.2, (n, units))
    lims = np.full((n, units), np.nan)
    t = time.perf_counter()
    out = rules.judge_arrays(kind, np.full(n, np.nan), m, np.full(n, np.nan), np.zeros(n, bool), plan_n=np.full(n, units),
                             plan_c=np.full(n, 2), big_m=big, units=vals, unit_limits=lims,
                             unit_count=np.full(n, units))
    dt = time.perf_counter() - t
    assert out.shape == (n,)
    return n / dt


def bench_scalar(n: int = 100_000) -> float:
    rng = np.random.default_rng(17)
    reqs = [rules.parse_requirement(t) for t in ("≤0.5", "≥2.9", "0.5-1.5", "不得检出", "≤5×10⁴")]
    ms = [rules.Measured(float(v), False, "") for v in rng.uniform(0, 3, 1000)]
    t = time.perf_counter()
    for k in range(n):
        rules.judge(reqs[k % 5], ms[k % 1000], lod=0.01)
    return n / (time.perf_counter() - t)


def main() -> int:
    bulk, items, plans, scalar = bench_bulk(), bench_items(), bench_plans(), bench_scalar()
    print(f"bulk judge (rules.judge_arrays), 1,000,000 numeric items: {bulk:,.0f} items/s (target ≥ 100,000)")
    print(f"judgement.judge_items (ParsedItem objects), 200,000 items: {items:,.0f} items/s")
    print(f"microbiological plans, 100,000 items × 5 units:          {plans:,.0f} items/s (target ≥ 50,000)")
    print(f"scalar rules.judge, 100,000 items (one call each):       {scalar:,.0f} items/s")
    return 0 if bulk >= 100_000 and plans >= 50_000 else 1


if __name__ == "__main__":
    sys.exit(main())
