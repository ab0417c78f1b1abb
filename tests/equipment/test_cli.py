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
    assert r.exit_code == 0 and r.output.strip() == "已导入 1 份检验报告", r.output
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


def test_maintenance_incident_labels_giai_remind_and_recompute(sqlite_db, monkeypatch, tmp_path):
    """The new commands: a 15-day visit (条例 第三十一条), an entrapment of 2 h 10 min → 一般事故 (条例 第六十四条),
    the label sheet PDF, the GIAI (AI 8004) with its Digital Link, the reminder run and the recompute."""
    import datetime as dt

    from tests.equipment.helpers import elevator
    from zhijian.equipment import service

    monkeypatch.setenv("ZHIJIAN_DATABASE_URL", sqlite_db.url)
    today = service.today()
    with sqlite_db.session() as s:
        owner, maint = factories.enterprise(s), factories.enterprise(s)
        code = elevator(s, owner.id, last=today - dt.timedelta(days=350), maintainer_id=maint.id).code
        owner_id = owner.id
    r = runner.invoke(app, ["equipment", "maintain", code, "--date", today.isoformat(), "--worker", "王建国",
                            "--cert", "330106198001011234", "--item", "门锁回路检查"])
    assert r.exit_code == 0 and f"下次维保 {today + dt.timedelta(days=15)}" in r.output, r.output
    r = runner.invoke(app, ["equipment", "maintain", code, "--date", today.isoformat(), "--worker", "王建国",
                            "--cert", "x"])
    assert r.exit_code == 2 and "equipment.bad_cert" in r.output
    at = dt.datetime.now(service.CHINA).replace(tzinfo=None, microsecond=0) - dt.timedelta(hours=3)
    r = runner.invoke(app, ["equipment", "incident", code, "--kind", "entrapment", "--occurred", at.isoformat(),
                            "--called", at.isoformat(), "--arrived", (at + dt.timedelta(minutes=25)).isoformat(),
                            "--released", (at + dt.timedelta(minutes=130)).isoformat(), "--trapped", "3"])
    assert r.exit_code == 0 and "一般事故" in r.output and "已迟报" in r.output and "到达 25 分钟（时限 30）" in r.output, r.output
    r = runner.invoke(app, ["equipment", "incidents", "--accidents"])
    assert code in r.output
    out = tmp_path / "labels.pdf"
    r = runner.invoke(app, ["equipment", "labels", str(out), "--owner", str(owner_id)])
    assert r.exit_code == 0 and out.read_bytes().startswith(b"%PDF"), r.output
    r = runner.invoke(app, ["equipment", "giai", code])
    assert r.output.startswith(f"(8004)9520000{code}\thttps://") and f"/equipment/8004/9520000{code}" in r.output
    r = runner.invoke(app, ["equipment", "remind"])
    assert r.exit_code == 0 and "due_soon=" in r.output, r.output
    r = runner.invoke(app, ["equipment", "recompute-due"])
    assert r.exit_code == 0 and "检验周期表 2023.1" in r.output, r.output
    r = runner.invoke(app, ["equipment", "risk-signals"])
    assert r.exit_code == 0 and "accident" in r.output and code in r.output, r.output


def test_contract_termination_and_declined_request_through_the_cli(sqlite_db, monkeypatch):
    """维保合同 解除 → the unit is listed by contract-gaps (TSG T5002-2017 第2.2条); the institute's 退回 with its
    reason (安全法 第四十条: the owner may ask again); a bad termination day is one line, exit 2."""
    import datetime as dt

    from zhijian.equipment import service

    monkeypatch.setenv("ZHIJIAN_DATABASE_URL", sqlite_db.url)
    today = service.today()
    with sqlite_db.session() as s:
        owner, company, lab = factories.enterprise(s), factories.enterprise(s), factories.lab(s)
        owner_id, company_id, lab_id = owner.id, company.id, lab.id
    code = new_code()
    assert runner.invoke(app, ["equipment", "register", code, "--variety", "3110", "--owner", str(owner_id),
                               "--region", "330106", "--last-inspection", (today - dt.timedelta(days=340)).isoformat(),
                               "--params", json.dumps(ELEVATOR_PARAMS)]).exit_code == 0
    r = runner.invoke(app, ["equipment", "licence", "--organization", str(company_id), "--licence-no",
                            f"TS-CLI-{company_id}", "--issued", (today - dt.timedelta(days=10)).isoformat(),
                            "--valid-until", (today + dt.timedelta(days=1000)).isoformat()])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["equipment", "contract", code, "--maintainer", str(company_id), "--starts",
                            (today - dt.timedelta(days=5)).isoformat(), "--ends",
                            (today + dt.timedelta(days=360)).isoformat(), "--contract-no", "WB-CLI-1"])
    assert r.exit_code == 0, r.output
    contract_id = r.output.split()[1]
    r = runner.invoke(app, ["equipment", "terminate", contract_id, "--on", (today + dt.timedelta(days=400)).isoformat(),
                            "--reason", "x"])
    assert r.exit_code == 2 and "equipment.bad_termination" in r.output and len(r.output.strip().splitlines()) == 1
    r = runner.invoke(app, ["equipment", "terminate", contract_id, "--on", today.isoformat(), "--reason", "合同纠纷"])
    assert r.exit_code == 0 and "合同纠纷" in r.output, r.output
    r = runner.invoke(app, ["equipment", "contract-gaps"])
    gap = [line for line in r.output.splitlines() if line.startswith(code)]
    assert gap == [f"{code}\t使用单位 {owner_id}\t330106\t原维保单位 {company_id}\t止于 {today}"], r.output
    r = runner.invoke(app, ["equipment", "request", code, "--owner", str(owner_id), "--institute", str(lab_id)])
    assert r.exit_code == 0, r.output
    request_id = r.output.split()[1]
    r = runner.invoke(app, ["equipment", "decline", request_id, "--institute", str(lab_id), "--reason", "超出核准项目"])
    assert r.exit_code == 0 and "已退回\t超出核准项目" in r.output, r.output
    r = runner.invoke(app, ["equipment", "request", code, "--owner", str(owner_id), "--institute", str(lab_id)])
    assert r.exit_code == 0, r.output  # asked again after the return
