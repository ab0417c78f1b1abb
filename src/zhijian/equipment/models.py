"""特种设备 tables: registered units, their inspection reports and their status changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from zhijian.platform.db import Base, IdMixin, TimestampMixin, utcnow
from zhijian.platform.models import Audited


class EquipmentUnit(IdMixin, TimestampMixin, Audited, Base):
    """特种设备 — one registered unit (使用登记), with its computed next inspection date."""

    __tablename__ = "equipment_unit"

    code: Mapped[str] = mapped_column(String(18), unique=True)  # 设备代码 (TSG 08-2017 附件A)
    registration_no: Mapped[str] = mapped_column(String(40), default="", index=True)  # 使用登记证编号
    category: Mapped[str] = mapped_column(String(4), index=True)
    variety: Mapped[str] = mapped_column(String(4))
    owner_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)  # 使用单位
    maintainer_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="SET NULL"))  # 维保单位
    region_code: Mapped[str] = mapped_column(String(6), index=True)  # GB/T 2260
    address: Mapped[str] = mapped_column(String(300), default="")
    manufacturer: Mapped[str] = mapped_column(String(200), default="")
    installer: Mapped[str] = mapped_column(String(200), default="")
    model: Mapped[str] = mapped_column(String(100), default="")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="in_use")
    commissioned_on: Mapped[dt.date | None]
    safety_grade: Mapped[int | None]
    last_inspection_on: Mapped[dt.date | None]
    next_due_on: Mapped[dt.date | None]
    due_rule: Mapped[str] = mapped_column(String(32), default="")

    __table_args__ = (Index("ix_equipment_unit_due", "status", "next_due_on"),
                      Index("ix_equipment_unit_region_due", "region_code", "next_due_on"))


class EquipmentInspection(IdMixin, Audited, Base):
    """检验报告 — a periodic inspection (or re-inspection) of a unit by an institute (特检院)."""

    __tablename__ = "equipment_inspection"

    unit_id: Mapped[int] = mapped_column(ForeignKey("equipment_unit.id", ondelete="CASCADE"), index=True)
    institute_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    report_no: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="periodic")  # periodic | reinspection
    inspected_on: Mapped[dt.date]
    conclusion: Mapped[str] = mapped_column(String(32))
    safety_grade: Mapped[int | None]
    defects: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class EquipmentStatusChange(IdMixin, Base):
    """状态变更 — 登记, 停用, 启用, 报废, 注销, with the reason and the document that supports it."""

    __tablename__ = "equipment_status_change"

    unit_id: Mapped[int] = mapped_column(ForeignKey("equipment_unit.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str] = mapped_column(String(16), default="")
    to_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(300), default="")
    document: Mapped[str] = mapped_column(String(200), default="")
    changed_by: Mapped[str] = mapped_column(String(128), default="")
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
