"""Issue 12 (item 4) and issue 21: every link shown to a role answers 2xx — no template errors, no 500,
no link that leads to 403 or 404. A crawler walks the console and the portal of the demo data as each demo
user (the logins the README names), following every same-site link it is shown."""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import DEMO_PASSWORD, _demo_database

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("crawl")]

ROLES = ["admin", "regulator", "samr", "regulator_hz", "association", "inspector", "enterprise", "enterprise2",
         "public"]
SKIP = re.compile(r"^/(logout|static/|docs|redoc|openapi|api/|epcis|ws/)")
PER_PATTERN = 2  # visit at most this many pages of the same shape (/console/batches/N) per role
MAX_PAGES = 600


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)


def _pattern(path: str) -> str:
    return re.sub(r"\d+", "N", path.split("?")[0])


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from zhijian.platform.app import create_app
    from zhijian.platform.config import get_settings
    from zhijian.platform.db import Database

    path = tmp_path_factory.mktemp("crawl") / "demo.sqlite3"
    shutil.copyfile(_demo_database(tmp_path_factory), path)
    db = Database(f"sqlite:///{path}")
    settings = dataclasses.replace(get_settings(), public_rate_limit=0, secret_key="crawl-secret")
    yield create_app(db, settings)
    db.dispose()


def _login(client: TestClient, username: str) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "login form has no CSRF token"
    r = client.post("/login", data={"csrf_token": token.group(1), "username": username, "password": DEMO_PASSWORD,
                                    "next": "/console"}, follow_redirects=False)
    assert r.status_code == 303, f"{username}: login failed ({r.status_code})"


def _crawl(client: TestClient, starts: list[str]) -> tuple[list[str], dict[str, tuple[int, str]]]:
    seen: set[str] = set()
    shapes: Counter[str] = Counter()
    queue = list(starts)
    came_from: dict[str, str] = {}
    bad: dict[str, tuple[int, str]] = {}
    visited: list[str] = []
    while queue and len(visited) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        shape = _pattern(path)
        if shapes[shape] >= PER_PATTERN:
            continue
        shapes[shape] += 1
        r = client.get(path, follow_redirects=False)
        visited.append(path)
        if r.status_code >= 400 or (r.status_code in (302, 303, 307) and "/login" in r.headers.get("location", "")):
            message = re.search(r"<h1[^>]*>(.*?)</h1>.*?<p[^>]*>(.*?)</p>", r.text, re.S)
            detail = re.sub(r"<[^>]+>|\s+", " ", " ".join(message.groups())).strip() if message else r.text[:120]
            bad[path] = (r.status_code, f"{r.headers.get('location', '') or detail} (linked from {came_from.get(path)})")
            continue
        if r.status_code in (301, 302, 303, 307, 308):
            queue.append(r.headers["location"])
            continue
        if "text/html" not in r.headers.get("content-type", ""):
            continue
        parser = _Links()
        parser.feed(r.text)
        for href in parser.links:
            href = urldefrag(href)[0]
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith("/") or SKIP.match(parts.path):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target not in seen:
                came_from.setdefault(target, path)
                queue.append(target)
    return visited, bad


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
@pytest.mark.parametrize("username", ROLES)
def test_every_link_a_role_is_shown_answers(demo_app: object, username: str, lang: str) -> None:
    with TestClient(demo_app) as client:  # type: ignore[arg-type]
        client.cookies.set("zj_lang", lang)  # both languages: a template branch per language must render too
        starts = ["/"]
        if username != "public":
            _login(client, username)
            starts = ["/console", "/"]
        visited, bad = _crawl(client, starts)
    assert len(visited) >= 10, visited
    assert not bad, f"{username}: {len(bad)} of {len(visited)} links fail: " + "; ".join(
        f"{p} → {code} {detail[:200]}" for p, (code, detail) in sorted(bad.items())[:25])
