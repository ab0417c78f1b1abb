"""Association benchmarks (issue 20; figures printed, targets checked):

1. generate the randomized papers of 10,000 candidates from a blueprint (target < 30 s);
2. mark 10,000 submitted papers (objective items automatically, short answers queued; target < 30 s);
also the import of 10,000 answer sheets and the item statistics of the exam, for context.

Run: .venv/bin/python bench/bench_association.py [--backends sqlite,postgresql] [--candidates 10000]
PostgreSQL: postgresql+psycopg://postgres@127.0.0.1:5432/test (own schema, dropped at the end).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

PG = os.environ.get("ZHIJIAN_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TOPICS = ("计量基础", "抽样检验", "实验室管理", "产品标准", "法律法规")
TARGET_S = 30.0


@contextmanager
def database(backend: str) -> Iterator[Any]:
    from sqlalchemy import create_engine, text

    from zhijian.platform import migrate
    from zhijian.platform.db import Database
    from zhijian.platform.demo import seed_reference_data

    if backend == "sqlite":
        url = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
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


def _bank(db: Any) -> tuple[str, list[dict[str, Any]]]:
    from zhijian.association.exams import service as ex
    from zhijian.association.exams.schemas import QuestionIn
    from zhijian.platform.auth import SYSTEM

    n = 0
    with db.session() as s:
        for topic in TOPICS:
            for d in (1, 2, 3):
                for i in range(20):
                    n += 1
                    kind = ("single", "multiple", "truefalse")[i % 3]
                    opts = ["甲", "乙", "丙", "丁"] if kind != "truefalse" else []
                    ex.create_question(s, SYSTEM, QuestionIn(
                        bank="bench", code=f"Q{n:04d}", kind=kind, topic=topic, difficulty=d, stem=f"{topic}题{n}",
                        options=opts, answer={"single": "B", "multiple": "AC", "truefalse": "对"}[kind], points=1))
            for i in range(5):
                n += 1
                ex.create_question(s, SYSTEM, QuestionIn(bank="bench", code=f"Q{n:04d}", kind="short", topic=topic,
                                                         difficulty=2, stem=f"简述{topic}{i}", answer="要点", points=5))
    bp = [{"topic": t, "difficulty": d, "count": c, "kind": "objective"} for t in TOPICS for d, c in ((1, 8), (2, 6), (3, 4))]
    bp += [{"topic": TOPICS[0], "difficulty": 2, "kind": "short", "count": 1},
           {"topic": TOPICS[1], "difficulty": 2, "kind": "short", "count": 1}]
    return "bench", bp


def run(backend: str, n: int) -> bool:
    from sqlalchemy import select

    from zhijian.association.exams import service as ex
    from zhijian.association.exams.models import ExamCandidate, ExamQuestion
    from zhijian.association.exams.schemas import CandidateIn, ExamIn
    from zhijian.platform.auth import SYSTEM

    ok = True
    with database(backend) as db:
        bank, bp = _bank(db)
        with db.session() as s:
            e = ex.create_exam(s, SYSTEM, ExamIn(code="BENCH", title="检验员考试", bank=bank, blueprint=bp,
                                                 time_limit_minutes=90, seed=20260915))
            ex.register_many(s, SYSTEM, "BENCH", (CandidateIn(name=f"考生{i}") for i in range(n)))
        t = time.perf_counter()
        with db.session() as s:
            made = ex.generate_papers(s, SYSTEM, "BENCH")
        gen = time.perf_counter() - t
        items = sum(c["count"] for c in bp)
        print(f"[{backend}] papers: {made:,} candidates × {items} items in {gen:.2f} s "
              f"({made / gen:,.0f} papers/s) — target < {TARGET_S:.0f} s: {'OK' if gen < TARGET_S else 'MISSED'}")
        ok &= gen < TARGET_S
        rng = random.Random(1)
        with db.session() as s:
            keys = {q.id: (q.kind, q.answer, q.difficulty) for q in s.scalars(select(ExamQuestion))}
            papers = s.execute(select(ExamCandidate.candidate_no, ExamCandidate.paper).where(
                ExamCandidate.exam_id == e.id)).all()
        sheets: dict[str, dict[str, Any]] = {}
        for no, paper in papers:
            theta = rng.gauss(0.3, 1.0)
            a: dict[str, Any] = {}
            for q in paper:
                kind, key, diff = keys[q]
                right = rng.random() < 1 / (1 + math.exp(-1.7 * (theta - (diff - 2))))
                a[str(q)] = (key if right else ([3] if kind == "single" else [0] if kind == "multiple" else not key)) \
                    if kind != "short" else ("答案要点" if right else "")
            sheets[no] = a
        t = time.perf_counter()
        with db.session() as s:
            ex.import_answer_sheets(s, SYSTEM, "BENCH", sheets)
        imp = time.perf_counter() - t
        print(f"[{backend}] answer sheets imported: {len(sheets):,} in {imp:.2f} s")
        t = time.perf_counter()
        with db.session() as s:
            marked = ex.mark_exam(s, SYSTEM, "BENCH")
        mk = time.perf_counter() - t
        with db.session() as s:
            queued = len(ex.marker_queue(s, SYSTEM, "BENCH", limit=10**6))
        print(f"[{backend}] marking: {marked:,} papers in {mk:.2f} s ({marked / mk:,.0f} papers/s), "
              f"{queued:,} short answers queued for markers — target < {TARGET_S:.0f} s: {'OK' if mk < TARGET_S else 'MISSED'}")
        ok &= mk < TARGET_S
        t = time.perf_counter()
        with db.session() as s:
            ex.close_exam(s, SYSTEM, "BENCH")
            stats = ex.item_statistics(s, SYSTEM, "BENCH")
        print(f"[{backend}] item statistics of {len(stats)} questions over the marked papers in "
              f"{time.perf_counter() - t:.2f} s")
    return ok


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backends", default="sqlite")
    ap.add_argument("--candidates", type=int, default=10_000)
    args = ap.parse_args()
    ok = True
    for backend in args.backends.split(","):
        ok &= run(backend.strip(), args.candidates)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
