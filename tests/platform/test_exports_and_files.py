"""Exports escape formulas the same way from the CLI and the web (one function), and generated files appear whole
or not at all (platform.files): a `kill -9` during `zhijian codes issue --out x.zip` leaves nothing at x.zip."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from tests import factories
from zhijian.platform import files
from zhijian.platform.auth import SYSTEM
from zhijian.platform.cli import app as cli_app
from zhijian.platform.db import get_database

EVIL = '=HYPERLINK("http://evil.example/x","点此领奖")'


@pytest.fixture
def cli_db(sqlite_db, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ZHIJIAN_DATABASE_URL", sqlite_db.url)
    get_database.cache_clear()
    yield sqlite_db
    get_database.cache_clear()


def test_cli_product_export_escapes_formulas_in_xlsx_and_csv(cli_db, tmp_path):
    """Issue #12: `zhijian products export` wrote =HYPERLINK(...) as a live formula (.xlsx) and raw (.csv)."""
    with cli_db.session(SYSTEM) as s:
        p = factories.product(s, name=EVIL, brand="+86 138", model="@cmd")
        q = p.model
    r = CliRunner().invoke(cli_app, ["products", "export", "--out", str(tmp_path / "p.xlsx"), "--q", "点此领奖"])
    assert r.exit_code == 0, r.output
    ws = load_workbook(tmp_path / "p.xlsx").active
    row = [c for c in ws[5]]  # below the title block and the header (platform.exports)
    assert row[0].data_type == "s" and row[0].value == "'" + EVIL  # text, not a formula
    assert (row[1].value, row[2].value) == ("'+86 138", "'" + q)
    r = CliRunner().invoke(cli_app, ["products", "export", "--out", str(tmp_path / "p.csv"), "--q", "点此领奖"])
    assert r.exit_code == 0, r.output
    with open(tmp_path / "p.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[1][:3] == ["'" + EVIL, "'+86 138", "'" + q]


def test_web_export_escapes_with_the_same_function(client, db, login):
    with db.session(SYSTEM) as s:
        factories.product(s, name=EVIL + "网页")
    headers = login("admin")
    r = client.get("/console/products", params={"q": "点此领奖", "format": "xlsx"}, headers=headers)
    if r.status_code in (302, 303, 401, 403):  # console pages use the session cookie
        token = headers["Authorization"].split()[1]
        client.cookies.set("zhijian_session", token)
        r = client.get("/console/products", params={"q": "点此领奖", "format": "xlsx"})
    assert r.status_code == 200 and r.headers["content-type"].endswith("spreadsheetml.sheet"), r.text[:300]
    import io

    ws = load_workbook(io.BytesIO(r.content)).active
    names = [row[1] for row in ws.iter_rows(min_row=5, values_only=True)]
    assert "'" + EVIL + "网页" in names and EVIL + "网页" not in names


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.bin"
    with pytest.raises(RuntimeError), files.atomic_write(target) as fh:
        fh.write(b"half")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
    files.write_bytes(target, b"whole")
    assert target.read_bytes() == b"whole" and [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_kill_9_during_code_issuance_leaves_no_file_at_the_final_path(cli_db, tmp_path):
    """Issue #12: kill -9 during `zhijian codes issue --out x.zip` left a corrupt zip at the final path."""
    from zhijian.trace.models import Code

    with cli_db.session(SYSTEM) as s:
        p = factories.product(s, gtin=factories.new_gtin())
        pid, gtin = p.id, p.gtin.zfill(14)
    out = tmp_path / "x.zip"
    env = dict(os.environ, ZHIJIAN_DATABASE_URL=cli_db.url)
    proc = subprocess.Popen([str(Path(sys.executable).parent / "zhijian"), "codes", "issue", "--product", str(pid),
                             "--lot", "K9", "--quantity", "2000000", "--out", str(out), "--no-progress"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    partial = None
    while time.monotonic() < deadline and proc.poll() is None:  # wait until it is writing
        parts = [f for f in tmp_path.iterdir() if f.name.endswith(files.PART_SUFFIX)]
        if parts and parts[0].stat().st_size > 200_000:
            partial = parts[0]
            break
        time.sleep(0.05)
    assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
    assert partial is not None and partial.name.startswith(".x.zip.")
    assert not out.exists()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    assert not out.exists()  # nothing — corrupt or not — at the final path
    assert [f.name for f in tmp_path.iterdir() if not f.name.startswith(".")] == []
    assert files.sweep_partials(tmp_path, "x.zip") == 1 and list(tmp_path.iterdir()) == []
    with cli_db.session(SYSTEM) as s:  # and the database holds none of the codes either
        assert s.scalar(select(func.count()).select_from(Code).where(Code.gtin == gtin, Code.lot == "K9")) == 0


def test_code_files_appear_whole(cli_db, tmp_path):
    with cli_db.session(SYSTEM) as s:
        pid = factories.product(s, gtin=factories.new_gtin()).id
    for name in ("c.zip", "c.csv", "c.pdf"):
        r = CliRunner().invoke(cli_app, ["codes", "issue", "--product", str(pid), "--lot", f"W{name[2]}",
                                         "--quantity", "50", "--out", str(tmp_path / name), "--no-progress"])
        assert r.exit_code == 0, r.output
    assert sorted(p.name for p in Path(tmp_path).iterdir()) == ["c.csv", "c.pdf", "c.zip"]
    assert (tmp_path / "c.pdf").read_bytes()[:5] == b"%PDF-"
