"""The constrained text fields the rooms' API schemas share (issue #17): one Annotated type per kind of value, so a
schema says what a field holds (`name: PersonName`) and the limits are written once. The JSON schema and the
validation errors are those of the `Field(...)` it stands for; a default goes after it as usual (`note: Prose = ""`
is not required, but then still takes at least one character when given)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

PersonName = Annotated[str, Field(min_length=1, max_length=64)]  # a person's name: an officer, a candidate, a worker
Title = Annotated[str, Field(min_length=1, max_length=200)]  # a thing's name or title: a product, a scheme, an indicator
Prose = Annotated[str, Field(min_length=1, max_length=4000)]  # a paragraph: a cause, a corrective action, a verification
