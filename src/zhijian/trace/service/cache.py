"""The verification path's in-process caches and the cache version that keeps every worker's copy fresh
(缓存): a write to a cached fact bumps `trace_cache_version` in the writer's transaction; each counted scan reads it
back."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from sqlalchemy import event as sa_event
from sqlalchemy import update
from sqlalchemy.orm import Session

from zhijian.trace.models import (
    CacheVersion,
    table_of,
)

if TYPE_CHECKING:
    from zhijian.trace.service.facts import AnswerFacts, BatchInfo, ProductFacts


# In-process caches of the verification path (each stateless worker keeps its own). A write to a cached fact bumps
# trace_cache_version in the writer's own transaction (`_note_cached_writes`); every counted scan reads the version
# back in its counter statement, and a worker that sees another version drops its caches before using them — so a
# change reaches every worker at its next scan, not after a TTL. The TTL only bounds what no scan revalidates.
_CACHE_TTL = 30.0
_NEGATIVE_TTL = 5.0  # a GTIN nobody issued codes under (never revalidated by a counted scan)
_KEY_RELOAD_SECONDS = 1.0  # a serial claiming a key version this worker has not seen: reload keys at most this often
_cache_lock = threading.Lock()
_key_cache: dict[str, tuple[float, tuple[int, dict[int, str]] | None]] = {}
_batch_cache: dict[int, tuple[float, BatchInfo]] = {}
_info_cache: dict[int, tuple[float, ProductFacts]] = {}
_facts_cache: dict[tuple[str, str], tuple[float, AnswerFacts]] = {}
_key_reloaded: dict[str, float] = {}
_seen_version: list[int | None] = [None]
# Tables whose rows feed the cached facts: keys, batches, recalls (trace); product and brand (catalog); the latest
# spot-check verdict (spotcheck); the stable-qualified listing (stable).
CACHED_TABLES = frozenset({"trace_code_batch", "trace_mac_key", "trace_recall", "product", "organization",
                           "spotcheck_batch", "stable_listing"})
_BUMP = "zj_trace_cache_bump"


def invalidate_caches() -> None:
    with _cache_lock:
        _key_cache.clear()
        _batch_cache.clear()
        _info_cache.clear()
        _facts_cache.clear()
        _key_reloaded.clear()


def note_cache_version(version: int | None) -> None:
    """The cache version a counted scan read back: another one than this worker last saw → its caches are stale."""
    if version is None or version == _seen_version[0]:
        return
    invalidate_caches()
    _seen_version[0] = version


def _writes_cached(session: Session) -> bool:
    return any(getattr(o, "__tablename__", None) in CACHED_TABLES
               for o in (*session.new, *session.deleted, *session.dirty))


@sa_event.listens_for(Session, "after_flush")
def _note_cached_writes(session: Session, _ctx: Any) -> None:
    if not session.info.get(_BUMP) and _writes_cached(session):
        session.info[_BUMP] = True


@sa_event.listens_for(Session, "before_commit")
def _bump_cache_version(session: Session) -> None:
    """One `UPDATE trace_cache_version` in the writer's transaction (it commits with the change, or not at all).

    Everything else is flushed first, so the version row is the transaction's last lock: two writers can queue on
    it but never hold it while waiting for each other's rows (no deadlock cycle)."""
    if not session.info.get(_BUMP) and not _writes_cached(session):
        return
    session.flush()
    session.info.pop(_BUMP, None)
    session.execute(_BUMP_STMT)
    session.info[_BUMP + ".done"] = True


@sa_event.listens_for(Session, "after_commit")
def _drop_own_caches(session: Session) -> None:
    if session.info.pop(_BUMP + ".done", False):
        invalidate_caches()


@sa_event.listens_for(Session, "after_rollback")
def _forget_bump(session: Session) -> None:
    session.info.pop(_BUMP, None)
    session.info.pop(_BUMP + ".done", None)


_BUMP_STMT = (update(table_of(CacheVersion)).where(CacheVersion.__table__.c.id == 1)
              .values(version=CacheVersion.__table__.c.version + 1))
