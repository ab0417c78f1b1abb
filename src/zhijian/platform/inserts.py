"""A new row stored (issue #17): the services of every room ended a create with the same three lines — add the row,
`crud.flush` it (a duplicate key is a 409 at once, named after the thing), return it — so they call `added`."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.orm import Session

from zhijian.platform.crud import flush

T = TypeVar("T")


def added(session: Session, row: T, what: str) -> T:
    """`row` added to the session and flushed (its id set; a duplicate → Conflict naming `what`), then returned."""
    session.add(row)
    flush(session, what)
    return row
