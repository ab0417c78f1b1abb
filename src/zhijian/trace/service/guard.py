"""防枚举 — the enumeration guard: many unknown or forged codes from one client in a window → refuse that client for
the rest of the window.

Counted in the platform's counter store (`platform.throttle.make_storage`): in-process memory by default, Redis when
`ZHIJIAN_REDIS_URL` is set — then every process behind the proxy counts against the same number, so four processes
do not let an enumerating client try four times as many codes. Only a strike (an unknown or forged code) touches
the store; the blocked check on every scan reads this process's own note of the clients it has seen cross the limit,
so a genuine scan costs no round trip. A client blocked through other processes is blocked here at its next unknown
code (its count comes back over the limit): across P processes it gets at most limit + P − 1 unknown codes a window.
"""

from __future__ import annotations

import threading
import time

from limits.storage import Storage

from zhijian.platform.logs import log


class EnumerationGuard:
    """Strikes per client and fixed window; `limit` strikes in a window block the client until the window ends."""

    def __init__(self, limit: int = 20, window_seconds: float = 600, storage: Storage | None = None) -> None:
        self.limit = limit
        self.window = window_seconds
        self._storage = storage
        self._configured = storage is not None
        self._lock = threading.Lock()
        self._win = 0
        self._strikes: dict[str, int] = {}  # without a store, or while the store is unreachable
        self._blocked: set[str] = set()  # clients this process has seen at or over the limit in the current window

    def share(self, storage: Storage | None) -> None:
        """Count in `storage` from now on (the app's counter store at start-up); None → this process only."""
        self._storage = storage
        self._configured = True

    def _store(self) -> Storage | None:
        if not self._configured:  # first use outside an app (CLI, tests): the configured store, like the app's
            from zhijian.platform.config import get_settings
            from zhijian.platform.throttle import make_storage

            url = get_settings().redis_url
            self.share(make_storage(url) if url else None)
        return self._storage

    def _roll(self, now: float) -> int:
        w = int(now // self.window)
        if w != self._win:
            self._win = w
            self._strikes.clear()
            self._blocked.clear()
        return w

    def blocked(self, client: str, now: float | None = None) -> bool:
        with self._lock:
            self._roll(now or time.time())
            return client in self._blocked

    def strike(self, client: str, now: float | None = None) -> int:
        """Count one unknown or forged code → the client's strikes in this window (all processes, with a store)."""
        with self._lock:
            w = self._roll(now or time.time())
        store = self._store()
        n = None
        if store is not None:
            try:
                n = int(store.incr(f"zj:enum:{w}:{client}", int(self.window) + 1))
            except Exception:  # redis.ConnectionError and the like: count here rather than not at all
                log.exception("enumeration-guard store unreachable; counting in this process")
        with self._lock:
            if n is None:
                n = self._strikes[client] = self._strikes.get(client, 0) + 1
            if n >= self.limit:
                self._blocked.add(client)
        return n


GUARD = EnumerationGuard()
