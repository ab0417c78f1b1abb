"""扫码验证 (质量诚信验证): the consumer's answer for one scan, its decisions free of I/O (`verify_steps`) and the
synchronous driver (`run_steps`); `trace.hot` drives the same steps on async psycopg."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import threading
from collections.abc import Generator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypedDict

from sqlalchemy import String, bindparam, case, func, insert, select, true, update
from sqlalchemy.orm import Session

from zhijian.platform.db import utcnow
from zhijian.platform.errors import DomainError
from zhijian.trace import digital_link, rules
from zhijian.trace.models import (
    CacheVersion,
    Code,
    Scan,
    Signal,
    table_of,
)
from zhijian.trace.service.cache import note_cache_version
from zhijian.trace.service.facts import (
    EnterpriseInfo,
    ProductInfo,
    SpotcheckInfo,
    _batch_info,
    _region_label,
    product_facts,
)
from zhijian.trace.service.guard import GUARD
from zhijian.trace.service.keys import _may_reload_keys, keys_for_gtin

SIGNAL_CONFIG = rules.SignalConfig()
SIGNAL_REPEAT = dt.timedelta(hours=24)
"""A signal of a kind already open for the code within this time is not stored again (its kind is still answered)."""


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


_SQLITE_WRITER = threading.Lock()


def writer_lock(backend: str) -> AbstractContextManager[Any]:
    """A process-wide lock for SQLite write transactions (one writer at a time anyway); none elsewhere."""
    return _SQLITE_WRITER if backend == "sqlite" else nullcontext()


Step = tuple[str, Any, Any]
"""What the verification needs from outside: ("keys", gtin, fresh), ("batch", id, None), ("facts", product_id,
None) — cached facts, loaded on a miss —, ("count", None, params), ("rows", statement, params) and
("exec", statement, params)."""


class UnknownCodeAnswer(TypedDict):
    """The answer to a code we cannot vouch for (`not_found`: no such code, or a forged MAC): what was asked, the
    verdict and its message. The JSON body of the resolver, as is."""

    gtin: str
    serial: str
    lot: str | None
    answer: str
    message_zh: str
    message_en: str
    count: int


class ScanAnswer(UnknownCodeAnswer):
    """The answer to one of our codes (genuine_first, genuine_repeat, frozen, voided, recalled …): the code's state,
    its first scan, the batch's dates, the counterfeit signals this scan raised, the PIN check and the product facts.

    A TypedDict, not a dataclass, on purpose: it is built and serialised on the resolver's hot path (issue #23),
    where a frozen dataclass costs ~100 times a dict literal to build and twice as much to encode with orjson."""

    status: str
    first_scan_at: str | None
    first_place: str | None
    production_date: str | None
    expiry: str | None
    signals: list[str]
    pin_ok: bool | None
    product: ProductInfo | None
    enterprise: EnterpriseInfo | None
    spotcheck: SpotcheckInfo | None
    stable: dict[str, Any] | None


VerificationAnswer = UnknownCodeAnswer | ScanAnswer
"""扫码验证结果 — what `verify_scan` (and `trace.hot`) answer."""


def verify_scan(session: Session, scan: ScanInput, *, now: dt.datetime | None = None) -> VerificationAnswer:
    """扫码验证 — the consumer's answer for one scan; records the scan and raises counterfeit signals.

    A serial whose MAC is wrong is answered `not_found` from the cached keys, before any code lookup. The
    decisions are `verify_steps`; this drives them on the session's connection (`trace.hot` drives the same
    steps on async psycopg).
    """
    return run_steps(session, verify_steps(scan, now or utcnow()), bool(scan.lot))


def run_steps(session: Session, steps: Generator[Step, Any, VerificationAnswer], with_lot: bool
              ) -> VerificationAnswer:
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


def verify_steps(scan: ScanInput, now: dt.datetime) -> Generator[Step, Any, VerificationAnswer]:
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
    cached = yield ("keys", gtin, False)  # in-process cache: no database round trip when warm
    claimed = rules.serial_key_version(serial)
    if (cached is not None and claimed is not None and claimed not in cached[1] and _may_reload_keys(gtin)):
        cached = yield ("keys", gtin, True)  # a key version this worker has not seen: rotated in another worker
    if cached is None or not rules.check_serial(cached[1], gtin, serial):
        yield from _strike_steps(scan.client, gtin, cached, now)
        return _unknown(gtin, serial, scan.lot)
    # One statement does the atomic counter update and the first-scan columns, and returns the code's row and
    # the cache version (UPDATE ... RETURNING on PostgreSQL and SQLite ≥ 3.35). Writing first means the
    # transaction starts as a writer (SQLite never has to upgrade a read lock, which fails under concurrent writers).
    city = rules.coarse_region(scan.region)
    lat, lon = rules.coarse_coord(scan.lat), rules.coarse_coord(scan.lon)
    row = yield ("count", None, {"p_serial": serial, "p_gtin": gtin, "p_lot": scan.lot, "p_now": now, "p_city": city,
                                 "p_since": now - SIGNAL_REPEAT})
    if row is None:
        yield from _strike_steps(scan.client, gtin, cached, now)
        return _unknown(gtin, serial, scan.lot)
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
    return {"gtin": gtin, "serial": serial, "lot": lot, "answer": ans.code, "message_zh": ans.message_zh,
            "message_en": ans.message_en, "count": count, "status": status, "first_scan_at": first_at.isoformat(),
            "first_place": _region_label(first_city),
            "production_date": info["production_date"].isoformat() if info.get("production_date") else None,
            "expiry": info["expiry"].isoformat() if info.get("expiry") else None,
            "signals": raised, "pin_ok": pin_ok, "product": facts["product"], "enterprise": facts["enterprise"],
            "spotcheck": facts["spotcheck"], "stable": facts["stable"]}


def _unknown(gtin: str, serial: str, lot: str | None) -> UnknownCodeAnswer:
    ans = rules.verification_answer(None, 0)
    return {"gtin": gtin, "serial": serial, "lot": lot, "answer": ans.code, "message_zh": ans.message_zh,
            "message_en": ans.message_en, "count": ans.count}


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
    since = now - SIGNAL_REPEAT
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
        "scan": insert(table_of(Scan)),
        "open_kinds": select(sig.kind).where(sig.serial == bindparam("p_serial"), sig.gtin == bindparam("p_gtin"),
                                             sig.created_at >= bindparam("p_since", type_=ts_type)),
        "signal": insert(table_of(Signal)),
    }


COUNT_WIDTH = len(_COUNT_COLS) + 1
HISTORY_FROM = COUNT_WIDTH + 3
"""A `count_history` row: the code's columns and the cache version (`COUNT_WIDTH`, the counter's row), the
snapshot's count, the kinds of its signals since `p_since` (an array, or NULL), the history row's id, then from
`HISTORY_FROM` its (scanned_at, city, lat, lon)."""


@lru_cache(maxsize=4)
def count_history_statement(with_lot: bool) -> Any:
    """PostgreSQL: the counter `UPDATE … RETURNING`, the code's last 50 scans and the kinds of its open signals in
    one statement (a round trip fewer per repeat scan from the third on, and another when a signal fires; `trace.hot`
    answers the generator's history and open-kinds steps from it).

    They are read in the statement's snapshot. If another scan of the same code committed after that snapshot (our
    UPDATE waited for its row lock), the returned count is more than the snapshot's count + 1 and the history lacks
    that scan: the driver then reads both again (every scan row and every signal of a code is written with its
    count increment, in one transaction), so a scan storm of one code is seen exactly as by the separate reads."""
    cond = [Code.serial == bindparam("p_serial"), Code.gtin == bindparam("p_gtin")]
    if with_lot:
        cond.append(Code.lot == bindparam("p_lot"))
    old = select(Code.scan_count.label("old_count")).where(*cond).cte("old")
    counted = _verify_statements(with_lot, True)["count"].cte("counted")
    hist = (select(Scan.id, Scan.scanned_at, Scan.city, Scan.lat, Scan.lon)
            .where(Scan.serial == bindparam("p_serial"), Scan.gtin == bindparam("p_gtin"))
            .order_by(Scan.id.desc()).limit(50).subquery("hist"))
    sig = Signal.__table__.c
    kinds = (select(func.array_agg(sig.kind)).where(sig.serial == bindparam("p_serial"), sig.gtin == bindparam("p_gtin"),
                                                  sig.created_at >= bindparam("p_since", type_=Code.__table__.c.first_scan_at.type))
             .scalar_subquery().label("open_kinds"))
    return (select(*counted.c, old.c.old_count, kinds, hist.c.id, hist.c.scanned_at, hist.c.city, hist.c.lat, hist.c.lon)
            .select_from(counted.join(old, true()).outerjoin(hist, true())).order_by(hist.c.id.desc()))


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

