"""Benchmark: the full risk scan (`zhijian risk scan`) over 1,000,000 item results and 200,000 complaints.

    .venv/bin/python bench/bench_risk.py [--backends sqlite,postgresql] [--batches 100000] [--items 10]
                                         [--complaints 200000] [--repeat 2]

For each backend: a freshly migrated database (`tests.dbs.isolated_url` + `zhijian.platform.migrate.upgrade`),
then, set-based and not timed (Core `insert()` executemany on SQLite, `COPY ... FROM STDIN` on PostgreSQL),
realistic rows in the REAL tables of the rooms the scan reads:

- catalog: 40 categories, 3,000 enterprises over the 31 provinces, 5,000 products, 31 provincial regulators;
- spot-check: 124 provincial plans (31 provinces × the 4 calendar years the 3 years touch), 100,000 batches in state final/published with final verdicts,
  sampled over the 3 years before AS_OF (10 % targeted sampling), each with 10 round-0 item results
  (= 1,000,000 `spotcheck_item` rows); per-category batch failure rates of 5–10 %, a failing batch has 1–2
  failing items; injected hot spots: two category × province series at ~35 % over the last two months and
  one enterprise at ~40 % over the last year;
- consumer: 200,000 complaints/reports received over the last 800 days (so the weekly series have the two full
  years plus the half-window the improved Farrington needs; 5 % rejected, which the contract leaves out),
  with a product spike and a category × province spike in the last complete week.

The timed part is exactly what `zhijian risk scan` runs: `zhijian.risk.service.run_scan(session, actor,
as_of=...)` in one transaction, reading through `spotcheck.service` / `consumer.service`, followed by the
commit. Printed per scan: wall and CPU time (`time.process_time`, this process only — PostgreSQL's server
work is not in it) for the total, reading the rows, building the arrays + the detectors, and storing the
signals, and the number of signals. The machine is shared: compare CPU time when wall time is noisy.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Connection, Table, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from tests.dbs import isolated_url  # noqa: E402
from zhijian.consumer.models import Complaint  # noqa: E402
from zhijian.platform import migrate  # noqa: E402
from zhijian.platform.auth import SYSTEM  # noqa: E402
from zhijian.platform.db import Database  # noqa: E402
from zhijian.risk import service  # noqa: E402
from zhijian.spotcheck import rules as sc_rules  # noqa: E402
from zhijian.spotcheck.models import Batch, ItemResult, Plan  # noqa: E402

AS_OF = dt.date(2026, 11, 16)
PROVINCES = ["11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43",
             "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"]
ITEM_NAMES = ["标志和说明", "外观", "尺寸偏差", "甲醛释放量", "可迁移元素", "耐燃性能", "稳定性", "强度",
              "电气安全", "邻苯二甲酸酯"]
CHUNK = 50_000


# ---------------------------------------------------------------- set-based insert helpers


def bulk(conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]],
         json_cols: Sequence[str] = ()) -> int:
    """Insert rows (tuples in `columns` order): COPY on PostgreSQL, Core executemany elsewhere."""
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


# ---------------------------------------------------------------- synthetic data


def seed_catalog(db: Database, n_cat: int = 40, n_ent: int = 3000, n_prod: int = 5000) -> dict[str, list[int]]:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with db.engine.begin() as c:
        c.execute(text("INSERT INTO category (code, name, name_en, path, requires_ccc) VALUES (:code, :name, '', '/', :f)"),
                  [{"code": f"BENCH-{i}", "name": f"基准类别{i}", "f": False} for i in range(n_cat)])
        cats = [r[0] for r in c.execute(text("SELECT id FROM category WHERE code LIKE 'BENCH-%' ORDER BY id"))]
        org = text("INSERT INTO organization (kind, name, region_code, address, contact_name, contact_phone, search_text,"
                   " created_at, updated_at) VALUES (:kind, :name, :rc, '', '', '', '', :now, :now)")
        c.execute(org, [{"kind": "enterprise", "name": f"基准企业{i}有限公司", "rc": PROVINCES[i % 31] + "0100", "now": now}
                        for i in range(n_ent)])
        c.execute(org, [{"kind": "regulator", "name": f"基准省局{p}", "rc": p + "0000", "now": now} for p in PROVINCES])
        ents = [r[0] for r in c.execute(text("SELECT id FROM organization WHERE name LIKE '基准企业%' ORDER BY id"))]
        regs = [r[0] for r in c.execute(text("SELECT id FROM organization WHERE name LIKE '基准省局%' ORDER BY id"))]
        c.execute(text("INSERT INTO product (name, brand, model, category_id, enterprise_id, description, is_public,"
                       " search_text, created_at, updated_at) VALUES (:name, '', '', :cat, :ent, '', :pub, '', :now, :now)"),
                  [{"name": f"基准产品{i}", "cat": cats[i % n_cat], "ent": ents[i % n_ent], "pub": True, "now": now}
                   for i in range(n_prod)])
        prods = [r[0] for r in c.execute(text("SELECT id FROM product WHERE name LIKE '基准产品%' ORDER BY id"))]
    return {"cats": cats, "ents": ents, "regs": regs, "prods": prods}


def seed_spotcheck(db: Database, ids: dict[str, list[int]], n_batches: int, n_items: int,
                   rng: np.random.Generator) -> dict[str, int]:
    """Plans, final/published batches with final verdicts, and their round-0 item results."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    cats, ents, prods, regs = ids["cats"], ids["ents"], ids["prods"], ids["regs"]
    start = AS_OF - dt.timedelta(days=3 * 365)
    years = list(range(start.year, AS_OF.year + 1))
    plan_cols = ["id", "code", "title", "year", "level", "regulator_id", "region_code", "period_start", "period_end",
                 "basis", "decision_rule", "guard_factor", "objection_days", "required_verifications",
                 "allow_self_verification", "exclude_same_province", "credit_weights", "status", "description",
                 "created_at", "updated_at"]
    plan_rows = []
    plan_of: dict[tuple[int, int], int] = {}
    for yi, y in enumerate(years):
        for pi, p in enumerate(PROVINCES):
            pid = 1 + yi * 31 + pi
            plan_of[(y, pi)] = pid
            plan_rows.append((pid, f"BENCH-{y}-{p}", f"{y}年基准省级监督抽查计划（{p}）", y, "provincial", regs[pi],
                              p + "0000", dt.date(y, 1, 1), dt.date(y, 12, 31), "random", "simple", 1.0, 15, 1,
                              False, False, {}, "published", "", now, now))
    # batches: uniform over the 3 years before AS_OF
    day = np.sort(rng.integers(0, 3 * 365, n_batches))  # ids follow the sampling dates, as in real life
    dates = [start + dt.timedelta(days=d) for d in range(3 * 365 + 31)]
    cat = rng.integers(0, len(cats), n_batches)
    prov = rng.integers(0, 31, n_batches)
    # enterprises of the batch's province (3,000 enterprises spread over the provinces)
    ent = (rng.integers(0, len(ents) // 31, n_batches) * 31 + prov) % len(ents)
    base_rate = rng.uniform(0.05, 0.10, len(cats))
    p_fail = base_rate[cat]
    recent = day >= 3 * 365 - 61  # the last two months
    hot = [(5, 18), (23, 9)]  # category index × province index
    for c_, p_ in hot:
        p_fail[(cat == c_) & (prov == p_) & recent] = 0.35
    hot_ent = int(ent[0])
    p_fail[(ent == hot_ent) & (day >= 3 * 365 - 365)] = 0.40
    fail = rng.random(n_batches) < p_fail
    targeted = rng.random(n_batches) < 0.10
    published = rng.random(n_batches) < 0.85
    n_fail_items = np.where(fail, 1 + (rng.random(n_batches) < 0.3), 0)
    fail_pos = rng.integers(0, n_items, n_batches)
    batch_cols = ["id", "plan_id", "sample_no", "state", "enterprise_id", "product_id", "category_id", "region_code",
                  "basis", "product_name", "brand", "model", "lot", "sampled_on", "place", "place_kind", "samplers",
                  "test_quantity", "reserve_quantity", "seals", "refused", "refusal_reason", "received_on", "report_no",
                  "report_issued_on", "auto_verdict", "verdict", "override_reason", "failing_items", "safety_failure",
                  "notified_on", "objection_deadline", "final_verdict", "final_on", "created_at", "updated_at"]

    def batch_rows() -> Iterable[tuple[Any, ...]]:
        for k in range(n_batches):
            d = dates[int(day[k])]
            v = sc_rules.FAIL if fail[k] else sc_rules.PASS
            c, p = int(cat[k]), int(prov[k])
            failing = [ITEM_NAMES[(int(fail_pos[k]) + j) % n_items] for j in range(int(n_fail_items[k]))]
            yield (k + 1, plan_of[(d.year, p)], f"BENCH{k + 1:010d}", "published" if published[k] else "final",
                   ents[int(ent[k])], prods[(c + 40 * int(ent[k])) % len(prods)], cats[c], PROVINCES[p] + "0100",
                   "targeted" if targeted[k] else "random", f"基准产品{c}", "", "", f"L{k:07d}", d, "某超市", "market",
                   ["张三", "李四"], "2件", "2件", [], False, "", d + dt.timedelta(days=3), f"R{k + 1:010d}",
                   d + dt.timedelta(days=20), v, v, "", failing, False, d + dt.timedelta(days=22),
                   d + dt.timedelta(days=37), v, d + dt.timedelta(days=38), now, now)

    item_cols = ["id", "batch_id", "round", "position", "name", "unit", "requirement_text", "requirement_kind",
                 "lower", "upper", "lower_inclusive", "upper_inclusive", "decimals", "comparison_method", "is_safety",
                 "value_text", "value", "not_detected", "method_standard", "lab_verdict", "verdict"]
    values = rng.uniform(0.0, 0.8, n_batches * n_items).round(2)

    def item_rows() -> Iterable[tuple[Any, ...]]:
        for k in range(n_batches):
            fp, nf = int(fail_pos[k]), int(n_fail_items[k])
            for j in range(n_items):
                bad = (j - fp) % n_items < nf
                val = 1.0 + float(values[k * n_items + j]) if bad else float(values[k * n_items + j])
                v = sc_rules.FAIL if bad else sc_rules.PASS
                yield (k * n_items + j + 1, k + 1, 0, j, ITEM_NAMES[j], "mg/kg", "≤1.0", "max", None, 1.0, True, True,
                       2, "full", j == 3, f"{val:.2f}", val, False, "GB/T 0000-2020", v, v)

    with db.engine.begin() as c:
        bulk(c, Plan.__table__, plan_cols, plan_rows, json_cols=["credit_weights"])
        nb = bulk(c, Batch.__table__, batch_cols, batch_rows(), json_cols=["samplers", "seals", "failing_items"])
        ni = bulk(c, ItemResult.__table__, item_cols, item_rows())
        if c.dialect.name == "postgresql":  # explicit ids: move the sequences past them
            for t in ("spotcheck_plan", "spotcheck_batch", "spotcheck_item"):
                c.execute(text(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT max(id) FROM {t}))"))
    return {"plans": len(plan_rows), "batches": nb, "items": ni, "failing_batches": int(fail.sum()),
            "targeted": int(targeted.sum())}


def seed_complaints(db: Database, ids: dict[str, list[int]], n: int, rng: np.random.Generator,
                    days_back: int = 800) -> dict[str, int]:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    cats, ents, prods = ids["cats"], ids["ents"], ids["prods"]
    day = rng.integers(0, days_back, n)
    start = AS_OF - dt.timedelta(days=days_back)
    dates = [start + dt.timedelta(days=d) for d in range(days_back)]
    # product popularity is skewed (Zipf-like), so some product series have enough counts for Farrington
    weights = 1.0 / np.arange(1, len(prods) + 1) ** 0.8
    prod = rng.choice(len(prods), n, p=weights / weights.sum())
    last_week = (AS_OF - dt.timedelta(days=AS_OF.weekday() + 7) - start).days  # Monday of the last complete week
    spike = rng.random(n) < 0.004
    day[spike] = last_week + rng.integers(0, 7, int(spike.sum()))
    prod[spike[: n] & (rng.random(n) < 0.5)] = 17  # half of the spike on one product, the rest spread
    prov = rng.integers(0, 31, n)
    prov[spike] = 12
    state = np.where(rng.random(n) < 0.05, "rejected", "closed")
    just_r = rng.random(n)
    kind = np.where(rng.random(n) < 0.8, "complaint", "report")
    order = np.argsort(day, kind="stable")  # ids follow the dates of receipt, as in real life
    day, prod, prov, state, just_r, kind = (a[order] for a in (day, prod, prov, state, just_r, kind))
    cols = ["id", "kind", "tracking_no", "check_hash", "state", "channel", "received_on", "complainant_name",
            "complainant_phone", "complainant_address", "complainant_region", "anonymous", "respondent_id",
            "respondent_name", "respondent_address", "product_id", "product_text", "category_id", "purchase_place",
            "facts", "requests", "hazard", "rejected_reason", "extended", "closed_on", "justified", "agreement",
            "paused", "created_at", "updated_at"]

    def rows() -> Iterable[tuple[Any, ...]]:
        for k in range(n):
            p = int(prod[k])
            d = dates[min(int(day[k]), days_back - 1)]
            j = None if just_r[k] < 0.2 else bool(just_r[k] < 0.75)
            yield (k + 1, str(kind[k]), f"BT{k + 1:012d}", "0" * 64, str(state[k]), "12315", d, "王某", "", "",
                   PROVINCES[int(prov[k])] + "0100", False, ents[p % len(ents)], f"基准企业{p % len(ents)}有限公司", "",
                   prods[p], f"基准产品{p}", cats[p % len(cats)], "", "产品质量问题", ["refund"], bool(k % 50 == 0), "",
                   False, d + dt.timedelta(days=20), j, "", False, now, now)

    with db.engine.begin() as c:
        m = bulk(c, Complaint.__table__, cols, rows(), json_cols=["requests"])
        if c.dialect.name == "postgresql":
            c.execute(text("SELECT setval(pg_get_serial_sequence('complaint', 'id'), (SELECT max(id) FROM complaint))"))
    return {"complaints": m, "rejected": int((state == "rejected").sum())}


# ---------------------------------------------------------------- the timed scan


def timed_scan(db: Database) -> dict[str, Any]:
    marks: list[tuple[str, float, float]] = []

    def progress(step: str, _pct: int) -> None:
        marks.append((step, time.perf_counter(), time.process_time()))

    w0, c0 = time.perf_counter(), time.process_time()
    with db.session(SYSTEM) as s:
        run = service.run_scan(s, SYSTEM, as_of=AS_OF, progress=progress)
        n_new, n_found = run.n_signals, run.summary["drafts"]
        n_res, n_comp = run.n_results, run.n_complaints
    w1, c1 = time.perf_counter(), time.process_time()  # after the commit
    at = {name: (w, c) for name, w, c in marks}

    def span(a: str | None, b: str | None) -> str:
        wa, ca = at[a] if a else (w0, c0)
        wb, cb = at[b] if b else (w1, c1)
        return f"{wb - wa:.2f} s wall / {cb - ca:.2f} s CPU"

    detector_steps = [m[0] for m in marks if m[0] not in ("read_results", "read_complaints", "store")]
    out = {"total": span(None, None), "read_results": span(None, "read_results"),
           "read_complaints": span("read_results", "read_complaints"),
           "detectors(arrays+rates+enterprises+counts)": span("read_complaints", "counts"),
           "store(+commit)": span("counts", None)}
    prev = "read_complaints"
    for st in detector_steps:
        out[f"  {st}"] = span(prev, st)
        prev = st
    out.update({"batches_read": n_res, "complaints_read": n_comp, "signals_found": n_found, "signals_new": n_new})
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--batches", type=int, default=100_000)
    ap.add_argument("--items", type=int, default=10)
    ap.add_argument("--complaints", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory() as tmp, isolated_url(backend, Path(tmp)) as url:
            migrate.upgrade(url)
            db = Database(url)
            rng = np.random.default_rng(20261127)
            t = time.perf_counter()
            ids = seed_catalog(db)
            sc = seed_spotcheck(db, ids, args.batches, args.items, rng)
            cc = seed_complaints(db, ids, args.complaints, rng)
            if backend == "postgresql":
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                    c.execute(text("ANALYZE"))
            print(f"[{backend}] loaded {sc} {cc} in {time.perf_counter() - t:.1f} s (not timed)", flush=True)
            for attempt in range(1, args.repeat + 1):
                res = timed_scan(db)
                print(f"[{backend}] scan {attempt}:", flush=True)
                for k, v in res.items():
                    print(f"    {k:46s} {v}", flush=True)
            db.dispose()


if __name__ == "__main__":
    main()
