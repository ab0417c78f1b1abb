"""维保单位许可 and 维保合同 on every database.

- 《特种设备安全法》第四十五条: 电梯的维护保养应当由电梯制造单位或者依照本法取得许可的安装、改造、修理单位进行 —
  a company whose licence has expired takes no new contract and records no visit;
- TSG T5002-2017《电梯维护保养规则》第2.2条 (使用单位应当…与维保单位签订维保合同): the unit's maintenance company is
  the one of the contract in force; a contract ending without successor leaves the unit without one, flagged.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from tests import factories
from tests.equipment.helpers import elevator
from zhijian.equipment import service
from zhijian.equipment.schemas import ContractIn, LicenceIn, MaintenanceIn
from zhijian.platform.auth import SYSTEM, Actor
from zhijian.platform.errors import Conflict, DomainError, NotFound, PermissionDenied


def _ent(org_id: int) -> Actor:
    return Actor(None, f"ent-{org_id}", "enterprise", org_id)


def _licence(s, org_id: int, until: dt.date, no: str | None = None):  # type: ignore[no-untyped-def]
    return service.register_licence(s, SYSTEM, LicenceIn(
        organization_id=org_id, licence_no=no or f"TS3433{org_id:06d}", scope="电梯修理 A2",
        issued_on=until - dt.timedelta(days=4 * 365), valid_until=until, issuer="浙江省市场监督管理局",
        phone="0571-88000000"))


def visit(on: dt.date) -> MaintenanceIn:
    return MaintenanceIn(maintained_on=on, kind="half_month", items=["制动器动作检查"], worker_name="王师傅",
                         worker_cert_no="330106198001011234")


def test_licence_registry_only_regulator_and_validity(db):
    today = service.today()
    with db.session() as s:
        m = factories.enterprise(s)
        with pytest.raises(PermissionDenied):  # the licence is the authority's act, not the company's own claim
            service.register_licence(s, _ent(m.id), LicenceIn(organization_id=m.id, licence_no="TS1", issued_on=today,
                                                               valid_until=today + dt.timedelta(days=365)))
        with pytest.raises(DomainError) as exc:
            service.register_licence(s, SYSTEM, LicenceIn(organization_id=m.id, licence_no="TS1", issued_on=today,
                                                           valid_until=today))
        assert exc.value.field == "valid_until"
        lic = _licence(s, m.id, today + dt.timedelta(days=30))
        renewed = _licence(s, m.id, today + dt.timedelta(days=4 * 365), no=lic.licence_no + "R")  # 换证: one row
        assert renewed.id == lic.id and renewed.licence_no.endswith("R")
        assert [x.organization_id for x in service.licences(s, _ent(m.id))] == [m.id]


def test_contract_needs_licence_in_force_and_maintainer_follows_it(db):
    """第四十五条: an unlicensed or expired company takes no contract; the contract in force names the maintainer."""
    today = service.today()
    with db.session() as s:
        owner, good, expired, bare = (factories.enterprise(s) for _ in range(4))
        _licence(s, good.id, today + dt.timedelta(days=400))
        _licence(s, expired.id, today - dt.timedelta(days=1))
        unit = elevator(s, owner.id, last=today - dt.timedelta(days=30))
        term = ContractIn(maintainer_id=bare.id, starts_on=today - dt.timedelta(days=10),
                          ends_on=today + dt.timedelta(days=355))
        with pytest.raises(DomainError) as exc:
            service.create_contract(s, _ent(owner.id), unit.code, term)
        assert (exc.value.code, exc.value.field) == ("equipment.unlicensed", "maintainer_id")
        with pytest.raises(DomainError) as exc:
            service.create_contract(s, _ent(owner.id), unit.code, term.model_copy(update={"maintainer_id": expired.id}))
        assert exc.value.code == "equipment.licence_expired"
        with pytest.raises(DomainError) as exc:
            service.create_contract(s, _ent(owner.id), unit.code, term.model_copy(
                update={"maintainer_id": good.id, "ends_on": term.starts_on}))
        assert exc.value.field == "ends_on"
        with pytest.raises(NotFound):  # only the owner (or the regulator) contracts; a stranger sees no unit
            service.create_contract(s, _ent(good.id), unit.code, term.model_copy(update={"maintainer_id": good.id}))
        c = service.create_contract(s, _ent(owner.id), unit.code, term.model_copy(update={"maintainer_id": good.id}))
        assert unit.maintainer_id == good.id and c.unit_id == unit.id
        with pytest.raises(Conflict) as exc2:  # no two contracts for the same days
            service.create_contract(s, _ent(owner.id), unit.code, term.model_copy(
                update={"maintainer_id": good.id, "starts_on": today + dt.timedelta(days=100),
                        "ends_on": today + dt.timedelta(days=500)}))
        assert exc2.value.code == "equipment.contract_overlap"
        # the contracted company records the visit (require_maintain follows the contract)
        service.record_maintenance(s, _ent(good.id), unit.code, visit(today))
        assert [x.id for x in service.contracts(s, _ent(owner.id), unit.code)] == [c.id]


def test_expired_licence_cannot_record_visits(db):
    """A licence that expired yesterday: today's visit is refused, one recorded before the expiry is accepted."""
    today = service.today()
    with db.session() as s:
        owner, m = factories.enterprise(s), factories.enterprise(s)
        unit = elevator(s, owner.id, last=today - dt.timedelta(days=30), maintainer_id=m.id)
        _licence(s, m.id, today - dt.timedelta(days=1))
        with pytest.raises(DomainError) as exc:
            service.record_maintenance(s, _ent(m.id), unit.code, visit(today))
        assert (exc.value.code, exc.value.field, exc.value.status) == ("equipment.licence_expired", "maintainer_id", 409)
        service.record_maintenance(s, _ent(m.id), unit.code, visit(today - dt.timedelta(days=2)))
        rows = [(1, {"设备代码": unit.code, "维保日期": today.isoformat(), "维保类型": "半月维保", "维保人员": "王师傅",
                     "作业人员证编号": "330106198001011234"})]
        with pytest.raises(DomainError) as exc:  # the Excel import refuses it too, naming row and column
            service.import_maintenance(s, _ent(m.id), rows)
        assert "设备代码" in (exc.value.field or "") or "第 1 行" in exc.value.message_zh


def test_contract_end_without_successor_flags_unit_and_successor_takes_over(db):
    today = service.today()
    with db.session() as s:
        owner, a, b = factories.enterprise(s), factories.enterprise(s), factories.enterprise(s)
        for m in (a, b):
            _licence(s, m.id, today + dt.timedelta(days=1000))
        lapsing = elevator(s, owner.id, last=today - dt.timedelta(days=30))
        handed = elevator(s, owner.id, last=today - dt.timedelta(days=30))
        for u in (lapsing, handed):
            service.create_contract(s, _ent(owner.id), u.code, ContractIn(
                maintainer_id=a.id, starts_on=today - dt.timedelta(days=300), ends_on=today + dt.timedelta(days=9)))
        service.create_contract(s, _ent(owner.id), handed.code, ContractIn(
            maintainer_id=b.id, starts_on=today + dt.timedelta(days=10), ends_on=today + dt.timedelta(days=375)))
        assert (lapsing.maintainer_id, handed.maintainer_id) == (a.id, a.id)
        later = today + dt.timedelta(days=10)
        assert service.contract_gaps(s, _ent(owner.id), on=today) == []
        result = service.sync_contracts(s, later)
        assert result["switched"] >= 1 and result["lapsed"] >= 1
        assert (lapsing.maintainer_id, handed.maintainer_id) == (None, b.id)
        gaps = service.contract_gaps(s, _ent(owner.id), on=later)
        assert [(g.code, g.last_maintainer_id, g.ended_on) for g in gaps] == [
            (lapsing.code, a.id, today + dt.timedelta(days=9))]
        sigs = [x for x in service.risk_signals(s, on=later) if x.kind == "contract_lapsed" and x.owner_id == owner.id]
        assert [(x.count, x.region_code) for x in sigs] == [(1, lapsing.region_code)]


def test_concurrent_same_start_one_contract_wins(db):
    today = service.today()
    with db.session() as s:
        owner, m = factories.enterprise(s), factories.enterprise(s)
        _licence(s, m.id, today + dt.timedelta(days=1000))
        code = elevator(s, owner.id, last=today - dt.timedelta(days=30)).code
        owner_id, m_id = owner.id, m.id
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def sign() -> None:
        try:
            with db.session() as s2:
                barrier.wait()
                service.create_contract(s2, _ent(owner_id), code, ContractIn(
                    maintainer_id=m_id, starts_on=today, ends_on=today + dt.timedelta(days=365)))
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=sign) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
