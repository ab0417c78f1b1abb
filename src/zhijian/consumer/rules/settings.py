"""What the authority sets (pure): the deadlines table (时限) and the credit model (信用模型) are dataclasses stored as
settings; both are read back the same way, so the check that a stored setting names only the model's fields is one
function."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from zhijian.platform.errors import DomainError


def known_settings(cls: type[Any], data: Mapping[str, Any] | None, code: str, zh: str, en: str) -> dict[str, Any]:
    """A copy of the stored `data` (None: nothing stored) whose every key is a field of the dataclass `cls`; an
    unknown key is the error `code`, its message `zh` / `en` followed by the unknown keys, the field the first."""
    values = dict(data or {})
    unknown = sorted(set(values) - {f.name for f in fields(cls)})
    if unknown:
        raise DomainError(code, f"{zh}{', '.join(unknown)}", f"{en}{', '.join(unknown)}", field=unknown[0])
    return values
