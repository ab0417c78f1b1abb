"""Domain events between rooms (领域事件): published and handled inside the same transaction.

A room announces something another room cares about (`spotcheck.verdict_final`, `risk.recall_started`)
without importing it; subscribers register with `@subscriber(name)` in their own service module.
Handlers run synchronously with the publisher's session, so a failure rolls the whole operation back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

Handler = Callable[[Session, dict[str, Any]], None]
_HANDLERS: dict[str, list[Handler]] = defaultdict(list)
_loaded = False


def subscriber(name: str) -> Callable[[Handler], Handler]:
    def deco(fn: Handler) -> Handler:
        if fn not in _HANDLERS[name]:
            _HANDLERS[name].append(fn)
        return fn

    return deco


def _load() -> None:
    global _loaded
    if not _loaded:
        from zhijian.platform.rooms import modules

        for _ in modules("service"):
            pass
        _loaded = True


def publish(session: Session, name: str, payload: dict[str, Any]) -> int:
    """Call every subscriber of `name`; returns how many handled it."""
    _load()
    handlers = list(_HANDLERS.get(name, ()))
    for handler in handlers:
        handler(session, payload)
    return len(handlers)
