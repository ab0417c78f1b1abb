"""A small spot-check world made through the real services (unique names, so tests share one database)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from tests import factories
from zhijian.catalog.schemas import IndicatorIn
from zhijian.platform.auth import Actor
from zhijian.spotcheck import service
from zhijian.spotcheck.schemas import PlanCategoryIn, PlanIn, SamplingIn


@dataclass
class World:
    plan_id: int
    regulator: Actor
    lab_a: int
    lab_b: int
    inspectors_a: list[Actor]
    inspectors_b: list[Actor]
    enterprises: list[int]
    products: list[int]
    ent_actors: list[Actor]
    category_id: int
    standard_id: int
    other_regulator: Actor
    extra: dict = field(default_factory=dict)


def _a(s: Session, role: str, org) -> Actor:  # type: ignore[no-untyped-def]
    """An acting user without a login (no password hash: argon2 is slow by design); the API tests log in for real."""
    return Actor(None, f"{role}_{factories.uid()}", role, org.id if org is not None else None)


def real_user(s: Session, actor: Actor):  # type: ignore[no-untyped-def]
    """A real user (with password 'correct horse 1') in the same role and organization as `actor`."""
    from zhijian.catalog.models import Organization

    org = s.get(Organization, actor.organization_id) if actor.organization_id else None
    return factories.user(s, actor.role, org)


def world(s: Session, *, n_products: int = 3, level: str = "provincial", rule: str = "simple",
          comparison: str = "full", period=(dt.date(2026, 3, 1), dt.date(2026, 10, 31)),
          target: int | None = None, region: str = "330000", reg=None) -> World:  # type: ignore[no-untyped-def]
    reg = reg or factories.regulator(s, level=level, region=region)
    lab_a, lab_b = factories.lab(s, region="330100"), factories.lab(s, region="440100")
    cat = factories.category(s, name=f"抽查类别{factories.uid()}")
    std = factories.standard(s, indicators=[
        IndicatorIn(name="铅(以Pb计)", unit="mg/kg", requirement_kind="max", upper=0.5, text="≤0.5", is_safety=True,
                    method_standard="GB 5009.12-2017"),
        IndicatorIn(name="蛋白质", unit="g/100g", requirement_kind="min", lower=2.9, text="≥2.9"),
        IndicatorIn(name="色泽", unit="", requirement_kind="text", text="乳白色或微黄色")],
        comparison_method=comparison)
    ents, prods = [], []
    for i in range(n_products):
        e = factories.enterprise(s, region="330106" if i % 2 == 0 else "330782")
        p = factories.product(s, e, cat, name=f"纯牛奶{i}", brand="康宝", model=f"250mL-{i}")
        ents.append(e.id)
        prods.append(p.id)
    regulator = _a(s, "regulator", reg)
    plan = service.create_plan(s, regulator, PlanIn(
        code=f"T-{factories.uid()}", title="2026年浙江省液体乳产品质量监督抽查", year=2026, level=level,  # type: ignore[arg-type]
        period_start=period[0], period_end=period[1], decision_rule=rule,  # type: ignore[arg-type]
        categories=[PlanCategoryIn(category_id=cat.id, standard_ids=[std.id], target_batches=target or n_products)],
        lab_ids=[lab_a.id]))
    from zhijian.spotcheck import retest

    for lab in (lab_a, lab_b):  # both labs are qualified for the category (检验能力范围): re-tests are drawn from them
        retest.set_lab_fields(s, regulator, lab.id, [cat.id])
    return World(plan.id, regulator, lab_a.id, lab_b.id, [_a(s, "inspector", lab_a), _a(s, "inspector", lab_a)],
                 [_a(s, "inspector", lab_b), _a(s, "inspector", lab_b)], ents, prods,
                 [_a(s, "enterprise", s.get(type(reg), e)) for e in ents], cat.id, std.id,
                 _a(s, "regulator", factories.regulator(s)))


def sampling(on: dt.date = dt.date(2026, 5, 12), lot: str = "20260501A") -> SamplingIn:
    return SamplingIn(lot=lot, sampled_on=on, production_date=on - dt.timedelta(days=10), place="杭州市某超市",
                      samplers=["王抽样", "李抽样"], test_quantity="12盒", reserve_quantity="12盒", seals=["封条 A-001"])
