"""维护保养 on every database: the elevator's 15-day rule (《特种设备安全监察条例》第三十一条: 电梯应当至少每15日
进行一次清洁、润滑、调整和检查; TSG T5002-2017 半月/季度/半年/年度维保), only the unit's maintenance company records
a visit (《特种设备安全法》第四十五条), the owner signs, a repair is not a maintenance cycle, the overdue list, one
visit of a kind per day even under concurrency."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from tests import factories
from tests.equipment.helpers import elevator, new_code
from zhijian.equipment import rules, service
from zhijian.equipment.schemas import MaintenanceIn, UnitIn
from zhijian.platform.auth import SYSTEM, Actor
from zhijian.platform.errors import Conflict, DomainError, NotFound, PermissionDenied


def _ent(org_id: int) -> Actor:
    return Actor(None, f"ent-{org_id}", "enterprise", org_id)


def visit(on: dt.date, kind: str = "half_month") -> MaintenanceIn:
    return MaintenanceIn(maintained_on=on, kind=kind, items=["曳引轮槽磨损检查", "制动器动作检查"], worker_name="王师傅",
                         worker_cert_no="330106198001011234")


def test_maintenance_rule_table_and_interval():
    """条例 第三十一条: every 15 days for elevators (escalators are in the elevator category too); other categories
    have no fixed statutory frequency (安全法 第三十九条: 经常性维护保养), and a unit's own approved interval wins."""
    assert rules.maintenance_interval_days("3110") == 15
    assert rules.maintenance_interval_days("3310") == 15  # 自动扶梯
    assert rules.maintenance_rule("3110").source.startswith("《特种设备安全监察条例》第三十一条")
    assert rules.maintenance_interval_days("1100") is None
    assert rules.maintenance_interval_days("3110", {"maintenance_interval_days": 30}) == 30
    assert rules.next_maintenance_due("3110", None, dt.date(2026, 11, 20), dt.date(2026, 1, 1)) == dt.date(2026, 12, 5)
    assert rules.next_maintenance_due("3110", None, None, dt.date(2026, 12, 2)) == dt.date(2026, 12, 17)
    assert rules.next_maintenance_due("2150", None, dt.date(2026, 11, 20), dt.date(2026, 1, 1)) is None
    with pytest.raises(DomainError) as exc:
        rules.maintenance_interval_days("3110", {"maintenance_interval_days": "-3"})
    assert exc.value.field == "params.maintenance_interval_days"
    with pytest.raises(DomainError) as exc:
        rules.check_worker_cert("王 1")
    assert exc.value.code == "equipment.bad_cert"


def test_maintainer_records_owner_signs_and_next_due_moves_15_days(db):
    today = service.today()
    with db.session() as s:
        owner, maint, other = factories.enterprise(s), factories.enterprise(s), factories.enterprise(s)
        unit = elevator(s, owner.id, last=today - dt.timedelta(days=30), maintainer_id=maint.id)
        assert unit.next_maintenance_due_on == today + dt.timedelta(days=15)  # registration day + 15
        with pytest.raises(PermissionDenied):  # the owner is not the elevator's maintenance company
            service.record_maintenance(s, _ent(owner.id), unit.code, visit(today))
        with pytest.raises(NotFound):  # another company does not even see the unit
            service.record_maintenance(s, _ent(other.id), unit.code, visit(today))
        day = today - dt.timedelta(days=20)
        row = service.record_maintenance(s, _ent(maint.id), unit.code, visit(day))
        assert (row.maintainer_id, row.worker_cert_no) == (maint.id, "330106198001011234")
        assert unit.last_maintenance_on == day and unit.next_maintenance_due_on == day + dt.timedelta(days=15)
        # 5 days overdue now: on the maintenance company's overdue list and the regulator's
        page = service.maintenance_overdue(s, _ent(maint.id), on=today)
        assert unit.code in {u.code for u in page.items}
        # a repair (急修) is not a 维保 cycle: the date does not move
        service.record_maintenance(s, _ent(maint.id), unit.code, visit(today, "repair"))
        assert unit.next_maintenance_due_on == day + dt.timedelta(days=15)
        service.record_maintenance(s, _ent(maint.id), unit.code, visit(today, "quarter"))
        assert unit.next_maintenance_due_on == today + dt.timedelta(days=15)
        assert unit.code not in {u.code for u in service.maintenance_overdue(s, SYSTEM, on=today, limit=500).items}
        # the owner signs (TSG T5002-2017: 使用单位 安全管理人员 签字确认), once; the maintainer cannot sign
        with pytest.raises(PermissionDenied):
            service.sign_maintenance(s, _ent(maint.id), row.id, "王师傅")
        signed = service.sign_maintenance(s, _ent(owner.id), row.id, "李安全员")
        assert signed.owner_signed_by == "李安全员" and signed.owner_signed_at is not None
        with pytest.raises(Conflict):
            service.sign_maintenance(s, _ent(owner.id), row.id, "李安全员")
        # the same visit twice: 409
        with pytest.raises(Conflict) as exc:
            service.record_maintenance(s, _ent(maint.id), unit.code, visit(day))
        assert exc.value.code == "equipment.duplicate_maintenance"
        # dates: not in the future
        with pytest.raises(DomainError) as exc2:
            service.record_maintenance(s, _ent(maint.id), unit.code, visit(today + dt.timedelta(days=1)))
        assert exc2.value.field == "maintained_on"


def test_elevator_without_maintenance_company_and_boiler_owner_maintains(db):
    """安全法 第四十五条: an elevator is maintained by a licensed company — none named → 409; a boiler without a
    contracted company is maintained by its owner (第三十九条), and has no 15-day date."""
    today = service.today()
    with db.session() as s:
        owner = factories.enterprise(s)
        unit = elevator(s, owner.id, last=today - dt.timedelta(days=30))
        with pytest.raises(DomainError) as exc:
            service.record_maintenance(s, _ent(owner.id), unit.code, visit(today))
        assert exc.value.code == "equipment.no_maintainer" and exc.value.status == 409
        boiler = service.register_unit(s, SYSTEM, UnitIn(
            code=new_code("1100"), variety="1100", owner_id=owner.id, region_code="330106",
            commissioned_on=dt.date(2020, 1, 1), params={"rated_capacity": 4, "rated_pressure_mpa": 1.25}))
        assert boiler.next_maintenance_due_on is None
        service.record_maintenance(s, _ent(owner.id), boiler.code, visit(today, "year"))
        assert boiler.last_maintenance_on == today and boiler.next_maintenance_due_on is None
        maint = factories.enterprise(s)
        service.set_maintainer(s, _ent(owner.id), unit.code, maint.id)
        assert service.record_maintenance(s, _ent(maint.id), unit.code, visit(today)).maintainer_id == maint.id


def test_concurrent_duplicate_visits_exactly_one_wins(db):
    """Two clerks submit the same visit at once: the unique (unit, day, kind) lets exactly one through."""
    today = service.today()
    with db.session() as s:
        owner, maint = factories.enterprise(s), factories.enterprise(s)
        code, mid = elevator(s, owner.id, maintainer_id=maint.id).code, maint.id
    results: list[str] = []
    barrier = threading.Barrier(2)

    def submit() -> None:
        try:
            with db.session() as s:
                barrier.wait(timeout=10)
                service.record_maintenance(s, _ent(mid), code, visit(today))
            results.append("ok")
        except Conflict:
            results.append("conflict")
        except Exception as exc:  # a locked SQLite writer is a refusal too, never a second row
            results.append(type(exc).__name__)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert results.count("ok") == 1, results
    with db.session() as s:
        assert len(service.maintenance_records(s, SYSTEM, code)) == 1


def test_maintenance_api_and_cli_figures(client, db, login):
    today = service.today()
    with db.session() as s:
        owner, maint = factories.enterprise(s), factories.enterprise(s)
        code = elevator(s, owner.id, maintainer_id=maint.id).code
        owner_org, maint_org = owner, maint
    m, o = login("enterprise", maint_org), login("enterprise", owner_org)
    body = {"maintained_on": today.isoformat(), "kind": "half_month", "items": ["门锁回路检查"], "worker_name": "王师傅",
            "worker_cert_no": "T330106001"}
    r = client.post(f"/api/v1/equipment/units/{code}/maintenance", json=body, headers=o)
    assert r.status_code == 403 and r.json()["code"] == "equipment.not_maintainer"
    r = client.post(f"/api/v1/equipment/units/{code}/maintenance", json={**body, "worker_cert_no": "x"}, headers=m)
    assert r.status_code == 422 and r.json()["code"] == "equipment.bad_cert"
    r = client.post(f"/api/v1/equipment/units/{code}/maintenance", json=body, headers=m)
    assert r.status_code == 201, r.text
    mid = r.json()["id"]
    assert client.get(f"/api/v1/equipment/units/{code}", headers=o).json()["status"] == "in_use"
    r = client.post(f"/api/v1/equipment/maintenance/{mid}/sign", json={"signed_by": "李安全员"}, headers=o)
    assert r.status_code == 200 and r.json()["owner_signed_by"] == "李安全员"
    rules_out = client.get("/api/v1/equipment/maintenance/rules").json()
    assert rules_out["rules"][0]["days"] == 15 and "第三十一条" in rules_out["rules"][0]["source"]
    later = (today + dt.timedelta(days=16)).isoformat()
    r = client.get("/api/v1/equipment/maintenance/overdue", params={"on": later, "limit": 500}, headers=m)
    assert code in {i["code"] for i in r.json()["items"]}


def test_maintenance_import_all_or_nothing_by_row_and_column(client, db, login):
    today = service.today()
    with db.session() as s:
        owner, maint = factories.enterprise(s), factories.enterprise(s)
        a, b = (elevator(s, owner.id, maintainer_id=maint.id).code for _ in range(2))
        maint_org = maint
    m = login("enterprise", maint_org)
    head = "设备代码,维保日期,维保类型,维保人员,作业人员证编号,维保项目"
    good = [f"{a},{today - dt.timedelta(days=3)},半月维保,王建国,330106198001011234,门锁检查；制动器润滑",
            f"{b},{today - dt.timedelta(days=4)},季度维保,李伟,330102198503152217,"]
    bad = good + [f"{a},{today - dt.timedelta(days=2)},月度维保,王建国,330106198001011234,"]
    r = client.post("/api/v1/equipment/maintenance/import", headers=m,
                    files={"file": ("m.csv", ("\n".join([head, *bad]) + "\n").encode(), "text/csv")})
    assert r.status_code == 422 and (r.json()["row"], r.json()["column"]) == (4, "维保类型"), r.text
    with db.session() as s:
        assert service.maintenance_records(s, SYSTEM, a) == []  # all or nothing
    r = client.post("/api/v1/equipment/maintenance/import", headers=m,
                    files={"file": ("m.csv", ("\n".join([head, *good]) + "\n").encode(), "text/csv")})
    assert r.json() == {"imported": 2}, r.text
    with db.session() as s:
        unit = service.get_unit(s, SYSTEM, a)
        assert unit.next_maintenance_due_on == today - dt.timedelta(days=3) + dt.timedelta(days=15)
        assert service.maintenance_records(s, SYSTEM, a)[0].items == ["门锁检查", "制动器润滑"]


def test_worker_certificates_are_checked_on_the_visit(db):
    """特种设备作业人员证 (《特种设备作业人员资格认定分类与项目》, 2019 年第 3 号公告: T 电梯修理): valid 4 years from
    issue unless given; a registered certificate must be in force on the day, be 电梯修理 (T) for an elevator
    (TSG T5002-2017: 维保人员 持证), and belong to the company's worker; an unregistered number is kept as given."""
    from zhijian.equipment.schemas import WorkerCertIn

    today = service.today()
    with db.session() as s:
        owner, maint, other = factories.enterprise(s), factories.enterprise(s), factories.enterprise(s)
        code = elevator(s, owner.id, maintainer_id=maint.id).code
        uid = factories.uid()[:8].upper()
        m = _ent(maint.id)
        t = service.register_worker_cert(s, m, WorkerCertIn(cert_no=f"T{uid}1", name="王建国", item="t",
                                                            issued_on=dt.date(2024, 2, 29)))
        assert (t.item, t.employer_id, t.valid_until) == ("T", maint.id, dt.date(2028, 2, 29))
        crane = service.register_worker_cert(s, m, WorkerCertIn(cert_no=f"Q{uid}2", name="李伟", item="Q2",
                                                                issued_on=today - dt.timedelta(days=30)))
        old = service.register_worker_cert(s, m, WorkerCertIn(cert_no=f"T{uid}3", name="张强", item="T",
                                                              issued_on=dt.date(2020, 1, 1)))
        theirs = service.register_worker_cert(s, _ent(other.id), WorkerCertIn(
            cert_no=f"T{uid}4", name="陈浩", item="T", issued_on=today - dt.timedelta(days=30)))
        assert old.valid_until == dt.date(2024, 1, 1)
        with pytest.raises(PermissionDenied):  # not its worker
            service.register_worker_cert(s, m, WorkerCertIn(cert_no=f"T{uid}5", name="x", item="T",
                                                            employer_id=other.id, issued_on=today))
        with pytest.raises(Conflict):
            service.register_worker_cert(s, m, WorkerCertIn(cert_no=f"T{uid}1", name="x", item="T", issued_on=today))
        with pytest.raises(DomainError) as exc:
            service.register_worker_cert(s, m, WorkerCertIn(cert_no=f"X{uid}6", name="x", item="ZZ", issued_on=today))
        assert exc.value.field == "item"
        for cert, code_ in ((crane.cert_no, "equipment.cert_item"), (old.cert_no, "equipment.cert_expired"),
                            (theirs.cert_no, "equipment.cert_employer")):
            v = MaintenanceIn(maintained_on=today, kind="half_month", worker_name="x", worker_cert_no=cert)
            with pytest.raises(DomainError) as exc:
                service.record_maintenance(s, m, code, v)
            assert exc.value.code == code_ and exc.value.field == "worker_cert_no"
        ok = service.record_maintenance(s, m, code, MaintenanceIn(maintained_on=today, kind="half_month",
                                                                  worker_name="王建国", worker_cert_no=t.cert_no))
        assert ok.worker_cert_no == t.cert_no
        expiring = {c.cert_no for c in service.worker_certs(s, m, expiring_within=0, on=dt.date(2025, 1, 1))}
        assert old.cert_no in expiring and t.cert_no not in expiring and theirs.cert_no not in expiring
