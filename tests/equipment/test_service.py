"""Service tests on every database: registration, 不合格 stops a unit until a passing re-inspection
(特种设备安全法 第四十条), due lists by division and owner, the all-or-nothing registry import."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.equipment.helpers import ELEVATOR_PARAMS, elevator, new_code
from zhijian.equipment import service
from zhijian.equipment.models import EquipmentStatusChange, EquipmentUnit
from zhijian.equipment.schemas import InspectionIn, StatusIn, UnitIn
from zhijian.platform.auth import SYSTEM, Actor
from zhijian.platform.errors import Conflict, DomainError, InvalidTransition, PermissionDenied
from zhijian.platform.tabular import read_rows


def _inspector(lab_id: int) -> Actor:
    return Actor(None, "tester", "inspector", lab_id)


def test_register_computes_due_from_tsg_t7001(db):
    with db.session() as s:
        ent = factories.enterprise(s)
        unit = elevator(s, ent.id, last=dt.date(2026, 4, 20))
        assert (unit.status, unit.category, unit.next_due_on, unit.due_rule) == (
            "in_use", "3000", dt.date(2027, 4, 20), "elevator")
        with pytest.raises(Conflict) as exc:
            service.register_unit(s, SYSTEM, UnitIn(code=unit.code, variety="3110", owner_id=ent.id,
                                                    region_code="330106", params=ELEVATOR_PARAMS))
        assert exc.value.code == "equipment.duplicate"


def test_register_refuses_mismatch_and_missing_params(db):
    with db.session() as s:
        ent = factories.enterprise(s)
        with pytest.raises(DomainError) as exc:
            service.register_unit(s, SYSTEM, UnitIn(code=new_code("3310"), variety="3110", owner_id=ent.id,
                                                    region_code="330106", params=ELEVATOR_PARAMS))
        assert exc.value.code == "equipment.code_variety_mismatch"
        with pytest.raises(DomainError) as exc:
            service.register_unit(s, SYSTEM, UnitIn(code=new_code(), variety="3110", owner_id=ent.id,
                                                    region_code="330106", params={}))
        assert exc.value.code == "equipment.missing_param"


def test_fail_stops_unit_until_passing_reinspection(db):
    """特种设备安全法 第四十条: a unit found 不合格 must not be used → 停用; a passing re-inspection restarts it
    and moves the due date one year on (TSG T7001-2023)."""
    with db.session() as s:
        ent, lab = factories.enterprise(s), factories.lab(s)
        unit = elevator(s, ent.id, last=dt.date(2025, 3, 1))
        insp = _inspector(lab.id)
        service.record_inspection(s, insp, unit.code, InspectionIn(
            report_no=f"DT-{unit.code}-1", inspected_on=dt.date(2026, 2, 20), conclusion="不合格", defects="制动器磨损"))
        assert unit.status == "stopped" and unit.next_due_on == dt.date(2026, 3, 1)
        with pytest.raises(DomainError) as exc:  # the owner cannot simply restart it
            service.change_status(s, Actor(None, "o", "enterprise", ent.id), unit.code, StatusIn(status="in_use"))
        assert exc.value.code == "equipment.failed_inspection"
        service.record_inspection(s, insp, unit.code, InspectionIn(
            report_no=f"DT-{unit.code}-2", inspected_on=dt.date(2026, 3, 5), conclusion="复检合格", kind="reinspection"))
        assert (unit.status, unit.last_inspection_on, unit.next_due_on) == ("in_use", dt.date(2026, 3, 5),
                                                                            dt.date(2027, 3, 5))
        trail = [(c.from_status, c.to_status) for c in service.status_history(s, SYSTEM, unit.code)]
        assert trail == [("", "in_use"), ("in_use", "stopped"), ("stopped", "in_use")]


def test_only_institutes_record_and_report_numbers_unique(db):
    with db.session() as s:
        ent, lab = factories.enterprise(s), factories.lab(s)
        unit = elevator(s, ent.id)
        data = InspectionIn(report_no=f"R-{unit.code}", inspected_on=dt.date(2026, 1, 5), conclusion="合格")
        with pytest.raises(PermissionDenied):
            service.record_inspection(s, Actor(None, "o", "enterprise", ent.id), unit.code, data)
        service.record_inspection(s, _inspector(lab.id), unit.code, data)
        with pytest.raises(Conflict) as exc:
            service.record_inspection(s, _inspector(lab.id), unit.code, data)
        assert exc.value.code == "equipment.duplicate_report"


def test_status_transitions_and_scrap(db):
    with db.session() as s:
        ent = factories.enterprise(s)
        unit = elevator(s, ent.id)
        owner = Actor(None, "o", "enterprise", ent.id)
        service.change_status(s, owner, unit.code, StatusIn(status="stopped", reason="停用报告", document="TY-1"))
        service.change_status(s, owner, unit.code, StatusIn(status="scrapped", reason="报废"))
        with pytest.raises(InvalidTransition):
            service.change_status(s, owner, unit.code, StatusIn(status="in_use"))
        service.change_status(s, owner, unit.code, StatusIn(status="cancelled", reason="注销登记"))
        assert unit.status == "cancelled"
        other = Actor(None, "x", "enterprise", factories.enterprise(s).id)
        unit2 = elevator(s, ent.id)
        with pytest.raises(Exception) as exc:
            service.change_status(s, other, unit2.code, StatusIn(status="stopped"))
        assert getattr(exc.value, "status", None) in (403, 404)


def test_due_lists_by_division_and_owner(db):
    """A city regulator (330100) sees its districts' units, not another city's; owners see their own."""
    today = dt.date(2026, 12, 2)
    with db.session() as s:
        ent, other = factories.enterprise(s), factories.enterprise(s, region="330782")
        overdue = elevator(s, ent.id, region="330106", last=dt.date(2025, 11, 1))     # due 2026-11-01
        soon = elevator(s, ent.id, region="330106", last=dt.date(2025, 12, 20))       # due 2026-12-20
        later = elevator(s, ent.id, region="330106", last=dt.date(2026, 6, 1))        # due 2027-06-01
        far = elevator(s, other.id, region="330782", last=dt.date(2025, 10, 1))        # 义乌 (金华), overdue
        city = Actor(None, "r", "regulator", factories.regulator(s, "municipal", "330100").id)

        def codes(actor: Actor, state: str, **kw: object) -> set[str]:
            return {u.code for u in service.due_list(s, actor, state=state, on=today, limit=500, **kw).items}

        mine = {overdue.code, soon.code, later.code, far.code}
        assert codes(city, "overdue") & mine == {overdue.code}
        assert codes(city, "due_soon") & mine == {soon.code}
        assert codes(SYSTEM, "overdue", region="330000") & mine == {overdue.code, far.code}
        assert codes(Actor(None, "o", "enterprise", other.id), "overdue") == {far.code}
        assert codes(SYSTEM, "overdue", owner_id=ent.id) == {overdue.code}


def _csv(rows: list[list[str]]) -> bytes:
    return ("\n".join(",".join(r) for r in rows) + "\n").encode("utf-8")


def test_import_all_or_nothing_with_row_and_column(db):
    header = ["设备代码", "品种代码", "使用单位统一社会信用代码", "行政区划代码", "地址", "上次检验日期",
              "参数.rated_load_kg", "参数.rated_speed_m_s", "参数.floors"]
    with db.session() as s:
        ent = factories.enterprise(s)
        good = [new_code(), "3110", ent.uscc or "", "330106", "文一路 5 号", "2026-01-10", "800", "1.0", "6"]
        bad = [new_code(), "3110", ent.uscc or "", "330106", "文一路 6 号", "2026-01-10", "800", "", "6"]
        before = s.scalar(select(func.count()).select_from(EquipmentUnit))
        with pytest.raises(DomainError) as exc:
            service.import_registry(s, SYSTEM, read_rows(_csv([header, good, bad]), "r.csv"))
        assert exc.value.code == "import.bad_cell"
        assert exc.value.extra == {"row": 3, "column": "参数.rated_speed_m_s"}
        assert s.scalar(select(func.count()).select_from(EquipmentUnit)) == before
        n = service.import_registry(s, SYSTEM, read_rows(_csv([header, good]), "r.csv"))
        assert n == 1
        unit = service.get_unit(s, SYSTEM, good[0])
        assert unit.next_due_on == dt.date(2027, 1, 10)
        assert s.scalar(select(func.count()).select_from(EquipmentStatusChange)
                        .where(EquipmentStatusChange.unit_id == unit.id)) == 1


def test_scan_view_public_fields(db):
    with db.session() as s:
        ent, maint = factories.enterprise(s), factories.enterprise(s)
        unit = elevator(s, ent.id, last=dt.date(2025, 1, 1), maintainer_id=maint.id)
        view = service.scan_view(s, unit.code, on=dt.date(2026, 12, 2))
        assert (view.emergency_phone, view.due_state, view.usable, view.owner) == ("96333", "overdue", False, ent.name)
        assert view.maintainer == maint.name
        assert view.complaint_url.startswith("/complaints/new?") and unit.code in view.complaint_url


def test_import_inspections_same_effect_as_one_by_one(db):
    """Excel import of reports: 不合格 then 复检合格 in one file → stopped then back in use (特种设备安全法 第四十条),
    due one year after the re-inspection (TSG T7001-2023); a bad row rejects the whole file."""
    with db.session() as s:
        ent, lab = factories.enterprise(s), factories.lab(s)
        a, b = elevator(s, ent.id, last=dt.date(2025, 5, 1)), elevator(s, ent.id, last=dt.date(2025, 5, 1))
        insp = _inspector(lab.id)
        rows = [(2, {"设备代码": a.code, "报告编号": f"X-{a.code}", "检验日期": "2026-04-20", "检验结论": "不合格"}),
                (3, {"设备代码": a.code, "报告编号": f"X-{a.code}-R", "检验日期": "2026-04-30", "检验结论": "复检合格"}),
                (4, {"设备代码": b.code, "报告编号": f"X-{b.code}", "检验日期": "2026-04-21", "检验结论": "不合格"})]
        bad = [*rows, (5, {"设备代码": b.code, "报告编号": f"X-{b.code}-2", "检验日期": "2026-04-22", "检验结论": "尚可"})]
        with pytest.raises(DomainError) as exc:
            service.import_inspections(s, insp, bad)
        assert exc.value.extra == {"row": 5, "column": "检验结论"}
        assert a.status == "in_use" and service.inspections(s, SYSTEM, a.code) == []
        assert service.import_inspections(s, insp, rows) == 3
        assert (a.status, a.next_due_on, b.status) == ("in_use", dt.date(2027, 4, 30), "stopped")


def test_import_registry_from_excel(sqlite_db, tmp_path):
    """The same importer reads .xlsx (platform tabular reader); a date cell becomes a date."""
    from zhijian.platform.tabular import write_rows

    with sqlite_db.session() as s:
        ent = factories.enterprise(s)
        code = new_code("2150", 2015)
        path = tmp_path / "registry.xlsx"
        write_rows(path, ["设备代码", "品种代码", "使用单位统一社会信用代码", "行政区划代码", "地址", "安全状况等级",
                          "上次检验日期", "参数.design_pressure_mpa", "参数.volume_m3", "参数.medium"],
                   [[code, "2150", ent.uscc, "330110", "余杭区 1 号", 3, dt.date(2024, 9, 1), 1.6, 5, "压缩空气"]])
        assert service.import_registry(s, SYSTEM, read_rows(path, path.name)) == 1
        unit = service.get_unit(s, SYSTEM, code)
        # TSG 21-2016 8.1.6: safety grade 3 → 3 years (the lower bound of 3–6)
        assert (unit.safety_grade, unit.next_due_on, unit.due_rule) == (3, dt.date(2027, 9, 1), "vessel_grade_3")


def test_statistics_by_category_and_division(db):
    """Counts per category and division in a regulator's scope; overdue and 30-day window as in the due lists."""
    today = dt.date(2026, 12, 2)
    with db.session() as s:
        ent = factories.enterprise(s, region="330400")
        reg = Actor(None, "r", "regulator", factories.regulator(s, "municipal", "330400").id)
        before = {(r.category, r.region_code): r for r in service.statistics(s, reg, on=today)}
        elevator(s, ent.id, region="330400", last=dt.date(2025, 11, 1))   # overdue
        elevator(s, ent.id, region="330400", last=dt.date(2025, 12, 10))  # due soon
        elevator(s, ent.id, region="330400", last=dt.date(2026, 8, 1))    # ok
        rows = {(r.category, r.region_code): r for r in service.statistics(s, reg, on=today)}
        assert all(r.region_code.startswith("3304") for r in rows.values())
        old = before.get(("3000", "330400"))
        new = rows[("3000", "330400")]
        base = (old.units, old.overdue, old.due_soon) if old else (0, 0, 0)
        assert (new.units - base[0], new.overdue - base[1], new.due_soon - base[2]) == (3, 1, 1)


def test_recompute_due_dates_writes_only_changed_rows(db):
    """After a new interval-table version every stored date is recomputed; a unit whose date is already right is
    not written (the 10^6-unit path of bench/bench_equipment.py)."""
    import dataclasses

    from zhijian.equipment import rules

    with db.session() as s:
        ent = factories.enterprise(s)
        unit = elevator(s, ent.id, last=dt.date(2026, 4, 20))
        code = unit.code
    with db.session() as s:
        first = service.recompute_due_dates(s, SYSTEM)
        assert first["units"] >= 1
    with db.session() as s:
        assert service.recompute_due_dates(s, SYSTEM)["changed"] == 0
        # a hypothetical table where elevators are inspected every 2 years (TSG T7001-2023 allows alternating
        # with self-tests in some provinces): the unit's date moves to 2028-04-20
        rows = dict(rules.CURRENT_TABLE.rows)
        rows["elevator"] = dataclasses.replace(rows["elevator"], months=24)
        two_year = rules.IntervalTable("test-2y", dt.date(2027, 1, 1), rows)
        rules.INTERVAL_TABLES[two_year.version] = two_year
        try:
            out = service.recompute_due_dates(s, SYSTEM, table=two_year)
            assert out["changed"] >= 1
        finally:
            rules.INTERVAL_TABLES.pop(two_year.version)
    with db.session() as s:
        assert service.get_unit(s, SYSTEM, code).next_due_on == dt.date(2028, 4, 20)
        service.recompute_due_dates(s, SYSTEM)  # back to the table in force
    with db.session() as s:
        assert service.get_unit(s, SYSTEM, code).next_due_on == dt.date(2027, 4, 20)
        with pytest.raises(PermissionDenied):
            service.recompute_due_dates(s, Actor(None, "e", "enterprise", ent.id))


def test_regulator_scope_follows_its_level(db):
    """A regulator sees its division by its level (platform.jurisdiction): 国家市场监督管理总局 (national, 110000)
    every province — not only 北京 (11) — a city bureau (3301) its city, another province's bureau nothing here."""
    today = service.today()
    with db.session() as s:
        ent = factories.enterprise(s)
        code = elevator(s, ent.id, region="330106", last=today - dt.timedelta(days=400)).code
        national, city = factories.regulator(s, "national", "110000"), factories.regulator(s, "municipal", "330100")
        other = factories.regulator(s, "provincial", "320000")
        seen = {}
        for name, org in (("national", national), ("city", city), ("other", other)):
            actor = Actor(None, name, "regulator", org.id)
            items: set[str] = set()
            cursor = None
            while True:
                page = service.due_list(s, actor, state="overdue", on=today, limit=500, cursor=cursor)
                items |= {u.code for u in page.items}
                if not page.next_cursor:
                    break
                cursor = page.next_cursor
            seen[name] = code in items
    assert seen == {"national": True, "city": True, "other": False}


def test_recompute_stores_the_scalar_rule_for_every_category(db):
    """The bulk recompute (driver reads with dates as epoch days, NumPy rule, bulk write-back) stores for every
    unit exactly what rules.next_due gives (TSG intervals per table row; cylinders by their own interval, TSG 23;
    month ends clamped; never-inspected units from 投入使用; no date for grade 5 or no base date) on each backend."""
    import random

    from zhijian.equipment import rules

    rng = random.Random(18)
    now = dt.datetime(2026, 12, 1)
    with db.session() as s:
        ent = factories.enterprise(s)
        rows = []
        for k in range(120):
            v = ["3110", "1100", "2150", "2310", "4300", "4100", "6200", "8300", "9100", "5100"][k % 10]
            grade = rng.choice([None, 1, 3, 4, 5]) if v[0] in "28" else None
            params = {"inspection_interval_years": rng.choice([2, 3])} if v == "2310" and k % 3 else {}
            day = lambda: rng.choice([dt.date(2024, 1, 31), dt.date(2024, 2, 29), None,  # noqa: E731
                                      dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(3600))])
            rows.append({"code": new_code(v), "registration_no": f"基{k:05d}", "category": rules.category_of(v),
                         "variety": v, "owner_id": ent.id, "region_code": "330106", "address": "", "manufacturer": "",
                         "installer": "", "model": "", "params": params, "status": "in_use", "commissioned_on": day(),
                         "safety_grade": grade, "last_inspection_on": day(), "next_due_on": dt.date(2000, 1, 1),
                         "due_rule": "stale" if k % 2 else "", "created_at": now, "updated_at": now})
        s.execute(EquipmentUnit.__table__.insert(), rows)
    with db.session() as s:
        out = service.recompute_due_dates(s, SYSTEM, chunk=37)  # several chunks
        assert out["changed"] >= 120
    with db.session() as s:
        units = s.scalars(select(EquipmentUnit).where(EquipmentUnit.registration_no.like("基%"))).all()
        assert len(units) == 120
        for u in units:
            want = rules.next_due(rules.UnitFacts(u.variety, u.status, u.commissioned_on, u.safety_grade, u.params),
                                  u.last_inspection_on)
            assert (u.next_due_on, u.due_rule) == (want.due_on, want.rule), (u.variety, u.safety_grade, u.params)
        assert service.recompute_due_dates(s, SYSTEM)["changed"] == 0
