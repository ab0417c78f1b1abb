"""Trace fixtures: an enterprise with a product and issued codes, made through the real services."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from tests import factories
from zhijian.platform.auth import SYSTEM
from zhijian.trace import service
from zhijian.trace.models import Code
from zhijian.trace.service import verification


@dataclass
class Lot:
    enterprise_id: int
    product_id: int
    gtin: str
    lot: str
    batch_id: int
    serials: list[str]


def issue_lot(db, quantity: int = 6, **kw) -> Lot:  # type: ignore[no-untyped-def]
    with db.session(SYSTEM) as s:
        ent = factories.enterprise(s, region="330106")
        p = factories.product(s, ent, gtin=factories.new_gtin(), name="纯牛奶250mL")
        lot = "L" + factories.uid()[:6].upper()
        req = service.IssueRequest(product_id=p.id, lot=lot, quantity=quantity, **kw)
        batch = service.issue_codes(s, SYSTEM, req, host="id.zhijian.example")
        serials = sorted(s.scalars(select(Code.serial).where(Code.gtin == batch.gtin, Code.lot == batch.lot)))
        return Lot(ent.id, p.id, batch.gtin, lot, batch.id, serials)


@pytest.fixture
def lot(db) -> Lot:  # type: ignore[no-untyped-def]
    return issue_lot(db, sales_regions=["330000"], freeze_threshold=3)


@pytest.fixture(autouse=True)
def fresh_guard(monkeypatch: pytest.MonkeyPatch) -> service.EnumerationGuard:
    """Each test starts with an empty enumeration counter (all TestClient requests share one address)."""
    guard = service.EnumerationGuard(limit=20, window_seconds=600)
    monkeypatch.setattr(verification, "GUARD", guard)  # where verify_steps reads it (service re-exports it)
    monkeypatch.setattr(service, "GUARD", guard)
    return guard


@pytest.fixture(scope="session")
def admin_token(db) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """One admin bearer token per database (argon2 hashing per test would dominate the EPCIS tests)."""
    from tests import factories
    from zhijian.platform.auth import issue_token

    with db.session() as s:
        user = factories.user(s, "admin")
        token, _row, _u = issue_token(s, user.username, "correct horse 1", 60)
    return {"Authorization": f"Bearer {token}"}
