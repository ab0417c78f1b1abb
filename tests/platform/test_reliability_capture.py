"""Race-free EPCIS capture (issue 12 part 3): 20 concurrent identical captures, no Idempotency-Key.

A repeated capture is answered 202 with the events counted as duplicates (stored once: GS1 EPCIS 2.0 §8.2.8,
the repository keeps one event per eventID/hash ID). Concurrent repeats must get the same answer. Before, on
PostgreSQL and MariaDB they all found "not stored yet", all inserted, and all but one failed on the unique
key (409 db.conflict); now the store retries once when another capture committed the same events first.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.platform.live import fire, live_server, token
from tests.platform.test_idempotency import LD, _doc, _events_of
from zhijian.trace.models import CaptureJob

pytestmark = pytest.mark.xdist_group("reliability-transitions")
N = 20


def test_concurrent_identical_captures_store_the_events_once(app, db):
    with db.session() as s:
        admin = factories.user(s, "admin").username
    uid = uuid.uuid4().hex[:10]
    doc = _doc(uid, 25)
    with db.session(write=False) as s:
        jobs_before = s.scalar(select(func.count()).select_from(CaptureJob)) or 0
    with live_server(app) as base:
        auth = {**token(base, admin), **LD}
        answers = fire(N, lambda c: c.post("/epcis/capture", json=doc, headers=auth), base)
    assert sorted(a.status_code for a in answers) == [202] * N, [a.text[:200] for a in answers
                                                                 if a.status_code != 202][:3]
    counts = sorted((a.json()["capturedEvents"], a.json()["duplicateEvents"]) for a in answers)
    assert sum(c for c, _d in counts) == 25 and all(c + d == 25 for c, d in counts), counts
    assert _events_of(db, uid) == 25
    with db.session(write=False) as s:
        assert (s.scalar(select(func.count()).select_from(CaptureJob)) or 0) == jobs_before + N
