"""Console forms → API models: a pydantic ValidationError becomes a DomainError naming the field (never a 500);
`Fields` reads a posted form the way every sub-room's form handler does (text, flags, ids, an uploaded sheet)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel

from zhijian.platform.errors import DomainError, validated
from zhijian.platform.tabular import read_rows

M = TypeVar("M", bound=BaseModel)


def build(model: type[M], **data: Any) -> M:
    """`model` of the keywords, or `platform.errors.validated`'s 422 naming the first bad field."""
    return validated(model, data)


class Fields:
    """A posted form (starlette FormData) read as the services want it: an absent or empty field is the default."""

    def __init__(self, form: Any) -> None:
        self.form = form

    def raw(self, key: str) -> Any:
        """The value as posted (None when absent), for the services and models that check it themselves."""
        return self.form.get(key)

    def text(self, key: str, default: str = "") -> str:
        return str(self.form.get(key) or default)

    def optional(self, key: str) -> str | None:
        """The text, or None when empty (a field the service treats as 'not given')."""
        return self.text(key) or None

    def flag(self, key: str) -> bool:
        """A checkbox or a yes/no radio posted as "1"."""
        return bool(self.form.get(key) == "1")

    def number(self, key: str) -> int:
        """An id or a count; an absent field is 0 (the service answers 404 or 422), letters raise ValueError."""
        return int(self.text(key, "0"))

    def maybe_id(self, key: str) -> int | None:
        """An optional id (a select left on its empty choice is None, not an error)."""
        value = self.text(key)
        return int(value) if value.isdigit() else None

    def getlist(self, key: str) -> list[Any]:
        return list(self.form.getlist(key))

    def keys(self) -> set[str]:
        return set(self.form.keys())

    async def sheet(self, fallback_name: str, required: Sequence[str]) -> Iterator[tuple[int, dict[str, Any]]]:
        """The uploaded Excel/CSV file of field ``file`` as rows (platform.tabular.read_rows); none chosen → 422."""
        upload = self.form.get("file")
        if upload is None or not hasattr(upload, "read"):
            raise DomainError("import.no_file", "请选择文件", "choose a file", field="file")
        return read_rows(await upload.read(), upload.filename or fallback_name, required=required)
