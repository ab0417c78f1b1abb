"""困人救援, 故障 and 事故: the accident level by 《特种设备安全监察条例》第六十一条至第六十四条, the owner's 1-hour report
deadline (《特种设备事故报告和调查处理规定》: 事故发生单位的负责人接到报告后，应当于1小时内 … 报告), the regulators'
2 hours per level and the 30-day 续报 window (same 规定), the rescue arrival limit of TSG T5002-2017 (直辖市或者设区的市
30 min, 其他地区 1 h), the regulators' inbox, the API and the risk signals."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests import factories
from tests.equipment.helpers import elevator
from zhijian.consumer.models import Notification
from zhijian.equipment import rules, service
from zhijian.equipment.schemas import IncidentIn, InspectionIn
from zhijian.platform.auth import SYSTEM, Actor
from zhijian.platform.errors import DomainError

CN = dt.timezone(dt.timedelta(hours=8))
F = rules.IncidentFacts


@pytest.mark.parametrize(("facts", "level"), [
    # 第六十一条 特别重大事故
    (F("1000", deaths=30), "especially_serious"), (F("2000", serious_injuries=100), "especially_serious"),
    (F("2000", direct_loss_yuan=100_000_000), "especially_serious"),
    (F("1000", explosion=True, boiler_mw=600), "especially_serious"), (F("8000", evacuated=150_000), "especially_serious"),
    (F("9000", stranded_people=100, stranded_hours=48), "especially_serious"),
    # 第六十二条 重大事故
    (F("3000", deaths=10), "serious"), (F("3000", deaths=29), "serious"), (F("2000", serious_injuries=50), "serious"),
    (F("2000", direct_loss_yuan=50_000_000), "serious"), (F("2000", evacuated=50_000), "serious"),
    (F("6000", stranded_people=100, stranded_hours=24), "serious"),
    # 第六十三条 较大事故
    (F("3000", deaths=3), "larger"), (F("4000", serious_injuries=10), "larger"),
    (F("2000", direct_loss_yuan=10_000_000), "larger"), (F("1000", explosion=True, boiler_mw=14), "larger"),
    (F("2000", explosion=True), "larger"), (F("2000", evacuated=10_000), "larger"),
    (F("4000", crane_overturned=True), "larger"), (F("9000", stranded_hours=12), "larger"),
    # 第六十四条 一般事故
    (F("3000", deaths=1), "general"), (F("3000", deaths=2), "general"), (F("4000", serious_injuries=9), "general"),
    (F("2000", direct_loss_yuan=10_000), "general"), (F("2000", evacuated=500), "general"),
    (F("3000", stranded_hours=2), "general"), (F("4000", crane_structure_failed=True), "general"),
    (F("9000", stranded_hours=3.5), "general"), (F("6000", stranded_hours=1), "general"),
    # below the thresholds: not an accident by level
    (F("3000", stranded_hours=1.9), None), (F("9000", stranded_hours=3.4), None), (F("6000", stranded_hours=0.9), None),
    (F("2000", direct_loss_yuan=9_999), None), (F("2000", evacuated=499), None),
    (F("3000", crane_overturned=True), None),  # a crane's criterion does not apply to an elevator
])
def test_accident_levels_by_the_regulation(facts, level):
    assert rules.accident_level(facts) == level


def test_deadlines_and_rescue_limits():
    at = dt.datetime(2026, 11, 3, 9, 40, tzinfo=CN)
    assert rules.report_deadline(at) == dt.datetime(2026, 11, 3, 10, 40, tzinfo=CN)  # 1 小时内
    assert rules.escalation("general", at) == ("设区的市级市场监督管理部门", at + dt.timedelta(hours=2))
    assert rules.escalation("larger", at) == ("省级市场监督管理部门", at + dt.timedelta(hours=4))
    assert rules.escalation("serious", at)[1] == at + dt.timedelta(hours=6)  # 每级上报不超过 2 小时, 3 levels
    # GB/T 2260: 330106 西湖区 (市辖区 of 杭州, a 设区的市) → 30 min; 330122 桐庐县, 330182 建德市 → 1 h
    assert rules.rescue_limit_minutes("330106") == 30
    assert rules.rescue_limit_minutes("110105") == 30  # 北京市朝阳区 (直辖市)
    assert rules.rescue_limit_minutes("330122") == 60 and rules.rescue_limit_minutes("330182") == 60


def test_entrapment_of_two_hours_is_a_general_accident_reported_late(db):
    """An elevator car stranding people for 2 h 5 min is a 一般事故 (条例 第六十四条(三)); recorded 3 hours after it
    happened, the 1-hour report deadline was missed; arrival after 42 min in 西湖区 exceeds the 30-min limit; the
    regulators whose division holds the unit (city 330100, province 330000) get it in their inbox, another
    city's does not."""
    with db.session() as s:
        owner, maint = factories.enterprise(s), factories.enterprise(s)
        city, prov = factories.regulator(s, "municipal", "330100"), factories.regulator(s, "provincial", "330000")
        other = factories.regulator(s, "municipal", "330200")
        unit = elevator(s, owner.id, maintainer_id=maint.id)
        now = dt.datetime.now(CN).replace(microsecond=0)
        occurred = now - dt.timedelta(hours=3)
        row = service.record_incident(s, Actor(None, "m", "enterprise", maint.id), unit.code, IncidentIn(
            kind="entrapment", occurred_at=occurred, called_at=occurred + dt.timedelta(minutes=3),
            arrived_at=occurred + dt.timedelta(minutes=45), released_at=occurred + dt.timedelta(minutes=128),
            trapped_people=4, cause="门锁回路故障"), now=now)
        v = service.incident_view(row, unit.code)
        assert (row.level, v.level_zh) == ("general", "一般事故")
        assert row.report_due_at == occurred + dt.timedelta(hours=1) and row.reported_late
        assert (row.arrival_minutes, row.arrival_limit_minutes, v.arrival_late) == (42, 30, True)
        assert v.escalate_to == "设区的市级市场监督管理部门"
        assert v.followup_until == occurred + dt.timedelta(days=30)
        got = {n.organization_id for n in s.scalars(select(Notification).where(
            Notification.kind == "equipment.accident", Notification.link == f"/console/equipment/incidents/{row.id}"))}
        assert {city.id, prov.id} <= got and other.id not in got
        # a short entrapment, on time: not an accident, no deadline
        short = service.record_incident(s, SYSTEM, unit.code, IncidentIn(
            kind="entrapment", occurred_at=now - dt.timedelta(minutes=50), called_at=now - dt.timedelta(minutes=50),
            arrived_at=now - dt.timedelta(minutes=30), released_at=now - dt.timedelta(minutes=25)), now=now)
        assert (short.level, short.report_due_at, short.arrival_minutes) == (None, None, 20)
        assert [i.row.id for i in service.incidents(s, SYSTEM, code=unit.code, accidents_only=True)] == [row.id]


def test_incident_input_is_checked(db):
    with db.session() as s:
        owner = factories.enterprise(s)
        unit = elevator(s, owner.id)
        now = dt.datetime.now(CN)
        for bad, field in ((IncidentIn(kind="fault", occurred_at=now + dt.timedelta(hours=2)), "occurred_at"),
                           (IncidentIn(kind="entrapment", occurred_at=now - dt.timedelta(hours=1),
                                       arrived_at=now - dt.timedelta(hours=2)), "arrived_at")):
            with pytest.raises(DomainError) as exc:
                service.record_incident(s, SYSTEM, unit.code, bad)
            assert exc.value.field == field
        with pytest.raises(DomainError) as exc:  # 非本单位 cannot report
            service.record_incident(s, Actor(None, "x", "enterprise", factories.enterprise(s).id), unit.code,
                                    IncidentIn(kind="fault", occurred_at=now))
        assert exc.value.status == 404


def test_incident_api_and_risk_signals(client, db, login):
    today = service.today()
    with db.session() as s:
        owner, lab = factories.enterprise(s), factories.lab(s)
        reg = factories.regulator(s, "municipal", "330100")
        unit = elevator(s, owner.id, last=today - dt.timedelta(days=400))
        code, owner_id = unit.code, owner.id
        inspector = Actor(None, "i", "inspector", lab.id)
        for n, on in enumerate((today - dt.timedelta(days=40), today - dt.timedelta(days=10))):
            service.record_inspection(s, inspector, code, InspectionIn(
                report_no=f"RS-{code}-{n}", inspected_on=on, conclusion="不合格", defects="制动器失效"))
        owner_org = owner
    o = login("enterprise", owner_org)
    occurred = (dt.datetime.now(CN) - dt.timedelta(minutes=30)).isoformat()
    r = client.post(f"/api/v1/equipment/units/{code}/incidents", headers=o, json={
        "kind": "accident", "occurred_at": occurred, "serious_injuries": 1, "cause": "轿厢意外移动"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["level"] == "general" and body["level_zh"] == "一般事故" and body["reported_late"] is False
    assert client.get(f"/api/v1/equipment/incidents/{body['id']}", headers=o).json()["unit_code"] == code
    r = client.post(f"/api/v1/equipment/units/{code}/incidents", headers=o, json={"kind": "nope",
                                                                                  "occurred_at": occurred})
    assert r.status_code == 422
    r = client.get("/api/v1/equipment/risk-signals", headers=login("regulator", reg))
    mine = [x for x in r.json() if x["owner_id"] == owner_id]
    kinds = {x["kind"] for x in mine}
    assert {"overdue_inspection", "repeated_fail", "accident"} <= kinds, mine
    assert next(x for x in mine if x["kind"] == "repeated_fail")["count"] == 2
    assert client.get("/api/v1/equipment/risk-signals", headers=o).status_code == 403


def test_the_same_event_reported_twice_at_once_is_one_record(db):
    """The owner and the maintenance company report the same entrapment at the same moment: one record wins."""
    import threading

    from zhijian.equipment.models import EquipmentIncident
    from zhijian.platform.errors import Conflict

    with db.session() as s:
        owner, maint = factories.enterprise(s), factories.enterprise(s)
        unit = elevator(s, owner.id, maintainer_id=maint.id)
        code, uid, actors = unit.code, unit.id, (Actor(None, "o", "enterprise", owner.id),
                                                 Actor(None, "m", "enterprise", maint.id))
    at = dt.datetime.now(CN).replace(microsecond=0) - dt.timedelta(minutes=40)
    data = IncidentIn(kind="entrapment", occurred_at=at, called_at=at, arrived_at=at + dt.timedelta(minutes=15))
    results: list[str] = []
    barrier = threading.Barrier(2)

    def report(actor: Actor) -> None:
        try:
            with db.session() as s:
                barrier.wait(timeout=10)
                service.record_incident(s, actor, code, data)
            results.append("ok")
        except Conflict:
            results.append("conflict")
        except Exception as exc:  # a locked SQLite writer is a refusal too, never a second row
            results.append(type(exc).__name__)

    threads = [threading.Thread(target=report, args=(a,)) for a in actors]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert results.count("ok") == 1, results
    with db.session() as s:
        assert len(list(s.scalars(select(EquipmentIncident.id).where(EquipmentIncident.unit_id == uid)))) == 1
        with pytest.raises(Conflict) as exc:
            service.record_incident(s, actors[0], code, data)
        assert exc.value.code == "equipment.duplicate_incident"
