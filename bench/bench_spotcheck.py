"""Spot-check benchmarks (figures printed, not asserted):

1. judge 1,000,000 item results through the vectorised judgement core (target ≥ 100,000 items/s);
2. import a 50,000-row Excel report (5,000 batches × 10 items; target < 30 s);
3. publish a plan of 30,000 batches: statistics, Excel and PDF exports (target < 60 s).

Run: .venv/bin/python bench/bench_spotcheck.py [--backends sqlite,postgresql] [--quick]
PostgreSQL: postgresql+psycopg://postgres@127.0.0.1:5432/test (own schema, dropped at the end).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from zhijian.spotcheck import rules  # noqa: E402

PG = os.environ.get("ZHIJIAN_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def bench_judge(n: int = 1_000_000) -> None:
    rng = np.random.default_rng(1)
    kind = rng.choice([0, 1, 2, 4, 5], size=n, p=[0.5, 0.2, 0.15, 0.1, 0.05]).astype(np.int8)  # max/min/range/nd/text
    lower = np.where((kind == 1) | (kind == 2), rng.uniform(1, 5, n), np.nan)
    upper = np.where((kind == 0) | (kind == 2), rng.uniform(5, 10, n), np.nan)
    value = rng.uniform(0, 11, n)
    nd = rng.random(n) < 0.05
    value[nd] = np.nan
    lod = np.full(n, 0.01)
    unc = rng.uniform(0, 0.3, n)
    dec = rng.integers(0, 3, n).astype(float)
    rounded = rng.random(n) < 0.3
    for guarded in (False, True):
        t = time.perf_counter()
        codes = rules.judge_arrays(kind, lower, upper, value, nd, lod=lod, uncertainty=unc, decimals=dec,
                                   rounded=rounded, guarded=guarded)
        el = time.perf_counter() - t
        print(f"judge core ({'guarded' if guarded else 'simple'}): {n:,} items in {el:.3f} s = {n / el:,.0f} items/s; "
              f"不合格 {int((codes == 1).sum()):,}, 待人工判定 {int((codes == 2).sum()):,}")
    # the same through the scalar path (parse + judge + pint + stats.conformity) for comparison
    req = rules.parse_requirement("≤0.5", "mg/kg")
    m = 20_000
    t = time.perf_counter()
    for i in range(m):
        rules.judge(req, rules.parse_measured(f"{(i % 100) / 100:.2f}"), unit="mg/kg")
    el = time.perf_counter() - t
    print(f"scalar judge (one at a time, for comparison): {m / el:,.0f} items/s")


@contextmanager
def database(backend: str) -> Any:
    from sqlalchemy import create_engine, text

    from zhijian.platform import migrate
    from zhijian.platform.db import Database
    from zhijian.platform.demo import seed_reference_data

    if backend == "sqlite":
        d = tempfile.mkdtemp()
        url = f"sqlite:///{d}/bench.sqlite3"
        migrate.upgrade(url)
        db = Database(url)
        seed_reference_data(db)
        yield db
        db.dispose()
        return
    name = "zj_bench_" + uuid.uuid4().hex[:8]
    admin = create_engine(PG, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE SCHEMA "{name}"'))
    try:
        url = PG + f"?options=-csearch_path%3D{name}"
        migrate.upgrade(url)
        db = Database(url)
        seed_reference_data(db)
        yield db
        db.dispose()
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


def _world(db: Any, n_ent: int = 200) -> dict[str, Any]:
    """Regulator, two labs, enterprises and one category with a standard, through the catalog services."""
    from zhijian.catalog import service as catalog
    from zhijian.catalog.rules import uscc_check_character
    from zhijian.catalog.schemas import CategoryIn, IndicatorIn, OrganizationIn, StandardIn
    from zhijian.platform.auth import SYSTEM

    def new_uscc(region: str) -> str:
        body = "91" + region + "".join(random.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
        return body + uscc_check_character(body)

    with db.session(SYSTEM) as s:
        reg = catalog.create_organization(s, SYSTEM, OrganizationIn(kind="regulator", name="基准测试省局", region_code="330000",
                                                                    level="provincial"))
        labs = [catalog.create_organization(s, SYSTEM, OrganizationIn(kind="lab", name=f"基准检验院{i}", region_code="330100"))
                for i in range(2)]
        ents = [catalog.create_organization(s, SYSTEM, OrganizationIn(
            kind="enterprise", name=f"基准企业{i}有限公司", uscc=new_uscc(random.choice(["330106", "440305", "320505"])),
            region_code=random.choice(["330106", "440305", "320505"]))).id for i in range(n_ent)]
        cat = catalog.create_category(s, SYSTEM, CategoryIn(code="BENCH", name="基准类别"))
        std = catalog.create_standard(s, SYSTEM, StandardIn(code="GB BENCH-2026", title="基准标准", indicators=[
            IndicatorIn(name=f"项目{i}", unit="mg/kg", requirement_kind="max", upper=0.5, text="≤0.5", is_safety=i == 0)
            for i in range(10)]))
        return {"reg": reg.id, "labs": [x.id for x in labs], "ents": ents, "cat": cat.id, "std": std.id}


def _plan_with_batches(db: Any, w: dict[str, Any], code: str, n: int, state: str, with_items: int = 0,
                       fail_rate: float = 0.07) -> int:
    from sqlalchemy import insert, select

    from zhijian.platform.auth import SYSTEM
    from zhijian.spotcheck.models import Batch, ItemResult, Plan, PlanCategory, PlanLab

    rng = random.Random(code)
    with db.session(SYSTEM) as s:
        plan = Plan(code=code, title=f"基准计划 {code}", year=2026, level="provincial", regulator_id=w["reg"],
                    region_code="330000", period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 12, 31),
                    status="issued")
        s.add(plan)
        s.flush()
        s.add(PlanCategory(plan_id=plan.id, category_id=w["cat"], standard_ids=[w["std"]], target_batches=n))
        for lab in w["labs"]:
            s.add(PlanLab(plan_id=plan.id, lab_id=lab))
        now = dt.datetime.now(dt.UTC)
        rows = []
        for i in range(n):
            fail = state == "final" and rng.random() < fail_rate
            v = None if state != "final" else ("不合格" if fail else "合格")
            rows.append(dict(plan_id=plan.id, sample_no=f"{code}-{i + 1:06d}", state=state,
                             enterprise_id=rng.choice(w["ents"]), category_id=w["cat"],
                             region_code=rng.choice(["330106", "440305", "320505"]), lab_id=w["labs"][0],
                             product_name="基准产品", brand="牌", model="M", lot=f"L{i}", sampled_on=dt.date(2026, 5, 1),
                             samplers=["甲", "乙"], seals=[], failing_items=["项目0"] if fail else [],
                             safety_failure=fail, verdict=v, auto_verdict=v, final_verdict=v,
                             final_on=dt.date(2026, 7, 1) if v else None, report_no=f"B{code}{i:07d}" if v else None,
                             created_at=now, updated_at=now))
        for k in range(0, n, 5000):
            s.execute(insert(Batch.__table__), rows[k:k + 5000])
        if with_items:
            ids = dict(s.execute(select(Batch.sample_no, Batch.id).where(Batch.plan_id == plan.id)).all())
            items = []
            for r in rows:
                bid = ids[r["sample_no"]]
                for p in range(with_items):
                    bad = r["final_verdict"] == "不合格" and p == 0
                    items.append(dict(batch_id=bid, round=0, position=p, name=f"项目{p}", unit="mg/kg", requirement_text="≤0.5",
                                      requirement_kind="max", upper=0.5, value_text="0.8" if bad else "0.2",
                                      value=0.8 if bad else 0.2, verdict="不合格" if bad else "合格", is_safety=p == 0))
                if len(items) >= 20000:
                    s.execute(insert(ItemResult.__table__), items)
                    items = []
            if items:
                s.execute(insert(ItemResult.__table__), items)
        return plan.id


def bench_import(db: Any, w: dict[str, Any], rows: int = 50_000, per_batch: int = 10) -> None:
    from openpyxl import Workbook

    from zhijian.platform.auth import SYSTEM
    from zhijian.spotcheck import service

    n_batches = rows // per_batch
    code = "IMP" + uuid.uuid4().hex[:4]
    _plan_with_batches(db, w, code, n_batches, "received")
    wb = Workbook()  # like a file saved by Excel or WPS: shared strings and a dimension record
    ws = wb.active
    ws.title = "检验结果"
    ws.append(["序号", "抽样单编号", "检验项目", "单位", "标准要求", "检验结果", "单项判定", "检验方法"])
    rng = random.Random(3)
    k = 0
    for b in range(n_batches):
        for p in range(per_batch):
            k += 1
            v = round(rng.uniform(0.01, 0.55), 3)
            ws.append([k, f"{code}-{b + 1:06d}", f"项目{p}", "mg/kg", "≤0.5", v, "合格" if v <= 0.5 else "不合格",
                       "GB 5009.12-2017"])
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    t = time.perf_counter()
    with db.session(SYSTEM) as s:
        out = service.import_results(s, SYSTEM, data, "report.xlsx")
    el = time.perf_counter() - t
    print(f"  import {rows:,}-row Excel ({len(data) / 1e6:.1f} MB, {out['batches']:,} batches): {el:.1f} s "
          f"({rows / el:,.0f} rows/s), {out['failing_items']:,} failing items")


def bench_publish(db: Any, w: dict[str, Any], n: int = 30_000) -> None:
    from zhijian.platform.auth import SYSTEM
    from zhijian.spotcheck import reports, service

    plan_id = _plan_with_batches(db, w, "PUB" + uuid.uuid4().hex[:4], n, "final", with_items=3)
    t = time.perf_counter()
    with db.session(SYSTEM) as s:
        plan = service.publish_plan(s, SYSTEM, plan_id)
        t1 = time.perf_counter()
        nc = service.nonconforming_list(s, plan_id)
        xlsx = reports.plan_xlsx(plan, plan.summary, nc)
        t2 = time.perf_counter()
        pdf = reports.plan_pdf(plan, plan.summary, nc)
        t3 = time.perf_counter()
    st = plan.summary
    print(f"  publish {n:,} batches: statistics {t1 - t:.1f} s ({st['batches_failing']:,} failing, "
          f"{st['nonconformity_rate']}%), Excel {t2 - t1:.1f} s ({len(xlsx) / 1e6:.1f} MB), "
          f"PDF {t3 - t2:.1f} s ({len(pdf) / 1e6:.1f} MB, {len(nc):,} non-conforming rows); total {t3 - t:.1f} s")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--quick", action="store_true", help="a tenth of the sizes")
    a = ap.parse_args()
    f = 10 if a.quick else 1
    bench_judge(1_000_000 // f)
    for backend in a.backends.split(","):
        print(f"[{backend}]")
        try:
            with database(backend) as db:
                w = _world(db)
                bench_import(db, w, rows=50_000 // f)
                bench_publish(db, w, n=30_000 // f)
        except Exception as exc:  # a backend that is not running: say so and go on
            print(f"  skipped: {exc.__class__.__name__}: {str(exc)[:200]}")


if __name__ == "__main__":
    main()
