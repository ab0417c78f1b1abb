"""审计 — append-only, hash-chained audit trail written in the same transaction as the change.

Every ORM create, update and delete of an `Audited` model is recorded automatically by session
events, so no service can forget it. Set-based bulk writes call `record()` themselves.
`verify()` recomputes the chain and names the first record that was edited, inserted or deleted.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, object_mapper
from sqlalchemy.orm import Session as _SessionClass
from sqlalchemy.orm.attributes import get_history

from zhijian.platform.db import utcnow
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
                 before: Any, after: Any, prev_hash: str) -> str:
    payload = {
        "seq": seq, "at": _jsonable(at), "actor": actor, "action": action, "entity": entity,
        "entity_id": entity_id, "before": before, "after": after, "prev": prev_hash,
    }
    return hashlib.sha256(_canonical(payload)).hexdigest()


def record(session: Session, action: str, entity: str, entity_id: object,
           before: dict[str, Any] | None, after: dict[str, Any] | None) -> AuditRecord:
    """Append one record to the chain inside the session's transaction (locks the chain head)."""
    conn = session.connection()
    head = conn.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).first()
    if head is None:
        conn.execute(AuditHead.__table__.insert().values(id=1, seq=0, hash=GENESIS))
        seq, prev = 0, GENESIS
    else:
        seq, prev = head.seq, head.hash
    seq += 1
    at = utcnow().replace(microsecond=0)
    actor = _actor_label(session)
    before = json.loads(json.dumps(before, default=_jsonable)) if before is not None else None
    after = json.loads(json.dumps(after, default=_jsonable)) if after is not None else None
    digest = compute_hash(seq, at, actor, action, entity, str(entity_id), before, after, prev)
    values = dict(seq=seq, at=at, actor=actor, action=action, entity=entity, entity_id=str(entity_id),
                  before=before, after=after, prev_hash=prev, hash=digest)
    conn.execute(AuditRecord.__table__.insert().values(**values))
    conn.execute(AuditHead.__table__.update().where(AuditHead.id == 1).values(seq=seq, hash=digest))
    return AuditRecord(**values)


def _entity_name(obj: Any) -> str:
    return obj.__tablename__


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
    kind: str  # edited | inserted | deleted | tail_deleted
    detail: str


def verify(session: Session) -> list[ChainProblem]:
    """Recompute the chain. Each problem names the record (seq) and what happened to it."""
    problems: list[ChainProblem] = []
    prev_hash = GENESIS
    expected_seq = 1
    for rec in session.scalars(select(AuditRecord).order_by(AuditRecord.seq)).yield_per(2000):
        digest = compute_hash(rec.seq, rec.at, rec.actor, rec.action, rec.entity, rec.entity_id,
                              rec.before, rec.after, rec.prev_hash)
        if rec.seq != expected_seq:
            if rec.seq > expected_seq:
                problems.append(ChainProblem(expected_seq, "deleted",
                                             f"records {expected_seq}..{rec.seq - 1} are missing"))
            else:
                problems.append(ChainProblem(rec.seq, "inserted", "sequence number repeats"))
        if digest != rec.hash:
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


def history(session: Session, entity: str, entity_id: object) -> list[AuditRecord]:
    """The audit history of one record, oldest first (shown on every console record page)."""
    stmt = (select(AuditRecord).where(AuditRecord.entity == entity, AuditRecord.entity_id == str(entity_id))
            .order_by(AuditRecord.seq))
    return list(session.scalars(stmt))
