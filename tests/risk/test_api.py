"""Risk through the real ASGI app: API permissions and problems, the PDF record, public alerts and feed,
console pages (dashboard SVG, guided assessment form), and the alert e-mail received by a real SMTP server."""

from __future__ import annotations

import datetime as dt
import re
import socket
import time

import pytest
from aiosmtpd.controller import Controller

from tests import factories
from tests.risk.synthetic import AS_OF, result_rows
from zhijian.catalog import service as catalog
from zhijian.catalog.schemas import OrganizationPatch
from zhijian.platform.auth import SYSTEM, Actor
from zhijian.platform.config import get_settings
from zhijian.platform.errors import DomainError
from zhijian.risk import service

SCENARIOS = {"product": "儿童电动车", "hazard": "电击", "scenarios": [
    {"description": "充电器外壳破裂，儿童触及带电部件", "consumer": "vulnerable", "severity": 3,
     "steps": [{"description": "外壳破裂", "probability": 0.01}, {"description": "儿童触及", "probability": 0.5},
               {"description": "电击受伤", "probability": 0.5}]}]}


def test_assessment_api_pdf_and_permissions(client, login, db):
    reg = login("regulator")
    r = client.post("/api/v1/risk/assessments", json=SCENARIOS, headers=reg)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["risk_level"] == "serious"  # 1/400, severity 3 → "> 1/1 000" band → serious
    assert body["result"]["scenarios"][0]["probability_fraction"] == "1/400"
    pdf = client.get(f"/api/v1/risk/assessments/{body['id']}/pdf", headers=reg)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and len(pdf.content) > 2000
    with db.session() as s:
        ent = factories.enterprise(s)
    r = client.post("/api/v1/risk/assessments", json=SCENARIOS, headers=login("enterprise", ent))
    assert r.status_code == 403 and r.json()["code"] == "auth.forbidden"
    assert client.get("/api/v1/risk/signals").status_code == 401
    bad = {**SCENARIOS, "scenarios": [{**SCENARIOS["scenarios"][0], "steps": [{"probability": "2/1"}]}]}
    r = client.post("/api/v1/risk/assessments", json=bad, headers=reg)
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "risk.bad_probability" and r.json()["field"] == "scenarios[0].steps[0].probability"


def test_dashboard_and_public_pages(client, login, db):
    reg = login("regulator")
    with db.session() as s:
        c1, c2 = factories.category(s, name="测试电热水壶"), factories.category(s)
        ent = factories.enterprise(s)
        service.run_scan(s, SYSTEM, as_of=AS_OF, results=result_rows(cat=c1.id, hot_cat=c2.id, ent=ent.id, per_month=8),
                         complaints=[])
    page = client.get("/console/risk", headers=reg)
    assert page.status_code == 200
    html = page.text
    assert "<svg" in html and "不合格率热力图" in html and "漏斗图" in html and "趋势" in html
    assert "测试电热水壶" in html and "广东省" in html
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing from another host: no CDN
    assert client.get("/console/risk", headers=login("enterprise", ent)).status_code == 403
    r = client.get("/console/risk", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert client.get("/risk/alerts").status_code == 200
    feed = client.get("/risk/alerts.atom")
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/atom+xml")
    assert client.get("/risk/recalls").status_code == 200


def test_guided_assessment_form(client, login):
    reg = login("regulator")
    form_page = client.get("/console/risk/assess", headers=reg)
    assert form_page.status_code == 200 and "伤害情景" in form_page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form_page.text).group(1)  # type: ignore[union-attr]
    data = {"csrf_token": token, "product": "折叠椅", "s0_desc": "夹伤手指", "s0_consumer": "others", "s0_severity": "1",
            "s0_d0": "使用中", "s0_p0": "1", "s0_d1": "锁止失效", "s0_p1": "1/50", "s0_d2": "手指在铰链处", "s0_p2": "0.1"}
    r = client.post("/console/risk/assess", data=data, headers=reg, follow_redirects=False)
    assert r.status_code == 303, r.text
    detail = client.get(r.headers["location"], headers=reg)
    assert "低风险" in detail.text and "1/500" in detail.text
    r = client.post("/console/risk/assess", data={**data, "s0_p1": "七分之一"}, headers=reg)
    assert r.status_code == 422 and "不是数字或分数" in r.text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content.decode("utf-8", "replace")))
        return "250 OK"


def test_published_alert_is_mailed_over_smtp(client, login, db, app, monkeypatch: pytest.MonkeyPatch):
    """A real SMTP server (aiosmtpd on 127.0.0.1) receives the notification sent by the job risk.alert_mail."""
    inbox = _Inbox()
    port = _free_port()
    ctl = Controller(inbox, hostname="127.0.0.1", port=port)
    ctl.start()
    monkeypatch.setenv("ZHIJIAN_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ZHIJIAN_SMTP_PORT", str(port))
    monkeypatch.setenv("ZHIJIAN_SMTP_SENDER", "alerts@zhijian.test")
    get_settings.cache_clear()
    try:
        with db.session() as s:
            ent = factories.enterprise(s)
            catalog.update_organization(s, SYSTEM, ent.id, OrganizationPatch(email=f"qa-{ent.id}@ent.test"))
            a = service.create_assessment(s, Actor(None, "r", "regulator"), service.AssessmentIn(**SCENARIOS))
            aid = a.id
        reg = login("regulator")
        r = client.post("/api/v1/risk/alerts", headers=reg, json={
            "title": "儿童电动车充电器电击风险", "risk_level": "serious", "assessment_id": aid, "enterprise_ids": [ent.id],
            "regulator_emails": ["duty@samr.test"],
            "fields": {"product": "儿童电动车", "hazard": "电击", "internal_note": "内部：企业已约谈"}})
        assert r.status_code == 201, r.text
        r = client.post(f"/api/v1/risk/alerts/{r.json()['id']}/publish", headers=reg)
        assert r.status_code == 200, r.text
        job = app.state.jobs.wait(r.json()["mail_job_id"], timeout=30)
        assert job.status == "done", job.error
        for _ in range(50):
            if len(inbox.messages) >= 2:
                break
            time.sleep(0.1)
        by_rcpt = {tuple(m[1]): m for m in inbox.messages}
        ent_mail = by_rcpt[(f"qa-{ent.id}@ent.test",)]
        assert ent_mail[0] == "alerts@zhijian.test"
        assert "儿童电动车充电器电击风险" in ent_mail[2] and "内部：企业已约谈" not in ent_mail[2]
        reg_mail = next(m for m in inbox.messages if "duty@samr.test" in m[1])
        assert "内部：企业已约谈" in reg_mail[2]  # regulators get the internal fields too
    finally:
        ctl.stop()
        get_settings.cache_clear()


def test_recall_pages_public_notice_and_overdue_in_console(client, login, db):
    import datetime as dt

    from zhijian.risk.schemas import RecallIn, RecallReportIn

    with db.session() as s:
        ent = factories.enterprise(s, name=f"召回测试企业{factories.uid()}有限公司")
        r = service.start_recall(s, SYSTEM, RecallIn(
            enterprise_id=ent.id, title="召回儿童推车", reason="折叠锁止机构失效", risk_level="serious",
            lots=[{"lot": "CART-2026-07"}], started_on=dt.date.today() - dt.timedelta(days=90), units_total=500,
            report_every_days=30, plan="内部计划：经销商逐一回收"))
        service.report_recall_progress(s, SYSTEM, r.id, RecallReportIn(
            reported_on=dt.date.today() - dt.timedelta(days=45), units_recovered=120))
        ref, rid, name = r.ref, r.id, ent.name
    public = client.get(f"/risk/recalls/{ref}")
    assert public.status_code == 200
    assert name in public.text and "CART-2026-07" in public.text and "120/500" in public.text
    assert "内部计划" not in public.text  # the plan stays in the console
    console = client.get(f"/console/risk/recalls/{rid}", headers=login("regulator"))
    assert console.status_code == 200 and "进展报告已逾期" in console.text and "内部计划" in console.text
    listing = client.get("/console/risk/recalls", headers=login("regulator"))
    assert ref in listing.text and "进展报告逾期" in listing.text


def test_a_scan_as_of_an_impossible_day_is_refused_when_asked_for(client, login) -> None:  # type: ignore[no-untyped-def]
    """Found by schemathesis (15 cases per operation): POST /risk/scan?as_of=0001-01-01 answered 202 and its job
    then failed ("year -2 is out of range"). Now 422 risk.bad_as_of before any job, and a day in the future too."""
    reg = login("regulator")
    for day in ("0001-01-01", "2999-12-31"):
        r = client.post("/api/v1/risk/scan", params={"as_of": day}, headers=reg)
        assert r.status_code == 422 and r.json()["code"] == "risk.bad_as_of" and day in r.json()["message_en"]
    today = dt.date(2026, 12, 4)
    assert service.scan_day(None, today=today) == today
    assert service.scan_day(dt.date(2026, 12, 5), today=today) == dt.date(2026, 12, 5)  # a time zone ahead
    assert service.scan_day(dt.date(1970, 1, 1), today=today) == dt.date(1970, 1, 1)
    with pytest.raises(DomainError):
        service.scan_day(dt.date(2026, 12, 6), today=today)
