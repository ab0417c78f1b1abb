"""Verification on hash-partitioned trace tables against plain ones, on the same data (issue #23; prints figures).

    .venv/bin/python bench/bench_partitioning.py --codes 1000000 --partitions 8

On the PostgreSQL server of `--db` (an admin URL) the script creates a database of its own, migrates it and issues
`--codes` codes in one lot, copies that database (`CREATE DATABASE … TEMPLATE …`: the same rows, byte for byte)
and runs `zhijian.trace.partitioning.partition_by_serial` on the copy (timed). Then, in `--rounds` alternating
rounds (plain first in odd rounds, partitioned first in even ones, so that a swing of a shared machine's load hits
both), each database answers the same `--scans` codes twice — first scans, then repeat scans — through both
drivers: the sync session path (`service.verify_scan`, the CLI's and SQLite's) and the async psycopg path
(`trace.hot`, the resolver's on PostgreSQL). Each round takes codes never scanned before. Printed per database
and driver: mean, p50 and p99 wall time per scan, plus one lot-wide read (`lot_codes_summary`, every code of the
lot, which is where partitioning costs: it reads every partition). Both databases are dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ADMIN = os.environ.get("ZHIJIAN_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _admin(url: str) -> Any:
    return create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)


def _url(admin: str, name: str) -> str:
    return make_url(admin).set(database=name).render_as_string(hide_password=False)


def pct(values: list[float], p: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def build(url: str, n: int) -> tuple[str, str, list[str]]:
    """Migrate, issue n codes in one lot; (gtin, lot, serials)."""
    from tests import factories
    from zhijian.platform import migrate
    from zhijian.platform.auth import SYSTEM
    from zhijian.platform.db import Database
    from zhijian.trace import service
    from zhijian.trace.models import Code

    t = time.perf_counter()
    migrate.upgrade(url)
    print(f"migrated in {time.perf_counter() - t:.1f} s ({load()})", flush=True)
    db = Database(url)
    with db.session(SYSTEM) as s:
        ent = factories.enterprise(s, region="330106")
        p = factories.product(s, ent, gtin=factories.new_gtin(), name="基准测试产品")
        pid = p.id
    t = time.perf_counter()
    with db.session(SYSTEM) as s:
        batch = service.issue_codes(s, SYSTEM, service.IssueRequest(product_id=pid, lot="BENCH", quantity=n,
                                                                    freeze_threshold=0),
                                    host="id.zhijian.example", chunk=100_000)
        gtin, lot = batch.gtin, batch.lot
    print(f"issued {n:,} codes in {time.perf_counter() - t:.1f} s ({load()})", flush=True)
    with db.session() as s:
        s.execute(text("ANALYZE trace_code"))
        serials = list(s.scalars(select(Code.serial).where(Code.gtin == gtin)))
    db.dispose()
    return gtin, lot, serials


def scan_sync(db: Any, gtin: str, lot: str, serials: list[str]) -> list[float]:
    from zhijian.trace import service

    out = []
    for serial in serials:
        t = time.perf_counter()
        with db.session() as s:
            r = service.verify_scan(s, service.ScanInput(gtin=gtin, serial=serial, lot=lot, client="bench"))
        out.append((time.perf_counter() - t) * 1000)
        assert r["answer"].startswith("genuine"), r
    return out


def scan_async(db: Any, gtin: str, lot: str, serials: list[str]) -> list[float]:
    from zhijian.trace import hot, service

    async def run() -> list[float]:
        v = hot.verifier(db)
        assert v is not None
        out = []
        try:
            for serial in serials:
                t = time.perf_counter()
                r = await v.verify(service.ScanInput(gtin=gtin, serial=serial, lot=lot, client="bench"))
                out.append((time.perf_counter() - t) * 1000)
                assert r["answer"].startswith("genuine"), r
        finally:
            await v.close()
        return out

    return asyncio.run(run())


def lot_read(db: Any, gtin: str, lot: str) -> float:
    from zhijian.trace import service

    t = time.perf_counter()
    with db.session() as s:
        summary = service.lot_codes_summary(s, gtin, lot)
    assert sum(summary.values()) > 0
    return (time.perf_counter() - t) * 1000


def measure(dbs: dict[str, Any], gtin: str, lot: str, sample: list[str], rounds: int, k: int) -> None:
    from zhijian.trace import service

    times: dict[tuple[str, str, str], list[float]] = {}
    lots: dict[str, list[float]] = {name: [] for name in dbs}
    for r in range(rounds):
        order = list(dbs) if r % 2 == 0 else list(reversed(dbs))
        for i, driver in enumerate(("sync", "async")):
            codes = sample[(2 * r + i) * k:(2 * r + i + 1) * k]
            for name in order:
                service.invalidate_caches()  # the two databases hold the same batch ids: no cached fact crosses
                fn = scan_sync if driver == "sync" else scan_async
                fn(dbs[name], gtin, lot, codes[:20])  # warm the caches, the pool, the prepared statements
                for kind in ("first", "repeat"):
                    got = fn(dbs[name], gtin, lot, codes[20:])
                    times.setdefault((name, driver, kind), []).extend(got)
        for name in order:
            lots[name].append(lot_read(dbs[name], gtin, lot))
        print(f"round {r + 1} done ({load()})", flush=True)
    print("| database | driver | scan | n | mean | p50 | p99 |")
    print("|---|---|---|---|---|---|---|")
    for (name, driver, kind), v in sorted(times.items(), key=lambda x: (x[0][1], x[0][2], x[0][0])):
        print(f"| {name} | {driver} | {kind} | {len(v)} | {statistics.fmean(v):.2f} ms | {pct(v, 50):.2f} ms "
              f"| {pct(v, 99):.2f} ms |")
    for name, v in lots.items():
        print(f"lot-wide read (count by status, {name}): " + ", ".join(f"{x:.0f} ms" for x in v))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", default=ADMIN, help="admin URL of the PostgreSQL server (databases are created on it)")
    ap.add_argument("--codes", type=int, default=1_000_000)
    ap.add_argument("--partitions", type=int, default=8)
    ap.add_argument("--scans", type=int, default=1000, help="codes per round and driver (each scanned twice)")
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    from zhijian.platform.db import Database
    from zhijian.trace import partitioning

    tag = uuid.uuid4().hex[:8]
    plain, part = f"zjbench_part_{tag}_plain", f"zjbench_part_{tag}_hash"
    admin = _admin(args.db)
    created: list[str] = []
    dbs: dict[str, Any] = {}
    try:
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{plain}"'))
        created.append(plain)
        gtin, lot, serials = build(_url(args.db, plain), args.codes)
        t = time.perf_counter()
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{part}" TEMPLATE "{plain}"'))
        created.append(part)
        print(f"copied the database in {time.perf_counter() - t:.1f} s", flush=True)
        dbs = {"plain": Database(_url(args.db, plain)), f"{args.partitions} partitions": Database(_url(args.db, part))}
        t = time.perf_counter()
        with dbs[f"{args.partitions} partitions"].session() as s:
            done = partitioning.partition_by_serial(s, args.partitions)
        print(f"partitioned in {time.perf_counter() - t:.1f} s ({load()}): " + "; ".join(d.line() for d in done),
              flush=True)
        need = 2 * args.rounds * (args.scans + 20)
        sample = random.Random(7).sample(serials, min(need, len(serials)))
        measure(dbs, gtin, lot, sample, args.rounds, args.scans + 20)
    finally:
        for db in dbs.values():
            db.dispose()
        with admin.connect() as c:
            for name in created:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
