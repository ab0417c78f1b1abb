"""审计 — append-only, keyed hash chain written in the same transaction as the change.

Every ORM create, update and delete of an `Audited` model is recorded automatically by session
events, so no service can forget it. Set-based bulk writes call `record()` themselves.

Each record's hash is HMAC-SHA256 over its content and the previous hash, under a key that is not in the
database (`platform.audit_keys`; the record stores the key id, so keys rotate). Whoever can only write to the
database cannot recompute a valid chain after editing, inserting or deleting records. Signed checkpoints
(Ed25519 over chain head, count and time) catch what the database alone cannot show: a truncated tail
with an adjusted head. `verify()` recomputes the chain and names the first record that was tampered with.

Records written before keyed chaining (kid NULL, format 1) were plain SHA-256; they verify as such, but only
up to `ZHIJIAN_AUDIT_LEGACY_UNTIL` (the last seq of the old chain at upgrade): any other unkeyed record
is reported, so the chain cannot be downgraded to plain SHA-256 either.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import enum
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, event, func, inspect, select
from sqlalchemy.orm import Session, object_mapper
from sqlalchemy.orm import Session as _SessionClass
from sqlalchemy.orm.attributes import get_history

from zhijian.platform.audit_keys import KeyRing, configured_keyring, load_public_key, public_key_text
from zhijian.platform.db import utcnow
from zhijian.platform.errors import DomainError
from zhijian.platform.models import Audited, AuditHead, AuditRecord

GENESIS = "0" * 64


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    return value


def snapshot(obj: Any, *, committed: bool = False) -> dict[str, Any]:
    """Column values of an ORM object; with committed=True the values before this flush."""
    mapper = object_mapper(obj)
    exclude = set(getattr(obj, "__audit_exclude__", ()))
    out: dict[str, Any] = {}
    for attr in mapper.column_attrs:
        key = attr.key
        if key in exclude:
            continue
        if committed:
            hist = get_history(obj, key)
            if hist.deleted:
                value = hist.deleted[0]
            elif hist.unchanged:
                value = hist.unchanged[0]
            else:
                value = getattr(obj, key)
        else:
            value = getattr(obj, key)
        out[key] = _jsonable(value)
    return out


def _actor_label(session: Session) -> str:
    actor = session.info.get("actor")
    if actor is None:
        return "system"
    return str(getattr(actor, "label", actor))


def _canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def compute_hash(seq: int, at: dt.datetime, actor: str, action: str, entity: str, entity_id: str,
                 before: Any, after: Any, prev_hash: str, *, kid: str | None = None, key: bytes | None = None) -> str:
    """The record's hash: HMAC-SHA256 under `key` (format 2, kid covered too) or, for legacy records without
    a kid, plain SHA-256 (format 1)."""
    payload = {
        "seq": seq, "at": _jsonable(at), "actor": actor, "action": action, "entity": entity,
        "entity_id": entity_id, "before": before, "after": after, "prev": prev_hash,
    }
    if kid is None:
        return hashlib.sha256(_canonical(payload)).hexdigest()
    if key is None:
        raise ValueError("a keyed record needs its key")
    payload["kid"] = kid
    return hmac.new(key, _canonical(payload), hashlib.sha256).hexdigest()


def _keyring(session: Session) -> KeyRing:
    ring = session.info.get("audit_keyring")
    return ring if ring is not None else configured_keyring()


def record(session: Session, action: str, entity: str, entity_id: object,
           before: dict[str, Any] | None, after: dict[str, Any] | None) -> AuditRecord:
    """Append one record to the chain inside the session's transaction (locks the chain head)."""
    conn = session.connection()
    head = conn.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).first()
    if head is None:
        conn.execute(_table(AuditHead).insert().values(id=1, seq=0, hash=GENESIS))
        seq, prev = 0, GENESIS
    else:
        seq, prev = head.seq, head.hash
    seq += 1
    at = utcnow().replace(microsecond=0)
    actor = _actor_label(session)
    before = json.loads(json.dumps(before, default=_jsonable)) if before is not None else None
    after = json.loads(json.dumps(after, default=_jsonable)) if after is not None else None
    ring = _keyring(session)
    digest = compute_hash(seq, at, actor, action, entity, str(entity_id), before, after, prev, kid=ring.current,
                          key=ring.keys[ring.current])
    values = dict(seq=seq, at=at, actor=actor, action=action, entity=entity, entity_id=str(entity_id),
                  before=before, after=after, prev_hash=prev, hash=digest, kid=ring.current)
    conn.execute(_table(AuditRecord).insert().values(**values))
    conn.execute(_table(AuditHead).update().where(AuditHead.id == 1).values(seq=seq, hash=digest))
    return AuditRecord(**values)


def _table(model: type[Any]) -> Table:
    """The model's Core table (ORM classes type ``__table__`` as a FromClause)."""
    return cast(Table, model.__table__)


def _entity_name(obj: Any) -> str:
    return str(obj.__tablename__)


def _pk(obj: Any) -> str:
    ident = inspect(obj).identity
    if ident:
        return ",".join(str(i) for i in ident)
    return str(getattr(obj, "id", "?"))


@event.listens_for(_SessionClass, "before_flush")
def _before_flush(session: Session, _ctx: Any, _instances: Any) -> None:
    pending = session.info.setdefault("_audit_pending", [])
    for obj in session.new:
        if isinstance(obj, Audited):
            pending.append(("create", obj, None))
    for obj in session.dirty:
        if isinstance(obj, Audited) and session.is_modified(obj, include_collections=False):
            pending.append(("update", obj, snapshot(obj, committed=True)))
    for obj in session.deleted:
        if isinstance(obj, Audited):
            pending.append(("delete", obj, snapshot(obj, committed=True)))


@event.listens_for(_SessionClass, "after_flush")
def _after_flush(session: Session, _ctx: Any) -> None:
    pending = session.info.pop("_audit_pending", [])
    for action, obj, before in pending:
        after = None if action == "delete" else snapshot(obj)
        if action == "update" and before == after:
            continue
        record(session, action, _entity_name(obj), _pk(obj), before, after)


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    kind: str  # edited | inserted | deleted | tail_deleted | unkeyed | unknown_key | checkpoint
    detail: str


def legacy_until() -> int:
    """Last seq of a pre-HMAC chain that may stay plain SHA-256 (ZHIJIAN_AUDIT_LEGACY_UNTIL, default 0)."""
    return int(os.environ.get("ZHIJIAN_AUDIT_LEGACY_UNTIL") or 0)


def verify(session: Session, keyring: KeyRing | None = None, *, legacy_upto: int | None = None) -> list[ChainProblem]:
    """Recompute the chain. Each problem names the record (seq) and what happened to it."""
    ring = keyring or _keyring(session)
    legacy_upto = legacy_until() if legacy_upto is None else legacy_upto
    problems: list[ChainProblem] = []
    prev_hash = GENESIS
    expected_seq = 1
    for rec in session.scalars(select(AuditRecord).order_by(AuditRecord.seq)).yield_per(2000):
        if rec.seq != expected_seq:
            if rec.seq > expected_seq:
                problems.append(ChainProblem(expected_seq, "deleted",
                                             f"records {expected_seq}..{rec.seq - 1} are missing"))
            else:
                problems.append(ChainProblem(rec.seq, "inserted", "sequence number repeats"))
        key = ring.key(rec.kid) if rec.kid is not None else None
        if rec.kid is None and rec.seq > legacy_upto:
            problems.append(ChainProblem(rec.seq, "unkeyed", "record has no key id (not HMAC-chained)"))
            digest = None
        elif rec.kid is not None and key is None:
            problems.append(ChainProblem(rec.seq, "unknown_key", f"key id {rec.kid!r} is not configured"))
            digest = None
        else:
            digest = compute_hash(rec.seq, rec.at, rec.actor, rec.action, rec.entity, rec.entity_id,
                                  rec.before, rec.after, rec.prev_hash, kid=rec.kid, key=key)
        if digest is not None and not hmac.compare_digest(digest, rec.hash):
            if rec.prev_hash != prev_hash:
                problems.append(ChainProblem(rec.seq, "inserted", "record does not continue the chain"))
            else:
                problems.append(ChainProblem(rec.seq, "edited", "content does not match its hash"))
        elif rec.prev_hash != prev_hash and rec.seq == expected_seq:
            problems.append(ChainProblem(rec.seq, "inserted", "previous hash does not match the chain"))
        prev_hash = rec.hash
        expected_seq = rec.seq + 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != expected_seq - 1 or head.hash != prev_hash):
        problems.append(ChainProblem(expected_seq, "tail_deleted",
                                     f"chain ends at {expected_seq - 1} but the head says {head.seq}"))
    return problems


# ---------------------------------------------------------------- signed checkpoints

CHECKPOINT_FORMAT = "zhijian-audit-checkpoint/1"


def _key_id(public_b64: str) -> str:
    return hashlib.sha256(base64.b64decode(public_b64)).hexdigest()[:16]


def make_checkpoint(session: Session, signing_key: Any) -> dict[str, Any]:
    """检查点 — the chain's last record (seq, hash), the record count and the time, signed with Ed25519.
    Refused while the chain does not verify (a checkpoint must never bless a tampered chain)."""
    problems = verify(session)
    if problems:
        p = problems[0]
        raise DomainError("audit.chain_broken", f"审计链在第 {p.seq} 条记录处损坏（{p.kind}），不能签发检查点",
                          f"audit chain broken at record {p.seq} ({p.kind}); no checkpoint issued", status=409)
    last = session.execute(select(AuditRecord.seq, AuditRecord.hash).order_by(AuditRecord.seq.desc()).limit(1)).first()
    count = session.scalar(select(func.count()).select_from(AuditRecord)) or 0
    public = public_key_text(signing_key.public_key())
    body = {"format": CHECKPOINT_FORMAT, "seq": last.seq if last else 0, "hash": last.hash if last else GENESIS,
            "count": count, "at": utcnow().replace(microsecond=0).isoformat(), "key_id": _key_id(public)}
    signature = base64.b64encode(signing_key.sign(_canonical(body))).decode()
    return {**body, "public_key": public, "signature": signature}


def check_checkpoint_signature(checkpoint: dict[str, Any], public_key: str | Any) -> None:
    """Offline: is this checkpoint signed by the trusted key? (The public key inside the file is not trusted.)"""
    from cryptography.exceptions import InvalidSignature

    key = load_public_key(public_key) if isinstance(public_key, str) else public_key
    bad = DomainError("audit.bad_checkpoint", "检查点签名无效或不是受信任的密钥签发的",
                      "checkpoint signature is invalid or not made by the trusted key", status=422)
    try:
        body = {k: checkpoint[k] for k in ("format", "seq", "hash", "count", "at", "key_id")}
        signature = base64.b64decode(str(checkpoint["signature"]), validate=True)
    except (KeyError, TypeError, ValueError) as exc:
        raise DomainError("audit.bad_checkpoint", "检查点文件格式不正确", "malformed checkpoint file") from exc
    if body["format"] != CHECKPOINT_FORMAT or body["key_id"] != _key_id(public_key_text(key)):
        raise bad
    try:
        key.verify(signature, _canonical(body))
    except InvalidSignature as exc:
        raise bad from exc


def verify_against_checkpoint(session: Session, checkpoint: dict[str, Any], public_key: str | Any) -> list[ChainProblem]:
    """The chain must still hold the signed head: same record at the checkpoint's seq, none of those before
    it missing. Catches a truncated tail with an adjusted head, which the chain alone cannot show."""
    check_checkpoint_signature(checkpoint, public_key)
    seq, at = int(checkpoint["seq"]), checkpoint["at"]
    row = session.execute(select(AuditRecord.hash).where(AuditRecord.seq == seq)).first()
    have = session.scalar(select(func.count()).select_from(AuditRecord).where(AuditRecord.seq <= seq)) or 0
    problems = []
    if seq and row is None:
        last = session.scalar(select(func.max(AuditRecord.seq))) or 0
        problems.append(ChainProblem(min(seq, last + 1), "tail_deleted",
                                     f"checkpoint of {at} covers records up to {seq}; the chain ends at {last}"))
    elif seq and row is not None and not hmac.compare_digest(row.hash, str(checkpoint["hash"])):
        problems.append(ChainProblem(seq, "checkpoint", f"record {seq} differs from the checkpoint of {at}"))
    if have != int(checkpoint["count"]) and not problems:
        problems.append(ChainProblem(seq, "checkpoint", f"checkpoint of {at} counts {checkpoint['count']} records "
                                                        f"up to {seq}; the chain has {have}"))
    return problems


def history(session: Session, entity: str, entity_id: object) -> list[AuditRecord]:
    """The audit history of one record, oldest first (shown on every console record page)."""
    stmt = (select(AuditRecord).where(AuditRecord.entity == entity, AuditRecord.entity_id == str(entity_id))
            .order_by(AuditRecord.seq))
    return list(session.scalars(stmt))
