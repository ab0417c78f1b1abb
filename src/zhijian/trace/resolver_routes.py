"""Resolver paths beyond `/{primary key AI}/…` (解析路径): custom path stems and fully compressed Digital Links.

GS1 Digital Link URI Syntax 1.2 §4.1 lets a URI carry any path before the primary key ("custom path stem",
e.g. `https://example.cn/p/01/…` or a resolver that lives under a domain's path prefix `…/gs1/01/…`), and the
compression of DL 1.1 §8 / 1.2 puts the whole element string into one segment (`https://id.example/AQnO2I…`).
The primary-key routes of `trace.pages` cannot see either, so one route here claims exactly those requests —
a path under a configured stem, or a single segment that decompresses to a valid Digital Link — and hands them
to the same resolver (`trace.pages.resolve`): same answers, headers and scan records.

Stems are configured as `Settings.extra["resolver_stems"]` or `ZHIJIAN_RESOLVER_STEMS`, a comma list such as
`/p,/gs1`; a stem may not reuse a path of the platform (`/api`, `/epcis`, `/console` …) or a primary key AI."""

from __future__ import annotations

import logging
import os
import re
from functools import lru_cache
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Match, Mount
from starlette.types import Receive, Scope, Send

from zhijian.platform.errors import DomainError
from zhijian.trace import digital_link

RESERVED = frozenset({"api", "epcis", "console", "static", "docs", "redoc", "openapi.json", "login", "logout",
                      "metrics", ".well-known", "healthz", "readyz", *digital_link.PRIMARY_KEYS})
_SINGLE = re.compile(r"^/[A-Za-z0-9_-]{6,}$")


@lru_cache(maxsize=64)
def parse_stems(raw: str) -> tuple[str, ...]:
    """`/p, gs1/ ,/a/b` → ('/p', '/gs1', '/a/b'); a stem that would shadow the platform's own paths is refused."""
    out: list[str] = []
    for item in (raw or "").split(","):
        stem = "/" + item.strip().strip("/")
        if stem == "/":
            continue
        if not re.fullmatch(r"(/[A-Za-z0-9._~-]+)+", stem) or stem.split("/")[1] in RESERVED:
            raise DomainError("trace.invalid_stem", f"解析路径前缀无效或与平台路径冲突：{stem}",
                              f"resolver path stem is invalid or shadows a platform path: {stem}",
                              field="resolver_stems")
        out.append(stem)
    return tuple(out)


def configured_stems(app: Any) -> tuple[str, ...]:
    """The app's stems; a misconfigured list is logged once and ignored (routing must never fail a request)."""
    settings = getattr(getattr(app, "state", None), "settings", None)
    extra = getattr(settings, "extra", None) or {}
    raw = extra.get("resolver_stems") or os.environ.get("ZHIJIAN_RESOLVER_STEMS", "")
    try:
        return parse_stems(raw)
    except DomainError as err:
        _warn_once(raw, err.message_en)
        return ()


@lru_cache(maxsize=16)
def _warn_once(raw: str, message: str) -> None:
    logging.getLogger("zhijian.trace").warning("ignoring resolver stems %r: %s", raw, message)


@lru_cache(maxsize=4096)
def is_compressed_link(path: str) -> bool:
    """A single path segment that is a whole compressed Digital Link (its key's check digit right and all)."""
    if not _SINGLE.match(path) or path[1:].isdigit():
        return False
    try:
        digital_link.parse(path)
    except DomainError:
        return False
    return True


def resolver_path(path: str, stems: tuple[str, ...]) -> bool:
    """Whether the resolver answers this path here: under a configured stem, or a fully compressed link."""
    return any(path.startswith(stem + "/") for stem in stems) or is_compressed_link(path)


async def _endpoint(request: Request) -> Response:
    from zhijian.trace import pages

    if request.method == "OPTIONS":
        return await pages.resolver_options(request)
    if request.method not in ("GET", "HEAD"):
        return PlainTextResponse("Method Not Allowed", status_code=405, headers={"Allow": "GET, HEAD, OPTIONS"})
    return await pages.resolve(request)


async def _app(scope: Scope, receive: Receive, send: Send) -> None:
    response = await _endpoint(Request(scope, receive))
    await response(scope, receive, send)


class ResolverRoute(Mount):
    """Matches only resolver paths (see the module); everything else goes on to the routes after it.

    A `Mount` because FastAPI's `include_router` copies a Mount as it is, while it rebuilds a plain `Route` from
    its path (which would turn this into a catch-all) and drops other route types."""

    def __init__(self) -> None:
        super().__init__("/_resolver_paths", app=_app)  # the path is never used: `matches` decides

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and resolver_path(scope["path"], configured_stems(scope.get("app"))):
            return Match.FULL, {}
        return Match.NONE, {}


def install(router: Any) -> None:
    """Append the route to a router (the trace room's page router: after the API, before other rooms' pages)."""
    router.routes.append(ResolverRoute())


__all__ = ["ResolverRoute", "configured_stems", "install", "is_compressed_link", "parse_stems", "resolver_path"]
