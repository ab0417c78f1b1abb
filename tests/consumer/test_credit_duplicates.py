"""A duplicate penalty (same 处罚决定书文号) or listing is refused with a clean 409 inside a savepoint: the caller's
transaction stays usable (enforcement records the penalty while it publishes its decision), on every database."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests import factories
from zhijian.catalog.models import Organization
from zhijian.consumer import service
from zhijian.consumer.models import AdministrativePenalty, CreditListing
from zhijian.consumer.schemas import PenaltyIn
from zhijian.consumer.service.common import insert_once
from zhijian.platform.auth import SYSTEM
from zhijian.platform.errors import Conflict, DomainError


def _penalty(enterprise_id: int, no: str) -> PenaltyIn:
    return PenaltyIn(enterprise_id=enterprise_id, decision_no=no, decided_on=service.today(), severity="general")


def test_a_duplicate_penalty_or_listing_is_refused_and_the_transaction_goes_on(db):
    no = f"罚{factories.uid()}"
    with db.session(SYSTEM) as s:
        ent = factories.enterprise(s)
        service.add_penalty(s, SYSTEM, _penalty(ent.id, no))
        with pytest.raises(DomainError) as err:
            service.add_penalty(s, SYSTEM, _penalty(ent.id, no))
        assert (err.value.code, err.value.status, err.value.field) == ("consumer.penalty_duplicate", 409, "decision_no")
        service.add_listing(s, SYSTEM, enterprise_id=ent.id, kind="serious", listed_on=service.today(), decision_no=no)
        with pytest.raises(DomainError) as err:
            service.add_listing(s, SYSTEM, enterprise_id=ent.id, kind="serious", listed_on=service.today(),
                                decision_no=no)
        assert (err.value.code, err.value.status) == ("consumer.listing_duplicate", 409)
        # a duplicate that slips past the check (a concurrent insert): the unique 文号 fails in the savepoint only
        with pytest.raises(Conflict):
            insert_once(s, AdministrativePenalty(**_penalty(ent.id, no).model_dump()),
                        Conflict("consumer.penalty_duplicate", "重复", "duplicate"))
        after = factories.enterprise(s)  # the transaction is still usable
        ent_id, after_id = ent.id, after.id
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(AdministrativePenalty)
                        .where(AdministrativePenalty.decision_no == no)) == 1
        assert s.scalar(select(func.count()).select_from(CreditListing)
                        .where(CreditListing.enterprise_id == ent_id)) == 1
        assert s.get(Organization, after_id) is not None


def test_the_api_answers_409_for_a_duplicate_penalty(client, db, staff):
    with db.session(SYSTEM) as s:
        ent_id = factories.enterprise(s).id
    body = {"enterprise_id": ent_id, "decision_no": f"罚{factories.uid()}", "decided_on": service.today().isoformat(),
            "severity": "minor"}
    reg = staff("regulator")
    assert client.post("/api/v1/penalties", json=body, headers=reg).status_code == 201
    r = client.post("/api/v1/penalties", json=body, headers=reg)
    assert r.status_code == 409 and r.json()["code"] == "consumer.penalty_duplicate"
