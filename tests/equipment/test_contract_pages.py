"""The console pages of maintenance (维保单位许可, 维保合同) and the institute's 退回 of an inspection request, through
the real app: every form answers its errors beside the field (422, never a 500) and calls the same service as the
API — 《特种设备安全法》第四十五条 (licensed companies only), TSG T5002-2017 第2.2条 (the contract), 第四十条 (the
request to the institute)."""

from __future__ import annotations

import datetime as dt
import re

from tests import factories
from tests.equipment.helpers import elevator
from zhijian.equipment import rules, service
from zhijian.equipment.models import EquipmentContract, EquipmentMaintainerLicence
from zhijian.equipment.schemas import LicenceIn
from zhijian.platform.auth import SYSTEM


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def test_regulator_registers_and_renews_a_licence_the_company_reads_it(client, db, login):
    today = service.today()
    with db.session() as s:
        reg, company = factories.regulator(s), factories.enterprise(s)
        company_id, company_name = company.id, company.name
    r_h, c_h = login("regulator", reg), login("enterprise", company)
    page = client.get("/console/equipment/licences", headers=r_h)
    assert page.status_code == 200 and 'action="/console/equipment/licences"' in page.text
    number = f"TS3433{company_id:07d}"
    form = {"csrf_token": _token(page.text), "organization_id": str(company_id), "licence_no": number,
            "scope": "电梯修理 A2", "issued_on": today.isoformat(), "valid_until": today.isoformat()}
    r = client.post("/console/equipment/licences", headers=r_h, data=form)
    assert r.status_code == 422 and 'id="valid_until-error"' in r.text and "有效期应晚于发证日期" in r.text
    until = today + dt.timedelta(days=30)
    r = client.post("/console/equipment/licences", headers=r_h, follow_redirects=False,
                    data=form | {"valid_until": until.isoformat()})
    assert r.status_code == 303, r.text
    with db.session() as s:
        lic_id = s.query(EquipmentMaintainerLicence.id).filter_by(organization_id=company_id).scalar()
    # 换证 through the edit form: a new validity, same row
    edit = client.get(f"/console/equipment/licences/{lic_id}", headers=r_h)
    assert edit.status_code == 200 and number in edit.text
    renewed = today + dt.timedelta(days=4 * 365)
    r = client.post(f"/console/equipment/licences/{lic_id}", headers=r_h, follow_redirects=False, data={
        "csrf_token": _token(edit.text), "licence_no": number, "scope": "电梯修理 A1", "issued_on": today.isoformat(),
        "valid_until": renewed.isoformat()})
    assert r.status_code == 303, r.text
    own = client.get("/console/equipment/licences", headers=c_h)
    assert own.status_code == 200 and company_name in own.text and renewed.isoformat() in own.text
    assert 'action="/console/equipment/licences"' not in own.text  # the company reads, it does not register
    r = client.post("/console/equipment/licences", headers=c_h, data=form | {"csrf_token": _token(own.text)})
    assert r.status_code == 403


def test_owner_signs_edits_and_terminates_a_contract_through_the_pages(client, db, login):
    today = service.today()
    with db.session() as s:
        owner, company = factories.enterprise(s), factories.enterprise(s)
        service.register_licence(s, SYSTEM, _licence_in(company.id, today))
        code = elevator(s, owner.id, last=today - dt.timedelta(days=30)).code
        company_id = company.id
    o_h, c_h = login("enterprise", owner), login("enterprise", company)
    page = client.get("/console/equipment/contracts", headers=o_h)
    assert page.status_code == 200 and f'<option value="{company_id}"' in page.text  # licensed: offered
    token = _token(page.text)
    form = {"csrf_token": token, "code": code, "maintainer_id": str(company_id), "starts_on": today.isoformat(),
            "ends_on": today.isoformat(), "contract_no": "WB-P-1"}
    r = client.post("/console/equipment/contracts", headers=o_h, data=form)
    assert r.status_code == 422 and 'id="ends_on-error"' in r.text and "合同终止日期应晚于起始日期" in r.text
    ends = today + dt.timedelta(days=365)
    r = client.post("/console/equipment/contracts", headers=o_h, follow_redirects=False,
                    data=form | {"ends_on": ends.isoformat()})
    assert r.status_code == 303, r.text
    with db.session() as s:
        cid = s.query(EquipmentContract.id).filter_by(maintainer_id=company_id).scalar()
    listed = client.get("/console/equipment/contracts", headers=c_h)  # the company sees its contract
    assert listed.status_code == 200 and code in listed.text and "履行中" in listed.text
    assert 'action="/console/equipment/contracts"' not in listed.text  # … without the signing form
    detail = client.get(f"/console/equipment/contracts/{cid}", headers=o_h)
    assert detail.status_code == 200 and "修改合同" in detail.text and "解除合同" in detail.text
    r = client.post(f"/console/equipment/contracts/{cid}", headers=o_h, follow_redirects=False, data={
        "csrf_token": token, "contract_no": "WB-P-1A", "starts_on": today.isoformat(),
        "ends_on": (ends + dt.timedelta(days=30)).isoformat()})
    assert r.status_code == 303, r.text
    r = client.post(f"/console/equipment/contracts/{cid}/terminate", headers=o_h, data={
        "csrf_token": token, "terminated_on": today.isoformat(), "reason": ""})
    assert r.status_code == 422 and 'id="reason-error"' in r.text
    r = client.post(f"/console/equipment/contracts/{cid}/terminate", headers=o_h, follow_redirects=False, data={
        "csrf_token": token, "terminated_on": today.isoformat(), "reason": "维保质量不达标"})
    assert r.status_code == 303, r.text
    gaps = client.get("/console/equipment/contracts", headers=o_h).text
    section = gaps[gaps.index('id="gaps"'):gaps.index('id="contracts"')]
    assert code in section and "无维保单位" in section
    closed = client.get(f"/console/equipment/contracts/{cid}", headers=o_h).text
    assert "维保质量不达标" in closed and "WB-P-1A" in closed and 'action="/console/equipment/contracts/' \
        f'{cid}/terminate"' not in closed
    scan = client.get(f"/equipment/u/{code}").text
    assert "本电梯目前没有维护保养单位" in scan
    # the API answers the same record
    api = client.get("/api/v1/equipment/contracts", headers=o_h, params={"code": code}).json()
    assert [(x["id"], x["terminated_on"], x["termination_reason"]) for x in api["items"]] == [
        (cid, today.isoformat(), "维保质量不达标")]


def test_institute_declines_a_request_with_its_reason_and_the_owner_sees_it(client, db, login):
    today = service.today()
    with db.session() as s:
        owner, lab = factories.enterprise(s), factories.lab(s)
        code = elevator(s, owner.id, last=today - dt.timedelta(days=335)).code
        lab_id = lab.id
    o_h, i_h = login("enterprise", owner), login("inspector", lab)
    home = client.get("/console/equipment", headers=o_h)
    r = client.post("/console/equipment/requests", headers=o_h, follow_redirects=False, data={
        "csrf_token": _token(home.text), "rq_code": code, "rq_institute_id": str(lab_id), "rq_note": ""})
    assert r.status_code == 303, r.text
    inst = client.get("/console/equipment", headers=i_h).text
    action = re.search(r'action="(/console/equipment/requests/\d+/decline)"', inst).group(1)  # type: ignore[union-attr]
    r = client.post(action, headers=i_h, data={"csrf_token": _token(inst), "dc_note": ""})
    assert r.status_code == 422 and "dc_note" in r.text  # a reason is required, shown on the page
    r = client.post(action, headers=i_h, follow_redirects=False, data={
        "csrf_token": _token(inst), "dc_note": "该设备不在本机构核准的检验范围内"})
    assert r.status_code == 303, r.text
    mine = client.get("/console/equipment", headers=o_h).text
    row = re.search(r'<tr id="request-\d+">.*?</tr>', mine, re.S).group(0)  # type: ignore[union-attr]
    assert "已退回" in row and "该设备不在本机构核准的检验范围内" in row
    r = client.post("/console/equipment/requests", headers=o_h, follow_redirects=False, data={  # ask again
        "csrf_token": _token(mine), "rq_code": code, "rq_institute_id": str(lab_id), "rq_note": ""})
    assert r.status_code == 303, r.text


def _licence_in(org_id: int, today: dt.date) -> LicenceIn:
    return LicenceIn(organization_id=org_id, licence_no=f"TS3433{org_id:08d}", scope="电梯修理 A2",
                     issued_on=today - dt.timedelta(days=100), valid_until=today + dt.timedelta(days=1000))


def test_company_registers_its_workers_certificates_through_the_page(client, db, login):
    """作业人员证 (《特种设备作业人员监督管理办法》: valid 4 years, 复审 before expiry): the company registers its own
    worker; an unknown 作业项目 is refused beside its field; a certificate expiring within 90 days is 待复审."""
    today = service.today()
    with db.session() as s:
        company = factories.enterprise(s)
    c_h = login("enterprise", company)
    page = client.get("/console/equipment/workers", headers=c_h)
    assert page.status_code == 200 and 'name="employer_id"' not in page.text  # its own workers only
    cert = f"33010619800101{company.id % 10000:04d}"
    issued = today - dt.timedelta(days=4 * 365 - 30)  # 4 years after issue falls within the next 90 days
    form = {"csrf_token": _token(page.text), "cert_no": cert, "name": "王建国", "item": "ZZ",
            "issued_on": issued.isoformat()}
    r = client.post("/console/equipment/workers", headers=c_h, data=form)
    assert r.status_code == 422 and 'id="item-error"' in r.text
    r = client.post("/console/equipment/workers", headers=c_h, follow_redirects=False, data=form | {"item": "T"})
    assert r.status_code == 303, r.text
    soon = client.get("/console/equipment/workers?expiring=1", headers=c_h).text
    row = re.search(rf"<tr><td>{cert}</td>.*?</tr>", soon, re.S).group(0)  # type: ignore[union-attr]
    assert "待复审" in row and rules.add_months(issued, 48).isoformat() in row
