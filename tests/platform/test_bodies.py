"""Request bodies and failing pages (issue 12 part 4), each a finding of the issue, through a real server:

- a chunked body over the limit answered 400, not 413 (no Content-Length to refuse it by);
- deeply nested JSON to /epcis/capture answered 500 (RecursionError) → 400 ``request.too_deep`` beyond
  ``MAX_JSON_DEPTH`` (32) on every JSON endpoint;
- a page whose template raised answered and then the server dropped the connection (uvicorn closes a
  connection whose application raised after answering) → the HTML 500 page with a request id, connection kept.
"""

from __future__ import annotations

import dataclasses
import json
import re
import socket
from collections.abc import Iterator

import httpx
import pytest

from tests.platform.live import live_server
from zhijian.platform.app import create_app
from zhijian.platform.middleware import MAX_JSON_DEPTH

LIMIT = 64 * 1024


@pytest.fixture
def small_app(db, settings):  # type: ignore[no-untyped-def]
    return create_app(db, dataclasses.replace(settings, max_body_bytes=LIMIT))


def _chunks(total: int, size: int = 8192) -> Iterator[bytes]:
    yield b'{"facts": "'
    sent = 11
    while sent < total:
        yield b"x" * size
        sent += size
    yield b'"}'


@pytest.mark.parametrize("path", ["/api/v1/complaints", "/epcis/capture", "/api/v1/auth/token"])
def test_chunked_body_over_the_limit_is_413(small_app, path):
    with live_server(small_app) as base:
        r = httpx.post(base + path, content=_chunks(LIMIT * 3), headers={"content-type": "application/json"},
                       timeout=60)
        assert "content-length" not in r.request.headers  # really chunked
        assert r.status_code == 413, r.text[:300]
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] == "request.too_large"
        if path.startswith("/epcis"):
            assert r.json()["type"] == "epcisException:CaptureLimitExceededException"
        small = httpx.post(base + path, content=_chunks(1000), headers={"content-type": "application/json"},
                           timeout=60)
        assert small.status_code != 413  # under the limit: the endpoint's own answer


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize("path", ["/epcis/capture", "/api/v1/complaints", "/api/v1/products"])
def test_json_deeper_than_the_limit_is_400(client, login, path):
    admin = login("admin")
    for depth in (MAX_JSON_DEPTH + 1, 100_000):
        body = b'{"type": "EPCISDocument", "x": ' + _nested(depth - 1) + b"}"
        r = client.post(path, content=body, headers={**admin, "content-type": "application/ld+json"
                                                     if path.startswith("/epcis") else "application/json"})
        assert r.status_code == 400, (depth, r.status_code, r.text[:300])
        assert r.headers["content-type"].startswith("application/problem+json")
        p = r.json()
        assert p["code"] == "request.too_deep" and p["max_depth"] == MAX_JSON_DEPTH
    # exactly at the limit the body is parsed and judged by the endpoint (here: invalid, 4xx but not too_deep)
    ok = client.post(path, content=b'{"x": ' + _nested(MAX_JSON_DEPTH - 1) + b"}",
                     headers={**admin, "content-type": "application/json"})
    assert ok.status_code < 500 and ok.json().get("code") != "request.too_deep", ok.text[:300]


def test_brackets_inside_strings_do_not_count(client, login):
    admin = login("admin")
    facts = "[" * 200 + '{"\\"' + "]" * 5
    r = client.post("/api/v1/complaints", json={"kind": "complaint", "facts": facts}, headers=admin)
    assert r.status_code == 422 and r.json()["code"] != "request.too_deep", r.text[:300]


class _Exploding:
    """A value whose rendering fails inside the template, as `'cert_kinds' is undefined` did."""

    def __html__(self) -> str:
        raise TypeError("'cert_kinds' is undefined")

    __str__ = __html__


def _raw_get(sock: socket.socket, path: str) -> tuple[int, dict[str, str], bytes]:
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: t\r\nAccept: text/html\r\nConnection: keep-alive\r\n\r\n".encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection dropped before the headers")
        buf += chunk
    head, _, body = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
    length = int(headers["content-length"])
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection dropped in the body")
        body += chunk
    return int(lines[0].split()[1]), headers, body


def test_template_error_is_the_html_500_page_and_the_connection_stays_open(db, settings):
    from zhijian.web.core import render

    app = create_app(db, settings)

    async def broken(request):  # type: ignore[no-untyped-def]
        return render(request, "web/error.html", {"status": 200, "message": _Exploding(), "code": "x"})

    from starlette.routing import Route

    app.router.routes.insert(0, Route("/__test__/broken-page", broken))
    with live_server(app) as base:
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            status, headers, body = _raw_get(sock, "/__test__/broken-page")
            assert status == 500
            assert headers["content-type"].startswith("text/html")
            rid = headers["x-request-id"]
            assert re.fullmatch(r"[0-9a-f]{16}", rid)
            assert rid in body.decode("utf-8")  # the page shows the id to quote to the operators
            assert headers.get("connection", "").lower() != "close"
            # the same connection answers the next request (it was dropped before)
            status2, _h, _b = _raw_get(sock, "/healthz")
            assert status2 == 200
        # and the API answer for the same failure is problem+json with the id
        r = httpx.get(base + "/__test__/broken-page", headers={"accept": "application/json"}, timeout=30)
        assert r.status_code == 500 and r.json()["request_id"] == r.headers["x-request-id"]
        assert json.loads(r.text)["code"] == "server.error"
