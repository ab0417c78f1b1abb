"""The consumer CLI (one-line errors, exit 2) and pages (public complaint form with CSRF, tracking, console)."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from zhijian.platform.cli import app as cli_app
from zhijian.platform.db import get_database


@pytest.fixture
def cli_db(sqlite_db, monkeypatch):
    monkeypatch.setenv("ZHIJIAN_DATABASE_URL", sqlite_db.url)
    get_database.cache_clear()
    yield sqlite_db
    get_database.cache_clear()


def run(*args: str):
    return CliRunner().invoke(cli_app, list(args))


def test_cli_deadline_and_bad_input(cli_db, tmp_path):
    r = run("complaints", "deadline", "2025-09-28", "7", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["due_on"] == "2025-10-14"
    r = run("complaints", "deadline", "2025-09-3x", "7")
    assert r.exit_code == 2 and "cli.bad_date" in r.output
    r = run("complaints", "deadline", "--", "2025-09-30", "-1")
    assert r.exit_code == 2 and "consumer.bad_days" in r.output
    bad = tmp_path / "certs.csv"
    bad.write_text("编号,类型\n123,CCC\n", encoding="utf-8")
    r = run("certificates", "import", str(bad))
    assert r.exit_code == 2 and "import.missing_column" in r.output and len(r.output.strip().splitlines()) == 1
    txt = tmp_path / "certs.txt"
    txt.write_text("x", encoding="utf-8")
    assert run("certificates", "import", str(txt)).exit_code == 2
    assert run("certificates", "import", str(tmp_path / "missing.csv")).exit_code == 2
    r = run("credit", "recompute", "--enterprise", "999999999")
    assert r.exit_code == 2 and "enterprise.not_found" in r.output
    r = run("credit", "recompute", "--as-of", "yesterday")
    assert r.exit_code == 2


def test_cli_import_recompute_overdue(cli_db, tmp_path):
    from tests import factories
    from zhijian.platform.auth import SYSTEM

    with cli_db.session(SYSTEM) as s:
        ent = factories.enterprise(s)
        name, ent_id = ent.name, ent.id
    f = tmp_path / "ok.csv"
    number = f"CQC{factories._rng.randrange(10**9, 10**10)}"
    f.write_text(f"number,kind,holder_name,body_name,valid_until\n{number},CQC,{name},中国质量认证中心,2030-01-01\n",
                 encoding="utf-8")
    r = run("certificates", "import", str(f), "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == {"rows": 1, "created": 1, "updated": 0}
    r = run("certificates", "verify", number)
    assert r.exit_code == 1 and "body_not_accredited" in r.output  # the body is not registered in this database
    r = run("credit", "recompute", "--enterprise", str(ent_id), "--json")
    assert r.exit_code == 0 and json.loads(r.output)[0]["credit_class"] == "A"
    r = run("credit", "recompute")
    assert r.exit_code == 0 and "enterprises scored" in r.output, r.output
    r = run("credit", "show", str(ent_id))
    assert r.exit_code == 0 and "基础分" in r.output
    r = run("complaints", "overdue", "--json")
    assert r.exit_code == 0 and isinstance(json.loads(r.output), list)


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert m
    return m.group(1)


def test_public_complaint_form_and_tracking(client, db):
    from tests import factories

    with db.session() as s:
        ent_name = factories.enterprise(s).name
    page = client.get("/complaints/new")
    assert page.status_code == 200 and "投诉举报" in page.text
    token = _csrf(page.text)
    form = {"kind": "complaint", "complainant_name": "赵磊", "complainant_phone": "13700003333",
            "complainant_address": "南京市玄武区", "respondent_name": ent_name, "facts": "插座外壳发热变形",
            "requests": "replacement"}
    assert client.post("/complaints/new", data=form).status_code == 403  # no CSRF token
    bad = client.post("/complaints/new", data={**form, "csrf_token": token, "complainant_address": ""})
    assert bad.status_code == 422 and "地址" in bad.text
    ok = client.post("/complaints/new", data={**form, "csrf_token": token},
                     files={"evidence": ("发票.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image/png")})
    assert ok.status_code == 200, ok.text
    no = re.search(r"(TS\d{14})", ok.text).group(1)
    code = re.search(r"<dt>查询码</dt><dd>([0-9A-Z]{6})</dd>", ok.text).group(1)
    track = client.post("/complaints/track", data={"tracking_no": no, "check_code": code, "csrf_token": token})
    assert track.status_code == 200 and "已登记" in track.text and "13700003333" not in track.text
    assert "提交证据：发票.png" in track.text
    wrong = client.post("/complaints/track", data={"tracking_no": no, "check_code": "AAAAAA", "csrf_token": token})
    assert wrong.status_code == 404


def test_console_and_public_pages_render(client, db, login, staff):
    from tests import factories

    reg = staff("regulator")
    for url in ("/console/complaints", "/console/complaints?overdue=1", "/console/credit", "/console/certificates",
                "/console/declarations", "/console/comparative"):
        r = client.get(url, headers=reg)
        assert r.status_code == 200, (url, r.text[:300])
    for url in ("/certificates/verify?number=2024010700000001", "/standards/declarations", "/comparative",
                "/complaints/track"):
        assert client.get(url).status_code == 200, url
    assert client.get("/console/credit", follow_redirects=False).status_code == 303  # login first
    with db.session() as s:
        target = factories.enterprise(s)
    token = _csrf(client.get(f"/console/credit/{target.id}", headers=reg).text)
    r = client.post(f"/console/credit/{target.id}/penalties", headers=reg, follow_redirects=False, data={
        "csrf_token": token, "decision_no": f"杭市监罚〔2026〕{factories.uid()}号", "decided_on": "2026-01-05",
        "severity": "serious", "reason": "伪造认证标志", "amount": "150000"})
    assert r.status_code == 303 and "error" not in r.headers["location"]
    assert "伪造认证标志" in client.get(f"/console/credit/{target.id}", headers=reg).text
    with db.session() as s:
        ent = factories.enterprise(s)
    own = login("enterprise", ent)
    assert client.get("/console/certificates", headers=own).status_code == 403
    assert client.get("/console/credit", headers=own, follow_redirects=False).headers["location"] == \
        f"/console/credit/{ent.id}"
