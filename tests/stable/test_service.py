"""Service tests on every database: evaluations and rule versions, workflow permissions, announcements,
revocation on a final 不合格 event."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests import factories
from tests.stable.helpers import approved, eligible_evidence
from zhijian.platform.auth import SYSTEM, Actor
from zhijian.platform.errors import Conflict, DomainError, InvalidTransition, NotFound, PermissionDenied
from zhijian.platform.events import publish
from zhijian.stable import rules, service
from zhijian.stable.models import Announcement, Listing, StableEvaluation


def test_evaluation_through_real_rooms_without_history(db, crew):
    """No spot checks on record: too few results (not met), credit class never computed (unknown)."""
    with db.session() as s:
        ent = factories.enterprise(s)
        product = factories.product(s, ent)
        row = service.evaluate_product(s, SYSTEM, product.id, dt.date(2026, 6, 30))
        by_kind = {c["kind"]: c["status"] for c in row.result["criteria"]}
    assert row.outcome == "ineligible"
    assert by_kind["conforming_results"] == "not_met"
    assert by_kind["credit_class"] == "unknown"
    assert by_kind["mandatory_certification"] == "met"  # category without CCC: not applicable


def test_new_ruleset_version_applies_to_later_evaluations_only(db, crew):
    with db.session() as s:
        p = crew.people(s)
        product = factories.product(s, p.enterprise)
        staff = p.reviewer
        service.ensure_default_ruleset(s)
        latest = max(r.version for r in service.list_rulesets(s, staff))
        data = rules.default_ruleset_data() | {"version": latest + 1, "effective_from": "2040-01-01",
                                               "name": "提高合格次数要求"}
        data["criteria"][0]["params"]["min_count"] = 5
        with pytest.raises(PermissionDenied):
            service.create_ruleset(s, p.owner, data)
        new = service.create_ruleset(s, staff, data)
        with pytest.raises(Conflict):
            service.create_ruleset(s, staff, data)  # same version again
        before = service.evaluate_product(s, staff, product.id, dt.date(2039, 12, 31),
                                          evidence=eligible_evidence(product, dt.date(2039, 12, 31)))
        after = service.evaluate_product(s, staff, product.id, dt.date(2040, 1, 1),
                                         evidence=eligible_evidence(product, dt.date(2040, 1, 1)))
        assert (before.ruleset_version, before.outcome) == (1, "eligible")
        assert (after.ruleset_version, after.outcome) == (new.version, "ineligible")
        stored = s.get(StableEvaluation, before.id)
        assert stored is not None and stored.result["ruleset_version"] == 1


def test_enterprise_applies_only_for_own_products_and_sees_only_own(db, crew):
    with db.session() as s:
        a, b = crew.people(s, "a"), crew.people(s, "b")
        mine = factories.product(s, a.enterprise)
        theirs = factories.product(s, b.enterprise)
        with pytest.raises(PermissionDenied):
            service.apply(s, a.owner, theirs.id)
        app = service.apply(s, a.owner, mine.id, evidence=eligible_evidence(mine))
        with pytest.raises(Conflict) as dup:
            service.apply(s, a.owner, mine.id)
        assert dup.value.code == "stable.application_open"
        with pytest.raises(NotFound):
            service.get_application(s, b.owner, app.id)
        assert all(x.enterprise_id == b.enterprise.id for x in service.list_applications(s, b.owner).items)
        assert app.id in [x.id for x in service.list_applications(s, a.owner).items]
        assert app.id in [x.id for x in service.list_applications(s, a.reviewer).items]
        with pytest.raises(NotFound):  # another enterprise's application does not exist for it
            service.add_comment(s, b.owner, app.id, "我也来说两句")
        with pytest.raises(PermissionDenied):
            service.list_applications(s, Actor(None, "lab_user", "inspector", 1))


def test_review_and_committee_are_separate_steps_by_different_people(db, crew):
    with db.session() as s:
        p = crew.people(s)
        product = factories.product(s, p.enterprise)
        ev = eligible_evidence(product)
        app = service.apply(s, p.owner, product.id, evidence=ev)
        with pytest.raises(PermissionDenied):
            service.review(s, p.owner, app.id, recommendation="approve", comment="自己批准自己")
        with pytest.raises(InvalidTransition):
            service.decide(s, p.committee, app.id, decision="approved", reason="跳过审核")
        # a committee member who reviewed may not also decide
        service.review(s, p.committee, app.id, recommendation="approve", comment="材料齐全", evidence=ev)
        with pytest.raises(PermissionDenied) as same:
            service.decide(s, p.committee, app.id, decision="approved", reason="同意")
        assert same.value.code == "stable.reviewer_decides"
        with pytest.raises(PermissionDenied) as not_member:
            service.decide(s, p.reviewer, app.id, decision="approved", reason="同意")
        assert not_member.value.code == "stable.not_committee"
        other_member = crew.committee2
        with pytest.raises(DomainError) as no_reason:
            service.decide(s, other_member, app.id, decision="rejected", reason="  ")
        assert no_reason.value.field == "reason"
        done = service.decide(s, other_member, app.id, decision="approved", reason="符合全部准则")
        assert done.status == "approved" and done.decided_by == other_member.user_id
        listing = s.scalar(select(Listing).where(Listing.application_id == app.id))
        assert listing is not None and listing.status == "pending" and listing.certificate_no == f"PENDING-{app.id}"
        ann = s.get(Announcement, listing.announcement_id)
        assert ann is not None and ann.status == "draft" and ann.number is None
        with pytest.raises(PermissionDenied):
            service.appoint_committee_member(s, p.reviewer, p.reviewer.user_id or 0)  # only admin appoints


def test_approving_a_not_eligible_product_needs_an_explicit_override(db, crew):
    with db.session() as s:
        p = crew.people(s)
        product = factories.product(s, p.enterprise)
        app = service.apply(s, p.owner, product.id)  # real rooms: no history → ineligible
        service.review(s, p.reviewer, app.id, recommendation="reject", comment="抽查记录不足")
        with pytest.raises(DomainError) as err:
            service.decide(s, p.committee, app.id, decision="approved", reason="同意")
        assert err.value.code == "stable.not_eligible" and err.value.status == 409
        done = service.decide(s, p.committee, app.id, decision="approved", reason="经现场核查同意", override=True)
        assert done.decision_reason.endswith("[委员会特批]")


def test_rejection_and_withdrawal(db, crew):
    with db.session() as s:
        p = crew.people(s)
        product = factories.product(s, p.enterprise)
        app = service.apply(s, p.owner, product.id)
        service.review(s, p.reviewer, app.id, recommendation="reject", comment="连续年数不足")
        service.decide(s, p.committee, app.id, decision="rejected", reason="不满足连续三年合格")
        assert s.scalar(select(Listing).where(Listing.application_id == app.id)) is None
        with pytest.raises(InvalidTransition):
            service.withdraw(s, p.owner, app.id)
        again = service.apply(s, p.owner, product.id)  # a rejected product may apply again later
        assert service.withdraw(s, p.owner, again.id).status == "withdrawn"


def test_announcement_numbers_restart_each_year(db, crew):
    with db.session() as s:
        p = crew.people(s)
        numbers = []
        for on in (dt.date(2091, 3, 1), dt.date(2091, 9, 1), dt.date(2092, 1, 5)):
            _app, listing = approved(s, p)
            ann = service.publish_announcement(s, p.reviewer, listing.announcement_id, on=on)
            numbers.append(service.announcement_label(ann))
            assert listing.status == "listed" and listing.valid_from == on
            assert listing.certificate_no == f"WDHG-{on.year}-{listing.id:06d}"
            assert listing.valid_until == rules.add_years(on, 3) - dt.timedelta(days=1)
        assert numbers == ["2091年第1号", "2091年第2号", "2092年第1号"]
        with pytest.raises(InvalidTransition):
            service.publish_announcement(s, p.reviewer, listing.announcement_id)
        with pytest.raises(PermissionDenied):
            service.publish_announcement(s, p.owner, listing.announcement_id)


def test_final_nonconforming_event_flags_then_committee_revokes(db, crew):
    with db.session() as s:
        p = crew.people(s)
        _app, listing = approved(s, p)
        service.publish_announcement(s, p.reviewer, listing.announcement_id)
        pid = listing.product_id
        assert pid in service.listed_product_ids(s)
        assert service.current_listing(s, pid)["status"] == "valid"
        # a conforming final verdict changes nothing
        publish(s, "spotcheck.verdict_final", {"batch_id": 1, "product_id": pid, "enterprise_id": p.enterprise.id,
                                               "verdict": "合格", "failing_items": [], "report_no": "R1",
                                               "gtin": None, "lot": None})
        assert not listing.flagged
        publish(s, "spotcheck.verdict_final", {"batch_id": 2, "product_id": pid, "enterprise_id": p.enterprise.id,
                                               "verdict": "不合格", "failing_items": ["铅(以Pb计)"],
                                               "report_no": "ZJ2026-0042", "gtin": None, "lot": None})
        assert listing.flagged and "ZJ2026-0042" in listing.flag_reason
        assert pid not in service.listed_product_ids(s)
        assert service.current_listing(s, pid)["status"] == "under_review"
        with pytest.raises(Conflict) as listed:
            service.apply(s, p.owner, pid)  # still listed while under review
        assert listed.value.code == "stable.already_listed"
        check = service.verify_certificate(s, listing.certificate_no)
        assert check.state == "under_review" and "铅(以Pb计)" in check.reason
        with pytest.raises(PermissionDenied):
            service.revoke_listing(s, p.reviewer, listing.id, "不合格")
        service.revoke_listing(s, p.committee, listing.id, "2026年省级监督抽查铅含量不合格")
        check = service.verify_certificate(s, listing.certificate_no)
        assert check.state == "revoked" and check.revocation_announcement_no is None
        rev = service.publish_announcement(s, p.reviewer, listing.revocation_announcement_id)
        assert rev.kind == "revocation"
        check = service.verify_certificate(s, listing.certificate_no)
        assert check.revocation_announcement_no == service.announcement_label(rev)
        assert service.current_listing(s, pid) is None  # revoked: no longer a current listing


def test_expired_listing_is_not_current(db, crew):
    with db.session() as s:
        p = crew.people(s)
        _app, listing = approved(s, p)
        service.publish_announcement(s, p.reviewer, listing.announcement_id, on=dt.date(2020, 1, 1), valid_years=3)
        assert listing.valid_until == dt.date(2022, 12, 31)
        assert service.verify_certificate(s, listing.certificate_no).state == "expired"
        assert listing.product_id not in service.listed_product_ids(s)
        assert service.current_listing(s, listing.product_id) is None
        renewal = service.apply(s, p.owner, listing.product_id, statement="有效期届满，重新申报")
        assert renewal.status == "submitted"


def test_candidates_need_a_scope_and_skip_busy_products(db, crew):
    with db.session() as s:
        p = crew.people(s)
        with pytest.raises(DomainError) as err:
            service.propose_candidates(s, p.reviewer)
        assert err.value.field == "category_id"
        with pytest.raises(PermissionDenied):
            service.propose_candidates(s, p.owner, category_id=1)
        cat = factories.category(s)
        factories.product(s, p.enterprise, cat)
        assert service.propose_candidates(s, p.reviewer, category_id=cat.id) == []  # no history → none eligible


def test_a_failing_contract_call_is_unknown_not_met(sqlite_db, monkeypatch):
    """Another room that breaks must not make a criterion 'met' (nor break the evaluation)."""
    spotcheck = pytest.importorskip("zhijian.spotcheck.contracts")  # what `platform.rooms.call` reaches

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("spot-check store unavailable")

    monkeypatch.setattr(spotcheck, "inspection_history", broken)
    with sqlite_db.session() as s:
        product = factories.product(s)
        row = service.evaluate_product(s, SYSTEM, product.id, dt.date(2026, 6, 30))
        statuses = {c["kind"]: c["status"] for c in row.result["criteria"]}
    assert {statuses[k] for k in ("conforming_results", "consecutive_years", "no_nonconforming")} == {"unknown"}


def test_reconciliation_job_is_registered_and_staff_only(sqlite_db):
    from zhijian.platform.jobs import registered

    assert "stable.reconcile" in registered()
    with sqlite_db.session() as s:
        with pytest.raises(PermissionDenied):
            service.reconcile_flags(s, Actor(1, "ent", "enterprise", 1))
        assert isinstance(service.reconcile_flags(s, SYSTEM), list)


def test_revoked_listings_contract(db, crew):
    """The contract enforcement's lead scan reads (docs/CONTRACTS.md): a revoked listing is offered with its product,
    certificate, producer and region; a valid one is not."""
    from zhijian.platform.rooms import call

    with db.session() as s:
        p = crew.people(s)
        _a, kept = approved(s, p)
        _b, revoked = approved(s, p)
        for ann in {kept.announcement_id, revoked.announcement_id}:
            service.publish_announcement(s, p.reviewer, ann)
        service.revoke_listing(s, p.committee, revoked.id, "2026年省级监督抽查铅含量不合格")
        offered = {x.listing_id: x for x in call(s, "stable", "revoked_listings", default=None)}
        assert revoked.id in offered and kept.id not in offered
        got = offered[revoked.id]
        assert (got.product_name, got.certificate_no, got.enterprise_id, got.region_code, got.product_id) == (
            revoked.product_name, revoked.certificate_no, p.enterprise.id, revoked.region_code, revoked.product_id)
