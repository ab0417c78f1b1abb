"""Pure rules of supervisory spot checks (监督抽查): requirements, judgement, units, workflow, draws.

- Requirement strings as written in Chinese standards (标准要求): ``≤0.5``, ``≥3.0``, ``0.5~1.5`` / ``0.5～1.5``,
  ``<0.1``, ``不得检出``, ``5×10⁴``, or free text (judged by the inspector).
- GB/T 8170-2008 comparison of a measured value with a limit: 全数值比较法 (``full``: the unrounded value) or
  修约值比较法 (``rounded``: round the value to the limit's digits first, 四舍六入五成双, then compare).
- Units converted with pint before comparing (g/kg vs mg/kg).
- Decision rules with measurement uncertainty from :mod:`zhijian.stats.conformity` (ILAC-G8, JCGM 106).
- The batch workflow (planned → … → published) and the reproducible 双随机 draw.

No I/O here: every function is deterministic and testable without a database.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

import numpy as np

from zhijian.platform.errors import DomainError
from zhijian.stats import conformity

PASS = "合格"
FAIL = "不合格"
MANUAL = "待人工判定"
VERDICTS = (PASS, FAIL, MANUAL)
NOT_DETECTED_WORDS = ("未检出", "ND", "N.D.", "nd", "<LOD", "未检测到")
KINDS = ("max", "min", "range", "equals", "not_detected", "text")
KIND_CODE = {k: i for i, k in enumerate(KINDS)}
RULES = ("simple", "guarded")
METHODS = ("full", "rounded")
METHOD_ZH = {"full": "全数值比较法", "rounded": "修约值比较法"}
LEVELS = ("national", "provincial", "municipal", "county")
LEVEL_ZH = {"national": "国家级", "provincial": "省级", "municipal": "市级", "county": "县级"}
BASES = ("random", "targeted", "complaint")
BASIS_ZH = {"random": "随机抽样", "targeted": "定向抽样", "complaint": "投诉举报"}


def _bad(field_name: str, zh: str, en: str, code: str = "spotcheck.invalid") -> DomainError:
    return DomainError(code, zh, en, field=field_name)


# ---------------------------------------------------------------- requirements (标准要求)


@dataclass(frozen=True)
class Requirement:
    """A parsed requirement: kind, limits (with inclusiveness), the digits of the limit, the text as written."""

    kind: str
    lower: float | None = None
    upper: float | None = None
    lower_inclusive: bool = True
    upper_inclusive: bool = True
    unit: str = ""
    text: str = ""
    decimals: int = 0  # digits after the decimal point of the limit (GB/T 8170 修约值比较法)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def describe_zh(self) -> str:
        u = self.unit
        if self.kind == "max":
            return f"{'≤' if self.upper_inclusive else '<'}{_fmt(self.upper, self.decimals)}{u}"
        if self.kind == "min":
            return f"{'≥' if self.lower_inclusive else '>'}{_fmt(self.lower, self.decimals)}{u}"
        if self.kind == "range":
            return f"{_fmt(self.lower, self.decimals)}~{_fmt(self.upper, self.decimals)}{u}"
        if self.kind == "equals":
            return f"={_fmt(self.lower, self.decimals)}{u}"
        if self.kind == "not_detected":
            return "不得检出"
        return self.text


def _fmt(v: float | None, decimals: int) -> str:
    return "" if v is None else f"{v:.{max(decimals, 0)}f}"


_NUM = r"[-+]?\d+(?:\.\d+)?(?:\s*[×xX*]\s*10\s*(?:\^|\*\*)?\s*[-+]?\d+)?(?:[eE][-+]?\d+)?"
_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_ND_REQ = ("不得检出", "不应检出", "不得使用", "不得添加", "未检出", "不得含有", "禁用")


def _normalise(text: str) -> str:
    s = unicodedata.normalize("NFKC", text or "").strip()  # full-width ～ ＜ ０ → ASCII forms
    s = s.replace("≦", "≤").replace("≧", "≥").replace("<=", "≤").replace(">=", "≥")
    s = s.replace("〜", "~").replace("～", "~").replace("—", "~").replace("–", "~").replace("至", "~")
    return s


def _number(token: str) -> tuple[float, int]:
    """A number as written, and its digits after the decimal point (0.50 → 2; 5×10⁴ → 0)."""
    t = token.translate(_SUPERSCRIPT).replace(" ", "")
    m = re.fullmatch(r"([-+]?\d+(?:\.\d+)?)(?:[×xX*]10(?:\^|\*\*)?([-+]?\d+))?", t)
    if m is None:
        return float(t), _decimals_of(t)
    mant, exp = m.group(1), m.group(2)
    dec = _decimals_of(mant)
    if exp is None:
        return float(mant), dec
    value = float(Decimal(mant) * (Decimal(10) ** int(exp)))
    return value, max(dec - int(exp), 0)


def _decimals_of(t: str) -> int:
    if "e" in t.lower():
        d = Decimal(t)
        return max(-d.as_tuple().exponent, 0)  # type: ignore[operator]
    return len(t.split(".", 1)[1]) if "." in t else 0


def parse_requirement(text: str, unit: str = "", *, field_name: str = "requirement") -> Requirement:
    """Parse a requirement as written in a Chinese standard; text that is not a limit stays a text requirement."""
    raw = (text or "").strip()
    s = _normalise(raw).translate(_SUPERSCRIPT)
    if not s:
        raise _bad(field_name, "标准要求为空", "the requirement is empty", "spotcheck.bad_requirement")
    if any(w in s for w in _ND_REQ):
        m = re.search(r"[≤<]\s*(" + _NUM + ")", s)
        if m:  # e.g. 禁用(≤20): not detected above a stated threshold
            v, d = _number(m.group(1))
            return Requirement("not_detected", upper=v, upper_inclusive="≤" in m.group(0), unit=unit, text=raw, decimals=d)
        return Requirement("not_detected", unit=unit, text=raw)
    body = s
    m = re.fullmatch(r"(≤|<|≥|>|=)?\s*(" + _NUM + r")\s*(?:~\s*(" + _NUM + r"))?\s*([^\d\s].*)?", body)
    if m is None:
        return Requirement("text", unit=unit, text=raw)
    op, a, b, trailing = m.group(1), m.group(2), m.group(3), (m.group(4) or "").strip()
    if trailing and re.fullmatch(r"[A-Za-zμµ%‰°℃Ω/·.()*^\d]+", trailing):
        unit = trailing  # the requirement states its own unit ("≤0.5 mg/kg")
    va, da = _number(a)
    if b is not None:
        if op:
            return Requirement("text", unit=unit, text=raw)
        vb, db = _number(b)
        if va > vb:
            raise _bad(field_name, f"范围要求「{raw}」下限大于上限", f"range requirement {raw!r} has lower > upper",
                       "spotcheck.bad_requirement")
        return Requirement("range", lower=va, upper=vb, unit=unit, text=raw, decimals=max(da, db))
    if op in ("≤", "<"):
        return Requirement("max", upper=va, upper_inclusive=op == "≤", unit=unit, text=raw, decimals=da)
    if op in ("≥", ">"):
        return Requirement("min", lower=va, lower_inclusive=op == "≥", unit=unit, text=raw, decimals=da)
    return Requirement("equals", lower=va, upper=va, unit=unit, text=raw, decimals=da)


def requirement_from_indicator(kind: str, lower: float | None, upper: float | None, unit: str, text: str,
                               lower_inclusive: bool = True, upper_inclusive: bool = True) -> Requirement:
    """A requirement from a catalog indicator; the digits come from its text when that text is a limit."""
    decimals = 0
    if text:
        try:
            parsed = parse_requirement(text, unit)
            decimals = parsed.decimals
        except DomainError:
            decimals = 0
    return Requirement(kind, lower=lower, upper=upper, lower_inclusive=lower_inclusive,
                       upper_inclusive=upper_inclusive, unit=unit, text=text, decimals=decimals)


# ---------------------------------------------------------------- measured values and units


@dataclass(frozen=True)
class Measured:
    value: float | None
    not_detected: bool
    text: str


def parse_measured(text: str | float | int | None, *, field_name: str = "value") -> Measured:
    """A measured value as a lab writes it: a number, 未检出 / ND, or '<0.01' (below the LOD)."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        if not math.isfinite(float(text)):
            raise _bad(field_name, "实测值不是有限数", "measured value is not finite", "spotcheck.bad_value")
        return Measured(float(text), False, repr(text))
    raw = (str(text) if text is not None else "").strip()
    s = _normalise(raw)
    if not s:
        raise _bad(field_name, "实测值为空", "measured value is empty", "spotcheck.bad_value")
    if s in NOT_DETECTED_WORDS or s.startswith("未检出"):
        return Measured(None, True, raw)
    if s.startswith("<"):  # "<0.01": below the limit of detection
        return Measured(None, True, raw)
    try:
        v, _d = _number(s.translate(_SUPERSCRIPT))
    except (ValueError, InvalidOperation):
        raise _bad(field_name, f"实测值无法识别：「{raw}」（应为数值或“未检出”）",
                   f"measured value not understood: {raw!r} (a number or 未检出)", "spotcheck.bad_value") from None
    if not math.isfinite(v):
        raise _bad(field_name, "实测值不是有限数", "measured value is not finite", "spotcheck.bad_value")
    return Measured(v, False, raw)


def parse_measured_for(req: Requirement, text: str | float | int | None, *, field_name: str = "value") -> Measured:
    """Like parse_measured, but a text requirement takes the observation as written (e.g. 符合, 无渗漏)."""
    if req.kind == "text":
        raw = "" if text is None else str(text).strip()
        if not raw:
            raise _bad(field_name, "检验结果为空", "the result is empty", "spotcheck.bad_value")
        return Measured(None, False, raw)
    return parse_measured(text, field_name=field_name)


_UNIT_ALIASES = {"ppm": "mg/kg", "ppb": "μg/kg", "%": "percent", "‰": "permille", "Ω": "ohm", "℃": "degC",
                 "μg/g": "μg/g", "ug/g": "μg/g", "mg/100g": "mg/(100*g)", "g/100g": "g/(100*g)",
                 "g/100mL": "g/(100*mL)", "mg/100mL": "mg/(100*mL)", "g/100ml": "g/(100*mL)"}


@lru_cache(maxsize=1)
def _ureg() -> Any:
    import pint

    return pint.UnitRegistry()


@lru_cache(maxsize=512)
def unit_factor(from_unit: str, to_unit: str) -> float:
    """Multiply a value in `from_unit` by this to get it in `to_unit` (1.0 when the units are the same)."""
    a, b = (from_unit or "").strip(), (to_unit or "").strip()
    if a == b or not a or not b:
        return 1.0
    ureg = _ureg()
    try:
        qa = ureg.parse_expression(_UNIT_ALIASES.get(a, a))
        qb = ureg.parse_expression(_UNIT_ALIASES.get(b, b))
        return float((qa / qb).to("dimensionless").magnitude)
    except Exception:
        raise DomainError("spotcheck.unit_mismatch", f"单位「{a}」无法换算为「{b}」",
                          f"unit {a!r} cannot be converted to {b!r}", field="unit") from None


# ---------------------------------------------------------------- rounding (GB/T 8170-2008 修约)


def round_gbt8170(value: float, decimals: int) -> float:
    """GB/T 8170-2008 §3.3 rounding to `decimals` digits: 四舍六入五成双 on the value as written."""
    d = Decimal(repr(float(value)))
    q = Decimal(1).scaleb(-decimals)
    return float(d.quantize(q, rounding=ROUND_HALF_EVEN))


def round_gbt8170_array(values: np.ndarray, decimals: np.ndarray) -> np.ndarray:
    """Vectorised GB/T 8170 rounding; float noise below 1e-9 of the last digit is removed first."""
    scale = np.power(10.0, decimals)
    scaled = np.round(values * scale, 9)
    return np.rint(scaled) / scale


# ---------------------------------------------------------------- judgement (判定)


@dataclass(frozen=True)
class ItemJudgement:
    """单项判定 — the verdict on one item with how it was reached."""

    verdict: str
    requirement: Requirement
    value: float | None
    compared_value: float | None
    unit: str
    not_detected: bool
    comparison_method: str
    rule: str
    outcome: str | None = None
    probability_of_conformance: float | None = None
    rule_text_zh: str = ""
    rule_text: str = ""
    reason_zh: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["requirement"] = self.requirement.to_dict()
        d["requirement"]["describe_zh"] = self.requirement.describe_zh
        d["comparison_method_zh"] = METHOD_ZH[self.comparison_method]
        return d


def _check_rule(rule: str, method: str) -> None:
    if rule not in RULES:
        raise _bad("rule", f"判定规则无效：{rule}（simple 或 guarded）", f"invalid decision rule: {rule} (simple or guarded)",
                   "spotcheck.bad_rule")
    if method not in METHODS:
        raise _bad("comparison_method", f"比较方法无效：{method}（full 全数值 或 rounded 修约值）",
                   f"invalid comparison method: {method} (full or rounded)", "spotcheck.bad_method")


def judge(req: Requirement, measured: Measured, *, unit: str | None = None, lod: float | None = None,
          uncertainty: float | None = None, rule: str = "simple", guard_factor: float = 1.0,
          comparison_method: str = "full") -> ItemJudgement:
    """Judge one item against its requirement.

    Numbers are converted to the requirement's unit first. Under ``rounded`` (修约值比较法) the value is rounded
    to the limit's digits before comparing. ``guarded`` is the regulator's guarded rejection (ILAC-G8 §4.2.3):
    不合格 only when the value is outside the limit by at least w = r·U, so that a non-conformity is proven.
    """
    _check_rule(rule, comparison_method)
    unit = req.unit if unit is None else unit
    factor = unit_factor(unit, req.unit) if (unit and req.unit) else 1.0
    value = None if measured.value is None else measured.value * factor
    big_u = None if uncertainty is None else float(uncertainty) * factor
    lod_c = None if lod is None else float(lod) * factor
    if big_u is not None and (not math.isfinite(big_u) or big_u < 0):
        raise _bad("uncertainty", "扩展不确定度应为非负数", "expanded uncertainty must be non-negative", "spotcheck.bad_value")
    if rule == "guarded" and big_u is None and req.kind in ("max", "min", "range") and not measured.not_detected:
        raise _bad("uncertainty", "保护带判定需要扩展不确定度 U", "guarded acceptance needs the expanded uncertainty U",
                   "spotcheck.uncertainty_required")
    base = dict(requirement=req, value=value, unit=req.unit or unit, not_detected=measured.not_detected,
                comparison_method=comparison_method, rule=rule)
    if req.kind == "text":
        return ItemJudgement(MANUAL, compared_value=None, reason_zh="文字要求，由检验人员判定", **base)  # type: ignore[arg-type]
    if measured.not_detected:
        return _judge_not_detected(req, lod_c, base)
    assert value is not None
    compared = round_gbt8170(value, req.decimals) if comparison_method == "rounded" else value
    if req.kind == "not_detected":
        if req.upper is not None:
            ok = compared <= req.upper if req.upper_inclusive else compared < req.upper
        else:
            ok = lod_c is not None and value < lod_c
        reason = "检出" if not ok else "低于检出限"
        return ItemJudgement(PASS if ok else FAIL, compared_value=compared, reason_zh=reason, **base)  # type: ignore[arg-type]
    if req.kind == "equals":
        ok = compared == req.lower
        return ItemJudgement(PASS if ok else FAIL, compared_value=compared,
                             reason_zh="等于规定值" if ok else "不等于规定值", **base)  # type: ignore[arg-type]
    lo = req.lower if req.kind in ("min", "range") else None
    hi = req.upper if req.kind in ("max", "range") else None
    on_exclusive = (lo is not None and compared == lo and not req.lower_inclusive) or (
        hi is not None and compared == hi and not req.upper_inclusive)
    dec = conformity.judge_value(compared, lower=lo, upper=hi, expanded_uncertainty=big_u, rule=rule,  # type: ignore[arg-type]
                                 guard_factor=guard_factor, on_limit="fail" if on_exclusive else "pass")
    ok = dec.outcome != "fail" if rule == "guarded" else dec.conforms
    return ItemJudgement(PASS if ok else FAIL, compared_value=compared, outcome=dec.outcome,
                         probability_of_conformance=dec.probability_of_conformance, rule_text_zh=dec.rule_text_zh,
                         rule_text=dec.rule_text, reason_zh=dec.outcome_zh, **base)  # type: ignore[arg-type]


def _judge_not_detected(req: Requirement, lod: float | None, base: dict[str, Any]) -> ItemJudgement:
    """A result reported as 未检出: conforms to 不得检出 and to a maximum the LOD does not exceed."""
    if req.kind == "not_detected":
        return ItemJudgement(PASS, compared_value=None, reason_zh="未检出", **base)
    if req.kind == "max":
        if lod is None or lod <= (req.upper or 0.0):
            return ItemJudgement(PASS, compared_value=None, reason_zh="未检出（低于检出限）", **base)
        return ItemJudgement(MANUAL, compared_value=None, reason_zh="检出限高于限值，无法判定", **base)
    # min / range / equals: a value below the LOD cannot reach a lower limit at or above the LOD
    if lod is None or lod <= (req.lower if req.lower is not None else math.inf):
        return ItemJudgement(FAIL, compared_value=None, reason_zh="未检出，低于下限", **base)
    return ItemJudgement(MANUAL, compared_value=None, reason_zh="检出限高于下限，无法判定", **base)


# Vectorised core for bulk judgement (批量判定): the same decisions as judge(), tested against it.
V_PASS, V_FAIL, V_MANUAL = 0, 1, 2


def judge_arrays(kind: np.ndarray, lower: np.ndarray, upper: np.ndarray, value: np.ndarray,
                 not_detected: np.ndarray, *, lower_inclusive: np.ndarray | None = None,
                 upper_inclusive: np.ndarray | None = None, lod: np.ndarray | None = None,
                 uncertainty: np.ndarray | None = None, decimals: np.ndarray | None = None,
                 rounded: np.ndarray | None = None, guarded: bool = False, guard_factor: float = 1.0) -> np.ndarray:
    """Judge many items at once; returns codes 0 合格, 1 不合格, 2 待人工判定 (NaN limits mean 'none')."""
    n = value.shape[0]
    kind = kind.astype(np.int8, copy=False)
    li = np.ones(n, bool) if lower_inclusive is None else lower_inclusive
    ui = np.ones(n, bool) if upper_inclusive is None else upper_inclusive
    lod = np.full(n, np.nan) if lod is None else lod
    big_u = np.zeros(n) if uncertainty is None else np.nan_to_num(uncertainty, nan=0.0)
    v = value
    if rounded is not None and decimals is not None and rounded.any():
        v = np.where(rounded, round_gbt8170_array(value, decimals), value)
    w = guard_factor * big_u if guarded else np.zeros(n)
    has_lo = ~np.isnan(lower)
    has_hi = ~np.isnan(upper)
    lo_f = np.where(has_lo, lower, -np.inf)
    hi_f = np.where(has_hi, upper, np.inf)
    # simple: outside the limits fails (an exclusive limit fails on the limit itself);
    # guarded rejection (w > 0): fails only when beyond the limit by more than w (stats.conformity's 'fail').
    with np.errstate(invalid="ignore"):
        below = np.where(w > 0, v < lo_f - w, (v < lo_f) | (~li & (v == lo_f)))
        above = np.where(w > 0, v > hi_f + w, (v > hi_f) | (~ui & (v == hi_f)))
        numeric_fail = below | above
        nd_limit_fail = np.where(has_hi, (v > hi_f) | (~ui & (v == hi_f)), ~(value < lod))
        equals_fail = v != lo_f
    out = np.where(numeric_fail, V_FAIL, V_PASS)
    k_nd, k_eq, k_text, k_max = KIND_CODE["not_detected"], KIND_CODE["equals"], KIND_CODE["text"], KIND_CODE["max"]
    out = np.where(kind == k_nd, np.where(nd_limit_fail, V_FAIL, V_PASS), out)
    out = np.where(kind == k_eq, np.where(equals_fail, V_FAIL, V_PASS), out)
    # results reported as 未检出
    lod_known = ~np.isnan(lod)
    nd_max = np.where(~lod_known | (lod <= np.where(has_hi, hi_f, 0.0)), V_PASS, V_MANUAL)
    nd_low = np.where(~lod_known | (lod <= np.where(has_lo, lo_f, np.inf)), V_FAIL, V_MANUAL)
    nd_out = np.where(kind == k_nd, V_PASS, np.where(kind == k_max, nd_max, nd_low))
    out = np.where(not_detected, nd_out, out)
    out = np.where(kind == k_text, V_MANUAL, out)
    return out.astype(np.int8)


@dataclass(frozen=True)
class BatchVerdict:
    """The batch verdict (批次判定): 合格 / 不合格 with the failing items and whether any is a safety item."""

    verdict: str
    failing_items: list[str]
    safety_failure: bool
    pending_items: list[str]


def batch_verdict(items: list[tuple[str, str, bool]]) -> BatchVerdict:
    """items: (name, item verdict, is_safety). A batch fails when any item fails; 待人工判定 blocks a verdict."""
    failing = [n for n, v, _s in items if v == FAIL]
    pending = [n for n, v, _s in items if v not in (PASS, FAIL)]
    safety = any(s for _n, v, s in items if v == FAIL)
    if not items:
        return BatchVerdict(MANUAL, [], False, [])
    verdict = FAIL if failing else (MANUAL if pending else PASS)
    return BatchVerdict(verdict, failing, safety, pending)


# ---------------------------------------------------------------- workflow (状态流转)

STATES = ("planned", "sampled", "received", "tested", "verified", "judged", "notified", "objected", "retested",
          "final", "published", "refused")
STATE_ZH = {"planned": "待抽样", "sampled": "已抽样", "received": "已收样", "tested": "已检验", "verified": "已审核",
            "judged": "已判定", "notified": "已告知", "objected": "异议中", "retested": "已复检", "final": "结果确定",
            "published": "已公布", "refused": "拒检"}
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "planned": ("sampled", "refused"),
    "sampled": ("received",),
    "received": ("tested",),
    "tested": ("verified",),
    "verified": ("judged",),
    "judged": ("notified",),
    "notified": ("objected", "final"),
    "objected": ("retested", "final"),
    "retested": ("final",),
    "final": ("published",),
    "refused": ("published",),
    "published": (),
}


def check_transition(current: str, target: str) -> None:
    from zhijian.platform.errors import InvalidTransition

    if target not in TRANSITIONS.get(current, ()):
        raise InvalidTransition("batch", current, target)


# ---------------------------------------------------------------- 双随机 draw


@dataclass(frozen=True)
class Candidate:
    product_id: int
    enterprise_id: int
    category_id: int
    region_code: str
    credit_class: str | None = None


@dataclass(frozen=True)
class DrawInput:
    seed: int
    candidates: list[Candidate]
    targets: dict[int, int]  # category_id → number of batches
    labs: list[tuple[int, str]]  # (lab id, region code)
    excluded: dict[int, str] = field(default_factory=dict)  # product_id → reason (PQL Art. 15)
    conflicts: list[tuple[int, int]] = field(default_factory=list)  # (lab id, enterprise id)
    credit_weights: dict[str, float] = field(default_factory=lambda: {"A": 1.0, "B": 1.0, "C": 2.0, "D": 3.0})
    exclude_same_province: bool = False
    one_per_enterprise: bool = True

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["targets"] = {str(k): v for k, v in self.targets.items()}
        d["excluded"] = {str(k): v for k, v in self.excluded.items()}
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> DrawInput:
        return cls(seed=int(d["seed"]), candidates=[Candidate(**c) for c in d["candidates"]],
                   targets={int(k): int(v) for k, v in d["targets"].items()},
                   labs=[(int(a), str(b)) for a, b in d["labs"]],
                   excluded={int(k): v for k, v in d.get("excluded", {}).items()},
                   conflicts=[(int(a), int(b)) for a, b in d.get("conflicts", [])],
                   credit_weights={k: float(v) for k, v in d.get("credit_weights", {}).items()},
                   exclude_same_province=bool(d.get("exclude_same_province", False)),
                   one_per_enterprise=bool(d.get("one_per_enterprise", True)))

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.to_json(), sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class Assignment:
    product_id: int
    enterprise_id: int
    category_id: int
    region_code: str
    lab_id: int


@dataclass(frozen=True)
class DrawResult:
    assignments: list[Assignment]
    excluded: list[dict[str, Any]]  # {product_id, reason}
    shortfall: dict[int, int]  # category → batches that could not be drawn
    input_digest: str

    def to_json(self) -> dict[str, Any]:
        return {"assignments": [asdict(a) for a in self.assignments], "excluded": self.excluded,
                "shortfall": {str(k): v for k, v in self.shortfall.items()}, "input_digest": self.input_digest}


def draw(inp: DrawInput) -> DrawResult:
    """双随机: draw products per category (weighted by credit class), then labs, matched at random.

    Reproducible: the same input (with its seed) always yields the same result. Weighted sampling without
    replacement uses Efraimidis–Spirakis keys u^(1/w) from Python's Mersenne Twister seeded with `seed`.
    Labs are matched in a shuffled round-robin so the load is even, skipping labs with a conflict
    (a business relation with the enterprise, or the same province when that rule is on).
    """
    rng = random.Random(inp.seed)
    excluded = [{"product_id": pid, "reason": reason} for pid, reason in sorted(inp.excluded.items())]
    by_cat: dict[int, list[Candidate]] = {}
    for c in sorted(inp.candidates, key=lambda c: c.product_id):
        if c.product_id in inp.excluded:
            continue
        by_cat.setdefault(c.category_id, []).append(c)
    chosen: list[Candidate] = []
    shortfall: dict[int, int] = {}
    for cat_id in sorted(inp.targets):
        want = inp.targets[cat_id]
        pool = by_cat.get(cat_id, [])
        keyed = []
        for c in pool:
            w = inp.credit_weights.get(c.credit_class or "B", 1.0)
            u = rng.random()
            keyed.append((u ** (1.0 / w) if w > 0 else 0.0, c.product_id, c))
        keyed.sort(key=lambda t: (-t[0], t[1]))
        seen: set[int] = set()
        got = 0
        for _k, _pid, c in keyed:
            if got >= want:
                break
            if inp.one_per_enterprise and c.enterprise_id in seen:
                continue
            seen.add(c.enterprise_id)
            chosen.append(c)
            got += 1
        if got < want:
            shortfall[cat_id] = want - got
    conflicts = set(inp.conflicts)
    labs = sorted(inp.labs)
    order = list(range(len(labs)))
    rng.shuffle(order)
    rng.shuffle(chosen)
    assignments: list[Assignment] = []
    pos = 0
    for c in chosen:
        picked = None
        for step in range(len(order)):
            lab_id, lab_region = labs[order[(pos + step) % len(order)]]
            if (lab_id, c.enterprise_id) in conflicts:
                continue
            if inp.exclude_same_province and lab_region[:2] == c.region_code[:2]:
                continue
            picked = lab_id
            pos = (pos + step + 1) % len(order)
            break
        if picked is None:
            excluded.append({"product_id": c.product_id, "reason": "无可回避利害关系的检验机构 / no lab without a conflict"})
            shortfall[c.category_id] = shortfall.get(c.category_id, 0) + 1
            continue
        assignments.append(Assignment(c.product_id, c.enterprise_id, c.category_id, c.region_code, picked))
    assignments.sort(key=lambda a: (a.category_id, a.product_id))
    return DrawResult(assignments, excluded, shortfall, inp.digest())


# ---------------------------------------------------------------- publication statistics (公布)


def rate(failing: int, total: int) -> float | None:
    """不合格发现率 in percent, one decimal as published (None when nothing was tested)."""
    if total <= 0:
        return None
    return round_gbt8170(100.0 * failing / total, 1)


def province_of(region_code: str) -> str:
    return (region_code or "000000")[:2] + "0000"
