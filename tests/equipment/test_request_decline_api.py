"""The institute's 退回 of a 检验申请 through the real API (a `platform.actions` route since issue #17): the answer is
the request with its unit's code, as the hand-written route gave; a blank or absent reason is a 422; a second
退回 of a closed request is refused; the owner may ask again."""

from __future__ import annotations

import datetime as dt

from tests import factories
from tests.equipment.helpers import elevator
from zhijian.equipment import service


def test_api_decline_answers_the_request_with_its_unit(client, db, login):
    today = service.today()
    with db.session() as s:
        owner, lab = factories.enterprise(s), factories.lab(s)
        code = elevator(s, owner.id, last=today - dt.timedelta(days=335)).code
        ids = owner.id, lab.id
    o, inst = login("enterprise", owner), login("inspector", lab)
    r = client.post(f"/api/v1/equipment/units/{code}/inspection-requests", json={"institute_id": ids[1]}, headers=o)
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    url = f"/api/v1/equipment/inspection-requests/{rid}/decline"
    assert client.post(url, json={}, headers=inst).status_code == 422
    r = client.post(url, json={"note": "   "}, headers=inst)
    assert r.status_code == 422 and r.json()["code"] == "equipment.reason_required"
    assert client.post(url, json={"note": "本机构无电梯检验资质"}, headers=o).status_code == 403
    r = client.post(url, json={"note": "  本机构无电梯检验资质 "}, headers=inst)
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["id"], got["status"], got["status_zh"], got["unit_code"], got["note"]) == (
        rid, "declined", "已退回", code, "本机构无电梯检验资质")
    assert client.post(url, json={"note": "again"}, headers=inst).status_code == 409
    r = client.post(f"/api/v1/equipment/units/{code}/inspection-requests", json={"institute_id": ids[1]}, headers=o)
    assert r.status_code == 201, r.text
