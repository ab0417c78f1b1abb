"""协会 (association): one sub-package per sub-room, each with the room's file shapes; the room's `api.py` and
`pages.py` mount the sub-rooms' routers from `SUBROOMS`, so a new sub-room is named once, here."""

from __future__ import annotations

import importlib
from types import ModuleType

# In the order their routers are mounted (a path two sub-rooms could both match goes to the first).
SUBROOMS = ("pt", "exams", "standards", "members", "campaigns", "assessment", "training", "experts")


def sub_modules(adapter: str) -> list[ModuleType]:
    """Every sub-room's `adapter` module ("api", "pages"), in `SUBROOMS` order."""
    return [importlib.import_module(f"{__name__}.{sub}.{adapter}") for sub in SUBROOMS]
