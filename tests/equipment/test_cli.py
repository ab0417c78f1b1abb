"""`zhijian equipment …` on a real SQLite database; bad input is one line and exit 2."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tests import factories
from tests.equipment.helpers import ELEVATOR_PARAMS, new_code
from zhijian.platform.cli import app

runner = CliRunner()


def test_register_inspect_due_and_overdue(sqlite_db, monkeypatch, tmp_path):
    monkeypatch.setenv("ZHIJIAN_DATABASE_URL", sqlite_db.url)
    with sqlite_db.session() as s:
        ent, lab = factories.enterprise(s), factories.lab(s)
        ent_id, lab_id = ent.id, lab.id
    code = new_code()
    r = runner.invoke(app, ["equipment", "register", code, "--variety", "3110", "--owner", str(ent_id),
                            "--region", "330106", "--last-inspection", "2025-06-01",
                            "--params", json.dumps(ELEVATOR_PARAMS)])
    assert r.exit_code == 0, r.output
    assert "2026-06-01" in r.output
    r = runner.invoke(app, ["equipment", "due", code, "--on", "2026-12-02"])
    assert "已超期" in r.output and "TSG T7001-2023" in r.output
    r = runner.invoke(app, ["equipment", "overdue", "--region", "330106", "--on", "2026-12-02", "--limit", "500"])
    assert code in r.output
    r = runner.invoke(app, ["equipment", "inspect", code, "--report-no", f"CLI-{code}", "--date", "2026-06-10",
                            "--conclusion", "不合格", "--institute", str(lab_id)])
    assert r.exit_code == 0 and "停用" in r.output, r.output
    csv = tmp_path / "reports.csv"
    csv.write_text(f"设备代码,报告编号,检验日期,检验结论\n{code},CLI-{code}-R,2026-06-20,复检合格\n", encoding="utf-8")
    r = runner.invoke(app, ["equipment", "import-reports", str(csv), "--institute", str(lab_id)])
    assert r.exit_code == 0 and "1 份" in r.output, r.output
    r = runner.invoke(app, ["equipment", "due", code, "--on", "2026-12-02"])
    assert "2027-06-20" in r.output and "在有效期内" in r.output, r.output
    r = runner.invoke(app, ["equipment", "import-reports", str(csv), "--institute", str(lab_id)])
    assert r.exit_code == 2 and "equipment.duplicate_report" in r.output
    r = runner.invoke(app, ["equipment", "intervals"])
    assert "TSG 21-2016" in r.output and "TSG Q7015-2016" in r.output
    r = runner.invoke(app, ["equipment", "stats"])
    assert r.exit_code == 0 and "电梯\t330106" in r.output, r.output


def test_bad_input_is_one_line_exit_2(sqlite_db, monkeypatch):
    monkeypatch.setenv("ZHIJIAN_DATABASE_URL", sqlite_db.url)
    with sqlite_db.session() as s:
        ent_id = factories.enterprise(s).id
    for args, code in ((["register", "12345", "--variety", "3110", "--owner", str(ent_id), "--region", "330106"],
                        "equipment.bad_code"),
                       (["register", new_code(), "--variety", "3110", "--owner", str(ent_id), "--region", "330106",
                         "--params", "{"], "validation.invalid"),
                       (["due", "311033000201899999"], "equipment_unit.not_found"),
                       (["status", "311033000201899999", "stopped"], "equipment_unit.not_found")):
        r = runner.invoke(app, ["equipment", *args])
        assert r.exit_code == 2, (args, r.output)
        assert code in r.output and len(r.output.strip().splitlines()) == 1, r.output
