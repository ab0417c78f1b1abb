"""`zhijian association …` on a real SQLite database: a PT round and an exam from the command line; bad input is
one line and exit 2."""

from __future__ import annotations

import datetime as dt
import json

from typer.testing import CliRunner

from tests import factories
from tests.association.helpers import ITEMS
from tests.stats.published_data import CREOSOTE
from zhijian.platform.cli import app

runner = CliRunner()


def _ok(args: list[str]) -> str:
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    return r.output


def test_pt_round_from_the_command_line(sqlite_db, monkeypatch, tmp_path):
    monkeypatch.setenv("ZHIJIAN_DATABASE_URL", sqlite_db.url)
    with sqlite_db.session() as s:
        labs = [factories.lab(s).id for _ in CREOSOTE]
    u = factories.uid()
    _ok(["association", "pt", "scheme", f"S{u}", "--name", "杂酚油"])
    out = _ok(["association", "pt", "round", f"R{u}", "--scheme", f"S{u}", "--year", "2026", "--measurand", "杂酚油"])
    assert out == f"R{u}\t报名中\n"
    out = _ok(["association", "pt", "enrol", f"R{u}", *sum((["--lab", str(x)] for x in labs), [])])
    assert "P009" in out
    items = tmp_path / "h.txt"
    items.write_text("\n".join(f"{a} {b}" for a, b in ITEMS), encoding="utf-8")
    r = runner.invoke(app, ["association", "pt", "dispatch", f"R{u}"])
    assert r.exit_code == 2 and "association.pt.no_homogeneity" in r.output and len(r.output.strip().splitlines()) == 1
    assert "均匀" in _ok(["association", "pt", "homogeneity", f"R{u}", str(items), "--sigma", "0.015"])
    code, status, on = _ok(["association", "pt", "dispatch", f"R{u}"]).rstrip("\n").split("\t")
    assert (code, status) == (f"R{u}", "已发样") and dt.date.fromisoformat(on)
    csv = tmp_path / "results.csv"
    csv.write_text("参加者编号,结果\n" + "\n".join(f"P{i + 1:03d},{v}" for i, v in enumerate(CREOSOTE)), encoding="utf-8")
    assert "已导入 9" in _ok(["association", "pt", "import-results", f"R{u}", str(csv)])
    out = _ok(["association", "pt", "score", f"R{u}"])
    assert "x_pt = 20.4" in out and "p = 9" in out
    pdf = tmp_path / "r.pdf"
    _ok(["association", "pt", "report", f"R{u}", str(pdf)])
    assert pdf.read_bytes().startswith(b"%PDF")
    _ok(["association", "pt", "report", f"R{u}", str(tmp_path / "p.pdf"), "--participant", "P003"])
    assert f"R{u}" in _ok(["association", "pt", "history", str(labs[0])])
    assert _ok(["association", "pt", "close", f"R{u}"]) == f"R{u}\t已结束\n"


def test_exam_from_the_command_line(sqlite_db, monkeypatch, tmp_path):
    monkeypatch.setenv("ZHIJIAN_DATABASE_URL", sqlite_db.url)
    bank = f"CLI{factories.uid()}"
    rows = ["题库,题号,题型,知识点,难度,题干,选项A,选项B,选项C,答案,分值"]
    for i in range(12):
        kind, ans = (("单选题", "A"), ("判断题", "对"), ("多选题", "AB"))[i % 3]
        opts = "甲,乙,丙" if kind != "判断题" else ",,"
        rows.append(f"{bank},{i + 1},{kind},计量,易,第{i + 1}题,{opts},{ans},1")
    q = tmp_path / "q.csv"
    q.write_text("\n".join(rows), encoding="utf-8")
    assert "已导入 12" in _ok(["association", "exam", "import-questions", str(q)])
    code = f"X{factories.uid()}"
    bp = json.dumps([{"topic": "计量", "difficulty": 1, "count": 10}])
    assert "seed=7" in _ok(["association", "exam", "create", code, "--title", "计量考试", "--bank", bank,
                            "--blueprint", bp, "--seed", "7"])
    r = runner.invoke(app, ["association", "exam", "create", code + "b", "--title", "x", "--bank", bank,
                            "--blueprint", json.dumps([{"topic": "计量", "difficulty": 1, "count": 13}])])
    assert r.exit_code == 2 and "association.exam.bank_too_small" in r.output
    people = tmp_path / "p.csv"
    people.write_text("姓名,证件号码\n张三,330106199001011234\n李四,330106199202021234\n", encoding="utf-8")
    assert "已报名 2" in _ok(["association", "exam", "register", code, str(people)])
    assert "已组卷 2" in _ok(["association", "exam", "papers", code])
    assert "自动交卷 0" in _ok(["association", "exam", "close", code])


def test_experts_bills_and_statistics_from_the_command_line(sqlite_db, monkeypatch, tmp_path):
    """The expert roster, a dues bill (PDF) and the anonymised complaint statistics by CLI; bad input: one line,
    exit 2."""
    import datetime as dt

    from zhijian.association.members import service as mem
    from zhijian.association.members.schemas import ApplicationIn, DecisionIn
    from zhijian.platform.auth import SYSTEM, Actor

    monkeypatch.setenv("ZHIJIAN_DATABASE_URL", sqlite_db.url)
    with sqlite_db.session() as s:
        lab = factories.lab(s)
        u = factories.user(s, "inspector", lab)
        username = u.username
        m = mem.apply(s, Actor(u.id, u.username, "inspector", lab.id), ApplicationIn(kind="unit"),
                      on=dt.date(2026, 1, 5))
        mem.decide(s, SYSTEM, m.id, DecisionIn(approve=True), on=dt.date(2026, 1, 10))
        dues_id = mem.dues_of(s, SYSTEM, m.id)[0].id
    out = _ok(["association", "expert", "add", username, "--name", "钱专家", "--committee", "assessment"])
    assert "钱专家" in out and "评价专家库" in out and lab.name in out
    assert "钱专家" in _ok(["association", "expert", "list"])
    r = runner.invoke(app, ["association", "expert", "add", username, "--name", "again"])
    assert r.exit_code == 2 and "association.expert.exists" in r.output and len(r.output.strip().splitlines()) == 1
    pdf = tmp_path / "bill.pdf"
    _ok(["association", "member", "bill", str(dues_id), str(pdf)])
    assert pdf.read_bytes().startswith(b"%PDF")
    assert "投诉" in _ok(["association", "campaign", "complaints"])
    r = runner.invoke(app, ["association", "campaign", "complaints", "--start", "2026-02-30"])
    assert r.exit_code == 2 and len(r.output.strip().splitlines()) == 1
