"""The shapes every room's API answers share (issue #17): a stored record read from its row (`from_attributes`) with
its id (`RecordOut`), and one that also says when it was created (`StampedOut`). A room's `…Out` schema inherits one
and declares only its own fields; the inherited fields come first in the JSON."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict


class RecordOut(BaseModel):
    """A stored record (id) as the API answers it, validated from the ORM row's attributes."""

    model_config = ConfigDict(from_attributes=True)

    id: int


class StampedOut(RecordOut):
    """A stored record with its creation time (TimestampMixin's `created_at`, UTC)."""

    created_at: dt.datetime
