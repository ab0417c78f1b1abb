"""Enforcement fixtures: the browser fixtures of tests/web, and a live server of the real app over a migrated SQLite
database holding the catalog demo and the enforcement demo only (two provinces' bureaus, their cases, one joint
operation), so the enforcement pages are tested whatever state the other rooms' demos are in."""

from __future__ import annotations

import dataclasses
import random
import threading
import time
from collections.abc import Iterator

import pytest

from tests.web.conftest import LiveServer, _free_port, browser, new_page, playwright, shot  # noqa: F401


@pytest.fixture(scope="session")
def enforcement_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    import uvicorn

    from zhijian.catalog import demo as catalog_demo
    from zhijian.enforcement import demo as enforcement_demo
    from zhijian.platform import migrate
    from zhijian.platform.app import create_app
    from zhijian.platform.config import get_settings
    from zhijian.platform.db import Database
    from zhijian.platform.demo import seed_reference_data

    url = f"sqlite:///{tmp_path_factory.mktemp('enforcement-browser') / 'demo.sqlite3'}"
    migrate.upgrade(url)
    db = Database(url)
    seed_reference_data(db)
    with db.session() as s:
        catalog_demo.load(s, random.Random("20260915-catalog"))
    with db.session() as s:
        enforcement_demo.load(s, random.Random("20260915-enforcement"))
    settings = dataclasses.replace(get_settings(), public_rate_limit=0, secret_key="browser-test-secret")
    server = uvicorn.Server(uvicorn.Config(create_app(db, settings), host="127.0.0.1", port=_free_port(),
                                           log_level="warning", access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(f"http://127.0.0.1:{server.config.port}", db)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        db.dispose()
