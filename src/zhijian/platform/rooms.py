"""The rooms (capability packages) in dependency order, and lazy discovery of their adapters.

Each room may provide: models, api (`router`, optional `public_router`), pages (`router`),
cli (`register(root)`), demo (`load(session, rng)`), tasks. A missing module is simply skipped,
so a room grows its adapters one file at a time.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from zhijian.platform.errors import as_domain_error

log = logging.getLogger(__name__)

ROOMS: tuple[str, ...] = ("platform", "catalog", "stats", "spotcheck", "trace", "consumer", "equipment", "risk", "stable", "enforcement", "association", "web")


def room_module(room: str, name: str) -> ModuleType | None:
    full = f"zhijian.{room}.{name}"
    try:
        return importlib.import_module(full)
    except ModuleNotFoundError as exc:
        if exc.name in (full, f"zhijian.{room}"):
            return None
        raise


def offer(room: str, name: str) -> Callable[..., Any] | None:
    """A function another room offers: `zhijian.<room>.contracts.<name>` (its declared contract, 合同), or None
    when the room, its contracts module or the function is absent. A room whose contracts fail to import is logged
    and treated as absent, so one broken room cannot take the others down. Writes (a penalty into the credit
    file, a recall mark) call what this returns directly, so that their failure reaches the caller."""
    try:
        mod = room_module(room, "contracts")
    except Exception:
        log.exception("room contracts failed to import", extra={"zj_room": room})
        return None
    if mod is None or name not in getattr(mod, "__all__", ()):
        return None
    fn = getattr(mod, name, None)
    return fn if callable(fn) else None


def call(session: Any, room: str, name: str, /, *args: Any, default: Any = None, **kwargs: Any) -> Any:
    """The one tolerant cross-room read: `room`'s contract `name(session, *args, **kwargs)`, or `default`
    ("no data") when the room or the function is absent, or the call raises. It runs in a savepoint, so a failing
    query in the other room leaves the caller's transaction usable; unexpected errors are logged, not swallowed
    silently. `session=None` calls the function without a session (pure contracts)."""
    fn = offer(room, name)
    if fn is None:
        return default
    try:
        if session is None:
            return fn(*args, **kwargs)
        with session.begin_nested():
            return fn(session, *args, **kwargs)
    except Exception as exc:
        if as_domain_error(exc) is None:  # a DomainError (or stats' StatsError) is "no data", not a fault
            log.exception("room call failed", extra={"zj_room": room, "zj_function": name})
        return default


def modules(name: str) -> Iterator[tuple[str, ModuleType]]:
    for room in ROOMS:
        mod = room_module(room, name)
        if mod is not None:
            yield room, mod


def import_all_models() -> None:
    """Import every room's models so that Base.metadata is complete (Alembic, tests)."""
    importlib.import_module("zhijian.platform.search")
    for _ in modules("models"):
        pass


def migration_dirs() -> list[str]:
    base = Path(__file__).resolve().parent.parent
    out = []
    for room in ROOMS:
        d = base / room / "migrations" / "versions" if room == "platform" else base / room / "migrations"
        if d.is_dir():
            out.append(str(d))
    return out


def template_dirs() -> list[str]:
    base = Path(__file__).resolve().parent.parent
    return [str(base / room / "templates") for room in ROOMS if (base / room / "templates").is_dir()]
