"""The equipment room's offered read `stopped_or_overdue_units` (docs/CONTRACTS.md), through `rooms.call` as the
lead scan asks it: a unit stopped by a 不合格 report (特种设备安全法 第四十条) or in use past its next periodic
inspection (TSG T7001-2023: an elevator once a year), over every division."""

from __future__ import annotations

import datetime as dt

from tests import factories
from tests.equipment.helpers import elevator
from zhijian.equipment import service
from zhijian.equipment.schemas import InspectionIn
from zhijian.platform.auth import Actor
from zhijian.platform.rooms import call


def test_stopped_and_overdue_units_every_division(db):
    today = service.today()
    with db.session() as s:
        hz, gz, lab = factories.enterprise(s, region="330106"), factories.enterprise(s, region="440106"), factories.lab(s)
        overdue = elevator(s, hz.id, last=dt.date(2024, 1, 10))  # due 2025-01-10
        current = elevator(s, gz.id, region="440106", last=today - dt.timedelta(days=30))
        stopped = elevator(s, gz.id, region="440106", last=today - dt.timedelta(days=60))
        service.record_inspection(s, Actor(None, "tester", "inspector", lab.id), stopped.code, InspectionIn(
            report_no=f"DT-{stopped.code}-1", inspected_on=today, conclusion="不合格", defects="制动器磨损"))
        mine = {overdue.code, current.code, stopped.code}

        def flagged(on: dt.date) -> dict[str, tuple]:  # type: ignore[type-arg]
            return {u.code: (u.status, u.next_due_on, u.owner_id, u.region_code)
                    for u in call(s, "equipment", "stopped_or_overdue_units", on=on, default=None) if u.code in mine}

        assert flagged(today) == {overdue.code: ("in_use", dt.date(2025, 1, 10), hz.id, "330106"),
                                  stopped.code: ("stopped", stopped.next_due_on, gz.id, "440106")}
        # on its due day a unit is not yet overdue (next_due_on < on)
        assert flagged(dt.date(2025, 1, 10)) == {stopped.code: ("stopped", stopped.next_due_on, gz.id, "440106")}
        assert set(flagged(dt.date(2025, 1, 11))) == {overdue.code, stopped.code}
