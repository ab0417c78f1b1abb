"""`zhijian risk …` through the real command tree: JSON shape of `assess`, exit 2 on bad input, the scan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from zhijian.platform.cli import app

runner = CliRunner()


def test_assess_json_folding_chair(tmp_path: Path) -> None:
    f = tmp_path / "scenarios.json"
    f.write_text(json.dumps({"product": "折叠椅", "scenarios": [
        {"description": "夹伤手指", "consumer": "others", "severity": 1,
         "steps": [{"description": "a", "probability": 1}, {"description": "b", "probability": 0.02},
                   {"description": "c", "probability": 0.1}, {"description": "d", "probability": 1}]},
        {"description": "坍塌摔伤", "consumer": "vulnerable", "severity": 2,
         "steps": [{"description": "a", "probability": 0.001}, {"description": "b", "probability": 0.5}]}]},
        ensure_ascii=False), encoding="utf-8")
    r = runner.invoke(app, ["risk", "assess", "--input", str(f), "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert [(s["probability"], s["risk_level"]) for s in out["scenarios"]] == [(0.002, "low"), (0.0005, "medium")]
    assert out["risk_level"] == "medium"


@pytest.mark.parametrize(("content", "code"), [
    ('{"product": "x", "scenarios": [{"severity": 5, "steps": [{"probability": 0.1}]}]}', "risk.bad_severity"),
    ('{"product": "x", "scenarios": [{"severity": 1, "consumer": "adult", "steps": [{"probability": 0.1}]}]}',
     "risk.bad_consumer"),
    ("{not json", "risk.bad_input"),
])
def test_assess_bad_input_exits_2_with_one_line(tmp_path: Path, content: str, code: str) -> None:
    f = tmp_path / "bad.json"
    f.write_text(content, encoding="utf-8")
    r = runner.invoke(app, ["risk", "assess", "--input", str(f), "--json"])
    assert r.exit_code == 2
    assert code in r.output and len(r.output.strip().splitlines()) == 1


def test_assess_missing_file_exits_2(tmp_path: Path) -> None:
    r = runner.invoke(app, ["risk", "assess", "--input", str(tmp_path / "nope.json")])
    assert r.exit_code == 2 and "file.not_found" in r.output


def test_scan_command_reads_the_rooms(sqlite_db, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHIJIAN_DATABASE_URL", sqlite_db.url)
    r = runner.invoke(app, ["risk", "scan", "--as-of", "2026-11-16", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["scan_id"] >= 1 and set(data["timings"]) >= {"read_results", "rates", "counts"}
    bad = runner.invoke(app, ["risk", "scan", "--as-of", "16/11/2026"])
    assert bad.exit_code == 2 and "risk.bad_date" in bad.output
    # found by schemathesis: year 1 failed deep in the scan ("year -2 is out of range"), a traceback on the CLI
    for day in ("0001-01-01", "2999-01-01"):
        bad = runner.invoke(app, ["risk", "scan", "--as-of", day])
        assert bad.exit_code == 2 and "risk.bad_as_of" in bad.output and day in bad.output
        assert len(bad.output.strip().splitlines()) == 1


def test_performance_json_is_the_api_answer(sqlite_db, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """`zhijian risk performance --json` prints the PPV rows the API answers (one model, risk.schemas)."""
    from tests import factories
    from zhijian.risk.models import Signal

    monkeypatch.setenv("ZHIJIAN_DATABASE_URL", sqlite_db.url)
    method = f"m{factories.uid()}"  # a method of its own: the database is shared by the run
    with sqlite_db.session() as s:
        for status in ("confirmed", "confirmed", "false_alarm", "open"):
            s.add(Signal(fingerprint=f"{method}|{factories.uid()}|2026-03", kind="rate", method=method,
                         series_key=f"cat:{factories.uid()}", period="2026-03", observed=0.3, status=status))
    r = runner.invoke(app, ["risk", "performance", "--json"])
    assert r.exit_code == 0, r.output
    row = next(x for x in json.loads(r.stdout) if x["method"] == method)
    assert row == {"method": method, "method_zh": method, "signals": 4, "open": 1, "confirmed": 2,
                   "false_alarm": 1, "ppv": 2 / 3}
