"""Keyset pagination: deep pages cost the same as the first (no OFFSET)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import Session

from zhijian.platform.errors import DomainError

T = TypeVar("T")
MAX_LIMIT = 500


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None
    limit: int


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
