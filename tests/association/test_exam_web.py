"""Exams through the real app: a candidate registers, starts, saves and submits by the API and by the console
form; the marker's queue; certificates verified on the public page and as JSON (no login) and as a PDF."""

from __future__ import annotations

import re

from tests import factories
from tests.association.exam_helpers import TOPICS, bank, exam

PROBLEM = "application/problem+json"


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert m, "no CSRF field in the form"
    return m.group(1)


def test_api_candidate_flow_and_certificate(client, db, login):
    with db.session() as s:
        e = exam(s, bank(s, per_cell=4))
        code, lab = e.code, factories.lab(s)
    staff, me = login("association"), login("inspector", lab)
    base = f"/api/v1/association/exams/{code}"
    r = client.post(f"{base}/candidates", headers=me, json={"name": "王检", "id_number": "330106199001011234"})
    assert r.status_code == 201, r.text
    assert client.post(f"{base}/candidates", headers=me, json={"name": "王检"}).status_code == 409
    assert client.get(f"{base}/paper", headers=me).json()["items"] == []  # not started: no paper yet
    started = client.post(f"{base}/start", headers=me)
    assert started.status_code == 200 and started.json()["deadline_at"]
    paper = client.get(f"{base}/paper", headers=me).json()
    assert len(paper["items"]) == 28 and 0 < paper["seconds_left"] <= 3600
    assert all("reference" not in i and set(i) >= {"id", "stem", "options", "kind"} for i in paper["items"])
    # answer everything right by the options' text (the helper's keys: single 选项乙, multiple 选项甲 + 选项丙,
    # true/false 对) — each candidate sees the options in his own order, so the letters differ from the bank's
    right = {"single": ["选项乙"], "multiple": ["选项甲", "选项丙"]}
    answers: dict[str, object] = {
        str(i["id"]): [i["options"].index(t) for t in right[i["kind"]]] if i["kind"] in right
        else {"truefalse": "对", "short": "计量溯源性"}[i["kind"]] for i in paper["items"]}
    assert client.put(f"{base}/answers", headers=me, json={"answers": {"x": "A"}}).status_code == 422
    r = client.post(f"{base}/submit", headers=me, json={"answers": answers})
    assert r.status_code == 200 and r.json()["objective_score"] == 54.0 and r.json()["total_score"] is None
    assert client.get(f"{base}/queue", headers=me).status_code == 403
    q = client.get(f"{base}/queue", headers=staff).json()
    assert len(q) == 1 and q[0]["answer"] == "计量溯源性" and "name" not in q[0]
    assert client.post(f"/api/v1/association/exams/marks/{q[0]['id']}", headers=staff, json={"points": 11}).status_code == 422
    r = client.post(f"/api/v1/association/exams/marks/{q[0]['id']}", headers=staff, json={"points": 7})
    assert r.status_code == 200
    [res] = client.get(f"{base}/results", headers=me).json()
    assert (res["total_score"], res["max_score"], res["passed"]) == (61.0, 64.0, True)
    assert client.post(f"{base}/certificates", headers=staff).json() == {"issued": 1}
    stats = client.get(f"{base}/item-statistics", headers=staff).json()
    assert len(stats) == 28 and all(x["p"] in (0.0, 0.7, 1.0) for x in stats)
    with db.session() as s:
        from sqlalchemy import select

        from zhijian.association.exams.models import ExamCertificate

        number = s.scalar(select(ExamCertificate.number).where(ExamCertificate.exam_id == e.id))
    pub = client.get(f"/api/v1/association/public/certificates/{number}")  # no login
    assert pub.status_code == 200 and pub.json()["holder"] == "王检" and pub.json()["id_number_masked"] == "330***********1234"
    assert client.get(f"/api/v1/association/public/certificates/{number}.pdf").content.startswith(b"%PDF")
    page = client.get(f"/association/certificates/{number}")
    assert page.status_code == 200 and "证书有效" in page.text
    assert client.get("/association/certificates/CAQI-NOPE-1").status_code == 404
    assert client.get("/api/v1/association/public/certificates/CAQI-NOPE-1").headers["content-type"].startswith(PROBLEM)


def test_console_exam_forms(client, db, login):
    with db.session() as s:
        e = exam(s, bank(s, per_cell=4, short=False), short=False)
        code, lab = e.code, factories.lab(s)
    staff, me = login("association"), login("inspector", lab)
    page = client.get(f"/console/association/exams/{code}", headers=me)
    assert page.status_code == 200 and "报名参加" in page.text
    r = client.post(f"/console/association/exams/{code}/register", headers=me, follow_redirects=False,
                    data={"csrf_token": _csrf(page.text), "name": "赵工"})
    assert r.status_code == 303
    page = client.get(f"/console/association/exams/{code}", headers=me)
    assert "开始答题" in page.text
    r = client.post(f"/console/association/exams/{code}/start", headers=me, follow_redirects=False,
                    data={"csrf_token": _csrf(page.text)})
    assert r.status_code == 303 and r.headers["location"].endswith("/take")
    take = client.get(f"/console/association/exams/{code}/take", headers=me)
    assert take.status_code == 200 and take.text.count("<fieldset") == 27
    ids = re.findall(r'name="kind(\d+)" value="(\w+)"', take.text)
    data: dict[str, object] = {"csrf_token": _csrf(take.text)}
    # the right options by their text: the inputs' values are this candidate's shown positions (options shuffled)
    by_text = {(n, t): v for n, v, t in re.findall(r'name="(q\d+)" value="(\d+)"> [A-H]\. (选项[甲乙丙丁])', take.text)}
    assert len(by_text) == 4 * sum(k in ("single", "multiple") for _, k in ids)  # every choice item, 4 options
    for qid, kind in ids:
        data[f"kind{qid}"] = kind
        q = f"q{qid}"
        data[q] = {"single": by_text.get((q, "选项乙")), "multiple": [by_text.get((q, "选项甲")), by_text.get((q, "选项丙"))],
                   "truefalse": "对"}[kind]
    r = client.post(f"/console/association/exams/{code}/save", headers=me, data=data, follow_redirects=False)
    assert r.status_code == 303
    again = client.get(f"/console/association/exams/{code}/take", headers=me).text
    assert again.count(" checked") == sum(2 if k == "multiple" else 1 for _, k in ids)  # saved answers shown
    r = client.post(f"/console/association/exams/{code}/submit", headers=me, data=data, follow_redirects=False)
    assert r.status_code == 303
    done = client.get(f"/console/association/exams/{code}/take", headers=me).text
    assert "试卷已提交" in done and "54.0 / 54.0" in done
    sp = client.get(f"/console/association/exams/{code}", headers=staff)
    assert sp.status_code == 200 and "试题分析" in sp.text and "赵工" in sp.text
    assert client.get(f"/console/association/exams/{code}/queue", headers=staff).status_code == 200
    home = client.get("/console/association/exams", headers=staff)
    assert home.status_code == 200 and code in home.text
    bp = "\n".join(f"{t}, 易, 2" for t in TOPICS)
    r = client.post("/console/association/exams", headers=staff, follow_redirects=False, data={
        "csrf_token": _csrf(home.text), "code": f"F{factories.uid()}", "title": "表单考试", "bank": e.bank,
        "blueprint": bp, "time_limit_minutes": "45", "pass_percent": "60"})
    assert r.status_code == 303, r.text[:300]
    r = client.post("/console/association/exams", headers=staff, data={
        "csrf_token": _csrf(home.text), "code": f"F{factories.uid()}", "title": "表单考试", "bank": e.bank,
        "blueprint": "计量基础, 易, 99", "time_limit_minutes": "45"})
    assert r.status_code == 422 and "只有" in r.text
    r = client.post("/console/association/exams", headers=staff, data={
        "csrf_token": _csrf(home.text), "code": f"F{factories.uid()}", "title": "表单考试", "bank": e.bank,
        "blueprint": bp, "time_limit_minutes": "四十五"})
    assert r.status_code == 422 and "时长和合格线应为数值" in r.text  # the form's own message, not 数值无效
