"""Who may do what in the trace room (one policy section, as every room has): issue codes (赋码), manage
them (作废/冻结/召回), see counterfeit signals (防伪预警) and trace a lot."""

from __future__ import annotations

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from zhijian.catalog.service import region_column, region_of
from zhijian.platform import jurisdiction
from zhijian.platform.auth import Actor
from zhijian.platform.errors import PermissionDenied
from zhijian.trace.models import Signal
from zhijian.trace.reads import REGION_KEYS


def can_issue(actor: Actor, enterprise_id: int) -> None:
    """Only the enterprise itself (or an admin) orders codes for its products."""
    if actor.role == "admin" or (actor.role == "enterprise" and actor.owns(enterprise_id)):
        return
    actor.require("admin", "enterprise")
    raise PermissionDenied("只能为本企业的产品赋码", "you may only issue codes for your own enterprise's products")


def can_manage_codes(session: Session, actor: Actor, enterprise_id: int) -> None:
    """Void / freeze / recall codes: the owning enterprise, admins, and regulators whose division holds the
    enterprise (属地管辖: a city bureau froze and recalled the codes of another province's brand owner)."""
    if actor.role == "admin" or (actor.role == "enterprise" and actor.owns(enterprise_id)):
        return
    if actor.role == "regulator":
        jurisdiction.ensure_covers(actor, region_of(session, enterprise_id), "企业", "enterprise")
        return
    actor.require("admin", "regulator", "enterprise")
    raise PermissionDenied("只能管理本企业的码", "you may only manage your own enterprise's codes")


def signal_scope(actor: Actor) -> int | None:
    """Signals: regulators/association/admin see all (None); an enterprise sees its own only."""
    if actor.is_staff:
        return None
    if actor.role == "enterprise" and actor.organization_id is not None:
        return actor.organization_id
    actor.require("admin", "regulator", "association", "enterprise")
    raise PermissionDenied("无权查看防伪预警", "you may not see counterfeit signals")


def signal_division_clause(actor: Actor) -> ColumnElement[bool] | None:
    """A regional regulator's signals (管辖): the brand owner's division or the scanning city its evidence names
    (a brand of another province counterfeited here is this bureau's too: 跨区域联合打假). None: no restriction."""
    cities = (Signal.evidence[k].as_string() for k in REGION_KEYS)
    return jurisdiction.region_clause(actor, region_column(Signal.enterprise_id), *cities)


def in_signal_division(session: Session, actor: Actor, sig: Signal) -> bool:
    """The same rule for one signal."""
    if jurisdiction.regional_prefix(actor) is None:
        return True
    cities = [str((sig.evidence or {}).get(k) or "") for k in REGION_KEYS]
    return jurisdiction.covers_any(actor, [region_of(session, sig.enterprise_id), *cities])


def can_see_lot(actor: Actor, enterprise_id: int | None) -> None:
    if actor.is_staff or actor.role == "inspector" or (enterprise_id is not None and actor.owns(enterprise_id)):
        return
    actor.require("admin", "regulator", "association", "inspector", "enterprise")
    raise PermissionDenied("只能查看本企业批次的追溯信息", "you may only trace your own enterprise's lots")
