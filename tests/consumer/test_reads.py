"""The consumer room's offered read `penalty_recorded` (docs/CONTRACTS.md), through `rooms.call` as enforcement asks
it before writing a published decision into the credit file."""

from __future__ import annotations

import datetime as dt

from tests import factories
from zhijian.consumer import service
from zhijian.consumer.schemas import PenaltyIn
from zhijian.platform.auth import SYSTEM
from zhijian.platform.rooms import call


def test_penalty_recorded_answers_for_the_number_in_the_credit_file(db):
    with db.session() as s:
        ent = factories.enterprise(s, region="330106")
        no = f"杭市监处罚〔2026〕{factories.uid()}号"  # 行政处罚决定书文号, 代字〔年份〕序号 (GB/T 9704-2012)
        assert call(s, "consumer", "penalty_recorded", no, default=None) is False
        service.add_penalty(s, SYSTEM, PenaltyIn(enterprise_id=ent.id, decision_no=no, decided_on=dt.date(2026, 3, 2),
                                                 authority="杭州市市场监督管理局", reason="销售不合格电热毯",
                                                 amount=20000.0))
        assert call(s, "consumer", "penalty_recorded", no, default=None) is True
        assert call(s, "consumer", "penalty_recorded", no + "x", default=None) is False
