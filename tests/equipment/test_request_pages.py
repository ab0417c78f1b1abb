"""检验申请 through the console (《特种设备安全法》第四十条): the owner's home has the request form, the institute's
home lists the requests asked of it with a schedule form; errors are shown beside their field, not as a 500."""

from __future__ import annotations

import datetime as dt
import re

from tests import factories
from tests.equipment.helpers import elevator
from zhijian.equipment import service


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def test_owner_requests_institute_schedules_through_the_console(client, db, login):
    today = service.today()
    with db.session() as s:
        owner, lab = factories.enterprise(s), factories.lab(s)
        code = elevator(s, owner.id, last=today - dt.timedelta(days=335)).code
        lab_id, lab_name = lab.id, lab.name
    o, i = login("enterprise", owner), login("inspector", lab)
    r = client.get("/console/equipment", headers=o)
    assert r.status_code == 200 and "申请定期检验" in r.text and lab_name in r.text
    token = _token(r.text)
    r = client.post("/console/equipment/requests", headers=o, data={
        "csrf_token": token, "rq_code": code, "rq_institute_id": "", "rq_note": ""})
    assert r.status_code == 422 and 'id="rq_institute_id-error"' in r.text
    r = client.post("/console/equipment/requests", headers=o, follow_redirects=False, data={
        "csrf_token": token, "rq_code": code, "rq_institute_id": str(lab_id), "rq_note": "月底前"})
    assert r.status_code == 303, r.text
    r = client.post("/console/equipment/requests", headers=o, data={
        "csrf_token": token, "rq_code": code, "rq_institute_id": str(lab_id), "rq_note": ""})
    assert r.status_code == 409 and "未完成的检验申请" in r.text  # one open request per unit, shown in place
    r = client.get("/console/equipment", headers=i)
    assert code in r.text and "受理并排期" in r.text
    action = re.search(r'action="(/console/equipment/requests/\d+/schedule)"', r.text).group(1)  # type: ignore[union-attr]
    r = client.post(action, headers=i, data={"csrf_token": _token(r.text), "scheduled_on": "2020-01-01"})
    assert r.status_code == 422 and "检验日期不能早于今天" in r.text
    r = client.post(action, headers=i, follow_redirects=False, data={
        "csrf_token": token, "scheduled_on": (today + dt.timedelta(days=5)).isoformat()})
    assert r.status_code == 303, r.text
    page = client.get("/console/equipment", headers=o).text
    assert "已排期" in page and (today + dt.timedelta(days=5)).isoformat() in page
