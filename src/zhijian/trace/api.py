"""Trace REST API (/api/v1/trace/…) and the EPCIS 2.0 REST binding (/epcis/…): thin handlers over the services."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any
from urllib.parse import quote, urlencode

import orjson
from fastapi import APIRouter, Query, Request, Response, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy import event as sa_event
from sqlalchemy.orm import configure_mappers
from starlette.routing import NoMatchFound

from zhijian.platform.deps import ActorDep, SessionDep
from zhijian.platform.errors import DomainError
from zhijian.platform.idempotency import idempotent
from zhijian.platform.openapi import CSV_ANSWER
from zhijian.platform.pagination import Limit, PageOut
from zhijian.trace import digital_link, labels, service, streams
from zhijian.trace import epcis as E
from zhijian.trace import epcis_service as es
from zhijian.trace import epcis_xml as X
from zhijian.trace.epcis import master_data
from zhijian.trace.schemas import (
    BatchOut,
    CodeChangeIn,
    CountOut,
    IssueIn,
    KeyOut,
    KeyRotateIn,
    RecallIn,
    RecallOut,
    ScanOut,
    SignalOut,
    SignalPatch,
)

router = APIRouter(prefix="/api/v1/trace", tags=["trace"])

_WARM_EVENT: dict[str, Any] = {"type": "ObjectEvent", "eventTime": "2026-01-01T00:00:00Z", "eventTimeZoneOffset": "+08:00",
                               "action": "ADD", "bizStep": "commissioning", "disposition": "active",
                               "epcList": ["https://id.gs1.org/01/06901234567892/21/WARM"],
                               "bizLocation": {"id": "https://id.gs1.org/414/6901234000019"}}


def warm_up(app: Any) -> None:
    """What a server worker's first request did inside it (~1-2 s of the first capture on a loaded machine, issue
    #23), done as the worker starts: FastAPI resolves every included router's routes (their dependants) on the
    first request that walks past them, SQLAlchemy configures every mapper on the first query (the bearer token's
    lookup), and the EPCIS schema validators and CBV vocabularies compile on the first document (here one of two
    events, nothing stored)."""
    try:
        app.url_path_for("zhijian.warm_up")  # no such route: every router's routes resolved on the way
    except NoMatchFound:
        pass
    configure_mappers()
    doc = {"@context": [E.EPCIS_CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
           "creationDate": "2026-01-01T00:00:00Z", "epcisBody": {"eventList": [_WARM_EVENT, dict(_WARM_EVENT)]}}
    E.validate_document(doc)
    E.event_hash_id(_WARM_EVENT, doc["@context"])


@contextlib.asynccontextmanager
async def _lifespan(app: Any) -> AsyncIterator[None]:
    warm_up(app)
    yield


public_router = APIRouter(prefix="/epcis", tags=["epcis"], lifespan=_lifespan)  # lifespan: run by the including app


# ---------------------------------------------------------------- codes


@router.post("/batches", response_model=BatchOut, status_code=201)
@idempotent
def issue(data: IssueIn, request: Request, session: SessionDep, actor: ActorDep) -> BatchOut:
    """Order codes for a product lot (一物一码); download them from /batches/{id}/codes.csv."""
    req = service.IssueRequest(**data.model_dump())
    batch = service.issue_codes(session, actor, req, host=request.app.state.settings.resolver_host)
    return BatchOut.model_validate(batch)


@router.get("/batches", response_model=PageOut[BatchOut])
def batches(session: SessionDep, actor: ActorDep, enterprise_id: int | None = None, limit: Limit = 50,
            cursor: str | None = None) -> PageOut[BatchOut]:
    page = service.list_batches(session, actor, enterprise_id=enterprise_id, limit=limit, cursor=cursor)
    return PageOut(items=[BatchOut.model_validate(b) for b in page.items], next_cursor=page.next_cursor,
                   limit=page.limit)


@router.get("/batches/{batch_id}/codes.csv", response_class=Response, responses=CSV_ANSWER)
def batch_codes(batch_id: int, request: Request, session: SessionDep, actor: ActorDep) -> StreamingResponse:
    """The batch's codes as CSV, streamed chunk by chunk (PINs are only shown at issuance).

    The request's session is committed before the response goes out, so the stream reads through its own
    read-only session; the permission check runs first, in the request, so a refusal is a proper 403/404."""
    host = request.app.state.settings.resolver_host
    service.get_batch_for_export(session, actor, batch_id)
    db = request.app.state.db

    def body() -> Iterator[bytes]:
        yield labels.CSV_HEADER.encode("utf-8-sig")
        with db.session() as reader:
            for chunk in service.iter_batch_codes(reader, actor, batch_id, host=host):
                yield labels.csv_lines(chunk).encode()

    return StreamingResponse(body(), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="codes-{batch_id}.csv"'})


@router.post("/codes/status", response_model=CountOut)
def change_codes(data: CodeChangeIn, session: SessionDep, actor: ActorDep) -> CountOut:
    """Void, freeze or unfreeze one code (serial) or a whole lot."""
    return CountOut(changed=service.change_codes(session, actor, gtin=data.gtin, action=data.action,
                                                 serial=data.serial, lot=data.lot, reason=data.reason))


@router.get("/codes/{gtin}/{serial}/scans", response_model=list[ScanOut])
def scans(gtin: str, serial: str, session: SessionDep, actor: ActorDep) -> list[ScanOut]:
    return [ScanOut.model_validate(s) for s in service.scan_history(session, actor, gtin, serial)]


@router.post("/keys/rotate", response_model=KeyOut, status_code=201)
def rotate(data: KeyRotateIn, session: SessionDep, actor: ActorDep) -> KeyOut:
    key = service.rotate_key(session, actor, data.enterprise_id)
    return KeyOut(enterprise_id=key.enterprise_id, version=key.version)


# ---------------------------------------------------------------- recalls, signals, trace


@router.post("/recalls", response_model=CountOut, status_code=201)
def recall(data: RecallIn, session: SessionDep, actor: ActorDep) -> CountOut:
    """A recall record for a lot; its codes answer 召回 at once."""
    return CountOut(changed=service.mark_lot_recalled(
        session, actor, gtin=data.gtin, lot=data.lot, recall_ref=data.recall_ref, reason=data.reason,
        risk_level=data.risk_level, started_on=data.started_on))


@router.get("/recalls", response_model=PageOut[RecallOut])
def recalls(session: SessionDep, actor: ActorDep, limit: Limit = 50, cursor: str | None = None) -> PageOut[RecallOut]:
    page = service.list_recalls(session, actor, limit=limit, cursor=cursor)
    return PageOut(items=[RecallOut.model_validate(r) for r in page.items], next_cursor=page.next_cursor,
                   limit=page.limit)


@router.get("/signals", response_model=PageOut[SignalOut])
def signals(session: SessionDep, actor: ActorDep, kind: str | None = None, status: str | None = None,
            gtin: str | None = None, limit: Limit = 50, cursor: str | None = None) -> PageOut[SignalOut]:
    """防伪预警 with evidence: an enterprise sees its own, regulators all."""
    page = service.list_signals(session, actor, kind=kind, status=status, gtin=gtin, limit=limit, cursor=cursor)
    return PageOut(items=[SignalOut.model_validate(s) for s in page.items], next_cursor=page.next_cursor,
                   limit=page.limit)


@router.patch("/signals/{signal_id}", response_model=SignalOut)
def signal_status(signal_id: int, data: SignalPatch, session: SessionDep, actor: ActorDep) -> SignalOut:
    return SignalOut.model_validate(service.set_signal_status(session, actor, signal_id, data.status))


@router.get("/units")
def trace_unit(uri: str, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """Chain of custody of one unit (EPC URN or Digital Link)."""
    return dict(service.trace_unit(session, actor, uri))  # the TypedDict as is (no response model: same JSON)


@router.get("/lots/{gtin}/{lot}")
def trace_lot(gtin: str, lot: str, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """Recall scope of a lot."""
    return dict(service.trace_lot(session, actor, gtin, lot))


@router.get("/links/compressed")
def compressed_link(uri: str, keep_key: bool = False, optimise: bool = False) -> dict[str, str]:
    """The compressed form of a Digital Link (GS1 DL compression; `keep_key`: primary key left readable), as
    GS1's Resolver CE offers with `?compress=true`; the resolver answers both forms. 400 naming the AI if invalid."""
    link = digital_link.parse(uri)
    origin = f"{uri.strip().split('://', 1)[0]}://{link.host}" if "://" in uri else ""
    return {"uri": uri, "compressed": digital_link.compressed_link(link, origin=origin, keep_key=keep_key,
                                                                   optimise=optimise),
            "element_string": link.element_string()}


MASTER_DATA_DOCUMENT: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/ld+json": {"schema": {"type": "object"}}}}}


@router.get("/vocabularies", responses=MASTER_DATA_DOCUMENT)
def vocabularies(request: Request, session: SessionDep, actor: ActorDep,
                 vtype: Annotated[str | None, Query(alias="type")] = None,
                 element: Annotated[str | None, Query(alias="id")] = None, limit: Limit = 100,
                 cursor: str | None = None) -> JSONResponse:
    """EPCIS master data (主数据) the actor's organisation has captured, as an EPCISMasterDataDocument (never another
    organisation's); `type` and `id` narrow it, `limit` elements a page, the next page in the `Link` header. Not
    part of the EPCIS REST binding, whose OpenAPI defines no vocabulary endpoints."""
    doc, after = master_data.read_master_data(session, es.capture_owner(actor), vtype=vtype, element=element,
                                              limit=limit, cursor=cursor)
    headers = {}
    if after:
        items = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"] + [("cursor", after)]
        headers["Link"] = f'<{request.url.path}?{urlencode(items)}>; rel="next"'
    return JSONResponse(doc, media_type="application/ld+json", headers=headers)


# ---------------------------------------------------------------- EPCIS 2.0 REST binding

GS1_HEADERS = {"GS1-EPCIS-Version": E.EPCIS_VERSION, "GS1-CBV-Version": E.CBV_VERSION,
               "GS1-EPCIS-Min": E.EPCIS_VERSION, "GS1-EPCIS-Max": E.EPCIS_VERSION, "GS1-CBV-Min": E.CBV_VERSION,
               "GS1-CBV-Max": E.CBV_VERSION, "GS1-Vendor-Version": "zhijian", "GS1-Extensions": ""}


def _epc_format(request: Request) -> tuple[str, dict[str, str]]:
    """GS1-EPC-Format asked for, and the response header saying what the answer uses."""
    fmt = E.negotiate_epc_format(request.headers.get("GS1-EPC-Format"))
    return fmt, {"GS1-EPC-Format": fmt}


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None,
          media: str = "application/ld+json") -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=media, headers={**GS1_HEADERS, **(headers or {})})


_JSON_TYPES = ("application/json", "application/ld+json")
# orjson reads an integer beyond 64 bits as a float, json.loads as the int: a run of 19 digits anywhere (a string's
# too) leaves the body to json.loads
_DIGITS = bytes.maketrans(b"0123456789", b"0" * 10)
_LONG_DIGITS = b"0" * 19


async def _read_json(request: Request) -> Any:
    """The JSON-LD body; any other declared media type is 415 per the REST binding."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media and media not in _JSON_TYPES and not media.endswith("+json"):
        raise E.EpcisError("UnsupportedMediaTypeException",
                           f"不支持的媒体类型：{media}（请使用 application/ld+json 或 application/xml）",
                           f"unsupported media type {media} (use application/ld+json or application/xml)", status=415)
    raw = await request.body()
    if _LONG_DIGITS not in raw.translate(_DIGITS):
        try:
            return orjson.loads(raw)  # ~4x json.loads (a capture of 1,000 events: 1.5 ms against 6 ms, issue #23)
        except orjson.JSONDecodeError:
            pass  # what orjson refuses json.loads decides, as before: NaN, 1e400, a BOM, UTF-16, lone surrogates
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise E.validation_error("请求体不是合法的 JSON", "request body is not valid JSON") from None


async def _read_epcis(request: Request, *, single: bool = False) -> Any:
    """A capture body in either binding: XML (application/xml, text/xml) is converted to the same JSON-LD."""
    if X.is_xml(request.headers.get("content-type")):
        raw = await request.body()
        return await run_in_threadpool(X.event_from_xml if single else X.document_from_xml, raw)
    return await _read_json(request)


def _answer(request: Request, doc: dict[str, Any], headers: dict[str, str], *, event: bool = False) -> Response:
    """JSON-LD, or XML when the Accept header prefers it (the EPC format negotiated applies to both)."""
    if X.prefers_xml(request.headers.get("accept")):
        cbv = X.negotiate_cbv_format(request.headers.get("GS1-CBV-XML-Format"))
        body = X.event_to_xml(doc, cbv) if event else X.document_to_xml(doc, cbv)
        return Response(body, media_type="application/xml",
                        headers={**GS1_HEADERS, **headers, "GS1-CBV-XML-Format": cbv})
    return _json(doc, headers=headers)


@public_router.options("", status_code=204, response_class=Response)
@public_router.options("/{path:path}", status_code=204, response_class=Response)
def discovery(path: str = "") -> Response:
    """Discovery: the EPCIS and CBV versions this repository speaks."""
    return Response(status_code=204, headers={**GS1_HEADERS, "Allow": "GET, POST, DELETE, OPTIONS"})


def _capture_again_if_deadlocked(session: Any, actor: Any, doc: dict[str, Any], behaviour: str) -> Any:
    """The capture, run again from the start (at most twice more) when the database chose it as a deadlock
    victim: identical documents captured at once collide on the eventID key's locks, and MariaDB then rolls the
    whole transaction back — the retry finds the events stored and counts them as duplicates (202), as a
    sequential repeat would, instead of answering 503."""
    from zhijian.platform.db import is_deadlock

    for attempt in range(3):
        try:
            return es.capture(session, actor, doc, error_behaviour=behaviour)
        except Exception as exc:
            if attempt == 2 or not is_deadlock(exc):
                raise
            session.rollback()
    raise AssertionError("unreachable")


@public_router.post("/capture", status_code=202)
@idempotent
async def capture(request: Request, session: SessionDep, actor: ActorDep) -> JSONResponse:
    """Capture an EPCISDocument: 202 with the capture job's Location; nothing stored when it is invalid."""
    doc = await _read_epcis(request)
    behaviour = request.headers.get("GS1-Capture-Error-Behaviour", "rollback")
    job = await run_in_threadpool(_capture_again_if_deadlocked, session, actor, doc, behaviour)
    if job.captured and await run_in_threadpool(es.has_stream_subscriptions, session):
        _deliver_after_commit(request, session)
    return _json(es.capture_job_out(job), 202, {"Location": f"/epcis/capture/{job.id}"}, "application/json")


def _deliver_after_commit(request: Request, session: Any) -> None:
    """Stream subscriptions are served once the capture is committed (never inside its transaction)."""

    def enqueue(_session: Any) -> None:
        try:
            request.app.state.jobs.enqueue("trace.deliver_subscriptions")
        except Exception:  # the periodic job delivers what a failed enqueue missed
            pass

    sa_event.listen(session, "after_commit", enqueue, once=True)


@public_router.get("/capture")
def capture_jobs(session: SessionDep, actor: ActorDep) -> JSONResponse:
    return _json([es.capture_job_out(j) for j in es.list_capture_jobs(session, actor)], media="application/json")


@public_router.get("/capture/{capture_id}")
def capture_job(capture_id: str, session: SessionDep, actor: ActorDep) -> JSONResponse:
    return _json(es.capture_job_out(es.get_capture_job(session, actor, capture_id)), media="application/json")


@public_router.post("/events", status_code=201)
@idempotent
async def capture_one(request: Request, session: SessionDep, actor: ActorDep) -> JSONResponse:
    """Capture one event; 201 with its Location."""
    body = await _read_epcis(request, single=True)
    row = await run_in_threadpool(es.capture_event, session, actor, body)
    if await run_in_threadpool(es.has_stream_subscriptions, session):
        _deliver_after_commit(request, session)
    return _json({"eventID": row.event_id}, 201, {"Location": f"/epcis/events/{quote(row.event_id, safe='')}"},
                 "application/json")


def _query_response(request: Request, session: Any, actor: Any, params: dict[str, list[str]],
                    query_name: str = "SimpleEventQuery") -> Response:
    per_page = request.query_params.get("perPage", "30")
    if not per_page.isdigit():
        raise es._qerr("perPage 应为正整数", "perPage must be a positive integer", "perPage")
    epc_format, headers = _epc_format(request)
    res = es.query_events(session, actor, params, per_page=int(per_page),
                          next_token=request.query_params.get("nextPageToken"))
    res.events = [E.format_event(ev, epc_format) for ev in res.events]
    if res.next_token:
        items = [(k, v) for k, v in request.query_params.multi_items() if k != "nextPageToken"]
        items.append(("nextPageToken", res.next_token))
        headers["Link"] = f'<{request.url.path}?{urlencode(items)}>; rel="next"'
        headers["GS1-Next-Page-Token-Expires"] = "never"
    return _answer(request, es.query_document(res, query_name=query_name), headers)


# the answers of a query: JSON-LD, or XML when Accept prefers it (EPCIS 2.0 REST binding)
EPCIS_DOCUMENTS: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/ld+json": {"schema": {"type": "object"}},
                      "application/xml": {"schema": {"type": "string"}}}}}


@public_router.get("/events", responses=EPCIS_DOCUMENTS)
def events(request: Request, session: SessionDep, actor: ActorDep) -> Response:
    """SimpleEventQuery over all events (query parameters of the standard; paging by nextPageToken)."""
    return _query_response(request, session, actor, es.normalize_params(request.query_params.multi_items()))


@public_router.get("/events/{event_id:path}", responses=EPCIS_DOCUMENTS)
def event(event_id: str, request: Request, session: SessionDep, actor: ActorDep) -> Response:
    epc_format, headers = _epc_format(request)
    row = es.get_event(session, actor, event_id)
    doc = E.format_event(es.event_out(row), epc_format)
    doc["@context"] = es.merged_context([row.context])
    return _answer(request, doc, headers, event=True)


# named queries and subscriptions -------------------------------------------------------


@public_router.post("/queries", status_code=201)
async def create_query(request: Request, session: SessionDep, actor: ActorDep) -> JSONResponse:
    body = await _read_json(request)
    if not isinstance(body, dict) or "name" not in body:
        raise E.validation_error("请求体应为 {name, query}", "body must be {name, query}", field="name")
    q = await run_in_threadpool(es.create_named_query, session, actor, str(body["name"]), body.get("query") or {})
    return _json({"name": q.name, "query": q.params}, 201, {"Location": f"/epcis/queries/{q.name}"},
                 "application/json")


@public_router.get("/queries")
def queries(session: SessionDep, actor: ActorDep) -> JSONResponse:
    return _json([{"name": q.name, "query": q.params} for q in es.list_named_queries(session, actor)],
                 media="application/json")


@public_router.get("/queries/{name}")
def query(name: str, session: SessionDep, actor: ActorDep) -> JSONResponse:
    q = es.get_named_query(session, actor, name)
    return _json({"name": q.name, "query": q.params}, media="application/json")


@public_router.delete("/queries/{name}", status_code=204)
def delete_query(name: str, session: SessionDep, actor: ActorDep) -> Response:
    es.delete_named_query(session, actor, name)
    return Response(status_code=204, headers=GS1_HEADERS)


@public_router.get("/queries/{name}/events")
def query_events(name: str, request: Request, session: SessionDep, actor: ActorDep) -> Response:
    q = es.get_named_query(session, actor, name)
    return _query_response(request, session, actor, dict(q.params), query_name=name)


@public_router.post("/queries/{name}/subscriptions", status_code=201)
async def subscribe(name: str, request: Request, session: SessionDep, actor: ActorDep) -> JSONResponse:
    """Webhook subscription: `dest`, `signatureToken`, and `stream: true` or a `schedule`."""
    body = await _read_json(request)
    if not isinstance(body, dict) or not body.get("dest"):
        raise E.EpcisError("SubscriptionControlsException", "缺少 dest", "dest is required", field="dest")
    sub = await run_in_threadpool(
        es.create_subscription, session, actor, name, dest=str(body["dest"]),
        signature_token=str(body.get("signatureToken", "")), schedule=body.get("schedule"),
        stream=body.get("stream"), report_if_empty=bool(body.get("reportIfEmpty", False)),
        initial_record_time=body.get("initialRecordTime"))
    return _json({"subscriptionID": sub.id, "stream": sub.stream, "schedule": sub.schedule}, 201,
                 {"Location": f"/epcis/queries/{name}/subscriptions/{sub.id}"}, "application/json")


@public_router.get("/queries/{name}/subscriptions")
def subscriptions(name: str, session: SessionDep, actor: ActorDep) -> JSONResponse:
    return _json([{"subscriptionID": s.id, "dest": s.dest, "stream": s.stream, "schedule": s.schedule,
                   "lastStatus": s.last_status} for s in es.list_subscriptions(session, actor, name)],
                 media="application/json")


@public_router.delete("/queries/{name}/subscriptions/{sub_id}", status_code=204)
def unsubscribe(name: str, sub_id: str, session: SessionDep, actor: ActorDep) -> Response:
    es.delete_subscription(session, actor, name, sub_id)
    return Response(status_code=204, headers=GS1_HEADERS)


STREAM_POLL_SECONDS = 1.0


@public_router.websocket("/queries/{name}/events")
async def query_stream(websocket: WebSocket, name: str) -> None:
    """WebSocket subscription to a named query (the binding's `GET /queries/{queryName}/events` with
    `Upgrade: websocket`): authenticate with `Authorization: Bearer …` (or `?access_token=` for browsers),
    then receive an EPCISQueryDocument whenever new events match. Close codes: 1008 when the token or the
    query is refused (at the start or later, e.g. a revoked token)."""
    header = websocket.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else websocket.query_params.get("access_token", "")
    db = websocket.app.state.db
    try:
        stream = await run_in_threadpool(streams.open_stream, db, token, name,
                                         initial_record_time=websocket.headers.get("GS1-Query-InitialRecordTime"))
    except DomainError as err:
        await websocket.close(code=1008, reason=err.message_en[:120])
        return
    await websocket.accept()
    try:
        while True:
            try:
                doc = await run_in_threadpool(streams.poll, db, stream)
            except DomainError as err:
                await websocket.close(code=1008, reason=err.message_en[:120])
                return
            if doc is not None:
                await websocket.send_text(json.dumps(doc, ensure_ascii=False))
            await asyncio.sleep(STREAM_POLL_SECONDS)
    except WebSocketDisconnect:
        return


# resource lists (registered last: their paths are catch-alls) ------------------------

_RESOURCES = {"eventTypes": "eventType", "epcs": "MATCH_anyEPC", "bizSteps": "EQ_bizStep",
              "bizLocations": "EQ_bizLocation", "readPoints": "EQ_readPoint", "dispositions": "EQ_disposition"}


@public_router.get("/{resource}")
def resource_list(resource: str, session: SessionDep, actor: ActorDep) -> JSONResponse:
    """Top-level resources: /eventTypes, /epcs, /bizSteps, /bizLocations, /readPoints, /dispositions."""
    if resource not in _RESOURCES:
        raise E.EpcisError("NoSuchResourceException", f"未知资源：{resource}", f"unknown resource: {resource}",
                           status=404)
    return _json({"@set": es.distinct_values(session, actor, resource)}, media="application/json")


@public_router.get("/{resource}/{value:path}/events")
def resource_events(resource: str, value: str, request: Request, session: SessionDep,
                    actor: ActorDep) -> Response:
    """Events of one resource, e.g. /epcs/{epc}/events, /bizSteps/shipping/events, /eventTypes/ObjectEvent/events."""
    if resource not in _RESOURCES:
        raise E.EpcisError("NoSuchResourceException", f"未知资源：{resource}", f"unknown resource: {resource}",
                           status=404)
    params = es.normalize_params(request.query_params.multi_items())
    params[_RESOURCES[resource]] = [value]
    return _query_response(request, session, actor, params)


@public_router.get("/{resource}/{value:path}")
def resource_item(resource: str, value: str, session: SessionDep, actor: ActorDep) -> JSONResponse:
    """One resource (e.g. /eventTypes/ObjectEvent, /epcs/{epc}): its sub-resources, at least `events` (HATEOAS)."""
    if resource not in _RESOURCES:
        raise E.EpcisError("NoSuchResourceException", f"未知资源：{resource}", f"unknown resource: {resource}",
                           status=404)
    return _json({"@set": ["events"]}, media="application/json")


@public_router.delete("/nextPageToken/{token}", status_code=204)
def forget_page_token(token: str) -> Response:
    """Tokens are signed and stateless (GS1-Next-Page-Token-Expires: never): releasing one frees nothing."""
    return Response(status_code=204, headers=GS1_HEADERS)
