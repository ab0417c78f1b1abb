"""Issuance (赋码, 一物一码): code batches streamed in chunks, their re-export, and code status changes
(作废 / 冻结 / 解冻)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from zhijian.catalog import service as catalog
from zhijian.catalog.models import Product
from zhijian.catalog.rules import parse_region
from zhijian.platform import audit
from zhijian.platform.auth import SYSTEM, Actor
from zhijian.platform.crud import flush
from zhijian.platform.errors import DomainError, NotFound
from zhijian.platform.pagination import Page, keyset_page
from zhijian.trace import dl_compression, rules
from zhijian.trace.models import (
    Code,
    CodeBatch,
    rows_changed,
)
from zhijian.trace.service.cache import invalidate_caches
from zhijian.trace.service.keys import active_key, keys_for_gtin
from zhijian.trace.service.policy import can_issue, can_manage_codes, can_see_lot, signal_scope


@dataclass(frozen=True)
class IssuedCode:
    serial: str
    uri: str
    element_string: str
    pin: str | None = None
    compressed: str = ""  # the compressed Digital Link of `uri` (GS1 DL 1.1 §8, no optimisations); "" = not computed


def compressed_links(host: str, gtin: str, lot: str, expiry: dt.date | None) -> Callable[[str], str]:
    """serial → the compressed form of `rules.item_link` for one lot (the lot's bits computed once), as
    `digital_link.compressed_link` writes it with GS1 Resolver CE's default (no optimisations)."""
    fixed = {"01": gtin, "10": lot, **({"17": rules.expiry_yymmdd(expiry)} if expiry else {})}
    token = dl_compression.compressor(fixed, "21")
    origin = f"https://{host}/"
    return lambda serial: origin + token(serial)


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
    compressed_qr: bool = False


MAX_ISSUE = 100_000_000
CHUNK = 50_000


def _product(session: Session, actor: Actor, product_id: int) -> Product:
    return catalog.get_product(session, SYSTEM, product_id)


def _check_issue(session: Session, actor: Actor, req: IssueRequest) -> tuple[Product, str]:
    if req.quantity < 1 or req.quantity > MAX_ISSUE:
        raise DomainError("trace.bad_quantity", f"数量应在 1 到 {MAX_ISSUE} 之间", f"quantity must be 1–{MAX_ISSUE}",
                          field="quantity")
    rules.check_ai_value(req.lot, "lot")
    if req.freeze_threshold < 0:
        raise DomainError("trace.bad_threshold", "冻结阈值不能为负", "freeze threshold must not be negative",
                          field="freeze_threshold")
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
                      freeze_threshold=req.freeze_threshold, with_pin=req.with_pin,
                      compressed_qr=req.compressed_qr)
    session.add(batch)
    flush(session, "code_batch")
    base = rules.format_digital_link(host, gtin, lot=req.lot)
    compressed = compressed_links(host, gtin, req.lot, req.expiry)
    done = 0
    while done < req.quantity:
        n = min(chunk, req.quantity - done)
        serials = rules.generate_serials(key.secret, key.version, gtin, n)
        pins = [rules.new_pin() for _ in range(n)] if req.with_pin else None
        digests = [rules.pin_digest(key.secret, s, p) for s, p in zip(serials, pins, strict=True)] if pins else None
        bulk_insert_codes(session, gtin, req.lot, batch.id, product.enterprise_id, serials, digests)
        if sink is not None:
            lot_ai = rules.ai_element_string(gtin, lot=req.lot, expiry=req.expiry)
            sink([IssuedCode(s, rules.item_link(base, s, req.expiry), f"{lot_ai}(21){s}", pins[i] if pins else None,
                             compressed(s)) for i, s in enumerate(serials)])
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
    pairs: list[tuple[str, str | None]]
    if pin_digests:
        pairs = sorted(zip(serials, pin_digests, strict=True))
    else:
        pairs = [(s, None) for s in sorted(serials)]
    if dialect == "postgresql":
        raw = conn.connection.driver_connection
        assert raw is not None  # psycopg's connection behind the pool
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
            conn.exec_driver_sql(sql, rows)
        finally:
            conn.exec_driver_sql(f"PRAGMA cache_size={int(old or -2000)}")
        return
    conn.exec_driver_sql(sql, rows)


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
    compressed = compressed_links(host, batch.gtin, batch.lot, batch.expiry)
    last = ""
    while True:
        serials = list(session.scalars(select(Code.serial).where(Code.gtin == batch.gtin, Code.lot == batch.lot,
                                                                 Code.batch_id == batch_id, Code.serial > last)
                                       .order_by(Code.serial).limit(chunk)))
        if not serials:
            return
        yield [IssuedCode(s, rules.item_link(base, s, batch.expiry), f"{lot_ai}(21){s}", None, compressed(s))
               for s in serials]
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
    can_manage_codes(session, actor, ent[0])
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
    n = rows_changed(session.execute(update(Code).where(*cond).values(status=target)
                        .execution_options(synchronize_session=False)))
    audit.record(session, action, "trace_code", f"{gtin}/{serial or lot}", None,
                 {"gtin": gtin, "serial": serial, "lot": lot, "status": target, "count": n, "reason": reason})
    return n
