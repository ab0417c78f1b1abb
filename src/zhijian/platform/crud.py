"""Small helpers every service uses: flush with clear conflicts, a new row added, LIKE search, patch application."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from zhijian.platform.errors import Conflict, NotFound

T = TypeVar("T")


def flush(session: Session, what: str) -> None:
    """Flush now so that a duplicate or a dangling reference is reported for this operation."""
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        msg = str(exc.orig).lower()
        if "unique" in msg or "duplicate" in msg:
            raise Conflict(f"{what}.duplicate", f"{what} 已存在（重复）", f"{what} already exists (duplicate)") from exc
        if "foreign key" in msg or "foreign_key" in msg:
            raise Conflict(f"{what}.in_use", f"{what} 引用了不存在的记录，或仍被其他记录引用",
                           f"{what} refers to a missing record or is still referenced") from exc
        raise Conflict(f"{what}.integrity", f"{what} 违反数据约束", f"{what} violates a data constraint") from exc


def added(session: Session, row: T, what: str) -> T:
    """`row` added to the session and flushed (its id set; a duplicate → Conflict naming `what`, as `flush`), then
    returned: the three lines (add, flush, return) every room's create ended with (issue #17)."""
    session.add(row)
    flush(session, what)
    return row


def get_or_404(session: Session, model: type[T], key: Any, entity: str, *, field: str | None = None) -> T:
    """The row of `model` with primary key `key`, or `NotFound(entity, key)` (404 `<entity>.not_found`, beside
    `field` when the key came from a form or body field): the one read-or-404 every service starts with."""
    row = session.get(model, key)
    if row is None:
        raise NotFound(entity, key, field=field)
    return row


def where_equal(stmt: Select[Any], *filters: tuple[Any, Any]) -> Select[Any]:
    """A list query's equality filters, `(column, value)` each: a value that is None or "" is no filter (an
    omitted ?status=), anything else (0 and False too) must match."""
    for column, value in filters:
        if value is not None and value != "":
            stmt = stmt.where(column == value)
    return stmt


def like_pattern(q: str) -> str:
    """A LIKE pattern that matches the text anywhere, with wildcards in the query escaped."""
    q = q.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{q}%"


def apply_patch(obj: Any, patch: dict[str, Any]) -> None:
    for key, value in patch.items():
        setattr(obj, key, value)


def search_text(*parts: str | None) -> str:
    """The text a record is found by: NFKC-normalised (全角→半角), lower case."""
    import unicodedata

    return unicodedata.normalize("NFKC", " ".join(p.strip() for p in parts if p)).lower()[:500]
