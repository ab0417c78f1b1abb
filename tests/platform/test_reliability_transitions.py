"""Race-free state changes (issue 12 part 3): of N concurrent identical transitions exactly one succeeds.

Finding (issue 12): on PostgreSQL, 20 concurrent identical `POST /api/v1/complaints/{id}/transitions
{"to":"accepted"}` all answered 200 and wrote 20 events and 20 audit records — nothing locked the row.
Now the service locks it (`platform.db.lock_for_update`: SELECT … FOR UPDATE on PostgreSQL/MariaDB, the
BEGIN IMMEDIATE writer lock on SQLite) and re-reads the state, so the other 19 get 409 naming it.
Runs through a real HTTP server (uvicorn, requests in its thread pool) on every backend.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.platform.live import fire, live_server, token
from zhijian.consumer.models import ComplaintEvent
from zhijian.platform.models import AuditRecord

pytestmark = pytest.mark.xdist_group("reliability-transitions")
N = 20


def _audit_count(db, entity: str, entity_id: int) -> int:  # type: ignore[no-untyped-def]
    with db.session(write=False) as s:
        return s.scalar(select(func.count()).select_from(AuditRecord).where(
            AuditRecord.entity == entity, AuditRecord.entity_id == str(entity_id))) or 0


def test_concurrent_complaint_acceptance_once(app, db):
    with db.session() as s:
        p = factories.product(s)
        pid = p.id
        reg = factories.user(s, "regulator").username
    with live_server(app) as base:
        import httpx

        r = httpx.post(base + "/api/v1/complaints", timeout=60, json={
            "kind": "complaint", "complainant_name": "王丽", "complainant_phone": "13800001111",
            "complainant_address": "杭州市西湖区文三路1号", "product_id": pid,
            "facts": "电热水壶使用中底座冒烟，手被烫伤", "requests": ["refund"], "request_amount": 300})
        assert r.status_code == 201, r.text
        cid = r.json()["id"]
        auth = token(base, reg)
        audits_before = _audit_count(db, "complaint", cid)
        answers = fire(N, lambda c: c.post(f"/api/v1/complaints/{cid}/transitions", json={"to": "accepted"},
                                           headers=auth), base)
    codes = sorted(a.status_code for a in answers)
    assert codes == [200] + [409] * (N - 1), [a.text for a in answers if a.status_code not in (200, 409)][:2]
    refused = [a.json() for a in answers if a.status_code == 409]
    assert {(p["code"], p["current"], p["target"]) for p in refused} == {
        ("complaint.invalid_transition", "accepted", "accepted")}
    with db.session(write=False) as s:
        events = s.scalar(select(func.count()).select_from(ComplaintEvent).where(
            ComplaintEvent.complaint_id == cid, ComplaintEvent.to_state == "accepted"))
    assert events == 1
    assert _audit_count(db, "complaint", cid) - audits_before == 2  # the transition and its statutory clock


def test_lock_then_plain_read_sees_the_committed_state(db):
    """Why MariaDB let all 20 through: under InnoDB's REPEATABLE READ the snapshot is taken at the first plain
    SELECT (the token lookup); after ``FOR UPDATE`` a reload by ``session.get`` still read that snapshot.
    MariaDB connections now run READ COMMITTED and the locked object stays in the identity map."""
    import threading

    from zhijian.platform.db import lock_for_update
    from zhijian.platform.models import Job

    with db.session() as s:
        job = Job(name="reliability.probe", status="queued")
        s.add(job)
        s.flush()
        jid = job.id
    if db.backend in ("mysql", "mariadb"):
        with db.engine.connect() as c:
            assert c.exec_driver_sql("SELECT @@tx_isolation").scalar() == "READ-COMMITTED"
    if db.backend == "sqlite":
        return  # one writer at a time: the interleaving below cannot happen
    snapshot_taken, committed = threading.Event(), threading.Event()
    seen: list[str] = []

    def waiter() -> None:
        with db.session() as s:
            s.scalar(select(func.count()).select_from(Job))  # first plain read: the snapshot under REPEATABLE READ
            snapshot_taken.set()
            committed.wait(30)
            lock_for_update(s, Job, jid)
            seen.append(s.get(Job, jid).status)  # type: ignore[union-attr]
            seen.append(s.scalar(select(Job.status).where(Job.id == jid)) or "")

    t = threading.Thread(target=waiter)
    t.start()
    snapshot_taken.wait(30)
    with db.session() as s:
        lock_for_update(s, Job, jid).status = "running"
    committed.set()
    t.join(60)
    assert seen == ["running", "running"]
