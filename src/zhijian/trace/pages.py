"""防伪溯源 pages: the GS1 Digital Link resolver (the QR target, public), its description at
/.well-known/gs1resolver, and the console (signals, batches, unit timeline, recall scope).

The resolver answers browsers with a mobile page and `Accept: application/json` with JSON; `linkType=all`
gives an RFC 9264 linkset. Every answer comes from `service.verify_scan`.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from zhijian.catalog import service as catalog
from zhijian.platform import audit
from zhijian.platform.auth import Actor
from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError
from zhijian.platform.i18n import gettext_for
from zhijian.trace import digital_link, hot, labels, rules, service
from zhijian.trace import epcis as E
from zhijian.trace.schemas import IssueIn
from zhijian.web.core import console_actor, console_form, error_page, locale_of, nav_item, render

router = APIRouter(include_in_schema=False)
# The resolver is the hottest public path (every consumer scan): mounted before every other route.
hot_router = APIRouter(include_in_schema=False, lifespan=hot.lifespan)  # + the JSON fast lane (trace.hot)
CONSOLE_ROLES = ("admin", "regulator", "association", "enterprise", "inspector")
# labs have no 防伪溯源 console of their own (its lists refuse them): no menu entry that leads to 403 (issue 21)
nav_item("/console/trace", "防伪溯源", roles=tuple(r for r in CONSOLE_ROLES if r != "inspector"), order=40)

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
    """GS1-Conformant resolver description file (keys of GS1's resolver description file schema)."""
    settings = request.app.state.settings
    root = f"https://{settings.resolver_host}"
    return JSONResponse({
        "name": "zhijian 质检 — 防伪溯源解析器",
        "resolverRoot": root,
        "supportedPrimaryKeys": list(digital_link.PRIMARY_KEYS),
        "supportedLinkType": [{"namespace": GS1, "prefix": "gs1:"}],
        "linkTypeDefaultCanBeAll": False,
        "supportsSemanticInterpretation": False,
        "validatesAIcombinations": True,
        "supportsLanguageVariants": False,
        "supportedContextValuesEnumerated": [],
        "contact": {"fn": "zhijian 质检平台运营方", "hasEmail": f"mailto:{settings.smtp_sender}"},
        "termsOfUse": f"{root}/docs",
    }, headers=CORS)


CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "Link, Location, Content-Type"}


def _raw_target(request: Request) -> str:
    """The request path as sent (percent-encoding kept: `/21/A%2F1` is one serial) plus its query."""
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1") if raw else request.url.path
    query = request.url.query
    return path + ("?" + query if query else "")


def _link_type(request: Request) -> str:
    """The requested link type, short (`pip`, `all`, `linkset`); '' when none was asked for."""
    value = request.query_params.get("linkType", "")
    return value.removeprefix("gs1:").removeprefix(GS1).removeprefix(GS1.replace("https", "http"))


def _wants_linkset(request: Request, link_type: str) -> bool:
    return link_type in ("all", "linkset") or "application/linkset+json" in request.headers.get("accept", "")


def _passed_on(request: Request) -> str:
    """The query string minus linkType, passed on to the target of a redirect (resolver standard)."""
    rest = [(k, v) for k, v in request.query_params.multi_items() if k != "linkType"]
    return ("?" + urlencode(rest)) if rest else ""


def _bad_uri(request: Request, err: DomainError) -> Response:
    if _wants_json(request) or request.method == "HEAD":
        body = {"type": "about:blank", "title": err.message_en, "status": err.status, "detail": err.message_zh,
                "code": err.code, "message_zh": err.message_zh, "message_en": err.message_en, "field": err.field}
        return JSONResponse(body, status_code=err.status, media_type="application/problem+json", headers=CORS)
    resp = error_page(request, err)
    resp.headers.update(CORS)
    return resp


def _gtin_known(db: Any, gtin: str) -> bool:
    with db.session() as session:
        return service.keys_for_gtin(session, gtin) is not None


def _key_known(db: Any, canon: str) -> bool:
    with db.session() as session:
        return service.identifier_in_events(session, canon)


async def _resolve_other_key(request: Request, parsed: digital_link.ParsedLink) -> Response:
    """SSCC, GLN, GIAI, GRAI, GDTI … : the identifier's EPCIS trace is its one link (404 when no event names it)."""
    canon = E.canonical_id(f"https://id.gs1.org/{parsed.key_ai}/{quote(parsed.key, safe='')}"
                           + "".join(f"/{ai}/{quote(v, safe='')}" for ai, v in parsed.qualifiers.items()))
    base = str(request.base_url).rstrip("/")
    trace = f"{base}/epcis/epcs/{quote(canon, safe='')}/events"
    links = {"anchor": canon, GS1 + "traceability": [{"href": trace, "title": "EPCIS 事件 / EPCIS events",
                                                      "type": "application/ld+json"}],
             GS1 + "defaultLink": [{"href": trace, "title": "EPCIS 事件 / EPCIS events", "type": "application/ld+json"}]}
    known = await run_in_threadpool(_key_known, request.app.state.db, canon)
    link_type = _link_type(request)
    headers = {**CORS, "Link": f'<{request.url.path}?linkType=linkset>; rel="linkset"'}
    if not known:
        return _bad_uri(request, DomainError("trace.unknown_key", f"未登记的标识：{canon}", f"unknown identifier: {canon}",
                                             status=404, field="uri"))
    if _wants_linkset(request, link_type):
        return JSONResponse({"linkset": [links]}, media_type="application/linkset+json", headers=headers)
    return RedirectResponse(trace + _passed_on(request), status_code=307, headers=headers)


async def resolve(request: Request) -> Response:
    """The QR target (GS1-Conformant resolver): `/01/{gtin}[/10/{lot}]/21/{serial}` → the verification answer.

    Syntax is checked first (400 naming the AI); `linkType=all|linkset` or `Accept: application/linkset+json`
    gives the RFC 9264 linkset; another link type redirects (307) to that link with the query passed on; the
    default is the verification answer itself, which records the scan — except on HEAD, which only says
    whether the code is known. Unknown codes answer 404 (the page still shows its friendly 查无此码).
    The hottest public path (every consumer scan, and 3·15 scan storms): no request-wide session, no login,
    the one transaction that records the scan on async psycopg (PostgreSQL) or one crossing to a worker thread
    (SQLite, MariaDB) — `trace.hot`, which also answers the plain JSON scan ahead of the middleware."""
    try:
        parsed = digital_link.parse(_raw_target(request))
        if parsed.key_ai != "01":
            return await _resolve_other_key(request, parsed)
        link = rules.parse_digital_link(_raw_target(request))
    except DomainError as err:
        return _bad_uri(request, err)
    link_type = _link_type(request)
    linkset_header = f'<{request.url.path}?linkType=linkset>; rel="linkset"'
    if _wants_linkset(request, link_type):
        return JSONResponse(_linkset(request, link, None), media_type="application/linkset+json",
                            headers={**CORS, "Link": linkset_header})
    if link_type and link_type not in ("verificationService", "defaultLink"):
        links = _linkset(request, link, None)["linkset"][0]
        target = links.get(GS1 + link_type)
        if target:
            return RedirectResponse(target[0]["href"] + _passed_on(request), status_code=307,
                                    headers={**CORS, "Link": linkset_header})
    db = request.app.state.db
    headers = {**CORS, "Cache-Control": "no-store", "Link": linkset_header}
    if link.serial is None:
        known = await run_in_threadpool(_gtin_known, db, link.gtin)
        body = {"gtin": link.gtin, "lot": link.lot, "answer": None, "known_gtin": known,
                "message_zh": "请扫描商品上带序列号的单品码", "message_en": "scan the item's serialised code"}
        status = 200 if known else 404
        if request.method == "HEAD":
            return Response(status_code=status, headers=headers)
        if _wants_json(request):
            return JSONResponse(body, status_code=status, headers=headers)
        resp = render(request, "trace/verify_result.html", {"r": body, "tone": "warn", "f": await _facts(db, body)},
                      status_code=status)
        resp.headers.update(headers)
        return resp
    if request.method == "HEAD":  # no side effect: say whether we issued it (MAC), record nothing
        known = await run_in_threadpool(_serial_issued, db, link.gtin, link.serial)
        return Response(status_code=200 if known else 404, headers=headers)
    scan = service.ScanInput(gtin=link.gtin, serial=link.serial, lot=link.lot, client=_client(request),
                             region=request.query_params.get("region") or request.headers.get("x-client-region"),
                             lat=_float(request.query_params.get("lat")), lon=_float(request.query_params.get("lon")),
                             pin=request.query_params.get("pin"))
    result = await hot.verify(db, scan)
    status = 404 if result["answer"] == "not_found" else 200
    if _wants_json(request):
        return Response(hot.dumps(result), status_code=status, headers=headers, media_type="application/json")
    tone = {"genuine_first": "ok", "genuine_repeat": "warn"}.get(result["answer"], "bad")
    resp = render(request, "trace/verify_result.html", {"r": result, "tone": tone, "f": await _facts(db, result)},
                  status_code=status)
    resp.headers.update(headers)
    return resp


def _answer_facts(db: Any, gtin: str, lot: str | None) -> service.AnswerFacts:
    with db.session() as session:
        return service.answer_facts(session, gtin, lot)


async def _facts(db: Any, r: Mapping[str, Any]) -> service.AnswerFacts | None:
    """The answer page's product/brand/recall facts (HTML only; JSON answers never pay for them)."""
    if not r.get("gtin"):
        return None
    warm = service.cached_answer_facts(r["gtin"], r.get("lot"))
    return warm if warm is not None else await run_in_threadpool(_answer_facts, db, r["gtin"], r.get("lot"))


def _serial_issued(db: Any, gtin: str, serial: str) -> bool:
    with db.session() as session:
        cached = service.keys_for_gtin(session, gtin)
        return cached is not None and rules.check_serial(cached[1], gtin, serial)


async def resolver_options(request: Request) -> Response:
    """CORS preflight for the resolver (the resolver standard asks for GET, HEAD and OPTIONS)."""
    return Response(status_code=204, headers={**CORS, "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
                                              "Access-Control-Allow-Headers": "Accept, Accept-Language",
                                              "Allow": "GET, HEAD, OPTIONS"})


# Plain Starlette routes (issue #23): a scan skips FastAPI's per-request dependency solving and endpoint wrapping
# (≈ a quarter of the resolver's CPU in the profile); the platform's middleware still runs around them.
for _ai in digital_link.PRIMARY_KEYS:
    hot_router.add_route(f"/{_ai}/{{rest:path}}", resolve, methods=["GET", "HEAD"], include_in_schema=False)
    hot_router.add_route(f"/{_ai}/{{rest:path}}", resolver_options, methods=["OPTIONS"], include_in_schema=False)


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

ISSUE_FIELDS = ("product_id", "lot", "quantity", "expiry", "with_pin", "compressed_qr")
PIN_PAGE_MAX = 100000  # PINs go to a one-time printer file (not recoverable afterwards), never on screen


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
    values["compressed_qr"] = form.get("compressed_qr") == "1"
    data = {k: v for k, v in values.items() if v != "" or k in ("product_id", "lot", "quantity")}
    try:
        data_in = IssueIn.model_validate(data)
    except ValidationError as exc:
        return _issue_form(request, session, actor, values, _issue_errors(request, exc), 422)
    if data_in.with_pin and data_in.quantity > PIN_PAGE_MAX:
        _ = gettext_for(locale_of(request))
        return _issue_form(request, session, actor, values, {
            "quantity": _("带 PIN 的批次在控制台单次最多 {n} 个；更多请用命令 zhijian codes issue",
                          n=PIN_PAGE_MAX)}, 422)
    # concurrent issuances each spool to their own file until the batch id is known
    pin_sink = labels.PinFileSink(_pin_spool(request, f"new-{secrets.token_hex(8)}")) if data_in.with_pin else None
    try:
        batch = service.issue_codes(session, actor, service.IssueRequest(**data_in.model_dump()),
                                    host=request.app.state.settings.resolver_host, sink=pin_sink)
    except DomainError as err:
        session.rollback()
        if pin_sink is not None:
            pin_sink.discard()
        field = (err.field or "").split(".")[0]
        msg = err.message_en if locale_of(request) == "en" else err.message_zh
        return _issue_form(request, session, actor, values, {field if field in ISSUE_FIELDS else "": msg},
                           err.status)
    except BaseException:
        if pin_sink is not None:
            pin_sink.discard()
        raise
    if pin_sink is not None:  # PINs exist only now: to the printer's one-time file, never on screen (issue 21)
        session.commit()
        (spooled,) = pin_sink.close()
        os.replace(spooled, _pin_spool(request, batch.id))
    return RedirectResponse(f"/console/trace/batches/{batch.id}?saved=1", status_code=303)


def _pin_spool(request: Request, batch_id: int | str) -> Path:
    """Where a console issuance's PIN file waits for its one download (var_dir, never served statically). Keyed by
    the database too: one var directory may serve several databases, whose batch ids repeat."""
    db = hashlib.sha256(str(request.app.state.db.url).encode()).hexdigest()[:12]
    return Path(request.app.state.settings.var_dir) / "trace-pins" / db / f"batch-{batch_id}.zip"


@router.get("/console/trace/batches/{batch_id}", response_class=HTMLResponse)
def console_batch(request: Request, session: SessionDep, batch_id: int, saved: str = "") -> Response:
    actor = console_actor(request, session, *CONSOLE_ROLES)
    try:
        batch = service.get_batch(session, actor, batch_id)
    except DomainError as err:
        return error_page(request, err, actor)
    try:  # the downloads are shown only to those the service lets export (no link that leads to 403)
        service.can_issue(actor, batch.enterprise_id)
        may_export = True
    except DomainError:
        may_export = False
    return render(request, "trace/console_batch.html", {
        "b": batch, "saved": bool(saved), "may_export": may_export,
        "pin_waiting": may_export and _pin_spool(request, batch.id).exists()}, actor=actor)


def _export(request: Request, session: Session, batch_id: int, ext: str) -> Response:
    """标签 PDF / 码 ZIP of a batch from the console — the same writers as `zhijian codes issue --out`."""
    actor = console_actor(request, session, *CONSOLE_ROLES)
    try:
        batch = service.get_batch_for_export(session, actor, batch_id)
        product = catalog.get_product(session, actor, batch.product_id).name
    except DomainError as err:
        return error_page(request, err, actor)
    host = request.app.state.settings.resolver_host
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / (f"labels-{batch_id}.pdf" if ext == "pdf" else f"codes-{batch_id}.zip")
        sink = labels.sink_for(out, product_name=product, lot=batch.lot, with_pin=batch.with_pin,
                               compressed=batch.compressed_qr)
        for chunk in service.iter_batch_codes(session, actor, batch_id, host=host):
            sink(chunk)
        files = sink.close()
        if len(files) > 1:  # a large batch spans several sheets files: hand them over in one ZIP
            out = Path(tmp) / f"labels-{batch_id}.zip"
            with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                for f in files:
                    zf.write(f, f.name)
            ext = "zip"
        else:
            out = files[0]
        body = out.read_bytes()
    media = {"pdf": "application/pdf", "zip": "application/zip"}[ext]
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{out.name}"'})


@router.get("/console/trace/batches/{batch_id}/labels.pdf")
def console_labels_pdf(request: Request, session: SessionDep, batch_id: int) -> Response:
    return _export(request, session, batch_id, "pdf")


@router.get("/console/trace/batches/{batch_id}/codes.zip")
def console_codes_zip(request: Request, session: SessionDep, batch_id: int) -> Response:
    return _export(request, session, batch_id, "zip")


@router.get("/console/trace/batches/{batch_id}/pins.zip")
def console_pins(request: Request, session: SessionDep, batch_id: int) -> Response:
    """The PIN file for the label printer, downloadable once by the issuing enterprise and audited; the file is
    claimed by an atomic rename, so of two concurrent downloads exactly one gets it."""
    actor = console_actor(request, session, "enterprise")
    try:
        batch = service.get_batch_for_export(session, actor, batch_id)
    except DomainError as err:
        return error_page(request, err, actor)
    spool = _pin_spool(request, batch.id)
    claimed = spool.with_name(f".{spool.name}.{secrets.token_hex(4)}.claimed")
    try:
        os.replace(spool, claimed)
    except FileNotFoundError:
        return error_page(request, DomainError(
            "trace.pins_gone", "PIN 文件只能下载一次，已被下载（或本批次无 PIN）；PIN 不保存明文，无法再次导出",
            "the PIN file can be downloaded once and is gone (PINs are not stored in clear)", status=410), actor)
    try:
        body = claimed.read_bytes()
        audit.record(session, "export_pins", "trace_batch", batch.id, None,
                     {"codes": batch.quantity, "file": f"pins-{batch.id}.zip"})
        session.commit()
    except BaseException:
        os.replace(claimed, spool)  # not delivered: put it back for the next attempt
        raise
    claimed.unlink(missing_ok=True)
    return Response(body, media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="pins-{batch.id}.zip"', "Cache-Control": "no-store"})

from zhijian.trace import resolver_routes  # noqa: E402  (custom path stems and compressed links, #16)

resolver_routes.install(router)
