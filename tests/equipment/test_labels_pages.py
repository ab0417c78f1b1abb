"""The unit's GS1 code and the pages around it: the GIAI (AI 8004: GS1 Company Prefix + the 设备代码 as asset
reference, ≤ 30 characters — GS1 General Specifications §3.9.10) as a Digital Link that the resolver syntax
accepts and that opens the scan page; the PDF label sheet; the scan page's hazard report opening the public
complaint form prefilled with the unit (it was not: the link used parameters the form does not read); and the
console home of each role with its form (institute → report, maintenance company → visit, owner → sign)."""

from __future__ import annotations

import datetime as dt
import html
import re
import zlib

from tests import factories
from tests.equipment.helpers import elevator
from zhijian.equipment import rules, service
from zhijian.equipment.labels import Label, render
from zhijian.trace import digital_link


def _streams(pdf: bytes) -> bytes:
    """All page content of a ReportLab PDF, inflated (streams are Flate-compressed)."""
    out = []
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\n?endstream", pdf, re.S):
        data = m.group(1)
        try:
            out.append(zlib.decompress(data))
        except zlib.error:
            try:
                import base64

                out.append(zlib.decompress(base64.a85decode(data.strip(), adobe=True)))
            except Exception:
                out.append(data)
    return b"\n".join(out)


def test_giai_and_its_digital_link():
    code = "311033001201800001"
    value = rules.giai_for(code, "9520000")
    assert value == "9520000311033001201800001" and len(value) == 25
    link = rules.giai_link("id.zhijian.example", value)
    assert link == "https://id.zhijian.example/equipment/8004/9520000311033001201800001"
    parsed = digital_link.parse(link, stem="/equipment")  # GS1 Digital Link syntax, custom path stem
    assert (parsed.key_ai, parsed.key, parsed.element_string()) == ("8004", value, f"(8004){value}")
    assert rules.code_from_giai(value, "9520000") == code
    assert rules.code_from_giai("9520001311033001201800001", "9520000") is None
    for bad in ("95", "95200001234567", "95A0000"):  # a company prefix has 4–12 digits
        try:
            rules.giai_for(code, bad)
        except Exception as exc:  # noqa: BLE001
            assert getattr(exc, "code", "") == "equipment.bad_gcp"
        else:
            raise AssertionError(bad)
    try:
        rules.giai_for(code, "952000012345")  # 12 + 18 = 30: still fine
    except Exception as exc:  # noqa: BLE001
        raise AssertionError(exc) from exc


def test_label_sheet_pdf_pages_and_text():
    labels = [Label(f"3110330012018{n:05d}", "曳引驱动乘客电梯", f"梯11浙A{n:05d}", f"9520000311033001201800{n:03d}",
                    f"https://id.zhijian.example/equipment/8004/9520000311033001201800{n:03d}", "96333")
              for n in range(25)]
    pdf = render(labels)
    assert pdf.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type /Page\b", pdf)) == 2  # 3 × 8 = 24 labels a page
    text = _streams(pdf)
    assert rb"\(8004\)9520000311033001201800000" in text and b"311033001201800024" in text  # "(" escaped in PDF


def test_scan_by_giai_labels_and_prefilled_hazard_report(client, db, login):
    today = service.today()
    with db.session() as s:
        owner, maint = factories.enterprise(s), factories.enterprise(s)
        unit = elevator(s, owner.id, last=today - dt.timedelta(days=100), maintainer_id=maint.id)
        code, owner_org = unit.code, owner
    value = rules.giai_for(code, service.gs1_prefix())
    r = client.get(f"/equipment/8004/{value}")
    assert r.status_code == 200 and code in r.text and "96333" in r.text
    assert client.get("/equipment/8004/9520000311033000201899999").status_code == 404
    public = client.get(f"/api/v1/equipment/public/{code}").json()
    assert public["giai"] == value and public["digital_link"].endswith(f"/equipment/8004/{value}")
    # the hazard-report button opens the complaint form with the unit filled in
    page = client.get(f"/equipment/u/{code}").text
    href = html.unescape(re.search(r'href="(/complaints/new\?[^"]+)"', page).group(1))
    form = client.get(href)
    assert form.status_code == 200
    assert f'value="曳引驱动乘客电梯 设备代码 {code}"' in form.text
    assert re.search(r'<option value="report"\s+selected', form.text)
    assert "文三路 1 号 2 单元" in form.text  # the unit's place, in 购买地点 (the form's place field)
    # label sheets: the owner's units through the API (PDF), nothing for the public
    o = login("enterprise", owner_org)
    r = client.get("/api/v1/equipment/labels.pdf", params={"owner_id": owner_org.id}, headers=o)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF")
    assert code.encode() in _streams(r.content)
    assert client.get("/api/v1/equipment/labels.pdf").status_code == 401


def test_role_homes_and_their_forms(client, db, login):
    today = service.today()
    with db.session() as s:
        owner, maint, lab = factories.enterprise(s), factories.enterprise(s), factories.lab(s)
        reg = factories.regulator(s, "municipal", "330100")
        soon = elevator(s, owner.id, last=rules.add_months(today + dt.timedelta(days=10), -12), maintainer_id=maint.id)
        late = elevator(s, owner.id, last=today - dt.timedelta(days=380), maintainer_id=maint.id)
        orgs = owner, maint, lab, reg
        codes = soon.code, late.code
    o, m, i, g = (login(r, org) for r, org in zip(("enterprise", "enterprise", "inspector", "regulator"), orgs,
                                                     strict=True))
    # regulator: cards and the overdue list of its division
    r = client.get("/console/equipment", headers=g)
    assert r.status_code == 200 and "特种设备超期未检" in r.text
    home = client.get("/console", headers=g)  # the console home gathers every room's cards (dashboard_cards)
    assert home.status_code == 200 and "特种设备超期未检" in home.text
    r = client.get("/console/equipment/due", params={"state": "overdue"}, headers=g)
    assert codes[1] in r.text
    # institute: sees units due within 30 days (its requests) and records a report through the form
    r = client.get("/console/equipment", headers=i)
    assert "录入检验报告" in r.text and codes[0] in r.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', r.text).group(1)
    r = client.post("/console/equipment/inspections", headers=i, follow_redirects=False, data={
        "csrf_token": token, "code": codes[1], "report_no": f"WEB-{codes[1]}", "inspected_on": today.isoformat(),
        "conclusion": "合格"})
    assert r.status_code == 303, r.text
    r = client.post("/console/equipment/inspections", headers=i, data={
        "csrf_token": token, "code": codes[1], "report_no": f"WEB-{codes[1]}", "inspected_on": today.isoformat(),
        "conclusion": "合格"})
    assert r.status_code == 409 and "报告编号已存在" in r.text  # shown in place, not a 500
    # maintenance company: records a visit; owner: sees it unsigned, signs it
    r = client.get("/console/equipment", headers=m)
    assert '<textarea id="items" name="items"></textarea>' in r.text  # empty (it showed a dict method's repr)
    assert codes[1] in r.text  # the maintained unit's overdue inspection is on the maintenance company's home
    token = re.search(r'name="csrf_token" value="([^"]+)"', r.text).group(1)
    r = client.post("/console/equipment/maintenance", headers=m, follow_redirects=False, data={
        "csrf_token": token, "code": codes[0], "maintained_on": today.isoformat(), "kind": "half_month",
        "worker_name": "王师傅", "worker_cert_no": "T330106001", "items": "门锁回路检查\n制动器检查"})
    assert r.status_code == 303, r.text
    r = client.get("/console/equipment", headers=o)
    assert "待签字确认的维保记录" in r.text and codes[0] in r.text
    sign = re.search(r'action="(/console/equipment/maintenance/\d+/sign)"', r.text).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', r.text).group(1)
    assert client.post(sign, headers=o, data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert "待签字确认的维保记录" not in client.get("/console/equipment", headers=o).text
    # the owner reports an entrapment through the form → the incident page with its figures
    occurred = (dt.datetime.now(service.CHINA) - dt.timedelta(hours=1)).replace(tzinfo=None, second=0, microsecond=0)
    r = client.post("/console/equipment/incidents", headers=o, follow_redirects=False, data={
        "csrf_token": token, "in_code": codes[0], "in_kind": "entrapment",
        "in_occurred_at": occurred.isoformat(timespec="minutes"), "in_called_at": occurred.isoformat(timespec="minutes"),
        "in_arrived_at": (occurred + dt.timedelta(minutes=20)).isoformat(timespec="minutes"),
        "in_released_at": (occurred + dt.timedelta(minutes=35)).isoformat(timespec="minutes"), "in_trapped_people": "2"})
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"], headers=o)
    assert page.status_code == 200 and "困人" in page.text and "20" in page.text
    r = client.post("/console/equipment/incidents", headers=o, data={
        "csrf_token": token, "in_code": codes[0], "in_kind": "entrapment", "in_occurred_at": "not a time"})
    assert r.status_code == 422 and 'id="in_occurred_at-error"' in r.text  # the error beside its field
