"""Browser-test fixtures: the real app under uvicorn on a free 127.0.0.1 port, against a migrated SQLite
database holding the demo data, driven by Debian's Chromium through Playwright. Screenshots go to
`test-artifacts/` (gitignored) at the repository root."""

from __future__ import annotations

import dataclasses
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.dbs import built_once

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
DEMO_PASSWORD = "zhijian-demo"
ZHIJIAN = str(Path(sys.executable).with_name("zhijian"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclasses.dataclass
class LiveServer:
    url: str
    db: Any

    def __call__(self, path: str) -> str:
        return self.url + path


def demo_var_dir() -> Path:
    from zhijian.platform.config import get_settings

    return get_settings().var_dir.resolve()


def _demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The migrated demo database, built once per run even when xdist workers ask for it at the same time, by
    the commands `make demo` runs (`zhijian db upgrade`, `zhijian demo`; their output is kept beside it as
    browser-demo.log for tests/platform/test_demo_startup.py)."""

    def build(path: Path) -> None:
        # the var directory of this process's settings: its audit key signs the demo's audit chain, and the
        # servers of the tests (in-process, or `zhijian serve` in test_demo_startup) verify with it
        env = {**os.environ, "ZHIJIAN_DATABASE_URL": f"sqlite:///{path}", "ZHIJIAN_VAR_DIR": str(demo_var_dir())}
        env.pop("ZHIJIAN_REDIS_URL", None)
        log = []
        for cmd in (["db", "upgrade"], ["demo"]):
            done = subprocess.run([ZHIJIAN, *cmd], env=env, capture_output=True, text=True, timeout=900)
            assert done.returncode == 0, f"zhijian {' '.join(cmd)}: {done.stderr[-3000:]}"
            log.append(done.stdout + done.stderr)
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        (path.parent / "browser-demo.log").write_text("\n".join(log), encoding="utf-8")

    return built_once(tmp_path_factory, "browser-demo.sqlite3", build)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """uvicorn in a thread serving create_app() over a fresh, migrated, demo-filled SQLite database."""
    import uvicorn

    from zhijian.platform.app import create_app
    from zhijian.platform.config import get_settings
    from zhijian.platform.db import Database

    path = tmp_path_factory.mktemp("browser") / "demo.sqlite3"
    shutil.copyfile(_demo_database(tmp_path_factory), path)
    url = f"sqlite:///{path}"
    db = Database(url)
    settings = dataclasses.replace(get_settings(), public_rate_limit=0, secret_key="browser-test-secret")
    app = create_app(db, settings)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False,
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", db)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        db.dispose()


_DRIVER: list[Any] = []


def shared_playwright() -> Any:
    """The one Playwright driver of this process. The sync API allows only one at a time: a second
    `sync_playwright()` (another directory's fixture, a module's own) fails with "Sync API inside the asyncio
    loop", so every browser test in every directory takes this one; it stops when the process exits."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps` (scripts/system-deps.sh)")
    if not _DRIVER:
        import atexit

        from playwright.sync_api import sync_playwright

        manager = sync_playwright()
        _DRIVER.append(manager.start())
        atexit.register(_DRIVER[0].stop)
    return _DRIVER[0]


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    yield shared_playwright()


@pytest.fixture(scope="session")
def browser(playwright: Any) -> Iterator[Any]:
    b = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    try:
        yield b
    finally:
        b.close()


PHONE = {"viewport": {"width": 375, "height": 667}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESK = {"viewport": {"width": 1280, "height": 860}}


@pytest.fixture
def new_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Callable[..., Any]]:
    """new_page(phone=False, locale="zh-CN") → a Page in its own context; console errors fail the test."""
    contexts: list[Any] = []
    errors: list[str] = []

    def make(phone: bool = False, locale: str = "zh-CN", **kw: Any) -> Any:
        ctx = browser.new_context(locale=locale, **{**(PHONE if phone else DESK), **kw})  # kw may set the viewport
        ctx.set_default_timeout(60000)  # generous: a loaded 2-core CI machine hashes argon2 slowly
        contexts.append(ctx)
        page = ctx.new_page()
        # JavaScript errors and failed sub-resources fail the test; a document answered with 4xx on purpose
        # (a form with errors, a 404 page) is logged by Chromium as "Failed to load resource" and is fine.
        page.on("console", lambda m: errors.append(m.text)
                if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
                if r.status >= 400 and r.request.resource_type != "document" else None)
        page.on("requestfailed", lambda r: errors.append(f"failed {r.url}: {r.failure}")
                if r.failure != "net::ERR_ABORTED" else None)  # aborted = the page moved on (a navigation)
        return page

    yield make
    for ctx in contexts:
        ctx.close()
    assert not errors, f"browser console errors: {errors}"


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable[[Any, str], Path]:
    """shot(page, "name") saves a full-page screenshot under test-artifacts/<test name>/."""
    folder = ARTIFACTS / request.node.name.replace("/", "_")

    def take(page: Any, name: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def login_as(page: Any, server: LiveServer, username: str, next_path: str = "/console") -> None:
    page.goto(server(f"/login?next={next_path}"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(server(next_path) + "*")
