"""Which pages of a room still show text of the other script — the crawl test's language check, run by hand.

    .venv/bin/python scripts/one_language.py                      # every room, every role, both languages
    .venv/bin/python scripts/one_language.py --room risk --lang en
    .venv/bin/python scripts/one_language.py --rebuild            # demo data changed: build the database again

Builds the demo database once (`zhijian db upgrade` + `zhijian demo`, as `make demo` does) into
var/one-language/demo.sqlite3 and crawls a copy of it as each demo user, exactly as tests/web/test_crawl.py does
(same crawler, same allow-list, same pages per shape). Templates and code are read live, so after a template
change a re-run shows the effect at once. Prints `[room] role lang page → texts` and a count per room.
"""

from __future__ import annotations

import argparse
import dataclasses
import fcntl
import os
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.web.test_crawl import PER_SHAPE, ROLES  # noqa: E402  (the test's roles and pages per shape)


def _build(path: Path, var: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    env = {**os.environ, "ZHIJIAN_DATABASE_URL": f"sqlite:///{path}", "ZHIJIAN_VAR_DIR": str(var)}
    env.pop("ZHIJIAN_REDIS_URL", None)
    exe = str(Path(sys.executable).with_name("zhijian"))
    for cmd in (["db", "upgrade"], ["demo"]):
        subprocess.run([exe, *cmd], env=env, check=True, capture_output=True)
    with sqlite3.connect(path) as conn:  # everything in the main file: the crawl copies only that
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--room", action="append", help="only this room (repeatable)")
    ap.add_argument("--lang", choices=["zh-CN", "en"], action="append")
    ap.add_argument("--role", action="append", choices=ROLES)
    ap.add_argument("--rebuild", action="store_true")
    args = ap.parse_args()
    base = ROOT / "var" / "one-language"
    var = base / "var"
    os.environ["ZHIJIAN_VAR_DIR"] = str(var)
    demo = base / "demo.sqlite3"
    base.mkdir(parents=True, exist_ok=True)
    work = base / f"crawl-{os.getpid()}.sqlite3"  # several runs at once each crawl their own copy
    with open(base / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if args.rebuild or not demo.exists():
            print("building the demo database …", file=sys.stderr)
            _build(demo, var)
        shutil.copyfile(demo, work)

    from fastapi.testclient import TestClient

    from tests.web.crawl import _allowed, crawl, login
    from zhijian.platform.app import create_app
    from zhijian.platform.config import get_settings
    from zhijian.platform.db import Database

    db = Database(f"sqlite:///{work}")
    settings = dataclasses.replace(get_settings(), public_rate_limit=0, secret_key="one-language")
    app, allowed = create_app(db, settings), _allowed(db)
    per_room: Counter[str] = Counter()
    for lang in args.lang or ["zh-CN", "en"]:
        for username in args.role or ROLES:
            with TestClient(app) as client:
                client.cookies.set("zj_lang", lang)
                starts = ["/"]
                if username != "public":
                    login(client, username)
                    starts = ["/console", "/"]
                found = crawl(app, client, starts, "en" if lang == "en" else "zh_CN", allowed,
                              per_shape=PER_SHAPE[lang])
            for room, pages in sorted(found.mixed.items()):
                if args.room and room not in args.room:
                    continue
                for page, texts in sorted(pages.items()):
                    per_room[room] += 1
                    print(f"[{room}] {username} {lang} {page} → {texts[:8]}")
            for page, (code, detail) in sorted(found.bad.items()):
                print(f"[bad link] {username} {lang} {page} → {code} {detail[:160]}")
    db.dispose()
    for leftover in base.glob(f"{work.name}*"):
        leftover.unlink()
    print("pages with mixed text per room:", dict(per_room.most_common()) or "none", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
