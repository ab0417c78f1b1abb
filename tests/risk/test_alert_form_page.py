"""Issue 21, finding 2: creating a risk alert without a signal answered raw JSON 422 and lost everything typed,
and signal ids had to be typed by hand. The console form now re-renders with the message at the field and every
typed value kept, and offers the confirmed signals the actor may see in a picker (open ones shown, disabled)."""

from __future__ import annotations

import re

from zhijian.risk.models import Signal


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert m, "no CSRF field in the form"
    return m.group(1)


def _signal(db, status: str, label: str) -> int:  # type: ignore[no-untyped-def]
    with db.session() as s:
        sig = Signal(fingerprint=f"count_cusum|{label}|2026-03", kind="count", method="count_cusum",
                     series_key=f"cat:{label}", series_label=label, period="2026-03", observed=7.0, expected=2.0,
                     status=status, evidence={})
        s.add(sig)
        s.flush()
        sid = sig.id
        s.commit()
    return sid


def test_alert_without_basis_rerenders_with_message_and_values(client, db, login) -> None:
    reg = login("regulator")
    page = client.get("/console/risk/alerts", headers=reg)
    assert page.status_code == 200
    r = client.post("/console/risk/alerts", headers=reg, follow_redirects=False, data={
        "csrf_token": _csrf(page.text), "title": "儿童玩具邻苯二甲酸酯超标风险", "risk_level": "serious",
        "signal_id": "", "assessment_id": "", "enterprise_ids": "", "f_hazard": "增塑剂超标",
        "f_measures": ["recall"], "public": ["hazard"]})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("text/html")  # was application/problem+json
    html = r.text
    assert 'id="err-signal_id"' in html and "风险警示须基于已确认的信号或风险评估" in html
    assert 'value="儿童玩具邻苯二甲酸酯超标风险"' in html and 'value="增塑剂超标"' in html
    assert re.search(r'<option value="serious" selected>', html)
    assert re.search(r'name="f_measures" value="recall" checked', html)
    assert re.search(r'name="public" value="hazard" checked', html)


def test_alert_form_offers_signal_picker_and_creates_from_it(client, db, login) -> None:
    reg = login("regulator")
    ok = _signal(db, "confirmed", "电动自行车充电器")
    pending = _signal(db, "open", "儿童安全座椅")
    html = client.get("/console/risk/alerts", headers=reg).text
    assert re.search(r'<select id="signal_id" name="signal_id"', html)
    assert re.search(rf'<option value="{ok}"[^>]*>#{ok} 电动自行车充电器 · 2026-03', html)
    assert re.search(rf'<option value="{pending}" disabled>', html)  # visible, but needs 研判 first
    r = client.post("/console/risk/alerts", headers=reg, follow_redirects=False, data={
        "csrf_token": _csrf(html), "title": "充电器起火风险", "risk_level": "high", "signal_id": str(ok)})
    assert r.status_code == 303, r.text
    # a typed-by-hand id of a signal not yet confirmed lands at the field too
    r = client.post("/console/risk/alerts", headers=reg, follow_redirects=False, data={
        "csrf_token": _csrf(html), "title": "座椅风险", "risk_level": "high", "signal_id": str(pending)})
    assert r.status_code == 422 and "信号尚未确认" in r.text and 'value="座椅风险"' in r.text
    r = client.post("/console/risk/alerts", headers=reg, follow_redirects=False, data={
        "csrf_token": _csrf(html), "title": "x", "risk_level": "high", "enterprise_ids": "12,abc"})
    assert r.status_code == 422 and 'id="err-enterprise_ids"' in r.text and 'value="12,abc"' in r.text
