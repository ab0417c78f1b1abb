"""A request's transaction is committed before its response starts.

A browser follows a 303 and a client reads back what it just created at once; if the commit ran after the
response was sent (FastAPI's default for dependencies with yield), the next request could miss the row — the
console login then bounced back to /login at random. These tests drive the ASGI app directly and look at the
database, through a separate session, at the moment the first response byte (``http.response.start``) is sent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import anyio
from sqlalchemy import select

from tests import factories
from zhijian.catalog.models import Organization
from zhijian.platform.db import Database


def _call(app: Any, method: str, path: str, body: bytes, headers: dict[str, str],
          at_start: Callable[[], Any]) -> tuple[int, Any]:
    """Run one request through the ASGI app; `at_start()` runs when the response starts, its result returned."""
    seen: dict[str, Any] = {}
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await anyio.sleep_forever()
        return {}  # pragma: no cover

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            seen["status"] = message["status"]
            seen["at_start"] = await anyio.to_thread.run_sync(at_start)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
             "client": ("127.0.0.1", 5000), "server": ("testserver", 80)}

    async def main() -> None:
        with anyio.fail_after(30):
            await app(scope, receive, send)

    anyio.run(main)
    return seen["status"], seen["at_start"]


def test_api_create_is_committed_when_the_response_starts(app, db: Database, login) -> None:
    headers = {**login("regulator"), "content-type": "application/json"}
    name = f"杭州{factories.uid()}提交测试有限公司"
    body = json.dumps({"kind": "enterprise", "name": name, "uscc": factories.new_uscc(),
                       "region_code": "330106"}).encode()

    def visible() -> int | None:
        with db.session() as s:
            return s.scalar(select(Organization.id).where(Organization.name == name))

    status, org_id = _call(app, "POST", "/api/v1/organizations", body, headers, visible)
    assert status == 201
    assert org_id is not None, "201 was sent before the organization was committed"


def test_console_login_token_is_committed_before_the_redirect(app, client, db: Database) -> None:
    from zhijian.platform.models import ApiToken

    with db.session() as s:
        user = factories.user(s, "regulator")
        user_id, username = user.id, user.username
    page = client.get("/login")  # the anonymous cookie and the form's CSRF token, as a browser gets them
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text).group(1)
    form = urlencode({"csrf_token": token, "username": username, "password": "correct horse 1", "next": "/console"})

    def tokens() -> int:
        with db.session() as s:
            return len(s.scalars(select(ApiToken.id).where(ApiToken.user_id == user_id)).all())

    status, count = _call(app, "POST", "/login", form.encode(),
                          {"content-type": "application/x-www-form-urlencoded",
                           "cookie": f"zj_anon={client.cookies['zj_anon']}"}, tokens)
    assert status == 303
    assert count == 1, "the redirect was sent before the session token was committed"
