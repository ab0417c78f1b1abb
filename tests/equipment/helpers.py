"""Unique test units made through the real service."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy.orm import Session

from zhijian.equipment import service
from zhijian.equipment.models import EquipmentUnit
from zhijian.equipment.schemas import UnitIn
from zhijian.platform.auth import SYSTEM, Actor

_rng = random.Random()
ELEVATOR_PARAMS = {"rated_load_kg": 1000, "rated_speed_m_s": 1.75, "floors": 18}


def new_code(variety: str = "3110", year: int = 2018) -> str:
    return f"{variety}33{_rng.randrange(1000):03d}{year}{_rng.randrange(100000):05d}"


def elevator(s: Session, owner_id: int, *, region: str = "330106", last: dt.date | None = None,
             actor: Actor = SYSTEM, maintainer_id: int | None = None) -> EquipmentUnit:
    return service.register_unit(s, actor, UnitIn(
        code=new_code(), variety="3110", owner_id=owner_id, region_code=region, address="文三路 1 号 2 单元",
        registration_no=f"梯11浙A{_rng.randrange(100000):05d}", manufacturer="测试电梯有限公司",
        commissioned_on=dt.date(2018, 5, 1), last_inspection_on=last, params=ELEVATOR_PARAMS,
        maintainer_id=maintainer_id))
