"""Benchmark: measured behaviour of every risk detector at its default settings (the defaults of
`zhijian.risk.scan.DEFAULTS`), so that a regulator choosing a threshold sees what it costs.

    .venv/bin/python bench/bench_detectors.py [--reps 200] [--seed 20261202] [--no-write]

Simulated, fixed seed, bounded runtime (about a minute on one core):

- weekly complaint counts (EARS C1/C2/C3, improved Farrington, Poisson CUSUM): Poisson with mean μ = 5 (and a
  low-count case μ = 1), no seasonality; Farrington gets its b = 2 years + 3 weeks of history, the CUSUM its
  52-week baseline ending 4 weeks back (as in the scan);
- monthly spot-check rates (exact p-chart, Laney p′, EWMA, binomial CUSUM): 50 batches a month, p0 = 5 %;
  the funnel plot: 30 provinces with 100–2,000 batches, one province at a time out of control.

Figures per detector:
- false alarms per 100 periods in control, and ARL₀ (mean periods to the first false alarm; for the
  detectors whose alarms form a renewal process — EARS C1/C2, Farrington, p-chart, Laney, the CUSUMs, which
  restart after an alarm — periods per alarm; for EARS C3 and EWMA, whose alarms cluster, the mean run length
  to the first alarm, "≥" when some series never alarmed);
- step outbreak (the mean doubles: counts 2μ, rates 0.05 → 0.10, from a change point on): probability of an alarm
  within 4 periods and the median delay (periods from the change to the first alarm, 1 = at once);
- spike (one period at the mean + 3√μ for counts, 3 extra failures for rates): probability of an alarm in that
  period.
The table is printed and written with its date to src/zhijian/risk/data/detector_performance.json, which the
risk room's settings page shows beside each method.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from zhijian.risk import counts, rates, scan  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "src" / "zhijian" / "risk" / "data" / "detector_performance.json"
HORIZON = 4  # "detected within 4 periods"


def _first(alarm: np.ndarray) -> np.ndarray:
    """Index of the first alarm per row (−1 if none)."""
    return np.where(alarm.any(axis=1), alarm.argmax(axis=1), -1)


def _arl(alarm: np.ndarray) -> tuple[float, bool]:
    f = _first(alarm)
    censored = bool((f < 0).any())
    return float(np.where(f >= 0, f + 1, alarm.shape[1]).mean()), censored


def _step_metrics(alarm_after: np.ndarray) -> dict[str, Any]:
    f = _first(alarm_after)
    within = float(np.mean((f >= 0) & (f < HORIZON)))
    found = f[f >= 0] + 1
    return {"detect_within_4": round(within, 3),
            "median_delay": float(np.median(found)) if found.size * 2 > f.size else None}


# ---------------------------------------------------------------- weekly counts


def _count_detectors(y: np.ndarray, start: int, P: dict[str, Any], farrington_weeks: int | None = None,  # noqa: N803
                     ) -> dict[str, np.ndarray]:
    """Alarms (reps × weeks from `start` on) of every count detector on the series y (reps × T); Farrington (a GLM
    fit per week) on the first `farrington_weeks` of them only."""
    T = y.shape[1]
    out: dict[str, np.ndarray] = {}
    for m in ("C1", "C2", "C3"):
        out[f"ears_{m.lower()}"] = counts.ears(y, m, baseline=int(P["ears_baseline"]),
                                               min_sigma=float(P["min_sigma"])).alarm[:, start:]
    fp = counts.FarringtonParams(b=int(P["b"]), w=int(P["w"]), alpha=float(P["alpha"]), no_periods=int(P["no_periods"]),
                                 reweight_threshold=float(P["reweight_threshold"]), limit_cases=int(P["limit_cases"]),
                                 limit_periods=int(P["limit_periods"]))
    stop = T if farrington_weeks is None else min(T, start + farrington_weeks)
    out["farrington"] = np.column_stack([counts.farrington_batch(y[:, : t + 1], fp).alarm for t in range(start, stop)])
    mu0 = counts.trailing_mean(y, baseline=int(P["cusum_baseline"]), lag=int(P["cusum_lag"]))
    out["count_cusum"] = counts.poisson_cusum(y, mu0, kappa=float(P["cusum_kappa"]), h=float(P["cusum_h"])).alarm[:, start:]
    return out


def bench_counts(rng: np.random.Generator, reps: int, mu: float, P: dict[str, Any]) -> dict[str, dict[str, Any]]:  # noqa: N803
    hist = counts.min_history(counts.FarringtonParams(b=int(P["b"]), w=int(P["w"])))  # 107 weeks
    ic_weeks = 1000  # run lengths of the CUSUM-type charts; Farrington's alarm rate from its first 60 weeks
    res: dict[str, dict[str, Any]] = {}
    y = rng.poisson(mu, (reps, hist + ic_weeks)).astype(float)
    for m, a in _count_detectors(y, hist, P, farrington_weeks=60).items():
        arl, cens = _arl(a)
        rate = float(a.mean() * 100)
        shewhart = m != "ears_c3"  # alarms of the others form a renewal process: ARL₀ = periods per alarm
        res[m] = {"false_per_100": round(rate, 2),
                  "arl0": round(100 / rate, 1) if shewhart and rate > 0 else round(arl, 1),
                  "arl0_censored": bool(cens and not (shewhart and rate > 0))}
    # step: the mean doubles from week `hist` on; 12 weeks watched
    y = rng.poisson(mu, (reps, hist + 12)).astype(float)
    y[:, hist:] = rng.poisson(2 * mu, (reps, 12))
    for m, a in _count_detectors(y, hist, P).items():
        res[m].update(_step_metrics(a))
    # spike: one week at μ + 3√μ
    y = rng.poisson(mu, (reps, hist + 1)).astype(float)
    y[:, hist] = rng.poisson(mu + 3 * np.sqrt(mu), reps)
    for m, a in _count_detectors(y, hist, P).items():
        res[m]["spike_detect"] = round(float(a[:, 0].mean()), 3)
    return res


# ---------------------------------------------------------------- monthly rates


def _rate_detectors(x: np.ndarray, n: np.ndarray, p0: float, P: dict[str, Any]) -> dict[str, np.ndarray]:  # noqa: N803
    return {"p_exact": rates.p_chart_exact(x, n, p0, float(P["alpha"])).alarm,
            "laney": rates.laney_p_prime(x, n, L=float(P["laney_L"])).alarm,
            "ewma": rates.ewma_rate(x, n, p0, lam=float(P["lambda"]), L=float(P["ewma_L"])).alarm,
            "cusum": rates.binomial_cusum(x, n, p0, h=float(P["cusum_h"]), odds_ratio=float(P["odds_ratio"])).alarm}


def bench_rates(rng: np.random.Generator, reps: int, P: dict[str, Any]) -> dict[str, dict[str, Any]]:  # noqa: N803
    p0, nb, months = 0.05, 50, int(P["months"])
    res: dict[str, dict[str, Any]] = {}
    # in control: a long run for the ARL (laney estimates its centre from its own 24 months, as in the scan)
    T = 600
    x = rng.binomial(nb, p0, (reps, T)).astype(float)
    n = np.full(x.shape, float(nb))
    ic = _rate_detectors(x, n, p0, P)
    ic["laney"] = np.vstack([rates.laney_p_prime(x[:, i:i + months], n[:, i:i + months],
                                                 L=float(P["laney_L"])).alarm for i in range(0, T, months)]
                            ).reshape(-1, months)
    for m, a in ic.items():
        arl, cens = _arl(a)
        rate = float(a.mean() * 100)
        shewhart = m != "ewma"  # the CUSUM restarts after an alarm: periods per alarm is its ARL₀
        res[m] = {"false_per_100": round(rate, 2), "arl0": round(100 / rate, 1) if shewhart and rate > 0 else round(arl, 1),
                  "arl0_censored": bool(cens and not (shewhart and rate > 0))}
    # step 0.05 → 0.10 at month 18 of a 24-month window, 6 months watched
    x = rng.binomial(nb, p0, (reps, months)).astype(float)
    x[:, 18:] = rng.binomial(nb, 2 * p0, (reps, months - 18))
    n = np.full(x.shape, float(nb))
    for m, a in _rate_detectors(x, n, p0, P).items():
        res[m].update(_step_metrics(a[:, 18:]))
    # spike: 3 extra failures in the last month
    x = rng.binomial(nb, p0, (reps, months)).astype(float)
    x[:, -1] += 3
    for m, a in _rate_detectors(x, n, p0, P).items():
        res[m]["spike_detect"] = round(float(a[:, -1].mean()), 3)
    # funnel: 30 provinces; in control, then one province at double the rate
    alpha = float(P["funnel_alpha"])
    nn = rng.integers(100, 2000, 30).astype(float)
    false, hit = [], []
    for _ in range(reps):
        xx = rng.binomial(nn.astype(int), p0).astype(float)
        false.append(rates.funnel(xx, nn, p0, alpha=alpha).alarm.mean())
        xx[0] = rng.binomial(int(nn[0]), 2 * p0)
        hit.append(bool(rates.funnel(xx, nn, p0, alpha=alpha).alarm[0]))
    res["funnel"] = {"false_per_100": round(float(np.mean(false)) * 100, 2), "arl0": None, "arl0_censored": False,
                     "detect_within_4": round(float(np.mean(hit)), 3), "median_delay": None, "spike_detect": None,
                     "note": "per province and funnel (12 months), not per period; detect = one province at 2×p0"}
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--seed", type=int, default=20261202)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    t0 = time.perf_counter()
    Pc, Pr = scan.DEFAULTS["count"]["params"], scan.DEFAULTS["rate"]["params"]
    table: dict[str, Any] = {"count": {}, "count_low": {}, "rate": {}}
    table["count"] = bench_counts(rng, args.reps, 5.0, Pc)
    table["count_low"] = bench_counts(rng, args.reps, 1.0, Pc)
    table["rate"] = bench_rates(rng, args.reps, Pr)
    elapsed = time.perf_counter() - t0
    print(f"{'detector':<14}{'series':<11}{'false/100':>10}{'ARL0':>9}{'step≤4':>8}{'delay':>7}{'spike':>7}")
    for group, rows in table.items():
        for m, r in rows.items():
            arl = "" if r["arl0"] is None else ("≥" if r["arl0_censored"] else "") + f"{r['arl0']:.0f}"
            delay = "" if r.get("median_delay") is None else f"{r['median_delay']:.0f}"
            spike = "" if r.get("spike_detect") is None else f"{r['spike_detect']:.2f}"
            print(f"{m:<14}{group:<11}{r['false_per_100']:>10.2f}{arl:>9}{r['detect_within_4']:>8.2f}{delay:>7}{spike:>7}")
    print(f"{args.reps} series per case, seed {args.seed}, {elapsed:.1f} s")
    if not args.no_write:
        doc = {"generated": dt.date.today().isoformat(), "reps": args.reps, "seed": args.seed,
               "scenarios": {"count": "weekly Poisson μ = 5; step: μ doubles; spike: one week at μ + 3√μ",
                             "count_low": "weekly Poisson μ = 1; step: μ doubles; spike: one week at μ + 3√μ",
                             "rate": "monthly, 50 batches, p0 = 5 %; step: 10 %; spike: 3 extra failures"},
               "horizon": HORIZON, "defaults": {"count": Pc, "rate": Pr}, "methods": table}
        OUT.parent.mkdir(exist_ok=True)
        OUT.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
        print(f"written {OUT.relative_to(Path.cwd()) if OUT.is_relative_to(Path.cwd()) else OUT}")


if __name__ == "__main__":
    main()
