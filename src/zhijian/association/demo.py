"""Demo of the association's year (2026): a closed proficiency-testing round of 24 labs (Algorithm A, one
unsatisfactory lab with its follow-up) and a round open for results that the demo inspector's lab takes part in;
an examination of 40 candidates marked with certificates and an open exam the demo inspector is registered for;
three group standards (published T/CAQI 001—2026, one out for comment, one proposed); member units with 2026 dues
(some paid, some visible in the directory); the 2026 质量月 with events in six provinces and reviewed notices and the
closed 3·15 campaign. Everything goes through the services; a second run adds nothing.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import zlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.association.campaigns import service as camp
from zhijian.association.campaigns.models import Campaign
from zhijian.association.campaigns.schemas import CampaignIn, EventIn, NoticeIn, RegistrationIn, ReviewIn
from zhijian.association.common.service import fetched, today
from zhijian.association.exams import service as ex
from zhijian.association.exams.models import Exam, ExamCandidate, ExamQuestion
from zhijian.association.exams.schemas import CandidateIn, ExamIn, QuestionIn
from zhijian.association.members import service as mem
from zhijian.association.members.models import Member
from zhijian.association.members.schemas import ApplicationIn, DecisionIn, PaymentIn
from zhijian.association.pt import service as pt
from zhijian.association.pt.models import PtScheme
from zhijian.association.pt.schemas import HomogeneityIn, ResultIn, RoundIn, SchemeIn, StabilityIn
from zhijian.association.standards import schemas as std_in
from zhijian.association.standards import service as std
from zhijian.association.standards.models import GroupStandard
from zhijian.catalog import service as catalog
from zhijian.catalog.models import Organization
from zhijian.catalog.schemas import IndicatorIn, OrganizationIn
from zhijian.platform.auth import SYSTEM, Actor
from zhijian.platform.models import User

STAFF2 = Actor(None, "secretariat2", "association")  # the second pair of eyes for notices
PT_REGIONS = ("110000", "310000", "330000", "320000", "440000", "510000", "420000", "370000")


def _user(s: Session, username: str) -> User | None:
    return s.scalar(select(User).where(User.username == username))


def _lab(s: Session, name: str, region: str) -> Organization:
    org = s.scalar(select(Organization).where(Organization.name == name))
    return org or catalog.create_organization(s, SYSTEM, OrganizationIn(
        kind="lab", name=name, region_code=region, cma_number=f"CMA{zlib.crc32(name.encode()) % 10**9:09d}"))


def _pt(s: Session, rng: random.Random) -> str:
    if s.scalar(select(PtScheme.id).where(PtScheme.code == "CAQI-PT-PB")):
        return "association: PT already loaded"
    pt.create_scheme(s, SYSTEM, SchemeIn(code="CAQI-PT-PB", name="食品中铅的测定能力验证计划", field="食品"))
    labs = [_lab(s, f"{'京沪浙苏粤川鄂鲁'[i % 8]}质检能力验证实验室{i + 1:02d}", PT_REGIONS[i % 8]) for i in range(24)]
    inspector = _user(s, "inspector")
    if inspector is not None and inspector.organization_id and inspector.organization_id not in {x.id for x in labs}:
        labs[0] = fetched(s, Organization, inspector.organization_id, "organization")
    items = [[round(rng.gauss(0.250, 0.002), 4), round(rng.gauss(0.250, 0.002), 4)] for _ in range(10)]
    for code, due in (("CAQI-PT-2026-01", dt.date(2026, 6, 30)), ("CAQI-PT-2026-02", dt.date(2027, 1, 15))):
        pt.create_round(s, SYSTEM, RoundIn(scheme_code="CAQI-PT-PB", code=code, year=2026, measurand="大米粉中铅(以Pb计)",
                                           unit="mg/kg", method="GB 5009.12-2023", sigma_method="fixed",
                                           sigma_given=0.025, results_due_on=due))
        for lab in labs if code.endswith("01") else labs[:12]:
            pt.enrol(s, SYSTEM, code, lab.id)
        pt.record_homogeneity(s, SYSTEM, code, HomogeneityIn(measurements=items))
        pt.dispatch(s, SYSTEM, code, on=due - dt.timedelta(days=45))
    for i in range(len(labs)):
        v = rng.gauss(0.250, 0.018) + (0.11 if i == 5 else 0.0)
        pt.submit_result(s, SYSTEM, "CAQI-PT-2026-01", ResultIn(participant_code=f"P{i + 1:03d}", result=round(v, 4),
                                                                expanded_uncertainty=round(abs(rng.gauss(0.03, 0.005)), 4)))
    pt.record_stability(s, SYSTEM, "CAQI-PT-2026-01", StabilityIn(first=[0.251, 0.249, 0.250], second=[0.248, 0.250, 0.249]))
    pt.score(s, SYSTEM, "CAQI-PT-2026-01", on=dt.date(2026, 7, 10))
    pt.close_round(s, SYSTEM, "CAQI-PT-2026-01")
    return "association: 2 PT rounds (24 labs scored and closed; 12 labs with results due 2027-01-15)"


def _exams(s: Session, rng: random.Random) -> str:
    if s.scalar(select(Exam.id).where(Exam.code == "KS-2026-01")):
        return "association: exams already loaded"
    topics = ("计量与测量不确定度", "抽样检验", "检验检测机构管理")
    n = 0
    for t in topics:
        for d in (1, 2, 3):
            for i in range(6):
                n += 1
                kind = ("single", "multiple", "truefalse")[i % 3]
                ex.create_question(s, SYSTEM, QuestionIn(
                    bank="检验员基础", code=f"JY{n:03d}", kind=kind, topic=t, difficulty=d,
                    stem=f"{t}（{('易', '中', '难')[d - 1]}）第 {i + 1} 题：以下说法正确的是？" if kind != "truefalse"
                    else f"{t}：判断题 {i + 1}", options=["说法甲", "说法乙", "说法丙", "说法丁"] if kind != "truefalse" else [],
                    answer={"single": "B", "multiple": "AC", "truefalse": "对"}[kind], points=2))
        n += 1
        ex.create_question(s, SYSTEM, QuestionIn(bank="检验员基础", code=f"JY{n:03d}", kind="short", topic=t, difficulty=2,
                                                 stem=f"简述{t}的要点。", answer="要点：……", points=10))
    bp = [{"topic": t, "difficulty": d, "count": c, "kind": "objective"} for t in topics for d, c in ((1, 3), (2, 2), (3, 1))]
    bp.append({"topic": topics[0], "difficulty": 2, "kind": "short", "count": 1})
    for code, title in (("KS-2026-01", "2026 年上半年检验员职业能力考试"), ("KS-2026-02", "2026 年下半年检验员职业能力考试")):
        ex.create_exam(s, SYSTEM, ExamIn(code=code, title=title, bank="检验员基础", blueprint=bp, time_limit_minutes=90,
                                         seed=20260915 + len(code), hours=8))
    ex.register_many(s, SYSTEM, "KS-2026-01", [CandidateIn(name=f"考生{i + 1:02d}", id_number=f"3301061990{i:08d}")
                                                for i in range(40)])
    ex.generate_papers(s, SYSTEM, "KS-2026-01")
    keys = {q.id: q for q in s.scalars(select(ExamQuestion).where(ExamQuestion.bank == "检验员基础"))}
    exam = ex.exam_by_code(s, "KS-2026-01")
    sheets = {}
    for c in s.scalars(select(ExamCandidate).where(ExamCandidate.exam_id == exam.id)):
        theta = rng.gauss(0.4, 1.0)
        a: dict[str, object] = {}
        for qid in c.paper:
            q = keys[qid]
            right = rng.random() < 1 / (1 + math.exp(-1.7 * (theta - (q.difficulty - 2))))
            a[str(qid)] = ("答：" + "要点" * 3 if right else "") if q.kind == "short" else (
                q.answer if right else ([3] if q.kind == "single" else [1] if q.kind == "multiple" else not q.answer))
        sheets[c.candidate_no] = a
    ex.import_answer_sheets(s, SYSTEM, "KS-2026-01", sheets)
    ex.mark_exam(s, SYSTEM, "KS-2026-01")
    for m, _q in ex.marker_queue(s, SYSTEM, "KS-2026-01", limit=1000):
        ex.mark_answer(s, SYSTEM, m.id, float(rng.choice((4, 6, 7, 8, 9))))
    ex.close_exam(s, SYSTEM, "KS-2026-01")
    issued = ex.issue_certificates(s, SYSTEM, "KS-2026-01", on=dt.date(2026, 7, 1))
    inspector = _user(s, "inspector")
    if inspector is not None:
        ex.register(s, SYSTEM, "KS-2026-02", CandidateIn(name="检验员 张工", user_id=inspector.id,
                                                         organization_id=inspector.organization_id))
    return f"association: exams (40 candidates marked, {issued} certificates; KS-2026-02 open for the demo inspector)"


CLAUSES = [{"no": "1", "text": "范围：本文件规定了电动自行车用锂离子电池组的安全分级要求。"},
           {"no": "4.1", "text": "热失控：单体热失控后 5 min 内不起火、不爆炸。"},
           {"no": "4.2", "text": "针刺：不起火、不爆炸。"}]


def _standards(s: Session, rng: random.Random) -> str:
    if s.scalar(select(GroupStandard.id).where(GroupStandard.title == "电动自行车用锂离子电池组安全分级")):
        return "association: group standards already loaded"
    ents = list(s.scalars(select(Organization).where(Organization.kind == "enterprise").order_by(Organization.id).limit(3)))
    member = Actor(None, "demo-member", "enterprise", ents[0].id if ents else None)
    g = std.propose(s, member, std_in.ProposalIn(title="电动自行车用锂离子电池组安全分级", scope="电动自行车用锂离子电池组",
                                          reason="电池火灾多发，需要高于强制性国家标准的分级要求"))
    std.decide_project(s, SYSTEM, g.id, std_in.ProjectDecisionIn(approve=True, reason="同意立项",
                                                          drafting_units=["中国质量检验协会", "国家电池产品质量检验检测中心"],
                                                          drafters=["王工", "李工"], ics="29.220.20", ccs="K82"))
    ind = [IndicatorIn(name="热失控后不起火时间", unit="min", requirement_kind="min", lower=5, text="≥5", is_safety=True)]
    std.add_draft(s, SYSTEM, g.id, std_in.DraftIn(clauses=CLAUSES, indicators=ind))
    start = dt.date(2026, 3, 1)
    std.open_comments(s, SYSTEM, g.id, std_in.CommentPeriodIn(start=start, days=30))
    c = std.comment(s, member, g.id, std_in.CommentIn(clause_no="4.2", commenter="赵工", organization="某电动车企业",
                                               text="针刺条件未规定", proposal="规定针径 3 mm"), on=dt.date(2026, 3, 10))
    std.dispose(s, SYSTEM, c.id, std_in.DispositionIn(disposition="accepted"))
    std.start_review(s, SYSTEM, g.id, std_in.DraftIn(clauses=[*CLAUSES[:2], {"no": "4.2", "text": "针刺（针径 3 mm）：不起火、不爆炸。"}]),
                     on=dt.date(2026, 4, 15))
    for i in range(7):
        std.vote(s, SYSTEM, g.id, std_in.VoteIn(expert=f"审查专家{i + 1}", vote="approve" if i < 6 else "approve_changes"))
    std.conclude_review(s, SYSTEM, g.id)
    std.publish(s, SYSTEM, g.id, std_in.PublishIn(published_on=dt.date(2026, 6, 1), implemented_on=dt.date(2026, 9, 1)))
    g2 = std.propose(s, SYSTEM, std_in.ProposalIn(title="电热水壶质量分级", scope="家用电热水壶", reason="消费者关注煮水能效和材料安全"))
    std.decide_project(s, SYSTEM, g2.id, std_in.ProjectDecisionIn(approve=True, reason="同意立项", drafting_units=["中国质量检验协会"]))
    std.add_draft(s, SYSTEM, g2.id, std_in.DraftIn(clauses=[{"no": "1", "text": "范围：家用电热水壶。"},
                                                     {"no": "4.1", "text": "煮水能效不低于 85%。"}]))
    std.open_comments(s, SYSTEM, g2.id, std_in.CommentPeriodIn(start=today(), days=30))
    std.propose(s, member, std_in.ProposalIn(title="儿童安全座椅质量评价", scope="儿童安全座椅", reason="比较试验发现差异大"))
    return "association: 3 group standards (T/CAQI 001—2026 published, one out for comment, one proposed)"


def _members(s: Session, rng: random.Random) -> str:
    if s.scalar(select(Member.id).limit(1)):
        return "association: members already loaded"
    orgs = list(s.scalars(select(Organization).where(Organization.kind == "enterprise").order_by(Organization.id).limit(8)))
    orgs += list(s.scalars(select(Organization).where(Organization.kind == "lab").order_by(Organization.id).limit(3)))
    classes = ("vice_president", "standing", "council", "council", "member", "member", "member", "member", "standing",
               "member", "member")
    for org, cls in zip(orgs, classes, strict=False):
        m = mem.apply(s, SYSTEM, ApplicationIn(kind="unit", organization_id=org.id, member_class=cls,
                                               directory_visible=rng.random() < 0.7,
                                               directory_fields={"phone": f"0571-8{rng.randrange(10**6, 10**7)}",
                                                                 "intro": f"{org.name}"}), on=dt.date(2026, 1, 5))
        mem.decide(s, SYSTEM, m.id, DecisionIn(approve=True, reason="理事会审议通过"), on=dt.date(2026, 1, 20))
    paid = 0
    for d in mem.dues_of(s, SYSTEM):
        if rng.random() < 0.6:
            mem.record_payment(s, SYSTEM, d.id, PaymentIn(paid_on=dt.date(2026, 3, 20), payment_ref=f"YH{d.id:06d}"))
            paid += 1
    return f"association: {len(orgs)} member units, 2026 dues ({paid} paid)"


def _campaigns(s: Session, rng: random.Random) -> str:
    if s.scalar(select(Campaign.id).where(Campaign.code == "ZLY-2026")):
        return "association: campaigns already loaded"
    ev_actor = SYSTEM
    c = camp.create_campaign(s, ev_actor, CampaignIn(kind="quality_month", year=2026, theme="质量强国 标准引领 检验护航"))
    places = (("11", "北京", "质量月启动仪式"), ("33", "杭州", "检验检测机构开放日"), ("44", "广州", "质量讲堂"),
              ("32", "南京", "小家电质量比较试验发布会"), ("51", "成都", "食品安全科普周"), ("33", "宁波", "企业质量管理交流会"))
    evs = [camp.add_event(s, ev_actor, c.code, EventIn(title=t, province=p, city=city, venue="会议中心",
                                                        held_on=dt.date(2026, 9, 2 + 4 * i), capacity=60))
           for i, (p, city, t) in enumerate(places)]
    camp.publish_campaign(s, ev_actor, c.code)
    for i in range(40):
        e = evs[i % len(evs)]
        camp.register(s, SYSTEM, e.id, RegistrationIn(name=f"参会者{i + 1}", phone=f"1380571{i:04d}"), on=dt.date(2026, 8, 25))
    for title, kind in (("关于开展 2026 年全国质量月活动的通知", "notice"), ("质量月启动仪式在京举行", "news")):
        n = camp.write_notice(s, ev_actor, NoticeIn(campaign_code=c.code, kind=kind, title=title,
                                                    body="各会员单位：为贯彻质量强国建设纲要，协会组织开展质量月系列活动……"))
        camp.submit_notice(s, ev_actor, n.id)
        camp.review_notice(s, STAFF2, n.id, ReviewIn(approve=True))
    camp.close_campaign(s, ev_actor, c.code)
    c2 = camp.create_campaign(s, ev_actor, CampaignIn(kind="consumer_day", year=2026, theme="共促消费公平 共享品质生活"))
    camp.add_event(s, ev_actor, c2.code, EventIn(title="3·15 质量咨询日", province="33", city="杭州", held_on=dt.date(2026, 3, 15),
                                                 capacity=200))
    camp.publish_campaign(s, ev_actor, c2.code)
    camp.close_campaign(s, ev_actor, c2.code)
    return "association: 质量月 2026 (6 events, 40 registrations, 2 reviewed notices) and 3·15 2026"


def _assessment(s: Session, rng: random.Random) -> str:
    """One assessment of the demo inspector's lab: on site, one minor finding awaiting the lab's answer."""
    from zhijian.association.assessment import rules as arules
    from zhijian.association.assessment import service as asm
    from zhijian.association.assessment.models import Assessment
    from zhijian.association.assessment.schemas import AssessmentIn, ItemIn, PlanIn

    inspector = _user(s, "inspector")
    if inspector is None or inspector.organization_id is None:
        return "association: no demo lab to assess"
    if s.scalar(select(Assessment.id).where(Assessment.lab_id == inspector.organization_id)):
        return "association: assessment already loaded"
    a = asm.apply(s, SYSTEM, AssessmentIn(lab_id=inspector.organization_id, kind="surveillance",
                                          scope="食品中污染物、乳制品理化指标检测"))
    day = dt.date(2026, 11, 18)
    asm.plan(s, SYSTEM, a.id, PlanIn(planned_on=day, team=["评审组长 王高工", "评审员 李工"]))
    for clause in arules.CHECKLIST:
        bad = clause == "7.7"
        asm.record_item(s, SYSTEM, a.id, ItemIn(
            clause=clause, result="nonconform" if bad else "conform", severity="minor" if bad else None,
            description="未按计划参加 2026 年铅测定能力验证以外的质量控制活动" if bad else "", evidence="现场查阅记录"), on=day)
    asm.close_site_visit(s, SYSTEM, a.id)
    return "association: 1 lab assessment on site (one minor finding for the demo inspector's lab to answer)"


def _experts(s: Session, rng: random.Random) -> str:
    """Two experts: inspector_gd (another lab) on the assessment roster, assigned to the demo lab's assessment;
    regulator_hz on the standards committee, assigned to the 电热水壶 standard (he votes once it is in review)."""
    from zhijian.association.assessment.models import Assessment
    from zhijian.association.experts import service as experts
    from zhijian.association.experts.models import Expert

    assessor, reviewer = _user(s, "inspector_gd"), _user(s, "regulator_hz")
    if assessor is None or reviewer is None:
        return "association: no demo users for experts"
    if s.scalar(select(Expert.id).where(Expert.user_id == assessor.id)):
        return "association: experts already loaded"
    a = experts.register_expert(s, SYSTEM, experts.ExpertIn(username=assessor.username, name="陈工",
                                                            committee="assessment", fields="食品理化检测"))
    r = experts.register_expert(s, SYSTEM, experts.ExpertIn(username=reviewer.username, name="周委员",
                                                            committee="standards", fields="家用电器"))
    target = s.scalar(select(Assessment.id).order_by(Assessment.id.desc()))
    kettle = s.scalar(select(GroupStandard.id).where(GroupStandard.title == "电热水壶质量分级"))
    if target is not None:
        experts.assign(s, SYSTEM, experts.AssignIn(expert_id=a.id, kind="assessment", target_id=target))
    if kettle is not None:
        experts.assign(s, SYSTEM, experts.AssignIn(expert_id=r.id, kind="standard_review", target_id=kettle))
    return "association: 2 experts (inspector_gd on an assessment, regulator_hz on a group standard's review)"


def load(session: Session, rng: random.Random) -> list[str]:
    return [_pt(session, rng), _exams(session, rng), _standards(session, rng), _members(session, rng),
            _campaigns(session, rng), _assessment(session, rng), _experts(session, rng)]
