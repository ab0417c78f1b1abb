"""Test data made through the real services (unique values, so tests can share one database)."""

from __future__ import annotations

import itertools
import random
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.catalog import rules, service
from zhijian.catalog.models import Category, Organization, Product, Standard
from zhijian.catalog.schemas import CategoryIn, IndicatorIn, OrganizationIn, ProductIn, StandardIn, UserIn
from zhijian.platform.auth import SYSTEM
from zhijian.platform.models import User

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_counter = itertools.count(1)
_rng = random.Random()


def uid() -> str:
    return uuid.uuid4().hex[:8]


def new_uscc(region: str = "330106") -> str:
    body = "91" + region + "".join(_rng.choice(_ALPHABET) for _ in range(9))
    return body + rules.uscc_check_character(body)


def new_gtin() -> str:
    body = "69" + "".join(str(_rng.randrange(10)) for _ in range(10))
    return body + rules.gtin_check_digit(body)


def enterprise(s: Session, name: str | None = None, region: str = "330106") -> Organization:
    return service.create_organization(s, SYSTEM, OrganizationIn(
        kind="enterprise", name=name or f"测试企业{uid()}有限公司", uscc=new_uscc(region), region_code=region))


def lab(s: Session, name: str | None = None, region: str = "330100") -> Organization:
    return service.create_organization(s, SYSTEM, OrganizationIn(
        kind="lab", name=name or f"测试检验院{uid()}", region_code=region, cma_number=f"CMA{uid()}",
        cnas_number=f"CNAS L{_rng.randrange(1000, 9999)}"))


def regulator(s: Session, level: str = "provincial", region: str = "330000") -> Organization:
    return service.create_organization(s, SYSTEM, OrganizationIn(
        kind="regulator", name=f"测试市场监管局{uid()}", region_code=region, level=level))  # type: ignore[arg-type]


def category(s: Session, name: str | None = None, parent: Category | None = None, requires_ccc: bool = False) -> Category:
    return service.create_category(s, SYSTEM, CategoryIn(code=f"T{uid()}", name=name or f"类别{uid()}",
                                                         parent_id=parent.id if parent else None,
                                                         requires_ccc=requires_ccc))


def product(s: Session, ent: Organization | None = None, cat: Category | None = None, name: str | None = None,
            **kw: object) -> Product:
    ent = ent or enterprise(s)
    cat = cat or category(s)
    return service.create_product(s, SYSTEM, ProductIn(name=name or f"产品{uid()}", brand=kw.pop("brand", "牌"),
                                                       model=kw.pop("model", f"M-{uid()}"), category_id=cat.id,
                                                       enterprise_id=ent.id, **kw))  # type: ignore[arg-type]


def standard(s: Session, code: str | None = None, indicators: list[IndicatorIn] | None = None,
             **kw: object) -> Standard:
    return service.create_standard(s, SYSTEM, StandardIn(
        code=code or f"GB {_rng.randrange(10000, 99999)}-{uid()}", title=kw.pop("title", "测试标准"),
        indicators=indicators or [IndicatorIn(name="铅(以Pb计)", unit="mg/kg", requirement_kind="max", upper=0.5,
                                              text="≤0.5", is_safety=True)], **kw))  # type: ignore[arg-type]


def user(s: Session, role: str, org: Organization | None = None, password: str = "correct horse 1") -> User:
    if role == "regulator" and org is None:  # a regulator acts for a division: by default the national one (总局)
        org = regulator(s, level="national", region="110000")
    return service.create_user(s, SYSTEM, UserIn(username=f"{role}_{uid()}", password=password, role=role,  # type: ignore[arg-type]
                                                 organization_id=org.id if org else None))


def root_category(s: Session, code: str = "IND") -> Category:
    cat = s.scalar(select(Category).where(Category.code == code))
    assert cat is not None
    return cat
