"""Equipment signals on the risk room's scan (issue #18 item 6): the scheduled scan reads
``equipment.service.risk_signals`` and stores them as signals of kind ``equipment`` — an owner's overdue inspections
(《特种设备安全法》第四十条: 未经定期检验或者检验不合格的特种设备，不得继续使用) appear on the risk signal list, once per
month and series, and a synthetic (benchmark) scan stays synthetic."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tests import factories
from tests.equipment.helpers import elevator
from zhijian.equipment import service
from zhijian.platform.auth import SYSTEM
from zhijian.risk import service as risk
from zhijian.risk.models import Signal


def test_scan_stores_equipment_signals_once(db):
    today = service.today()
    with db.session() as s:
        owner = factories.enterprise(s)
        # last inspected 400 days ago: TSG T7001-2023 yearly → 35 days overdue
        units = [elevator(s, owner.id, region="330106", last=today - dt.timedelta(days=400)) for _ in range(2)]
        assert all(u.next_due_on < today for u in units)
        owner_id = owner.id
    with db.session() as s:
        run = risk.run_scan(s, SYSTEM, as_of=today)
        mine = s.scalars(select(Signal).where(Signal.kind == "equipment", Signal.enterprise_id == owner_id)).all()
        got = {(x.method, x.series_key, x.observed, x.region_code) for x in mine}
        assert ("equipment_overdue_inspection", f"ent:{owner_id}|reg:330106", 2.0, "330106") in got
        assert run.n_signals >= 1
        listed = risk.list_signals(s, SYSTEM, kind="equipment", limit=500)
        assert {x.id for x in mine} <= {x.id for x in listed.items}
        ov = next(x for x in mine if x.method == "equipment_overdue_inspection")
        assert ov.evidence["detail"] == "2 台设备超期未检验" and ov.period == f"{today.year:04d}-{today.month:02d}"
    with db.session() as s:  # the same month again: not duplicated
        risk.run_scan(s, SYSTEM, as_of=today)
        assert len(s.scalars(select(Signal).where(Signal.kind == "equipment", Signal.enterprise_id == owner_id,
                                                  Signal.method == "equipment_overdue_inspection")).all()) == 1


def test_synthetic_scan_reads_no_equipment(db):
    with db.session() as s:
        owner = factories.enterprise(s)
        elevator(s, owner.id, last=service.today() - dt.timedelta(days=400))
        run = risk.run_scan(s, SYSTEM, as_of=service.today(), results=[], complaints=[])
        assert s.scalar(select(Signal.id).where(Signal.scan_id == run.id, Signal.kind == "equipment")) is None
