"""A case through the service on every database: 立案 → 调查取证 → 审核 → 告知 → 听证 → 决定 → 送达 → 执行 → 结案 → 公示,
with each clock checked against its article, the gates that refuse early or out-of-range steps, and 文号 per organ.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests import factories
from tests.enforcement.helpers import actor_for, officers, open_case, organ, to_notice
from zhijian.enforcement import documents, procedure, service
from zhijian.enforcement.models import Evidence, Step
from zhijian.enforcement.schemas import (
    DecideIn,
    ExcludeIn,
    ExtensionIn,
    HearingIn,
    LeadIn,
    PayIn,
    ResponseIn,
    SeizureIn,
    ServeIn,
    StepIn,
)
from zhijian.platform.errors import DomainError, InvalidTransition, NotFound, PermissionDenied

d = dt.date


def test_lead_clock_and_filing_from_lead(db):
    with db.session() as s:
        org = organ(s, "330100")
        certs = officers(s, org)
        ent = factories.enterprise(s, region="330106")
        a = actor_for(org)
        lead = service.create_lead(s, a, LeadIn(title="举报销售假冒电热毯", party_uscc=ent.uscc, party_name="x",
                                                received_on=d(2026, 11, 2)))
        # 程序规定 第十八条: 15 working days → 2026-11-23; the party matched by its USCC
        assert (lead.party_id, lead.region_code, lead.verify_due_on) == (ent.id, "330106", d(2026, 11, 23))
        lead = service.extend_lead(s, a, lead.id, "需调取外省销售记录，经负责人批准")
        assert lead.verify_due_on == d(2026, 12, 14)
        with pytest.raises(DomainError) as exc:
            service.extend_lead(s, a, lead.id, "再延长")
        assert exc.value.code == "enforcement.already_extended"
        from zhijian.enforcement.schemas import FileIn

        case = procedure.file_case(s, a, FileIn(lead_id=lead.id, approver="局长 王某", officers=certs, on=d(2026, 11, 20)))
        assert case.party_id == ent.id and case.case_no.endswith("〔2026〕1号") and case.region_code == "330100"
        assert case.due_on == d(2027, 2, 18)  # 程序规定 第六十四条: 90 days from 2026-11-20
        assert s.get(type(lead), lead.id).state == "filed"
        # another city's regulator neither sees the lead nor the case
        other = organ(s, "330200")
        with pytest.raises(NotFound):
            service.get_lead(s, actor_for(other), lead.id)
        with pytest.raises(NotFound):
            service.get_case(s, actor_for(other), case.id)


def test_two_officers_of_the_organ_are_required(db):
    with db.session() as s:
        org, other = organ(s, "330100"), organ(s, "330200")
        certs, foreign = officers(s, org), officers(s, other)
        with pytest.raises(DomainError) as exc:
            open_case(s, org, [certs[0], certs[0]])
        assert exc.value.code == "enforcement.two_officers"
        with pytest.raises(DomainError) as exc:
            open_case(s, org, [certs[0], foreign[0]])
        assert exc.value.code == "enforcement.unknown_officer" and exc.value.field == "officers"


def test_full_case_with_hearing_payment_and_publication(db):
    with db.session() as s:
        org = organ(s, "330100")
        certs = officers(s, org)
        a = actor_for(org)
        case = open_case(s, org, certs, on=d(2026, 3, 2))
        assert case.due_on == d(2026, 6, 1)  # 2026-05-31 is a Sunday → 06-01 (民法典 第二百零三条)
        # evidence chain and a seizure with its 30-day limit (行政强制法 第二十五条)
        e1 = procedure.add_evidence(s, a, case.id, kind="photo", description="现场照片", officers=certs, content=b"jpeg-1",
                                    filename="1.jpg")
        e2 = procedure.add_evidence(s, a, case.id, kind="inquiry_record", description="询问笔录", officers=certs,
                                    content=b"record")
        assert e2.prev_hash == e1.hash and procedure.evidence(s, a, case.id)[1] is None
        sz = procedure.seize(s, a, case.id, SeizureIn(officers=certs, on=d(2026, 3, 3), items="电热毯 120 条"))
        assert sz.due_on == d(2026, 4, 2)
        # 检测 period not counted: 10 days → due moves by 10
        procedure.add_excluded(s, a, case.id, ExcludeIn(kind="testing", start=d(2026, 3, 5), end=d(2026, 3, 14)))
        assert case.due_on == d(2026, 6, 10)
        # no decision before review / notice
        with pytest.raises((DomainError, InvalidTransition)):
            procedure.decide(s, a, case.id, DecideIn(officers=certs, fine=30000, approver="局长", on=d(2026, 3, 20)))
        # proposed fine above the article's range is refused (产品质量法 第四十九条: 1–3 × 货值金额)
        from zhijian.enforcement.schemas import FactsIn, ReviewIn

        with pytest.raises(DomainError) as exc:
            procedure.submit_review(s, a, case.id, ReviewIn(officers=certs, violation_code="PQL-49",
                                                            facts=FactsIn(goods_value=50000), proposed_fine=150001))
        assert exc.value.code == "enforcement.fine_out_of_range"
        s.rollback()
    with db.session() as s:
        org = organ(s, "330100", name=f"鄞州区市场监督管理局{factories.uid()}")  # a 代字 no other test uses
        certs = officers(s, org)
        a = actor_for(org)
        case = open_case(s, org, certs, on=d(2026, 3, 2))
        case = to_notice(s, org, certs, case, goods_value=50000, fine=120000, served_on=d(2026, 3, 20))
        assert case.hearing_right and case.legal_review  # 120 000 ≥ 100 000 (听证办法 第五条; 行政处罚法 第五十八条)
        assert case.response_due_on == d(2026, 3, 27)  # 5 working days
        procedure.respond(s, a, case.id, ResponseIn(statement="初次违法，请求从轻", request_hearing=True, on=d(2026, 3, 25)))
        with pytest.raises(DomainError) as exc:  # hearing requested: no decision until it is held
            procedure.decide(s, a, case.id, DecideIn(officers=certs, fine=120000, approver="局长", on=d(2026, 4, 1)))
        assert exc.value.code == "enforcement.decision_too_early"
        with pytest.raises(DomainError) as exc:  # notice less than 7 days before (行政处罚法 第六十四条)
            procedure.hold_hearing(s, a, case.id, HearingIn(officers=certs, notice_served_on=d(2026, 3, 30),
                                                            hearing_on=d(2026, 4, 3)))
        assert exc.value.code == "enforcement.hearing_notice"
        procedure.hold_hearing(s, a, case.id, HearingIn(officers=certs, notice_served_on=d(2026, 3, 30),
                                                        hearing_on=d(2026, 4, 8), record="当事人陈述意见"))
        assert case.due_on == d(2026, 6, 10)  # 10 hearing days (03-30..04-08) not counted
        with pytest.raises(DomainError) as exc:  # 行政处罚法 第五十八条: 法制审核 first
            procedure.decide(s, a, case.id, DecideIn(officers=certs, fine=100000, approver="局长", on=d(2026, 4, 10)))
        assert exc.value.code == "enforcement.legal_review_required"
        from zhijian.enforcement.schemas import LegalReviewIn

        procedure.legal_review(s, a, case.id, LegalReviewIn(reviewer="法规科 赵某", opinion="事实清楚，适用依据正确",
                                                            on=d(2026, 4, 9)))
        with pytest.raises(DomainError) as exc:  # not heavier than notified (行政处罚法 第四十五条)
            procedure.decide(s, a, case.id, DecideIn(officers=certs, fine=130000, approver="局长", on=d(2026, 4, 10)))
        assert exc.value.code == "enforcement.above_notice"
        procedure.decide(s, a, case.id, DecideIn(officers=certs, fine=100000, approver="局长", on=d(2026, 4, 10)))
        assert case.state == "decided" and case.decision_no.endswith("〔2026〕1号")
        assert case.service_due_on == d(2026, 4, 17) and case.publication_due_on == d(2026, 5, 12)  # 20 working days; 05-01..05 rest, 05-09 班
        procedure.serve(s, a, case.id, ServeIn(officers=certs, method="direct", served_on=d(2026, 4, 13)))
        assert case.payment_due_on == d(2026, 4, 28)  # 15 days (行政处罚法 第六十七条)
        with pytest.raises(DomainError) as exc:  # paid 2 days late: 3 % × 2 days = 6 000 surcharge
            procedure.record_payment(s, a, case.id, PayIn(paid_on=d(2026, 4, 30), amount=100000))
        assert exc.value.code == "enforcement.wrong_amount" and "106000" in exc.value.message_zh
        procedure.record_payment(s, a, case.id, PayIn(paid_on=d(2026, 4, 30), amount=106000))
        procedure.close_case(s, a, case.id, StepIn(officers=certs, on=d(2026, 5, 6)))
        procedure.publish(s, a, case.id, on=d(2026, 5, 8))
        assert case.state == "closed" and case.surcharge_fen == 600000
        # written to the enterprise's credit record through the consumer room (hearing-level fine → serious)
        from zhijian.consumer.models import AdministrativePenalty

        rec = s.scalar(select(AdministrativePenalty).where(AdministrativePenalty.decision_no == case.decision_no))
        assert case.credit_record.startswith("已写入信用档案") and rec is not None
        assert (rec.enterprise_id, rec.severity, rec.amount) == (case.party_id, "serious", 100000)
        # 信用修复: not before a year of publication for a large fine; then the portal stops showing it
        with pytest.raises(DomainError) as exc:
            procedure.end_publication(s, a, case.id, reason="已履行并整改", on=d(2027, 5, 7))
        assert exc.value.code == "enforcement.repair_too_early"
        procedure.end_publication(s, a, case.id, reason="已履行并整改", on=d(2027, 5, 8))
        assert case.id not in {c.id for c in procedure.published(s, limit=10000)}
        with pytest.raises(NotFound):
            procedure.public_case(s, case.id)
        kinds = [st.kind for st in s.scalars(select(Step).where(Step.case_id == case.id).order_by(Step.id))]
        assert kinds == ["filing", "review", "notice", "response", "hearing", "legal_review", "decision", "service", "payment",
                         "closure", "publication", "credit_repair"]
        assert all(st.officer1 and st.officer2 for st in s.scalars(select(Step).where(
            Step.case_id == case.id, Step.kind.in_(("filing", "review", "notice", "hearing", "decision", "service")))))
        pdf = documents.case_pdf(s, case, "decision", public=True)
        assert pdf.startswith(b"%PDF") and len(pdf) > 1000
        for kind in ("filing", "notice", "hearing_notice", "receipt"):
            assert documents.case_pdf(s, case, kind).startswith(b"%PDF")


def test_decision_waits_for_response_period_and_case_clock(db):
    with db.session() as s:
        org = organ(s, "330100")
        certs = officers(s, org)
        a = actor_for(org)
        case = to_notice(s, org, certs, open_case(s, org, certs, on=d(2026, 3, 2)), served_on=d(2026, 3, 20))
        with pytest.raises(DomainError) as exc:  # the period runs to 03-27 inclusive
            procedure.decide(s, a, case.id, DecideIn(officers=certs, fine=30000, approver="局长", on=d(2026, 3, 27)))
        assert exc.value.code == "enforcement.decision_too_early"
        with pytest.raises(DomainError) as exc:  # 90 days passed (due 2026-06-01) without extension
            procedure.decide(s, a, case.id, DecideIn(officers=certs, fine=30000, approver="局长", on=d(2026, 6, 2)))
        assert exc.value.code == "enforcement.case_overdue"
        with pytest.raises(DomainError) as exc:  # 第六十四条: more than 30 days needs a collective decision
            procedure.extend_case(s, a, case.id, ExtensionIn(days=45, approver="局长", reason="案情复杂"))
        assert exc.value.code == "enforcement.collective_required"
        procedure.extend_case(s, a, case.id, ExtensionIn(days=30, approver="局长", reason="案情复杂"))
        assert case.due_on == d(2026, 6, 30)  # 120 days from 03-02
        procedure.decide(s, a, case.id, DecideIn(officers=certs, fine=30000, approver="局长", on=d(2026, 6, 2)))
        assert case.state == "decided"


def test_document_numbers_per_organ_and_year(db):
    with db.session() as s:
        org = organ(s, "330100", name=f"杭州市市场监督管理局{factories.uid()}")
        certs = officers(s, org)
        c1, c2 = open_case(s, org, certs), open_case(s, org, certs)
        c3 = open_case(s, org, certs, on=d(2027, 1, 4))
        assert (c1.case_no, c2.case_no, c3.case_no) == ("杭市监立〔2026〕1号", "杭市监立〔2026〕2号", "杭市监立〔2027〕1号")


def test_enterprise_party_responds_only_to_its_own_case(db):
    with db.session() as s:
        org = organ(s, "330100")
        certs = officers(s, org)
        ent = factories.enterprise(s, region="330106")
        case = to_notice(s, org, certs, open_case(s, org, certs, party=ent), served_on=d(2026, 3, 20))
        from zhijian.platform.auth import Actor

        mine, other = Actor(None, "e", "enterprise", ent.id), Actor(None, "o", "enterprise", ent.id + 100000)
        procedure.respond(s, mine, case.id, ResponseIn(waive=True, on=d(2026, 3, 23)))
        assert case.waived
        with pytest.raises(NotFound):
            procedure.respond(s, other, case.id, ResponseIn(statement="x", on=d(2026, 3, 23)))
        with pytest.raises(PermissionDenied):
            procedure.seize(s, actor_for(organ(s, "330100")), case.id, SeizureIn(officers=certs, items="x"))
        # waived in writing: the decision may follow before the period ends
        procedure.decide(s, actor_for(org), case.id, DecideIn(officers=certs, fine=30000, approver="局长",
                                                              on=d(2026, 3, 24)))
        assert case.fine_fen == 3000000 and Decimal(case.fine_fen) / 100 == Decimal(30000)
        assert s.scalar(select(Evidence.id).where(Evidence.case_id == case.id)) is None


def test_decision_pdf_full_and_public_versions_read_back(db):
    """决定书 in 公文 form: organ, 文号 and article in the text; the public version without the ID card and phone
    (《市场监督管理行政处罚信息公示规定》第六条), read back with pypdf."""
    import io

    from pypdf import PdfReader

    with db.session() as s:
        org = organ(s, "330100", name=f"杭州市市场监督管理局{factories.uid()}")
        certs = officers(s, org)
        a = actor_for(org)
        case = open_case(s, org, certs)
        case.facts_text = "当事人经营者王小明（身份证号330106199001011234，电话13812345678）销售不合格电热毯"
        case = to_notice(s, org, certs, case, served_on=d(2026, 3, 20))
        procedure.decide(s, a, case.id, DecideIn(officers=certs, fine=30000, approver="局长", on=d(2026, 3, 30)))

        def text(public: bool) -> str:
            pdf = documents.case_pdf(s, case, "decision", public=public)
            return "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")

        full, public = text(False), text(True)
        assert case.decision_no in full and "第四十九条" in full and "13812345678" in full
        assert "1．责令停止生产、销售" in full and "罚款30,000.00元" in full  # 产品质量法 第四十九条's measures, numbered
        assert case.decision_no in public and "13812345678" not in public and "330106199001011234" not in public
        assert "王小明" not in public and "公开版本" in public
