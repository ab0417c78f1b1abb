"""Named queries and subscriptions (命名查询与订阅, EPCIS 2.0 §8.2.6): scheduled and streaming webhooks,
signed deliveries through the outbound guard."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
import uuid
from typing import Any, TypedDict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zhijian.platform import outbound
from zhijian.platform.auth import Actor, actor_for
from zhijian.platform.crud import added
from zhijian.platform.db import Database, utcnow
from zhijian.platform.errors import DomainError, PermissionDenied
from zhijian.platform.models import User
from zhijian.trace.epcis import rules as E
from zhijian.trace.epcis.query import (
    MAX_PER_PAGE,
    _qerr,
    build_conditions,
    normalize_params,
    query_document,
    query_events,
)
from zhijian.trace.epcis.scope import ReadScope, capture_owner, read_scope
from zhijian.trace.models import (
    EpcisEvent,
    NamedQuery,
    Subscription,
)

# ---------------------------------------------------------------- named queries and subscriptions


def create_named_query(session: Session, actor: Actor, name: str, params: dict[str, Any]) -> NamedQuery:
    """POST /queries — {name, query: {param: value|[values]}}; parameters are checked now, not at run time."""
    owner = capture_owner(actor)
    if not name or len(name) > 100 or not all(c.isalnum() or c in "-_." for c in name):
        raise _qerr("查询名称只能含字母、数字和 - _ .（最多 100 个字符）", "query name: letters, digits, - _ . (≤ 100)",
                    "name")
    items: list[tuple[str, str]] = []
    for k, v in (params or {}).items():
        if k == "@context":  # GS1's query schema lets a query name its JSON-LD context; it is no parameter
            continue
        for x in (v if isinstance(v, list) else [v]):
            items.append((k, str(x)))
    norm = normalize_params(items)
    build_conditions(session, norm)
    if session.scalar(select(NamedQuery.id).where(NamedQuery.owner_key == (owner or 0), NamedQuery.name == name)):
        raise E.EpcisError("ValidationException", f"本机构已有名为 {name} 的查询", f"your organisation has a query "
                           f"named {name}", status=409, field="name")
    q = NamedQuery(name=name, params=norm, owner_id=owner, owner_key=owner or 0)
    return added(session, q, "named_query")


def get_named_query(session: Session, actor: Actor | None, name: str) -> NamedQuery:
    """The query `name` as the actor addresses it: its organisation's own, else the one of that name it may read
    (a regulator's division, 管辖); several readable and none its own is a 409 naming how many."""
    rows = list(session.scalars(select(NamedQuery).where(NamedQuery.name == name).order_by(NamedQuery.id)))
    scope = read_scope(actor) if actor is not None else None
    own = [q for q in rows if _of_actors_org(actor, q)]
    found = own or [q for q in rows if _readable(session, scope, q)]
    if not found:
        raise E.EpcisError("NoSuchNameException", f"未找到命名查询：{name}", f"no query named {name}", status=404)
    if len(found) > 1:
        raise E.EpcisError("ValidationException", f"{len(found)} 个机构各有名为 {name} 的查询，无法确定所指",
                           f"{len(found)} organisations each have a query named {name}; it is ambiguous", status=409)
    return found[0]


def _of_actors_org(actor: Actor | None, q: NamedQuery) -> bool:
    return actor is not None and q.owner_key == (actor.organization_id or 0)


def _readable(session: Session, scope: ReadScope | None, q: NamedQuery) -> bool:
    return scope is None or scope.allows(session, q.owner_id)


def list_named_queries(session: Session, actor: Actor) -> list[NamedQuery]:
    scope = read_scope(actor)
    stmt = select(NamedQuery).order_by(NamedQuery.name)
    if scope is not None:
        stmt = stmt.where(scope.clause(NamedQuery.owner_id))
    return list(session.scalars(stmt))


def _may_change(actor: Actor, owner_id: int | None, owner_user_id: int | None = None) -> bool:
    """Who may change a query or a subscription: the platform's admin, the organisation that saved it (or, for one
    saved by staff without an organisation, staff), or the user who made it. Reading it (管辖) is not enough."""
    if actor.role == "admin":
        return True
    if owner_user_id is not None and owner_user_id == actor.user_id:
        return True
    return actor.organization_id == owner_id if owner_id is not None else actor.is_staff


def delete_named_query(session: Session, actor: Actor, name: str) -> None:
    q = get_named_query(session, actor, name)
    if not _may_change(actor, q.owner_id):
        raise E.EpcisError("SecurityException", f"命名查询 {name} 属于其他机构，只有该机构可以删除",
                           f"the query {name} belongs to another organisation; only it may delete it", status=403)
    for sub in session.scalars(select(Subscription).where(Subscription.query_id == q.id)):
        session.delete(sub)
    session.delete(q)


def create_subscription(session: Session, actor: Actor, query_name: str, *, dest: str, signature_token: str = "",
                        schedule: dict[str, Any] | None = None, stream: bool | None = None,
                        report_if_empty: bool = False, initial_record_time: str | None = None) -> Subscription:
    """POST /queries/{name}/subscriptions — stream (on every capture) or schedule (cron-like fields)."""
    q = get_named_query(session, actor, query_name)
    if actor.user_id is None and not actor.is_staff:
        raise PermissionDenied("订阅需要登录用户", "a subscription needs a logged-in user")
    outbound.check_destination(dest, field="dest")  # SSRF guard (checked again at every delivery)
    is_stream = bool(stream) if stream is not None else schedule is None
    if is_stream == (schedule is not None):
        raise E.EpcisError("SubscriptionControlsException", "stream 与 schedule 必须二选一",
                           "give either stream=true or a schedule", field="schedule")
    last_pk = 0
    if initial_record_time:
        t = E.parse_time(initial_record_time, "initialRecordTime")
        last_pk = session.scalar(select(func.max(EpcisEvent.id)).where(EpcisEvent.record_time < t)) or 0
    else:
        last_pk = session.scalar(select(func.max(EpcisEvent.id))) or 0
    sub = Subscription(id=str(uuid.uuid4()), query_id=q.id, query_name=q.name, dest=dest,
                       signature_token=signature_token, stream=is_stream, schedule=schedule,
                       report_if_empty=report_if_empty, last_event_pk=last_pk,
                       owner_id=actor.organization_id, owner_user_id=actor.user_id)
    return added(session, sub, "subscription")


def list_subscriptions(session: Session, actor: Actor, query_name: str) -> list[Subscription]:
    """The query owner's view is every subscription on it; another reader's is its own (their `dest` is theirs)."""
    q = get_named_query(session, actor, query_name)
    subs = session.scalars(select(Subscription).where(Subscription.query_id == q.id).order_by(Subscription.created_at))
    everyone = _may_change(actor, q.owner_id)
    return [sub for sub in subs if everyone or _may_change(actor, sub.owner_id, sub.owner_user_id)]


def delete_subscription(session: Session, actor: Actor, query_name: str, sub_id: str) -> None:
    """By the subscriber, or by the query's owner (deleting the query ends them all anyway)."""
    q = get_named_query(session, actor, query_name)
    sub = session.get(Subscription, sub_id)
    if sub is None or sub.query_id != q.id or not (
            _may_change(actor, q.owner_id) or _may_change(actor, sub.owner_id, sub.owner_user_id)):
        raise E.EpcisError("NoSuchSubscriptionException", f"未找到订阅：{sub_id}", f"no subscription {sub_id}",
                           status=404)
    session.delete(sub)


def _field_matches(spec: Any, value: int) -> bool:
    if spec is None or str(spec).strip() in ("", "*"):
        return True
    for part in str(spec).split(","):
        part = part.strip()
        if "-" in part:
            lo, hi = part.split("-", 1)
            if lo.isdigit() and hi.isdigit() and int(lo) <= value <= int(hi):
                return True
        elif part.isdigit() and int(part) == value:
            return True
    return False


def schedule_due(schedule: dict[str, Any], last_run: dt.datetime | None, now: dt.datetime) -> bool:
    """EPCIS query schedule (minute, hour, dayOfMonth, month, dayOfWeek; 1 = Monday), to the minute."""
    ok = (_field_matches(schedule.get("minute"), now.minute) and _field_matches(schedule.get("hour"), now.hour)
          and _field_matches(schedule.get("dayOfMonth"), now.day) and _field_matches(schedule.get("month"), now.month)
          and _field_matches(schedule.get("dayOfWeek"), now.isoweekday()))
    if not ok:
        return False
    return last_run is None or last_run.replace(second=0, microsecond=0) != now.replace(second=0, microsecond=0)


def has_stream_subscriptions(session: Session) -> bool:
    return session.scalar(select(Subscription.id).where(Subscription.stream.is_(True)).limit(1)) is not None


_DELIVERY_LOCK = threading.Lock()


def signature(token: str, body: bytes) -> str:
    """GS1-Signature header value: HMAC-SHA256 of the exact body under the subscriber's signatureToken."""
    return "sha256=" + hmac.new(token.encode(), body, hashlib.sha256).hexdigest()


class Delivery(TypedDict):
    """One subscription's delivery: sent and acknowledged (2xx) or not, and the outbound status."""

    subscription: str
    ok: bool
    status: str


def deliver_subscriptions(db: Database, *, stream: bool = True, now: dt.datetime | None = None,
                          timeout: float = 5.0) -> list[Delivery]:
    """Send new matching events to subscribers (signed POST); advance each subscription only on a 2xx.

    Runs serialised within a process; across worker processes delivery is at-least-once.
    """
    with _DELIVERY_LOCK:
        return _deliver(db, stream=stream, now=now, timeout=timeout)


def subscriber_actor(session: Session, sub: Subscription) -> Actor | None:
    """Who a subscription's query runs as: the user who subscribed, as they are now (None: deliver nothing).

    A deactivated user, or one moved to another organisation, receives nothing more. Rows from before
    owners were stored run with the narrowest scope their owner organisation allows.
    """
    if sub.owner_user_id is not None:
        user = session.get(User, sub.owner_user_id)
        if user is None or not user.is_active:
            return None
        actor = actor_for(user)
        if not actor.is_staff and actor.organization_id != sub.owner_id:
            return None
        return actor
    if sub.owner_id is not None:
        return Actor(None, f"subscription:{sub.id}", "enterprise", sub.owner_id)
    return None


def _deliver(db: Database, *, stream: bool, now: dt.datetime | None, timeout: float) -> list[Delivery]:
    now = now or utcnow()
    plans: list[tuple[str, str, bytes, str, int]] = []
    refused: list[str] = []
    with db.session() as s:
        for sub in s.scalars(select(Subscription).order_by(Subscription.created_at)):
            if stream != sub.stream:
                continue
            if not sub.stream and not schedule_due(sub.schedule or {}, sub.last_run_at, now):
                continue
            owner = subscriber_actor(s, sub)
            try:
                if owner is None:
                    raise PermissionDenied()
                # the same scoping as GET /epcis/events for the subscriber
                q = s.get(NamedQuery, sub.query_id)
                if q is None or not (_of_actors_org(owner, q) or _readable(s, read_scope(owner), q)):
                    raise PermissionDenied()
                res = query_events(s, owner, q.params, per_page=MAX_PER_PAGE, after_pk=sub.last_event_pk)
            except DomainError:
                refused.append(sub.id)
                continue
            if not res.events and not sub.report_if_empty:
                continue
            max_pk = s.scalar(select(func.max(EpcisEvent.id)).where(
                EpcisEvent.event_id.in_([e["eventID"] for e in res.events]))) if res.events else sub.last_event_pk
            body = json.dumps(query_document(res, query_name=sub.query_name, subscription_id=sub.id),
                              ensure_ascii=False).encode()
            plans.append((sub.id, sub.dest, body, sub.signature_token, int(max_pk or sub.last_event_pk)))
    results: list[Delivery] = []
    for sub_id in refused:
        with db.session() as s:
            row = s.get(Subscription, sub_id)
            if row is not None:
                row.last_run_at, row.last_status = now, outbound.FAILED
        results.append({"subscription": sub_id, "ok": False, "status": outbound.FAILED})
    for sub_id, dest, body, token, max_pk in plans:
        headers = {"Content-Type": "application/ld+json", "GS1-EPCIS-Version": E.EPCIS_VERSION,
                   "GS1-CBV-Version": E.CBV_VERSION, "GS1-Signature": signature(token, body)}
        # SSRF guard again at delivery (DNS may have changed since the subscription was made)
        outcome = outbound.post(dest, body, headers, timeout=timeout)
        ok, status = outcome.ok, outcome.status
        with db.session() as s:
            row = s.get(Subscription, sub_id)
            if row is not None:
                row.last_run_at = now
                row.last_status = status
                if ok:
                    row.last_event_pk = max(row.last_event_pk, max_pk)
        results.append({"subscription": sub_id, "ok": ok, "status": status})
    return results
