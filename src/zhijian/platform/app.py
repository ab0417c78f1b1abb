"""The application factory: one ASGI app serving the REST API, the public portal and the console."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from zhijian import __version__
from zhijian.platform.config import Settings, get_settings
from zhijian.platform.db import Database, client_error_for
from zhijian.platform.docs import router as docs_router
from zhijian.platform.errors import DomainError, EarlyResponse, as_domain_error
from zhijian.platform.jobs import JobRunner
from zhijian.platform.logs import log
from zhijian.platform.middleware import (
    MAX_JSON_DEPTH,
    BodyLimitMiddleware,
    ClientAddressMiddleware,
    CsrfHeaderMiddleware,
    JsonDepthMiddleware,
    MetricsMiddleware,
    PublicRateLimitMiddleware,
    RateLimiter,
    SecurityHeadersMiddleware,
)
from zhijian.platform.rooms import modules, room_module
from zhijian.platform.throttle import LoginPolicy, LoginThrottle, make_storage, parse_networks

PROBLEM = "application/problem+json"


def _problem(err: DomainError, request: Request) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if err.status == 401 else None
    if err.status in (409, 429, 503) and "retry_after" in err.extra:  # 409: idempotency.in_progress
        headers = {"Retry-After": str(err.extra["retry_after"])}
    return JSONResponse(err.to_problem(instance=str(request.url.path)), status_code=err.status,
                        media_type=PROBLEM, headers=headers)


def _validation_problem(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    first = errors[0] if errors else {}
    loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path", "header")]
    field = ".".join(loc) or None
    kind = first.get("type", "")
    if kind == "json_invalid":
        err = DomainError("request.malformed_json", "请求体不是合法的 JSON（或不是 UTF-8 编码）",
                          "request body is not valid JSON (or not UTF-8)", status=400)
    else:
        msg = first.get("msg", "invalid value")
        err = DomainError("validation.invalid", f"字段「{field}」无效：{msg}", f"field '{field}' is invalid: {msg}",
                          status=422, field=field)
    body = err.to_problem(instance=str(request.url.path))
    body["errors"] = [{"field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"), "message": e.get("msg"),
                       "type": e.get("type")} for e in errors]
    return JSONResponse(body, status_code=err.status, media_type=PROBLEM)


DESCRIPTION = (
    "产品质量检验与市场安全监管开放平台 — product quality inspection and market-safety supervision.\n\n"
    "Limits: a request body over the configured size (ZHIJIAN_MAX_BODY_BYTES, announced or "
    "chunked) is 413 `request.too_large`; JSON nested deeper than "
    f"{MAX_JSON_DEPTH} levels is 400 `request.too_deep`. POSTs that create accept an "
    "`Idempotency-Key` header (1–128 visible ASCII characters, per user, 24 h): a retry with "
    "the same key and body returns the first answer with `Idempotent-Replayed: true`; another "
    "body is 422 `idempotency.key_reused`; while the first still runs, 409 "
    "`idempotency.in_progress` with `Retry-After`.")
HTTP_CODES = {404: ("request.not_found", "资源不存在", "not found"),
              405: ("request.method_not_allowed", "不支持该请求方法", "method not allowed")}
MALFORMED_JSON = ("request.malformed_json", "请求体不是合法的 JSON（或不是 UTF-8 编码）",
                  "request body is not valid JSON (or not UTF-8)")


def create_app(db: Database | None = None, settings: Settings | None = None, *,
               start_background: bool = False) -> FastAPI:
    """Build the app. Rooms are mounted from their api.py and pages.py (see platform.rooms); each step below is
    one concern: state, error handlers, operations endpoints, routers, static files, lifespan, middleware."""
    settings = settings or get_settings()
    db = db or Database(settings.database_url)
    app = FastAPI(
        title="zhijian 质检 API",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,  # platform.docs serves Swagger UI from the package under a CSP
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    _install_state(app, db, settings)
    failure = functools.partial(_failure, app)
    _install_error_handlers(app, failure)
    _install_operations(app, db)
    _install_routers(app)
    _install_static(app)
    if start_background:
        _install_lifespan(app)
    _install_middleware(app, db, settings, failure)
    from zhijian.platform.openapi import install as document_errors

    document_errors(app)  # every operation's problem+json answers in /openapi.json
    return app


def _install_state(app: FastAPI, db: Database, settings: Settings) -> None:
    """What handlers reach through ``request.app.state``: database, settings, jobs, limits, metrics."""
    app.state.db = db
    app.state.settings = settings
    app.state.jobs = JobRunner(db, settings)
    counters = make_storage(settings.redis_url)  # shared by every worker and host when Redis is configured
    app.state.rate_limiter = RateLimiter(settings.public_rate_limit, counters, redis_url=settings.redis_url)
    app.state.login_throttle = LoginThrottle(counters, LoginPolicy(lock_after=settings.login_lock_after,
                                                                   lock_seconds=settings.login_lock_minutes * 60))
    app.state.metrics_registry = CollectorRegistry()


def _wants_html(app: FastAPI, request: Request) -> Any:
    """The portal's error page renderer when a browser asks for a page (not the API), else None."""
    html_error = getattr(app.state, "html_error", None)
    if (html_error is not None and "text/html" in request.headers.get("accept", "")
            and not request.url.path.startswith(("/api/", "/epcis"))):
        return html_error
    return None


def _http_problem(app: FastAPI, request: Request, exc: StarletteHTTPException) -> Response:
    """404/405/400 from routing as problem+json (or, for people in a browser, the portal's error page)."""
    codes = dict(HTTP_CODES)
    if exc.status_code == 400 and "parsing the body" in str(exc.detail):
        codes[400] = MALFORMED_JSON
    code, zh, en = codes.get(exc.status_code, (f"http.{exc.status_code}", str(exc.detail), str(exc.detail)))
    err = DomainError(code, zh, en, status=exc.status_code)
    html_error = _wants_html(app, request)
    if html_error is not None:
        return html_error(request, err)  # type: ignore[no-any-return]  # the web room's renderer answers a Response
    return _problem(err, request)


def _failure(app: FastAPI, request: Request, exc: Exception) -> Response:
    """Any exception no handler claimed: a client-caused or transient database failure gets its 4xx/503,
    anything else a logged 500 with a request id (problem+json, or the HTML error page for browsers)."""
    err = client_error_for(exc)
    rid = uuid.uuid4().hex[:16]
    if err is None:
        log.exception("unhandled error", extra={"zj_path": request.url.path, "zj_request_id": rid})
        err = DomainError("server.error", "服务器内部错误", "internal server error", status=500)
    err.extra["request_id"] = rid
    if err.status == 500:  # the page and the problem name the id to quote to the operators
        err.message_zh = f"{err.message_zh}（请求编号 {rid}）"
        err.message_en = f"{err.message_en} (request id {rid})"
    headers = {"X-Request-ID": rid}
    if err.status == 503:
        headers["Retry-After"] = str(err.extra.get("retry_after", 5))
    html_error = _wants_html(app, request)
    if html_error is not None:
        try:
            resp: Response = html_error(request, err)
            resp.headers.update(headers)
            return resp
        except Exception:  # the error page itself failed: fall back to problem+json
            log.exception("error page failed", extra={"zj_request_id": rid})
    resp = _problem(err, request)
    resp.headers.update(headers)
    return resp


Failure = Callable[[Request, Exception], Response]


def _install_error_handlers(app: FastAPI, failure: Failure) -> None:
    """Every error as RFC 9457 problem+json: DomainError (and stats' StatsError, mapped the same), validation,
    routing, database failures and anything unexpected (the last ones through ``failure``)."""

    @app.exception_handler(DomainError)
    async def _domain_error(request: Request, exc: DomainError) -> JSONResponse:
        return _problem(exc, request)

    @app.exception_handler(ValueError)  # stats.StatsError is a ValueError of DomainError's shape
    async def _value_error(request: Request, exc: ValueError) -> Response:
        err = as_domain_error(exc)
        if err is None:
            return failure(request, exc)
        html_error = _wants_html(app, request)  # a console form's step lets it through: the error page, as the
        if html_error is not None:  # step shows a DomainError; the API answers problem+json with the same code
            return html_error(request, err)  # type: ignore[no-any-return]  # the web room's renderer answers a Response
        return _problem(err, request)

    @app.exception_handler(EarlyResponse)
    async def _early(request: Request, exc: EarlyResponse) -> Response:
        return exc.response  # type: ignore[no-any-return]  # a page's Response, carried by the exception

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _validation_problem(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        return _http_problem(app, request, exc)

    @app.exception_handler(SQLAlchemyError)
    async def _db_failure(request: Request, exc: SQLAlchemyError) -> Response:
        return failure(request, exc)

    @app.exception_handler(OverflowError)  # SQLite: an id too large for INTEGER → 404
    async def _overflow(request: Request, exc: OverflowError) -> Response:
        return failure(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        return failure(request, exc)


def _install_operations(app: FastAPI, db: Database) -> None:
    """/healthz (database reachable?) and /metrics (Prometheus)."""
    registry = app.state.metrics_registry

    @app.get("/healthz", tags=["operations"])
    def healthz() -> JSONResponse:
        try:
            with db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # report, don't raise: a health check answers
            return JSONResponse({"status": "error", "database": str(exc.__class__.__name__)}, status_code=503)
        return JSONResponse({"status": "ok", "database": db.backend, "version": __version__})

    @app.get("/metrics", tags=["operations"], include_in_schema=False)
    def metrics() -> PlainTextResponse:
        return PlainTextResponse(generate_latest(registry).decode(), media_type=CONTENT_TYPE_LATEST)


def _include(app: FastAPI, adapter: str, *attrs: str) -> None:
    """Every room's ``<adapter>.<attr>`` router, in room order."""
    for _room, mod in modules(adapter):
        for attr in attrs:
            router = getattr(mod, attr, None)
            if router is not None:
                app.include_router(router)


def _install_routers(app: FastAPI) -> None:
    """Hot public paths first (Starlette matches routes in order): the GS1 resolver answers every scan; then the
    docs, every room's API and pages. The web room's error page renders HTML errors."""
    _include(app, "pages", "hot_router")
    app.include_router(docs_router)
    _include(app, "api", "router", "public_router")
    _include(app, "pages", "router")
    web_core = room_module("web", "core")
    app.state.html_error = getattr(web_core, "error_page", None) if web_core is not None else None
    install_pages = getattr(web_core, "install_error_pages", None)
    if install_pages is not None:  # a page request's DomainError → the error page, in every room's pages
        install_pages(app)


def _install_static(app: FastAPI) -> None:
    static = Path(__file__).resolve().parent.parent / "web" / "static"
    if static.is_dir():
        app.mount("/static", StaticFiles(directory=static), name="static")


def _install_lifespan(app: FastAPI) -> None:
    """The scheduler of background jobs runs while the server does (``zhijian serve``, not tests)."""

    @app.on_event("startup")
    def _start() -> None:
        app.state.jobs.start_scheduler()

    @app.on_event("shutdown")
    def _stop() -> None:
        app.state.jobs.shutdown()


def _install_middleware(app: FastAPI, db: Database, settings: Settings, failure: Failure) -> None:
    """Innermost first (each add wraps the ones before): metrics see everything; limits run before any handler."""
    app.add_middleware(CatchAllMiddleware, render=failure)
    app.add_middleware(CsrfHeaderMiddleware, secret=settings.secret_key)
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.hsts)
    app.add_middleware(PublicRateLimitMiddleware, limiter=app.state.rate_limiter,
                       is_valid=lambda token: _token_is_valid(db, token))
    app.add_middleware(JsonDepthMiddleware, max_depth=MAX_JSON_DEPTH)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(MetricsMiddleware, registry=app.state.metrics_registry, access_log=settings.access_log)
    app.add_middleware(ClientAddressMiddleware, trusted=parse_networks(settings.trusted_proxies))


class CatchAllMiddleware:
    """Answer any exception no handler claimed here, inside the app, so that it never reaches Starlette's
    ServerErrorMiddleware: that one sends the 500 and then re-raises, and uvicorn closes the connection of
    an application that raised after answering (the dropped connection after a template error, issue 12).
    `render` logs it and builds the 500 problem+json or HTML error page with its request id."""

    def __init__(self, app: Any, render: Any) -> None:
        self.app = app
        self.render = render

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started:  # half an answer is out: nothing left to mend (the server closes the connection)
                raise
            response = self.render(Request(scope, receive), exc)
            await response(scope, receive, send)


def _token_is_valid(db: Database, token: str) -> bool:
    from zhijian.platform.auth import token_is_valid

    with db.session() as session:
        return token_is_valid(session, token)


def serve_app() -> Any:
    """uvicorn factory target: `uvicorn --factory --no-proxy-headers zhijian.platform.app:serve_app` (forwarded
    headers are handled by ClientAddressMiddleware from ZHIJIAN_TRUSTED_PROXIES only)."""
    from zhijian.platform.logs import setup_logging

    settings = get_settings()
    setup_logging(settings.log_json)
    return create_app(settings=settings, start_background=True)
