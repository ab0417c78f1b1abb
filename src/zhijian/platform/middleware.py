"""ASGI middleware: body-size limit, JSON nesting limit, public rate limit, security headers, metrics and access logs."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from array import array
from collections import OrderedDict
from collections.abc import Callable
from itertools import accumulate
from typing import Any

import anyio.to_thread
from prometheus_client import CollectorRegistry, Counter, Histogram

from zhijian.platform.auth import csrf_token_for
from zhijian.platform.errors import DomainError
from zhijian.platform.logs import log
from zhijian.platform.throttle import RateLimiter, client_address

__all__ = ["RateLimiter", "ClientAddressMiddleware", "PublicRateLimitMiddleware", "SecurityHeadersMiddleware",
           "BodyLimitMiddleware", "JsonDepthMiddleware", "CsrfHeaderMiddleware", "MetricsMiddleware", "send_problem"]

Scope = dict[str, Any]

MAX_JSON_DEPTH = 32


async def send_problem(send: Any, err: DomainError, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps(err.to_problem(), ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": err.status,
                "headers": [(b"content-type", b"application/problem+json; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """Refuse request bodies over the limit with 413, whether announced or streamed."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not self.max_bytes:
            await self.app(scope, receive, send)
            return
        # EPCIS binding: a too-large capture is an epcisException:CaptureLimitExceededException
        epcis = scope.get("path", "").startswith("/epcis")
        too_big = DomainError("request.too_large", f"请求体超过 {self.max_bytes} 字节上限",
                              f"request body exceeds {self.max_bytes} bytes", status=413,
                              extra={"type": "epcisException:CaptureLimitExceededException"} if epcis else None)
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await send_problem(send, too_big)
                return
        received = 0

        def over(message: Any) -> DomainError | None:
            nonlocal received
            received += len(message.get("body", b""))
            return too_big if received > self.max_bytes else None

        await refusing(self.app, scope, receive, send, over)  # a streamed (chunked) body over the limit: 413


class _Refused(Exception):
    """Raised into the app's `receive` once a body is refused (`refusing`)."""


async def refusing(app: Any, scope: Scope, receive: Any, send: Any, check: Callable[[Any], DomainError | None]) -> None:
    """Run `app` with every received body message shown to `check`, which answers the error refusing the body
    (or None). On a refusal the app's `receive` raises, whatever it answers about the body it could not read
    (FastAPI: 400 "error parsing the body") is dropped unless it had started, and the problem is sent instead."""
    refused: DomainError | None = None
    started = False

    async def checked_receive() -> Any:
        nonlocal refused
        message = await receive()
        if message["type"] == "http.request" and (err := check(message)) is not None:
            refused = err
            raise _Refused()
        return message

    async def tracking_send(message: Any) -> None:
        nonlocal started
        if refused is not None and not started:
            return
        if message["type"] == "http.response.start":
            started = True
        await send(message)

    try:
        await app(scope, checked_receive, tracking_send)
    except Exception:
        if refused is None:
            raise
    if refused is not None and not started:
        await send_problem(send, refused)


_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_BRACKET_STEP = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'"[]{}')
_NOT_STRUCTURE_OR_MARK = bytes(b for b in range(256) if b not in b'"[]{}\x00')


def json_depth(body: bytes) -> int:
    """Deepest nesting of arrays/objects in a JSON text (strings skipped), at C speed: escapes reduced (``\\\\``
    dropped, ``\\"`` marked by NUL), everything but quotes, brackets and marks deleted, the strings dropped by a
    split on the quotes, the running sum's maximum taken over ±1 steps (1 ms for a capture of 1,000 events against
    7 ms for `_json_depth_regex`, issue #23). The regular expression over the whole body decides where the split is
    ambiguous (a mark outside the strings: a backslash outside them; a NUL byte in a body with a backslash), so the
    answer is `_json_depth_regex`'s for every input."""
    text, kept = body, _NOT_STRUCTURE
    if b"\\" in body:
        if b"\x00" in body:
            return _json_depth_regex(body)
        text, kept = body.replace(b"\\\\", b"").replace(b'\\"', b"\x00"), _NOT_STRUCTURE_OR_MARK
    parts = text.translate(None, kept).split(b'"')
    outside = parts[0::2]
    if len(parts) % 2 == 0:  # an unterminated last string: the regular expression keeps what follows its quote
        outside.append(parts[-1])
    steps = b"".join(outside)
    if b"\x00" in steps:
        return _json_depth_regex(body)
    return max(accumulate(array("b", steps.translate(_BRACKET_STEP))), default=0)


def _json_depth_regex(body: bytes) -> int:
    """`json_depth` by its definition: strings removed by one regular expression, everything but brackets deleted,
    the running sum's maximum taken over ±1 steps."""
    steps = _JSON_STRING.sub(b"", body).translate(_BRACKET_STEP, _NOT_BRACKET)
    return max(accumulate(array("b", steps)), default=0)


class JsonDepthMiddleware:
    """Refuse JSON bodies nested deeper than ``MAX_JSON_DEPTH`` (32) with 400 ``request.too_deep``.

    Documented limit: no zhijian document needs more (an EPCIS 2.0 document with sensor data is ~8 deep;
    GS1's own OpenAPI file is 18). Deeper input only serves to exhaust the parser or a recursive walker
    (deeply nested JSON to /epcis/capture raised RecursionError → 500, issue 12). Checked on the whole body
    before the app sees its last chunk, for every request whose body is JSON (declared, or undeclared and
    starting with ``{`` or ``[``); the body limit (BodyLimitMiddleware) bounds what is buffered."""

    def __init__(self, app: Any, max_depth: int = MAX_JSON_DEPTH) -> None:
        self.app = app
        self.max_depth = max_depth

    @staticmethod
    def _json_declared(scope: Scope) -> bool | None:
        for name, value in scope.get("headers", []):
            if name == b"content-type":
                media = value.split(b";")[0].strip().lower()
                return media in (b"application/json", b"application/ld+json") or media.endswith(b"+json")
        return None  # undeclared: judged by the first byte

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = self._json_declared(scope)
        if declared is False:
            await self.app(scope, receive, send)
            return
        parts: list[bytes] = []
        epcis = scope.get("path", "").startswith("/epcis")
        too_deep = DomainError("request.too_deep", f"JSON 嵌套层数超过 {self.max_depth} 层上限",
                               f"JSON nesting exceeds the limit of {self.max_depth} levels", status=400,
                               extra={"max_depth": self.max_depth,
                                      **({"type": "epcisException:ValidationException"} if epcis else {})})

        def deep(message: Any) -> DomainError | None:
            parts.append(message.get("body", b""))
            if message.get("more_body", False):
                return None
            body = b"".join(parts)
            parts.clear()
            deeper = (declared or body.lstrip()[:1] in (b"{", b"[")) and json_depth(body) > self.max_depth
            return too_deep if deeper else None

        await refusing(self.app, scope, receive, send, deep)


class ClientAddressMiddleware:
    """Set `scope["client"]` to the real client: X-Forwarded-For is believed only when the connection comes
    from a configured proxy (`ZHIJIAN_TRUSTED_PROXIES`); otherwise it is the caller's to forge and ignored.
    Everything downstream (rate limits, login throttling, the code-enumeration guard) reads `scope["client"]`."""

    def __init__(self, app: Any, trusted: tuple[Any, ...]) -> None:
        self.app = app
        self.trusted = trusted

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket") and self.trusted:
            peer, port = scope.get("client") or ("?", 0)
            forwarded = None
            for name, value in scope.get("headers", []):
                if name == b"x-forwarded-for":
                    forwarded = value.decode("latin-1") if forwarded is None else forwarded + "," + value.decode(
                        "latin-1")
            real = client_address(peer, forwarded, self.trusted)
            if real != peer:
                scope = dict(scope, client=(real, port))
        await self.app(scope, receive, send)


def _credential(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The bearer token or the zj_session cookie a request carries (unchecked)."""
    for name, value in headers:
        if name == b"authorization" and value[:7].lower() == b"bearer ":
            return value[7:].strip().decode("latin-1")
    for name, value in headers:
        if name == b"cookie":
            for part in value.decode("latin-1").split(";"):
                key, _, val = part.strip().partition("=")
                if key == "zj_session" and val:
                    return val
    return None


class PublicRateLimitMiddleware:
    """Rate-limit every request without a VALID session (public portal, verification, public API) per client
    address. A made-up cookie or bearer token is checked (one indexed lookup, cached briefly) and counts as none."""

    EXEMPT = ("/static/", "/healthz", "/metrics")
    CACHE_SECONDS = 30.0
    CACHE_SIZE = 10000

    def __init__(self, app: Any, limiter: RateLimiter, is_valid: Callable[[str], bool] | None = None) -> None:
        self.app = app
        self.limiter = limiter
        self.is_valid = is_valid
        self._cache: OrderedDict[str, tuple[float, bool]] = OrderedDict()

    async def _valid(self, token: str) -> bool:
        if self.is_valid is None:
            return False
        key = hashlib.sha256(token.encode()).hexdigest()
        now = time.monotonic()
        hit = self._cache.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        ok = await anyio.to_thread.run_sync(self.is_valid, token)
        self._cache[key] = (now + self.CACHE_SECONDS, ok)
        while len(self._cache) > self.CACHE_SIZE:
            self._cache.popitem(last=False)
        return ok

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and self.limiter.per_minute > 0:
            path = scope.get("path", "")
            if not path.startswith(self.EXEMPT):
                token = _credential(scope.get("headers", []))
                if token is None or not await self._valid(token):
                    client = (scope.get("client") or ("?", 0))[0]
                    if not self.limiter.hit(client):
                        retry = str(self.limiter.retry_after(client)).encode()
                        await send_problem(send, DomainError("request.rate_limited", "请求过于频繁，请稍后再试",
                                                             "too many requests, try again later", status=429,
                                                             extra={"retry_after": int(retry)}),
                                           [(b"retry-after", retry)])
                        return
        await self.app(scope, receive, send)


class CsrfHeaderMiddleware:
    """Cookie-authenticated unsafe requests to the API (`/api/`, `/epcis`) must carry the console's CSRF
    token in `X-CSRF-Token` (a cross-site form can send the cookie, never a header). Bearer-token requests
    need none: no browser attaches a bearer token by itself."""

    SAFE = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
    API = ("/api/", "/epcis")

    def __init__(self, app: Any, secret: str) -> None:
        self.app = app
        self.secret = secret

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if (scope["type"] == "http" and scope["method"] not in self.SAFE
                and scope.get("path", "").startswith(self.API)):
            headers = scope.get("headers", [])
            bearer = any(n == b"authorization" and v[:7].lower() == b"bearer " for n, v in headers)
            cookie = None if bearer else _credential(headers)
            if cookie is not None:
                sent = next((v.decode("latin-1") for n, v in headers if n == b"x-csrf-token"), "")
                if not sent or not hmac.compare_digest(sent, csrf_token_for(self.secret, cookie)):
                    await send_problem(send, DomainError(
                        "request.csrf", "缺少或错误的 CSRF 令牌（X-CSRF-Token 请求头）",
                        "missing or wrong CSRF token (X-CSRF-Token header)", status=403))
                    return
        await self.app(scope, receive, send)


CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "media-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
# Swagger UI (served from the package, see platform.docs) sets style attributes at run time.
DOCS_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'")
HSTS = b"max-age=31536000; includeSubDomains"


class SecurityHeadersMiddleware:
    """Content-security policy (no inline scripts), no sniffing, no framing (CSP frame-ancestors and
    X-Frame-Options), `Cache-Control: no-store` on every response to a request that carries credentials,
    and optionally HSTS."""

    def __init__(self, app: Any, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # static assets are the same for everyone: browsers may keep them even for logged-in users
        authenticated = (_credential(scope.get("headers", [])) is not None
                         and not scope["path"].startswith(("/static/", "/docs/assets/")))

        async def add_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {h[0].lower() for h in headers}
                if b"content-security-policy" not in names:
                    docs = scope["path"].startswith("/docs")
                    headers.append((b"content-security-policy", (DOCS_CSP if docs else CSP).encode()))
                if b"x-frame-options" not in names:
                    headers.append((b"x-frame-options", b"DENY"))
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"referrer-policy", b"same-origin"))
                sets_session = any(h[0].lower() == b"set-cookie" and h[1].startswith(b"zj_session=") for h in headers)
                if authenticated or sets_session:
                    headers = [h for h in headers if h[0].lower() != b"cache-control"]
                    headers.append((b"cache-control", b"no-store"))
                if self.hsts:
                    headers.append((b"strict-transport-security", HSTS))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, add_headers)


class MetricsMiddleware:
    """Prometheus request counts and latencies by route template, plus a JSON access log line."""

    def __init__(self, app: Any, registry: CollectorRegistry, access_log: bool = True) -> None:
        self.app = app
        self.access_log = access_log
        self.requests = Counter("zhijian_http_requests_total", "HTTP requests", ["method", "route", "status"],
                                registry=registry)
        self.latency = Histogram("zhijian_http_request_seconds", "HTTP request latency", ["method", "route"],
                                 registry=registry)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def capture(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            elapsed = time.perf_counter() - start
            self.requests.labels(scope["method"], template, str(status)).inc()
            self.latency.labels(scope["method"], template).observe(elapsed)
            if self.access_log:
                log.info("request", extra={"zj_method": scope["method"], "zj_path": scope["path"], "zj_status": status,
                                           "zj_ms": round(elapsed * 1000, 2)})
