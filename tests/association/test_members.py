"""Members on every backend: applications (units by their own users, individuals), approval with a number and
the year's dues, invoices, payments, lapse after two consecutive unpaid years (《社会团体章程示范文本》 视为自动退会)
and reinstatement, class changes, the register import, the directory (only what a member allows), member-only
documents."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories
from zhijian.association.members import rules
from zhijian.association.members import service as mem
from zhijian.association.members.schemas import ApplicationIn, DecisionIn, DocumentIn, PaymentIn
from zhijian.platform.auth import PUBLIC, SYSTEM, Actor
from zhijian.platform.errors import DomainError


def test_lapse_rule() -> None:
    on = dt.date(2027, 4, 1)
    assert rules.should_lapse([2025, 2026], on) is True
    assert rules.should_lapse([2026, 2027], on) is True  # 2027 fell due on 31 March 2027
    assert rules.should_lapse([2027], on) is False and rules.should_lapse([2024, 2026], on) is False
    assert rules.should_lapse([2026, 2027], dt.date(2027, 3, 31)) is False  # not yet overdue
    assert rules.parse_class("常务理事单位", "unit") == "standing"
    with pytest.raises(DomainError):
        rules.parse_class("个人会员", "unit")


def test_membership_lifecycle(db):
    with db.session() as s:
        ent, lab = factories.enterprise(s), factories.lab(s)
        user = factories.user(s, "enterprise", ent)
        ent_actor = Actor(user.id, user.username, "enterprise", ent.id)
        m = mem.apply(s, ent_actor, ApplicationIn(kind="unit", member_class="理事单位", statement="愿意遵守章程",
                                                  directory_visible=True,
                                                  directory_fields={"phone": "0571-88888888", "secret": "x"}),
                      on=dt.date(2025, 1, 10))
        assert (m.status, m.member_class, m.directory_fields) == ("applied", "council", {"phone": "0571-88888888"})
        with pytest.raises(DomainError) as e:
            mem.apply(s, ent_actor, ApplicationIn(kind="unit"))
        assert e.value.code == "association.member.exists"
        with pytest.raises(DomainError) as e:
            mem.apply(s, Actor(None, "r", "regulator", None), ApplicationIn(kind="unit"))
        assert e.value.status == 403
        with pytest.raises(DomainError) as e:
            mem.decide(s, ent_actor, m.id, DecisionIn(approve=True))
        assert e.value.status == 403
        m = mem.decide(s, SYSTEM, m.id, DecisionIn(approve=True, reason="理事会通过"), on=dt.date(2025, 2, 1))
        assert m.status == "active" and m.member_no.startswith("CAQI-D")
        [d2025] = mem.dues_of(s, ent_actor)
        assert (d2025.year, d2025.amount, d2025.due_on, d2025.status) == (2025, 5000.0, dt.date(2025, 3, 31), "issued")
        assert mem.is_member(s, ent.id) and not mem.is_member(s, lab.id)
        # 2026 dues issued once for every active member; nothing paid → lapses on 1 April 2026
        assert mem.issue_dues(s, SYSTEM, 2026, on=dt.date(2026, 1, 5)) >= 1
        assert mem.issue_dues(s, SYSTEM, 2026, on=dt.date(2026, 1, 5)) == 0
        mem.lapse_memberships(s, SYSTEM, on=dt.date(2026, 3, 31))
        assert mem.is_member(s, ent.id)  # the 2026 dues are overdue only from 1 April
        mem.lapse_memberships(s, SYSTEM, on=dt.date(2026, 4, 1))
        assert not mem.is_member(s, ent.id)
        d2026 = next(d for d in mem.dues_of(s, SYSTEM, m.id) if d.year == 2026)
        mem.record_payment(s, SYSTEM, d2025.id, PaymentIn(paid_on=dt.date(2026, 4, 10), payment_ref="BANK-1"))
        with pytest.raises(DomainError) as e:
            mem.record_payment(s, SYSTEM, d2025.id, PaymentIn())
        assert e.value.code == "association.member.already_paid"
        assert mem.is_member(s, ent.id)  # no two consecutive overdue years left: reinstated
        assert d2026.status == "issued"
        m = mem.change_class(s, SYSTEM, m.id, "常务理事单位")
        assert m.member_class == "standing"
        # directory: only the fields the member allows
        row = next(r for r in mem.directory(s) if r["member_no"] == m.member_no)
        assert row == {"member_no": m.member_no, "name": ent.name, "class": "常务理事单位", "phone": "0571-88888888"}
        mem.update_directory(s, ent_actor, False, {})
        assert m.member_no not in {r["member_no"] for r in mem.directory(s)}
        # member-only documents
        doc = mem.add_document(s, SYSTEM, DocumentIn(title="2026 年会员大会通知", body="定于 5 月召开"))
        pub = mem.add_document(s, SYSTEM, DocumentIn(title="公开通知", body="…", members_only=False))
        assert {doc.id, pub.id} <= {x.id for x in mem.documents(s, ent_actor)}
        assert doc.id not in {x.id for x in mem.documents(s, PUBLIC)} and pub.id in {x.id for x in mem.documents(s, PUBLIC)}


def test_individual_and_rejection_and_register_import(db):
    from zhijian.platform.tabular import read_rows

    with db.session() as s:
        u = factories.user(s, "inspector", factories.lab(s))
        me = Actor(u.id, u.username, "inspector", None)
        m = mem.apply(s, me, ApplicationIn(kind="individual", member_class="个人会员", name="周检"))
        with pytest.raises(DomainError) as e:
            mem.decide(s, SYSTEM, m.id, DecisionIn(approve=False))
        assert e.value.field == "reason"
        m = mem.decide(s, SYSTEM, m.id, DecisionIn(approve=False, reason="资料不全"))
        assert m.status == "rejected"
        a, b = factories.enterprise(s), factories.enterprise(s)
        names = (a.name, b.name)
    csv = f"单位名称,统一社会信用代码,会员类别,入会日期\n{names[0]},,副会长单位,2019-05-01\n{names[1]},,会员单位,2021-03-01\n"
    with db.session() as s:
        assert mem.import_register(s, SYSTEM, read_rows(csv.encode(), "r.csv", required=mem.IMPORT_COLUMNS)) == 2
    bad = "单位名称,会员类别\n不存在的公司,会员单位\n"
    with pytest.raises(DomainError) as e, db.session() as s:
        mem.import_register(s, SYSTEM, read_rows(bad.encode(), "r.csv", required=mem.IMPORT_COLUMNS))
    assert e.value.extra == {"row": 2, "column": "单位名称"}
