"""EPCIS capture prepares, validates and streams the events one by one (issue #23: on PostgreSQL the rows go in by
COPY while the next events are hashed, assuming none is stored yet). What a capture answers must not depend on it:
the error a document gets is the one a capture that validated everything first gave (schema before vocabulary,
validation before an invalid time, both before an eventID conflict), a failure past the first COPY chunk stores
nothing, and a document with some events stored already counts those as duplicates and stores the rest."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from sqlalchemy import func, select

from tests import factories
from zhijian.platform.auth import SYSTEM
from zhijian.platform.errors import DomainError
from zhijian.trace import epcis as E
from zhijian.trace import epcis_service
from zhijian.trace.epcis.rows import CHUNK
from zhijian.trace.models import EpcisEpc, EpcisEvent

N = 3 * CHUNK + 7  # several COPY chunks, the last one short


def _doc(uid: str, n: int = N) -> dict[str, Any]:
    evs = [{"type": "ObjectEvent", "eventTime": f"2026-03-01T08:{(i // 60) % 60:02d}:{i % 60:02d}Z",
            "eventTimeZoneOffset": "+08:00", "action": "ADD", "bizStep": "commissioning", "disposition": "active",
            "epcList": [f"https://id.gs1.org/01/06901234567892/21/{uid}{i}"]} for i in range(n)]
    return {"@context": [E.EPCIS_CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": "2026-03-01T00:00:00Z", "epcisBody": {"eventList": evs}}


def _stored(db, uid: str) -> int:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(EpcisEpc)
                        .where(EpcisEpc.epc.like(f"https://id.gs1.org/01/06901234567892/21/{uid}%"))) or 0


def _refusal(db, doc: dict[str, Any]) -> tuple[str, int, str]:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as err, db.session(SYSTEM) as s:
        epcis_service.capture(s, SYSTEM, doc)
    return err.value.code, err.value.status, err.value.message_en


def _set(doc: dict[str, Any], i: int, **fields: Any) -> None:
    doc["epcisBody"]["eventList"][i].update(fields)


def test_an_invalid_event_past_the_first_chunk_stores_nothing_and_gets_the_documents_error(db):
    uid = factories.uid()
    doc = _doc(uid)
    _set(doc, 2 * CHUNK + 3, action="NOPE")
    code, status, message = _refusal(db, doc)
    assert (code, status) == ("epcis.validation", 400)
    assert message.startswith("EPCIS document fails the standard's JSON schema: "
                              f"epcisBody/eventList/{2 * CHUNK + 3}/action: 'NOPE' is not one of")
    assert _stored(db, uid) == 0


@pytest.mark.parametrize(("faults", "expected"), [
    # a vocabulary error early, a schema error late: the schema is checked over every event first
    ({5: {"bizStep": "wrongword"}, 2 * CHUNK: {"action": "NOPE"}}, "fails the standard's JSON schema"),
    # an invalid time early, a vocabulary error late: validation comes before the times are parsed
    ({3: {"eventTime": "garbage"}, CHUNK + 1: {"disposition": "zzz"}}, "unknown vocabulary term: "
                                                                       f"eventList[{CHUNK + 1}].disposition"),
    # an eventID used twice early, an invalid time late: the times come before the conflict
    ({1: {"eventID": "urn:uuid:twice"}, 2: {"eventID": "urn:uuid:twice"}, 2 * CHUNK: {"eventTime": "x"}},
     "invalid date-time: x"),
])
def test_errors_keep_the_order_of_a_capture_that_checked_everything_first(db, faults, expected):
    uid = factories.uid()
    doc = _doc(uid)
    for i, fields in faults.items():
        _set(doc, i, **fields)
    code, status, message = _refusal(db, doc)
    assert (code, status) == ("epcis.validation", 400) and expected in message
    assert _stored(db, uid) == 0


def test_an_event_id_used_twice_in_the_document_is_409_after_every_event_is_checked(db):
    uid = factories.uid()
    doc = _doc(uid)
    _set(doc, 4, eventID=f"urn:uuid:{uid}")
    _set(doc, 3 * CHUNK + 2, eventID=f"urn:uuid:{uid}")
    assert _refusal(db, doc) == ("epcis.resource_already_exists", 409,
                                 f"eventID urn:uuid:{uid} is already used by an event with different content")
    assert _stored(db, uid) == 0


def test_an_event_id_stored_before_on_other_content_is_409_and_the_document_stores_nothing(db):
    uid = factories.uid()
    first = _doc(factories.uid(), 1)
    _set(first, 0, eventID=f"urn:uuid:{uid}")
    with db.session(SYSTEM) as s:
        assert epcis_service.capture(s, SYSTEM, first).captured == 1
    doc = _doc(uid)
    _set(doc, 2 * CHUNK + 5, eventID=f"urn:uuid:{uid}")
    assert _refusal(db, doc)[:2] == ("epcis.resource_already_exists", 409)
    assert _stored(db, uid) == 0


def test_a_document_partly_stored_already_counts_those_as_duplicates_and_stores_the_rest(db):
    uid = factories.uid()
    doc = _doc(uid)
    part = copy.deepcopy(doc)
    part["epcisBody"]["eventList"] = part["epcisBody"]["eventList"][CHUNK:CHUNK + 10]
    with db.session(SYSTEM) as s:
        assert epcis_service.capture(s, SYSTEM, part).captured == 10
    doc["epcisBody"]["eventList"].append(copy.deepcopy(doc["epcisBody"]["eventList"][0]))  # a repeat inside
    with db.session(SYSTEM) as s:
        job = epcis_service.capture(s, SYSTEM, doc)
        assert (job.captured, job.duplicates, job.success) == (N - 10, 11, True)
    assert _stored(db, uid) == N
    with db.session() as s:  # one row per event, its index rows with it
        ids = s.scalars(select(EpcisEvent.id).join(EpcisEpc, EpcisEpc.event_pk == EpcisEvent.id)
                        .where(EpcisEpc.epc.like(f"https://id.gs1.org/01/06901234567892/21/{uid}%"))).all()
        assert len(ids) == len(set(ids)) == N
