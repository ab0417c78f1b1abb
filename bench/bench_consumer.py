"""Consumer-room benchmark (issue #8): working-day arithmetic, bulk certificate import (set-based, all or
nothing), credit recompute of every enterprise, comparative ranking, and the chart/PDF rendering.

Run: .venv/bin/python bench/bench_consumer.py [--certs 20000] [--enterprises 500] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import factories  # noqa: E402
from tests.dbs import isolated_url  # noqa: E402
from zhijian.consumer import report, rules, service  # noqa: E402
from zhijian.consumer.models import AdministrativePenalty  # noqa: E402
from zhijian.consumer.schemas import BodyIn  # noqa: E402
from zhijian.platform import migrate  # noqa: E402
from zhijian.platform.auth import SYSTEM  # noqa: E402
from zhijian.platform.db import Database  # noqa: E402


def line(name: str, seconds: float, n: int, unit: str) -> None:
    print(f"{name:<46} {seconds * 1000:10.1f} ms   {n / seconds:12,.0f} {unit}/s")


def pure(rng: random.Random) -> None:
    starts = [dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(900)) for _ in range(10_000)]
    t = time.perf_counter()
    for d in starts:
        rules.add_working_days(d, 45, [(d + dt.timedelta(days=10), d + dt.timedelta(days=20))])
    line("add_working_days(45, one pause) ×10 000", time.perf_counter() - t, 10_000, "deadlines")
    items = [rules.TestItem(f"i{k}", f"项目{k}", "", rng.uniform(1, 10), k % 2 == 0) for k in range(10)]
    samples = [(f"样品{j}", {f"i{k}": rng.uniform(0, 100) for k in range(10)}) for j in range(200)]
    t = time.perf_counter()
    rows = rules.rank_comparative(items, samples)
    line("rank_comparative 200 samples × 10 items", time.perf_counter() - t, len(rows), "samples")
    rep = {"id": 1, "title": "比较试验", "product_type": "电热水壶", "organizer": "", "lab_name": "", "tested_on": None,
           "published_on": None, "method": "",
           "items": [{"key": i.key, "name": i.name, "unit": "", "weight": i.weight, "weight_pct": 10.0,
                      "higher_is_better": i.higher_is_better, "requirement": ""} for i in items],
           "rows": [{"label": r.sample, "values": r.values, "ranks": r.ranks, "scores": r.scores,
                     "overall": r.overall, "rank": r.rank, "failures": []} for r in rows[:8]]}
    t = time.perf_counter()
    pdf = report.pdf_report(rep)
    line(f"PDF report with 2 charts ({len(pdf) // 1024} KiB)", time.perf_counter() - t, 1, "reports")


def database(backend: str, n_certs: int, n_ents: int, rng: random.Random) -> None:
    with tempfile.TemporaryDirectory() as tmp, isolated_url(backend, Path(tmp)) as url:
        migrate.upgrade(url)
        db = Database(url)
        with db.session(SYSTEM) as s:
            service.create_body(s, SYSTEM, BodyIn(name="中国质量认证中心", kinds=["CCC"]))
            ents = [factories.enterprise(s) for _ in range(n_ents)]
            today = service.today()
            for i, e in enumerate(ents[: n_ents // 5]):
                s.add(AdministrativePenalty(enterprise_id=e.id, decision_no=f"罚{i}", severity="general",
                                            decided_on=today - dt.timedelta(days=30 + i)))
        rows = [{"number": f"2024{k:012d}", "kind": "CCC", "holder_name": ents[k % n_ents].name,
                 "body_name": "中国质量认证中心", "issued_on": "2024-01-01", "valid_until": "2029-01-01",
                 "products_text": f"产品{k}"} for k in range(n_certs)]
        t = time.perf_counter()
        with db.session(SYSTEM) as s:
            res = service.import_certificates(s, SYSTEM, rows)
        line(f"[{backend}] import {res['created']:,} certificates", time.perf_counter() - t, n_certs, "rows")
        t = time.perf_counter()
        with db.session(SYSTEM) as s:
            out = service.recompute_credit(s, SYSTEM)
        line(f"[{backend}] credit recompute {len(out)} enterprises", time.perf_counter() - t, len(out), "ents")
        t = time.perf_counter()
        with db.session() as s:
            for k in range(0, n_certs, max(n_certs // 200, 1)):
                service.verify_certificate(s, f"2024{k:012d}")
        line(f"[{backend}] verify 200 certificates", time.perf_counter() - t, 200, "queries")
        db.dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--certs", type=int, default=20_000)
    ap.add_argument("--enterprises", type=int, default=500)
    ap.add_argument("--backends", default="sqlite")
    a = ap.parse_args()
    rng = random.Random(8)
    from zhijian.platform.rooms import modules

    for _ in modules("service"):  # import every room first: credit reads spot-check, risk and stable services
        pass
    pure(rng)
    for b in a.backends.split(","):
        database(b.strip(), a.certs, a.enterprises, rng)


if __name__ == "__main__":
    main()
