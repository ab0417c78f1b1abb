"""Committee / expert accounts (专家): the secretariat names users to a committee and assigns them a group
standard's 技术审查 or a lab's 现场评价; the expert logs in and sees only his own tasks, votes on the standard he
reviews (once, in his own name) and records the checklist of the assessment he is on; anybody else cannot."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests import factories
from tests.association.test_standards import CLAUSES
from zhijian.association.assessment import service as assessment
from zhijian.association.assessment.schemas import AssessmentIn, ItemIn, PlanIn
from zhijian.association.experts import service as experts
from zhijian.association.standards import service as std
from zhijian.association.standards.schemas import CommentPeriodIn, DraftIn, ProjectDecisionIn, ProposalIn
from zhijian.platform.auth import SYSTEM, Actor
from zhijian.platform.errors import DomainError


def _standard_in_review(s) -> int:  # type: ignore[no-untyped-def]
    g = std.propose(s, SYSTEM, ProposalIn(title="电饭锅质量分级", scope="电饭锅", reason="分级需要"))
    std.decide_project(s, SYSTEM, g.id, ProjectDecisionIn(approve=True, reason="同意", drafting_units=["协会"]))
    std.add_draft(s, SYSTEM, g.id, DraftIn(clauses=CLAUSES))
    std.open_comments(s, SYSTEM, g.id, CommentPeriodIn(start=dt.date.today() - dt.timedelta(days=40), days=30))
    std.start_review(s, SYSTEM, g.id, DraftIn(clauses=CLAUSES, note="送审稿"))
    return g.id


def _actor(u) -> Actor:  # type: ignore[no-untyped-def]
    return Actor(u.id, u.username, u.role, u.organization_id)


def test_expert_sees_and_does_only_his_assignments(db):
    with db.session() as s:
        home_lab, other_lab = factories.lab(s), factories.lab(s)
        u1, u2 = factories.user(s, "inspector", home_lab), factories.user(s, "enterprise", factories.enterprise(s))
        outsider = _actor(factories.user(s, "inspector", factories.lab(s)))
        e1 = experts.register_expert(s, SYSTEM, experts.ExpertIn(username=u1.username, name="张审", committee="standards"))
        e2 = experts.register_expert(s, SYSTEM, experts.ExpertIn(username=u2.username, name="李评", committee="assessment"))
        assert e1.affiliation == home_lab.name  # from his organization when not given
        with pytest.raises(DomainError) as err:
            experts.register_expert(s, SYSTEM, experts.ExpertIn(username=u1.username, name="again"))
        assert err.value.code == "association.expert.exists"
        with pytest.raises(DomainError) as err:
            experts.register_expert(s, SYSTEM, experts.ExpertIn(username=factories.user(s, "public").username, name="公众"))
        assert err.value.code == "association.expert.bad_role"
        with pytest.raises(DomainError) as err:
            experts.register_expert(s, _actor(u1), experts.ExpertIn(username=u2.username, name="x"))
        assert err.value.status == 403
        sid, sid_other = _standard_in_review(s), _standard_in_review(s)
        a = assessment.apply(s, SYSTEM, AssessmentIn(lab_id=other_lab.id, scope="食品中重金属检测"))
        assessment.plan(s, SYSTEM, a.id, PlanIn(planned_on=dt.date.today(), team=["李评"]))
        experts.assign(s, SYSTEM, experts.AssignIn(expert_id=e1.id, kind="standard_review", target_id=sid))
        experts.assign(s, SYSTEM, experts.AssignIn(expert_id=e2.id, kind="assessment", target_id=a.id))
        with pytest.raises(DomainError) as err:  # a standards expert is not on the assessment roster
            experts.assign(s, SYSTEM, experts.AssignIn(expert_id=e1.id, kind="assessment", target_id=a.id))
        assert err.value.code == "association.expert.wrong_committee"
        mine = experts.register_expert(s, SYSTEM, experts.ExpertIn(
            username=factories.user(s, "inspector", other_lab).username, name="王回避", committee="assessment"))
        with pytest.raises(DomainError) as err:  # 回避: nobody assesses his own lab
            experts.assign(s, SYSTEM, experts.AssignIn(expert_id=mine.id, kind="assessment", target_id=a.id))
        assert err.value.code == "association.expert.conflict_of_interest"

        # each expert sees only his own task
        [t1] = experts.my_assignments(s, _actor(u1))
        assert (t1.kind, t1.target_id, t1.can_vote, t1.title) == ("standard_review", sid, True, "电饭锅质量分级")
        [t2] = experts.my_assignments(s, _actor(u2))
        assert (t2.kind, t2.target_id, t2.can_vote) == ("assessment", a.id, False)
        assert experts.my_assignments(s, outsider) == []

        # the assigned expert votes in his own name, once; not on a standard he was not given; nobody else
        v = experts.cast_vote(s, _actor(u1), sid, "approve", "同意发布")
        assert (v.expert, v.affiliation, v.vote) == ("张审", home_lab.name, "approve")
        with pytest.raises(DomainError) as err:
            experts.cast_vote(s, _actor(u1), sid, "reject")
        assert err.value.code == "association.std.already_voted"
        for who, target in ((_actor(u1), sid_other), (outsider, sid), (_actor(u2), sid)):
            with pytest.raises(DomainError) as err:
                experts.cast_vote(s, who, target, "approve")
            assert err.value.code == "association.expert.not_assigned"
        assert experts.my_assignments(s, _actor(u1))[0].status == "done"

        # the assessment expert reads and records his assessment; the standards expert cannot even see it
        assert assessment.decision_facts(s, _actor(u2), a.id)["assessment"].id == a.id
        item = assessment.record_item(s, _actor(u2), a.id, ItemIn(clause="6.4", result="conform", evidence="设备台账"))
        assert item.clause == "6.4"
        for who in (_actor(u1), outsider):
            with pytest.raises(DomainError) as err:
                assessment.record_item(s, who, a.id, ItemIn(clause="6.5", result="conform"))
            assert err.value.status == 403
            with pytest.raises(DomainError) as err:
                assessment.decision_facts(s, who, a.id)
            assert err.value.status == 404


def test_expert_pages_and_api(client, db, login):
    with db.session() as s:
        lab = factories.lab(s)
        u = factories.user(s, "inspector", lab)
        username = u.username
        sid = _standard_in_review(s)
    staff = login("association")
    r = client.post("/api/v1/association/experts", headers=staff,
                    json={"username": username, "name": "赵委员", "committee": "standards"})
    assert r.status_code == 201, r.text
    eid = r.json()["id"]
    assert client.post("/api/v1/association/experts/assignments", headers=staff,
                       json={"expert_id": eid, "kind": "standard_review", "target_id": sid}).status_code == 201
    assert client.post("/api/v1/association/experts/assignments", headers=staff,
                       json={"expert_id": eid, "kind": "nonsense", "target_id": sid}).status_code == 422
    tok = client.post("/api/v1/auth/token", json={"username": username, "password": "correct horse 1"}).json()
    me = {"Authorization": f"Bearer {tok['access_token']}"}
    [task] = client.get("/api/v1/association/experts/mine", headers=me).json()
    assert task["target_id"] == sid and task["can_vote"] is True
    assert client.get("/api/v1/association/experts", headers=me).status_code == 403  # the roster is the secretariat's
    page = client.get("/console/association/experts", headers=me)
    assert page.status_code == 200 and "我的评审任务" in page.text and "电饭锅质量分级" in page.text
    assert "聘任专家" not in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = client.post("/console/association/experts/vote", headers=me, follow_redirects=False,
                    data={"csrf_token": token, "standard_id": str(sid), "vote": "approve_changes", "comment": "小改"})
    assert r.status_code == 303
    assert client.post(f"/api/v1/association/experts/standards/{sid}/vote", headers=me,
                       json={"vote": "approve"}).status_code == 409  # voted already
    home = client.get("/console", headers=me)
    assert home.status_code == 200 and "我的评审任务" in home.text
    assert "聘任专家" in client.get("/console/association/experts", headers=staff).text
