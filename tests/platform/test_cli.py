"""The `zhijian` command on a real database file: migrations, demo, users, audit, errors (exit 2)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.web.conftest import _demo_database
from zhijian.platform.cli import app
from zhijian.platform.db import get_database


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("ZHIJIAN_DATABASE_URL", url)
    get_database.cache_clear()
    yield url
    get_database.cache_clear()


def _row_counts(url: str) -> dict[str, int]:
    """Rows per table of the CLI's database (what a repeated demo must leave unchanged)."""
    from sqlalchemy import func, inspect, select, table

    from zhijian.platform.db import Database

    db = Database(url)
    try:
        names = [n for n in inspect(db.engine).get_table_names()
                 if not n.startswith(("audit", "job", "search", "alembic"))]
        with db.session(write=False) as s:
            return {n: s.scalar(select(func.count()).select_from(table(n))) or 0 for n in names}
    finally:
        db.dispose()


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_upgrade_demo_is_idempotent_user_and_audit(cli_env, tmp_path_factory):
    # the run's demo database: `zhijian db upgrade` + `zhijian demo` on an empty file, once per run
    # (tests/web/conftest.py), with the commands' output beside it
    built = _demo_database(tmp_path_factory)
    r1 = (built.parent / "browser-demo.log").read_text(encoding="utf-8")
    assert "56 enterprises" in r1 and "320 products" in r1 and "45 standards" in r1
    shutil.copyfile(built, cli_env.removeprefix("sqlite:///"))
    assert run("db", "upgrade").exit_code == 0  # already at head: nothing to do
    counts = _row_counts(cli_env)
    r2 = run("demo")  # a second run adds nothing: every room's demo is idempotent
    assert r2.exit_code == 0 and "320 products" in r2.output
    assert _row_counts(cli_env) == counts
    r = run("user", "add", "--username", "lab_zhang", "--password", "a-long-password", "--role", "inspector",
            "--organization", "浙江省产品质量安全科学研究院")
    assert r.exit_code == 0, r.output
    r = run("audit", "verify", "--json")
    assert r.exit_code == 0 and '"ok": true' in r.output


def test_bad_input_is_one_line_exit_2(cli_env):
    assert run("db", "upgrade").exit_code == 0
    cases = [
        ("user", "add", "--username", "x1", "--password", "short", "--role", "admin"),
        ("user", "add", "--username", "x2", "--password", "long-enough-1", "--role", "emperor"),
        ("user", "add", "--username", "x3", "--password", "long-enough-1", "--role", "enterprise",
         "--organization", "不存在的公司"),
    ]
    for args in cases:
        r = run(*args)
        assert r.exit_code == 2, r.output
        lines = [ln for ln in r.output.strip().splitlines() if ln]
        assert len(lines) == 1 and lines[0].startswith("错误 ") and "Traceback" not in r.output


def test_console_script_really_runs(cli_env, tmp_path):
    exe = Path(sys.executable).with_name("zhijian")
    env = {**os.environ, "ZHIJIAN_DATABASE_URL": cli_env}
    out = subprocess.run([str(exe), "db", "upgrade"], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    out = subprocess.run([str(exe), "user", "add", "--username", "u", "--password", "p", "--role", "admin"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
