"""Who reads and captures which EPCIS events (EPCIS 事件的读写范围): an organisation's own, a regulator's
division (管辖), or all — one place for the repository's policy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, literal, select
from sqlalchemy.orm import Session

from zhijian.platform import jurisdiction
from zhijian.platform.auth import Actor
from zhijian.platform.errors import PermissionDenied


def capture_owner(actor: Actor) -> int | None:
    """Who may capture: enterprises, inspectors (sampling) and staff; events belong to the actor's organisation."""
    actor.require("admin", "regulator", "association", "inspector", "enterprise")
    return actor.organization_id


@dataclass(frozen=True)
class ReadScope:
    """Whose events an actor reads: one organisation's (enterprises, labs), or those captured by organisations
    in a regulator's division (管辖, GB/T 2260 prefix). None instead of a scope means every event."""

    owner_id: int | None = None
    region_prefix: str | None = None

    def clause(self, column: Any) -> ColumnElement[bool]:
        if self.owner_id is not None:
            return column == self.owner_id  # type: ignore[no-any-return]
        from zhijian.catalog.models import Organization

        if self.region_prefix in (None, jurisdiction.NONE):
            return literal(False)
        return column.in_(select(Organization.id).where(  # type: ignore[no-any-return]
            Organization.region_code.like(f"{self.region_prefix}%")))

    def allows(self, session: Session, owner_id: int | None) -> bool:
        if self.owner_id is not None:
            return owner_id == self.owner_id
        if owner_id is None or self.region_prefix in (None, jurisdiction.NONE):
            return False
        from zhijian.catalog.service import region_of

        region = region_of(session, owner_id)
        return bool(region) and str(region).startswith(str(self.region_prefix))


def read_scope(actor: Actor, *, tracing: bool = False) -> ReadScope | None:
    """Admins, the association (it runs 防伪溯源) and national regulators read every event (None); a regional
    regulator reads the events captured in its division — and, when tracing one unit (`tracing`), its whole chain
    of custody, which crosses divisions by nature (跨区域联合打假); others read their organisation's events."""
    if actor.role in ("admin", "association"):
        return None
    if actor.role == "regulator":
        prefix = jurisdiction.regional_prefix(actor)
        return None if prefix is None or tracing else ReadScope(region_prefix=prefix)
    actor.require("admin", "regulator", "association", "inspector", "enterprise")
    if actor.organization_id is None:
        raise PermissionDenied("账号未关联单位，不能查询 EPCIS 事件", "your account has no organisation")
    return ReadScope(owner_id=actor.organization_id)
