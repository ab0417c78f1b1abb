"""Benchmark: the full risk scan over 1,000,000 spot-check result rows and 200,000 complaints.

    .venv/bin/python bench/bench_risk.py [--backends sqlite,postgresql] [--results 1000000] [--complaints 200000]

For each backend: a freshly migrated database, 40 categories, 3,000 enterprises and 5,000 products inserted
set-based, and two bench tables holding rows in exactly the contract shapes of
`spotcheck.service.result_rows` (one row per batch: batch_id, final_verdict, category_id, region_code,
enterprise_id, product_id, sampled_on, basis, plan_level, n_items, n_failed_items) and
`consumer.service.complaint_records`. The timed part is what the scheduled scan does: SELECT every row
from the database, build the NumPy arrays, run all detectors (rates, enterprises, counts) and store the
signals and the dashboard aggregates in one transaction. Inserting the synthetic data is not timed.

(The spot-check room's tables are being written in parallel; when its `result_rows` lands, point the bench
at it instead of the bench table. One result row per batch here means 1,000,000 batches, i.e. more than
1,000,000 item results.)
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.dbs import isolated_url  # noqa: E402

from zhijian.platform import migrate  # noqa: E402
from zhijian.platform.auth import SYSTEM  # noqa: E402
from zhijian.platform.db import Database  # noqa: E402
from zhijian.risk import service  # noqa: E402

AS_OF = dt.date(2026, 11, 16)
PROVINCES = ["11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43",
             "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"]


def seed_catalog(db: Database, n_cat: int = 40, n_ent: int = 3000, n_prod: int = 5000) -> tuple[list[int], list[int], list[int]]:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with db.engine.begin() as c:
        c.execute(text("INSERT INTO category (code, name, name_en, path, requires_ccc) VALUES (:code, :name, '', '/', :f)"),
                  [{"code": f"BENCH-{i}", "name": f"基准类别{i}", "f": False} for i in range(n_cat)])
        cats = [r[0] for r in c.execute(text("SELECT id FROM category WHERE code LIKE 'BENCH-%' ORDER BY id"))]
        c.execute(text("INSERT INTO organization (kind, name, region_code, address, contact_name, contact_phone, search_text,"
                       " created_at, updated_at) VALUES ('enterprise', :name, :rc, '', '', '', '', :now, :now)"),
                  [{"name": f"基准企业{i}有限公司", "rc": PROVINCES[i % len(PROVINCES)] + "0100", "now": now}
                   for i in range(n_ent)])
        ents = [r[0] for r in c.execute(text("SELECT id FROM organization WHERE name LIKE '基准企业%' ORDER BY id"))]
        c.execute(text("INSERT INTO product (name, brand, model, category_id, enterprise_id, description, is_public,"
                       " search_text, created_at, updated_at) VALUES (:name, '', '', :cat, :ent, '', :pub, '', :now, :now)"),
                  [{"name": f"基准产品{i}", "cat": cats[i % n_cat], "ent": ents[i % n_ent], "pub": True, "now": now}
                   for i in range(n_prod)])
        prods = [r[0] for r in c.execute(text("SELECT id FROM product WHERE name LIKE '基准产品%' ORDER BY id"))]
    return cats, ents, prods


def make_tables(db: Database, cats: list[int], ents: list[int], prods: list[int], n_res: int, n_comp: int) -> None:
    rng = np.random.default_rng(20261127)
    with db.engine.begin() as c:
        c.execute(text("CREATE TABLE bench_result (batch_id BIGINT PRIMARY KEY, final_verdict VARCHAR(8), category_id INT,"
                       " region_code VARCHAR(6), enterprise_id INT, product_id INT, sampled_on DATE, basis VARCHAR(16),"
                       " plan_level VARCHAR(16), n_items INT, n_failed_items INT)"))
        c.execute(text("CREATE TABLE bench_complaint (complaint_id BIGINT PRIMARY KEY, received_on DATE, kind VARCHAR(16),"
                       " category_id INT, product_id INT, enterprise_id INT, region_code VARCHAR(6), justified BOOLEAN,"
                       " hazard BOOLEAN)"))
    days = rng.integers(0, 730, n_res)
    base = AS_OF - dt.timedelta(days=730)
    cat = rng.integers(0, len(cats), n_res)
    prov = rng.integers(0, len(PROVINCES), n_res)
    ent = rng.integers(0, len(ents), n_res)
    p = np.full(n_res, 0.05) + 0.03 * (cat % 3 == 0)
    hot = (cat == 7) & (prov == 18) & (days > 700)
    p[hot] = 0.3
    fail = rng.random(n_res) < p
    basis = np.where(rng.random(n_res) < 0.1, "targeted", "random")
    dates = [base + dt.timedelta(days=int(d)) for d in range(730)]
    chunk = 50_000
    with db.engine.begin() as c:
        for i in range(0, n_res, chunk):
            sl = slice(i, min(i + chunk, n_res))
            c.execute(text("INSERT INTO bench_result VALUES (:b, :v, :c, :r, :e, NULL, :d, :basis, 'provincial', 10, :f)"),
                      [{"b": int(k) + 1, "v": "不合格" if fail[k] else "合格", "c": cats[cat[k]], "r": PROVINCES[prov[k]] + "0100",
                        "e": ents[ent[k]], "d": dates[days[k]], "basis": str(basis[k]), "f": int(fail[k])}
                       for k in range(sl.start, sl.stop)])
    cdays = rng.integers(0, 900, n_comp)
    cbase = AS_OF - dt.timedelta(days=900)
    cdates = [cbase + dt.timedelta(days=int(d)) for d in range(900)]
    prod = rng.integers(0, len(prods), n_comp)
    cprov = rng.integers(0, len(PROVINCES), n_comp)
    with db.engine.begin() as c:
        for i in range(0, n_comp, chunk):
            c.execute(text("INSERT INTO bench_complaint VALUES (:i, :d, 'complaint', :c, :p, :e, :r, NULL, :h)"),
                      [{"i": k + 1, "d": cdates[cdays[k]], "c": cats[prod[k] % len(cats)], "p": prods[prod[k]],
                        "e": ents[prod[k] % len(ents)], "r": PROVINCES[cprov[k]] + "0100", "h": False}
                       for k in range(i, min(i + chunk, n_comp))])


def timed_scan(db: Database) -> dict[str, float]:
    t0 = time.perf_counter()
    with db.session(SYSTEM) as s:
        since = dt.date(AS_OF.year - 3, AS_OF.month, 1)
        rows = s.execute(text("SELECT batch_id, final_verdict, category_id, region_code, enterprise_id, product_id,"
                              " sampled_on, basis, plan_level, n_items, n_failed_items FROM bench_result"
                              " WHERE sampled_on >= :since"), {"since": since}).all()
        t_read = time.perf_counter()
        crows = s.execute(text("SELECT complaint_id, received_on, kind, category_id, product_id, enterprise_id,"
                               " region_code, justified, hazard FROM bench_complaint")).all()
        t_read2 = time.perf_counter()
        run = service.run_scan(s, SYSTEM, as_of=AS_OF, results=rows, complaints=crows)
        timings = dict(run.summary["timings"])
        n_new, n_drafts = run.n_signals, run.summary["drafts"]
    t_end = time.perf_counter()
    return {"total_s": round(t_end - t0, 2), "read_results_s": round(t_read - t0, 2),
            "read_complaints_s": round(t_read2 - t_read, 2), "scan_s": round(t_end - t_read2, 2),
            "results": len(rows), "complaints": len(crows), "signals_new": n_new, "signals_found": n_drafts,
            **{f"scan.{k}": v for k, v in timings.items()}}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--results", type=int, default=1_000_000)
    ap.add_argument("--complaints", type=int, default=200_000)
    args = ap.parse_args()
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory() as tmp, isolated_url(backend, Path(tmp)) as url:
            migrate.upgrade(url)
            db = Database(url)
            t = time.perf_counter()
            cats, ents, prods = seed_catalog(db)
            make_tables(db, cats, ents, prods, args.results, args.complaints)
            print(f"[{backend}] data loaded in {time.perf_counter() - t:.1f} s (not timed)", flush=True)
            for attempt in (1, 2):
                print(f"[{backend}] scan {attempt}: {timed_scan(db)}", flush=True)
            db.dispose()


if __name__ == "__main__":
    main()
