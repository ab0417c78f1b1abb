"""Special-equipment benchmarks on 1,000,000 units (figures printed, not asserted; issue #18 targets < 10 s each):

1. the next-due-date computation for every unit: the pure rule alone (``rules.next_due_date``), then the service's
   ``recompute_due_dates`` (read in id order, compute, write the changed rows) — from empty dates, and again with
   nothing to change;
2. the overdue list of one province (浙江, prefix 33): the first page of ``due_list`` as the regulator of the
   province sees it, every page of it (keyset), and its statistics by category and division;
3. a scan of a unit's code: ``scan_view`` (the public answer) per scan, in the service and over HTTP (the app's
   ASGI stack in process), beside the trade-item verification path's figures in docs/SCALING.md;
4. the demo load (2,380 units of the issue's city, their reports and maintenance) on a fresh SQLite database
   (it was a timed assertion in tests/equipment/test_demo.py; timings belong here).

Run: .venv/bin/python bench/bench_equipment.py [--units 1000000] [--backends sqlite,postgresql]
PostgreSQL: the isolated database of tests/dbs.py (own schema, dropped at the end).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import JSON, Connection, Table, case, select, text, type_coerce

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from tests.dbs import isolated_url  # noqa: E402
from zhijian.equipment import rules, service  # noqa: E402
from zhijian.equipment.models import EquipmentUnit  # noqa: E402
from zhijian.platform import migrate  # noqa: E402
from zhijian.platform.auth import SYSTEM, Actor  # noqa: E402
from zhijian.platform.db import Database  # noqa: E402

TODAY = dt.date(2026, 12, 2)
PROVINCES = ["11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43",
             "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"]
# (variety, share): elevators dominate a real registry, then vessels, cylinders, boilers, cranes, rides, pipes
MIX = [("3110", 0.50), ("3310", 0.05), ("2150", 0.12), ("2310", 0.10), ("1100", 0.05), ("4100", 0.07), ("4300", 0.03),
       ("5100", 0.05), ("6200", 0.01), ("8300", 0.02)]
CHUNK = 50_000


def bulk(conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]],
         json_cols: Sequence[str] = ()) -> int:
    """Insert rows: COPY on PostgreSQL, Core executemany elsewhere (loading is not timed)."""
    n = 0
    if conn.dialect.name == "postgresql":
        jx = [columns.index(c) for c in json_cols]
        raw = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as cp:
            for r in rows:
                if jx:
                    r = list(r)
                    for k in jx:
                        r[k] = json.dumps(r[k], ensure_ascii=False)
                cp.write_row(r)
                n += 1
        return n
    buf: list[dict[str, Any]] = []
    for r in rows:
        buf.append(dict(zip(columns, r, strict=True)))
        if len(buf) >= CHUNK:
            conn.execute(table.insert(), buf)
            n += len(buf)
            buf = []
    if buf:
        conn.execute(table.insert(), buf)
        n += len(buf)
    return n


def seed(db: Database, n: int, rng: np.random.Generator) -> dict[str, int]:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with db.engine.begin() as c:
        org = text("INSERT INTO organization (kind, name, region_code, address, contact_name, contact_phone, search_text,"
                   " created_at, updated_at) VALUES (:kind, :name, :rc, '', '', :phone, '', :now, :now)")
        c.execute(org, [{"kind": "enterprise", "name": f"基准使用单位{i}", "rc": PROVINCES[i % 31] + "0106", "phone": "",
                         "now": now} for i in range(5000)])
        c.execute(org, [{"kind": "enterprise", "name": f"基准维保单位{i}", "rc": PROVINCES[i % 31] + "0106",
                         "phone": "0571-86000000", "now": now} for i in range(300)])
        c.execute(org, [{"kind": "regulator", "name": f"基准省局{p}", "rc": p + "0000", "phone": "", "now": now}
                        for p in PROVINCES])
        owners = [r[0] for r in c.execute(text("SELECT id FROM organization WHERE name LIKE '基准使用单位%' ORDER BY id"))]
        maints = [r[0] for r in c.execute(text("SELECT id FROM organization WHERE name LIKE '基准维保单位%' ORDER BY id"))]
    varieties = np.array([v for v, _ in MIX])
    kind = rng.choice(len(MIX), n, p=np.array([p for _, p in MIX]) / sum(p for _, p in MIX))
    owner = rng.integers(0, len(owners), n)
    district = rng.integers(1, 12, n)
    year = rng.integers(2000, 2025, n)
    back = rng.integers(0, 800, n)  # last inspection 0–800 days ago: elevators beyond 365 are overdue
    never = rng.random(n) < 0.03
    grade = rng.choice([1, 2, 3, 4], n, p=[0.3, 0.4, 0.25, 0.05])
    dates = [TODAY - dt.timedelta(days=int(d)) for d in range(800)]
    cols = ["code", "registration_no", "category", "variety", "owner_id", "maintainer_id", "region_code", "address",
            "manufacturer", "installer", "model", "params", "status", "commissioned_on", "safety_grade",
            "last_inspection_on", "next_due_on", "due_rule", "created_at", "updated_at"]

    def rows() -> Iterable[tuple[Any, ...]]:
        for k in range(n):
            v = str(varieties[kind[k]])
            o = int(owner[k])
            prov = PROVINCES[o % 31]
            cyl = rules.is_cylinder(v)
            params = {"inspection_interval_years": 3} if cyl else {}
            g = int(grade[k]) if v[0] in "28" and not cyl else None
            yield (f"{v}{prov}{k // 100000:03d}{int(year[k])}{k % 100000:05d}", f"基{k:08d}", rules.category_of(v), v,
                   owners[o], maints[k % len(maints)] if v[0] == "3" else None, f"{prov}01{int(district[k]):02d}",
                   f"基准路{k % 999}号", "", "", "", params, "in_use", dt.date(int(year[k]) + 1, 1, 1), g,
                   None if never[k] else dates[int(back[k])], None, "", now, now)

    with db.engine.begin() as c:
        m = bulk(c, EquipmentUnit.__table__, cols, rows(), json_cols=["params"])
        if c.dialect.name == "postgresql":
            c.execute(text("ANALYZE equipment_unit"))
    return {"units": m}


def timed(label: str, fn: Any) -> Any:
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    print(f"    {time.perf_counter() - w:7.2f} s wall {time.process_time() - c:7.2f} s CPU  {label}", flush=True)
    return out


def run(backend: str, n: int, scans: int, due_only: bool = False) -> None:
    with tempfile.TemporaryDirectory() as tmp, isolated_url(backend, Path(tmp)) as url:
        migrate.upgrade(url)
        db = Database(url)
        t = time.perf_counter()
        info = seed(db, n, np.random.default_rng(18))
        print(f"[{backend}] loaded {info['units']:,} units in {time.perf_counter() - t:.1f} s (not timed)", flush=True)

        def pure() -> int:
            t = EquipmentUnit.__table__
            params = type_coerce(case((t.c.variety.like("23%"), t.c.params), else_=None), JSON)  # cylinders only
            with db.engine.connect() as c:
                rows = c.execute(select(t.c.variety, t.c.safety_grade, params, t.c.last_inspection_on,
                                        t.c.commissioned_on)).all()
            return sum(1 for r in rows if rules.next_due_date(r[0], r[1], r[2], r[3], r[4])[0])

        got = timed("read + rules.next_due_date, all units (no write)", pure)
        print(f"            {got:,} units have a date")
        with db.session(SYSTEM) as s:
            r = timed("service.recompute_due_dates from empty dates (read, compute, write, commit)",
                      lambda: service.recompute_due_dates(s, SYSTEM))
        print(f"            {r}")
        with db.session(SYSTEM) as s:
            r = timed("service.recompute_due_dates again (nothing changed)", lambda: service.recompute_due_dates(s, SYSTEM))
        print(f"            {r}")
        if due_only:
            db.dispose()
            return
        if backend == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("ANALYZE equipment_unit"))
        with db.session(SYSTEM) as s:
            reg_id = s.execute(text("SELECT id FROM organization WHERE name = '基准省局33'")).scalar_one()
        zj = Actor(None, "bench", "regulator", reg_id)
        with db.session(SYSTEM) as s:
            total = s.execute(text("SELECT count(*) FROM equipment_unit WHERE region_code LIKE '33%' AND "
                                   "next_due_on < :d").bindparams(d=TODAY)).scalar_one()
            page = timed("overdue list of 浙江 (33): first page of 100 (service.due_list, regulator's scope)",
                         lambda: service.due_list(s, zj, state="overdue", on=TODAY, limit=100))
            assert len(page.items) == 100

            def every_page() -> int:
                cursor, seen = None, 0
                while True:
                    p = service.due_list(s, zj, state="overdue", on=TODAY, limit=500, cursor=cursor)
                    seen += len(p.items)
                    if not p.next_cursor:
                        return seen
                    cursor = p.next_cursor

            seen = timed(f"overdue list of 浙江: every page of 500 (keyset), {total:,} units", every_page)
            assert seen == total, (seen, total)
            stats = timed("statistics of 浙江 by category and division (one grouped query)",
                          lambda: service.statistics(s, zj, on=TODAY))
            print(f"            {len(stats)} rows, overdue {sum(x.overdue for x in stats):,}")
            codes = [c for (c,) in s.execute(text("SELECT code FROM equipment_unit WHERE id % 997 = 1"))][:scans]
        with db.session() as s:
            w = time.perf_counter()
            for code in codes:
                service.scan_view(s, code, TODAY)
            el = time.perf_counter() - w
        print(f"    {el / len(codes) * 1000:7.2f} ms per scan  service.scan_view over {len(codes)} codes", flush=True)
        from fastapi.testclient import TestClient

        from zhijian.platform.app import create_app
        from zhijian.platform.config import get_settings

        app = create_app(db, dataclasses.replace(get_settings(), public_rate_limit=0, access_log=False))
        with TestClient(app) as client:
            client.get(f"/equipment/u/{codes[0]}")
            w = time.perf_counter()
            for code in codes:
                assert client.get(f"/api/v1/equipment/public/{code}").status_code == 200
            el = time.perf_counter() - w
            print(f"    {el / len(codes) * 1000:7.2f} ms per scan  GET /api/v1/equipment/public/{{code}} (HTTP in process)")
            w = time.perf_counter()
            statuses = {client.get(f"/equipment/u/{code}").status_code for code in codes}
            el = time.perf_counter() - w
            print(f"    {el / len(codes) * 1000:7.2f} ms per scan  GET /equipment/u/{{code}} (the HTML page; HTTP "
                  f"{sorted(statuses)})")
        db.dispose()


def demo_load() -> None:
    import random

    from zhijian.equipment import demo

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/demo.sqlite3"
        migrate.upgrade(url)
        db = Database(url)
        print("== demo load (SQLite, 2,380 units)")
        with db.session() as s:
            timed("equipment demo.load", lambda: demo.load(s, random.Random(18)))
        db.dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=1_000_000)
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--scans", type=int, default=500)
    ap.add_argument("--due-only", action="store_true", help="only the due-date computation (part 1)")
    args = ap.parse_args()
    if not args.due_only:
        demo_load()
    for backend in args.backends.split(","):
        run(backend, args.units, args.scans, args.due_only)


if __name__ == "__main__":
    main()
