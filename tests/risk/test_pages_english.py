"""Issue #21 finding 8: on an English screen the risk room's own labels are English — the alert's field labels
and measures on its public page, the signal's method and status on the console, the trace of a signal's basis
— and on a Chinese screen its status is a term, not a code (`false_alarm`, `draft`)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests import factories
from tests.web.test_pages import web_login
from zhijian.platform.app import create_app
from zhijian.platform.auth import SYSTEM
from zhijian.risk import service
from zhijian.risk.models import Signal
from zhijian.risk.schemas import AlertIn

CJK = re.compile(r"[\u3400-\u9fff]+")


@pytest.fixture
def client(sqlite_db, settings) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(sqlite_db, dataclasses.replace(settings, public_rate_limit=0))) as c:
        yield c


def _text(page: str) -> str:
    return re.sub(r"<[^>]+>", " ", page)


def test_public_alert_and_signal_pages_in_english(client, sqlite_db):
    uid = factories.uid()
    with sqlite_db.session() as s:
        actor = SYSTEM
        sig = Signal(fingerprint=f"count_cusum|{uid}|2026-03", kind="count", method="count_cusum",
                     series_key=f"cat:{uid}", series_label=f"Kettles {uid}", period="2026-03", observed=7.0,
                     expected=2.0, status="confirmed", evidence={})
        s.add(sig)
        s.flush()
        alert = service.create_alert(s, actor, AlertIn(
            title=f"Kettle {uid}", risk_level="serious", signal_id=sig.id,
            fields={"measures": ["recall", "withdrawal"], "description": f"Kettle {uid}"},
            public_fields=["measures", "description"]))
        service.publish_alert(s, actor, alert.id)
        ref, sid = alert.ref, sig.id
    page = client.get(f"/risk/alerts/{ref}?lang=en")
    assert page.status_code == 200
    facts = _text(re.search(r'<dl class="facts">.*?</dl>', page.text, re.S).group(0))
    assert "Recall from consumers, Withdrawal from the market" in facts and "Product description" in facts
    assert not CJK.findall(facts), CJK.findall(facts)
    zh = _text(re.search(r'<dl class="facts">.*?</dl>', client.get(f"/risk/alerts/{ref}?lang=zh_CN").text,
                         re.S).group(0))
    assert "召回（从消费者处收回）、下架（从市场撤回）" in zh
    web_login(client, sqlite_db, "regulator")
    console = client.get(f"/console/risk/signals/{sid}?lang=en").text
    dl = _text(re.search(r"<dl.*?</dl>", console, re.S).group(0))
    assert "Confirmed" in dl and "confirmed" not in dl.replace("Confirmed", "")  # the status by its name
    listed = client.get("/console/risk/alerts?lang=zh_CN").text
    row = _text(re.search(rf'<tr id="a\d+"><td>{ref}</td>.*?</tr>', listed, re.S).group(0))
    assert "已发布" in row and "published" not in row
