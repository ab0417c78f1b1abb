"""Race-free recalls (issue 12 part 3): 20 concurrent identical `POST /api/v1/trace/recalls` for one lot.

The contract of `trace.service.mark_lot_recalled` is "idempotent per recall_ref": a repeat answers 201 with
`changed: 0`. Concurrent repeats must behave the same as sequential ones. Before, on PostgreSQL and MariaDB
they all read "no recall yet", all inserted one, and 19 of 20 failed on the unique key (409 db.conflict).
Now the service locks the lot's code batches first (SELECT … FOR UPDATE), so they run one after another:
one recall record, the lot's codes marked once, every answer 201 and the changed counts summing to the lot.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.platform.live import fire, live_server, token
from tests.trace.conftest import issue_lot
from zhijian.trace.models import Code, Recall

pytestmark = pytest.mark.xdist_group("reliability-transitions")
N = 20


def test_concurrent_identical_recalls_mark_the_lot_once(app, db):
    lot = issue_lot(db, quantity=30)
    with db.session() as s:
        admin = factories.user(s, "admin").username
    body = {"gtin": lot.gtin, "lot": lot.lot, "recall_ref": f"召回-{lot.lot}", "reason": "菌落总数超标",
            "risk_level": "II"}
    with live_server(app) as base:
        auth = token(base, admin)
        answers = fire(N, lambda c: c.post("/api/v1/trace/recalls", json=body, headers=auth), base)
    codes = sorted(a.status_code for a in answers)
    assert codes == [201] * N, [a.text[:200] for a in answers if a.status_code != 201][:3]
    changed = sorted(a.json()["changed"] for a in answers)
    assert changed == [0] * (N - 1) + [30]
    with db.session(write=False) as s:
        assert s.scalar(select(func.count()).select_from(Recall).where(Recall.gtin == lot.gtin,
                                                                        Recall.lot == lot.lot)) == 1
        assert s.scalar(select(func.count()).select_from(Code).where(
            Code.gtin == lot.gtin, Code.lot == lot.lot, Code.status == "recalled")) == 30


def test_concurrent_signal_confirmations_audit_one_change(app, db):
    """防伪预警: 20 concurrent `PATCH /api/v1/trace/signals/{id} {"status": "confirmed"}`. Before, on
    PostgreSQL and MariaDB each read "open" and the audit trail recorded twenty open → confirmed changes;
    now the signal is locked (platform.db.lock_for_update): one change open → confirmed, the rest see it."""
    from zhijian.platform.models import AuditRecord
    from zhijian.trace.models import Signal

    with db.session() as s:
        sig = Signal(kind="counterfeit", gtin="06901234567892", serial="S" + factories.uid()[:8],
                     evidence={"scans": 3})
        s.add(sig)
        s.flush()
        sid = sig.id
        admin = factories.user(s, "admin").username
    with live_server(app) as base:
        auth = token(base, admin)
        answers = fire(N, lambda c: c.patch(f"/api/v1/trace/signals/{sid}", json={"status": "confirmed"},
                                            headers=auth), base)
    assert sorted(a.status_code for a in answers) == [200] * N, [a.text[:200] for a in answers][:2]
    with db.session(write=False) as s:
        befores = [r.before for r in s.scalars(select(AuditRecord).where(
            AuditRecord.entity == "trace_signal", AuditRecord.entity_id == str(sid)))]
    assert [b for b in befores if b == {"status": "open"}] == [{"status": "open"}], befores[:3]
