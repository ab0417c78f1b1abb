"""Consumer-test helpers: staff logins are reused per database (each login costs two argon2 hashes)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

_STAFF: dict[tuple[str, str], dict[str, str]] = {}


@pytest.fixture
def staff(login, db) -> Callable[[str], dict[str, str]]:  # type: ignore[no-untyped-def]
    """staff("regulator") → Authorization headers of one regulator user per database and run."""

    def get(role: str) -> dict[str, str]:
        key = (db.url, role)
        if key not in _STAFF:
            _STAFF[key] = login(role)
        return _STAFF[key]

    return get
