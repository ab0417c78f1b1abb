"""Demo of the 稳定合格产品 programme: two rule-set versions, a committee, listed, expired, flagged, revoked,
rejected and pending products, four published announcements and applications under review.

Evaluations read the real spot-check history when the spotcheck demo has loaded one; a product whose history
does not (yet) make it eligible is approved as a recorded committee override, so the demo degrades gracefully.
Idempotent: a second run finds the committee and the announcements and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zhijian.catalog import service as catalog
from zhijian.catalog.models import Category, Organization, Product
from zhijian.catalog.schemas import UserIn
from zhijian.platform.auth import SYSTEM, Actor, actor_for
from zhijian.platform.models import User
from zhijian.stable import rules, service
from zhijian.stable.models import Announcement, Listing, StableApplication, StableEvaluation, StableRuleSet

DEMO_PASSWORD = "zhijian-demo"
FOOD_AND_APPLIANCES = ("FOOD", "IND")


def _user(s: Session, username: str, role: str, org_id: int | None, display: str) -> User:
    user = s.scalar(select(User).where(User.username == username))
    if user is None:
        user = catalog.create_user(s, SYSTEM, UserIn(username=username, password=DEMO_PASSWORD, role=role,
                                                     organization_id=org_id, display_name=display))
    return user


def _candidates(s: Session, as_of: dt.date) -> list[tuple[Product, str]]:
    """Products of food and industrial categories, the eligible ones (by the real history) first."""
    roots = {c.id for c in s.scalars(select(Category).where(Category.code.in_(FOOD_AND_APPLIANCES)))}
    cats = [c.id for c in s.scalars(select(Category)) if c.path.strip("/").split("/")[0].isdigit()
            and int(c.path.strip("/").split("/")[0]) in roots]
    products = list(s.scalars(select(Product).where(Product.category_id.in_(cats)).order_by(Product.id)))
    rs = service.ruleset_for(s, as_of)
    scored: list[tuple[Product, str]] = []
    history: dict[int, tuple[rules.Inspection, ...] | None] = {}
    for p in products:
        info = service.product_info(s, p.id)
        if p.enterprise_id not in history:
            history[p.enterprise_id] = service.inspection_records(s, p.enterprise_id)
        ev = rules.evaluate(rs, service.gather_evidence(s, info, rs, as_of, history[p.enterprise_id]))
        scored.append((p, ev.outcome))
    order = {rules.ELIGIBLE: 0, rules.UNDETERMINED: 1, rules.INELIGIBLE: 2}
    return sorted(scored, key=lambda t: (order[t[1]], t[0].id))


def _approve(s: Session, product: Product, applicant: Actor, reviewer: Actor, committee: Actor, statement: str,
             former: list[list[str]] | None = None) -> Listing:
    app = service.apply(s, applicant, product.id, statement=statement, former_names=former)
    service.add_comment(s, reviewer, app.id, "已核对近三年监督抽查报告、信用等级和认证证书。")
    service.review(s, reviewer, app.id, recommendation="approve", comment="材料齐全，抽查记录连续合格，建议列入。")
    ev = s.get(StableEvaluation, app.evaluation_id) if app.evaluation_id else None
    eligible = ev is not None and ev.outcome == rules.ELIGIBLE
    reason = ("经评审委员会审定，符合评定规则全部准则，同意列入。" if eligible else
              "平台内抽查历史不完整，委员会依据企业提交的2024—2026年省级监督抽查报告及现场核查，同意列入。")
    service.decide(s, committee, app.id, decision="approved", reason=reason, override=not eligible)
    listing = s.scalar(select(Listing).where(Listing.application_id == app.id))
    assert listing is not None
    return listing


@dataclass
class _Crew:
    """The demo's people and its pool of products (eligible by the real history first, the others shuffled)."""

    s: Session
    reviewer: Actor
    chair: Actor
    member: Actor
    good: list[Product]
    other: list[Product]

    def next_product(self, eligible: bool = True) -> Product:
        """An eligible product when the history has one left (else any), or a not-eligible one."""
        busy = set(self.s.scalars(select(StableApplication.product_id)))
        for queue in ((self.good, self.other) if eligible else (self.other, self.good)):
            while queue:
                p = queue.pop(0)
                if p.id not in busy:
                    return p
        raise RuntimeError("not enough demo products")

    def owner(self, p: Product) -> Actor:
        user = self.s.scalar(select(User).where(User.organization_id == p.enterprise_id, User.role == "enterprise"))
        return actor_for(user) if user is not None else self.reviewer  # no enterprise login: the association proposes

    def approve(self, committee: Actor, statement: str, former: list[list[str]] | None = None,
                p: Product | None = None) -> Listing:
        p = p or self.next_product()
        return _approve(self.s, p, self.owner(p), self.reviewer, committee, statement, former)

    def publish(self, kind: str, on: dt.date, title: str) -> None:
        """Publish the draft announcement of `kind` (the approvals or revocations collected so far)."""
        ann = self.s.scalar(select(Announcement).where(Announcement.status == "draft", Announcement.kind == kind))
        assert ann is not None
        service.publish_announcement(self.s, self.reviewer, ann.id, on=on, title=title)


def load(s: Session, rng: random.Random) -> list[str]:
    assoc_org = s.scalar(select(Organization).where(Organization.kind == "association"))
    if assoc_org is None or s.scalar(select(func.count()).select_from(Product)) == 0:
        return ["stable: skipped (load the catalog demo first)"]
    reviewer_user = _user(s, "association", "association", assoc_org.id, "协会 稳定合格产品办公室")
    c1 = _user(s, "committee1", "association", assoc_org.id, "评审委员会 主任委员 王教授")
    c2 = _user(s, "committee2", "association", assoc_org.id, "评审委员会 委员 刘高工")
    if s.scalar(select(Announcement.id).where(Announcement.status == "published").limit(1)) is not None:
        return _summary(s)
    service.appoint_committee_member(s, SYSTEM, c1.id)
    service.appoint_committee_member(s, SYSTEM, c2.id)
    reviewer = actor_for(reviewer_user)
    _rulesets(s, reviewer)
    pool = _candidates(s, service.today())
    other = [p for p, outcome in pool if outcome != rules.ELIGIBLE]
    rng.shuffle(other)
    crew = _Crew(s, reviewer, actor_for(c1), actor_for(c2), [p for p, outcome in pool if outcome == rules.ELIGIBLE],
                 other)
    _announcements(crew)
    _applications(crew)
    return _summary(s)


def _rulesets(s: Session, reviewer: Actor) -> None:
    """Rule sets: v1 (defaults, 2024-01-01) and v2 (from 2026-07-01 only national/provincial results count)."""
    service.ensure_default_ruleset(s)
    if s.scalar(select(func.max(StableRuleSet.version))) == 1:
        v2 = rules.default_ruleset_data() | {
            "version": 2, "effective_from": "2026-07-01",
            "name": "2026年修订：合格次数只计国家级和省级监督抽查；有效投诉不超过1件"}
        v2["criteria"][0]["params"]["levels"] = ["national", "provincial"]
        v2["criteria"][3]["params"]["max_justified"] = 1
        service.create_ruleset(s, reviewer, v2)


def _announcements(crew: _Crew) -> None:
    """Three listing announcements (one expired), a revocation, and a listing flagged but not yet decided."""
    s, chair, member = crew.s, crew.chair, crew.member
    # 2022年第1号 — listed in 2022, validity ended 2025-09-14 (expired)
    for _ in range(3):
        crew.approve(chair, "2019—2021年连续三年国家监督抽查合格。")
    crew.publish("listing", dt.date(2022, 9, 15), "2022年度全国质量检验稳定合格产品名单")
    # 2025年第1号 — six products, one later revoked
    listed_2025 = []
    for i in range(6):
        p = crew.next_product()
        former = [[p.brand, p.model.replace("-", "")]] if i == 2 else None  # renamed/re-spelt model
        listed_2025.append(crew.approve(member if i % 2 else chair, "近三年省级以上监督抽查均合格，无有效投诉。", former, p))
    crew.publish("listing", dt.date(2025, 3, 18), "2025年度全国质量检验稳定合格产品名单（第一批）")
    # 2026年第1号 — five products
    listed_2026 = [crew.approve(chair if i % 2 else member, "2024—2026年连续三年抽查合格，企业信用等级A。")
                   for i in range(5)]
    crew.publish("listing", dt.date(2026, 4, 20), "2026年度全国质量检验稳定合格产品名单（第一批）")
    # revocation: a later final 不合格 flags the listing at once; the committee revokes; 2026年第2号 publishes it
    bad = listed_2025[4]
    service.flag_listings(s, bad.product_id, batch_id=None, report_no="ZJSC-2026-0815",
                          failing_items=["能效等级", "标志和说明"])
    service.revoke_listing(s, chair, bad.id, "2026年8月浙江省产品质量监督抽查最终判定不合格（能效等级、标志和说明），"
                                             "撤销其稳定合格产品资格。")
    crew.publish("revocation", dt.date(2026, 10, 9), "关于撤销部分产品稳定合格产品资格的公告")
    # a flagged listing still under review (no decision yet)
    service.flag_listings(s, listed_2026[1].product_id, batch_id=None, report_no="GDSC-2026-1107",
                          failing_items=["菌落总数"])


def _applications(crew: _Crew) -> None:
    """Rejected applications, one approved in the draft announcement, and open ones at each step."""
    s, reviewer = crew.s, crew.reviewer
    # rejected applications: the reasons are the criteria the evaluation found not met
    for _ in range(2):
        p = crew.next_product(eligible=False)
        app = service.apply(s, crew.owner(p), p.id, statement="申请列入稳定合格产品名单。")
        ev = s.get(StableEvaluation, app.evaluation_id)
        failed = [c["reason_zh"] for c in (ev.result["criteria"] if ev else []) if c["status"] != rules.MET]
        text = "；".join(failed[:2]) or "材料不全。"
        service.review(s, reviewer, app.id, recommendation="reject", comment=f"评定未通过：{text}")
        service.decide(s, crew.member, app.id, decision="rejected", reason=f"不予批准。{text}")
    # approved, waiting in the draft announcement
    crew.approve(crew.chair, "2024—2026年国家及省级抽查均合格。")
    # under review: two submitted (one by the demo enterprise login), one reviewed waiting for the committee
    demo_ent = s.scalar(select(User.organization_id).where(User.username == "enterprise"))
    own = s.scalar(select(Product).where(Product.enterprise_id == demo_ent, Product.id.not_in(
        select(StableApplication.product_id))).order_by(Product.id).limit(1)) if demo_ent else None
    for p in [x for x in (own, crew.next_product()) if x is not None]:
        app = service.apply(s, crew.owner(p), p.id, statement="企业自愿申报，附近三年抽查报告。")
        service.add_comment(s, reviewer, app.id, "请补充2024年省级抽查报告扫描件。")
    p = crew.next_product()
    app = service.apply(s, reviewer, p.id, statement="协会批量评定推荐。")
    service.review(s, reviewer, app.id, recommendation="approve", comment="批量评定符合条件，建议列入。")


def _summary(s: Session) -> list[str]:
    anns = service.list_announcements(s, SYSTEM)
    states: dict[str, int] = {}
    for row in s.scalars(select(Listing)):
        st = service.listing_state(row)
        states[st] = states.get(st, 0) + 1
    apps = dict(s.execute(select(StableApplication.status, func.count()).group_by(StableApplication.status)).all())
    return [f"stable: {len(anns)} announcements ({', '.join(service.announcement_label(a) for a in anns)}), "
            f"listings {states}, applications {apps}; committee logins committee1, committee2"]
