"""What every sub-room's service shares: who the secretariat is, the day in China (协会 dates are Beijing dates,
not UTC ones) and the row locked for a write or a 404 (``NotFound``), so that each service writes only its own
checks."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from zhijian.platform.auth import Actor
from zhijian.platform.db import lock_for_update
from zhijian.platform.errors import NotFound

CHINA = ZoneInfo("Asia/Shanghai")
T = TypeVar("T")


def is_secretariat(actor: Actor) -> bool:
    """The 协会秘书处 (or an admin): sees every record and runs every workflow."""
    return actor.role in ("admin", "association")


def require_secretariat(actor: Actor) -> None:
    """Only the 协会秘书处 (or an admin) may do this (403 otherwise)."""
    actor.require("association")


def today() -> dt.date:
    """Today in Beijing (a form filled in at 07:00 in Hangzhou is dated that day, not the UTC day before)."""
    return dt.datetime.now(CHINA).date()


def locked(session: Session, model: type[T], ident: Any, entity: str) -> T:
    """The row ``model[ident]`` locked until the end of the transaction (platform.db.lock_for_update), or
    ``NotFound(entity, ident)``."""
    obj: T | None = lock_for_update(session, model, ident)
    if obj is None:
        raise NotFound(entity, ident)
    return obj


def fetched(session: Session, model: type[T], ident: Any, entity: str, *, lock: bool = False) -> T:
    """The row ``model[ident]`` (locked with ``lock``), or ``NotFound(entity, ident)``."""
    if lock:
        return locked(session, model, ident, entity)
    obj = session.get(model, ident)
    if obj is None:
        raise NotFound(entity, ident)
    return obj


def fetched_by(session: Session, model: type[T], column: InstrumentedAttribute[Any], value: Any, entity: str, *,
               lock: bool = False) -> T:
    """The row of ``model`` whose unique ``column`` (a code, a certificate number) is ``value`` (locked with
    ``lock``), or ``NotFound(entity, value)``."""
    obj = session.scalar(select(model).where(column == value))
    if obj is None:
        raise NotFound(entity, value)
    return locked(session, model, obj.id, entity) if lock else obj  # type: ignore[attr-defined]
