"""Console forms → API models: a pydantic ValidationError becomes a DomainError naming the field (never a 500)."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from zhijian.platform.errors import DomainError

M = TypeVar("M", bound=BaseModel)


def build(model: type[M], **data: Any) -> M:
    try:
        return model(**data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or None
        raise DomainError("validation.invalid", f"「{field}」无效：{first.get('msg', '')}",
                          f"'{field}' is invalid: {first.get('msg', '')}", field=field) from None
