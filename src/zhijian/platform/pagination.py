"""Keyset pagination (分页): deep pages cost the same as the first (no OFFSET).

`Page` is what services return; `PageOut[Schema]` the API's answer (`items`, `next_cursor`, `limit`) and
`Limit` the API's `?limit=` parameter, shared by every room's API."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy import Select
from sqlalchemy.orm import Session

from zhijian.platform.errors import DomainError

T = TypeVar("T")
S = TypeVar("S", bound=BaseModel)
MAX_LIMIT = 500

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
"""The API's ``?limit=`` (1–500): FastAPI answers 422 outside it."""


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None
    limit: int


# One page of an API list: the items, the cursor of the next page (None on the last) and the limit.
# (A comment, not a docstring: pydantic would put a docstring into every list's OpenAPI schema.)
class PageOut(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(None, description="pass as ?cursor= for the next page (keyset paging)")
    limit: int

    @staticmethod
    def of(page: Page[Any], schema: type[S], present: Callable[[Any], S] | None = None) -> PageOut[S]:
        """The API answer for a service's `Page`, each item validated into `schema` (from its attributes), or shaped
        by `present` where the answer adds what the row does not hold (a region's name, a listing's state)."""
        shape = present or schema.model_validate
        return PageOut(items=[shape(item) for item in page.items], next_cursor=page.next_cursor, limit=page.limit)


def encode_cursor(values: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        if not isinstance(data, dict):
            raise ValueError
        return data
    except (ValueError, UnicodeDecodeError) as exc:
        raise DomainError("pagination.bad_cursor", "分页游标无效", "invalid pagination cursor", field="cursor",
                          status=400) from exc


def check_limit(limit: int) -> int:
    if limit < 1 or limit > MAX_LIMIT:
        raise DomainError("pagination.bad_limit", f"每页条数应在 1 到 {MAX_LIMIT} 之间",
                          f"limit must be between 1 and {MAX_LIMIT}", field="limit", status=400)
    return limit


def keyset_page(session: Session, stmt: Select[Any], id_column: Any, *, limit: int, cursor: str | None,
                descending: bool = False) -> Page[Any]:
    """Page through `stmt` by a unique integer column; the cursor carries the last id seen."""
    check_limit(limit)
    if cursor:
        last = decode_cursor(cursor).get("id")
        if not isinstance(last, int):
            raise DomainError("pagination.bad_cursor", "分页游标无效", "invalid pagination cursor", field="cursor",
                              status=400)
        stmt = stmt.where(id_column < last if descending else id_column > last)
    stmt = stmt.order_by(id_column.desc() if descending else id_column.asc()).limit(limit + 1)
    rows = list(session.scalars(stmt))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor({"id": rows[-1].id}) if more and rows else None
    return Page(rows, next_cursor, limit)
