"""赔偿测算 (issue 15, part 4): 《消费者权益保护法》第五十五条 and 《食品安全法》第一百四十八条, worked examples.

消法 55: 增加赔偿 = 价款 × 3, 不足 500 元的为 500 元; 食安法 148: 价款十倍或者损失三倍, 不足 1 000 元的为 1 000 元.
"""

from __future__ import annotations

import pytest

from zhijian.consumer import compensation as comp
from zhijian.platform.errors import DomainError


def test_consumer_law_55_floor_and_multiple():
    b = comp.consumer_law_55(100, fraud=True)  # 3 × 100 = 300 < 500 → 500, plus the refund of 100
    assert b.applies and b.punitive == 500.0 and b.total == 600.0 and "第五十五条" in b.article
    b = comp.consumer_law_55(1000, fraud=True)  # 3 × 1 000 = 3 000
    assert b.punitive == 3000.0 and b.total == 4000.0
    b = comp.consumer_law_55(100, fraud=False)  # no fraud: no increased compensation, and why
    assert not b.applies and b.punitive is None and b.unmet == ("未认定经营者有欺诈行为",)


def test_food_safety_148_worked_examples():
    b = comp.food_safety_148(50, 0, unsafe_food=True)  # 10 × 50 = 500 < 1 000 → 1 000
    assert b.applies and b.punitive == 1000.0 and "第一百四十八条" in b.article
    b = comp.food_safety_148(200, 1000, unsafe_food=True)  # max(2 000, 3 000) = 3 000, plus the loss
    assert b.punitive == 3000.0 and b.total == 4000.0
    b = comp.food_safety_148(500, 100, unsafe_food=True)  # max(5 000, 300) = 5 000
    assert b.punitive == 5000.0
    b = comp.food_safety_148(50, 0, unsafe_food=True, producer_or_knowing_seller=False)
    assert not b.applies and "明知" in b.unmet[0]
    b = comp.food_safety_148(50, 0, unsafe_food=True, label_flaw_only=True)  # the proviso of Art. 148
    assert not b.applies and b.punitive is None


def test_guidance_orders_applicable_first_and_refuses_bad_amounts():
    out = comp.guidance(200, 1000, fraud=True, food=True, unsafe_food=True)
    assert [b.code for b in out] == ["food_safety_148", "consumer_law_55"]  # 3 000 before 600
    assert [b.punitive for b in out] == [3000.0, 600.0]
    assert [b.code for b in comp.guidance(100, fraud=False, food=True)] == ["consumer_law_55", "food_safety_148"]
    with pytest.raises(DomainError) as e:
        comp.consumer_law_55(-1, fraud=True)
    assert e.value.code == "compensation.bad_amount"
    # found by schemathesis (100 cases per operation): a price of 1e30 answered 500 (decimal.InvalidOperation)
    with pytest.raises(DomainError) as e:
        comp.guidance("1e30", fraud=True)
    assert e.value.code == "compensation.bad_amount" and "1,000,000,000,000" in e.value.message_en
    assert comp.consumer_law_55("1000000000000", fraud=True).punitive == 3e12  # the largest price still judged
    with pytest.raises(DomainError) as e:
        comp.guidance(None)
    assert e.value.code == "compensation.price_required"
