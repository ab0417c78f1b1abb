"""The plain attributes of a result object as the JSON keys of its `to_dict` (名称即键)."""

from __future__ import annotations

from typing import Any


def attrs(obj: object, *names: str) -> dict[str, Any]:
    """{name: obj.name} for each name, in the order given (the keys a result's `to_dict` copies as they are)."""
    return {name: getattr(obj, name) for name in names}
