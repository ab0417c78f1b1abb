"""管辖 — a regulator's administrative division (GB/T 2260) and what lies within it.

A regulator account belongs to a regulator organization whose `region_code` (six digits, GB/T 2260)
and `level` (national / provincial / municipal / county) fix its jurisdiction: the national level
(国家市场监督管理总局) sees everything, a provincial bureau the codes that start with its two digits,
a municipal bureau four, a county bureau its own code. A record belongs to a division through the
region code it carries (an enterprise's registered region, a plan's division, a complaint's handling
region ...); each room says which column that is and filters its reads with `region_clause`.

Other roles are not scoped by region here: enterprises and labs are scoped by ownership in each
room's policy, the association by what its programmes need (and never reporters' identities), and
admin / the system see everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import false, or_, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from zhijian.platform.errors import DomainError

if TYPE_CHECKING:
    from zhijian.platform.auth import Actor

LEVEL_DIGITS: dict[str, int] = {"national": 0, "provincial": 2, "municipal": 4, "county": 6}
NONE = "-"  # the prefix of a regulator without a regulator organization: no region code starts with it


def prefix_for(region_code: str | None, level: str | None) -> str:
    """The code prefix of a division: '' (national), '33' (浙江省), '3301' (杭州市), '330106' (西湖区).

    Without a level the code's own shape decides (GB/T 2260: 330000 province, 330100 city).
    """
    code = (region_code or "").strip()
    if len(code) != 6 or not code.isdigit():
        return NONE
    if level in LEVEL_DIGITS:
        return code[: LEVEL_DIGITS[level]]
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def division_of(session: Session, organization_id: int | None) -> str:
    """The jurisdiction prefix of a regulator organization (NONE when it is missing or not a regulator)."""
    if organization_id is None:
        return NONE
    row = session.execute(text("SELECT kind, region_code, level FROM organization WHERE id = :i"),
                          {"i": organization_id}).first()
    if row is None or row[0] != "regulator":
        return NONE
    return prefix_for(row[1], row[2])


def regional_prefix(actor: Actor) -> str | None:
    """None when the actor is not limited by region (admin, system, national regulator, non-regulators)."""
    if actor.role != "regulator":
        return None
    division = actor.division if actor.division is not None else NONE
    return division or None


def covers(actor: Actor, region_code: str | None) -> bool:
    """Does the actor's jurisdiction include this region code (a record with no region: national only)?"""
    prefix = regional_prefix(actor)
    if prefix is None:
        return True
    return bool(region_code) and str(region_code).startswith(prefix)


def covers_any(actor: Actor, region_codes: Iterable[str | None]) -> bool:
    return any(covers(actor, code) for code in region_codes)


def region_clause(actor: Actor, *columns: ColumnElement[str] | object) -> ColumnElement[bool] | None:
    """A WHERE clause keeping rows whose region (any of the columns) lies in the actor's division.

    None means "no restriction" so that callers write `if (c := region_clause(...)) is not None: q = q.where(c)`.
    """
    prefix = regional_prefix(actor)
    if prefix is None:
        return None
    if prefix == NONE or not columns:
        return false()
    return or_(*(col.like(f"{prefix}%") for col in columns))  # type: ignore[union-attr]


def ancestor_codes(region_code: str) -> list[str]:
    """The GB/T 2260 codes of the divisions above one (330106 → 330000, 330100): where shared work comes from."""
    code = region_code or ""
    if len(code) != 6:
        return []
    out = []
    if not code.endswith("0000"):
        out.append(code[:2] + "0000")
    if not code.endswith("00"):
        out.append(code[:4] + "00")
    return out


def ensure_covers(actor: Actor, region_code: str | None, what: str = "记录", what_en: str = "record") -> None:
    """Refuse (as not found, so existence is not revealed) a record outside the actor's jurisdiction."""
    if not covers(actor, region_code):
        raise DomainError("jurisdiction.outside", f"{what}不存在或不在本辖区",
                          f"{what_en} not found in your jurisdiction", status=404)
