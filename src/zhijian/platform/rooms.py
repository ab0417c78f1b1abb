"""The rooms (capability packages) in dependency order, and lazy discovery of their adapters.

Each room may provide: models, api (`router`, optional `public_router`), pages (`router`),
cli (`register(root)`), demo (`load(session, rng)`), tasks. A missing module is simply skipped,
so a room grows its adapters one file at a time.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

ROOMS: tuple[str, ...] = ("platform", "catalog", "stats", "spotcheck", "trace", "consumer", "equipment", "risk", "stable", "enforcement", "association", "web")


def room_module(room: str, name: str) -> ModuleType | None:
    full = f"zhijian.{room}.{name}"
    try:
        return importlib.import_module(full)
    except ModuleNotFoundError as exc:
        if exc.name in (full, f"zhijian.{room}"):
            return None
        raise


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
