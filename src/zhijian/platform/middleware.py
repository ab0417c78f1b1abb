"""ASGI middleware: body-size limit, public rate limit, security headers, metrics and access logs."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram

from zhijian.platform.errors import DomainError
from zhijian.platform.logs import log

Scope = dict[str, Any]


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
        started = False

        async def limited_receive() -> Any:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge()
            return message

        async def tracking_send(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await send_problem(send, too_big)


class _TooLarge(Exception):
    pass


class RateLimiter:
    """Fixed one-minute windows per client key; in-process (each worker limits its own share)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._lock = threading.Lock()
        self._window = 0
        self._counts: dict[str, int] = defaultdict(int)

    def hit(self, key: str, now: float | None = None) -> bool:
        window = int((now or time.time()) // 60)
        with self._lock:
            if window != self._window:
                self._window = window
                self._counts.clear()
            self._counts[key] += 1
            return self._counts[key] <= self.per_minute


class PublicRateLimitMiddleware:
    """Rate-limit anonymous requests (public portal, verification, public API) per client address."""

    EXEMPT = ("/static/", "/healthz", "/metrics")

    def __init__(self, app: Any, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and self.limiter.per_minute > 0:
            path = scope.get("path", "")
            headers = dict(scope.get("headers", []))
            anonymous = b"authorization" not in headers and b"zj_session=" not in headers.get(b"cookie", b"")
            if anonymous and not path.startswith(self.EXEMPT):
                client = (scope.get("client") or ("?", 0))[0]
                if not self.limiter.hit(client):
                    await send_problem(send, DomainError("request.rate_limited", "请求过于频繁，请稍后再试",
                                                         "too many requests, try again later", status=429),
                                       [(b"retry-after", b"60")])
                    return
        await self.app(scope, receive, send)


CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "media-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


class SecurityHeadersMiddleware:
    """Content-security policy (no inline scripts), no sniffing, no framing."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def add_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {h[0].lower() for h in headers}
                if b"content-security-policy" not in names and not scope["path"].startswith("/docs"):
                    headers.append((b"content-security-policy", CSP.encode()))
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"referrer-policy", b"same-origin"))
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
