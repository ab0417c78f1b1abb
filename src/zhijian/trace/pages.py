"""防伪溯源 pages: the GS1 Digital Link resolver (the QR target, public), its description at
/.well-known/gs1resolver, and the console (signals, batches, unit timeline, recall scope).

The resolver answers browsers with a mobile page and `Accept: application/json` with JSON; `linkType=all`
gives an RFC 9264 linkset. Every answer comes from `service.verify_scan`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from zhijian.catalog import service as catalog
from zhijian.platform.auth import Actor
from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError
from zhijian.platform.i18n import gettext_for
from zhijian.trace import epcis as E
from zhijian.trace import rules, service
from zhijian.trace.schemas import IssueIn
from zhijian.web.core import console_actor, console_form, error_page, locale_of, nav_item, render

router = APIRouter(include_in_schema=False)
# The resolver is the hottest public path (every consumer scan): mounted before every other route.
hot_router = APIRouter(include_in_schema=False)
CONSOLE_ROLES = ("admin", "regulator", "association", "enterprise", "inspector")
nav_item("/console/trace", "防伪溯源", roles=CONSOLE_ROLES, order=40)

GS1 = "https://gs1.org/voc/"
LINK_TYPES = ("verificationService", "pip", "traceability", "defaultLink")


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept or "application/linkset+json" in accept or "ld+json" in accept


def _client(request: Request) -> str:
    host = request.client.host if request.client else "?"
    return service.client_tag(request.app.state.settings.secret_key, host)


def _float(v: str | None) -> float | None:
    try:
        return float(v) if v not in (None, "") else None
    except ValueError:
        return None


def _linkset(request: Request, link: rules.DigitalLink, product_id: int | None) -> dict[str, Any]:
    base = str(request.base_url).rstrip("/")
    anchor = link.uri(request.app.state.settings.resolver_host)
    here = base + rules.format_digital_link("h", link.gtin, lot=link.lot, serial=link.serial)[len("https://h"):]
    canon = E.canonical_id(anchor)
    entry: dict[str, Any] = {
        "anchor": anchor,
        GS1 + "defaultLink": [{"href": here, "title": "防伪验证 / verification", "type": "text/html", "hreflang": ["zh-CN"]}],
        GS1 + "verificationService": [{"href": here, "title": "防伪验证 / verification", "type": "application/json"}],
        GS1 + "traceability": [{"href": f"{base}/epcis/epcs/{quote(canon, safe='')}/events",
                                "title": "EPCIS 事件 / EPCIS events", "type": "application/ld+json"}],
    }
    if product_id:
        entry[GS1 + "pip"] = [{"href": f"{base}/products/{product_id}", "title": "产品信息 / product information",
                               "type": "text/html"}]
    return {"linkset": [entry]}


@hot_router.get("/.well-known/gs1resolver")
def resolver_description(request: Request) -> JSONResponse:
    """GS1 resolver description file (GS1-Conformant resolver standard §4)."""
    host = request.app.state.settings.resolver_host
    return JSONResponse({
        "name": "zhijian 质检 — 防伪溯源解析器",
        "resolverRoot": f"https://{host}",
        "supportedPrimaryKeys": ["01"],
        "supportedLinkType": [{"namespace": GS1, "prefix": "gs1:", "profile": GS1 + t} for t in LINK_TYPES],
        "linkTypeDefaultCanBeLinkset": False,
        "supportedContextValuesEnumerated": [],
        "validatesURIs": True,
        "keyQualifierOrder": ["22", "10", "21"],
        "linkset": {"linkType": "all", "mediaType": "application/linkset+json", "rfc": "RFC 9264"},
    })


def _verify_in_thread(db: Any, scan: service.ScanInput) -> dict[str, Any]:
    """The scan as its own unit of work; on SQLite the writers of this process queue on a lock instead of
    busy-waiting on the file lock."""
    with service.writer_lock(db.backend), db.session() as verify_session:
        return service.verify_scan(verify_session, scan)


def _gtin_known(db: Any, gtin: str) -> bool:
    with db.session() as session:
        return service.keys_for_gtin(session, gtin) is not None


@hot_router.get("/01/{rest:path}")
async def resolve(rest: str, request: Request) -> Response:
    """The QR target: `/01/{gtin}[/10/{lot}]/21/{serial}` → the verification answer (and records the scan).

    The hottest public path (every consumer scan, and 3·15 scan storms): it takes no request-wide session
    and no login (the page is the same for everyone), and crosses to a worker thread once, for the one
    transaction that records the scan — the per-request framework cost was several times the work itself."""
    try:
        link = rules.parse_digital_link("/01/" + rest)
    except DomainError as err:
        if not _wants_json(request):
            return error_page(request, err)
        raise
    link_type = request.query_params.get("linkType", "")
    short = link_type.removeprefix("gs1:").removeprefix(GS1)
    if short == "all":
        return JSONResponse(_linkset(request, link, None), media_type="application/linkset+json",
                            headers={"Link": f'<{request.url.path}?linkType=all>; rel="linkset"'})
    if short == "traceability":
        canon = E.canonical_id(link.uri())
        return RedirectResponse(f"/epcis/epcs/{quote(canon, safe='')}/events", status_code=307)
    db = request.app.state.db
    if link.serial is None:
        known = await run_in_threadpool(_gtin_known, db, link.gtin)
        body = {"gtin": link.gtin, "lot": link.lot, "answer": None, "known_gtin": known,
                "message_zh": "请扫描商品上带序列号的单品码", "message_en": "scan the item's serialised code"}
        if _wants_json(request):
            return JSONResponse(body)
        return render(request, "trace/verify_result.html", {"r": body, "tone": "warn"})
    scan = service.ScanInput(gtin=link.gtin, serial=link.serial, lot=link.lot, client=_client(request),
                             region=request.query_params.get("region") or request.headers.get("x-client-region"),
                             lat=_float(request.query_params.get("lat")), lon=_float(request.query_params.get("lon")),
                             pin=request.query_params.get("pin"))
    result = await run_in_threadpool(_verify_in_thread, db, scan)
    headers = {"Cache-Control": "no-store", "Link": f'<{request.url.path}?linkType=all>; rel="linkset"'}
    if _wants_json(request):
        return JSONResponse(result, headers=headers)
    tone = {"genuine_first": "ok", "genuine_repeat": "warn"}.get(result["answer"], "bad")
    resp = render(request, "trace/verify_result.html", {"r": result, "tone": tone})
    resp.headers.update(headers)
    return resp


# ---------------------------------------------------------------- console


@router.get("/console/trace", response_class=HTMLResponse)
def console_index(request: Request, session: SessionDep) -> Response:
    actor = console_actor(request, session, *CONSOLE_ROLES)
    try:
        batches = service.list_batches(session, actor, limit=20, cursor=request.query_params.get("cursor"))
        signals = service.list_signals(session, actor, limit=5)
        recalls = service.list_recalls(session, actor, limit=10)
    except DomainError as err:
        return error_page(request, err, actor)
    return render(request, "trace/console_index.html", {"batches": batches, "signals": signals.items,
                                                        "recalls": recalls.items, "kinds_zh": rules.SIGNAL_ZH}, actor=actor)


@router.get("/console/trace/signals", response_class=HTMLResponse)
def console_signals(request: Request, session: SessionDep, kind: str | None = None, status: str | None = None,
                    cursor: str | None = None) -> Response:
    actor = console_actor(request, session, *CONSOLE_ROLES)
    try:
        page = service.list_signals(session, actor, kind=kind or None, status=status or None, limit=50, cursor=cursor)
    except DomainError as err:
        return error_page(request, err, actor)
    return render(request, "trace/console_signals.html", {"page": page, "kind": kind or "", "status": status or "",
                                                          "kinds": rules.SIGNAL_ZH}, actor=actor)


@router.post("/console/trace/signals/{signal_id}")
async def console_signal_status(signal_id: int, request: Request, session: SessionDep) -> Response:
    actor, form = await console_form(request, session, *CONSOLE_ROLES)
    try:
        service.set_signal_status(session, actor, signal_id, str(form.get("status", "")))
    except DomainError as err:
        return error_page(request, err, actor)
    return RedirectResponse("/console/trace/signals", status_code=303)


@router.get("/console/trace/unit", response_class=HTMLResponse)
def console_unit(request: Request, session: SessionDep, uri: str | None = None) -> Response:
    actor = console_actor(request, session, *CONSOLE_ROLES)
    result, error = None, None
    if uri:
        try:
            result = service.trace_unit(session, actor, uri)
        except DomainError as err:
            error = err.message_zh
    return render(request, "trace/console_unit.html", {"uri": uri or "", "t": result, "error": error},
                  status_code=400 if error else 200, actor=actor)


@router.get("/console/trace/lot", response_class=HTMLResponse)
def console_lot(request: Request, session: SessionDep, gtin: str | None = None, lot: str | None = None) -> Response:
    actor = console_actor(request, session, *CONSOLE_ROLES)
    scope, error = None, None
    if gtin and lot:
        try:
            scope = service.trace_lot(session, actor, gtin, lot)
        except DomainError as err:
            error = err.message_zh
    return render(request, "trace/console_lot.html", {"gtin": gtin or "", "lot": lot or "", "s": scope,
                                                      "error": error}, status_code=400 if error else 200, actor=actor)


# ---------------------------------------------------------------- issuance form (赋码申请)

ISSUE_FIELDS = ("product_id", "lot", "quantity", "expiry", "with_pin")
PIN_PAGE_MAX = 1000  # PINs are shown once, on the page itself (not recoverable afterwards)


def _own_products(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """The enterprise's own products that carry a GTIN (only those can be coded)."""
    if actor.organization_id is None:
        return []
    page = catalog.list_products(session, actor, enterprise_id=actor.organization_id, limit=500)
    return [(p.id, f"{p.name}（{p.gtin}）") for p in page.items if p.gtin]


def _issue_form(request: Request, session: Session, actor: Actor, values: dict[str, Any], errors: dict[str, str],
                status: int = 200) -> Response:
    return render(request, "trace/console_issue.html", {
        "values": values, "errors": errors, "products": _own_products(session, actor), "pin_max": PIN_PAGE_MAX,
    }, status_code=status, actor=actor)


def _issue_errors(request: Request, exc: ValidationError) -> dict[str, str]:
    _ = gettext_for(locale_of(request))
    messages = {"missing": "此项必填", "string_too_short": "此项不能为空", "string_too_long": "内容过长（最多 20 个字符）",
                "int_parsing": "请输入整数", "int_type": "请选择一项", "greater_than_equal": "数量至少为 1",
                "less_than_equal": "单次最多 100000 个", "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
                "date_parsing": "日期格式应为 YYYY-MM-DD"}
    out: dict[str, str] = {}
    for e in exc.errors():
        name = str(e["loc"][0]) if e.get("loc") else ""
        out.setdefault(name, _(messages.get(e["type"], "此项无效")))
    return out


@router.get("/console/trace/batches/new", response_class=HTMLResponse)
def console_issue_new(request: Request, session: SessionDep) -> Response:
    actor = console_actor(request, session, "enterprise")
    return _issue_form(request, session, actor, {"quantity": "1000"}, {})


@router.post("/console/trace/batches/new")
async def console_issue(request: Request, session: SessionDep) -> Response:
    """The console's 赋码申请: the same `service.issue_codes` as POST /api/v1/trace/batches."""
    actor, form = await console_form(request, session, "enterprise")
    values: dict[str, Any] = {k: str(form.get(k, "")).strip() for k in ISSUE_FIELDS[:4]}
    values["with_pin"] = form.get("with_pin") == "1"
    data = {k: v for k, v in values.items() if v != "" or k in ("product_id", "lot", "quantity")}
    try:
        data_in = IssueIn.model_validate(data)
    except ValidationError as exc:
        return _issue_form(request, session, actor, values, _issue_errors(request, exc), 422)
    if data_in.with_pin and data_in.quantity > PIN_PAGE_MAX:
        _ = gettext_for(locale_of(request))
        return _issue_form(request, session, actor, values, {
            "quantity": _("带 PIN 的批次在控制台单次最多 {n} 个（PIN 只显示一次）；更多请用命令 zhijian codes issue",
                          n=PIN_PAGE_MAX)}, 422)
    issued: list[service.IssuedCode] = []
    try:
        batch = service.issue_codes(session, actor, service.IssueRequest(**data_in.model_dump()),
                                    host=request.app.state.settings.resolver_host,
                                    sink=issued.extend if data_in.with_pin else None)
    except DomainError as err:
        session.rollback()
        field = (err.field or "").split(".")[0]
        msg = err.message_en if locale_of(request) == "en" else err.message_zh
        return _issue_form(request, session, actor, values, {field if field in ISSUE_FIELDS else "": msg},
                           err.status)
    if data_in.with_pin:  # PINs exist only now: show them on this page instead of redirecting
        return render(request, "trace/console_batch.html", {"b": batch, "pins": issued, "saved": True}, actor=actor)
    return RedirectResponse(f"/console/trace/batches/{batch.id}?saved=1", status_code=303)


@router.get("/console/trace/batches/{batch_id}", response_class=HTMLResponse)
def console_batch(request: Request, session: SessionDep, batch_id: int, saved: str = "") -> Response:
    actor = console_actor(request, session, *CONSOLE_ROLES)
    try:
        batch = service.get_batch(session, actor, batch_id)
    except DomainError as err:
        return error_page(request, err, actor)
    return render(request, "trace/console_batch.html", {"b": batch, "pins": [], "saved": bool(saved)}, actor=actor)
