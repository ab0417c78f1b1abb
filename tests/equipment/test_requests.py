"""检验申请 on every database, and licences / contracts / requests through the real API.

《特种设备安全法》第四十条: 特种设备使用单位应当按照安全技术规范的要求，在检验合格有效期届满前一个月向特种设备检验机构
提出定期检验要求 — the owner requests, the institute accepts and schedules, its report closes the request; one
open request per unit (a concurrent duplicate: exactly one wins).
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from tests import factories
from tests.equipment.helpers import elevator
from zhijian.equipment import service
from zhijian.equipment.schemas import InspectionIn, InspectionRequestIn, ScheduleIn
from zhijian.platform.auth import Actor
from zhijian.platform.errors import Conflict, DomainError, InvalidTransition, NotFound, PermissionDenied

PROBLEM = "application/problem+json"


def _ent(org_id: int) -> Actor:
    return Actor(None, f"ent-{org_id}", "enterprise", org_id)


def _lab(org_id: int) -> Actor:
    return Actor(None, f"lab-{org_id}", "inspector", org_id)


def test_request_schedule_report_closes(db):
    today = service.today()
    with db.session() as s:
        owner, other = factories.enterprise(s), factories.enterprise(s)
        lab, lab2 = factories.lab(s), factories.lab(s)
        # last inspected 11 months ago: TSG T7001-2023 → due in a month, the 第四十条 request window
        unit = elevator(s, owner.id, last=today - dt.timedelta(days=335))
        with pytest.raises(PermissionDenied):  # the institute does not request on the owner's behalf
            service.request_inspection(s, _lab(lab.id), unit.code, InspectionRequestIn(institute_id=lab.id))
        with pytest.raises(DomainError) as exc:  # an enterprise is not an inspection institute
            service.request_inspection(s, _ent(owner.id), unit.code, InspectionRequestIn(institute_id=other.id))
        assert exc.value.field == "institute_id"
        req = service.request_inspection(s, _ent(owner.id), unit.code, InspectionRequestIn(institute_id=lab.id,
                                                                                            note="请于月底前安排"))
        assert (req.status, req.due_on, req.requested_on) == ("requested", unit.next_due_on, today)
        with pytest.raises(Conflict):  # one open request per unit
            service.request_inspection(s, _ent(owner.id), unit.code, InspectionRequestIn(institute_id=lab2.id))
        with pytest.raises(NotFound):  # another institute does not see it
            service.schedule_request(s, _lab(lab2.id), req.id, ScheduleIn(scheduled_on=today))
        with pytest.raises(DomainError) as exc:
            service.schedule_request(s, _lab(lab.id), req.id, ScheduleIn(scheduled_on=today - dt.timedelta(days=1)))
        assert exc.value.field == "scheduled_on"
        service.schedule_request(s, _lab(lab.id), req.id, ScheduleIn(scheduled_on=today + dt.timedelta(days=7)))
        assert [(r.id, c) for r, c in service.inspection_requests(s, _lab(lab.id), status="scheduled")] == [
            (req.id, unit.code)]
        assert service.inspection_requests(s, _lab(lab2.id)) == []
        assert [r.id for r, _ in service.inspection_requests(s, _ent(owner.id))] == [req.id]
        rep = service.record_inspection(s, _lab(lab.id), unit.code, InspectionIn(
            report_no=f"REQ-{unit.code}", inspected_on=today, conclusion="合格"))
        assert (req.status, req.inspection_id, req.open_key) == ("closed", rep.id, None)
        with pytest.raises(InvalidTransition):
            service.schedule_request(s, _lab(lab.id), req.id, ScheduleIn(scheduled_on=today))
        # closed: the owner may ask again (next cycle); a declined request frees the unit too
        again = service.request_inspection(s, _ent(owner.id), unit.code, InspectionRequestIn(institute_id=lab2.id))
        with pytest.raises(DomainError):
            service.decline_request(s, _lab(lab2.id), again.id, " ")
        service.decline_request(s, _lab(lab2.id), again.id, "本机构无电梯检验资质")
        assert again.status == "declined" and again.open_key is None
        service.request_inspection(s, _ent(owner.id), unit.code, InspectionRequestIn(institute_id=lab.id))


def test_concurrent_requests_one_wins(db):
    today = service.today()
    with db.session() as s:
        owner, lab = factories.enterprise(s), factories.lab(s)
        code = elevator(s, owner.id, last=today - dt.timedelta(days=335)).code
        owner_id, lab_id = owner.id, lab.id
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def ask() -> None:
        try:
            with db.session() as s2:
                barrier.wait()
                service.request_inspection(s2, _ent(owner_id), code, InspectionRequestIn(institute_id=lab_id))
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]


def test_api_licence_contract_request_end_to_end(client, db, login):
    today = service.today()
    with db.session() as s:
        owner, maint, lab = factories.enterprise(s), factories.enterprise(s), factories.lab(s)
        reg = factories.regulator(s, "municipal", "330100")
        code = elevator(s, owner.id, last=today - dt.timedelta(days=335)).code
        ids = owner.id, maint.id, lab.id
    regulator, o, m, inst = login("regulator", reg), login("enterprise", owner), login("enterprise", maint), login(
        "inspector", lab)
    lic = {"organization_id": ids[1], "licence_no": f"TS3433{ids[1]:06d}", "scope": "电梯修理 A2",
           "issued_on": (today - dt.timedelta(days=100)).isoformat(),
           "valid_until": (today + dt.timedelta(days=1000)).isoformat()}
    assert client.post("/api/v1/equipment/licences", json=lic, headers=m).status_code == 403
    r = client.post("/api/v1/equipment/licences", json={**lic, "valid_until": lic["issued_on"]}, headers=regulator)
    assert r.status_code == 422 and r.headers["content-type"].startswith(PROBLEM), r.text
    assert r.json()["code"] == "equipment.bad_validity"
    assert client.post("/api/v1/equipment/licences", json=lic, headers=regulator).status_code == 201
    term = {"maintainer_id": ids[1], "starts_on": today.isoformat(),
            "ends_on": (today + dt.timedelta(days=365)).isoformat(), "contract_no": "WB-2026-001"}
    r = client.post(f"/api/v1/equipment/units/{code}/contracts", json=term, headers=o)
    assert r.status_code == 201, r.text
    assert client.get(f"/api/v1/equipment/units/{code}", headers=o).json()["maintainer_id"] == ids[1]
    r = client.post(f"/api/v1/equipment/units/{code}/contracts", json=term, headers=o)
    assert r.status_code == 409 and r.json()["code"] == "equipment.contract_overlap"
    # the request: owner asks, institute schedules, report closes
    r = client.post(f"/api/v1/equipment/units/{code}/inspection-requests", json={"institute_id": ids[2]}, headers=o)
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    r = client.post(f"/api/v1/equipment/inspection-requests/{rid}/schedule",
                    json={"scheduled_on": "2020-01-01"}, headers=inst)
    assert r.status_code == 422 and r.json()["code"] == "equipment.past_date"
    r = client.post(f"/api/v1/equipment/inspection-requests/{rid}/schedule",
                    json={"scheduled_on": today.isoformat()}, headers=inst)
    assert r.status_code == 200 and r.json()["status"] == "scheduled" and r.json()["unit_code"] == code
    r = client.post(f"/api/v1/equipment/units/{code}/inspections", headers=inst,
                    json={"report_no": f"API-REQ-{code}", "inspected_on": today.isoformat(), "conclusion": "合格"})
    assert r.status_code == 201, r.text
    r = client.get("/api/v1/equipment/inspection-requests", headers=o)
    assert [(x["id"], x["status"], x["status_zh"]) for x in r.json()] == [(rid, "closed", "已出具报告")]


def test_cli_licence_contract_request_schedule(sqlite_db, monkeypatch):
    from typer.testing import CliRunner

    from zhijian.platform.cli import app

    runner = CliRunner()
    monkeypatch.setenv("ZHIJIAN_DATABASE_URL", sqlite_db.url)
    today = service.today()
    with sqlite_db.session() as s:
        owner, maint, lab = factories.enterprise(s), factories.enterprise(s), factories.lab(s)
        code = elevator(s, owner.id, last=today - dt.timedelta(days=335)).code
        o, m, inst = owner.id, maint.id, lab.id
    r = runner.invoke(app, ["equipment", "contract", code, "--maintainer", str(m), "--starts", today.isoformat(),
                            "--ends", (today + dt.timedelta(days=365)).isoformat()])
    assert r.exit_code == 2 and "许可" in r.output, r.output  # 第四十五条: unlicensed, one line, exit 2
    r = runner.invoke(app, ["equipment", "licence", "--organization", str(m), "--licence-no", f"TS3433{m:06d}",
                            "--issued", "2024-01-01", "--valid-until", "2028-01-01"])
    assert r.exit_code == 0 and "2028-01-01" in r.output, r.output
    r = runner.invoke(app, ["equipment", "licence", "--organization", str(m), "--licence-no", "X",
                            "--issued", "2024-13-01", "--valid-until", "2028-01-01"])
    assert r.exit_code == 2 and "issued" in r.output, r.output
    r = runner.invoke(app, ["equipment", "contract", code, "--maintainer", str(m), "--starts", today.isoformat(),
                            "--ends", (today + dt.timedelta(days=365)).isoformat()])
    assert r.exit_code == 0 and f"维保单位 {m}" in r.output, r.output
    r = runner.invoke(app, ["equipment", "request", code, "--owner", str(o), "--institute", str(inst)])
    assert r.exit_code == 0 and "已申请" in r.output, r.output
    rid = r.output.split()[1]
    r = runner.invoke(app, ["equipment", "schedule", rid, "--institute", str(inst), "--on", today.isoformat()])
    assert r.exit_code == 0 and "已排期" in r.output, r.output
    r = runner.invoke(app, ["equipment", "requests", "--status", "scheduled"])
    assert code in r.output
