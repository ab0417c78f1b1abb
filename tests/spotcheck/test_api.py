"""The spot-check API, pages and CLI end to end through the real ASGI app (and the real Typer app)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from tests.spotcheck.scenario import world
from zhijian.spotcheck import service


def _hdr(client, user):  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/auth/token", json={"username": user.username, "password": "correct horse 1"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _received_batches(db, n=2, logins=("a0", "a1", "b0", "e")):  # type: ignore[no-untyped-def]
    """A drawn plan whose batches are received by lab A; returns (world, batch ids, sample numbers, users).

    users: real logins — a0/a1 two inspectors of lab A, b0 an inspector of lab B, e<i> the enterprise of batch i."""
    from tests.spotcheck.scenario import real_user, sampling

    with db.session() as s:
        w = world(s, n_products=n)
        service.draw_plan(s, w.regulator, w.plan_id, seed=11)
        bs = service.list_batches(s, w.regulator, plan_id=w.plan_id)
        for b in bs:
            service.record_sampling(s, w.inspectors_a[0], b.id, sampling())
            service.receive_sample(s, w.inspectors_a[0], b.id)
        users = {}
        for key in logins:
            if key == "e":
                users["e"] = real_user(s, next(a for a in w.ent_actors if a.organization_id == bs[-1].enterprise_id))
            else:
                users[key] = real_user(s, (w.inspectors_a if key[0] == "a" else w.inspectors_b)[int(key[1])])
        return w, [b.id for b in bs], [b.sample_no for b in bs], users


def _csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode("utf-8-sig")


HEAD = ["抽样单编号", "检验项目", "单位", "标准要求", "检验结果", "单项判定", "检验方法"]


def test_import_is_all_or_nothing_with_row_and_column(client, db):
    w, ids, nos, users = _received_batches(db)
    h = _hdr(client, users["a0"])
    bad = _csv([HEAD,
                [nos[0], "铅(以Pb计)", "mg/kg", "≤0.5", "0.12", "合格", "GB 5009.12-2017"],
                [nos[1], "铅(以Pb计)", "mg/kg", "≤0.5", "0.6", "不合格", "GB 5009.12-2017"],
                [nos[1], "蛋白质", "g/100g", "≥2.9", "三点一", "合格", "GB 5009.5-2016"]])
    r = client.post("/api/v1/spotcheck/results/import", headers=h, files={"file": ("report.csv", bad, "text/csv")})
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "spotcheck.import_invalid" and body["row"] == 4 and body["column"] == "检验结果"
    assert "第 4 行" in body["message_zh"]
    with db.session() as s:
        assert service.items_of(s, w.regulator, ids[0]) == []  # nothing imported, not even the good first row
        assert service.get_batch(s, w.regulator, ids[0]).state == "received"
    # the same report as .xlsx, corrected, with the 实测值 header and g/kg converted to the standard's mg/kg
    wb = Workbook()
    ws = wb.active
    ws.append(["抽样单编号", "检验项目", "单位", "标准要求", "实测值", "单项判定", "检验方法"])
    ws.append([nos[0], "铅(以Pb计)", "g/kg", "≤0.5 mg/kg", 0.00012, "合格", "GB 5009.12-2017"])
    ws.append([nos[0], "色泽", "", "乳白色或微黄色", "乳白色", "合格", "感官"])
    ws.append([nos[1], "铅(以Pb计)", "mg/kg", "≤0.5", 0.6, "不合格", "GB 5009.12-2017"])
    ws.append([nos[1], "蛋白质", "g/100g", "≥2.9", "3.1", "合格", "GB 5009.5-2016"])
    buf = io.BytesIO()
    wb.save(buf)
    r = client.post("/api/v1/spotcheck/results/import", headers=h,
                    files={"file": ("report.xlsx", buf.getvalue(), "application/octet-stream")})
    assert r.status_code == 200, r.text
    assert r.json() == {"batches": 2, "items": 4, "failing_items": 1}
    b0 = client.get(f"/api/v1/spotcheck/batches/{ids[0]}", headers=h).json()
    assert b0["state"] == "tested"
    lead = next(i for i in b0["items"] if i["name"] == "铅(以Pb计)")
    assert (lead["unit"], lead["value"], lead["verdict"]) == ("mg/kg", pytest.approx(0.12), "合格")
    # another lab may not import into these batches
    other = _hdr(client, users["b0"])
    ok = _csv([HEAD, [nos[0], "铅(以Pb计)", "mg/kg", "≤0.5", "0.1", "合格", ""]])
    r = client.post("/api/v1/spotcheck/results/import", headers=other, files={"file": ("r.csv", ok, "text/csv")})
    assert r.status_code == 404
    # the second inspector verifies, the first may not verify his own entry
    r = client.post(f"/api/v1/spotcheck/batches/{ids[1]}/verify", headers=h)
    assert r.status_code == 409 and r.json()["code"] == "spotcheck.self_verification"
    h2 = _hdr(client, users["a1"])
    assert client.post(f"/api/v1/spotcheck/batches/{ids[1]}/verify", headers=h2).json()["state"] == "verified"
    j = client.post(f"/api/v1/spotcheck/batches/{ids[1]}/judge", headers=h2).json()
    assert (j["verdict"], j["failing_items"], j["safety_failure"]) == ("不合格", ["铅(以Pb计)"], True)
    # refused transition through the API: problem+json 409 naming both states
    r = client.post(f"/api/v1/spotcheck/batches/{ids[1]}/receive", headers=h2)
    assert r.status_code == 409 and r.json()["code"] == "batch.invalid_transition"
    assert r.json()["current"] == "judged" and r.json()["target"] == "received"
    # report PDF with its QR code; the public verification page knows the report but shows no verdict yet
    pdf = client.get(f"/api/v1/spotcheck/batches/{ids[1]}/report.pdf", headers=h2)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    page = client.get(f"/reports/verify/{j['report_no']}")
    assert page.status_code == 200 and j["report_no"] in page.text and "不合格" not in page.text
    assert client.get("/reports/verify/ZJ0000FAKE").status_code == 404
    # the enterprise of batch 1 sees it; the public does not
    assert client.get(f"/api/v1/spotcheck/batches/{ids[1]}", headers=_hdr(client, users["e"])).status_code == 200
    assert client.get(f"/api/v1/spotcheck/batches/{ids[1]}").status_code == 404
    assert client.get(f"/api/v1/spotcheck/plans/{w.plan_id}").status_code == 404
    assert client.get(f"/spotchecks/{w.plan_id}").status_code == 404


def test_attachments_hashed_and_guarded(client, db):
    w, ids, nos, users = _received_batches(db, n=1, logins=("a0", "b0"))
    h = _hdr(client, users["a0"])
    data = "封样照片".encode() * 100
    r = client.post(f"/api/v1/spotcheck/batches/{ids[0]}/attachments", headers=h,
                    files={"file": ("seal.jpg", data, "image/jpeg")}, data={"kind": "seal"})
    assert r.status_code == 201, r.text
    import hashlib

    att = r.json()
    assert att["sha256"] == hashlib.sha256(data).hexdigest()
    got = client.get(f"/api/v1/spotcheck/attachments/{att['id']}", headers=h)
    assert got.status_code == 200 and got.content == data
    assert client.get(f"/api/v1/spotcheck/attachments/{att['id']}").status_code == 404
    other = _hdr(client, users["b0"])
    assert client.get(f"/api/v1/spotcheck/attachments/{att['id']}", headers=other).status_code == 404


def test_judge_api_and_cli():
    from zhijian.platform.cli import app

    runner = CliRunner()
    r = runner.invoke(app, ["judge", "--requirement", "≤0.5", "--requirement-unit", "mg/kg", "--value", "0.52",
                            "--unit", "mg/kg", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["verdict"] == "不合格" and out["requirement"]["upper"] == 0.5 and out["rule"] == "simple"
    r = runner.invoke(app, ["judge", "--requirement", "≤0.5", "--requirement-unit", "mg/kg", "--value", "0.52",
                            "--method", "rounded", "--json"])
    assert json.loads(r.output)["verdict"] == "合格"
    r = runner.invoke(app, ["judge", "--requirement", "不得检出", "--value", "未检出", "--lod", "0.01", "--json"])
    assert json.loads(r.output)["verdict"] == "合格"
    r = runner.invoke(app, ["judge", "--requirement", "无渗漏、无可见变形", "--value", "无渗漏", "--json"])
    assert r.exit_code == 2 and "spotcheck.lab_verdict_required" in r.output  # the inspector judges text (all paths)
    r = runner.invoke(app, ["judge", "--requirement", "无渗漏、无可见变形", "--value", "无渗漏", "--lab-verdict", "合格",
                            "--json"])
    assert json.loads(r.output)["verdict"] == "合格"
    r = runner.invoke(app, ["judge", "--requirement", "≤0.5", "--value", "0.6", "--uncertainty", "0.2", "--rule",
                            "guarded", "--json"])
    out = json.loads(r.output)
    assert out["verdict"] == "合格" and out["outcome"] == "conditional_fail" and out["rule"] == "guarded"
    for bad in (["--value", "abc"], ["--value", "0.4", "--unit", "cm"], ["--value", "0.4", "--rule", "strict"]):
        r = runner.invoke(app, ["judge", "--requirement", "≤0.5", "--requirement-unit", "mg/kg", *bad])
        assert r.exit_code == 2, r.output
        assert r.output.count("\n") == 1 and r.output.startswith("错误 spotcheck.")


def test_public_pages_after_publication(client, db):
    from tests.spotcheck.scenario import real_user
    from tests.spotcheck.test_workflow import GOOD, _to_judged

    with db.session() as s:
        w = world(s, n_products=2)
        service.draw_plan(s, w.regulator, w.plan_id, seed=5)
        for b in service.list_batches(s, w.regulator, plan_id=w.plan_id):
            _to_judged(s, w, b.id, GOOD)
            service.notify(s, w.regulator, b.id, on=dt.date(2026, 6, 1))
            service.finalize(s, w.regulator, b.id, on=dt.date(2026, 6, 2))
        service.publish_plan(s, w.regulator, w.plan_id)
        reg_user = real_user(s, w.regulator)
    r = client.get(f"/spotchecks/{w.plan_id}")
    assert r.status_code == 200 and "2026年浙江省液体乳产品质量监督抽查" in r.text
    assert client.get("/spotchecks").status_code == 200
    x = client.get(f"/spotchecks/{w.plan_id}/results.xlsx")
    assert x.status_code == 200 and x.content[:2] == b"PK"
    p = client.get(f"/spotchecks/{w.plan_id}/results.pdf")
    assert p.status_code == 200 and p.content.startswith(b"%PDF")
    feed = client.get("/spotchecks/feed.atom")
    assert feed.status_code == 200 and f"/spotchecks/{w.plan_id}" in feed.text
    st = client.get(f"/api/v1/spotcheck/plans/{w.plan_id}/statistics").json()
    assert (st["batches_tested"], st["batches_failing"], st["nonconformity_rate"]) == (2, 0, 0.0)
    h = _hdr(client, reg_user)
    page = client.get(f"/console/spotcheck/plans/{w.plan_id}", headers=h)
    assert page.status_code == 200 and "已公布" in page.text
    assert client.get("/console/spotcheck", headers=h).status_code == 200
