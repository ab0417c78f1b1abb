"""防伪溯源 use cases: issue codes, verify scans, flag counterfeit signals, recalls, the EPCIS 2.0 repository,
chain-of-custody trace and recall scope. The only place in this room that writes.

The API, CLI, pages, tasks and the demo all call these functions; permission checks are the policy
functions at the top. The EPCIS repository lives in `zhijian.trace.epcis_service` (re-exported here).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Generator, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import String, bindparam, case, delete, func, insert, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from zhijian.platform import audit
from zhijian.platform.auth import Actor
from zhijian.platform.crud import flush
from zhijian.platform.db import lock_for_update, utcnow
from zhijian.platform.errors import DomainError, NotFound, PermissionDenied
from zhijian.platform.events import subscriber
from zhijian.platform.pagination import Page, keyset_page
from zhijian.platform.rooms import room_module
from zhijian.trace import digital_link, rules
from zhijian.trace.models import (
    CacheVersion,
    Code,
    CodeBatch,
    EpcisEpc,
    EpcisEvent,
    MacKey,
    Recall,
    Scan,
    Signal,
)

# ---------------------------------------------------------------- policy (one place for this room)


def can_issue(actor: Actor, enterprise_id: int) -> None:
    """Only the enterprise itself (or an admin) orders codes for its products."""
    if actor.role == "admin" or (actor.role == "enterprise" and actor.owns(enterprise_id)):
        return
    actor.require("admin", "enterprise")
    raise PermissionDenied("只能为本企业的产品赋码", "you may only issue codes for your own enterprise's products")


def can_manage_codes(actor: Actor, enterprise_id: int) -> None:
    """Void / freeze / recall codes: the owning enterprise, regulators and admins."""
    if actor.role in ("admin", "regulator") or (actor.role == "enterprise" and actor.owns(enterprise_id)):
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


def can_see_lot(actor: Actor, enterprise_id: int | None) -> None:
    if actor.is_staff or actor.role == "inspector" or (enterprise_id is not None and actor.owns(enterprise_id)):
        return
    actor.require("admin", "regulator", "association", "inspector", "enterprise")
    raise PermissionDenied("只能查看本企业批次的追溯信息", "you may only trace your own enterprise's lots")


# ---------------------------------------------------------------- MAC keys (per enterprise, rotating)


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


# In-process caches of the verification path (each stateless worker keeps its own). A write to a cached fact bumps
# trace_cache_version in the writer's own transaction (`_note_cached_writes`); every counted scan reads the version
# back in its counter statement, and a worker that sees another version drops its caches before using them — so a
# change reaches every worker at its next scan, not after a TTL. The TTL only bounds what no scan revalidates.
_CACHE_TTL = 30.0
_NEGATIVE_TTL = 5.0  # a GTIN nobody issued codes under (never revalidated by a counted scan)
_KEY_RELOAD_SECONDS = 1.0  # a serial claiming a key version this worker has not seen: reload keys at most this often
_cache_lock = threading.Lock()
_key_cache: dict[str, tuple[float, tuple[int, dict[int, str]] | None]] = {}
_batch_cache: dict[int, tuple[float, dict[str, Any]]] = {}
_info_cache: dict[int, tuple[float, dict[str, Any]]] = {}
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


_BUMP_STMT = (update(CacheVersion.__table__).where(CacheVersion.__table__.c.id == 1)
              .values(version=CacheVersion.__table__.c.version + 1))


def identifier_in_events(session: Session, canon: str) -> bool:
    """Whether any EPCIS event names this identifier (canonical Digital Link) or happened at this location —
    what the resolver needs to answer a non-GTIN key (SSCC, GLN, GIAI …) with its trace, or 404."""
    if session.scalar(select(EpcisEpc.event_pk).where(EpcisEpc.epc == canon).limit(1)) is not None:
        return True
    return session.scalar(select(EpcisEvent.id).where(
        (EpcisEvent.read_point == canon) | (EpcisEvent.biz_location == canon)).limit(1)) is not None


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


# ---------------------------------------------------------------- issuance (赋码)


@dataclass(frozen=True)
class IssuedCode:
    serial: str
    uri: str
    element_string: str
    pin: str | None = None


@dataclass
class IssueRequest:
    product_id: int
    lot: str
    quantity: int
    expiry: dt.date | None = None
    production_date: dt.date | None = None
    sales_regions: list[str] = field(default_factory=list)
    with_pin: bool = False
    freeze_threshold: int = 10


MAX_ISSUE = 100_000_000
CHUNK = 50_000


def _product(session: Session, actor: Actor, product_id: int) -> Any:
    catalog = room_module("catalog", "service")
    assert catalog is not None
    from zhijian.platform.auth import SYSTEM

    return catalog.get_product(session, SYSTEM, product_id)


def _check_issue(session: Session, actor: Actor, req: IssueRequest) -> tuple[Any, str]:
    if req.quantity < 1 or req.quantity > MAX_ISSUE:
        raise DomainError("trace.bad_quantity", f"数量应在 1 到 {MAX_ISSUE} 之间", f"quantity must be 1–{MAX_ISSUE}",
                          field="quantity")
    rules.check_ai_value(req.lot, "lot")
    if req.freeze_threshold < 0:
        raise DomainError("trace.bad_threshold", "冻结阈值不能为负", "freeze threshold must not be negative",
                          field="freeze_threshold")
    from zhijian.catalog.rules import parse_region

    for r in req.sales_regions:
        parse_region(r, "sales_regions")
    product = _product(session, actor, req.product_id)
    if not product.gtin:
        raise DomainError("trace.product_without_gtin", "该产品没有 GTIN，不能赋码", "the product has no GTIN",
                          field="product_id")
    can_issue(actor, product.enterprise_id)
    return product, rules.normalize_gtin(product.gtin)


def issue_codes(session: Session, actor: Actor, req: IssueRequest, *, host: str,
                sink: Callable[[list[IssuedCode]], None] | None = None,
                progress: Callable[[int], None] | None = None, chunk: int = CHUNK) -> CodeBatch:
    """一物一码 — create a batch and stream its codes in chunks: generated, bulk-persisted, handed to `sink`.

    Never holds more than one chunk in memory; the whole issuance is one transaction.
    """
    product, gtin = _check_issue(session, actor, req)
    key = active_key(session, product.enterprise_id)
    batch = CodeBatch(enterprise_id=product.enterprise_id, product_id=product.id, gtin=gtin, lot=req.lot,
                      quantity=req.quantity, expiry=req.expiry, production_date=req.production_date,
                      sales_regions=list(req.sales_regions), key_version=key.version,
                      freeze_threshold=req.freeze_threshold, with_pin=req.with_pin)
    session.add(batch)
    flush(session, "code_batch")
    base = rules.format_digital_link(host, gtin, lot=req.lot)
    done = 0
    while done < req.quantity:
        n = min(chunk, req.quantity - done)
        serials = rules.generate_serials(key.secret, key.version, gtin, n)
        pins = [rules.new_pin() for _ in range(n)] if req.with_pin else None
        digests = [rules.pin_digest(key.secret, s, p) for s, p in zip(serials, pins, strict=True)] if pins else None
        bulk_insert_codes(session, gtin, req.lot, batch.id, product.enterprise_id, serials, digests)
        if sink is not None:
            lot_ai = rules.ai_element_string(gtin, lot=req.lot, expiry=req.expiry)
            sink([IssuedCode(s, rules.item_link(base, s, req.expiry), f"{lot_ai}(21){s}", pins[i] if pins else None)
                  for i, s in enumerate(serials)])
        done += n
        if progress is not None:
            progress(n)
    audit.record(session, "issue", "trace_code", batch.id, None,
                 {"batch_id": batch.id, "gtin": gtin, "lot": req.lot, "quantity": req.quantity,
                  "key_version": key.version})
    invalidate_caches()
    return batch


_CODE_COLS = ("serial", "gtin", "lot", "batch_id", "enterprise_id", "status", "scan_count", "pin_digest")


def _copy_text(value: str) -> str:
    """A value in PostgreSQL COPY text format (lot values are GS1 AI 82 characters; escape anyway)."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def bulk_insert_codes(session: Session, gtin: str, lot: str, batch_id: int, enterprise_id: int,
                      serials: list[str], pin_digests: list[str] | None = None) -> None:
    """Set-based insert: COPY (text rows built in one join) on PostgreSQL, executemany elsewhere (no ORM objects).

    Rows go in serial order so the primary-key index is filled left to right within a chunk (random serials
    otherwise touch a random index page per row).
    """
    conn = session.connection()
    dialect = conn.dialect.name
    if pin_digests:
        pairs = sorted(zip(serials, pin_digests, strict=True))
    else:
        pairs = [(s, None) for s in sorted(serials)]
    if dialect == "postgresql":
        raw = conn.connection.driver_connection
        cols = ", ".join(_CODE_COLS)
        tail = f"\t{gtin}\t{_copy_text(lot)}\t{batch_id}\t{enterprise_id}\tactive\t0\t"
        null = "\\N"
        data = "".join(f"{s}{tail}{p or null}\n" for s, p in pairs).encode()
        with raw.cursor() as cur, cur.copy(f"COPY trace_code ({cols}) FROM STDIN") as cp:
            cp.write(data)
        return
    mark = "?" if dialect == "sqlite" else "%s"
    sql = f"INSERT INTO trace_code ({', '.join(_CODE_COLS)}) VALUES ({', '.join([mark] * len(_CODE_COLS))})"
    rows = [(s, gtin, lot, batch_id, enterprise_id, "active", 0, p) for s, p in pairs]
    if dialect == "sqlite":
        # a larger page cache for the bulk load (default 2 MB); the pooled connection gets its old value back
        old = conn.exec_driver_sql("PRAGMA cache_size").scalar()
        conn.exec_driver_sql("PRAGMA cache_size=-262144")
        try:
            conn.exec_driver_sql(sql, rows)  # type: ignore[arg-type]
        finally:
            conn.exec_driver_sql(f"PRAGMA cache_size={int(old or -2000)}")
        return
    conn.exec_driver_sql(sql, rows)  # type: ignore[arg-type]


def list_batches(session: Session, actor: Actor, *, enterprise_id: int | None = None, limit: int = 50,
                 cursor: str | None = None) -> Page[CodeBatch]:
    scope = signal_scope(actor)
    stmt = select(CodeBatch)
    if scope is not None:
        stmt = stmt.where(CodeBatch.enterprise_id == scope)
    elif enterprise_id is not None:
        stmt = stmt.where(CodeBatch.enterprise_id == enterprise_id)
    return keyset_page(session, stmt, CodeBatch.id, limit=limit, cursor=cursor, descending=True)


def get_batch(session: Session, actor: Actor, batch_id: int) -> CodeBatch:
    batch = session.get(CodeBatch, batch_id)
    if batch is None:
        raise NotFound("code_batch", batch_id)
    can_see_lot(actor, batch.enterprise_id)
    return batch


def get_batch_for_export(session: Session, actor: Actor, batch_id: int) -> CodeBatch:
    """The batch, when the actor may re-export its codes (its enterprise or staff)."""
    batch = get_batch(session, actor, batch_id)
    can_issue(actor, batch.enterprise_id)
    return batch


def iter_batch_codes(session: Session, actor: Actor, batch_id: int, *, host: str,
                     chunk: int = CHUNK) -> Iterator[list[IssuedCode]]:
    """Re-export the codes of a batch in chunks (keyset on serial; PINs are not recoverable)."""
    batch = get_batch_for_export(session, actor, batch_id)
    base = rules.format_digital_link(host, batch.gtin, lot=batch.lot)
    lot_ai = rules.ai_element_string(batch.gtin, lot=batch.lot, expiry=batch.expiry)
    last = ""
    while True:
        serials = list(session.scalars(select(Code.serial).where(Code.gtin == batch.gtin, Code.lot == batch.lot,
                                                                 Code.batch_id == batch_id, Code.serial > last)
                                       .order_by(Code.serial).limit(chunk)))
        if not serials:
            return
        yield [IssuedCode(s, rules.item_link(base, s, batch.expiry), f"{lot_ai}(21){s}") for s in serials]
        last = serials[-1]


# ---------------------------------------------------------------- code status: void, freeze, unfreeze


STATUS_ACTIONS = {"void": "voided", "freeze": "frozen", "unfreeze": "active"}


def change_codes(session: Session, actor: Actor, *, gtin: str, action: str, serial: str | None = None,
                 lot: str | None = None, reason: str = "") -> int:
    """作废 / 冻结 / 解冻 — one code (gtin + serial) or a whole lot (gtin + lot). Returns codes changed."""
    if action not in STATUS_ACTIONS:
        raise DomainError("trace.bad_action", f"未知操作：{action}（可选 void、freeze、unfreeze）",
                          f"unknown action: {action} (void, freeze, unfreeze)", field="action")
    gtin = rules.normalize_gtin(gtin)
    if not serial and not lot:
        raise DomainError("trace.target_required", "请指定序列号或批号", "give a serial or a lot", field="serial")
    ent = keys_for_gtin(session, gtin)
    if ent is None:
        raise NotFound("gtin", gtin, field="gtin")
    can_manage_codes(actor, ent[0])
    target = STATUS_ACTIONS[action]
    cond = [Code.gtin == gtin]
    cond.append(Code.serial == serial if serial else Code.lot == lot)
    if action == "unfreeze":
        cond.append(Code.status == "frozen")
    else:
        cond.append(Code.status.notin_(("voided", "recalled", target)))
    if serial:
        code = session.get(Code, (serial, gtin))
        if code is None:
            raise NotFound("code", serial, field="serial")
    n = session.execute(update(Code).where(*cond).values(status=target)
                        .execution_options(synchronize_session=False)).rowcount or 0
    audit.record(session, action, "trace_code", f"{gtin}/{serial or lot}", None,
                 {"gtin": gtin, "serial": serial, "lot": lot, "status": target, "count": n, "reason": reason})
    return n


# ---------------------------------------------------------------- verification (质量诚信验证)


class EnumerationGuard:
    """Many unknown or forged codes from one client in a window → refuse it for the rest of the window.

    Per worker process (verification workers are stateless; a shared store is not required for the
    guard to work, each worker sees its share of an enumerating client's requests).
    """

    def __init__(self, limit: int = 20, window_seconds: float = 600) -> None:
        self.limit = limit
        self.window = window_seconds
        self._lock = threading.Lock()
        self._win = 0
        self._strikes: dict[str, int] = defaultdict(int)

    def _roll(self, now: float) -> None:
        w = int(now // self.window)
        if w != self._win:
            self._win = w
            self._strikes.clear()

    def blocked(self, client: str, now: float | None = None) -> bool:
        with self._lock:
            self._roll(now or time.time())
            return self._strikes.get(client, 0) >= self.limit

    def strike(self, client: str, now: float | None = None) -> int:
        with self._lock:
            self._roll(now or time.time())
            self._strikes[client] += 1
            return self._strikes[client]


GUARD = EnumerationGuard()
SIGNAL_CONFIG = rules.SignalConfig()


def client_tag(secret: str, address: str, day: dt.date | None = None) -> str:
    """A daily-salted keyed hash of the client address: links one day's scans, is no personal data."""
    day = day or utcnow().date()
    return hmac.new(secret.encode(), f"{day.isoformat()}|{address}".encode(), hashlib.sha256).hexdigest()[:16]


@dataclass
class ScanInput:
    gtin: str
    serial: str
    lot: str | None = None
    client: str = ""
    region: str | None = None
    lat: float | None = None
    lon: float | None = None
    pin: str | None = None


def _batch_info(session: Session, batch_id: int) -> dict[str, Any]:
    now = time.monotonic()
    hit = _batch_cache.get(batch_id)
    if hit and hit[0] > now:
        return hit[1]
    b = session.get(CodeBatch, batch_id)
    info = {"id": b.id, "product_id": b.product_id, "enterprise_id": b.enterprise_id, "lot": b.lot,
            "expiry": b.expiry, "production_date": b.production_date, "sales_regions": list(b.sales_regions or []),
            "freeze_threshold": b.freeze_threshold, "key_version": b.key_version} if b else {}
    with _cache_lock:
        _batch_cache[batch_id] = (now + _CACHE_TTL, info)
    return info


def product_facts(session: Session, product_id: int) -> dict[str, Any]:
    """Product, enterprise, latest final spot-check verdict and stable-qualified listing (each when present)."""
    now = time.monotonic()
    hit = _info_cache.get(product_id)
    if hit and hit[0] > now:
        return hit[1]
    from zhijian.platform.auth import SYSTEM

    facts: dict[str, Any] = {"product": None, "enterprise": None, "spotcheck": None, "stable": None}
    catalog = room_module("catalog", "service")
    if catalog is not None:
        try:
            p = catalog.get_product(session, SYSTEM, product_id)
            facts["product"] = {"id": p.id, "name": p.name, "brand": p.brand, "model": p.model, "gtin": p.gtin}
            o = catalog.get_organization(session, SYSTEM, p.enterprise_id)
            facts["enterprise"] = {"id": o.id, "name": o.name, "uscc": o.uscc}
        except DomainError:
            pass
    spot = room_module("spotcheck", "service")
    if spot is not None and hasattr(spot, "latest_verdict"):
        rec = spot.latest_verdict(session, product_id)
        if rec is not None:
            facts["spotcheck"] = {"verdict": rec.final_verdict, "sampled_on": rec.sampled_on.isoformat(),
                                  "plan_level": rec.plan_level, "report_no": rec.report_no,
                                  "failing_items": list(rec.failing_items or [])}
    stable = room_module("stable", "service")
    if stable is not None and hasattr(stable, "current_listing"):
        listing = stable.current_listing(session, product_id)
        if listing:
            facts["stable"] = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in listing.items()}
    with _cache_lock:
        _info_cache[product_id] = (now + _CACHE_TTL, facts)
    return facts


@dataclass(frozen=True)
class RecallNotice:
    """召回 — what the consumer's answer shows of the lot's recall."""

    recall_ref: str
    reason: str
    risk_level: str
    started_on: str


@dataclass(frozen=True)
class AnswerFacts:
    """The product and brand facts of a verification answer page (each empty when the enterprise gave none)."""

    product_name: str = ""
    brand: str = ""
    enterprise_name: str = ""
    hotline: str = ""  # the enterprise's contact phone (品牌方客服)
    address: str = ""
    recall: RecallNotice | None = None

    @property
    def hotline_tel(self) -> str:
        """The hotline as a tel: URI body (digits and a leading +)."""
        return "".join(ch for ch in self.hotline if ch.isdigit() or ch == "+")


def cached_answer_facts(gtin: str, lot: str | None = None) -> AnswerFacts | None:
    """The cached `answer_facts` when warm (no session, no thread hop), else None."""
    hit = _facts_cache.get((gtin, lot or ""))
    return hit[1] if hit and hit[0] > time.monotonic() else None


def answer_facts(session: Session, gtin: str, lot: str | None = None) -> AnswerFacts:
    """Read-only: who makes the product behind a queried code, the brand's hotline, and the lot's latest
    recall — for the answer page's next steps (cached per worker like `keys_for_gtin`, cleared by
    `invalidate_caches`). A GTIN we never issued codes under gives empty facts."""
    key = (gtin, lot or "")
    now = time.monotonic()
    hit = _facts_cache.get(key)
    if hit and hit[0] > now:
        return hit[1]
    stmt = select(CodeBatch.product_id, CodeBatch.enterprise_id).where(CodeBatch.gtin == gtin)
    if lot:
        stmt = stmt.where(CodeBatch.lot == lot)
    row = session.execute(stmt.order_by(CodeBatch.id.desc()).limit(1)).first()
    facts = AnswerFacts()
    if row is not None:
        from zhijian.platform.auth import SYSTEM

        values: dict[str, Any] = {}
        catalog = room_module("catalog", "service")
        if catalog is not None:
            try:
                p = catalog.get_product(session, SYSTEM, row[0])
                values.update(product_name=p.name, brand=p.brand or "")
            except DomainError:
                pass
            try:
                o = catalog.get_organization(session, SYSTEM, row[1])
                values.update(enterprise_name=o.name, hotline=(o.contact_phone or "").strip(),
                              address=(o.address or "").strip())
            except DomainError:
                pass
        if lot:
            rec = session.scalar(select(Recall).where(Recall.gtin == gtin, Recall.lot == lot)
                                 .order_by(Recall.id.desc()).limit(1))
            if rec is not None:
                values["recall"] = RecallNotice(rec.recall_ref, rec.reason, rec.risk_level, rec.started_on.isoformat())
        facts = AnswerFacts(**values)
    with _cache_lock:
        _facts_cache[key] = (now + _CACHE_TTL, facts)
    return facts


@lru_cache(maxsize=4096)
def _region_label(code: str | None) -> str | None:
    if not code:
        return None
    from zhijian.catalog.rules import region_label

    return region_label(code) or code


_SQLITE_WRITER = threading.Lock()


def writer_lock(backend: str) -> AbstractContextManager[Any]:
    """A process-wide lock for SQLite write transactions (one writer at a time anyway); none elsewhere."""
    return _SQLITE_WRITER if backend == "sqlite" else nullcontext()


Step = tuple[str, Any, Any]
"""What the verification needs from outside: ("keys", gtin, fresh), ("batch", id, None), ("facts", product_id,
None) — cached facts, loaded on a miss —, ("count", None, params), ("rows", statement, params) and
("exec", statement, params)."""


def verify_scan(session: Session, scan: ScanInput, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """扫码验证 — the consumer's answer for one scan; records the scan and raises counterfeit signals.

    A serial whose MAC is wrong is answered `not_found` from the cached keys, before any code lookup. The
    decisions are `verify_steps`; this drives them on the session's connection (`trace.hot` drives the same
    steps on async psycopg).
    """
    return run_steps(session, verify_steps(scan, now or utcnow()), bool(scan.lot))


def run_steps(session: Session, steps: Generator[Step, Any, dict[str, Any]], with_lot: bool) -> dict[str, Any]:
    """The synchronous driver of `verify_steps`: cached facts through the session, statements through Core."""
    conn: Any = None
    st: dict[str, Any] = {}
    reply: Any = None
    try:
        while True:
            kind, name, arg = steps.send(reply)
            if kind == "keys":
                reply = keys_for_gtin(session, name, fresh=bool(arg))
            elif kind == "batch":
                reply = _batch_info(session, name)
            elif kind == "facts":
                reply = product_facts(session, name)
            else:
                if conn is None:
                    conn, st = _statements(session, with_lot)
                if kind == "count":
                    reply = _count_scan(conn, st, arg)
                elif kind == "rows":
                    reply = [tuple(r) for r in conn.execute(st[name], arg)]
                else:
                    conn.execute(st[name], arg)
                    reply = None
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


def verify_steps(scan: ScanInput, now: dt.datetime) -> Generator[Step, Any, dict[str, Any]]:
    """The verification's every decision, free of I/O: it yields what it needs (a `Step`) and is sent the result.

    One function for every path (sync session, async psycopg), so the answer, the scan row, the freeze, the
    signals and the enumeration guard cannot differ between them.
    """
    if scan.client and GUARD.blocked(scan.client):
        raise DomainError("trace.enumeration_blocked", "查询过多未知码，请稍后再试", "too many unknown codes queried; "
                          "try again later", status=429, extra={"retry_after": int(GUARD.window)})
    gtin = rules.normalize_gtin(scan.gtin, "gtin", 400)
    # GS1 syntax (CSET 82, ≤ 20), not GB/T 33993's issuing exclusions: we verify codes others issued too
    serial = digital_link.check_value("21", scan.serial)
    out: dict[str, Any] = {"gtin": gtin, "serial": serial, "lot": scan.lot}
    cached = yield ("keys", gtin, False)  # in-process cache: no database round trip when warm
    claimed = rules.serial_key_version(serial)
    if (cached is not None and claimed is not None and claimed not in cached[1] and _may_reload_keys(gtin)):
        cached = yield ("keys", gtin, True)  # a key version this worker has not seen: rotated in another worker
    if cached is None or not rules.check_serial(cached[1], gtin, serial):
        yield from _strike_steps(scan.client, gtin, cached, now)
        return {**out, **_answer_dict(rules.verification_answer(None, 0))}
    # One statement does the atomic counter update and the first-scan columns, and returns the code's row and
    # the cache version (UPDATE ... RETURNING on PostgreSQL and SQLite ≥ 3.35). Writing first means the
    # transaction starts as a writer (SQLite never has to upgrade a read lock, which fails under concurrent writers).
    city = rules.coarse_region(scan.region)
    lat, lon = rules.coarse_coord(scan.lat), rules.coarse_coord(scan.lon)
    row = yield ("count", None, {"p_serial": serial, "p_gtin": gtin, "p_lot": scan.lot, "p_now": now, "p_city": city})
    if row is None:
        yield from _strike_steps(scan.client, gtin, cached, now)
        return {**out, **_answer_dict(rules.verification_answer(None, 0))}
    lot, batch_id, enterprise_id, status, count, first_at, first_city, pin_digest, version = row
    note_cache_version(version)
    count = int(count)
    key = {"p_serial": serial, "p_gtin": gtin}
    info = yield ("batch", batch_id, None)
    pin_ok = None
    if scan.pin is not None and pin_digest:
        pin_ok = hmac.compare_digest(pin_digest, rules.pin_digest(cached[1][info["key_version"]], serial, scan.pin))
    if status == "active" and rules.should_freeze(count, int(info.get("freeze_threshold") or 0)):
        yield ("exec", "freeze", key)
        status = "frozen"
    first_at = first_at or now
    ans = rules.verification_answer(status, count, first_at, _region_label(first_city))
    # The counter counts every recorded scan, so `count - 1` bounds the history: multi_city needs ≥ max_cities
    # scans, burst ≥ burst_scans, far_apart one earlier scan and coordinates on this one; diversion needs none.
    # When none of them can fire, the history is not read (a first scan, and a second one without coordinates).
    cfg = SIGNAL_CONFIG
    need = count > 1 and (count >= min(cfg.max_cities, cfg.burst_scans) or (lat is not None and lon is not None))
    history = [rules.ScanPoint(*r) for r in (yield ("rows", "history", key))] if need else []
    yield ("exec", "scan", {"serial": serial, "id": rules.event_id_for_scan(now), "gtin": gtin, "scanned_at": now,
                            "city": city, "lat": lat, "lon": lon, "client": scan.client or "", "answer": ans.code})
    hits = rules.counterfeit_signals(history, rules.ScanPoint(now, city, lat, lon), info.get("sales_regions") or (),
                                     SIGNAL_CONFIG)
    raised = yield from _signal_steps(hits, gtin, serial, lot, enterprise_id, now)
    facts = yield ("facts", info["product_id"], None)
    out.update(_answer_dict(ans))
    out.update({"lot": lot, "status": status, "count": count,
                "first_scan_at": first_at.isoformat() if first_at else None, "first_place": _region_label(first_city),
                "production_date": info["production_date"].isoformat() if info.get("production_date") else None,
                "expiry": info["expiry"].isoformat() if info.get("expiry") else None,
                "signals": raised, "pin_ok": pin_ok, **facts})
    return out


def _signal_row(kind: str, now: dt.datetime, evidence: dict[str, Any], *, enterprise_id: int | None,
                gtin: str | None, lot: str | None = None, serial: str | None = None,
                client: str | None = None) -> dict[str, Any]:
    return {"kind": kind, "enterprise_id": enterprise_id, "gtin": gtin, "lot": lot, "serial": serial,
            "client": client, "evidence": evidence, "status": "open", "created_at": now}


def _strike_steps(client: str, gtin: str, cached: tuple[int, dict[int, str]] | None,
                  now: dt.datetime) -> Generator[Step, Any, None]:
    """An unknown or forged code counts against the client; crossing the limit raises one signal per window."""
    if not client:
        return
    n = GUARD.strike(client)
    if n == GUARD.limit:
        yield ("exec", "signal", _signal_row("enumeration", now, {"unknown_codes": n, "window_seconds": GUARD.window},
                                             enterprise_id=cached[0] if cached else None, gtin=gtin, client=client))


def _signal_steps(hits: list[rules.SignalHit], gtin: str, serial: str, lot: str, enterprise_id: int,
                  now: dt.datetime) -> Generator[Step, Any, list[str]]:
    """Store each hit unless the same kind is already open for this code in the last 24 h; the kinds raised."""
    if not hits:
        return []
    since = now - dt.timedelta(hours=24)
    open_kinds = {r[0] for r in (yield ("rows", "open_kinds", {"p_serial": serial, "p_gtin": gtin, "p_since": since}))}
    raised = []
    for h in hits:
        raised.append(h.kind)
        if h.kind in open_kinds:
            continue
        yield ("exec", "signal", _signal_row(h.kind, now, h.evidence, enterprise_id=enterprise_id, gtin=gtin, lot=lot,
                                             serial=serial))
    return raised


_COUNT_COLS = (Code.lot, Code.batch_id, Code.enterprise_id, Code.status, Code.scan_count, Code.first_scan_at,
               Code.first_scan_city, Code.pin_digest)


@lru_cache(maxsize=8)
def _verify_statements(with_lot: bool, returning: bool) -> dict[str, Any]:
    """The hot path's statements, built once per shape (bound parameters only): the per-request cost is then
    the compiled-cache lookup, not the construction of the expression trees."""
    ts_type = Code.__table__.c.first_scan_at.type
    cond = [Code.serial == bindparam("p_serial"), Code.gtin == bindparam("p_gtin")]
    if with_lot:
        cond.append(Code.lot == bindparam("p_lot"))
    version = (select(CacheVersion.__table__.c.version).where(CacheVersion.__table__.c.id == 1)
               .scalar_subquery().label("cache_version"))
    # The SET list is ordered for MySQL/MariaDB, which evaluate it left to right (first_scan_city reads the
    # old first_scan_at before it is set); PostgreSQL and SQLite read old values throughout, same result.
    upd = (update(Code).where(*cond)
           .ordered_values((Code.first_scan_city, case((Code.first_scan_at.is_(None), bindparam("p_city", type_=String(6))),
                                                       else_=Code.first_scan_city)),
                           (Code.first_scan_at, func.coalesce(Code.first_scan_at, bindparam("p_now", type_=ts_type))),
                           (Code.scan_count, Code.scan_count + 1),
                           (Code.last_scan_at, bindparam("p_now", type_=ts_type))))
    sig = Signal.__table__.c
    return {
        "count": upd.returning(*_COUNT_COLS, version) if returning else upd,
        "read": select(*_COUNT_COLS, version).where(Code.serial == bindparam("p_serial"),
                                                    Code.gtin == bindparam("p_gtin")),
        "freeze": update(Code).where(Code.serial == bindparam("p_serial"), Code.gtin == bindparam("p_gtin"),
                                     Code.status == "active").values(status="frozen"),
        "history": select(Scan.scanned_at, Scan.city, Scan.lat, Scan.lon)
        .where(Scan.serial == bindparam("p_serial"), Scan.gtin == bindparam("p_gtin")).order_by(Scan.id.desc()).limit(50),
        "scan": insert(Scan.__table__),
        "open_kinds": select(sig.kind).where(sig.serial == bindparam("p_serial"), sig.gtin == bindparam("p_gtin"),
                                             sig.created_at >= bindparam("p_since", type_=ts_type)),
        "signal": insert(Signal.__table__),
    }


def _statements(session: Session, with_lot: bool) -> tuple[Any, dict[str, Any]]:
    conn = session.connection()  # Core execution on the session's transaction (no ORM bookkeeping needed)
    return conn, _verify_statements(with_lot, bool(conn.dialect.update_returning))


def _count_scan(conn: Any, st: dict[str, Any], params: dict[str, Any]) -> Any:
    """Count one scan and set the first-scan columns in one UPDATE (… RETURNING where the database has it);
    the code's row and the cache version after it, or None when there is no such code."""
    if conn.dialect.update_returning:
        return conn.execute(st["count"], params).first()
    if not conn.execute(st["count"], params).rowcount:
        return None
    return conn.execute(st["read"], params).first()


def _answer_dict(ans: rules.Answer) -> dict[str, Any]:
    return {"answer": ans.code, "message_zh": ans.message_zh, "message_en": ans.message_en, "count": ans.count}


def list_signals(session: Session, actor: Actor, *, kind: str | None = None, status: str | None = None,
                 gtin: str | None = None, limit: int = 50, cursor: str | None = None) -> Page[Signal]:
    """防伪预警列表 — own signals for an enterprise, all for regulators."""
    scope = signal_scope(actor)
    stmt = select(Signal)
    if scope is not None:
        stmt = stmt.where(Signal.enterprise_id == scope)
    if kind:
        stmt = stmt.where(Signal.kind == kind)
    if status:
        stmt = stmt.where(Signal.status == status)
    if gtin:
        stmt = stmt.where(Signal.gtin == rules.normalize_gtin(gtin))
    return keyset_page(session, stmt, Signal.id, limit=limit, cursor=cursor, descending=True)


def set_signal_status(session: Session, actor: Actor, signal_id: int, status: str) -> Signal:
    if status not in ("open", "confirmed", "dismissed"):
        raise DomainError("trace.bad_signal_status", "状态应为 open、confirmed 或 dismissed",
                          "status must be open, confirmed or dismissed", field="status")
    sig = lock_for_update(session, Signal, signal_id)  # concurrent changes: one at a time, each sees the last
    if sig is None:
        raise NotFound("signal", signal_id)
    scope = signal_scope(actor)
    if scope is not None and sig.enterprise_id != scope:
        raise NotFound("signal", signal_id)
    before = sig.status
    sig.status = status
    audit.record(session, "update", "trace_signal", sig.id, {"status": before}, {"status": status})
    return sig


def scan_history(session: Session, actor: Actor, gtin: str, serial: str, limit: int = 100) -> list[Scan]:
    gtin = rules.normalize_gtin(gtin)
    code = session.get(Code, (serial, gtin))
    if code is None:
        raise NotFound("code", serial)
    can_see_lot(actor, code.enterprise_id)
    return list(session.scalars(select(Scan).where(Scan.serial == serial, Scan.gtin == gtin)
                                .order_by(Scan.id.desc()).limit(limit)))


# ---------------------------------------------------------------- recalls (召回)


def mark_lot_recalled(session: Session, actor: Actor, *, gtin: str, lot: str, recall_ref: str, reason: str,
                      risk_level: str = "", started_on: dt.date | None = None) -> int:
    """Contract: mark every (not voided) code of the lot recalled and keep a recall record; returns codes marked.

    Idempotent per recall_ref. Verification answers `recalled` ("该批次已召回") at once.
    """
    gtin = rules.normalize_gtin(gtin)
    rules.check_ai_value(lot, "lot")
    ent = session.scalar(select(CodeBatch.enterprise_id).where(CodeBatch.gtin == gtin, CodeBatch.lot == lot).limit(1))
    if ent is not None:
        can_manage_codes(actor, ent)
    else:
        actor.require("admin", "regulator")
    # concurrent recalls of one lot run one after another (a repeat then finds the record: 0 changed), not
    # all inserting the record at once (19 of 20 failed on its unique key): lock the lot's batches (issue 12)
    session.execute(select(CodeBatch.id).where(CodeBatch.gtin == gtin, CodeBatch.lot == lot)
                    .order_by(CodeBatch.id).with_for_update())
    total = session.scalar(select(func.count()).select_from(Code).where(Code.gtin == gtin, Code.lot == lot)) or 0
    rec = session.scalar(select(Recall).where(Recall.gtin == gtin, Recall.lot == lot, Recall.recall_ref == recall_ref))
    if rec is None:
        rec = Recall(enterprise_id=ent, gtin=gtin, lot=lot, recall_ref=recall_ref, reason=reason[:500],
                     risk_level=risk_level, started_on=started_on or utcnow().date(), total_units=total)
        session.add(rec)
        flush(session, "recall")
    n = session.execute(update(Code).where(Code.gtin == gtin, Code.lot == lot, Code.status != "voided",
                                           Code.status != "recalled")
                        .values(status="recalled", recall_ref=recall_ref)
                        .execution_options(synchronize_session=False)).rowcount or 0
    audit.record(session, "recall", "trace_code", f"{gtin}/{lot}", None,
                 {"gtin": gtin, "lot": lot, "recall_ref": recall_ref, "marked": n})
    invalidate_caches()  # the answer page's recall banner
    return n


def list_recalls(session: Session, actor: Actor, *, limit: int = 50, cursor: str | None = None) -> Page[Recall]:
    scope = signal_scope(actor)
    stmt = select(Recall)
    if scope is not None:
        stmt = stmt.where(Recall.enterprise_id == scope)
    return keyset_page(session, stmt, Recall.id, limit=limit, cursor=cursor, descending=True)


def lot_codes_summary(session: Session, gtin: str, lot: str) -> dict[str, int]:
    rows = session.execute(select(Code.status, func.count()).where(Code.gtin == gtin, Code.lot == lot)
                           .group_by(Code.status)).all()
    return {s: int(n) for s, n in rows}


# ---------------------------------------------------------------- subscribers (events from other rooms)


def _lot_owner(session: Session, gtin: str, lot: str | None) -> int | None:
    stmt = select(CodeBatch.enterprise_id).where(CodeBatch.gtin == gtin)
    if lot:
        stmt = stmt.where(CodeBatch.lot == lot)
    return session.scalar(stmt.limit(1))


@subscriber("spotcheck.sampled")
def on_sampled(session: Session, payload: dict[str, Any]) -> None:
    """抽样 → CBV ObjectEvent, bizStep `sampling`, the sampled lot as a quantity element."""
    from zhijian.trace import epcis_service

    gtin = payload.get("gtin")
    if not gtin:
        return
    gtin = rules.normalize_gtin(str(gtin))
    lot = payload.get("lot") or None
    day = payload.get("sampled_on")
    when = dt.datetime.fromisoformat(str(day)) if day else utcnow()
    if when.tzinfo is None:
        when = when.replace(tzinfo=rules.CN_TZ)
    cls = f"https://id.gs1.org/01/{gtin}" + (f"/10/{lot}" if lot else "")
    event = {"type": "ObjectEvent", "eventTime": when.isoformat(), "eventTimeZoneOffset": "+08:00",
             "action": "OBSERVE", "bizStep": "sampling", "quantityList": [{"epcClass": cls}],
             "zhijian:spotcheckBatch": str(payload.get("batch_id", "")), "zhijian:place": str(payload.get("place", ""))}
    epcis_service.store_internal_events(session, [event], owner_id=_lot_owner(session, gtin, lot))


@subscriber("spotcheck.verdict_final")
def on_verdict_final(session: Session, payload: dict[str, Any]) -> None:
    """终审结论 → disposition `conformant` / `non_conformant` with a `testres` bizTransaction (the report)."""
    from zhijian.trace import epcis_service

    gtin = payload.get("gtin")
    if not gtin:
        return
    gtin = rules.normalize_gtin(str(gtin))
    lot = payload.get("lot") or None
    verdict = str(payload.get("verdict", ""))
    disposition = "conformant" if verdict in ("合格", "conformant", "pass") else "non_conformant"
    cls = f"https://id.gs1.org/01/{gtin}" + (f"/10/{lot}" if lot else "")
    report = payload.get("report_no") or f"batch-{payload.get('batch_id')}"
    now = utcnow()
    event = {"type": "ObjectEvent", "eventTime": now.isoformat(timespec="milliseconds"),
             "eventTimeZoneOffset": "+08:00", "action": "OBSERVE", "bizStep": "inspecting",
             "disposition": disposition, "quantityList": [{"epcClass": cls}],
             "bizTransactionList": [{"type": "testres", "bizTransaction": f"urn:zhijian:spotcheck:report:{report}"}],
             "zhijian:spotcheckBatch": str(payload.get("batch_id", ""))}
    epcis_service.store_internal_events(session, [event], owner_id=_lot_owner(session, gtin, lot))
    invalidate_caches()


@subscriber("risk.recall_started")
def on_recall_started(session: Session, payload: dict[str, Any]) -> None:
    """召回启动 → codes of each lot marked recalled, and a CBV event with disposition `recalled`."""
    from zhijian.platform.auth import SYSTEM
    from zhijian.trace import epcis_service

    ref = f"risk-{payload.get('recall_id')}"
    for item in payload.get("lots") or []:
        gtin, lot = item.get("gtin"), item.get("lot")
        if not gtin or not lot:
            continue
        mark_lot_recalled(session, SYSTEM, gtin=str(gtin), lot=str(lot), recall_ref=ref,
                          reason=str(payload.get("reason", "")), risk_level=str(payload.get("risk_level", "")))
        g = rules.normalize_gtin(str(gtin))
        now = utcnow()
        event = {"type": "ObjectEvent", "eventTime": now.isoformat(timespec="milliseconds"),
                 "eventTimeZoneOffset": "+08:00", "action": "OBSERVE", "disposition": "recalled",
                 "quantityList": [{"epcClass": f"https://id.gs1.org/01/{g}/10/{lot}"}],
                 "zhijian:recall": ref}
        epcis_service.store_internal_events(session, [event], owner_id=_lot_owner(session, g, str(lot)))


def purge_scans(session: Session, actor: Actor, older_than_days: int = 365) -> int:
    """Scans are kept a year by default (data minimisation); counts on the code stay."""
    actor.require("admin")
    cutoff = utcnow() - dt.timedelta(days=older_than_days)
    return session.execute(delete(Scan).where(Scan.scanned_at < cutoff)).rowcount or 0


# ---------------------------------------------------------------- trace and recall scope (contract functions)


def lot_scope(session: Session, *, gtin: str, lot: str) -> dict[str, Any]:
    """Contract: recall scope of a lot — shipped / received / sold / in aggregations, by location and party."""
    from zhijian.trace import epcis_service

    gtin = rules.normalize_gtin(gtin)
    rules.check_ai_value(lot, "lot")
    return epcis_service.lot_scope(session, gtin=gtin, lot=lot)


def trace_lot(session: Session, actor: Actor, gtin: str, lot: str) -> dict[str, Any]:
    """`zhijian trace lot GTIN LOT` and the recall-scope page: the contract function behind a permission check."""
    from zhijian.trace import epcis_service

    gtin = rules.normalize_gtin(gtin)
    rules.check_ai_value(lot, "lot")
    owner = epcis_service.lot_owner(session, gtin, lot)
    can_see_lot(actor, owner)
    if owner is None and not session.scalar(select(func.count()).select_from(Code).where(Code.gtin == gtin)):
        raise epcis_service.not_found_lot(gtin, lot)
    return lot_scope(session, gtin=gtin, lot=lot)


def trace_unit(session: Session, actor: Actor, uri: str) -> dict[str, Any]:
    """`zhijian trace unit URI` and the timeline page: a unit's chain of custody."""
    from zhijian.trace import epcis_service
    from zhijian.trace.epcis import canonical_id, gtin_serial_of

    uri = (uri or "").strip()
    if not uri.startswith(("urn:epc:", "http://", "https://")):
        raise DomainError("trace.invalid_uri", f"请给出 EPC URN 或 GS1 数字链接：{uri}",
                          f"give an EPC URN or a GS1 Digital Link URI: {uri}", field="uri", status=400)
    if uri.startswith("http"):
        rules.parse_digital_link(uri)  # 400 on a malformed trade-item link
    parsed = gtin_serial_of(canonical_id(uri))
    if parsed and parsed[2] and actor.role == "enterprise":
        ent = keys_for_gtin(session, parsed[0])
        if ent is not None and not actor.owns(ent[0]):
            raise PermissionDenied("只能追溯本企业的产品", "you may only trace your own enterprise's units")
    return epcis_service.trace_unit(session, actor, uri)
