"""The crawl of the demo data behind tests/web/test_crawl.py: every console and portal page a demo role is shown
(its menus and links, at most `per_shape` pages of one URL shape), in one language, recording for each page

- links that fail (issue 12 item 4, issue 21 finding 10): a 4xx/5xx answer or a redirect to the login page;
- text of the other script (issue 21 finding 8, what to build 1) in the visible text (text nodes, title /
  aria-label / placeholder / alt), grouped by the room whose route answered (or that marked its section with
  `data-room`):
  - English pages: no Chinese characters, except the proper nouns and free text of the data (every string stored
    in the demo database that is not itself a catalogue entry — enterprise, product and person names, addresses,
    standard titles, complaint texts) and the GB/T 2260 division names;
  - Chinese pages: no English words, except those of the data (brands, models, user names), units, standard and
    code systems (GB, GTIN, CMA ...), words inside <code>/<kbd>, elements marked with their own `lang`, and tokens
    holding a digit (report numbers, lot codes).

One crawl serves both checks (they were two crawls of the same pages, a third of the suite's time).
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urlsplit

from fastapi.testclient import TestClient
from sqlalchemy import String, Text, inspect, select
from starlette.routing import Match

from tests.web.conftest import DEMO_PASSWORD

# not followed: the API, static files, the docs; and the label sheets and code files of a batch — a 1,200-code
# sheet is seconds of QR encoding, checked on its own in tests/trace/test_label_workflow.py
SKIP = re.compile(r"^/(logout|static/|docs|redoc|openapi|api/|epcis|ws/)|/(labels\.pdf|codes\.zip|pins\.zip)$")
FILES = re.compile(r"\.(xlsx|csv|pdf|zip|png|svg|json)$")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-/+#&]*")
URLISH = re.compile(r"\S+@\S+|https?://\S+|\b[\w.-]+\.(?:example|com|cn|org|gov)\S*")
# words a Chinese screen rightly shows in Latin letters: units, code systems, formats, marks, and the names of the
# statistical methods and measures (EWMA, CUSUM, EARS, Laney, Farrington, Spiegelhalter, PPV, ARL) and of schemes (REACH, CQC)
LATIN_OK = set("""JavaScript GB T GTIN GS1 EPCIS CBV CMA CNAS CCC ICP ID PDF Excel CSV ZIP QR URL URI API ISO IEC SN JSON XML
HTTP HTTPS SMS USB LED RoHS English mg kg g mL ml L cm mm km m h min s mA kV V W kW Hz dB kPa MPa Pa pH CFU MPN
ND LOD LOQ μg ug mol N Ω A B C D ABC AI GLN SSCC SGTIN RFC UTC CST No Wh kWh dBA lx cd K
PIN EPC URN EWMA CUSUM EARS Laney PPV ARL Farrington Spiegelhalter REACH CQC""".split())


class _Visible(HTMLParser):
    """Visible text and the readable attributes of a page, skipping script/style, <code>, <kbd>, and elements
    marked with a `lang` of their own."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.rooms: list[str | None] = []  # per text: the room an element says it came from (data-room)
        self.stack: list[bool] = []  # per open element: text inside it is skipped
        self.room_stack: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        skipped = (bool(self.stack and self.stack[-1]) or tag in ("script", "style", "code", "kbd", "samp", "template")
                   or (tag != "html" and a.get("lang") is not None))
        room = a.get("data-room") or (self.room_stack[-1] if self.room_stack else None)
        if not skipped:
            for name in ("title", "aria-label", "placeholder", "alt"):
                if a.get(name):
                    self._add(str(a[name]), room)
            if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
                self._add(str(a["value"]), room)
        if tag not in self.VOID:
            self.stack.append(skipped)
            self.room_stack.append(room)

    def _add(self, text: str, room: str | None) -> None:
        self.texts.append(text)
        self.rooms.append(room)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.stack:
            self.stack.pop()
            self.room_stack.pop()

    def handle_data(self, data: str) -> None:
        if data.strip() and not (self.stack and self.stack[-1]):
            self._add(data.strip(), self.room_stack[-1] if self.room_stack else None)


@dataclasses.dataclass
class Allowed:
    cjk: set[str]
    latin: set[str]


def _allowed(db: Any) -> Allowed:
    """The demo data's own words: every CJK run and Latin word of every stored string that is not a catalogue
    entry (a stored 合格 is an enum and must be translated; a stored 杭州天禾乳业有限公司 is a name)."""
    from zhijian.catalog.rules import region_names
    from zhijian.platform.db import Base
    from zhijian.platform.i18n import _catalog

    msgids = set(_catalog("en"))
    cjk: set[str] = set()
    latin: set[str] = set()
    with db.session() as s:
        have = set(inspect(s.get_bind()).get_table_names())
        for table in Base.metadata.sorted_tables:
            cols = [c for c in table.columns if isinstance(c.type, (String, Text))]
            if table.name not in have or not cols:
                continue
            for row in s.execute(select(*cols)):
                for value in row:
                    if isinstance(value, str) and value and value not in msgids:
                        cjk.update(CJK.findall(value))
                        latin.update(w for t in TOKEN.findall(value) for w in re.findall(r"[A-Za-z]{2,}", t))
    for name in region_names().values():
        cjk.update(CJK.findall(name))
    return Allowed(cjk, latin)


def _offending(texts: list[str], lang: str, allowed: Allowed) -> list[str]:
    out: list[str] = []
    for text in texts:
        text = URLISH.sub(" ", text)
        if lang == "en":
            bad = [r for r in CJK.findall(text) if r not in allowed.cjk]
        else:
            bad = [w for t in TOKEN.findall(text) if not re.search(r"\d", t)
                   for w in re.findall(r"[A-Za-z]{2,}", t) if w not in LATIN_OK and w not in allowed.latin]
        if bad:
            out.append(text[:80])
    return out


def _room_of(app: Any, path: str) -> str:
    scope = {"type": "http", "method": "GET", "path": path.split("?")[0], "root_path": "", "query_string": b"",
             "headers": []}
    def walk(routes: list[Any]) -> str | None:
        for route in routes:
            if route.matches(scope)[0] != Match.FULL:
                continue
            inner = getattr(route, "original_router", None) or getattr(route, "router", None)
            if inner is not None and getattr(inner, "routes", None) is not None and not hasattr(route, "endpoint"):
                found = walk(inner.routes)  # an included router: look inside
                if found:
                    return found
                continue
            parts = (getattr(getattr(route, "endpoint", None), "__module__", "") or "").split(".")
            return parts[1] if len(parts) > 1 and parts[0] == "zhijian" else None
        return None

    return walk(app.router.routes) or "web"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a" and dict(attrs).get("href"):
            self.links.append(str(dict(attrs)["href"]))


def login(client: TestClient, username: str) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "login form has no CSRF token"
    r = client.post("/login", data={"csrf_token": token.group(1), "username": username, "password": DEMO_PASSWORD,
                                    "next": "/console"}, follow_redirects=False)
    assert r.status_code == 303, f"{username}: login failed ({r.status_code})"


@dataclasses.dataclass
class Crawl:
    visited: list[str] = dataclasses.field(default_factory=list)
    bad: dict[str, tuple[int, str]] = dataclasses.field(default_factory=dict)
    """path → (status, where it led or the error page's message, and the page that linked to it)"""
    mixed: dict[str, dict[str, list[str]]] = dataclasses.field(default_factory=dict)
    """room → path → texts of the other script"""


def _failure(r: Any, path: str, came_from: dict[str, str]) -> tuple[int, str]:
    message = re.search(r"<h1[^>]*>(.*?)</h1>.*?<p[^>]*>(.*?)</p>", r.text, re.S)
    detail = re.sub(r"<[^>]+>|\s+", " ", " ".join(message.groups())).strip() if message else r.text[:120]
    return r.status_code, f"{r.headers.get('location', '') or detail} (linked from {came_from.get(path)})"


def _check_language(app: Any, into: Crawl, path: str, text: str, lang: str, allowed: Allowed) -> None:
    if f'<html lang="{"en" if lang == "en" else "zh-CN"}">' not in text:
        return  # not one of our pages (or a page that chose its language itself)
    vis = _Visible()
    vis.feed(text)
    page_room = _room_of(app, path)
    by_room: dict[str, list[str]] = {}
    for t, room in zip(vis.texts, vis.rooms, strict=True):  # a section a room contributed counts as the room's
        by_room.setdefault(room or page_room, []).append(t)
    for room, texts in by_room.items():
        found = _offending(texts, lang, allowed)
        if found:
            into.mixed.setdefault(room, {})[path] = found


def _links_of(text: str) -> list[str]:
    parser = _Links()
    parser.feed(text)
    out = []
    for href in parser.links:
        parts = urlsplit(urldefrag(href)[0])
        if parts.scheme or parts.netloc or not parts.path.startswith("/") or SKIP.search(parts.path):
            continue
        # the language and 适老化 switches set a cookie: the crawl stays in the language it checks
        query = "&".join(q for q in parts.query.split("&") if q and not q.startswith(("lang=", "elder=")))
        out.append(parts.path + (f"?{query}" if query else ""))
    return out


def crawl(app: Any, client: TestClient, starts: list[str], lang: str, allowed: Allowed, *, per_shape: int,
          max_pages: int = 600) -> Crawl:
    """Breadth-first from `starts`, at most `per_shape` pages of one URL shape (/console/batches/N)."""
    out = Crawl()
    seen: set[str] = set()
    shapes: Counter[str] = Counter()
    queue = list(starts)
    came_from: dict[str, str] = {}
    while queue and len(out.visited) < max_pages:
        path = queue.pop(0)
        shape = re.sub(r"\d+", "N", path.split("?")[0])
        if path in seen or shapes[shape] >= per_shape:
            continue
        seen.add(path)
        shapes[shape] += 1
        r = client.get(path, follow_redirects=False)
        out.visited.append(path)
        if r.status_code >= 400 or (r.status_code in (302, 303, 307) and "/login" in r.headers.get("location", "")):
            out.bad[path] = _failure(r, path, came_from)
            continue
        if r.status_code in (301, 302, 303, 307, 308):
            queue.append(r.headers["location"])
            continue
        if "text/html" not in r.headers.get("content-type", "") or FILES.search(path.split("?")[0]):
            continue
        _check_language(app, into=out, path=path, text=r.text, lang=lang, allowed=allowed)
        for target in _links_of(r.text):
            if target not in seen:
                came_from.setdefault(target, path)
                queue.append(target)
    return out
