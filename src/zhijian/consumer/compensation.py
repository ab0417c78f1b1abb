"""赔偿测算 — statutory compensation a mediator applies daily, as pure functions (no I/O).

- 《中华人民共和国消费者权益保护法》(2013 修正) 第五十五条第一款: 经营者提供商品或者服务有欺诈行为的，应当按照消费者的
  要求增加赔偿其受到的损失，增加赔偿的金额为消费者购买商品的价款或者接受服务的费用的三倍；增加赔偿的金额不足五百元的，
  为五百元。  → refund of the price plus max(3 × price, 500).
- 《中华人民共和国食品安全法》(2021 修正) 第一百四十八条第二款: 生产不符合食品安全标准的食品或者经营明知是不符合食品安全
  标准的食品，消费者除要求赔偿损失外，还可以向生产者或者经营者要求支付价款十倍或者损失三倍的赔偿金；增加赔偿的金额不足
  一千元的，为一千元。但是，食品的标签、说明书存在不影响食品安全且不会对消费者造成误导的瑕疵的除外。
  → loss plus max(10 × price, 3 × loss, 1 000).

The result is guidance for the mediator (调解参考), never a decision: each basis says whether its conditions are
met on the facts given, and why not when they are not.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from zhijian.platform.errors import DomainError

CONSUMER_LAW_55 = "《消费者权益保护法》第五十五条第一款"
FOOD_SAFETY_LAW_148 = "《食品安全法》第一百四十八条第二款"
FRAUD_FLOOR = Decimal("500")
FOOD_FLOOR = Decimal("1000")


@dataclass(frozen=True)
class Basis:
    """One statutory basis: whether it applies, the increased compensation (增加赔偿) and the total claimable."""

    code: str  # consumer_law_55 | food_safety_148
    article: str
    applies: bool
    conditions: tuple[str, ...]  # what the basis needs
    unmet: tuple[str, ...]  # the conditions not met on the facts given
    punitive: float | None  # 增加赔偿 / 赔偿金
    refund_or_loss: float  # the price refunded (消法) or the loss compensated (食安法)
    total: float | None
    formula: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _money(value: float | int | str | Decimal | None, field: str) -> Decimal:
    if value is None or value == "":
        return Decimal("0")
    try:
        d = Decimal(str(value))
    except ArithmeticError:
        raise DomainError("compensation.bad_amount", f"「{field}」应为金额", f"'{field}' must be an amount",
                          field=field) from None
    if not d.is_finite() or d < 0:
        raise DomainError("compensation.bad_amount", f"「{field}」应为不小于 0 的金额",
                          f"'{field}' must be an amount of at least 0", field=field)
    if d > MAX_AMOUNT:  # 1e30 answered 500: quantizing it to fen needs more digits than the decimal context holds
        raise DomainError("compensation.bad_amount", f"「{field}」超过 {MAX_AMOUNT:,} 元", f"'{field}' exceeds "
                          f"{MAX_AMOUNT:,} yuan", field=field)
    return d.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


MAX_AMOUNT = Decimal(10) ** 12
"""一万亿元: above any price or loss a consumer claim names, and well inside the 28 digits of the decimal context
(three times it, to the fen, still fits)."""


def _f(d: Decimal) -> float:
    return float(d)


def consumer_law_55(price: float | Decimal, *, fraud: bool) -> Basis:
    """消法第五十五条: fraud (欺诈) → 退还价款 + max(3 × 价款, 500)."""
    p = _money(price, "price")
    conditions = ("经营者提供商品或者服务有欺诈行为", "消费者要求增加赔偿")
    unmet = () if fraud else ("未认定经营者有欺诈行为",)
    punitive = max(p * 3, FRAUD_FLOOR)
    formula = f"max(3 × {p}, {FRAUD_FLOOR}) = {punitive}；另退还价款 {p}"
    return Basis("consumer_law_55", CONSUMER_LAW_55, fraud, conditions, unmet,
                 _f(punitive) if fraud else None, _f(p), _f(punitive + p) if fraud else None, formula)


def food_safety_148(price: float | Decimal, loss: float | Decimal = 0, *, unsafe_food: bool,
                    producer_or_knowing_seller: bool = True, label_flaw_only: bool = False) -> Basis:
    """食安法第一百四十八条: food not meeting safety standards → 赔偿损失 + max(10 × 价款, 3 × 损失, 1 000)."""
    p, loss_ = _money(price, "price"), _money(loss, "loss")
    conditions = ("食品不符合食品安全标准", "被投诉人是生产者，或是明知不符合标准仍经营的经营者",
                  "不属于不影响食品安全且不会误导消费者的标签、说明书瑕疵")
    unmet = tuple(msg for ok, msg in ((unsafe_food, "未认定食品不符合食品安全标准"),
                                      (producer_or_knowing_seller, "经营者不是生产者且未证明其明知"),
                                      (not label_flaw_only, "仅为不影响食品安全且不会误导消费者的标签瑕疵"))
                  if not ok)
    applies = not unmet
    punitive = max(p * 10, loss_ * 3, FOOD_FLOOR)
    formula = f"max(10 × {p}, 3 × {loss_}, {FOOD_FLOOR}) = {punitive}；另赔偿损失 {loss_}"
    return Basis("food_safety_148", FOOD_SAFETY_LAW_148, applies, conditions, unmet,
                 _f(punitive) if applies else None, _f(loss_), _f(punitive + loss_) if applies else None, formula)


def guidance(price: float | Decimal | None, loss: float | Decimal | None = 0, *, fraud: bool = False,
             food: bool = False, unsafe_food: bool = False, producer_or_knowing_seller: bool = True,
             label_flaw_only: bool = False) -> list[Basis]:
    """Both bases for a complaint with an amount (food ones only for food); the mediator picks, the parties agree.

    A consumer may not stack the two for the same loss: the larger applicable one is listed first.
    """
    if price is None:
        raise DomainError("compensation.price_required", "请填写商品价款", "the price paid is required", field="price")
    out = [consumer_law_55(price, fraud=fraud)]
    if food:
        out.append(food_safety_148(price, loss or 0, unsafe_food=unsafe_food,
                                   producer_or_knowing_seller=producer_or_knowing_seller,
                                   label_flaw_only=label_flaw_only))
    out.sort(key=lambda b: (not b.applies, -(b.punitive or 0)))
    return out
