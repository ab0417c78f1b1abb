"""Demo of special-equipment supervision: a city (杭州) with 2,000 elevators, 300 boilers and pressure vessels (incl.
cylinders), 60 cranes and 20 large rides, ten owners, five licensed maintenance companies (one licence expiring soon;
30 contracts, 5 ended without successor), two inspection institutes (six 检验申请, three scheduled), a year of periodic
inspections — most 合格, some 不合格 (→ 停用, some re-inspected), some units overdue and some due within 30 days —
two months of elevator maintenance every 15 days (a few lapsed), some entrapments and one 一般事故 (an elevator car
stranding people for over 2 hours). Users: eq_owner (使用单位), eq_maint (维保单位), eq_inspector (检验机构),
password zhijian-demo; the regulators are the catalog demo's (regulator_hz: 杭州市局).

Everything goes through the service (the same due-date rules); idempotent: a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zhijian.catalog import service as catalog
from zhijian.catalog.demo import demo_organization
from zhijian.catalog.models import Organization
from zhijian.catalog.schemas import UserIn
from zhijian.equipment import rules, service
from zhijian.equipment.models import EquipmentIncident, EquipmentInspection, EquipmentMaintenance, EquipmentUnit
from zhijian.equipment.schemas import (
    ContractIn,
    IncidentIn,
    InspectionRequestIn,
    LicenceIn,
    ScheduleIn,
    WorkerCertIn,
)
from zhijian.platform.auth import SYSTEM, Actor
from zhijian.platform.models import User

OWNERS = ("杭州绿城物业服务集团有限公司", "浙江南都物业管理有限公司", "杭州滨江物业管理有限公司", "杭州西湖文化广场有限公司",
          "浙江大学医学院附属第一医院", "杭州银泰百货有限公司", "杭州地铁运营有限公司", "杭州热电集团有限公司",
          "杭州钢铁集团有限公司", "杭州乐园有限公司")
MAINTAINERS = (("杭州西奥电梯维保有限公司", "0571-86000001"), ("浙江奥的斯电梯工程有限公司", "0571-86000002"),
               ("杭州安梯维保服务有限公司", "0571-86000003"), ("浙江恒升电梯工程有限公司", "0571-86000004"),
               ("杭州之江电梯维修有限公司", "0571-86000005"))
DEMO_PASSWORD = "zhijian-demo"
INSTITUTES = ("杭州市特种设备检测研究院", "浙江省特种设备科学研究院")
REGIONS = ("330106", "330110", "330100")
_REG_PREFIX = {"1": "锅", "2": "容", "23": "瓶", "3": "梯", "4": "起", "6": "游"}
STREETS = ("文三路", "学院路", "天目山路", "教工路", "古墩路", "文一西路", "五常大道", "莫干山路")


# the city: 2,000 elevators (曳引驱动乘客电梯, 自动扶梯, 杂物电梯), 300 boilers and pressure vessels (incl.
# cylinders), 60 cranes, 20 large amusement rides
PLAN = (("3110", 1850), ("3310", 100), ("3120", 50), ("1100", 80), ("1200", 40), ("2150", 110), ("2130", 40),
        ("2310", 30), ("4100", 40), ("4300", 20), ("6200", 12), ("6100", 8))


def _org(s: Session, rng: random.Random, kind: str, name: str, region: str, phone: str = "") -> Organization:
    return demo_organization(s, rng, kind, name, region, contact_phone=phone)


def _params(variety: str, rng: random.Random) -> dict[str, object]:
    kind = rules.param_kind(variety)
    if kind == "elevator":
        return {"rated_load_kg": rng.choice((630, 800, 1000, 1350, 1600)), "rated_speed_m_s": rng.choice((1.0, 1.75, 2.5)),
                "floors": rng.randrange(6, 34)}
    if kind == "escalator":
        return {"rated_speed_m_s": 0.5, "width_mm": 1000}
    if kind == "1000":
        return {"rated_capacity": rng.choice((2, 4, 10, 20)), "rated_pressure_mpa": rng.choice((1.25, 1.6, 2.5))}
    if kind == "cylinder":
        return {"nominal_pressure_mpa": 15, "volume_l": 40, "medium": "氧气", "inspection_interval_years": 3}
    if kind == "2000":
        return {"design_pressure_mpa": rng.choice((0.8, 1.6, 2.5)), "volume_m3": rng.choice((1, 5, 10, 30)),
                "medium": rng.choice(("压缩空气", "蒸汽", "液化石油气"))}
    if kind == "4000":
        return {"rated_capacity_t": rng.choice((5, 10, 16, 32))}
    if kind == "6000":
        return {"rated_passengers": rng.choice((12, 24, 40))}
    return {}


def load(s: Session, rng: random.Random) -> list[str]:
    if s.scalar(select(EquipmentUnit.id).where(EquipmentUnit.address.like("杭州%")).limit(1)) is not None:
        return _summary(s)
    owners = [_org(s, rng, "enterprise", n, rng.choice(REGIONS[:2])) for n in OWNERS]
    maints = [_org(s, rng, "enterprise", n, "330106", phone) for n, phone in MAINTAINERS]
    labs = [_org(s, rng, "lab", n, r) for n, r in zip(INSTITUTES, ("330100", "330000"), strict=True)]
    today = service.today()
    plan = PLAN
    registry: list[tuple[int, dict[str, object]]] = []
    reports: dict[int, list[tuple[int, dict[str, object]]]] = {lab.id: [] for lab in labs}
    seq = 0
    for variety, n in plan:
        for _ in range(n):
            seq += 1
            year = rng.randrange(2005, today.year - 1)
            code = f"{variety}33{rng.randrange(1, 999):03d}{year}{seq:05d}"
            # the last inspection: spread over the past year, a few long before (→ overdue now)
            months = rules.interval_for(variety, 2).months or 36
            back = rng.randrange(20, 365) if rng.random() > 0.06 else rng.randrange(months * 30 + 5, months * 30 + 90)
            back = min(back, (today - dt.date(year + 1, 1, 1)).days)
            owner = rng.choice(owners[-1:] if variety.startswith("6") else owners[:-1])
            grade = rng.choice((1, 2, 2, 3)) if variety[0] in "28" and not rules.is_cylinder(variety) else None
            row: dict[str, object] = {
                "设备代码": code, "品种代码": variety, "使用单位统一社会信用代码": owner.uscc,
                "行政区划代码": rng.choice(REGIONS[:2]), "地址": f"杭州市{rng.choice(STREETS)}{rng.randrange(1, 600)}号",
                "使用登记证编号": f"{_REG_PREFIX['23' if rules.is_cylinder(variety) else variety[0]]}11浙A{seq:05d}",
                "制造单位": rng.choice(("杭州西奥电梯有限公司", "奥的斯电梯（中国）有限公司", "杭州锅炉集团股份有限公司",
                                    "浙江省特种设备制造有限公司")),
                "投入使用日期": dt.date(year + 1, rng.randrange(1, 13), 1).isoformat(),
                "上次检验日期": (today - dt.timedelta(days=back + 365)).isoformat() if back < 365 else "",
                "维保单位统一社会信用代码": rng.choice(maints).uscc if rules.is_elevator(variety) else "",
                "安全状况等级": grade,
            }
            row |= {f"参数.{k}": v for k, v in _params(variety, rng).items()}
            registry.append((seq, row))
            on = today - dt.timedelta(days=back)
            if on.year <= year:
                continue
            failed = rng.random() < 0.05
            lab_reports = reports[rng.choice(labs).id]
            lab_reports.append((len(lab_reports) + 2, {
                "设备代码": code, "报告编号": f"TJ{on:%Y%m%d}-{seq:05d}", "检验日期": on.isoformat(),
                "检验结论": "不合格" if failed else "合格", "安全状况等级": grade,
                "问题": "制动器闸瓦磨损超标；门锁回路短接" if failed else ""}))
            if failed and rng.random() < 0.5 and back > 10:
                lab_reports.append((len(lab_reports) + 2, {
                    "设备代码": code, "报告编号": f"TJ{on:%Y%m%d}-{seq:05d}-R",
                    "检验日期": (on + dt.timedelta(days=10)).isoformat(), "检验结论": "复检合格", "安全状况等级": grade}))
    service.import_registry(s, SYSTEM, registry)
    for lab in labs:
        service.import_inspections(s, _inspector(lab), reports[lab.id])
    _licences(s, maints, today)
    _maintenance(s, rng, maints, today)
    _contracts(s, rng, today)
    _requests(s, labs, today)
    _incidents(s, rng, today)
    _user(s, "eq_owner", owners[0], "使用单位 安全管理员")
    _user(s, "eq_maint", maints[0], "维保单位 调度员")
    _user(s, "eq_inspector", labs[0], "检验员 周工", role="inspector")
    return _summary(s)


def _user(s: Session, username: str, org: Organization, display: str, role: str = "enterprise") -> None:
    if s.scalar(select(User.id).where(User.username == username)) is None:
        catalog.create_user(s, SYSTEM, UserIn(username=username, password=DEMO_PASSWORD, role=role,
                                              organization_id=org.id, display_name=display))


WORKERS = (("王建国", "330106198001011234"), ("李伟", "330102198503152217"), ("张强", "330104199002203316"),
           ("陈浩", "330108198807086619"), ("刘军", "330105199112120014"))
ITEMS = ("机房、滑轮间环境清洁", "制动器各销轴部位润滑", "层门、轿门门锁电气触点清洁", "轿厢照明、风扇、应急照明检查",
         "曳引轮槽、悬挂装置检查")


def _maintenance(s: Session, rng: random.Random, maints: list[Organization], today: dt.date) -> None:
    """Every 15 days over the last two months for each maintained elevator; about 1 in 20 lapsed (30–50 days)."""
    by_maint: dict[int, list[tuple[int, dict[str, object]]]] = {m.id: [] for m in maints}
    units = s.execute(select(EquipmentUnit.code, EquipmentUnit.maintainer_id).where(
        EquipmentUnit.maintainer_id.is_not(None), EquipmentUnit.status == "in_use").order_by(EquipmentUnit.id)).all()
    for code, maint_id in units:
        if maint_id not in by_maint:
            continue
        last = today - dt.timedelta(days=rng.randrange(30, 50) if rng.random() < 0.05 else rng.randrange(0, 14))
        worker = rng.choice(WORKERS)
        rows = by_maint[maint_id]
        for k in range(4):
            on = last - dt.timedelta(days=15 * k)
            rows.append((len(rows) + 2, {"设备代码": code, "维保日期": on.isoformat(),
                                         "维保类型": "季度维保" if k == 3 else "半月维保", "维保人员": worker[0],
                                         "作业人员证编号": worker[1], "维保项目": "；".join(rng.sample(ITEMS, 3))}))
    for k, (name, cert) in enumerate(WORKERS):  # their 电梯修理 (T) certificates, 4 years from issue
        service.register_worker_cert(s, SYSTEM, WorkerCertIn(cert_no=cert, name=name, item="T",
                                                             issued_on=dt.date(2023, 3 + k, 1), issuer="浙江省市场监督管理局"))
    for m in maints:
        if by_maint[m.id]:
            service.import_maintenance(s, Actor(None, f"demo-maint-{m.id}", "enterprise", m.id), by_maint[m.id])


def _incidents(s: Session, rng: random.Random, today: dt.date) -> None:
    """Eight entrapments in the past months (rescue in 12–40 min), one of them stranding people 2 h 10 min."""
    codes = list(s.scalars(select(EquipmentUnit.code).where(EquipmentUnit.category == "3000",
                                                            EquipmentUnit.status == "in_use").order_by(EquipmentUnit.id)))
    now = dt.datetime.combine(today, dt.time(8, 0), service.CHINA)
    for n, code in enumerate(rng.sample(codes, min(8, len(codes)))):
        at = now - dt.timedelta(days=rng.randrange(3, 120), hours=rng.randrange(0, 12))
        arrive = rng.randrange(12, 41)
        release = 130 if n == 0 else arrive + rng.randrange(3, 15)
        service.record_incident(s, SYSTEM, code, IncidentIn(
            kind="entrapment", occurred_at=at, called_at=at + dt.timedelta(minutes=1),
            arrived_at=at + dt.timedelta(minutes=1 + arrive), released_at=at + dt.timedelta(minutes=1 + release),
            trapped_people=rng.randrange(1, 6), cause=rng.choice(("门锁回路故障", "停电", "安全回路断开", "乘客扒门"))),
            now=at + dt.timedelta(minutes=30 + release))


def _licences(s: Session, maints: list[Organization], today: dt.date) -> None:
    """The five companies' 特种设备安装改造修理许可 (电梯修理): four years each, the last one expiring in 40 days."""
    for k, m in enumerate(maints):
        until = today + dt.timedelta(days=40 if k == len(maints) - 1 else 400 + 200 * k)
        service.register_licence(s, SYSTEM, LicenceIn(
            organization_id=m.id, licence_no=f"TS34330{k + 1:02d}-2026", scope="电梯修理 A2",
            issued_on=until - dt.timedelta(days=4 * 365), valid_until=until, issuer="浙江省市场监督管理局",
            phone=m.contact_phone or ""))


def _contracts(s: Session, rng: random.Random, today: dt.date) -> None:
    """维保合同 for 30 elevators of the first owner: 25 in force, 5 that ended last month without successor."""
    units = s.execute(select(EquipmentUnit.code, EquipmentUnit.maintainer_id).where(
        EquipmentUnit.category == "3000", EquipmentUnit.maintainer_id.is_not(None), EquipmentUnit.status == "in_use")
        .order_by(EquipmentUnit.id).limit(30)).all()
    for n, (code, maint_id) in enumerate(units):
        start = today - dt.timedelta(days=rng.randrange(200, 700))
        end = today - dt.timedelta(days=rng.randrange(5, 30)) if n < 5 else today + dt.timedelta(days=rng.randrange(60, 365))
        service.create_contract(s, SYSTEM, code, ContractIn(maintainer_id=maint_id, starts_on=start, ends_on=end,
                                                            contract_no=f"WB{start:%Y}-{n + 1:04d}"))


def _requests(s: Session, labs: list[Organization], today: dt.date) -> None:
    """检验申请 by the owners of six units due within 30 days; the institute has scheduled three."""
    soon = s.execute(select(EquipmentUnit.code, EquipmentUnit.owner_id).where(
        EquipmentUnit.status == "in_use", EquipmentUnit.next_due_on >= today,
        EquipmentUnit.next_due_on <= today + dt.timedelta(days=rules.DUE_SOON_DAYS))
        .order_by(EquipmentUnit.next_due_on, EquipmentUnit.id).limit(6)).all()
    for n, (code, owner_id) in enumerate(soon):
        req = service.request_inspection(s, Actor(None, f"demo-owner-{owner_id}", "enterprise", owner_id), code,
                                         InspectionRequestIn(institute_id=labs[0].id))
        if n % 2 == 0:
            service.schedule_request(s, _inspector(labs[0]), req.id,
                                     ScheduleIn(scheduled_on=today + dt.timedelta(days=3 + n)))


def _inspector(lab: Organization) -> Actor:
    return Actor(None, f"demo-inspector-{lab.id}", "inspector", lab.id)


def _summary(s: Session) -> list[str]:
    today = service.today()
    n = s.scalar(select(func.count()).select_from(EquipmentUnit))
    insp = s.scalar(select(func.count()).select_from(EquipmentInspection))
    overdue = s.scalar(select(func.count()).select_from(EquipmentUnit).where(
        EquipmentUnit.status.in_(("in_use", "stopped")), EquipmentUnit.next_due_on < today))
    stopped = s.scalar(select(func.count()).select_from(EquipmentUnit).where(EquipmentUnit.status == "stopped"))
    visits = s.scalar(select(func.count()).select_from(EquipmentMaintenance))
    lapsed = s.scalar(select(func.count()).select_from(EquipmentUnit).where(
        EquipmentUnit.status == "in_use", EquipmentUnit.next_maintenance_due_on < today))
    incidents = s.scalar(select(func.count()).select_from(EquipmentIncident))
    return [f"equipment: {n} units, {insp} inspection reports, {overdue} overdue, {stopped} stopped (不合格), "
            f"{visits} maintenance visits, {lapsed} maintenance overdue, {incidents} incidents"]
