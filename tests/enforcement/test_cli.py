"""`zhijian enforcement …` on a real SQLite database: the catalogue with sources, a case from 立案 to 公示, a PDF
written atomically, a joint operation of two provinces; bad input is one line and exit 2."""

from __future__ import annotations

from typer.testing import CliRunner

from tests import factories
from zhijian.platform.cli import app

runner = CliRunner()


def _ok(args: list[str]) -> str:
    r = runner.invoke(app, ["enforcement", *args])
    assert r.exit_code == 0, r.output
    return r.output


def test_catalogue_and_compute():
    out = _ok(["penalties"])
    assert "PQL-49\t《中华人民共和国产品质量法》第四十九条" in out and "已核对" in out and "待核对" in out
    out = _ok(["compute", "FSL-124", "--goods-value", "8000"])
    assert "法定 50000–100000 元" in out and "第一百二十四条" in out


def test_case_from_filing_to_publication(sqlite_db, monkeypatch, tmp_path):
    monkeypatch.setenv("ZHIJIAN_DATABASE_URL", sqlite_db.url)
    with sqlite_db.session() as s:
        org = factories.regulator(s, "municipal", "330100")
        org.name = f"杭州市市场监督管理局{factories.uid()}"
        ent = factories.enterprise(s, region="330106")
        organ, party = org.id, ent.id
    certs = [f"3301{factories.uid()[-8:]}{i}".upper() for i in range(2)]
    for i, c in enumerate(certs):
        _ok(["officer-add", "--organ", str(organ), "--name", f"执法员{i}", "--cert", c])
    officers = ",".join(certs)
    out = _ok(["file", "--organ", str(organ), "--approver", "局长", "--officers", officers, "--party", str(party),
               "--title", "销售不合格电热毯案", "--on", "2026-03-02"])
    case_id, case_no = out.split("\t")[:2]
    assert case_no.startswith("杭市监立〔2026〕") and "办案期限 2026-06-01" in out
    _ok(["review", case_id, "--violation", "PQL-49", "--fine", "30000", "--goods-value", "20000", "--officers", officers])
    assert "陈述申辩期限 2026-03-27" in _ok(["notify", case_id, "--served", "2026-03-20", "--officers", officers])
    r = runner.invoke(app, ["enforcement", "decide", case_id, "--fine", "30000", "--approver", "局长", "--officers",
                            officers, "--on", "2026-03-25"])
    assert r.exit_code == 2 and "enforcement.decision_too_early" in r.output and len(r.output.strip().splitlines()) == 1
    out = _ok(["decide", case_id, "--fine", "30000", "--approver", "局长", "--officers", officers, "--on", "2026-03-30"])
    assert "罚〔2026〕" in out and "公示期限 2026-04-28" in out
    assert "缴款期限 2026-04-15" in _ok(["serve", case_id, "--served", "2026-03-31", "--officers", officers])
    _ok(["pay", case_id, "--paid", "2026-04-10", "--amount", "30000"])
    _ok(["close", case_id, "--officers", officers, "--on", "2026-04-10"])
    assert "按期" in _ok(["publish", case_id, "--on", "2026-04-13"])
    out = _ok(["show", case_id])
    assert out.count("✗") == 1 and "✗ 证据材料\t0 件" in out and "✓ 每一环节两名执法人员" in out  # no evidence recorded
    pdf = tmp_path / "decision.pdf"
    _ok(["pdf", case_id, "decision", str(pdf), "--public"])
    assert pdf.read_bytes().startswith(b"%PDF") and not list(tmp_path.glob(".*.part"))
    out = _ok(["stats", "--out", str(tmp_path / "stats.xlsx")])
    assert (tmp_path / "stats.xlsx").read_bytes()[:2] == b"PK"


def test_joint_operation_of_two_provinces(sqlite_db, monkeypatch):
    monkeypatch.setenv("ZHIJIAN_DATABASE_URL", sqlite_db.url)
    with sqlite_db.session() as s:
        hz, gz = factories.regulator(s, "municipal", "330100"), factories.regulator(s, "municipal", "440100")
        hz.name, gz.name = f"杭州市市场监督管理局{factories.uid()}", f"广州市市场监督管理局{factories.uid()}"
        e1, e2 = factories.enterprise(s, region="330106"), factories.enterprise(s, region="440106")
        ids = hz.id, gz.id, e1.id, e2.id
    cases = []
    for organ, party, prefix in ((ids[0], ids[2], "3301"), (ids[1], ids[3], "4401")):
        certs = [f"{prefix}{factories.uid()[-8:]}{i}".upper() for i in range(2)]
        for c in certs:
            _ok(["officer-add", "--organ", str(organ), "--name", "执法员", "--cert", c])
        out = _ok(["file", "--organ", str(organ), "--approver", "局长", "--officers", ",".join(certs), "--party",
                   str(party), "--title", "销售假冒电热毯", "--on", "2026-11-03"])
        cases.append(out.split("\t")[0])
    op = _ok(["operation-create", "清源行动", "--organ", str(ids[0]), "--member", str(ids[1]), "--gtin",
              "06901234567892"]).split("\t")[0]
    for c in cases:
        _ok(["operation-join", op, c])
    out = _ok(["operation-show", op])
    assert "330100\t案件 1" in out and "440100\t案件 1" in out and "专项行动启动" in out
    out = _ok(["assist", "--organ", str(ids[0]), "--to", str(ids[1]), "--subject", "白云区某仓库", "--question", "核实库存",
               "--case", cases[0], "--share", "party_name"])
    assert "协〔" in out
    r = runner.invoke(app, ["enforcement", "operation-create", "x", "--organ", str(ids[0]), "--gtin", "12345"])
    assert r.exit_code == 2 and "enforcement.bad_gtin" in r.output
