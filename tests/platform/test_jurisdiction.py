"""管辖 core (issue 13): a regulator's division from its organization, and what lies within it (GB/T 2260)."""

from __future__ import annotations

import pytest

from tests import factories
from zhijian.platform.auth import Actor, actor_for
from zhijian.platform.jurisdiction import NONE, ancestor_codes, covers, prefix_for, region_clause


@pytest.mark.parametrize(("code", "level", "prefix"), [
    ("110000", "national", ""), ("330000", "provincial", "33"), ("330100", "municipal", "3301"),
    ("330106", "county", "330106"), ("440000", None, "44"), ("440300", None, "4403"), ("440305", None, "440305"),
    ("33", "provincial", NONE), ("", None, NONE), (None, None, NONE)])
def test_prefix_of_a_division(code: str | None, level: str | None, prefix: str) -> None:
    assert prefix_for(code, level) == prefix


def test_covers_by_level() -> None:
    hz = Actor(1, "regulator_hz", "regulator", 5, "3301")
    zj = Actor(2, "regulator", "regulator", 6, "33")
    samr = Actor(3, "samr", "regulator", 7, "")
    orphan = Actor(4, "r", "regulator", None, NONE)
    ent = Actor(5, "e", "enterprise", 8)
    assert covers(hz, "330106") and not covers(hz, "330200") and not covers(hz, "440300")
    assert covers(zj, "330200") and not covers(zj, "440300") and not covers(zj, None)
    assert covers(samr, "440300") and covers(samr, None)
    assert not covers(orphan, "330106")
    assert covers(ent, "440300")  # enterprises are scoped by ownership, not by region
    assert region_clause(samr) is None and region_clause(ent) is None
    assert region_clause(orphan) is not None
    assert ancestor_codes("330106") == ["330000", "330100"] and ancestor_codes("330000") == []


def test_actor_for_reads_the_regulator_organization(db) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        hz = factories.regulator(s, level="municipal", region="330100")
        u = factories.user(s, "regulator", hz)
        national = factories.user(s, "regulator")
        assert actor_for(u).division == "3301"
        assert actor_for(national).division == ""
        lab_user = factories.user(s, "inspector", factories.lab(s))
        assert actor_for(lab_user).division is None
