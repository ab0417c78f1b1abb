"""稳定合格 by jurisdiction (issue 13, item 4): the association runs the programme and sees every application; a
regulator reads applications, evaluations and pending listings only of enterprises in its division; published
listings stay public. GB/T 2260: 330106 杭州市西湖区, 440305 深圳市南山区; 330100 杭州市, 440000 广东省.
"""

from __future__ import annotations

import pytest

from tests import factories
from tests.stable.helpers import People, approved, eligible_evidence
from zhijian.platform.auth import SYSTEM, actor_for
from zhijian.platform.errors import DomainError, NotFound
from zhijian.stable import service


def test_regulators_read_the_stable_programme_of_their_division(db) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        ent_hz, ent_gd = factories.enterprise(s, region="330106"), factories.enterprise(s, region="440305")
        owner_hz = actor_for(factories.user(s, "enterprise", ent_hz))
        owner_gd = actor_for(factories.user(s, "enterprise", ent_gd))
        assoc = actor_for(factories.user(s, "association"))
        committee_user = factories.user(s, "association")
        service.appoint_committee_member(s, SYSTEM, committee_user.id)
        committee = actor_for(committee_user)
        hz = actor_for(factories.user(s, "regulator", factories.regulator(s, level="municipal", region="330100")))
        gd = actor_for(factories.user(s, "regulator", factories.regulator(s, level="provincial", region="440000")))
        samr = actor_for(factories.user(s, "regulator"))
        p_hz = factories.product(s, ent_hz, brand="杭牌", model=f"HZ-{factories.uid()}")
        app_hz = service.apply(s, owner_hz, p_hz.id, statement="连续三年合格", evidence=eligible_evidence(p_hz))
        app_gd, listing_gd = approved(s, People(ent_gd, owner_gd, assoc, committee))
        assert listing_gd.status == "pending" and listing_gd.region_code == "440305"

        def apps(actor) -> set[int]:  # type: ignore[no-untyped-def]
            return {a.id for a in service.list_applications(s, actor, limit=500).items} & {app_hz.id, app_gd.id}

        assert apps(hz) == {app_hz.id}
        assert apps(gd) == {app_gd.id}
        assert apps(samr) == apps(assoc) == {app_hz.id, app_gd.id}
        with pytest.raises(NotFound):
            service.get_application(s, hz, app_gd.id)
        with pytest.raises(NotFound):
            service.comments(s, hz, app_gd.id)
        assert service.get_application(s, gd, app_gd.id).id == app_gd.id
        # evaluating a product outside the division is refused as not found
        with pytest.raises(DomainError) as err:
            service.evaluate_product(s, hz, app_gd.product_id, evidence=eligible_evidence(s.get(
                service.catalog.Product, app_gd.product_id)))  # type: ignore[arg-type]
        assert err.value.status == 404
        ev = service.evaluate_product(s, gd, app_gd.product_id)
        with pytest.raises(NotFound):
            service.get_evaluation(s, hz, ev.id)
        # a pending listing (not yet announced) is the division's; once listed it is public
        pending = {r.id for r in service.list_listings(s, hz, state="pending", limit=500).items}
        assert listing_gd.id not in pending
        assert listing_gd.id in {r.id for r in service.list_listings(s, gd, state="pending", limit=500).items}
        with pytest.raises(NotFound):
            service.get_listing(s, hz, listing_gd.id)
        assert service.get_listing(s, samr, listing_gd.id).id == listing_gd.id
        # the console counts follow the division: 广东 counts the applications it may read (its own, and those other
        # tests on the shared database filed in 广东 — never 浙江's), 总局 counts at least both divisions
        def total(actor) -> int:  # type: ignore[no-untyped-def]
            return sum(v for k, v in service.dashboard(s, actor).items() if k.startswith("app_"))

        readable_gd = {a.id for a in service.list_applications(s, gd, limit=500).items}
        assert app_gd.id in readable_gd and app_hz.id not in readable_gd
        assert total(gd) == len(readable_gd) and total(samr) >= total(hz) + total(gd)
