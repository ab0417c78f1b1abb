"""`run(coro)`: asyncio.run for tests, also on an xdist worker whose main thread already runs an event loop
(Playwright's sync API keeps one once a browser test has run there: asyncio.run then raises "cannot be called
from a running event loop"). Such a worker runs the coroutine on one helper thread of its own."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
_THREAD = ThreadPoolExecutor(1, thread_name_prefix="tests-aio")


def run(coro: Coroutine[Any, Any, T]) -> T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    return _THREAD.submit(asyncio.run, coro).result()
