"""PT rounds through the real app: the secretariat's API steps, a lab's own enrolment and result, Excel upload,
problem+json errors, PDFs, the console forms (CSRF) and concurrent enrolments (exactly one wins)."""

from __future__ import annotations

import re

import pytest

from tests import factories
from tests.association.helpers import ITEMS

PROBLEM = "application/problem+json"


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert m, "no CSRF field in the form"
    return m.group(1)


def _new_round(client, staff, **kw):  # type: ignore[no-untyped-def]
    u = factories.uid()
    assert client.post("/api/v1/association/pt/schemes", headers=staff,
                       json={"code": f"S{u}", "name": "水泥胶砂强度"}).status_code == 201
    body = {"scheme_code": f"S{u}", "code": f"R{u}", "year": 2026, "measurand": "28 d 抗压强度", "unit": "MPa",
            "sigma_method": "fixed", "sigma_given": 1.5, **kw}
    r = client.post("/api/v1/association/pt/rounds", headers=staff, json=body)
    assert r.status_code == 201, r.text
    return r.json()["code"]


def test_api_round_end_to_end(client, db, login):
    with db.session() as s:
        labs = [factories.lab(s) for _ in range(6)]
        lab_ids = [x.id for x in labs]
    staff = login("association")
    lab_heads = [login("inspector", x) for x in labs]
    code = _new_round(client, staff)
    base = f"/api/v1/association/pt/rounds/{code}"
    # a lab enrols itself, the secretariat enrols the others; a second enrolment is 409
    assert client.post(f"{base}/enrolments", headers=lab_heads[0], json={}).json()["participant_code"] == "P001"
    r = client.post(f"{base}/enrolments", headers=lab_heads[0], json={})
    assert r.status_code == 409 and r.json()["code"] == "association.pt.already_enrolled"
    for lab in lab_ids[1:]:
        assert client.post(f"{base}/enrolments", headers=staff, json={"lab_id": lab}).status_code == 201
    # bad design and an enterprise cannot enrol
    r = client.post("/api/v1/association/pt/rounds", headers=staff, json={
        "scheme_code": "nope", "code": "X1", "year": 2026, "measurand": "x"})
    assert r.status_code == 404 and r.headers["content-type"].startswith(PROBLEM)
    # dispatch refused before homogeneity; then items homogeneous (ISO 13528 B.2 data) → dispatched
    r = client.post(f"{base}/dispatch", headers=staff)
    assert r.status_code == 409 and r.json()["code"] == "association.pt.no_homogeneity"
    r = client.post(f"{base}/homogeneity", headers=staff, json={"measurements": ITEMS, "sigma_pt": 0.015})
    assert r.status_code == 200 and r.json()["passes"] and r.json()["s_s"] == pytest.approx(6.0093e-4, rel=1e-4)
    r = client.post(f"{base}/homogeneity", headers=staff, json={"measurements": [[1.0]]})
    assert r.status_code == 422 and r.json()["field"] == "measurements"
    assert client.post(f"{base}/dispatch", headers=lab_heads[0]).status_code == 403
    assert client.post(f"{base}/dispatch", headers=staff).json()["status"] == "dispatched"
    # results: three labs by API, three by the secretariat's Excel upload
    for head, v in zip(lab_heads[:3], (42.1, 43.0, 41.7), strict=True):
        r = client.post(f"{base}/results", headers=head, json={"result": v, "expanded_uncertainty": 1.2})
        assert r.status_code == 200, r.text
    r = client.post(f"{base}/results", headers=lab_heads[0], json={"result": "四十二"})
    assert r.status_code == 422 and r.json()["field"] == "result"
    from io import BytesIO

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["参加者编号", "结果", "扩展不确定度"])
    for row in (("P004", 42.5, 1.0), ("P005", 47.9, 1.1), ("P006", 42.2, None)):
        ws.append(list(row))
    buf = BytesIO()
    wb.save(buf)
    r = client.post(f"{base}/results/import", headers=staff,
                    files={"file": ("results.xlsx", buf.getvalue(), "application/octet-stream")})
    assert r.status_code == 200 and r.json() == {"imported": 6 - 3}, r.text
    # before scoring a lab sees only its own row
    mine = client.get(f"{base}/scores", headers=lab_heads[1]).json()
    assert [x["code"] for x in mine["rows"]] == ["P002"] and mine["mine"] == ["P002"]
    r = client.post(f"{base}/score", headers=staff)
    assert r.status_code == 200 and r.json()["status"] == "scored"
    summary = r.json()["summary"]
    assert summary["p"] == 6 and summary["sigma_pt"] == 1.5
    after = client.get(f"{base}/scores", headers=lab_heads[4]).json()
    assert len(after["rows"]) == 6 and {x["lab"] for x in after["rows"] if not x["own"]} == {""}  # anonymous
    p005 = next(x for x in after["rows"] if x["code"] == "P005")
    assert p005["z"] == pytest.approx((47.9 - summary["assigned_value"]) / 1.5)
    assert p005["signal"] == "unsatisfactory"
    pdf = client.get(f"{base}/participants/P005/report.pdf", headers=lab_heads[4])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get(f"{base}/participants/P005/report.pdf", headers=lab_heads[0]).status_code == 403
    assert client.get(f"{base}/report.pdf", headers=staff).content.startswith(b"%PDF")
    fu = client.get("/api/v1/association/pt/follow-ups", headers=lab_heads[4]).json()
    assert len(fu) == 1 and fu[0]["signal"] == "unsatisfactory"
    r = client.post(f"/api/v1/association/pt/follow-ups/{fu[0]['id']}/answer", headers=lab_heads[4],
                    json={"cause": "试模尺寸超差", "corrective_action": "更换试模，重新成型"})
    assert r.json()["status"] == "answered"
    hist = client.get(f"/api/v1/association/pt/labs/{lab_ids[4]}/history", headers=lab_heads[4]).json()
    assert hist[0]["round_code"] == code and hist[0]["signal"] == "unsatisfactory"


def test_console_pages_and_forms(client, db, login):
    with db.session() as s:
        lab = factories.lab(s)
        lab_id = lab.id
    staff, me = login("association"), login("inspector", lab)
    code = _new_round(client, staff)
    page = client.get("/console/association/pt", headers=me)
    assert page.status_code == 200 and code in page.text
    detail = client.get(f"/console/association/pt/{code}", headers=me)
    assert "本机构报名参加" in detail.text
    r = client.post(f"/console/association/pt/{code}/enrol", headers=me, follow_redirects=False,
                    data={"csrf_token": _csrf(detail.text)})
    assert r.status_code == 303
    assert client.post(f"/console/association/pt/{code}/enrol", headers=me, data={}).status_code == 403  # no CSRF
    with db.session() as s:
        others = [factories.lab(s).id for _ in range(3)]
    sd = client.get(f"/console/association/pt/{code}", headers=staff).text
    for o in others:
        assert client.post(f"/console/association/pt/{code}/enrol", headers=staff, follow_redirects=False,
                           data={"csrf_token": _csrf(sd), "lab_id": str(o)}).status_code == 303
    text = "\n".join(f"{a} {b}" for a, b in ITEMS)
    r = client.post(f"/console/association/pt/{code}/homogeneity", headers=staff, follow_redirects=False,
                    data={"csrf_token": _csrf(sd), "measurements": text, "sigma_pt": "0.015"})
    assert r.status_code == 303
    assert "均匀" in client.get(f"/console/association/pt/{code}", headers=staff).text
    client.post(f"/console/association/pt/{code}/dispatch", headers=staff, data={"csrf_token": _csrf(sd)})
    form = client.get(f"/console/association/pt/{code}", headers=me).text
    assert "提交结果" in form and 'inputmode="decimal"' in form
    r = client.post(f"/console/association/pt/{code}/submit", headers=me, follow_redirects=False,
                    data={"csrf_token": _csrf(form), "result": "42.6", "expanded_uncertainty": "0.9"})
    assert r.status_code == 303
    r = client.post(f"/console/association/pt/{code}/submit", headers=me,
                    data={"csrf_token": _csrf(form), "result": "abc"})
    assert r.status_code == 422 and "结果应为数值" in r.text
    for o, v in zip(others, ("41.9", "43.3", "42.2"), strict=True):
        client.post(f"/console/association/pt/{code}/submit", headers=staff,
                    data={"csrf_token": _csrf(sd), "participant_code": f"P00{others.index(o) + 2}", "result": v})
    r = client.post(f"/console/association/pt/{code}/score", headers=staff, follow_redirects=False,
                    data={"csrf_token": _csrf(sd)})
    assert r.status_code == 303
    mine = client.get(f"/console/association/pt/{code}", headers=me).text
    assert "42.6" in mine and "下载报告" in mine
    assert client.get(f"/console/association/pt/{code}/report.pdf", headers=me).content.startswith(b"%PDF")
    assert client.get("/console/association/pt/history", headers=me).status_code == 200
    assert client.get(f"/console/association/pt/history?lab={lab_id}", headers=staff).status_code == 200
    assert client.get("/console/association/pt/follow-ups", headers=staff).status_code == 200
    listed = client.get("/console/association/pt?status=closed", headers=staff).text
    assert code not in listed and code in client.get("/console/association/pt?status=scored", headers=staff).text
    home = client.get("/console/association/pt", headers=staff).text
    r = client.post("/console/association/pt", headers=staff, data={
        "csrf_token": _csrf(home), "scheme_code": f"S{code}", "code": f"X{code}", "year": "二〇二六", "measurand": "x"})
    assert r.status_code == 422 and "年度应为整数" in r.text  # the form's own message, not 数值无效
    with db.session() as s:
        ent = factories.enterprise(s)
    assert client.get("/console/association/pt", headers=login("enterprise", ent)).status_code == 403


def test_concurrent_self_enrolment_once(app, db):
    from tests.platform.live import fire, live_server, token

    with db.session() as s:
        lab = factories.lab(s)
        user = factories.user(s, "inspector", lab).username
        staff = factories.user(s, "association").username
    with live_server(app) as base:
        import httpx

        auth_staff = token(base, staff)
        u = factories.uid()
        httpx.post(base + "/api/v1/association/pt/schemes", headers=auth_staff, json={"code": f"C{u}", "name": "并发"})
        r = httpx.post(base + "/api/v1/association/pt/rounds", headers=auth_staff, timeout=60, json={
            "scheme_code": f"C{u}", "code": f"C{u}", "year": 2026, "measurand": "铅", "sigma_given": 0.1})
        assert r.status_code == 201, r.text
        auth = token(base, user)
        answers = fire(8, lambda c: c.post(f"/api/v1/association/pt/rounds/C{u}/enrolments", json={}, headers=auth),
                       base)
    codes = sorted(a.status_code for a in answers)
    assert codes == [201] + [409] * 7, [a.text for a in answers][:3]
