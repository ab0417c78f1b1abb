"""Issue 13, "what to build" 1: every path an enterprise receives data through in the background (or outside the
synchronous list/detail API) carries only its own data — proved with two enterprises, A and B, on each path:

1. EPCIS webhook subscriptions (delivery runs the stored query as its owner)
2. EPCIS WebSocket subscriptions (the stream is scoped like `GET /epcis/events`)
3. job results (`/api/v1/jobs/{id}`: the requester and admins only)
4. alert e-mails over real SMTP (aiosmtpd on 127.0.0.1): the named enterprise gets the public view, no other
5. complaint notifications (转企业处理): the respondent's inbox and mailbox only
6. the Atom feed of alerts: published alerts' public fields only (no draft, no internal field)
7. search (platform.search bigram index behind /search and `?q=`): no other enterprise's unpublished product
8. exports (console Excel): the same scope as the list
9. PDFs (equipment 使用标志 label sheets): only the enterprise's own units
"""

from __future__ import annotations

import io
import json
import socket
import time
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from starlette.websockets import WebSocketDisconnect

from tests import factories
from tests.security.conftest import Receiver
from zhijian.catalog import service as catalog
from zhijian.catalog.schemas import OrganizationPatch
from zhijian.platform.auth import SYSTEM, actor_for, issue_token
from zhijian.platform.config import get_settings
from zhijian.risk import service as risk
from zhijian.risk.schemas import AlertIn
from zhijian.trace import api as trace_api
from zhijian.trace import epcis as E
from zhijian.trace import epcis_service

LD = {"content-type": "application/ld+json"}
PASSWORD = "correct horse 1"


class Tenant:
    """One enterprise with a user, its bearer header, its actor and its mail address."""

    def __init__(self, db, label: str) -> None:  # type: ignore[no-untyped-def]
        with db.session() as s:
            org = factories.enterprise(s, name=f"{label}测试{factories.uid()}有限公司")
            self.mail = f"qa-{org.id}@{label.lower()}.test"
            catalog.update_organization(s, SYSTEM, org.id, OrganizationPatch(email=self.mail))
            user = factories.user(s, "enterprise", org)
            token, _row, _u = issue_token(s, user.username, PASSWORD, 60)
            self.id, self.actor = org.id, actor_for(user)
        self.h = {"Authorization": f"Bearer {token}"}


@pytest.fixture
def two(db) -> tuple[Tenant, Tenant]:  # type: ignore[no-untyped-def]
    return Tenant(db, "A"), Tenant(db, "B")


def _doc(po: str, tag: str) -> dict[str, Any]:
    return {"@context": [E.EPCIS_CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": "2026-03-15T00:00:00Z", "epcisBody": {"eventList": [
                {"type": "ObjectEvent", "eventTime": "2026-03-02T09:00:00+08:00", "eventTimeZoneOffset": "+08:00",
                 "action": "OBSERVE", "bizStep": "shipping", "epcList": [f"urn:epc:id:sgtin:6901234.000123.{tag}"],
                 "bizTransactionList": [{"type": "po", "bizTransaction": po}]}]}}


def test_webhook_subscriptions_deliver_only_the_owners_events(client, db, two, allow_loopback,  # type: ignore[no-untyped-def]
                                                              receiver: Receiver) -> None:
    a, b = two
    uid = factories.uid()
    po = f"urn:test:po:bg{uid}"
    for t, path in ((a, "/a"), (b, "/b")):  # the same query, matching both enterprises' events
        name = f"bg_{path[1]}_{uid}"
        assert client.post("/epcis/queries", json={"name": name, "query": {"EQ_bizTransaction_po": po}},
                           headers={**t.h, **LD}).status_code == 201
        assert client.post(f"/epcis/queries/{name}/subscriptions", json={"dest": receiver.url(path), "stream": True},
                           headers={**t.h, **LD}).status_code == 201
    assert client.post("/epcis/capture", json=_doc(po, f"A{uid}"), headers={**a.h, **LD}).status_code == 202
    assert client.post("/epcis/capture", json=_doc(po, f"B{uid}"), headers={**b.h, **LD}).status_code == 202
    epcis_service.deliver_subscriptions(db)
    assert receiver.wait_for(lambda: receiver.bodies("/a") and receiver.bodies("/b"))
    epcis_service.deliver_subscriptions(db)
    to_a, to_b = " ".join(receiver.bodies("/a")), " ".join(receiver.bodies("/b"))
    assert f"A{uid}" in to_a and f"B{uid}" not in to_a
    assert f"B{uid}" in to_b and f"A{uid}" not in to_b


def test_websocket_stream_carries_only_the_subscribers_events(client, db, two, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(trace_api, "STREAM_POLL_SECONDS", 0.05)
    a, b = two
    uid = factories.uid()
    po = f"urn:test:po:ws{uid}"
    name = f"bgws_{uid}"
    assert client.post("/epcis/queries", json={"name": name, "query": {"EQ_bizTransaction_po": po}},
                       headers={**b.h, **LD}).status_code == 201
    with client.websocket_connect(f"/epcis/queries/{name}/events", headers=b.h) as ws:
        assert client.post("/epcis/capture", json=_doc(po, f"A{uid}"), headers={**a.h, **LD}).status_code == 202
        assert client.post("/epcis/capture", json=_doc(po, f"B{uid}"), headers={**b.h, **LD}).status_code == 202
        doc = json.loads(ws.receive_text())
    epcs = [e["epcList"][0] for e in doc["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]
    assert epcs == [f"urn:epc:id:sgtin:6901234.000123.B{uid}"]
    # A cannot open B's stored query as a stream (the query is B's)
    with pytest.raises(WebSocketDisconnect) as closed:
        with client.websocket_connect(f"/epcis/queries/{name}/events", headers=a.h) as ws:
            ws.receive_text()
    assert closed.value.code == 1008


def test_job_results_only_for_the_requester(client, app, two) -> None:  # type: ignore[no-untyped-def]
    a, b = two
    job_id = app.state.jobs.enqueue("trace.deliver_subscriptions", requested_by=a.actor)
    app.state.jobs.wait(job_id)
    assert client.get(f"/api/v1/jobs/{job_id}", headers=a.h).status_code == 200
    r = client.get(f"/api/v1/jobs/{job_id}", headers=b.h)
    assert r.status_code == 404 and "deliveries" not in r.text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Inbox:
    """aiosmtpd handler: every message as (mail from, recipients, raw text)."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content.decode("utf-8", "replace")))
        return "250 OK"

    def to(self, address: str) -> list[str]:
        """Decoded subject and body of every message to the address (headers are RFC 2047 encoded)."""
        return [_text(raw) for _f, rcpt, raw in self.messages if address in rcpt]

    def wait(self, pred: Any, timeout: float = 10) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not pred():
            time.sleep(0.05)
        return bool(pred())


def _text(raw: str) -> str:
    from email import message_from_string
    from email.policy import default

    m = message_from_string(raw, policy=default)
    return f"{m['Subject']}\n{m.get_content()}"  # type: ignore[union-attr]


@pytest.fixture
def smtp(monkeypatch):  # type: ignore[no-untyped-def]
    inbox = _Inbox()
    port = _free_port()
    ctl = Controller(inbox, hostname="127.0.0.1", port=port)
    ctl.start()
    monkeypatch.setenv("ZHIJIAN_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ZHIJIAN_SMTP_PORT", str(port))
    monkeypatch.setenv("ZHIJIAN_SMTP_SENDER", "alerts@zhijian.test")
    get_settings.cache_clear()
    try:
        yield inbox
    finally:
        ctl.stop()
        get_settings.cache_clear()


def test_alert_mail_and_complaint_notifications_reach_only_their_enterprise(client, app, db, two, login,  # type: ignore[no-untyped-def]
                                                                             smtp: _Inbox) -> None:
    a, b = two
    uid = factories.uid()
    reg = login("regulator")
    # alert e-mail (job risk.alert_mail over SMTP): the alert names A; B is mailed nothing, not even through a title
    # that tries to add a Bcc header (platform.escape.mail_header keeps it on the Subject line)
    with db.session() as s:
        assessment = risk.create_assessment(s, SYSTEM, risk.AssessmentIn(**{
            "product": "电热水壶", "hazard": "烫伤", "scenarios": [
                {"description": "底座过热", "consumer": "others", "severity": 2,
                 "steps": [{"description": "过热", "probability": 0.01}, {"description": "触及", "probability": 0.5}]}]}))
        aid = assessment.id
    r = client.post("/api/v1/risk/alerts", headers=reg, json={
        "title": f"电热水壶烫伤风险{uid}\r\nBcc: {b.mail}", "risk_level": "high", "assessment_id": aid, "enterprise_ids": [a.id],
        "fields": {"product": "电热水壶", "hazard": "烫伤", "internal_note": f"内部约谈记录{uid}"}})
    assert r.status_code == 201, r.text
    pub = client.post(f"/api/v1/risk/alerts/{r.json()['id']}/publish", headers=reg)
    assert app.state.jobs.wait(pub.json()["mail_job_id"], timeout=30).status == "done"
    assert smtp.wait(lambda: smtp.to(a.mail))
    assert any(f"电热水壶烫伤风险{uid} Bcc: {b.mail}" in m.splitlines()[0] for m in smtp.to(a.mail))  # one line
    assert all(f"内部约谈记录{uid}" not in m for m in smtp.to(a.mail))  # the enterprise sees the public view
    assert smtp.to(b.mail) == []
    # complaint notification: a complaint against A forwarded by the regulator reaches A's inbox and mailbox only
    c = client.post("/api/v1/complaints", json={
        "kind": "complaint", "complainant_name": "王丽", "complainant_phone": "13800001111",
        "complainant_address": "杭州市西湖区", "respondent_id": a.id, "facts": f"底座冒烟{uid}", "requests": ["refund"]})
    cid, no = c.json()["id"], c.json()["tracking_no"]
    for to in ("accepted", "forwarded"):
        assert client.post(f"/api/v1/complaints/{cid}/transitions", json={"to": to}, headers=reg).status_code == 200
    assert smtp.wait(lambda: any(no in m for m in smtp.to(a.mail)))
    assert all(no not in _text(raw) for _f, rcpt, raw in smtp.messages if a.mail not in rcpt)
    inbox_a = client.get("/api/v1/notifications", headers=a.h).json()
    inbox_b = client.get("/api/v1/notifications", headers=b.h).json()
    mine = [n for n in inbox_a if no in n["subject"]]
    assert mine and not [n for n in inbox_b if no in n["subject"] or uid in n["body"]]
    assert client.post(f"/api/v1/notifications/{mine[0]['id']}/read", headers=b.h).status_code == 404
    # B cannot read the complaint against A either (list or detail)
    assert client.get(f"/api/v1/complaints/{cid}", headers=b.h).status_code == 404
    assert cid not in {x["id"] for x in client.get("/api/v1/complaints?limit=500", headers=b.h).json()["items"]}


def test_feed_search_export_and_pdf_are_scoped(client, db, two) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    from tests.equipment.helpers import elevator

    a, b = two
    uid = factories.uid()
    with db.session() as s:
        # feed: A's published alert shows only public fields; a draft naming B does not appear at all
        ass = risk.create_assessment(s, SYSTEM, risk.AssessmentIn(**{
            "product": "儿童推车", "hazard": "夹伤", "scenarios": [
                {"description": "折叠夹手", "consumer": "vulnerable", "severity": 2,
                 "steps": [{"description": "折叠", "probability": 0.1}]}]}))
        pub = risk.create_alert(s, SYSTEM, AlertIn(title=f"儿童推车夹伤{uid}", risk_level="high",
                                                   assessment_id=ass.id, enterprise_ids=[a.id],
                                                   fields={"product": "儿童推车", "internal_note": f"内部{uid}"}))
        risk.publish_alert(s, SYSTEM, pub.id)
        risk.create_alert(s, SYSTEM, AlertIn(title=f"草稿警示{uid}", risk_level="low", assessment_id=ass.id,
                                             enterprise_ids=[b.id]))
        # search, export: A's unpublished product; PDF: A's elevator
        cat = factories.category(s)
        from zhijian.catalog.models import Organization

        hidden = factories.product(s, s.get(Organization, a.id), cat, name=f"未公开样品{uid}", is_public=False)
        hidden_id = hidden.id
        unit_code = elevator(s, a.id).code
    feed = client.get("/risk/alerts.atom", headers=b.h).text
    assert f"儿童推车夹伤{uid}" in feed and f"内部{uid}" not in feed and f"草稿警示{uid}" not in feed
    # search (bigram index): B finds nothing of A's unpublished product; A finds it
    page_b = client.get("/search", params={"q": f"未公开样品{uid}"}, headers=b.h)
    assert page_b.status_code == 200 and f"未公开样品{uid}" not in page_b.text.split("</form>", 1)[-1]
    api_b = client.get("/api/v1/products", params={"q": f"未公开样品{uid}"}, headers=b.h).json()
    assert [p["id"] for p in api_b["items"]] == []
    api_a = client.get("/api/v1/products", params={"q": f"未公开样品{uid}"}, headers=a.h).json()
    assert [p["id"] for p in api_a["items"]] == [hidden_id]
    # export (console Excel): the same scope as the list

    def export(h: dict[str, str]) -> list[Any]:
        r = client.get("/console/products", params={"format": "xlsx", "q": uid}, headers=h)
        assert r.status_code == 200, r.text
        ws = load_workbook(io.BytesIO(r.content), read_only=True).active
        return [cell for row in ws.iter_rows(values_only=True) for cell in row]

    assert f"未公开样品{uid}" in export(a.h)
    assert f"未公开样品{uid}" not in export(b.h)
    # PDF label sheet: B gets no label of A's unit, by owner or by code; A gets its own
    assert client.get("/api/v1/equipment/labels.pdf", params={"owner_id": a.id}, headers=b.h).status_code == 404
    assert client.get("/api/v1/equipment/labels.pdf", params={"code": unit_code}, headers=b.h).status_code == 404
    mine = client.get("/api/v1/equipment/labels.pdf", params={"owner_id": a.id}, headers=a.h)
    assert mine.status_code == 200 and mine.content.startswith(b"%PDF")
