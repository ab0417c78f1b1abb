"""Issue 21 (finding 8, what to build 1): every screen in one language. Every console and portal page a demo role
is shown (a crawl of its menus and links, one page per URL shape) is rendered in zh-CN and in English, and the
visible text (text nodes, title / aria-label / placeholder / alt) must not carry the other script:

- English pages: no Chinese characters, except the proper nouns and free text of the data (every string stored
  in the demo database that is not itself a catalogue entry — enterprise, product and person names, addresses,
  standard titles, complaint texts) and the GB/T 2260 division names.
- Chinese pages: no English words, except those of the data (brands, models, user names), units, standard and
  code systems (GB, GTIN, CMA ...), words inside <code>/<kbd>, elements marked with their own `lang`, and tokens
  holding a digit (report numbers, lot codes).

Findings are grouped by the room whose route answered the page. The web room's own pages must be clean; other
rooms' pages are marked xfail(strict=False) per room and their findings listed in the failure message.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import String, Text, inspect, select
from starlette.routing import Match

from tests.web.conftest import DEMO_PASSWORD, _demo_database

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("one-language")]

ROLES = ["admin", "regulator", "association", "inspector", "enterprise", "public"]
LANGS = ["zh_CN", "en"]
SKIP = re.compile(r"^/(logout|static/|docs|redoc|openapi|api/|epcis|ws/)|\.(xlsx|csv|pdf|zip|png|svg|json)$")
MAX_PAGES = 250
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-/+#&]*")
URLISH = re.compile(r"\S+@\S+|https?://\S+|\b[\w.-]+\.(?:example|com|cn|org|gov)\S*")
# words a Chinese screen rightly shows in Latin letters: units, code systems, formats, marks
LATIN_OK = set("""JavaScript GB T GTIN GS1 EPCIS CBV CMA CNAS CCC ICP ID PDF Excel CSV ZIP QR URL URI API ISO IEC SN JSON XML
HTTP HTTPS SMS USB LED RoHS English mg kg g mL ml L cm mm km m h min s mA kV V W kW Hz dB kPa MPa Pa pH CFU MPN
ND LOD LOQ μg ug mol N Ω A B C D ABC AI GLN SSCC SGTIN RFC UTC CST No Wh kWh dBA lx cd K""".split())


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


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a" and dict(attrs).get("href"):
            self.links.append(str(dict(attrs)["href"]))


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


def _login(client: TestClient, username: str) -> None:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    r = client.post("/login", data={"csrf_token": token.group(1), "username": username, "password": DEMO_PASSWORD,
                                    "next": "/console"}, follow_redirects=False)
    assert r.status_code == 303, f"{username}: login failed"


def _crawl(app: Any, client: TestClient, starts: list[str], lang: str, allowed: Allowed
           ) -> dict[str, dict[str, list[str]]]:
    """room → page → offending texts, over one page per URL shape."""
    found: dict[str, dict[str, list[str]]] = {}
    seen: set[str] = set()
    shapes: Counter[str] = Counter()
    queue = list(starts)
    visited = 0
    while queue and visited < MAX_PAGES:
        path = queue.pop(0)
        shape = re.sub(r"\d+", "N", path.split("?")[0])
        if path in seen or shapes[shape] >= 1:
            continue
        seen.add(path)
        shapes[shape] += 1
        r = client.get(path, follow_redirects=False)
        visited += 1
        if r.status_code in (301, 302, 303, 307, 308):
            queue.append(r.headers["location"])
            continue
        if "text/html" not in r.headers.get("content-type", ""):
            continue
        text = r.text
        if f'<html lang="{"en" if lang == "en" else "zh-CN"}">' not in text:
            continue  # not one of our pages (or a page that chose its language itself)
        vis = _Visible()
        vis.feed(text)
        page_room = _room_of(app, path)
        by_room: dict[str, list[str]] = {}
        for t, room in zip(vis.texts, vis.rooms, strict=True):  # a section a room contributed counts as the room's
            by_room.setdefault(room or page_room, []).append(t)
        for room, texts in by_room.items():
            bad = _offending(texts, lang, allowed)
            if bad:
                found.setdefault(room, {})[path] = bad
        links = _Links()
        links.feed(text)
        for href in links.links:
            parts = urlsplit(urldefrag(href)[0])
            if parts.scheme or parts.netloc or not parts.path.startswith("/") or SKIP.search(parts.path):
                continue
            query = "&".join(q for q in parts.query.split("&") if q and not q.startswith(("lang=", "elder=")))
            queue.append(parts.path + (f"?{query}" if query else ""))
    return found


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Allowed]]:
    from zhijian.platform.app import create_app
    from zhijian.platform.config import get_settings
    from zhijian.platform.db import Database

    path = tmp_path_factory.mktemp("one-language") / "demo.sqlite3"
    shutil.copyfile(_demo_database(tmp_path_factory), path)
    db = Database(f"sqlite:///{path}")
    settings = dataclasses.replace(get_settings(), public_rate_limit=0, secret_key="one-language-secret")
    yield create_app(db, settings), _allowed(db)
    db.dispose()


_RESULTS: dict[str, dict[str, dict[str, list[str]]]] = {}


def _findings(demo: tuple[Any, Allowed], lang: str) -> dict[str, dict[str, list[str]]]:
    """room → "role page" → offending texts, every demo role crawled once per language (cached)."""
    if lang not in _RESULTS:
        app, allowed = demo
        merged: dict[str, dict[str, list[str]]] = {}
        for role in ROLES:
            with TestClient(app) as client:
                client.cookies.set("zj_lang", lang)
                starts = ["/"]
                if role != "public":
                    _login(client, role)
                    starts = ["/console", "/"]
                for room, pages in _crawl(app, client, starts, lang, allowed).items():
                    for page, texts in pages.items():
                        merged.setdefault(room, {})[f"{role} {page}"] = texts
        _RESULTS[lang] = merged
    return _RESULTS[lang]


# catalog's console pages were the web room's until #17 moved them to catalog/pages.py: they stay held to it
CLEAN_ROOMS = ["web", "catalog"]
OTHER_ROOMS = ["platform", "spotcheck", "trace", "consumer", "equipment", "risk", "stable", "enforcement",
               "association"]
CASES = [pytest.param(room, lang, id=f"{room}-{lang}") for room in CLEAN_ROOMS for lang in LANGS] + [
    pytest.param(room, lang, id=f"{room}-{lang}", marks=pytest.mark.xfail(
        strict=False, reason=f"{room}'s pages still show text of the other script (listed in the failure)"))
    for room in OTHER_ROOMS for lang in LANGS]


@pytest.mark.parametrize(("room", "lang"), CASES)
def test_every_page_in_one_language(demo, room: str, lang: str) -> None:
    found = _findings(demo, lang).get(room, {})
    assert not found, f"{room} ({lang}): {len(found)} pages: " + "; ".join(
        f"{page} → {texts[:6]}" for page, texts in sorted(found.items())[:40])


def test_the_check_sees_mixed_text() -> None:
    allowed = Allowed({"天禾"}, {"Tianhe"})
    vis = _Visible()
    vis.feed('<html lang="en"><p>Status: 合格</p><p>天禾</p><a lang="zh-CN">中文</a><code>不合格</code>'
             '<input type="submit" value="提交"></html>')
    assert _offending(vis.texts, "en", allowed) == ["Status: 合格", "提交"]
    vis = _Visible()
    vis.feed('<html lang="zh-CN"><td>submitted</td><td>Tianhe 牌</td><td>ZJ-2026-JD-02-00003</td><td>GB/T 8170 mg/kg'
             '</td><a lang="en">English</a><span title="draft">草稿</span></html>')
    assert _offending(vis.texts, "zh_CN", allowed) == ["submitted", "draft"]
