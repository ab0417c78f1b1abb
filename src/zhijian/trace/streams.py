"""EPCIS 2.0 WebSocket subscriptions (REST binding: `GET /queries/{queryName}/events` with `Upgrade:
websocket`): a named query's new events pushed to the subscriber as EPCISQueryDocuments as they arrive.

Each poll re-checks the subscriber's token (revoked, expired or deactivated → the stream ends) and runs the
query as that subscriber through `epcis_service.query_events`, the same scoping as `GET /epcis/events` and
webhook delivery: a stream never carries another enterprise's events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from zhijian.platform.auth import Actor, resolve_token
from zhijian.platform.db import Database
from zhijian.platform.errors import Unauthenticated
from zhijian.trace import epcis_service as es
from zhijian.trace.models import EpcisEvent


@dataclass
class Stream:
    token: str
    name: str
    params: dict[str, list[str]]
    last_pk: int
    initial: bool


def _actor(session: Any, token: str) -> Actor:
    if not token:
        raise Unauthenticated()
    return resolve_token(session, token)


def open_stream(db: Database, token: str, name: str, *, initial_record_time: str | None = None) -> Stream:
    """Authenticate and find the query; start after the newest event (or at GS1-Query-InitialRecordTime)."""
    with db.session() as s:
        actor = _actor(s, token)
        query = es.get_named_query(s, actor, name)
        params = dict(query.params)
        if initial_record_time:
            params = {**params, "GE_recordTime": [initial_record_time]}
            last = 0
        else:
            last = int(s.scalar(select(func.max(EpcisEvent.id))) or 0)
    return Stream(token, name, params, last, initial_record_time is not None)


def poll(db: Database, stream: Stream) -> dict[str, Any] | None:
    """The query document of the events captured since the last poll (None when there are none).

    Raises DomainError (401/403/404) when the subscriber may no longer read the query: the stream ends.
    """
    with db.session() as s:
        actor = _actor(s, stream.token)
        es.get_named_query(s, actor, stream.name)
        res = es.query_events(s, actor, stream.params, per_page=es.MAX_PER_PAGE, after_pk=stream.last_pk)
        if not res.events:
            return None
        newest = s.scalar(select(func.max(EpcisEvent.id)).where(
            EpcisEvent.event_id.in_([e["eventID"] for e in res.events])))
        stream.last_pk = max(stream.last_pk, int(newest or 0))
        return es.query_document(res, query_name=stream.name)


