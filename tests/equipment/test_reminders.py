"""The daily reminder job (equipment.reminders, registered in equipment/tasks.py, run by the platform's job runner):
the owner (使用单位) gets one message — in its console inbox and over real SMTP (aiosmtpd on 127.0.0.1) — listing
its units due within 30 days (《特种设备安全法》第四十条: 在检验合格有效期届满前一个月 向检验机构提出定期检验要求),
due today and overdue; a second run the same day sends nothing again."""

from __future__ import annotations

import datetime as dt
import socket
import time
from email import message_from_string
from email.policy import default

from aiosmtpd.controller import Controller
from sqlalchemy import select

from tests import factories
from tests.equipment.helpers import elevator
from zhijian.catalog import service as catalog
from zhijian.catalog.schemas import OrganizationPatch
from zhijian.consumer.models import Notification
from zhijian.equipment import rules, service
from zhijian.platform.auth import SYSTEM
from zhijian.platform.config import get_settings


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd hook)
        self.messages.append((list(envelope.rcpt_tos), envelope.content.decode("utf-8", "replace")))
        return "250 OK"


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_reminder_stages():
    on = dt.date(2026, 12, 2)
    assert service.reminder_stage(dt.date(2027, 1, 1), on) == "due_soon"  # 30 days before
    assert service.reminder_stage(dt.date(2027, 1, 2), on) is None  # 31 days: not yet
    assert service.reminder_stage(on, on) == "due_today"
    assert service.reminder_stage(dt.date(2026, 12, 1), on) == "overdue"


def test_reminder_job_mails_the_owner_once(app, client, db, monkeypatch):
    smtp = _Inbox()
    port = _port()
    ctl = Controller(smtp, hostname="127.0.0.1", port=port)
    ctl.start()
    monkeypatch.setenv("ZHIJIAN_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ZHIJIAN_SMTP_PORT", str(port))
    get_settings.cache_clear()
    today = service.today()
    try:
        with db.session(SYSTEM) as s:
            owner = factories.enterprise(s)
            address = f"anquan-{owner.id}@owner.test"
            catalog.update_organization(s, SYSTEM, owner.id, OrganizationPatch(email=address))
            soon = elevator(s, owner.id, last=rules.add_months(today + dt.timedelta(days=20), -12))
            due = elevator(s, owner.id, last=rules.add_months(today, -12))
            late = elevator(s, owner.id, last=rules.add_months(today - dt.timedelta(days=3), -12))
            fine = elevator(s, owner.id, last=rules.add_months(today + dt.timedelta(days=90), -12))
            owner_id = owner.id
            codes = {"due_soon": soon.code, "due_today": due.code, "overdue": late.code, "ok": fine.code}
            assert due.next_due_on == today and late.next_due_on == today - dt.timedelta(days=3)
        job = app.state.jobs.wait(app.state.jobs.enqueue("equipment.reminders"), timeout=60)
        assert job.status == "done", job.error
        assert job.result["units"] >= 3
        for _ in range(100):
            if any(address in m[0] for m in smtp.messages):
                break
            time.sleep(0.1)
        mine = [m for m in smtp.messages if address in m[0]]
        assert len(mine) == 1
        msg = message_from_string(mine[0][1], policy=default)
        text = msg.get_body().get_content()
        assert "30 日内到期 1 台" in msg["Subject"] and "今日到期 1 台" in msg["Subject"] and "已超期 1 台" in msg["Subject"]
        assert codes["due_soon"] in text and codes["due_today"] in text and codes["overdue"] in text
        assert codes["ok"] not in text and "第四十条" in text
        with db.session() as s:
            inbox = list(s.scalars(select(Notification).where(Notification.organization_id == owner_id,
                                                                 Notification.kind == "equipment.due")))
            assert len(inbox) == 1 and inbox[0].email_status == "queued"
        # the same day again: nothing new for this owner
        job = app.state.jobs.wait(app.state.jobs.enqueue("equipment.reminders"), timeout=60)
        assert job.status == "done", job.error
        time.sleep(0.5)
        assert len([m for m in smtp.messages if address in m[0]]) == 1
        with db.session() as s:
            assert len(list(s.scalars(select(Notification.id).where(Notification.organization_id == owner_id,
                                                                       Notification.kind == "equipment.due")))) == 1
    finally:
        ctl.stop()
        get_settings.cache_clear()
