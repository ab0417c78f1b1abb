"""Typed answers that still read like the dicts they replaced (issue #17): a frozen dataclass that also inherits
`Record` keeps `answer["key"]`, `{**answer}` and `.items()` working for callers written against the dict, while
attribute access is the typed way. One mixin for every room (risk, stable and spotcheck each had a copy)."""

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
