"""特种设备 tables: registered units, their inspection reports, status changes, maintenance records (维护保养),
incidents (困人 / 故障 / 事故) and the reminders already sent for a due date."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
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
    last_maintenance_on: Mapped[dt.date | None]
    next_maintenance_due_on: Mapped[dt.date | None]  # None: no statutory frequency for this category

    __table_args__ = (Index("ix_equipment_unit_due", "status", "next_due_on"),
                      Index("ix_equipment_unit_region_due", "region_code", "next_due_on"),
                      Index("ix_equipment_unit_maint_due", "status", "next_maintenance_due_on"))


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


class EquipmentMaintenance(IdMixin, Audited, Base):
    """维护保养记录 — one maintenance visit by the unit's maintenance company (维保单位), signed by the owner."""

    __tablename__ = "equipment_maintenance"

    unit_id: Mapped[int] = mapped_column(ForeignKey("equipment_unit.id", ondelete="CASCADE"), index=True)
    maintainer_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    maintained_on: Mapped[dt.date]
    kind: Mapped[str] = mapped_column(String(16))  # half_month | quarter | half_year | year | repair
    items: Mapped[list[str]] = mapped_column(JSON, default=list)
    worker_name: Mapped[str] = mapped_column(String(64))
    worker_cert_no: Mapped[str] = mapped_column(String(32))  # 特种设备作业人员证 number
    remarks: Mapped[str] = mapped_column(Text, default="")
    owner_signed_by: Mapped[str] = mapped_column(String(64), default="")  # 使用单位签字
    owner_signed_at: Mapped[dt.datetime | None]
    recorded_by: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("unit_id", "maintained_on", "kind", name="uq_equipment_maintenance_visit"),)


class EquipmentIncident(IdMixin, Audited, Base):
    """困人救援 / 故障 / 事故 — with the accident level and the reporting deadlines the rules compute."""

    __tablename__ = "equipment_incident"

    unit_id: Mapped[int] = mapped_column(ForeignKey("equipment_unit.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # entrapment | fault | accident
    occurred_at: Mapped[dt.datetime] = mapped_column(index=True)
    reported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)  # when the owner reported it here
    called_at: Mapped[dt.datetime | None]  # 困人: the call for rescue
    arrived_at: Mapped[dt.datetime | None]  # 困人: the rescuers on site
    released_at: Mapped[dt.datetime | None]  # 困人: the passengers out
    trapped_people: Mapped[int] = mapped_column(default=0)
    deaths: Mapped[int] = mapped_column(default=0)
    serious_injuries: Mapped[int] = mapped_column(default=0)
    direct_loss_yuan: Mapped[int] = mapped_column(default=0)
    evacuated: Mapped[int] = mapped_column(default=0)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # explosion, crane_overturned, …
    level: Mapped[str | None] = mapped_column(String(24))  # 事故等级, None when below 一般事故
    report_due_at: Mapped[dt.datetime | None]  # the owner's 1-hour report deadline (accidents)
    reported_late: Mapped[bool] = mapped_column(default=False)
    arrival_minutes: Mapped[int | None]
    arrival_limit_minutes: Mapped[int | None]
    cause: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    reported_by: Mapped[str] = mapped_column(String(128), default="")

    # the owner and the maintenance company reporting the same event at once: one record
    __table_args__ = (UniqueConstraint("unit_id", "kind", "occurred_at", name="uq_equipment_incident_event"),)


class EquipmentReminder(IdMixin, Base):
    """One reminder sent to the owner for one unit's due date at one stage (so a daily job sends it once)."""

    __tablename__ = "equipment_reminder"

    unit_id: Mapped[int] = mapped_column(ForeignKey("equipment_unit.id", ondelete="CASCADE"))
    due_on: Mapped[dt.date]
    stage: Mapped[str] = mapped_column(String(16))  # due_soon | due_today | overdue
    owner_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    sent_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("unit_id", "due_on", "stage", name="uq_equipment_reminder_stage"),)


class EquipmentWorkerCert(IdMixin, TimestampMixin, Audited, Base):
    """特种设备作业人员证 — a worker's certificate (item, employer, validity), checked when a visit names it."""

    __tablename__ = "equipment_worker_cert"

    cert_no: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    item: Mapped[str] = mapped_column(String(8))  # 作业项目代号: T 电梯修理, Q2 起重机司机, …
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="SET NULL"), index=True)
    issued_on: Mapped[dt.date]
    valid_until: Mapped[dt.date] = mapped_column(index=True)
    issuer: Mapped[str] = mapped_column(String(100), default="")


class EquipmentMaintainerLicence(IdMixin, TimestampMixin, Audited, Base):
    """维保单位许可 — a maintenance company's licence (特种设备安装改造修理许可, 《特种设备安全法》第四十五条:
    电梯的维护保养应当由…依照本法取得许可的安装、改造、修理单位进行) with its validity; one per company."""

    __tablename__ = "equipment_maintainer_licence"

    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), unique=True)
    licence_no: Mapped[str] = mapped_column(String(40), unique=True)
    scope: Mapped[str] = mapped_column(String(100), default="")  # 许可项目, e.g. 电梯修理 A2
    issued_on: Mapped[dt.date]
    valid_until: Mapped[dt.date] = mapped_column(index=True)
    issuer: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")


class EquipmentContract(IdMixin, TimestampMixin, Audited, Base):
    """维保合同 — one unit maintained by one company from ``starts_on`` to ``ends_on`` (inclusive); the unit's
    current maintainer follows the contract in force (TSG T5002-2017 第2.2条: 使用单位应当与维保单位签订维保合同)."""

    __tablename__ = "equipment_contract"

    unit_id: Mapped[int] = mapped_column(ForeignKey("equipment_unit.id", ondelete="CASCADE"), index=True)
    maintainer_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    contract_no: Mapped[str] = mapped_column(String(64), default="")
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date] = mapped_column(index=True)
    terminated_on: Mapped[dt.date | None]  # 解除: not in force from this day on
    termination_reason: Mapped[str] = mapped_column(String(300), default="")
    terminated_by: Mapped[str] = mapped_column(String(128), default="")
    created_by: Mapped[str] = mapped_column(String(128), default="")

    __table_args__ = (UniqueConstraint("unit_id", "starts_on", name="uq_equipment_contract_start"),)


class EquipmentInspectionRequest(IdMixin, TimestampMixin, Audited, Base):
    """检验申请 — the owner asks an institute for the periodic inspection before the due date (《特种设备安全法》
    第四十条: 使用单位应当…在检验合格有效期届满前一个月向特种设备检验机构提出定期检验要求); the institute accepts and
    schedules it, its report closes the request."""

    __tablename__ = "equipment_inspection_request"

    unit_id: Mapped[int] = mapped_column(ForeignKey("equipment_unit.id", ondelete="CASCADE"), index=True)
    institute_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="requested")  # requested|scheduled|closed|declined
    due_on: Mapped[dt.date | None]  # the unit's due date when requested
    requested_on: Mapped[dt.date]
    scheduled_on: Mapped[dt.date | None]
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("equipment_inspection.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(300), default="")
    open_key: Mapped[int | None] = mapped_column(unique=True)  # = unit_id while open: one open request per unit
    requested_by: Mapped[str] = mapped_column(String(128), default="")
