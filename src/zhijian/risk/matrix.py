"""产品风险评估 — the EU Safety Gate risk-assessment method (Implementing Decision (EU) 2019/417,
kept by Delegated Regulation (EU) 2024/3173 Annex II), pure functions.

A scenario is a chain of steps; its probability is the product of the steps' probabilities, computed
exactly with fractions (so 1/10 × 1/100 is exactly 1/1 000 and falls in the "> 1/10 000" band, not
above it by a rounding error). Severity 1–4 and the probability band give the level from the matrix;
the product's risk is the highest over its scenarios. Bands are strict: "> 1/2" means strictly greater.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from zhijian.platform.errors import DomainError

LEVELS = ("low", "medium", "high", "serious")
LEVEL_ZH = {"low": "低风险", "medium": "中风险", "high": "高风险", "serious": "严重风险"}
CONSUMERS = {"others": "其他消费者", "vulnerable": "易受伤害消费者", "very_vulnerable": "极易受伤害消费者"}
SEVERITY_ZH = {
    1: "1 级：急救处理，可完全恢复",
    2: "2 级：需急诊，约 6 个月内恢复",
    3: "3 级：需住院，影响超过 6 个月或永久丧失部分功能",
    4: "4 级：死亡或约 10% 以上残疾",
}

# lower bounds of the probability bands (strict ">"), highest first; the last row is "≤ 1/1 000 000"
BANDS: tuple[Fraction, ...] = (Fraction(1, 2), Fraction(1, 10), Fraction(1, 100), Fraction(1, 1000),
                               Fraction(1, 10_000), Fraction(1, 100_000), Fraction(1, 1_000_000))
BAND_LABELS = ("> 1/2", "> 1/10", "> 1/100", "> 1/1 000", "> 1/10 000", "> 1/100 000", "> 1/1 000 000",
               "≤ 1/1 000 000")
S, H, M, L = "serious", "high", "medium", "low"
# rows: bands above; columns: severity 1..4 (DOMAIN.md, from Decision 2019/417 Part 1 §4)
MATRIX: tuple[tuple[str, str, str, str], ...] = (
    (H, S, S, S),
    (M, S, S, S),
    (M, S, S, S),
    (L, H, S, S),
    (L, M, H, S),
    (L, L, M, H),
    (L, L, L, M),
    (L, L, L, L),
)

# Presumed-serious-risk cases (2024/3173 and Safety Gate practice) that the assessor ticks: each one
# raises the product's level to "serious" whatever the scenarios give. The wording is ours; check the
# Regulation's text before relying on a flag in a legal notice.
PRESUMED_SERIOUS: dict[str, str] = {
    "restricted_chemical_above_limit": "化学品含量超过法规限量（如 REACH 法规附件十七限制物质）",
    "small_parts_children_under_36_months": "供 36 个月以下儿童使用的产品含可拆小部件（窒息）",
    "cords_drawstrings_children_clothing": "儿童服装头颈部带有拉带或绳索（勒颈）",
    "accessible_live_parts": "可触及带电部件（电击）",
    "ppe_no_protection": "个人防护装备未能提供所声称的防护",
    "counterfeit_safety_critical": "涉及安全关键部件的假冒产品",
}


def to_fraction(value: object, field_name: str = "probability") -> Fraction:
    """A probability as an exact fraction: 0.02, "0.02", "1/50" all give 1/50."""
    try:
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, Fraction):
            f = value
        elif isinstance(value, int):
            f = Fraction(value)
        elif isinstance(value, float):
            f = Fraction(repr(value))  # the decimal the user wrote, not the binary float
        elif isinstance(value, str):
            f = Fraction(value.strip().replace(" ", ""))
        else:
            raise ValueError
    except (ValueError, ZeroDivisionError):
        raise DomainError("risk.bad_probability", f"概率「{value}」不是数字或分数", f"probability '{value}' is not a number",
                          field=field_name) from None
    if not (0 < f <= 1):
        raise DomainError("risk.bad_probability", f"概率应在 (0, 1] 内：{value}", f"probability must be in (0, 1]: {value}",
                          field=field_name)
    return f


def band_index(p: Fraction) -> int:
    for i, lower in enumerate(BANDS):
        if p > lower:
            return i
    return len(BANDS)


def risk_level(p: Fraction | float | str, severity: int) -> str:
    """The matrix cell for a probability and a severity (1–4)."""
    if severity not in (1, 2, 3, 4) or isinstance(severity, bool):
        raise DomainError("risk.bad_severity", f"严重程度应为 1–4：{severity}", f"severity must be 1-4: {severity}",
                          field="severity")
    return MATRIX[band_index(to_fraction(p))][severity - 1]


def highest(levels: list[str]) -> str:
    return max(levels, key=LEVELS.index)


@dataclass(frozen=True)
class Step:
    description: str
    probability: Fraction


@dataclass(frozen=True)
class Scenario:
    description: str
    consumer: str
    severity: int
    steps: tuple[Step, ...]

    @property
    def probability(self) -> Fraction:
        p = Fraction(1)
        for s in self.steps:
            p *= s.probability
        return p


@dataclass(frozen=True)
class Assessment:
    product: str
    scenarios: tuple[Scenario, ...]
    presumed_serious: tuple[str, ...] = ()
    units_in_use: int | None = None  # optional exposure (not part of the EU method)
    hazard: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _fmt_fraction(p: Fraction) -> str:
    if p.numerator == 1:
        return f"1/{p.denominator:,}".replace(",", " ")
    inv = p.denominator / p.numerator
    return f"≈ 1/{inv:,.0f}".replace(",", " ")


def parse_assessment(data: Any) -> Assessment:
    """Validate the JSON input (`{"product", "scenarios": [{description, consumer, severity, steps}]}`)."""
    if not isinstance(data, dict):
        raise DomainError("risk.bad_input", "输入应为 JSON 对象", "input must be a JSON object")
    product = data.get("product")
    if not isinstance(product, str) or not product.strip():
        raise DomainError("risk.bad_input", "缺少产品名称 product", "missing 'product'", field="product")
    raw = data.get("scenarios")
    if not isinstance(raw, list) or not raw:
        raise DomainError("risk.bad_input", "至少需要一个伤害情景 scenarios", "at least one scenario is needed",
                          field="scenarios")
    scenarios = []
    for i, sc in enumerate(raw):
        where = f"scenarios[{i}]"
        if not isinstance(sc, dict):
            raise DomainError("risk.bad_input", f"{where} 应为对象", f"{where} must be an object", field=where)
        consumer = sc.get("consumer", "others")
        if consumer not in CONSUMERS:
            raise DomainError("risk.bad_consumer", f"{where}.consumer 应为 others / vulnerable / very_vulnerable",
                              f"{where}.consumer must be others, vulnerable or very_vulnerable",
                              field=f"{where}.consumer")
        sev = sc.get("severity")
        if isinstance(sev, bool) or sev not in (1, 2, 3, 4):
            raise DomainError("risk.bad_severity", f"{where}.severity 应为 1–4", f"{where}.severity must be 1-4",
                              field=f"{where}.severity")
        steps_raw = sc.get("steps")
        if not isinstance(steps_raw, list) or not steps_raw:
            raise DomainError("risk.bad_input", f"{where}.steps 至少需要一步", f"{where}.steps needs at least one step",
                              field=f"{where}.steps")
        steps = []
        for j, st in enumerate(steps_raw):
            sw = f"{where}.steps[{j}]"
            if not isinstance(st, dict) or "probability" not in st:
                raise DomainError("risk.bad_input", f"{sw} 缺少 probability", f"{sw} lacks 'probability'", field=sw)
            steps.append(Step(str(st.get("description", "")), to_fraction(st["probability"], f"{sw}.probability")))
        scenarios.append(Scenario(str(sc.get("description", "")), consumer, int(sev), tuple(steps)))
    flags = data.get("presumed_serious") or []
    if not isinstance(flags, list) or any(f not in PRESUMED_SERIOUS for f in flags):
        raise DomainError("risk.bad_flag", f"未知的推定严重风险标记，可选：{', '.join(PRESUMED_SERIOUS)}",
                          f"unknown presumed-serious flag; one of {', '.join(PRESUMED_SERIOUS)}",
                          field="presumed_serious")
    units = data.get("units_in_use")
    if units is not None and (isinstance(units, bool) or not isinstance(units, int) or units < 1):
        raise DomainError("risk.bad_input", "units_in_use 应为正整数", "units_in_use must be a positive integer",
                          field="units_in_use")
    return Assessment(product.strip(), tuple(scenarios), tuple(flags), units, str(data.get("hazard", "")))


def assess(a: Assessment, *, exposure_adjustment: bool = False) -> dict[str, Any]:
    """Each scenario's probability and level; the product's `risk_level` (highest, or serious if flagged)."""
    out_sc: list[dict[str, Any]] = []
    for sc in a.scenarios:
        p = sc.probability
        level = MATRIX[band_index(p)][sc.severity - 1]
        out_sc.append({
            "description": sc.description, "consumer": sc.consumer, "consumer_zh": CONSUMERS[sc.consumer],
            "severity": sc.severity, "probability": float(p), "probability_fraction": f"{p.numerator}/{p.denominator}",
            "probability_label": _fmt_fraction(p), "band": BAND_LABELS[band_index(p)], "risk_level": level,
            "risk_level_zh": LEVEL_ZH[level],
            "steps": [{"description": s.description, "probability": float(s.probability)} for s in sc.steps],
        })
    by_matrix = highest([s["risk_level"] for s in out_sc])
    level = "serious" if a.presumed_serious else by_matrix
    result: dict[str, Any] = {
        "product": a.product, "method": "EU 2019/417 / 2024/3173 Annex II", "scenarios": out_sc,
        "risk_level_by_matrix": by_matrix, "presumed_serious": list(a.presumed_serious),
        "risk_level": level, "risk_level_zh": LEVEL_ZH[level],
    }
    if exposure_adjustment and a.units_in_use:
        worst = max(a.scenarios, key=lambda s: (LEVELS.index(MATRIX[band_index(s.probability)][s.severity - 1]),
                                                s.probability))
        result["exposure"] = {
            "units_in_use": a.units_in_use,
            "expected_injuries": float(worst.probability * a.units_in_use),
            "note_zh": "按在用数量估算的预期伤害次数——不属于欧盟方法，不改变风险等级",
            "note_en": "expected injuries from the units in use - not part of the EU method; the level is unchanged",
        }
    return result
