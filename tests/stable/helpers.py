"""Shared set-up for the stable tests: users, an eligible evidence set, a listed product."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tests import factories
from zhijian.catalog.models import Organization, Product
from zhijian.platform.auth import SYSTEM, Actor, actor_for, issue_token
from zhijian.platform.db import Database
from zhijian.stable import rules, service
from zhijian.stable.models import Listing, StableApplication


@dataclass
class People:
    enterprise: Organization
    owner: Actor  # enterprise user of `enterprise`
    reviewer: Actor  # association staff
    committee: Actor  # association committee member


@dataclass(frozen=True)
class Crew:
    """Users shared by the tests of one database: two enterprises, staff, two committee members."""

    enterprise_a: int
    enterprise_b: int
    owner_a: Actor
    owner_b: Actor
    reviewer: Actor
    committee: Actor
    committee2: Actor
    headers: dict[str, dict[str, str]]  # role name → Authorization header

    def people(self, s: Session, which: str = "a") -> People:
        ent = s.get(Organization, self.enterprise_a if which == "a" else self.enterprise_b)
        assert ent is not None
        return People(ent, self.owner_a if which == "a" else self.owner_b, self.reviewer, self.committee)


def make_crew(db: Database) -> Crew:
    password = "correct horse 1"
    with db.session() as s:
        ent_a, ent_b = factories.enterprise(s), factories.enterprise(s)
        users = {"owner_a": factories.user(s, "enterprise", ent_a), "owner_b": factories.user(s, "enterprise", ent_b),
                 "reviewer": factories.user(s, "association"), "committee": factories.user(s, "association"),
                 "committee2": factories.user(s, "association"),
                 "regulator": factories.user(s, "regulator")}
        for key in ("committee", "committee2"):
            service.appoint_committee_member(s, SYSTEM, users[key].id)
        headers = {k: {"Authorization": f"Bearer {issue_token(s, u.username, password, 60)[0]}"}
                   for k, u in users.items()}
        actors = {k: actor_for(u) for k, u in users.items()}
        return Crew(ent_a.id, ent_b.id, actors["owner_a"], actors["owner_b"], actors["reviewer"], actors["committee"],
                    actors["committee2"], headers)


def eligible_evidence(product: Product, as_of: dt.date | None = None) -> rules.Evidence:
    """Three provincial conforming results in three consecutive years ending this year."""
    as_of = as_of or service.today()
    recs = tuple(rules.Inspection(batch_id=900_000 + k, plan_level="provincial", plan_year=as_of.year - k,
                                  enterprise_id=product.enterprise_id, brand=product.brand, model=product.model,
                                  sampled_on=dt.date(as_of.year - k, 1, 1), final_verdict="合格",
                                  product_id=product.id) for k in range(3))
    ref = rules.ProductRef(product.id, product.enterprise_id, product.brand, product.model)
    return rules.Evidence(ref, as_of, recs, justified_complaints=0, credit_class="A", certificates=())


def approved(s: Session, p: People, product: Product | None = None) -> tuple[StableApplication, Listing]:
    """Apply → review → committee approval: the product waits in the draft announcement."""
    product = product or factories.product(s, p.enterprise, brand="测试牌", model=f"ZJ-{factories.uid()}")
    ev = eligible_evidence(product)
    app = service.apply(s, p.owner, product.id, statement="连续三年省级抽查合格", evidence=ev)
    service.review(s, p.reviewer, app.id, recommendation="approve", comment="材料齐全，建议批准", evidence=ev)
    service.decide(s, p.committee, app.id, decision="approved", reason="符合第1版规则全部准则")
    listing = s.query(Listing).filter(Listing.application_id == app.id).one()
    return app, listing
