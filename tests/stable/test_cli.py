"""`zhijian stable …` on a real SQLite database: JSON and human output, one-line errors with exit 2."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tests import factories
from zhijian.platform.cli import app

runner = CliRunner()


def test_evaluate_json_and_text(sqlite_db, monkeypatch):
    monkeypatch.setenv("ZHIJIAN_DATABASE_URL", sqlite_db.url)
    with sqlite_db.session() as s:
        product = factories.product(s, factories.enterprise(s), gtin=factories.new_gtin())
        pid, gtin = product.id, product.gtin
    r = runner.invoke(app, ["stable", "evaluate", "--product", str(pid), "--as-of", "2026-06-30", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["product_id"] == pid and data["ruleset_version"] == 1 and data["outcome"] == "ineligible"
    assert {c["kind"]: c["status"] for c in data["criteria"]}["credit_class"] == "unknown"
    r = runner.invoke(app, ["stable", "evaluate", "--product", gtin])
    assert r.exit_code == 0, r.output
    assert f"产品 {pid}" in r.output and "? 未知" in r.output and "✘ 不符合" in r.output


def test_bad_input_is_one_line_exit_2(sqlite_db, monkeypatch):
    monkeypatch.setenv("ZHIJIAN_DATABASE_URL", sqlite_db.url)
    with sqlite_db.session() as s:
        pid = str(factories.product(s).id)
    for args, code in ((["--product", "abc"], "validation.invalid"), (["--product", "99999999"], "product.not_found"),
                       (["--product", pid, "--as-of", "2026-02-30"], "validation.invalid"),
                       (["--product", pid, "--as-of", "2020-01-01"], "stable.no_ruleset")):
        r = runner.invoke(app, ["stable", "evaluate", *args])
        assert r.exit_code == 2, (args, r.output)
        assert code in r.output and len(r.output.strip().splitlines()) == 1


def test_verify_prints_the_api_answer(db, crew, monkeypatch):
    """`zhijian stable verify` shows the one verification answer (VerificationOut) the API returns."""
    from tests.stable.helpers import approved
    from zhijian.stable import service

    monkeypatch.setenv("ZHIJIAN_DATABASE_URL", db.url)
    with db.session() as s:
        p = crew.people(s)
        _app, listing = approved(s, p)
        service.publish_announcement(s, p.reviewer, listing.announcement_id)
        cert, product = listing.certificate_no, listing.product_name
    r = runner.invoke(app, ["stable", "verify", cert, "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["certificate_no"] == cert and data["state"] == "valid" and data["product"] == product
    assert data["revoked_at"] is None and data["valid_until"] > data["valid_from"]
    r = runner.invoke(app, ["stable", "verify", cert])
    assert r.exit_code == 0 and r.output.strip().startswith(f"{cert}  有效  列入")
    r = runner.invoke(app, ["stable", "verify", "WDHG-0000-NOPE"])
    assert r.exit_code == 2 and "certificate.not_found" in r.output
