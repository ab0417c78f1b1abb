"""企业标准 vs 强制性国家标准 (pure): indicator limits with units (converted with pint), the comparison of each
indicator (严于/等于/低于) and the overall verdict of a declaration."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from zhijian.consumer.rules.reasons import Reason, sentence
from zhijian.platform.errors import DomainError

# ====================================================================== enterprise standard vs national (企业标准)


@lru_cache(maxsize=1)
def _ureg() -> Any:
    import pint

    ureg: Any = pint.UnitRegistry()
    ureg.define("CFU = [colony]")
    ureg.define("MPN = [colony]")
    return ureg


def _unit_expr(unit: str) -> str:
    u = unicodedata.normalize("NFKC", unit or "").strip()
    u = u.replace("μ", "u").replace("µ", "u").replace("％", "%").replace("%", "percent").replace("℃", "degC")
    u = re.sub(r"/\s*(\d+)\s*([A-Za-z]+)", r"/(\1*\2)", u)
    u = u.replace("²", "**2").replace("³", "**3")
    return u or "dimensionless"


def to_base(value: float, unit: str) -> tuple[float, str]:
    """Value in SI base units and its dimensionality, so mg/kg, g/kg and % compare directly."""
    ureg = _ureg()
    try:
        q = value * ureg.parse_expression(_unit_expr(unit))
        b = q.to_base_units()
    except Exception as exc:
        raise DomainError("standard.bad_unit", f"无法识别的单位：{unit}", f"unknown unit: {unit!r}",
                          field="unit") from exc
    return float(b.magnitude), str(b.dimensionality)


def convert(value: float, unit: str, target: str) -> float:
    """Convert `value` from `unit` to `target` (raises if the dimensions differ)."""
    if unit == target:
        return value
    v, d = to_base(value, unit)
    one, d2 = to_base(1.0, target)
    if d != d2:
        raise DomainError("standard.unit_mismatch", f"单位不可换算：{unit} → {target}",
                          f"units are not convertible: {unit} → {target}", field="unit")
    return v / one


@dataclass(frozen=True)
class Limit:
    """One indicator of a standard as the comparison needs it."""

    name: str
    unit: str
    kind: str  # max | min | range | equals | not_detected | text
    lower: float | None = None
    upper: float | None = None
    lower_inclusive: bool = True
    upper_inclusive: bool = True
    text: str = ""
    mandatory: bool = True
    source: str = ""  # standard code


def indicator_key(name: str) -> str:
    """Match indicators by name without the 以…计 basis or bracketed qualifiers: 铅(以Pb计) ≡ 铅."""
    s = unicodedata.normalize("NFKC", name or "")
    s = re.sub(r"\([^)]*\)|\[[^\]]*\]", "", s)
    return re.sub(r"\s", "", s).lower()


@dataclass(frozen=True)
class IndicatorCheck:
    """One indicator's comparison; `detail` is the zh sentence of `reasons` (the English page renders the codes)."""

    name: str
    verdict: str  # laxer | stricter | equal | missing | manual | unit_mismatch
    national: str
    enterprise: str
    detail: str
    source: str
    reasons: tuple[Reason, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"reasons": [r.as_dict() for r in self.reasons]}


def _check(verdict: str, reasons: list[Reason], row: dict[str, str]) -> IndicatorCheck:
    return IndicatorCheck(verdict=verdict, detail=sentence(reasons), reasons=tuple(reasons), **row)


VERDICT_ZH = {"laxer": "低于强制性国家标准", "stricter": "严于国家标准", "equal": "与国家标准一致",
              "missing": "缺少强制性指标", "manual": "需人工核对", "unit_mismatch": "单位不可比"}
_EPS = 1e-9


def _cmp(a: float, b: float) -> int:
    """-1, 0, 1 with a relative tolerance (values come through unit conversion)."""
    if math.isclose(a, b, rel_tol=_EPS, abs_tol=1e-15):
        return 0
    return -1 if a < b else 1


def _describe(lim: Limit) -> str:
    if lim.text:
        return f"{lim.text} {lim.unit}".strip()
    if lim.kind == "max" and lim.upper is not None:
        return f"{'≤' if lim.upper_inclusive else '<'}{lim.upper:g} {lim.unit}".strip()
    if lim.kind == "min" and lim.lower is not None:
        return f"{'≥' if lim.lower_inclusive else '>'}{lim.lower:g} {lim.unit}".strip()
    if lim.kind == "range" and lim.lower is not None and lim.upper is not None:
        return f"{lim.lower:g}~{lim.upper:g} {lim.unit}".strip()
    return lim.kind  # a limit stored before `check_limit` refused incomplete ones


def _upper_cmp(ent: float, ent_inc: bool, nat: float, nat_inc: bool) -> int:
    """Compare two upper bounds: 1 when the enterprise's allows more (laxer), -1 when less (stricter)."""
    c = _cmp(ent, nat)
    if c == 0 and ent_inc != nat_inc:
        return 1 if ent_inc else -1
    return c


def _lower_cmp(ent: float, ent_inc: bool, nat: float, nat_inc: bool) -> int:
    """Compare two lower bounds: 1 when the enterprise's allows less (laxer), -1 when it asks more."""
    c = _cmp(nat, ent)
    if c == 0 and ent_inc != nat_inc:
        return 1 if ent_inc else -1
    return c


def compare_indicator(nat: Limit, ent: Limit) -> IndicatorCheck:
    """One enterprise indicator against the national one: laxer, stricter (领跑者) or equal, units converted."""
    row = dict(name=nat.name, national=_describe(nat), enterprise=_describe(ent), source=nat.source)
    if nat.kind in ("text", "equals") or ent.kind == "text":
        return _check("manual", [Reason("standard.manual")], row)
    if nat.kind == "not_detected":
        if ent.kind == "not_detected":
            return _check("equal", [Reason("standard.both_not_detected")], row)
        return _check("laxer", [Reason("standard.national_not_detected")], row)
    if ent.kind == "not_detected":
        return _check("stricter", [Reason("standard.enterprise_not_detected")], row)

    def conv(v: float | None) -> float | None:
        return None if v is None else convert(v, ent.unit, nat.unit)

    try:
        e_lo, e_hi = conv(ent.lower), conv(ent.upper)
    except DomainError:
        return _check("unit_mismatch", [Reason("standard.units_not_convertible",
                                               {"unit": ent.unit, "national_unit": nat.unit})], row)
    note = [Reason("standard.converted", {"unit": ent.unit, "national_unit": nat.unit})] if ent.unit != nat.unit else []
    signs: list[int] = []
    if nat.kind in ("max", "range"):
        if e_hi is None:
            return _check("laxer", [Reason("standard.no_maximum"), *note], row)
        signs.append(_upper_cmp(e_hi, ent.upper_inclusive, float(nat.upper or 0), nat.upper_inclusive))
    if nat.kind in ("min", "range"):
        if e_lo is None:
            return _check("laxer", [Reason("standard.no_minimum"), *note], row)
        signs.append(_lower_cmp(e_lo, ent.lower_inclusive, float(nat.lower or 0), nat.lower_inclusive))
    if any(s > 0 for s in signs):
        parts = []
        if nat.kind in ("max", "range") and e_hi is not None and signs[0] > 0:
            parts.append(Reason("standard.maximum_above", {"value": e_hi, "unit": nat.unit, "national": nat.upper}))
        if nat.kind in ("min", "range") and e_lo is not None and signs[-1] > 0:
            parts.append(Reason("standard.minimum_below", {"value": e_lo, "unit": nat.unit, "national": nat.lower}))
        return _check("laxer", parts + note, row)
    if any(s < 0 for s in signs):
        return _check("stricter", [Reason("standard.stricter"), *note], row)
    return _check("equal", [Reason("standard.same"), *note], row)


@dataclass(frozen=True)
class StandardCheck:
    overall: str  # laxer | leader | equal | manual
    rows: tuple[IndicatorCheck, ...]
    extra: tuple[str, ...]  # enterprise indicators without a national counterpart

    def as_dict(self) -> dict[str, Any]:
        return {"overall": self.overall, "overall_zh": OVERALL_ZH[self.overall],
                "rows": [r.as_dict() | {"verdict_zh": VERDICT_ZH[r.verdict]} for r in self.rows],
                "extra": list(self.extra)}


OVERALL_ZH = {"laxer": "存在低于强制性国家标准的指标", "stricter": "有指标严于强制性国家标准",
              "leader": "企业标准“领跑者”（列入已发布的领跑者名单）",
              "equal": "符合强制性国家标准", "manual": "需人工核对"}


def check_standard(national: Iterable[Limit], enterprise: Iterable[Limit]) -> StandardCheck:
    """企业标准自我声明 check: every mandatory national indicator must be present and not laxer."""
    ent_by_key: dict[str, Limit] = {}
    for e in enterprise:
        ent_by_key.setdefault(indicator_key(e.name), e)
    used: set[str] = set()
    rows: list[IndicatorCheck] = []
    for n in national:
        key = indicator_key(n.name)
        ent = ent_by_key.get(key)
        if ent is None:
            if n.mandatory:
                rows.append(IndicatorCheck(n.name, "missing", _describe(n), "—", "企业标准未列出该强制性指标",
                                           n.source, (Reason("standard.missing"),)))
            continue
        used.add(key)
        rows.append(compare_indicator(n, ent))
    extra = tuple(e.name for k, e in ent_by_key.items() if k not in used)
    verdicts = {r.verdict for r in rows}
    if verdicts & {"laxer", "missing"}:
        overall = "laxer"
    elif "stricter" in verdicts:
        overall = "stricter"  # 领跑者 only when on a published list (the service checks the imported list)
    elif verdicts & {"manual", "unit_mismatch"} and not verdicts & {"equal"}:
        overall = "manual"
    else:
        overall = "equal"
    return StandardCheck(overall, tuple(rows), extra)
