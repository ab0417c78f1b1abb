"""MAC keys (密钥) per enterprise, rotating, and the cached lookup of a GTIN's keys that every scan starts with."""

from __future__ import annotations

import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.platform import audit
from zhijian.platform.auth import Actor
from zhijian.platform.crud import flush
from zhijian.platform.errors import DomainError
from zhijian.trace import rules
from zhijian.trace.models import (
    CodeBatch,
    MacKey,
)
from zhijian.trace.service.cache import (
    _CACHE_TTL,
    _KEY_RELOAD_SECONDS,
    _NEGATIVE_TTL,
    _cache_lock,
    _key_cache,
    _key_reloaded,
    invalidate_caches,
)
from zhijian.trace.service.policy import can_issue


def active_key(session: Session, enterprise_id: int) -> MacKey:
    """The enterprise's current MAC key, created on first use (version 0)."""
    key = session.scalar(select(MacKey).where(MacKey.enterprise_id == enterprise_id, MacKey.active.is_(True))
                         .order_by(MacKey.version.desc()).limit(1))
    if key is None:
        key = MacKey(enterprise_id=enterprise_id, version=0, secret=rules.new_key(), active=True)
        session.add(key)
        flush(session, "mac_key")
    return key


def rotate_key(session: Session, actor: Actor, enterprise_id: int) -> MacKey:
    """密钥轮换 — new codes use a new key; codes under older keys still verify."""
    can_issue(actor, enterprise_id)
    current = active_key(session, enterprise_id)
    if current.version >= rules.MAX_KEY_VERSION:
        raise DomainError("trace.key_versions_exhausted", "密钥版本已用尽（最多 32 个）", "all 32 key versions are used")
    current.active = False
    key = MacKey(enterprise_id=enterprise_id, version=current.version + 1, secret=rules.new_key(), active=True)
    session.add(key)
    flush(session, "mac_key")
    audit.record(session, "rotate", "trace_mac_key", enterprise_id, {"version": current.version},
                 {"version": key.version})
    invalidate_caches()
    return key


def keys_for_gtin(session: Session, gtin: str, *, fresh: bool = False) -> tuple[int, dict[int, str]] | None:
    """(enterprise_id, {version: key}) of the enterprise that issued codes under this GTIN (cached)."""
    now = time.monotonic()
    hit = None if fresh else _key_cache.get(gtin)
    if hit and hit[0] > now:
        return hit[1]
    ent = session.scalar(select(CodeBatch.enterprise_id).where(CodeBatch.gtin == gtin).limit(1))
    value: tuple[int, dict[int, str]] | None = None
    if ent is not None:
        keys = {k.version: k.secret for k in session.scalars(select(MacKey).where(MacKey.enterprise_id == ent))}
        value = (ent, keys)
    store_keys(gtin, value, now)
    return value


def store_keys(gtin: str, value: tuple[int, dict[int, str]] | None, now: float | None = None) -> None:
    now = time.monotonic() if now is None else now
    with _cache_lock:
        _key_cache[gtin] = (now + (_CACHE_TTL if value is not None else _NEGATIVE_TTL), value)


def cached_keys(gtin: str) -> tuple[bool, tuple[int, dict[int, str]] | None]:
    """(warm, value) from the key cache without any I/O (the async path's first look)."""
    hit = _key_cache.get(gtin)
    if hit and hit[0] > time.monotonic():
        return True, hit[1]
    return False, None


def _may_reload_keys(gtin: str) -> bool:
    now = time.monotonic()
    if _key_reloaded.get(gtin, 0.0) > now:
        return False
    _key_reloaded[gtin] = now + _KEY_RELOAD_SECONDS
    return True
