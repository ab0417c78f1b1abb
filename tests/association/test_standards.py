"""A group standard through every stage of 《团体标准管理规定》(2019) on every backend: 提案 → 立项 → 起草 →
征求意见 (comments by clause, every one disposed of) → 技术审查 (expert votes, ≥ 3/4) → 批准 → 发布 with the
number T/CAQI nnn—YYYY → 修改单 → 五年复审 → 废止; the 全国团体标准信息平台 record, typed indicators."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories
from zhijian.association.standards import rules
from zhijian.association.standards import service as std
from zhijian.association.standards.schemas import (
    AmendmentIn,
    CommentIn,
    CommentPeriodIn,
    DispositionIn,
    DraftIn,
    ProjectDecisionIn,
    ProposalIn,
    PublishIn,
    ReviewIn,
    VoteIn,
)
from zhijian.catalog.schemas import IndicatorIn
from zhijian.platform.auth import PUBLIC, SYSTEM, Actor
from zhijian.platform.errors import DomainError

CLAUSES = [{"no": "1", "text": "范围：本文件规定了电热水壶的质量分级要求。"},
           {"no": "4.1", "text": "泄漏电流不大于 0.25 mA。"},
           {"no": "4.2", "text": "煮水能效不低于 85%。"}]


def test_rules_number_window_and_vote() -> None:
    assert rules.standard_number(7, 2026) == "T/CAQI 007—2026"
    assert rules.comment_window(dt.date(2026, 3, 1), 30) == dt.date(2026, 3, 31)
    with pytest.raises(DomainError):
        rules.comment_window(dt.date(2026, 3, 1), 20)
    assert rules.review_outcome(["approve"] * 6 + ["reject"] * 2).passed  # 6/8 = 75 %
    assert not rules.review_outcome(["approve"] * 5 + ["reject"] * 2 + ["approve_changes"] * 0 + ["reject"]).passed
    assert not rules.review_outcome(["approve"] * 4).passed  # fewer than 5 experts
    assert rules.review_outcome(["approve"] * 4 + ["abstain"]).share == 1.0
    assert rules.next_review(dt.date(2024, 2, 29)) == dt.date(2029, 2, 28)


def test_group_standard_through_every_stage(db):
    with db.session() as s:
        ent = factories.enterprise(s)
        member = Actor(None, "member", "enterprise", ent.id)
        g = std.propose(s, member, ProposalIn(title="电热水壶质量分级", scope="电热水壶", reason="市场需要分级"))
        sid = g.id
        assert g.status == "proposed" and g.proposer_id == ent.id
        with pytest.raises(DomainError) as e:
            std.decide_project(s, member, sid, ProjectDecisionIn(approve=True, reason="x", drafting_units=["a"]))
        assert e.value.status == 403
        g = std.decide_project(s, SYSTEM, sid, ProjectDecisionIn(
            approve=True, reason="符合立项条件", drafting_units=["中国质量检验协会", "浙江省质检院"], drafters=["张三", "李四"],
            ics="97.040.50", ccs="Y62"))
        assert g.status == "drafting" and g.project_no.startswith("CAQI-XM-")
        with pytest.raises(DomainError) as e:
            std.open_comments(s, SYSTEM, sid, CommentPeriodIn())
        assert e.value.code == "association.std.no_draft"
        ind = [IndicatorIn(name="泄漏电流", unit="mA", requirement_kind="max", upper=0.25, text="≤0.25", is_safety=True)]
        d1 = std.add_draft(s, SYSTEM, sid, DraftIn(clauses=CLAUSES, indicators=ind))
        assert d1.version == 1
        with pytest.raises(DomainError) as e:
            std.open_comments(s, SYSTEM, sid, CommentPeriodIn(days=15))
        assert e.value.code == "association.std.short_comment_period"
        start = dt.date.today() - dt.timedelta(days=40)
        g = std.open_comments(s, SYSTEM, sid, CommentPeriodIn(start=start, days=30))
        assert g.status == "commenting" and g.comment_until == start + dt.timedelta(days=30)
        # the public sees the draft out for comment; it cannot comment
        assert std.get_standard(s, PUBLIC, sid).id == sid
        with pytest.raises(DomainError):
            std.comment(s, PUBLIC, sid, CommentIn(clause_no="4.1", text="x"), on=start + dt.timedelta(days=1))
        inside = start + dt.timedelta(days=5)
        c1 = std.comment(s, member, sid, CommentIn(clause_no="4.1", commenter="王工", organization="某电器公司",
                                                   text="0.25 mA 偏严", proposal="改为 0.35 mA"), on=inside)
        c2 = std.comment(s, member, sid, CommentIn(clause_no="4.2", text="能效测试方法未写明"), on=inside)
        with pytest.raises(DomainError) as e:
            std.comment(s, member, sid, CommentIn(clause_no="9.9", text="x"), on=inside)
        assert e.value.field == "clause_no"
        with pytest.raises(DomainError) as e:
            std.comment(s, member, sid, CommentIn(clause_no="4.1", text="迟到"), on=start + dt.timedelta(days=31))
        assert e.value.code == "association.std.not_commenting"
        review_draft = DraftIn(clauses=[*CLAUSES[:2], {"no": "4.2", "text": "煮水能效不低于 85%，按附录A测试。"},
                                        {"no": "附录A", "text": "煮水能效试验方法。"}], note="送审稿")
        with pytest.raises(DomainError) as e:
            std.start_review(s, SYSTEM, sid, review_draft)
        assert e.value.code == "association.std.comments_pending"
        with pytest.raises(DomainError) as e:
            std.dispose(s, SYSTEM, c1.id, DispositionIn(disposition="rejected"))
        assert e.value.field == "reason"
        std.dispose(s, SYSTEM, c1.id, DispositionIn(disposition="rejected", reason="与 GB 4706.1 一致，保持 0.25 mA"))
        std.dispose(s, SYSTEM, c2.id, DispositionIn(disposition="accepted"))
        d2 = std.start_review(s, SYSTEM, sid, review_draft)
        assert (d2.version, d2.stage) == (2, "review")
        # first review: 4 of 7 in favour (57 %) → back to drafting
        for i, v in enumerate(["approve"] * 4 + ["reject"] * 3):
            std.vote(s, SYSTEM, sid, VoteIn(expert=f"专家{i}", vote=v))
        with pytest.raises(DomainError):
            std.vote(s, SYSTEM, sid, VoteIn(expert="专家0", vote="approve"))  # one vote per expert and round
        out = std.conclude_review(s, SYSTEM, sid)
        assert not out.passed and std.get_standard(s, SYSTEM, sid).status == "drafting"
        # revised, straight back to review (the comments stay disposed of), 6 of 7 → approved
        std.start_review(s, SYSTEM, sid, review_draft)
        for i, v in enumerate(["approve"] * 5 + ["approve_changes", "reject"]):
            std.vote(s, SYSTEM, sid, VoteIn(expert=f"专家{i}", vote=v))
        out = std.conclude_review(s, SYSTEM, sid)
        assert out.passed and out.in_favour == 6 and out.against == 1
        g = std.publish(s, SYSTEM, sid, PublishIn(published_on=dt.date(2026, 9, 1), implemented_on=dt.date(2026, 12, 1)))
        assert g.status == "published" and g.number.startswith("T/CAQI ") and g.number.endswith("—2026")
        assert g.next_review_on == dt.date(2031, 9, 1)
        rec = std.ttbz_record(g)
        assert rec["标准编号"] == g.number and rec["起草单位"] == "中国质量检验协会、浙江省质检院" and rec["状态"] == "现行"
        assert std.group_standard_indicators(s, g.number)[0]["upper"] == 0.25
        g = std.amend(s, SYSTEM, sid, AmendmentIn(text="4.2 中“85%”改为“86%”。"))
        assert g.amendments[0]["title"] == f"{g.number} 第1号修改单"
        assert sid in {x.id for x in std.reviews_due(s, on=dt.date(2031, 7, 1))}
        std.start_periodic_review(s, SYSTEM, sid)
        g = std.conclude_periodic_review(s, SYSTEM, sid, ReviewIn(outcome="confirmed", reason="技术内容仍适用"),
                                         on=dt.date(2031, 8, 1))
        assert g.status == "published" and g.next_review_on == dt.date(2036, 8, 1)
        g = std.withdraw(s, SYSTEM, sid, "被国家标准 GB/T xxxx 代替")
        assert g.status == "withdrawn" and std.group_standard_indicators(s, g.number) == []
        stages = [h["to"] for h in g.history]
        assert stages == ["proposed", "drafting", "commenting", "reviewing", "drafting", "reviewing", "approved",
                          "published", "under_review", "published", "withdrawn"]
        assert [c.disposition for c in std.comments(s, sid)] == ["rejected", "accepted"]


def test_numbers_follow_the_year_and_rejected_projects(db):
    with db.session() as s:
        g = std.propose(s, SYSTEM, ProposalIn(title="不予立项的提案", scope="x" * 3, reason="y" * 3))
        g = std.decide_project(s, SYSTEM, g.id, ProjectDecisionIn(approve=False, reason="已有国家标准"))
        assert g.status == "rejected"
        with pytest.raises(DomainError) as e:
            std.add_draft(s, SYSTEM, g.id, DraftIn(clauses=CLAUSES))
        assert e.value.code == "association.std.not_drafting"
        with pytest.raises(DomainError) as e:
            std.add_draft(s, SYSTEM, 10**9, DraftIn(clauses=CLAUSES))
        assert e.value.status == 404
