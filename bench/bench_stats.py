"""Benchmarks of the stats room: a control chart on 1,000,000 points and an OC curve of 10,000 points.

Run: .venv/bin/python bench/bench_stats.py   (prints one line per case; target well under 1 s each)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from zhijian.stats import oc, spc


def best_of(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, float]:
    """Best wall-clock and best CPU time of ``repeat`` runs (seconds)."""
    wall, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return min(wall), min(cpu)


def main() -> None:
    rng = np.random.default_rng(2024)
    x = rng.normal(74.0, 0.01, 1_000_000)
    subgroups = np.repeat(np.arange(200_000), 5)
    spc.constants(5), spc.constants(2)  # warm the cached constants (computed once per subgroup size)
    p = np.linspace(0.0, 0.2, 10_000)
    cases = [
        ("I-MR chart, 1,000,000 points, 8 run rules", lambda: spc.imr_chart(x)),
        ("X-bar/R chart, 1,000,000 points (200,000 subgroups of 5), 8 run rules", lambda: spc.xbar_chart(x, subgroups)),
        ("EWMA chart, 1,000,000 points", lambda: spc.ewma_chart(x, lam=0.2)),
        ("CUSUM chart, 1,000,000 points", lambda: spc.cusum_chart(x, k=0.5, h=4)),
        ("OC curve n=80 Ac=2, 10,000 points (binomial)", lambda: oc.oc_curve(80, 2, p)),
        ("OC curve n=80 Ac=2, 10,000 points (hypergeometric, N=10,000)", lambda: oc.oc_curve(80, 2, p, lot_size=10_000)),
    ]
    print(f"{'wall':>9}    {'cpu':>9}")
    for name, fn in cases:
        wall, cpu = best_of(fn)
        print(f"{wall * 1000:9.1f} ms {cpu * 1000:9.1f} ms  {name}")


if __name__ == "__main__":
    main()
