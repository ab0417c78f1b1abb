"""Catalog benchmark (issue #2): 100,000 products through the service layer, then product search
latency (p50/p99) and keyset pages deep in the result set, on SQLite and PostgreSQL.

Run: .venv/bin/python bench/bench_catalog.py [--n 100000] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient  # noqa: E402

from tests.dbs import isolated_url  # noqa: E402
from zhijian.catalog import rules, service  # noqa: E402
from zhijian.catalog.demo import PRODUCT_NAMES  # noqa: E402
from zhijian.catalog.schemas import OrganizationIn  # noqa: E402
from zhijian.platform import migrate  # noqa: E402
from zhijian.platform.app import create_app  # noqa: E402
from zhijian.platform.auth import SYSTEM  # noqa: E402
from zhijian.platform.config import get_settings  # noqa: E402
from zhijian.platform.db import Database  # noqa: E402
from zhijian.platform.demo import seed_reference_data  # noqa: E402


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def run(backend: str, n: int) -> None:
    with isolated_url(backend, Path(tempfile.mkdtemp())) as url:
        migrate.upgrade(url)
        db = Database(url)
        seed_reference_data(db)
        rng = random.Random(1)
        alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
        with db.session(SYSTEM) as s:
            usccs = []
            for i in range(500):
                body = "91330106" + "".join(rng.choice(alphabet) for _ in range(9))
                u = body + rules.uscc_check_character(body)
                service.create_organization(s, SYSTEM, OrganizationIn(kind="enterprise", name=f"基准企业{i}", uscc=u,
                                                                      region_code="330106"))
                usccs.append(u)
        names = [(code, name, models) for code, items in PRODUCT_NAMES.items() for name, models in items]

        def rows():
            for i in range(n):
                code, name, models = names[i % len(names)]
                yield i + 2, {"产品名称": f"{name}{i}", "品牌": f"品牌{i % 97}", "型号规格": f"{models[0]}-{i}",
                              "类别代码": code, "企业统一社会信用代码": usccs[i % len(usccs)], "GTIN": ""}

        t0 = time.perf_counter()
        with db.session(SYSTEM) as s:
            count = service.import_products(s, SYSTEM, rows())
        dt_ins = time.perf_counter() - t0
        print(f"[{backend}] inserted {count} products through the service layer in {dt_ins:.1f} s "
              f"({count / dt_ins:,.0f} products/s)")
        app = create_app(db, dataclasses.replace(get_settings(), public_rate_limit=0))  # measure the query, not the limiter
        client = TestClient(app)
        queries = {"common 奶粉": "奶粉", "mid 电热水壶": "电热水壶", "rare one model": f"-{n - 7}",
                   "absent 不存在": "不存在的词"}
        for label, q in queries.items():
            lat, cpu = [], []
            for _ in range(200):
                t, c = time.perf_counter(), time.process_time()
                r = client.get("/api/v1/products", params={"q": q, "limit": 50})
                lat.append((time.perf_counter() - t) * 1000)
                cpu.append((time.process_time() - c) * 1000)
                assert r.status_code == 200
            print(f"[{backend}] GET /api/v1/products?q={q!r:<14} ({label}): p50 {statistics.median(lat):6.1f} ms  "
                  f"p99 {pct(lat, 99):6.1f} ms  (CPU in-process p50 {statistics.median(cpu):5.1f} ms, "
                  f"p99 {pct(cpu, 99):5.1f} ms; {len(r.json()['items'])} items on page 1)")
        # keyset paging: time the page at increasing depths
        cursor, depth_lat = None, {}
        for page in range(1, 1001):
            t = time.perf_counter()
            r = client.get("/api/v1/products", params={"limit": 50, **({"cursor": cursor} if cursor else {})})
            ms = (time.perf_counter() - t) * 1000
            if page in (1, 10, 100, 500, 1000):
                depth_lat[page] = ms
            cursor = r.json()["next_cursor"]
            if not cursor:
                break
        print(f"[{backend}] keyset pages (50 rows): " + ", ".join(f"page {k}: {v:.1f} ms" for k, v in depth_lat.items()))
        client.close()
        db.dispose()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--backends", default="sqlite,postgresql")
    args = ap.parse_args()
    for b in args.backends.split(","):
        run(b, args.n)
