"""One cast of users per database for the stable tests (argon2 hashing is the slow part, so share it)."""

from __future__ import annotations

import pytest

from tests.stable.helpers import Crew, make_crew


@pytest.fixture(scope="session")
def crew(db) -> Crew:  # type: ignore[no-untyped-def]
    return make_crew(db)
