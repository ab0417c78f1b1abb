"""The typed answers of the stable service (frozen dataclasses) read like the dicts they replace, so callers written
against those dicts (`check["state"]`, `counts.get("listed", 0)`) keep working while attribute access is the typed way."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import fields
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


class Record(Mapping[str, Any]):
    """Mapping access over a dataclass's fields (in declaration order)."""

    def __getitem__(self, key: str) -> Any:
        if key not in self._names():
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def _names(self) -> list[str]:
        return [f.name for f in fields(cast("DataclassInstance", self))]  # every subclass is a dataclass
