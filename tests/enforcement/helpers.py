"""Unique organs, officers and cases made through the real service."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy.orm import Session

from tests import factories
from zhijian.catalog.models import Organization
from zhijian.enforcement import procedure, service
from zhijian.enforcement.models import Case
from zhijian.enforcement.schemas import FactsIn, FileIn, NotifyIn, OfficerIn, ReviewIn
from zhijian.platform.auth import Actor

_rng = random.Random()


def organ(s: Session, region: str = "330100", level: str = "municipal", name: str | None = None) -> Organization:
    org = factories.regulator(s, level, region)
    if name:
        org.name = name
        s.flush()
    return org


def actor_for(org: Organization) -> Actor:
    from zhijian.platform.jurisdiction import prefix_for

    return Actor(None, f"officer-{org.id}", "regulator", org.id, prefix_for(org.region_code, org.level))


def officers(s: Session, org: Organization, n: int = 2) -> list[str]:
    out = []
    for i in range(n):
        cert = f"{org.region_code}{_rng.randrange(10**8):08d}"
        service.register_officer(s, actor_for(org), OfficerIn(name=f"执法员{i + 1}号", cert_no=cert))
        out.append(cert)
    return out


def open_case(s: Session, org: Organization, certs: list[str], *, party: Organization | None = None,
              on: dt.date = dt.date(2026, 3, 2), violation: str = "PQL-49") -> Case:
    party = party or factories.enterprise(s, region=org.region_code[:4] + "06")
    return procedure.file_case(s, actor_for(org), FileIn(party_id=party.id, title="销售不合格电热毯案", approver="局长 王某",
                                                         officers=certs, on=on, violation_code=violation,
                                                         facts_text="当事人销售的电热毯经监督抽查不合格"))


def to_notice(s: Session, org: Organization, certs: list[str], case: Case, *, goods_value: int = 20000,
              fine: int = 30000, served_on: dt.date = dt.date(2026, 3, 20)) -> Case:
    a = actor_for(org)
    procedure.submit_review(s, a, case.id, ReviewIn(officers=certs, on=served_on - dt.timedelta(days=3),
                                                    violation_code="PQL-49",
                                                    facts=FactsIn(goods_value=goods_value), proposed_fine=fine))
    return procedure.notify(s, a, case.id, NotifyIn(officers=certs, served_on=served_on))
