"""Issue 21, finding 15 (what to build 8): demo data a domain expert believes. On the demo database:

- every demo enterprise makes what its name says — the trade word in its name (乳业, 电缆, 玩具 …) maps to the
  category roots/sub-trees its products belong to (a food company makes food, not cement and ibuprofen);
- every demo lab's sampled batches fall within its registered 检验能力范围 (CMA scope, spotcheck lab fields, a
  category or one of its ancestors) — no cable lab testing plush toys for lead;
- the 3·15 event (国际消费者权益日) is held on 15 March.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from tests.web.conftest import _demo_database
from zhijian.association.campaigns.models import Campaign, CampaignEvent
from zhijian.catalog.models import Category, Organization, Product
from zhijian.spotcheck.models import Batch, LabField

pytestmark = [pytest.mark.slow]

# trade word in the enterprise name → category codes (prefixes) its products may have
TRADES: dict[str, tuple[str, ...]] = {
    "乳业": ("FOOD-DAIRY",), "米业": ("FOOD-GRAIN-RICE",), "面业": ("FOOD-GRAIN-FLOUR",), "粮油": ("FOOD-OIL", "FOOD-GRAIN"),
    "调味食品": ("FOOD-SEAS",), "醋业": ("FOOD-SEAS-VIN",), "饮品": ("FOOD-DRINK",), "酒业": ("FOOD-LIQUOR",),
    "茶业": ("FOOD-TEA",), "制药": ("DRUG-CHEM", "DRUG-TCM"), "中药": ("DRUG-TCM",), "医疗用品": ("DRUG-MASK",),
    "电梯": ("SE-ELEV",), "气瓶": ("SE-CYL",), "压力容器": ("SE-PV",), "锅炉": ("SE-BOIL",), "电器": ("IND-APPL",),
    "电缆": ("IND-CABLE",), "电工": ("IND-PLUG",), "玩具": ("IND-CHILD-TOY",), "童车": ("IND-CHILD-CART",),
    "童装": ("IND-CHILD-TEX",), "服饰": ("IND-TEX",), "水泥": ("IND-BUILD-CEMENT",), "陶瓷": ("IND-BUILD-TILE",),
    "车业": ("IND-EBIKE",), "燃气具": ("IND-GAS",), "食品": ("FOOD",),
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Session:
    path: Path = _demo_database(tmp_path_factory)
    engine = create_engine(f"sqlite:///{path}")
    with Session(engine) as s:
        yield s  # type: ignore[misc]
    engine.dispose()


def _trade(name: str) -> str | None:
    hits = [t for t in TRADES if (name.removesuffix("有限公司").removesuffix("股份")).endswith(t)]
    return max(hits, key=len) if hits else None


def test_enterprises_make_what_their_names_say(demo: Session) -> None:
    cats = {c.id: c.code for c in demo.scalars(select(Category))}
    rows = demo.execute(select(Organization.name, Product.name, Product.category_id)
                        .join(Product, Product.enterprise_id == Organization.id)
                        .where(Organization.kind == "enterprise")).all()
    assert len(rows) >= 300
    checked, wrong = 0, []
    for ent, product, cid in rows:
        trade = _trade(ent)
        if trade is None:  # enterprises added by other rooms' demos without a trade word are not judged here
            continue
        checked += 1
        if not cats[cid].startswith(TRADES[trade]):
            wrong.append(f"{ent} → {product} ({cats[cid]})")
    assert checked >= 300, checked
    assert not wrong, "\n".join(wrong[:20])


def test_labs_test_within_their_scope(demo: Session) -> None:
    paths = {c.id: [int(x) for x in c.path.strip("/").split("/") if x.isdigit()] + [c.id]
             for c in demo.scalars(select(Category))}
    fields: dict[int, set[int]] = {}
    for lab_id, cid in demo.execute(select(LabField.lab_id, LabField.category_id)):
        fields.setdefault(lab_id, set()).add(cid)
    names = dict(demo.execute(select(Organization.id, Organization.name).where(Organization.kind == "lab")).all())
    cable = next(i for i, n in names.items() if "电线电缆" in n)
    cable_cats = {c.code for c in demo.scalars(select(Category).where(Category.id.in_(fields[cable])))}
    assert cable_cats <= {"IND-CABLE", "IND-PLUG"}  # a cable centre's CMA scope is not every industrial product
    rows = demo.execute(select(Batch.lab_id, Batch.category_id, Batch.product_name)
                        .where(Batch.lab_id.is_not(None), Batch.category_id.is_not(None))).all()
    assert len(rows) > 300
    outside = [f"{names.get(lab, lab)} → {p}" for lab, cid, p in rows
               if lab in fields and not set(paths[cid]) & fields[lab]]
    assert not outside, f"{len(outside)} batches outside their lab's scope, e.g. " + "; ".join(outside[:10])


def test_consumer_day_event_on_15_march(demo: Session) -> None:
    events = demo.execute(select(CampaignEvent.title, CampaignEvent.held_on).join(
        Campaign, Campaign.id == CampaignEvent.campaign_id).where(Campaign.kind == "consumer_day")).all()
    assert events
    for title, held_on in events:
        assert (held_on.month, held_on.day) == (3, 15), (title, held_on)
