"""The audit chain: written in the same transaction, and tampering is detected and named."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from tests import factories
from zhijian.platform import audit
from zhijian.platform.auth import Actor
from zhijian.platform.models import AuditRecord


def test_create_update_delete_are_recorded_with_before_and_after(db):
    actor = Actor(None, "tester", "regulator")
    with db.session(actor) as s:
        ent = factories.enterprise(s, name=f"审计测试{factories.uid()}公司")
        ent_id = ent.id
    from zhijian.catalog.schemas import OrganizationPatch
    from zhijian.catalog.service import delete_organization, update_organization
    from zhijian.platform.auth import SYSTEM

    with db.session(actor) as s:
        update_organization(s, actor, ent_id, OrganizationPatch(address="新地址 1 号"))
    with db.session(SYSTEM) as s:
        delete_organization(s, SYSTEM, ent_id)
    with db.session() as s:
        hist = audit.history(s, "organization", ent_id)
        assert [h.action for h in hist] == ["create", "update", "delete"]
        assert hist[0].actor == "regulator:tester" and hist[0].before is None
        assert hist[1].before["address"] == "" and hist[1].after["address"] == "新地址 1 号"
        assert hist[2].after is None and hist[2].before["id"] == ent_id


def test_failed_operation_leaves_no_audit_record(db):
    with db.session() as s:
        n = s.scalar(select(AuditRecord.seq).order_by(AuditRecord.seq.desc()).limit(1))
    with pytest.raises(RuntimeError), db.session() as s:
        factories.enterprise(s)
        raise RuntimeError("boom")
    with db.session() as s:
        assert s.scalar(select(AuditRecord.seq).order_by(AuditRecord.seq.desc()).limit(1)) == n


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])
def test_tampering_is_detected_and_named(fresh_db, backend):
    from tests.conftest import BACKENDS

    if backend not in BACKENDS:
        pytest.skip(f"{backend} not available")
    db = fresh_db(backend)
    with db.session() as s:
        for _ in range(5):
            factories.enterprise(s)
    with db.session() as s:
        assert audit.verify(s) == []
        seqs = list(s.scalars(select(AuditRecord.seq).order_by(AuditRecord.seq)))
    mid, last = seqs[len(seqs) // 2], seqs[-1]
    # 1. edit a record's content
    with db.session() as s:
        original = s.scalar(select(AuditRecord.actor).where(AuditRecord.seq == mid))
        s.execute(text("UPDATE audit_record SET actor = 'intruder' WHERE seq = :q"), {"q": mid})
    with db.session() as s:
        problems = audit.verify(s)
    assert [(p.seq, p.kind) for p in problems] == [(mid, "edited")]
    with db.session() as s:
        s.execute(text("UPDATE audit_record SET actor = :a WHERE seq = :q"), {"q": mid, "a": original})
        assert audit.verify(s) == []
    # 2. delete a record in the middle
    with db.session() as s:
        row = s.execute(select(AuditRecord.__table__).where(AuditRecord.seq == mid)).mappings().one()
        s.execute(text("DELETE FROM audit_record WHERE seq = :q"), {"q": mid})
    with db.session() as s:
        kinds = [(p.seq, p.kind) for p in audit.verify(s)]
    assert (mid, "deleted") in kinds
    # 3. insert a forged record at the end (after restoring the deleted one)
    with db.session() as s:
        s.execute(AuditRecord.__table__.insert().values(**dict(row)))
        assert audit.verify(s) == []
        forged = dict(row)
        forged.update(seq=last + 1, actor="forger", prev_hash="f" * 64, hash="e" * 64)
        s.execute(AuditRecord.__table__.insert().values(**forged))
    with db.session() as s:
        kinds = [(p.seq, p.kind) for p in audit.verify(s)]
    assert (last + 1, "inserted") in kinds
    # 4. delete the tail: the head still remembers it
    with db.session() as s:
        s.execute(text("DELETE FROM audit_record WHERE seq >= :q"), {"q": last})
    with db.session() as s:
        kinds = [p.kind for p in audit.verify(s)]
    assert kinds == ["tail_deleted"]


def test_audit_readers_are_offered_by_the_rooms_that_own_the_records():
    """`GET /api/v1/audit` asks the record's room (its contract `audit_readers()`, docs/CONTRACTS.md) who may read a
    record's history, instead of a table of module names in the platform: each kind is offered by one room, with
    that room's own read; a kind no room offers (a user account) has no reader, so only admins read it."""
    from zhijian.catalog import service as catalog
    from zhijian.consumer import service as consumer
    from zhijian.platform import rooms
    from zhijian.platform.api import audit_reader
    from zhijian.risk import service as risk
    from zhijian.spotcheck import service as spotcheck
    from zhijian.stable import service as stable

    expected = {"organization": catalog.get_organization, "product": catalog.get_product,
                "standard": catalog.get_standard, "complaint": consumer.get_complaint,
                "spotcheck_plan": spotcheck.get_plan, "spotcheck_batch": spotcheck.get_batch,
                "risk_signal": risk.get_signal, "risk_assessment": risk.get_assessment, "risk_alert": risk.get_alert,
                "risk_recall": risk.get_recall, "stable_application": stable.get_application,
                "stable_announcement": stable.get_announcement}
    offered = [k for room in rooms.ROOMS if (fn := rooms.offer(room, "audit_readers")) for k in fn()]
    assert sorted(offered) == sorted(expected)  # every kind once
    for kind, reader in expected.items():
        assert audit_reader(kind) is reader, kind
    assert audit_reader("user_account") is None


def test_a_regulator_reads_a_products_history_through_the_catalog_reader(client, db, login):
    with db.session() as s:
        product_id = factories.product(s).id
    q = {"entity": "product", "entity_id": str(product_id)}
    trail = client.get("/api/v1/audit", params=q, headers=login("regulator"))
    assert trail.status_code == 200 and [r["action"] for r in trail.json()] == ["create"]
    missing = client.get("/api/v1/audit", params={"entity": "product", "entity_id": "987654321"},
                         headers=login("regulator"))
    assert missing.status_code == 404 and missing.json()["code"] == "product.not_found"
