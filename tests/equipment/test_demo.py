"""The equipment demo: at the issue's scale (its load time is a bench figure), idempotent, with overdue, due-soon and stopped (不合格) units."""

from __future__ import annotations

import random

from sqlalchemy import func, select

from zhijian.equipment import demo, rules, service
from zhijian.equipment.models import EquipmentInspection, EquipmentUnit
from zhijian.platform.auth import SYSTEM


def test_demo_is_idempotent_and_varied(fresh_db):
    db = fresh_db("sqlite")
    with db.session() as s:
        loaded = demo.load(s, random.Random(18))  # its time is measured in bench/bench_equipment.py, not here
    with db.session() as s:
        first = demo.load(s, random.Random(18))
        n = s.scalar(select(func.count()).select_from(EquipmentUnit))
        elevators = s.scalar(select(func.count()).select_from(EquipmentUnit).where(EquipmentUnit.category == "3000"))
        fails = s.scalar(select(func.count()).select_from(EquipmentInspection)
                         .where(EquipmentInspection.conclusion == "fail"))
        states = [rules.due_state(u.next_due_on, service.today(), u.status) for u in s.scalars(select(EquipmentUnit))]
        stopped = s.scalar(select(func.count()).select_from(EquipmentUnit).where(EquipmentUnit.status == "stopped"))
    assert first == loaded  # idempotent: the second run finds the demo and adds nothing
    # issue #18: a city with 2,000 elevators, 300 boilers and vessels, 20 amusement rides, five maintenance companies
    assert n == 2380 and elevators == 2000
    with db.session() as s:
        boilers_vessels = s.scalar(select(func.count()).select_from(EquipmentUnit)
                                   .where(EquipmentUnit.category.in_(("1000", "2000"))))
        rides = s.scalar(select(func.count()).select_from(EquipmentUnit).where(EquipmentUnit.category == "6000"))
        assert (boilers_vessels, rides) == (300, 20)
        assert len(service.licences(s, SYSTEM)) == 5
        assert len(service.licences(s, SYSTEM, expiring_within=60)) == 1  # one licence to renew soon
        assert len(service.contract_gaps(s, SYSTEM)) == 5  # contracts ended without successor: flagged
        reqs = [r.status for r, _ in service.inspection_requests(s, SYSTEM)]
        assert sorted(reqs) == ["requested"] * 3 + ["scheduled"] * 3
    assert fails > 0 and stopped > 0
    assert states.count("overdue") > 0 and states.count("due_soon") > 0 and states.count("ok") > 100
