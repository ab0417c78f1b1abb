"""Idempotency-Key on the POSTs that create (issue 12 part 3): a retried request returns the first answer and
writes nothing new; the same key with another body is 422; concurrent requests with one key run it once.

Semantics checked against draft-ietf-httpapi-idempotency-key-header-06 §2.6/§2.7 (422 for a key reused with
a different payload, 409 while the first request is in flight) — through the real app on every backend.
Finding (issue 12): without a key a retried capture creates a second capture job (tests/trace/test_epcis.py
shows the repeat as a new job with duplicateEvents == 6); with the key it is now the first job, replayed.
"""

from __future__ import annotations

import hashlib
import io
import threading
import uuid

import httpx
import pytest
from sqlalchemy import func, select

from tests import factories
from tests.platform.live import fire, live_server, token
from zhijian.consumer.models import Certificate, Complaint
from zhijian.platform.auth import SYSTEM
from zhijian.platform.errors import DomainError
from zhijian.platform.idempotency import MAX_KEY_LENGTH, REPLAYED_HEADER, claim, fingerprint, key_digest
from zhijian.platform.models import IdempotencyRecord
from zhijian.trace import epcis as E
from zhijian.trace.models import CaptureJob, CodeBatch, EpcisEvent

LD = {"content-type": "application/ld+json"}


def _doc(uid: str, n: int = 3) -> dict:
    events = [{"type": "ObjectEvent", "eventTime": f"2026-03-01T08:{i % 60:02d}:00+08:00",
               "eventTimeZoneOffset": "+08:00", "action": "OBSERVE", "bizStep": "shipping",
               "epcList": [f"urn:epc:id:sgtin:6901234.000123.{uid}{i}"],
               "readPoint": {"id": "urn:epc:id:sgln:6901234.00001.0"}} for i in range(n)]
    return {"@context": [E.EPCIS_CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": "2026-03-15T00:00:00Z", "epcisBody": {"eventList": events}}


def _count(db, model, *where) -> int:  # type: ignore[no-untyped-def]
    with db.session(write=False) as s:
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _events_of(db, uid: str) -> int:  # type: ignore[no-untyped-def]
    """Events stored whose document names one of the EPCs of `_doc(uid)`."""
    with db.session(write=False) as s:
        docs = s.scalars(select(EpcisEvent.doc).where(EpcisEvent.event_type == "ObjectEvent",
                                                      EpcisEvent.biz_step.like("%shipping"))).all()
    return sum(1 for d in docs if any(f".000123.{uid}" in e for e in d.get("epcList", [])))


def _key() -> str:
    return str(uuid.uuid4())


def test_retried_capture_is_replayed_and_writes_once(client, db, login):
    admin = {**login("admin"), **LD}
    uid = uuid.uuid4().hex[:10]
    doc, key = _doc(uid), _key()
    jobs_before = _count(db, CaptureJob)
    first = client.post("/epcis/capture", json=doc, headers={**admin, "Idempotency-Key": key})
    assert first.status_code == 202, first.text
    assert REPLAYED_HEADER not in first.headers and first.json()["capturedEvents"] == 3, first.text
    assert _count(db, CaptureJob) == jobs_before + 1 and _events_of(db, uid) == 3
    again = client.post("/epcis/capture", json=doc, headers={**admin, "Idempotency-Key": key})
    assert again.status_code == 202 and again.headers[REPLAYED_HEADER] == "true"
    assert again.json() == first.json() and again.headers["location"] == first.headers["location"]
    assert again.headers["GS1-EPCIS-Version"] == first.headers["GS1-EPCIS-Version"]
    assert _count(db, CaptureJob) == jobs_before + 1 and _events_of(db, uid) == 3  # nothing new written
    # the same body without a key is a new capture (the finding): a second job, its events duplicates
    plain = client.post("/epcis/capture", json=doc, headers=admin)
    assert plain.status_code == 202 and plain.json()["captureID"] != first.json()["captureID"]
    assert _count(db, CaptureJob) == jobs_before + 2


def test_single_event_capture_replayed(client, db, login):
    admin = {**login("admin"), **LD}
    uid = uuid.uuid4().hex[:10]
    ev = {**_doc(uid, 1)["epcisBody"]["eventList"][0], "@context": [E.EPCIS_CONTEXT]}
    key = _key()
    first = client.post("/epcis/events", json=ev, headers={**admin, "Idempotency-Key": key})
    assert first.status_code == 201, first.text
    again = client.post("/epcis/events", json=ev, headers={**admin, "Idempotency-Key": key})
    assert (again.status_code, again.headers[REPLAYED_HEADER]) == (201, "true")
    assert again.headers["location"] == first.headers["location"] and again.json() == first.json()
    assert _count(db, EpcisEvent, EpcisEvent.event_id == first.json()["eventID"]) == 1


def test_same_key_other_body_is_422_and_writes_nothing(client, db, login):
    admin = {**login("admin"), **LD}
    key = _key()
    a, b = uuid.uuid4().hex[:10], uuid.uuid4().hex[:10]
    assert client.post("/epcis/capture", json=_doc(a), headers={**admin, "Idempotency-Key": key}).status_code == 202
    jobs = _count(db, CaptureJob)
    r = client.post("/epcis/capture", json=_doc(b), headers={**admin, "Idempotency-Key": key})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert (r.json()["code"], r.json()["field"]) == ("idempotency.key_reused", "Idempotency-Key")
    assert _count(db, CaptureJob) == jobs and _events_of(db, b) == 0
    # the same key on another endpoint is another request too
    other = client.post("/epcis/events", json=_doc(a, 1)["epcisBody"]["eventList"][0],
                        headers={**admin, "Idempotency-Key": key})
    assert other.status_code == 422 and other.json()["code"] == "idempotency.key_reused"


@pytest.mark.parametrize("bad", [b"", b"x" * (MAX_KEY_LENGTH + 1), "幂等键".encode(), b"a b"])
def test_bad_key_is_400_naming_the_header(client, bad):
    r = client.post("/api/v1/complaints", json={}, headers={"Idempotency-Key": bad})
    assert r.status_code == 400, r.text
    assert (r.json()["code"], r.json()["field"]) == ("idempotency.key_invalid", "Idempotency-Key")


def _complaint(pid: int, facts: str) -> dict:
    return {"kind": "complaint", "complainant_name": "王丽", "complainant_phone": "13800001111",
            "complainant_address": "杭州市西湖区文三路1号", "product_id": pid, "facts": facts,
            "requests": ["refund"], "request_amount": 300}


def test_complaint_creation_replayed_per_actor(client, db, login):
    with db.session() as s:
        pid = factories.product(s).id
    facts = f"电热水壶底座冒烟 {uuid.uuid4().hex[:8]}"
    key = "order-2026-0001"  # a plain, guessable key: scoped per actor, it collides with no one
    first = client.post("/api/v1/complaints", json=_complaint(pid, facts), headers={"Idempotency-Key": key})
    assert first.status_code == 201, first.text
    again = client.post("/api/v1/complaints", json=_complaint(pid, facts), headers={"Idempotency-Key": f'"{key}"'})
    assert again.status_code == 201 and again.headers[REPLAYED_HEADER] == "true"
    assert again.json()["tracking_no"] == first.json()["tracking_no"]
    assert again.json()["check_code"] == first.json()["check_code"]
    assert _count(db, Complaint, Complaint.facts == facts) == 1
    # the kept answer carries the check code (stored hashed in the complaint): it is kept encrypted under a
    # key derived from the Idempotency-Key, which itself is not stored
    key_hash = key_digest("test-secret", "anon:testclient", key)
    with db.session(write=False) as s:
        rec = s.scalar(select(IdempotencyRecord).where(IdempotencyRecord.key_hash == key_hash))
        assert rec is not None and rec.status == "done" and rec.response_status == 201
        assert rec.key_hash != hashlib.sha256(f"anon:testclient\n{key}".encode()).hexdigest()  # keyed (HMAC)
        stored = b"".join(str(getattr(rec, c.key)).encode() for c in IdempotencyRecord.__table__.columns
                          if c.key != "response_body") + (rec.response_body or b"")
    assert first.json()["check_code"].encode() not in stored and key.encode() not in stored
    assert first.json()["tracking_no"].encode() not in (rec.response_body or b"")
    # two logged-in users with the same key and body: two complaints, neither sees the other's answer
    u1, u2 = login("public"), login("public")
    facts2 = facts + " 二"
    r1 = client.post("/api/v1/complaints", json=_complaint(pid, facts2), headers={**u1, "Idempotency-Key": key})
    r2 = client.post("/api/v1/complaints", json=_complaint(pid, facts2), headers={**u2, "Idempotency-Key": key})
    assert (r1.status_code, r2.status_code) == (201, 201), (r1.text, r2.text)
    assert REPLAYED_HEADER not in r2.headers and r1.json()["tracking_no"] != r2.json()["tracking_no"]
    assert _count(db, Complaint, Complaint.facts == facts2) == 2


def test_code_issuance_replayed(client, db, login):
    with db.session() as s:
        ent = factories.enterprise(s)
        pid = factories.product(s, ent, gtin=factories.new_gtin()).id
    admin = login("admin")
    lot = "L" + uuid.uuid4().hex[:8].upper()
    body = {"product_id": pid, "lot": lot, "quantity": 25}
    key = _key()
    first = client.post("/api/v1/trace/batches", json=body, headers={**admin, "Idempotency-Key": key})
    assert first.status_code == 201, first.text
    again = client.post("/api/v1/trace/batches", json=body, headers={**admin, "Idempotency-Key": key})
    assert again.status_code == 201 and again.headers[REPLAYED_HEADER] == "true"
    assert again.json() == first.json()
    assert _count(db, CodeBatch, CodeBatch.lot == lot) == 1


def test_certificate_import_replayed_although_the_multipart_boundary_changes(client, db, login):
    from tests.consumer.test_credit_certs import _body, _csv

    with db.session(SYSTEM) as s:
        ent = factories.enterprise(s)
        body = _body(s, "中国质量认证中心")
        name, uscc = ent.name, ent.uscc
    n = f"20240107{uuid.uuid4().int % 10**8:08d}"
    data = _csv([[n, "CCC", name, uscc, "电热水壶", "电热水壶 MK-1", body, "2024-03-01", "2029-02-28", "有效"]])
    assoc = login("association")
    key = _key()
    first = client.post("/api/v1/certificates/import", files={"file": ("certs.csv", io.BytesIO(data), "text/csv")},
                        headers={**assoc, "Idempotency-Key": key})
    assert first.status_code == 200 and first.json() == {"rows": 1, "created": 1, "updated": 0}, first.text
    again = client.post("/api/v1/certificates/import", files={"file": ("certs.csv", io.BytesIO(data), "text/csv")},
                        headers={**assoc, "Idempotency-Key": key})
    assert again.headers[REPLAYED_HEADER] == "true" and again.json() == {"rows": 1, "created": 1, "updated": 0}
    assert _count(db, Certificate, Certificate.number == n) == 1
    other = data.replace(b"MK-1", b"MK-2")
    r = client.post("/api/v1/certificates/import", files={"file": ("certs.csv", io.BytesIO(other), "text/csv")},
                    headers={**assoc, "Idempotency-Key": key})
    assert r.status_code == 422 and r.json()["code"] == "idempotency.key_reused"


def test_every_create_endpoint_documents_the_header(app):
    spec = app.openapi()
    for path in ("/epcis/capture", "/epcis/events", "/api/v1/trace/batches", "/api/v1/complaints",
                 "/api/v1/certificates/import", "/api/v1/spotcheck/results/import"):
        names = [p["name"] for p in spec["paths"][path]["post"].get("parameters", [])]
        assert "Idempotency-Key" in names, path


def test_failed_request_keeps_no_key(client, db, login):
    """A request that fails (here: 422, no product) rolls its claim back with its work: the key is free."""
    key = _key()
    bad = client.post("/api/v1/complaints", json={"kind": "complaint"}, headers={"Idempotency-Key": key})
    assert bad.status_code == 422
    key_hash = key_digest("test-secret", "anon:testclient", key)
    assert _count(db, IdempotencyRecord, IdempotencyRecord.key_hash == key_hash) == 0
    again = client.post("/api/v1/complaints", json={"kind": "complaint"}, headers={"Idempotency-Key": key})
    assert again.status_code == 422 and REPLAYED_HEADER not in again.headers  # ran again, not replayed


def _claim(s, key: str, body: str = "b"):  # type: ignore[no-untyped-def]
    return claim(s, scope="user:424242", key=key, method="POST", path="/x",
                 request_hash=fingerprint("POST", "/x", "", body))


def test_killed_request_leaves_the_key_free_and_expired_keys_are_replaced(db):
    """Crash safety: the claim lives in the request's transaction, so a request that never commits (killed,
    failed) leaves nothing behind and the retry runs — once."""
    import datetime as dt

    from sqlalchemy import update

    key = _key()
    with pytest.raises(RuntimeError):
        with db.session() as s:
            _claim(s, key)
            raise RuntimeError("killed")
    with db.session() as s:
        c = _claim(s, key)
        assert not hasattr(c, "status_code")  # a claim, not a replay
        s.execute(update(IdempotencyRecord).where(IdempotencyRecord.id == c.record.id).values(
            status="done", response_status=201, response_body=b"{}",
            expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    with db.session() as s:  # 24 h later the key starts afresh, even with another body
        c = _claim(s, key, body="other")
        assert not hasattr(c, "status_code")


def test_concurrent_uncommitted_claim_is_409_in_progress(db):
    """PostgreSQL/MariaDB: a second claim of a key whose first request is still running waits a bounded
    time on the unique index and answers 409 idempotency.in_progress (SQLite serialises writers instead)."""
    if db.backend == "sqlite":
        pytest.skip("SQLite writers are serialised (BEGIN IMMEDIATE): the second request waits, then replays")
    key = _key()
    claimed, done = threading.Event(), threading.Event()
    errors: list[DomainError] = []

    def first() -> None:
        try:
            with db.session() as s:
                _claim(s, key)
                claimed.set()
                done.wait(30)
                raise RuntimeError("never committed")
        except RuntimeError:
            pass

    t = threading.Thread(target=first)
    t.start()
    claimed.wait(30)
    try:
        with db.session() as s:
            _claim(s, key)
    except DomainError as exc:
        errors.append(exc)
    finally:
        done.set()
        t.join(30)
    assert [(e.code, e.status, e.extra.get("retry_after")) for e in errors] == [("idempotency.in_progress", 409, 1)]
    with db.session() as s:  # the first rolled back: the key is free again
        assert not hasattr(_claim(s, key), "status_code")


N = 20


def test_concurrent_same_key_capture_runs_once(app, db):
    """20 concurrent identical captures with one key through a real server: one runs, the others get its
    answer (replay) or 409 in_progress; one capture job and the document's events stored once."""
    with db.session() as s:
        admin = factories.user(s, "admin").username
    uid = uuid.uuid4().hex[:10]
    doc, key = _doc(uid, 40), _key()
    jobs_before = _count(db, CaptureJob)
    with live_server(app) as base:
        auth = {**token(base, admin), **LD, "Idempotency-Key": key}
        answers = fire(N, lambda c: c.post("/epcis/capture", json=doc, headers=auth), base)
        after = httpx.post(base + "/epcis/capture", json=doc, headers=auth, timeout=60)
    ran = [a for a in answers if a.status_code == 202 and REPLAYED_HEADER not in a.headers]
    replayed = [a for a in answers if a.status_code == 202 and a.headers.get(REPLAYED_HEADER) == "true"]
    busy = [a for a in answers if a.status_code == 409]
    assert len(ran) == 1, [(a.status_code, a.text[:200]) for a in answers]
    assert len(ran) + len(replayed) + len(busy) == N, [a.text[:200] for a in answers if a.status_code not in (202, 409)]
    assert {a.json()["code"] for a in busy} <= {"idempotency.in_progress"}
    assert all(a.headers["retry-after"] == "1" for a in busy)
    assert {a.json()["captureID"] for a in replayed} <= {ran[0].json()["captureID"]}
    assert after.headers[REPLAYED_HEADER] == "true" and after.json() == ran[0].json()
    assert _count(db, CaptureJob) == jobs_before + 1
    assert _events_of(db, uid) == 40


def test_hourly_purge_forgets_expired_keys(db):
    import datetime as dt

    from zhijian.platform.jobs import registered

    now = dt.datetime.now(dt.UTC)
    with db.session() as s:
        rows = [IdempotencyRecord(key_hash=hashlib.sha256(_key().encode()).hexdigest(), scope="user:1", method="POST",
                                  path="/x", request_hash="0" * 64, status="done", expires_at=now + delta)
                for delta in (dt.timedelta(hours=-1), dt.timedelta(hours=23))]
        s.add_all(rows)
        s.flush()
        old_id, live_id = rows[0].id, rows[1].id
    result = registered()["platform.idempotency_purge"](db)  # the job the scheduler runs every hour
    assert result["deleted"] >= 1
    with db.session(write=False) as s:
        assert s.get(IdempotencyRecord, old_id) is None and s.get(IdempotencyRecord, live_id) is not None
