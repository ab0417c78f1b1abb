"""Rule sets (评定规则): versioned, never changed once stored, so every evaluation stays explainable."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zhijian.platform.auth import Actor
from zhijian.platform.crud import added
from zhijian.platform.errors import Conflict, DomainError, NotFound
from zhijian.stable import rules
from zhijian.stable.models import (
    StableRuleSet,
)
from zhijian.stable.service.policy import require_staff


def ensure_default_ruleset(session: Session) -> StableRuleSet:
    """Version 1 (the defaults) exists in every database that evaluates anything."""
    row = session.scalar(select(StableRuleSet).order_by(StableRuleSet.version).limit(1))
    if row is not None:
        return row
    rs = rules.parse_ruleset(rules.default_ruleset_data())
    row = StableRuleSet(version=rs.version, name=rs.name, effective_from=rs.effective_from,
                        data=rules.ruleset_to_data(rs), created_by="system")
    return added(session, row, "stable_ruleset")


def create_ruleset(session: Session, actor: Actor, data: dict[str, Any]) -> StableRuleSet:
    """新版本规则 — a new version; stored rule sets are never changed, so old evaluations stay explainable."""
    require_staff(actor)
    ensure_default_ruleset(session)
    latest = session.scalar(select(func.max(StableRuleSet.version))) or 0
    data = dict(data)
    data.setdefault("version", latest + 1)
    rs = rules.parse_ruleset(data)
    if rs.version <= latest:
        raise Conflict("stable.ruleset_version", f"版本号须大于现有最高版本 {latest}",
                       f"version must be greater than the latest version {latest}", field="version")
    row = StableRuleSet(version=rs.version, name=rs.name, effective_from=rs.effective_from,
                        data=rules.ruleset_to_data(rs), created_by=actor.label)
    return added(session, row, "stable_ruleset")


def list_rulesets(session: Session, actor: Actor) -> list[StableRuleSet]:
    ensure_default_ruleset(session)
    return list(session.scalars(select(StableRuleSet).order_by(StableRuleSet.version)))


def get_ruleset(session: Session, version: int) -> StableRuleSet:
    row = session.scalar(select(StableRuleSet).where(StableRuleSet.version == version))
    if row is None:
        raise NotFound("ruleset", version, field="ruleset_version")
    return row


def ruleset_for(session: Session, on: dt.date) -> rules.RuleSet:
    """The version in force on a date (latest effective date ≤ that day)."""
    ensure_default_ruleset(session)
    all_sets = [rules.parse_ruleset(r.data) for r in session.scalars(select(StableRuleSet))]
    rs = rules.ruleset_in_force(all_sets, on)
    if rs is None:
        raise DomainError("stable.no_ruleset", f"{on} 没有生效的评定规则", f"no rule set in force on {on}",
                          field="as_of")
    return rs
