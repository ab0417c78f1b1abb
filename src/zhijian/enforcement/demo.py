"""Demo of 综合执法: two municipal bureaus in two provinces (杭州, 广州) with officers and console users, the leads
the scan finds in the other rooms' demo data, one case carried from 立案 to a paid fine and a published decision, one
case waiting for the party's response, and a joint operation (专项行动) on a counterfeit electric blanket with 协查.

Everything goes through the service; idempotent: a second run finds the demo organs' cases and adds nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zhijian.catalog import service as catalog
from zhijian.catalog.demo import demo_organization
from zhijian.catalog.models import Organization
from zhijian.catalog.schemas import UserIn
from zhijian.enforcement import cooperation, inquiry, procedure, schemas, service
from zhijian.enforcement.models import Case, Lead, Officer
from zhijian.platform.auth import SYSTEM
from zhijian.platform.models import User

DEMO_PASSWORD = "zhijian-demo"
ORGANS = (("杭州市市场监督管理局", "330100", "enf_hz", (("周明", "33010020180001"), ("吴静", "33010020190002"))),
          ("广州市市场监督管理局", "440100", "enf_gz", (("黄志强", "44010020170003"), ("梁慧", "44010020200004"))))
PARTIES = (("杭州某某电器有限公司", "330106"), ("杭州某某贸易商行", "330110"), ("广州某某仓储有限公司", "440106"))
GTIN = "06901234567892"


def _org(s: Session, rng: random.Random, kind: str, name: str, region: str, level: str | None = None) -> Organization:
    return demo_organization(s, rng, kind, name, region, level=level)


def _summary(s: Session) -> list[str]:
    leads = s.scalar(select(func.count(Lead.id))) or 0
    cases = s.scalar(select(func.count(Case.id))) or 0
    return [f"综合执法：线索 {leads} 条，案件 {cases} 件（用户 enf_hz / enf_gz，密码 {DEMO_PASSWORD}）"]


def load(s: Session, rng: random.Random) -> list[str]:
    """Two organs with their officers, the leads the scan finds, and three cases at different stages (a published
    decision, one waiting for the party's response, one in a joint operation); once per database."""
    hz, gz = _organs(s, rng)
    if s.scalar(select(Case.id).where(Case.organ_id == hz.id).limit(1)) is not None:
        return _summary(s)
    service.collect_leads(s, SYSTEM)
    parties = [_org(s, rng, "enterprise", n, r) for n, r in PARTIES]
    today = service.today()
    _published_case(s, hz, parties[0], today)
    c2 = _waiting_case(s, hz, parties[1], today)
    _joint_operation(s, hz, gz, parties[2], c2, today)
    return _summary(s)


def _organs(s: Session, rng: random.Random) -> list[Organization]:
    """The two regulators (杭州, 广州), each with a login and two officers."""
    organs = []
    for name, region, user, officers in ORGANS:
        org = _org(s, rng, "regulator", name, region, "municipal")
        organs.append(org)
        if s.scalar(select(User.id).where(User.username == user)) is None:
            catalog.create_user(s, SYSTEM, UserIn(username=user, password=DEMO_PASSWORD, role="regulator",
                                                  organization_id=org.id, display_name=f"{name} 执法人员"))
        for oname, cert in officers:
            if s.scalar(select(Officer.id).where(Officer.cert_no == cert)) is None:
                service.register_officer(s, SYSTEM, schemas.OfficerIn(organ_id=org.id, name=oname, cert_no=cert))
    return organs


def _published_case(s: Session, hz: Organization, party: Organization, today: dt.date) -> None:
    """A case carried to a paid fine and a published decision (the leads the scan found wait in the console)."""
    hz_c = [c for _, c in ORGANS[0][3]]
    start = today - dt.timedelta(days=80)
    c1 = procedure.file_case(s, SYSTEM, schemas.FileIn(organ_id=hz.id, approver="局长 陈某", officers=hz_c, on=start,
                                               violation_code="PQL-49", party_id=party.id,
                                               facts_text="当事人销售的电热毯经监督抽查，泄漏电流项目不合格",
                                               title="销售不符合安全标准的电热毯案"))
    procedure.add_evidence(s, SYSTEM, c1.id, kind="test_report", description="监督抽查检验报告", officers=hz_c,
                           content=b"demo test report", filename="report.pdf")
    at = dt.datetime.combine(start + dt.timedelta(days=3), dt.time(9, 30))
    inquiry.record_inquiry(s, SYSTEM, c1.id, schemas.InquiryIn(
        officers=hz_c, interviewee_name="王某", interviewee_id_no="11010519491231002X", interviewee_role="legal_rep",
        started_at=at, ended_at=at + dt.timedelta(minutes=50), place="杭州某某电器有限公司经营场所",
        qa=[schemas.QA(q="涉案电热毯的进货来源和数量？", a="从某某厂进货300条，已售出200条。"),
            schemas.QA(q="每条的进货价和销售价是多少？", a="进货价60元，售价90元。"),
            schemas.QA(q="是否查验过产品的检验合格证明？", a="没有查验。")]))
    procedure.submit_review(s, SYSTEM, c1.id, schemas.ReviewIn(officers=hz_c, violation_code="PQL-49", on=start + dt.timedelta(days=10),
                                                               facts=schemas.FactsIn(goods_value=Decimal(18000)), proposed_fine=Decimal(27000)))
    procedure.notify(s, SYSTEM, c1.id, schemas.NotifyIn(officers=hz_c, served_on=start + dt.timedelta(days=12)))
    procedure.respond(s, SYSTEM, c1.id, schemas.ResponseIn(statement="已下架全部库存，请求从轻处罚", on=start + dt.timedelta(days=14)))
    decided = (c1.response_due_on or today) + dt.timedelta(days=1)
    procedure.decide(s, SYSTEM, c1.id, schemas.DecideIn(officers=hz_c, fine=Decimal(27000), approver="局长 陈某", on=decided))
    procedure.serve(s, SYSTEM, c1.id, schemas.ServeIn(officers=hz_c, method="direct", served_on=decided + dt.timedelta(days=1)))
    procedure.record_payment(s, SYSTEM, c1.id, schemas.PayIn(paid_on=decided + dt.timedelta(days=8), amount=Decimal(27000)))
    procedure.close_case(s, SYSTEM, c1.id, schemas.StepIn(officers=hz_c, on=decided + dt.timedelta(days=8)))
    procedure.publish(s, SYSTEM, c1.id, decided + dt.timedelta(days=9))


def _waiting_case(s: Session, hz: Organization, party: Organization, today: dt.date) -> Case:
    """A case notified and waiting for the party's response."""
    hz_c = [c for _, c in ORGANS[0][3]]
    c2 = procedure.file_case(s, SYSTEM, schemas.FileIn(organ_id=hz.id, approver="局长 陈某", officers=hz_c, party_id=party.id,
                                               on=today - dt.timedelta(days=20), title="销售假冒认证标志插座案",
                                               violation_code="PQL-53", gtin=GTIN))
    procedure.submit_review(s, SYSTEM, c2.id, schemas.ReviewIn(officers=hz_c, violation_code="PQL-53",
                                                               facts=schemas.FactsIn(goods_value=Decimal(6000)), proposed_fine=Decimal(3000),
                                                               on=today - dt.timedelta(days=5)))
    procedure.notify(s, SYSTEM, c2.id, schemas.NotifyIn(officers=hz_c, served_on=today - dt.timedelta(days=2)))
    return c2


def _joint_operation(s: Session, hz: Organization, gz: Organization, party: Organization, c2: Case,
                     today: dt.date) -> None:
    """The joint operation: 杭州 leads, 广州 joins with its warehouse case; a seizure and a 协查 answered."""
    gz_c = [c for _, c in ORGANS[1][3]]
    op = cooperation.create_operation(s, SYSTEM, schemas.OperationIn(organ_id=hz.id, name="“清源”假冒电热毯跨省专项行动",
                                                             gtins=[GTIN], member_organ_ids=[gz.id],
                                                             on=today - dt.timedelta(days=21)))
    c3 = procedure.file_case(s, SYSTEM, schemas.FileIn(organ_id=gz.id, approver="局长 林某", officers=gz_c, party_id=party.id,
                                               on=today - dt.timedelta(days=15), title="仓储假冒电热毯案",
                                               violation_code="PQL-50", gtin=GTIN))
    procedure.seize(s, SYSTEM, c3.id, schemas.SeizureIn(officers=gz_c, items="假冒电热毯 1,200 条", on=today - dt.timedelta(days=14)))
    for c in (c2, c3):
        cooperation.join_case(s, SYSTEM, op.id, c.id)
    a = cooperation.request_assist(s, SYSTEM, schemas.AssistIn(organ_id=hz.id, to_organ_id=gz.id, case_id=c2.id,
                                                       subject_kind="warehouse", subject_name="广州某某仓储有限公司",
                                                       question="核实同款电热毯的库存与出货记录",
                                                       share_fields=["party_name", "gtin"], on=today - dt.timedelta(days=13)))
    cooperation.answer_assist(s, SYSTEM, a.id, schemas.AssistAnswerIn(answer="库存 1,200 条已查封，出货记录 3 张已调取",
                                                              on=today - dt.timedelta(days=6)))
