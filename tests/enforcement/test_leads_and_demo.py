"""Leads from the other rooms (the scheduled job reading their published data), concurrent 文号 allocation (exactly one
number each), a stateful property test of the procedure on the real database, and the demo (fast, idempotent)."""

from __future__ import annotations

import datetime as dt
import random
import threading
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests import factories
from tests.enforcement.helpers import actor_for, officers, open_case, organ, to_notice
from zhijian.enforcement import demo, documents, procedure, service
from zhijian.enforcement.models import Case, Document, Lead
from zhijian.enforcement.schemas import DecideIn, ResponseIn
from zhijian.platform.auth import SYSTEM
from zhijian.platform.errors import DomainError

d = dt.date


def test_job_creates_leads_from_equipment_and_reports_once(db):
    """特种设备 overdue / 不合格 units (read from the equipment models, read-only) become leads, once."""
    from tests.equipment.helpers import elevator

    with db.session() as s:
        owner = factories.enterprise(s, region="330106")
        unit = elevator(s, owner.id, last=dt.date(2024, 1, 10))  # due 2025-01-10: overdue now
        code = unit.code
    from zhijian.enforcement.tasks import collect_leads_job

    first = collect_leads_job(db)["created"]
    assert first.get("equipment", 0) >= 1
    with db.session() as s:
        lead = s.scalar(select(Lead).where(Lead.source == "equipment", Lead.source_ref.like(f"unit:{code}:%")))
        assert lead is not None and lead.party_id == owner.id and lead.region_code == "330106"
        assert lead.source_link == f"/equipment/u/{code}" and "超期未检" in lead.title
        n = s.scalar(select(func.count(Lead.id)))
    collect_leads_job(db)
    with db.session() as s:
        assert s.scalar(select(func.count(Lead.id))) == n  # idempotent


def test_manual_lead_duplicate_and_outside_division(db):
    from zhijian.enforcement.schemas import LeadIn

    with db.session() as s:
        org = organ(s, "330100")
        a = actor_for(org)
        ref = f"r-{factories.uid()}"
        service.create_lead(s, a, LeadIn(title="x", region_code="330106", source_ref=ref))
        try:
            service.create_lead(s, a, LeadIn(title="x", region_code="330106", source_ref=ref))
            raise AssertionError("duplicate accepted")
        except DomainError as exc:
            assert exc.code == "enforcement_lead.duplicate" and exc.status == 409
        try:
            service.create_lead(s, a, LeadIn(title="x", region_code="440106"))
            raise AssertionError("outside division accepted")
        except DomainError as exc:
            assert exc.code == "enforcement.outside_division"


def test_concurrent_document_numbers_are_unique(db):
    """Two threads allocating 文号 for the same organ and year: every number once (the unique constraint decides)."""
    with db.session() as s:
        org = organ(s, "330100", name=f"杭州市市场监督管理局{factories.uid()}")
        oid = org.id
    numbers: list[str] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(4):
                with db.session() as s:
                    from zhijian.catalog.models import Organization

                    numbers.append(documents.allocate(s, s.get(Organization, oid), "notice", d(2026, 5, 1)).number)
        except BaseException as exc:  # noqa: BLE001 — collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ok_errors = [e for e in errors if isinstance(e, DomainError) and e.status in (409, 503)]
    assert len(ok_errors) == len(errors), errors
    assert len(numbers) == len(set(numbers))
    with db.session() as s:
        seqs = sorted(s.scalars(select(Document.seq).where(Document.organ_id == oid)))
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) == len(numbers)


ACTIONS = st.lists(st.tuples(st.sampled_from(["decide", "respond", "waive", "hearing_request"]),
                             st.integers(min_value=0, max_value=20)), min_size=1, max_size=6)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=ACTIONS, with_notice=st.booleans())
def test_property_no_case_decided_without_notice_and_period(sqlite_db, actions, with_notice):
    """Whatever the officers try, in any order and on any day, a case reaches 决定 only after its 告知书 was served
    and the response period passed or was waived (《行政处罚法》第四十四条、第四十五条、第六十二条)."""
    with sqlite_db.session() as s:
        org = organ(s, "330100")
        certs = officers(s, org)
        a = actor_for(org)
        case = open_case(s, org, certs)
        if with_notice:
            from zhijian.enforcement.schemas import LegalReviewIn

            case = to_notice(s, org, certs, case, goods_value=200000, fine=300000, served_on=d(2026, 3, 20))
            procedure.legal_review(s, a, case.id, LegalReviewIn(reviewer="法规科", opinion="同意", on=d(2026, 3, 20)))
        start = d(2026, 3, 20)
        for action, offset in actions:
            on = start + dt.timedelta(days=offset)
            try:
                with s.begin_nested():
                    if action == "decide":
                        procedure.decide(s, a, case.id, DecideIn(officers=certs, fine=300000, approver="局长", on=on))
                    elif action == "respond":
                        procedure.respond(s, a, case.id, ResponseIn(statement="申辩", on=on))
                    elif action == "waive":
                        procedure.respond(s, a, case.id, ResponseIn(waive=True, on=on))
                    else:
                        procedure.respond(s, a, case.id, ResponseIn(request_hearing=True, on=on))
            except DomainError:
                s.expire_all()
            c = s.get(Case, case.id)
            if c.decided_on is not None:
                assert c.notified_on is not None and c.response_due_on is not None
                assert c.waived or c.decided_on > c.response_due_on
                assert not c.hearing_requested or c.hearing_held


def test_demo_is_idempotent_and_fast(fresh_db):
    db = fresh_db("sqlite")
    t0 = time.process_time()
    with db.session() as s:
        first = demo.load(s, random.Random(19))
    assert time.process_time() - t0 < 10
    with db.session() as s:
        n_cases = s.scalar(select(func.count(Case.id)))
        published = s.scalar(select(func.count(Case.id)).where(Case.published_on.is_not(None)))
        again = demo.load(s, random.Random(19))
        assert s.scalar(select(func.count(Case.id))) == n_cases
    assert first == again and n_cases == 3 and published == 1
    with db.session() as s:
        stats = __import__("zhijian.enforcement.oversight", fromlist=["dashboard"]).dashboard(s, SYSTEM)
        assert {r.region_code for r in stats} == {"330100", "440100"}


def test_console_cards_and_provisional_deadlines(db):
    """The console home cards count in the actor's division; a 办案期限 on a year without a 放假安排 is provisional
    and listed through the platform's deadline contract."""
    from zhijian.platform import deadlines

    with db.session() as s:
        org = organ(s, "330100")
        certs = officers(s, org)
        case = open_case(s, org, certs, on=d(2031, 3, 3))  # 2031: no State Council notice yet → provisional
        cards = {c["label"]: c["value"] for c in service.dashboard_cards(s, actor_for(org))}
        assert cards["在办案件"] >= 1
        assert case.due_provisional
        listed = [p for p in deadlines.provisional_deadlines(s) if p.room == "enforcement" and p.entity_id == case.id]
        assert listed and listed[0].kind == "办案期限" and "第六十四条" in listed[0].basis
        other = {c["label"]: c["value"] for c in service.dashboard_cards(s, actor_for(organ(s, "440106", "county")))}
        assert other["在办案件"] == 0  # 天河区 sees none of 杭州's cases


def test_confirmed_counterfeit_signal_becomes_a_lead_with_its_gtin(db):
    """A trace signal confirmed by staff → a 假冒伪劣 lead in the scanning city's division, carrying the GTIN."""
    from zhijian.trace.models import Signal

    with db.session() as s:
        brand = factories.enterprise(s, region="330106")
        sig = Signal(kind="duplicate", enterprise_id=brand.id, gtin="06901234567892", serial=f"S{factories.uid()}",
                     evidence={"city": "440106", "scans": 3}, status="confirmed")
        s.add(sig)
        s.flush()
        sid = sig.id
        open_sig = Signal(kind="duplicate", enterprise_id=brand.id, gtin="06901234567892", serial="x", evidence={},
                          status="open")
        s.add(open_sig)
        s.flush()
        oid = open_sig.id
    with db.session() as s:
        service.collect_leads(s, SYSTEM)
        lead = s.scalar(select(Lead).where(Lead.source == "counterfeit", Lead.source_ref == f"trace_signal:{sid}"))
        assert lead is not None and lead.region_code == "440106" and lead.gtin == "06901234567892"
        assert s.scalar(select(Lead.id).where(Lead.source_ref == f"trace_signal:{oid}")) is None  # not confirmed


def test_police_transfer_with_the_criminal_thresholds(db):
    """移送公安 (《行政执法机关移送涉嫌犯罪案件的规定》第三条): 销售金额五万元以上 meets 刑法 第一百四十条."""
    from zhijian.enforcement import cooperation
    from zhijian.enforcement.schemas import FactsIn, ReviewIn, TransferIn

    with db.session() as s:
        org = organ(s, "330100")
        certs = officers(s, org)
        a = actor_for(org)
        case = open_case(s, org, certs, violation="PQL-50")
        procedure.submit_review(s, a, case.id, ReviewIn(officers=certs, violation_code="PQL-50", proposed_fine=100000,
                                                        facts=FactsIn(goods_value=80000, sales_amount=60000)))
        t = cooperation.transfer_case(s, a, case.id, TransferIn(kind="police", to_name="杭州市公安局",
                                                                reason="涉嫌销售伪劣产品罪", officers=certs))
        assert case.state == "transferred" and t.criteria and "第一百四十条" in t.criteria[0]
        assert "移〔" in t.document_no
