"""罚则目录 and 裁量 — the lawful fine range of a violation from the facts the officer enters (pure, no database).

The catalogue is data (`data/penalties.json`): each violation with its article, its fine (fixed amounts, multiples of
货值金额 or 违法所得, the 食品安全法 one-万-yuan threshold), the other measures, and where the text was checked. The
裁量基准 is a table of three tiers over the lawful range (从轻 / 一般 / 从重), 减轻 goes below the lawful minimum
(《行政处罚法》第三十二条), and 不予处罚 follows the 轻微不罚 / 首违不罚 lists (《行政处罚法》第三十三条第一款).
A province that has its own 基准 replaces the table (`load_catalogue(path)`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from zhijian.platform.errors import DomainError

DATA = Path(__file__).resolve().parent / "data" / "penalties.json"
CENT = Decimal("0.01")
TIERS = ("mitigated", "ordinary", "aggravated")


@dataclass(frozen=True)
class Facts:
    """What the officer establishes: 货值金额, 违法所得 (yuan), the circumstances, the party's kind and history."""

    goods_value: Decimal = Decimal(0)
    illegal_income: Decimal = Decimal(0)
    circumstances: tuple[str, ...] = ()
    natural_person: bool = False
    first_offence: bool = False
    minor_harm: bool = False
    corrected: bool = False
    serious: bool = False
    sales_amount: Decimal = Decimal(0)  # 销售金额 (the sold part of 货值金额), for the 移送公安 thresholds


@dataclass(frozen=True)
class PenaltyRange:
    """The lawful range and the 裁量 range within it, with the article and the reasoning (zh) to show the officer."""

    code: str
    article: str  # 《中华人民共和国产品质量法》第四十九条
    lawful_min: Decimal
    lawful_max: Decimal
    tier: str  # mitigated | ordinary | aggravated | reduced | no_penalty
    suggested_min: Decimal
    suggested_max: Decimal
    fine_text: str
    other_measures: tuple[str, ...]
    confiscate_income: Decimal
    revoke: str | None
    no_penalty: str | None  # the ground for 不予处罚, when it applies
    explanation: tuple[str, ...]
    verified: bool
    note: str = ""
    hearing_right: bool = False
    criminal: tuple[str, ...] = field(default=())


def _money(value: Any, name: str) -> Decimal:
    try:
        d = Decimal(str(value))
    except (ArithmeticError, ValueError):
        raise DomainError("enforcement.bad_amount", f"「{name}」应为金额（元）", f"'{name}' must be an amount in yuan",
                          field=name) from None
    if not d.is_finite() or d < 0 or d > Decimal("1e12"):
        raise DomainError("enforcement.bad_amount", f"「{name}」应为 0 至 10^12 元之间的金额",
                          f"'{name}' must be between 0 and 10^12 yuan", field=name)
    return d.quantize(CENT, rounding=ROUND_HALF_UP)


def facts(*, goods_value: Any = 0, illegal_income: Any = 0, circumstances: tuple[str, ...] | list[str] = (),
          natural_person: bool = False, first_offence: bool = False, minor_harm: bool = False,
          corrected: bool = False, serious: bool = False, sales_amount: Any = 0) -> Facts:
    """Validated facts (amounts as yuan with two decimals, circumstances known to the catalogue)."""
    cat = catalogue()
    for c in circumstances:
        if c not in cat.circumstances:
            raise DomainError("enforcement.bad_circumstance", f"未知情节：{c}", f"unknown circumstance: {c}",
                              field="circumstances")
    return Facts(_money(goods_value, "goods_value"), _money(illegal_income, "illegal_income"), tuple(circumstances),
                 natural_person, first_offence, minor_harm, corrected, serious, _money(sales_amount, "sales_amount"))


@dataclass(frozen=True)
class Catalogue:
    version: str
    violations: dict[str, dict[str, Any]]
    tiers: dict[str, dict[str, Any]]
    discretion: dict[str, Any]
    circumstances: dict[str, tuple[str, str, str]]  # code → (kind, zh, source)
    minor: frozenset[str]
    first_offence: frozenset[str]
    no_penalty_source: str
    hearing: dict[str, Any]
    criminal: tuple[dict[str, Any], ...]
    raw: dict[str, Any]

    def get(self, code: str) -> dict[str, Any]:
        v = self.violations.get((code or "").strip().upper())
        if v is None:
            raise DomainError("enforcement.unknown_violation", f"罚则目录中没有该违法行为：{code}",
                              f"no such violation in the catalogue: {code}", field="violation")
        return v


def _check(raw: dict[str, Any]) -> None:
    tiers = raw["discretion"]["tiers"]
    if set(tiers) != set(TIERS):
        raise ValueError("discretion tiers must be mitigated/ordinary/aggravated")
    for t in tiers.values():
        if not 0 <= t["from"] <= t["to"] <= 1:
            raise ValueError(f"bad tier {t}")
    for v in raw["violations"]:
        f = v["fine"]
        if f["kind"] not in ("multiple", "tiered", "fixed", "income_or_fixed"):
            raise ValueError(f"{v['code']}: unknown fine kind {f['kind']}")
        if Decimal(str(f["min"])) > Decimal(str(f["max"])):
            raise ValueError(f"{v['code']}: min above max")


def load_catalogue(path: Path = DATA) -> Catalogue:
    raw = json.loads(path.read_text(encoding="utf-8"))
    _check(raw)
    circ: dict[str, tuple[str, str, str]] = {}
    for kind, items in raw["circumstances"].items():
        for c in items:
            circ[c["code"]] = (kind, c["zh"], c["source"])
    np = raw["no_penalty"]
    return Catalogue(raw["version"], {v["code"]: v for v in raw["violations"]}, raw["discretion"]["tiers"],
                     raw["discretion"], circ, frozenset(np["minor"]["violations"]),
                     frozenset(np["first_offence"]["violations"]), np["source"], raw["hearing"],
                     tuple(raw["criminal"]), raw)


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    return load_catalogue()


def _d(x: Any) -> Decimal:
    return Decimal(str(x))


def lawful_range(v: dict[str, Any], f: Facts) -> tuple[Decimal, Decimal, str]:
    """(min, max, how it was computed) of the fine the article allows for these facts."""
    fine = v["fine"]
    kind = fine["kind"]
    if kind == "fixed":
        why = f"{fine.get('condition', '')}处{_yuan(_d(fine['min']))}以上{_yuan(_d(fine['max']))}以下罚款"
        return _d(fine["min"]), _d(fine["max"]), why
    if kind == "multiple":
        base = f.goods_value if fine["base"] == "goods_value" else f.illegal_income
        name = "货值金额" if fine["base"] == "goods_value" else "违法所得"
        lo, hi = (base * _d(fine["min"])).quantize(CENT), (base * _d(fine["max"])).quantize(CENT)
        return lo, hi, f"{name}{_yuan(base)} × {_times(fine['min'])}至{_times(fine['max'])} = {_yuan(lo)}至{_yuan(hi)}"
    if kind == "tiered":
        base = f.goods_value
        if base < _d(fine["threshold"]):
            lo, hi = _d(fine["below"][0]), _d(fine["below"][1])
            return lo, hi, f"货值金额{_yuan(base)}不足{_yuan(_d(fine['threshold']))}：{_yuan(lo)}以上{_yuan(hi)}以下"
        lo, hi = (base * _d(fine["min"])).quantize(CENT), (base * _d(fine["max"])).quantize(CENT)
        return lo, hi, (f"货值金额{_yuan(base)}（{_yuan(_d(fine['threshold']))}以上）× {_times(fine['min'])}至"
                        f"{_times(fine['max'])} = {_yuan(lo)}至{_yuan(hi)}")
    # income_or_fixed (消费者权益保护法 第五十六条)
    if f.illegal_income > 0:
        lo, hi = (f.illegal_income * _d(fine["min"])).quantize(CENT), (f.illegal_income * _d(fine["max"])).quantize(CENT)
        return lo, hi, f"违法所得{_yuan(f.illegal_income)} × {_times(fine['min'])}至{_times(fine['max'])}"
    lo, hi = _d(fine["none"][0]), _d(fine["none"][1])
    return lo, hi, f"没有违法所得：{_yuan(hi)}以下"


def _yuan(d: Decimal) -> str:
    return f"{d.quantize(CENT):,.2f}元"


def _times(x: Any) -> str:
    d = _d(x)
    if d == 0:
        return "0"
    if d < 1:
        return f"{(d * 100).normalize():f}%"
    return f"{d.normalize():f}倍"


def _tier(f: Facts, cat: Catalogue) -> str:
    kinds = {cat.circumstances[c][0] for c in f.circumstances}
    if "reducing" in kinds:
        return "reduced"
    up, down = "aggravating" in kinds, "mitigating" in kinds
    if up and not down:
        return "aggravated"
    if down and not up:
        return "mitigated"
    return "ordinary"


def hearing_right(amount: Decimal, *, natural_person: bool, confiscation: Decimal = Decimal(0),
                  measures: tuple[str, ...] = ()) -> bool:
    """听证 — 《市场监督管理行政处罚听证办法》第五条: a fine ≥ 1 万 (自然人) / 10 万 (法人或者其他组织), the same for
    confiscation, or a measure such as 吊销营业执照 / 责令停产停业."""
    h = catalogue().hearing
    fine_at = _d(h["natural_person_fine"] if natural_person else h["organization_fine"])
    conf_at = _d(h["natural_person_confiscation"] if natural_person else h["organization_confiscation"])
    return amount >= fine_at or confiscation >= conf_at or any(m in h["measures"] for m in measures)


def criminal_grounds(code: str, *, sales: Decimal, unsold_value: Decimal) -> tuple[str, ...]:
    """移送公安 criteria met (刑法 第一百四十条 and the 立案追诉标准): the reasons, empty when none."""
    out = []
    for c in catalogue().criminal:
        if code not in c["violations"]:
            continue
        if c.get("always"):
            out.append(f"{c['zh']}（{c['source']}）")
            continue
        hit = (sales >= _d(c["sales_at_least"]) or unsold_value >= _d(c["unsold_value_at_least"])
               or sales * _d(c["combined_factor"]) + unsold_value >= _d(c["unsold_value_at_least"]))
        if hit:
            out.append(f"{c['zh']}（{c['source']}）")
    return tuple(out)


def compute(code: str, f: Facts) -> PenaltyRange:
    """The lawful range of the article, the 裁量 tier from the circumstances and the suggested range in it."""
    cat = catalogue()
    v = cat.get(code)
    lo, hi, how = lawful_range(v, f)
    article = f"{v['law']}{v['article']}"
    expl = [f"依据{article}：{v['fine_zh']}", f"法定幅度：{how}"]
    tier = _tier(f, cat)
    for c in f.circumstances:
        kind, zh, src = cat.circumstances[c]
        expl.append(f"{ {'aggravating': '从重', 'mitigating': '从轻', 'reducing': '减轻'}[kind]}情节：{zh}（{src}）")
    no_pen = None
    if f.minor_harm and f.corrected and "harm" not in f.circumstances and v["code"] in cat.minor and not f.serious:
        no_pen = f"违法行为轻微并及时改正，没有造成危害后果，不予行政处罚（{cat.no_penalty_source.split('：')[0]}，轻微不罚清单）"
    elif f.first_offence and f.minor_harm and f.corrected and v["code"] in cat.first_offence and not f.serious:
        no_pen = f"初次违法且危害后果轻微并及时改正，可以不予行政处罚（{cat.no_penalty_source.split('：')[0]}，首违不罚清单）"
    if no_pen:
        tier, s_lo, s_hi = "no_penalty", Decimal(0), Decimal(0)
        expl.append(no_pen)
    elif tier == "reduced":
        s_lo, s_hi = Decimal(0), lo
        expl.append(f"减轻处罚：在法定最低限{_yuan(lo)}以下（《中华人民共和国行政处罚法》第三十二条）")
    else:
        t = cat.tiers[tier]
        span = hi - lo
        s_lo = (lo + span * _d(t["from"])).quantize(CENT)
        s_hi = (lo + span * _d(t["to"])).quantize(CENT)
        expl.append(f"裁量：{t['zh']}，{_yuan(s_lo)}至{_yuan(s_hi)}（{cat.discretion['name']}：法定幅度的"
                    f"{_pct(t['from'])}至{_pct(t['to'])}）")
    income = f.illegal_income if v.get("confiscate_income") else Decimal(0)
    revoke = v.get("revoke_if_serious") if f.serious else None
    if revoke:
        expl.append(f"情节严重：可吊销{revoke}")
    measures = (f"吊销{revoke}",) if revoke else ()
    hearing = not no_pen and hearing_right(s_hi, natural_person=f.natural_person, confiscation=income,
                                           measures=measures)
    crim = criminal_grounds(v["code"], sales=f.sales_amount, unsold_value=max(f.goods_value - f.sales_amount, Decimal(0)))
    return PenaltyRange(v["code"], article, lo, hi, tier, s_lo, s_hi, v["fine_zh"], tuple(v["other"]), income, revoke,
                        no_pen, tuple(expl), bool(v.get("verified")), v.get("note", ""), hearing, crim)


def _pct(x: Any) -> str:
    return f"{(_d(x) * 100).normalize():f}%"


def check_amount(code: str, f: Facts, amount: Any) -> Decimal:
    """A proposed fine must lie in the lawful range (or below it with a 减轻 circumstance; 0 when 不予处罚)."""
    amt = _money(amount, "fine")
    r = compute(code, f)
    low = Decimal(0) if r.tier in ("reduced", "no_penalty") else r.lawful_min
    high = Decimal(0) if r.tier == "no_penalty" else r.lawful_max
    if not low <= amt <= high:
        raise DomainError("enforcement.fine_out_of_range",
                          f"罚款{_yuan(amt)}超出{r.article}的法定幅度（{_yuan(low)}至{_yuan(high)}）",
                          f"the fine {amt} is outside the lawful range {low}–{high} of {r.code}", field="fine")
    return amt


def catalogue_rows() -> list[dict[str, Any]]:
    """The catalogue as the API, CLI and console show it (article, fine, sources, verified or not)."""
    cat = catalogue()
    return [{"code": v["code"], "law": v["law"], "article": v["article"], "title": v["title"], "domain": v["domain"],
             "fine": v["fine_zh"], "other": v["other"], "source": v["source"], "verified": bool(v.get("verified")),
             "note": v.get("note", ""), "minor_list": v["code"] in cat.minor,
             "first_offence_list": v["code"] in cat.first_offence} for v in cat.violations.values()]
