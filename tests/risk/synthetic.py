"""Synthetic spot-check and complaint rows in the contract's tuple shapes, with known injected problems."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

AS_OF = dt.date(2026, 11, 16)  # a Monday


def result_rows(*, cat: int, hot_cat: int | None = None, ent: int, hot_ent: int | None = None, seed: int = 1,
                per_month: int = 40, provinces: tuple[str, ...] = ("330106", "440305", "320505", "110105", "510100"),
                hot_province: str = "440305", batch0: int = 1) -> list[tuple[Any, ...]]:
    """24 months × provinces × per_month batches at 5 % failing; the hot category × province jumps to 40 % in the
    last month; `hot_ent` fails 50 % throughout; every 10th batch is targeted."""
    rng = np.random.default_rng(seed)
    rows: list[tuple[Any, ...]] = []
    bid = batch0
    for back in range(23, -1, -1):
        y, m = divmod(AS_OF.year * 12 + AS_OF.month - 1 - back, 12)
        for prov in provinces:
            for c in (cat,) + ((hot_cat,) if hot_cat else ()):
                for k in range(per_month):
                    e = hot_ent if (hot_ent and k % 8 == 0) else ent
                    rate = 0.05
                    if c == hot_cat and prov == hot_province and back == 0:
                        rate = 0.4
                    if e == hot_ent:
                        rate = 0.5
                    fail = rng.random() < rate
                    day = dt.date(y, m + 1, 1 + k % 15)
                    rows.append((bid, "不合格" if fail else "合格", c, prov, e, None, day,
                                 "targeted" if k % 10 == 9 else "random", "provincial", 10, int(fail)))
                    bid += 1
    rows.append((bid, None, cat, "330106", ent, None, AS_OF, "random", "provincial", 10, 0))  # not final: ignored
    return rows


def complaint_rows(*, cat: int, product: int, spike_product: int, seed: int = 2, weeks: int = 120,
                   cid0: int = 1) -> list[tuple[Any, ...]]:
    """Poisson(3) complaints a week on `product` for `weeks` weeks; `spike_product` gets 1 a week then 12 in the last
    complete week."""
    rng = np.random.default_rng(seed)
    rows: list[tuple[Any, ...]] = []
    cid = cid0
    last_monday = AS_OF - dt.timedelta(days=7)
    for w in range(weeks):
        monday = last_monday - dt.timedelta(weeks=weeks - 1 - w)
        for _ in range(int(rng.poisson(3))):
            rows.append((cid, monday + dt.timedelta(days=int(rng.integers(0, 7))), "complaint", cat, product, None,
                         "330106", None, False))
            cid += 1
        for _ in range(12 if w == weeks - 1 else int(w % 2)):
            rows.append((cid, monday + dt.timedelta(days=2), "complaint", cat, spike_product, None, "440305", True, True))
            cid += 1
    return rows
