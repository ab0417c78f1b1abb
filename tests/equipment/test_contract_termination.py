"""维保合同 解除 and correction on every database.

- TSG T5002-2017《电梯维护保养规则》第2.2条: 使用单位应当与取得许可的维保单位签订维保合同 — the unit's maintenance
  company is the company of the contract in force; a terminated contract is not in force from its termination day;
- 《特种设备安全法》第四十五条: an elevator is maintained by a licensed company — an elevator in use whose contract was
  terminated (or ran out) without successor is flagged as having no maintenance company (scan page, gap list, risk).
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories
from tests.equipment.helpers import elevator
from tests.equipment.test_contracts import _ent, _licence
from zhijian.equipment import service
from zhijian.equipment.schemas import ContractEditIn, ContractIn, TerminateIn
from zhijian.platform.auth import SYSTEM
from zhijian.platform.errors import Conflict, DomainError, InvalidTransition, NotFound, PermissionDenied


def _setup(s, today: dt.date):  # type: ignore[no-untyped-def]
    owner, a, b = factories.enterprise(s), factories.enterprise(s), factories.enterprise(s)
    for m in (a, b):
        _licence(s, m.id, today + dt.timedelta(days=1000))
    unit = elevator(s, owner.id, last=today - dt.timedelta(days=30))
    c = service.create_contract(s, _ent(owner.id), unit.code, ContractIn(
        maintainer_id=a.id, starts_on=today - dt.timedelta(days=100), ends_on=today + dt.timedelta(days=265),
        contract_no="WB-T-1"))
    return owner, a, b, unit, c


def test_termination_today_leaves_the_unit_without_maintenance_company(db):
    today = service.today()
    with db.session() as s:
        owner, a, _, unit, c = _setup(s, today)
        assert unit.maintainer_id == a.id and service.contract_gaps(s, _ent(owner.id), on=today) == []
        done = service.terminate_contract(s, _ent(owner.id), c.id, TerminateIn(terminated_on=today,
                                                                                reason="维保质量不达标"))
        assert (done.terminated_on, done.termination_reason) == (today, "维保质量不达标")
        assert unit.maintainer_id is None
        gaps = service.contract_gaps(s, _ent(owner.id), on=today)
        assert [(g.code, g.last_maintainer_id, g.ended_on) for g in gaps] == [(unit.code, a.id, today)]
        view = service.scan_view(s, unit.code)
        assert view.maintainer is None and view.no_maintainer is True
        sigs = [x for x in service.risk_signals(s, on=today) if x.kind == "contract_lapsed" and x.owner_id == owner.id]
        assert [x.count for x in sigs] == [1]
        # the former company no longer reaches the unit (not its maintainer), and the owner cannot record the
        # elevator's visit itself: it needs a licensed company first (第四十五条)
        with pytest.raises(NotFound):
            service.record_maintenance(s, _ent(a.id), unit.code, _visit(today))
        with pytest.raises(DomainError) as exc:
            service.record_maintenance(s, _ent(owner.id), unit.code, _visit(today))
        assert exc.value.code == "equipment.no_maintainer"


def _visit(on: dt.date):  # type: ignore[no-untyped-def]
    from tests.equipment.test_contracts import visit

    return visit(on)


def test_termination_in_ten_days_takes_effect_that_day_and_frees_the_rest(db):
    """A termination fixed for a later day: in force until the day before; a successor may start on that day."""
    today = service.today()
    with db.session() as s:
        owner, a, b, unit, c = _setup(s, today)
        stop = today + dt.timedelta(days=10)
        service.terminate_contract(s, _ent(a.id), c.id, TerminateIn(terminated_on=stop, reason="维保单位提出解除"))
        assert unit.maintainer_id == a.id  # still in force today
        assert service.contract_in_force(c, stop - dt.timedelta(days=1)) and not service.contract_in_force(c, stop)
        gap_day = service.contract_gaps(s, _ent(owner.id), on=stop)
        assert [(g.code, g.ended_on) for g in gap_day] == [(unit.code, stop)]
        result = service.sync_contracts(s, stop)
        assert result["lapsed"] >= 1 and unit.maintainer_id is None
        # the remaining days (stop .. original end) are free: a successor starting on the termination day is accepted
        succ = service.create_contract(s, _ent(owner.id), unit.code, ContractIn(
            maintainer_id=b.id, starts_on=stop, ends_on=stop + dt.timedelta(days=365)))
        assert service.contract_gaps(s, _ent(owner.id), on=stop) == []
        with pytest.raises(Conflict):  # … but not one that starts the day before (still a's)
            service.create_contract(s, _ent(owner.id), unit.code, ContractIn(
                maintainer_id=b.id, starts_on=stop - dt.timedelta(days=1), ends_on=stop))
        assert succ.maintainer_id == b.id


def test_termination_is_checked(db):
    today = service.today()
    with db.session() as s:
        owner, a, b, unit, c = _setup(s, today)
        with pytest.raises(DomainError) as exc:  # outside the contract's period
            service.terminate_contract(s, _ent(owner.id), c.id, TerminateIn(
                terminated_on=c.ends_on + dt.timedelta(days=1), reason="x"))
        assert (exc.value.code, exc.value.field) == ("equipment.bad_termination", "terminated_on")
        with pytest.raises(DomainError) as exc:
            service.terminate_contract(s, _ent(owner.id), c.id, TerminateIn(terminated_on=today, reason="   "))
        assert (exc.value.code, exc.value.field) == ("equipment.reason_required", "reason")
        with pytest.raises(NotFound):  # another company sees no such contract
            service.terminate_contract(s, _ent(b.id), c.id, TerminateIn(terminated_on=today, reason="x"))
        service.terminate_contract(s, SYSTEM, c.id, TerminateIn(terminated_on=today, reason="使用单位停业"))
        with pytest.raises(InvalidTransition):  # once only
            service.terminate_contract(s, _ent(owner.id), c.id, TerminateIn(terminated_on=today, reason="again"))
        with pytest.raises(InvalidTransition):  # and a terminated contract is no longer edited
            service.update_contract(s, _ent(owner.id), c.id, ContractEditIn(
                starts_on=c.starts_on, ends_on=c.ends_on + dt.timedelta(days=30)))


def test_contract_correction_extends_and_keeps_the_overlap_rule(db):
    today = service.today()
    with db.session() as s:
        owner, a, b, unit, c = _setup(s, today)
        nxt = service.create_contract(s, _ent(owner.id), unit.code, ContractIn(
            maintainer_id=b.id, starts_on=c.ends_on + dt.timedelta(days=1), ends_on=c.ends_on + dt.timedelta(days=366)))
        with pytest.raises(Conflict):  # extending a's contract into b's is refused
            service.update_contract(s, _ent(owner.id), c.id, ContractEditIn(
                starts_on=c.starts_on, ends_on=nxt.starts_on, contract_no="WB-T-1"))
        with pytest.raises(PermissionDenied):  # the company reads its contract but does not edit it
            service.update_contract(s, _ent(a.id), c.id, ContractEditIn(starts_on=c.starts_on, ends_on=c.ends_on))
        edited = service.update_contract(s, _ent(owner.id), c.id, ContractEditIn(
            starts_on=c.starts_on, ends_on=c.ends_on - dt.timedelta(days=30), contract_no="WB-T-1A"))
        assert (edited.contract_no, edited.ends_on) == ("WB-T-1A", today + dt.timedelta(days=235))
        page = service.contract_page(s, _ent(a.id))
        assert [(v.unit_code, v.row.id, v.in_force) for v in page.items] == [(unit.code, c.id, True)]
