"""单项判定: one item against its requirement — GB/T 8170-2008 rounding and comparison (全数值/修约值), the decision
rules with measurement uncertainty (ILAC-G8), the one list of refusals (`item_problems`) and the explanation."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, TypedDict

import numpy as np

from zhijian.platform.errors import DomainError
from zhijian.spotcheck.rules.measured import Measured, unit_factor
from zhijian.spotcheck.rules.reasons import Reason
from zhijian.spotcheck.rules.requirements import (
    FAIL,
    INCONCLUSIVE,
    MANUAL,
    METHOD_ZH,
    METHODS,
    NUMERIC_KINDS,
    PASS,
    QUAL_ZH,
    RULES,
    Requirement,
    bad_input,
    digit_zh,
)
from zhijian.stats import conformity

# ---------------------------------------------------------------- rounding (GB/T 8170-2008 修约)


def round_gbt8170(value: float, decimals: int) -> float:
    """GB/T 8170-2008 §3.3 rounding to `decimals` digits (negative: to tens, hundreds, …): 四舍六入五成双."""
    d = Decimal(repr(float(value)))
    q = Decimal(1).scaleb(-decimals)
    return float(d.quantize(q, rounding=ROUND_HALF_EVEN))


def round_gbt8170_array(values: np.ndarray, decimals: np.ndarray) -> np.ndarray:
    """Vectorised GB/T 8170 rounding; float noise below 1e-9 of the last digit is removed first."""
    scale = np.power(10.0, decimals)
    scaled = np.round(values * scale, 9)
    return np.asarray(np.rint(scaled) / scale)


# ---------------------------------------------------------------- judgement (判定)


@dataclass(frozen=True)
class Problem:
    """Why an item result is refused (the same on every entry path); ``field`` is the item's field."""

    field: str
    code: str
    message_zh: str
    message_en: str

    def error(self, prefix: str = "") -> DomainError:
        return DomainError(self.code, self.message_zh, self.message_en, field=f"{prefix}{self.field}")


def item_problems(req: Requirement, measured: Measured, *, lod: float | None = None, uncertainty: float | None = None,
                  rule: str = "simple", lab_verdict: str | None = None) -> list[Problem]:
    """Every reason to refuse one item result — run by every entry path (form, API, import, CLI, demo) and
    mirrored exactly by :func:`judge_arrays`. An empty list means the item can be judged."""
    out: list[Problem] = []
    if uncertainty is not None and not (math.isfinite(uncertainty) and uncertainty >= 0):
        out.append(Problem("uncertainty", "spotcheck.bad_uncertainty", "扩展不确定度 U 应为非负数",
                           "the expanded uncertainty U must be a non-negative number"))
    if lod is not None and not (math.isfinite(lod) and lod >= 0):
        out.append(Problem("lod", "spotcheck.bad_lod", "检出限应为非负数", "the limit of detection must be a non-negative number"))
    if lab_verdict not in (None, PASS, FAIL):
        out.append(Problem("lab_verdict", "spotcheck.bad_verdict", "单项判定应为 合格 或 不合格",
                           "the lab's item verdict must be 合格 or 不合格"))
    k = req.kind
    if k == "plan":
        got = len(measured.units or ())
        if got == 0:
            out.append(Problem("units", "spotcheck.units_required", f"采样方案须录入 n={req.n} 个样品单元的结果",
                               f"a sampling plan needs the results of its n={req.n} sample units"))
        elif got != req.n:
            out.append(Problem("units", "spotcheck.units_count", f"采样方案 n={req.n}，但录入了 {got} 个样品单元结果",
                               f"the sampling plan has n={req.n} but {got} unit results were given"))
    elif measured.units:
        out.append(Problem("units", "spotcheck.units_unexpected", "只有微生物采样方案（n、c、m、M）录入样品单元结果",
                           "unit results belong to microbiological sampling plans (n, c, m, M) only"))
    if k in NUMERIC_KINDS and measured.not_detected and measured.reported_limit is None and lod is None:
        out.append(Problem("lod", "spotcheck.lod_required", "结果为未检出时须填写检出限（或写作「<检出限」）",
                           "a 未检出 result against a numeric limit needs the limit of detection (or write '<LOD')"))
    if rule == "guarded" and k in ("max", "min", "range") and measured.value is not None and uncertainty is None:
        out.append(Problem("uncertainty", "spotcheck.uncertainty_required", "保护带判定需要扩展不确定度 U",
                           "guarded acceptance needs the expanded uncertainty U"))
    if k == "text" and lab_verdict not in (PASS, FAIL):
        out.append(Problem("lab_verdict", "spotcheck.lab_verdict_required", "文字要求须由检验人员给出单项判定（合格/不合格）",
                           "a text requirement needs the inspector's item verdict (合格/不合格)"))
    return out


METHOD_EN = {"full": "full-value comparison", "rounded": "rounded-value comparison"}
_PHRASES = {
    "zh": {"na": "不适用", "na_method": "不适用（{what}）", "plan": "计数判定，GB 4789.1", "manual": "定性或人工判定",
           "method": "{m}（GB/T 8170-2008 4.3）", "no_value": "不适用（未给出数值）",
           "rounded": "修约至{digit}（四舍六入五成双，GB/T 8170-2008 3.3）：{v} → {c}",
           "full": "不修约，以全数值 {v} 比较",
           "guarded": "保护带判定（ILAC-G8:09/2019 4.2.3）：w = r·U = {w}{u}，超出限值超过 w 方判不合格",
           "simple": "简单接受规则（ILAC-G8:09/2019 4.2.1，不计测量不确定度，w = 0）"},
    "en": {"na": "not applicable", "na_method": "not applicable ({what})", "plan": "attribute plan, GB 4789.1",
           "manual": "qualitative or manual judgement", "method": "{m} (GB/T 8170-2008 4.3)",
           "no_value": "not applicable (no value given)",
           "rounded": "rounded to {digit} (round half to even, GB/T 8170-2008 3.3): {v} → {c}",
           "full": "not rounded, the full value {v} compared",
           "guarded": "guarded acceptance (ILAC-G8:09/2019 4.2.3): w = r·U = {w}{u}; "
                      "non-conforming only beyond the limit by more than w",
           "simple": "simple acceptance (ILAC-G8:09/2019 4.2.1, measurement uncertainty not counted, w = 0)"},
}
"""The explanation's phrases (`JudgedItem.explain` / `explain_en`): one table per language, one way to build them."""


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs ~9 µs for these fields (bench_judge)
class ItemJudgement:
    """单项判定 — the verdict on one item with how it was reached (the same text on the page, the PDF, the API)."""

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
    guard_band: float | None = None
    extra: dict[str, Any] | None = None
    reason: Reason | None = None  # the code `reason_zh` is the zh sentence of (rules.reasons); not in to_dict()

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        del d["reason"]  # the record is the zh sentence, as it always was
        d["requirement"] = self.requirement.to_dict()
        d["comparison_method_zh"] = METHOD_ZH[self.comparison_method]
        d["explanation"] = self.explain()
        d["explanation_zh"] = self.explain_zh
        return d

    def _steps(self, lang: str) -> tuple[str, str, str]:
        """(comparison method, rounding, uncertainty rule) in `lang`, from one phrase table per language."""
        p = _PHRASES[lang]
        req = self.requirement
        if not (req.kind in NUMERIC_KINDS or (req.kind == "not_detected" and req.upper is not None)):
            return p["na_method"].format(what=p["plan" if req.kind == "plan" else "manual"]), p["na"], p["na"]
        method = p["method"].format(m=(METHOD_ZH if lang == "zh" else METHOD_EN)[self.comparison_method])
        if self.value is None:
            rounding = p["no_value"]
        elif self.comparison_method == "rounded":
            digit = digit_zh(req.decimals) if lang == "zh" or req.decimals != 0 else "units"
            rounding = p["rounded"].format(digit=digit, v=f"{self.value:g}", c=f"{self.compared_value:g}")
        else:
            rounding = p["full"].format(v=f"{self.value:g}")
        if self.rule == "guarded" and req.kind in ("max", "min", "range") and self.value is not None:
            unit = f" {self.unit}" if self.unit else ""
            return method, rounding, p["guarded"].format(w=f"{self.guard_band or 0:g}", u=unit)
        return method, rounding, p["simple"]

    def explain(self) -> dict[str, str]:
        """Requirement as written, its parse, comparison method, rounding, uncertainty rule, result."""
        req = self.requirement
        method, rounding, unc = self._steps("zh")
        return {"requirement": req.text or req.describe_zh, "parsed": req.parse_zh, "comparison_method": method,
                "rounding": rounding, "uncertainty_rule": unc, "result": self.result.zh}

    @property
    def result(self) -> Reason:
        """The verdict with its reason ("合格：在限值内" / "conforms: within the limit")."""
        reason = self.reason or Reason.literal(self.reason_zh, self.reason_zh)
        return Reason.of("result", verdict=Reason.verdict(self.verdict), reason=reason)

    def explain_en(self) -> dict[str, str]:
        """`explain()` in English, keys suffixed ``_en`` (the English page; `explain()` stays the record)."""
        req = self.requirement
        method, rounding, unc = self._steps("en")
        return {"requirement_en": req.text or req.describe_zh, "parsed_en": req.parse_en,
                "comparison_method_en": method, "rounding_en": rounding, "uncertainty_rule_en": unc,
                "result_en": self.result.en}

    @property
    def explain_zh(self) -> str:
        e = self.explain()
        return (f"标准要求：{e['requirement']}；解析：{e['parsed']}；比较方法：{e['comparison_method']}；"
                f"修约：{e['rounding']}；不确定度规则：{e['uncertainty_rule']}；结果：{e['result']}")


class _JudgementBase(TypedDict):
    """The fields every `ItemJudgement` of one item shares, whichever branch judges it."""

    requirement: Requirement
    value: float | None
    unit: str
    not_detected: bool
    comparison_method: str
    rule: str


def _judged(verdict: str, reason: Reason, base: _JudgementBase, **kw: Any) -> ItemJudgement:
    """An ItemJudgement with its reason code and the code's zh sentence (the record)."""
    return ItemJudgement(verdict, reason_zh=reason.zh, reason=reason, **base, **kw)


def check_rule(rule: str, method: str) -> None:
    if rule not in RULES:
        raise bad_input("rule", f"判定规则无效：{rule}（simple 或 guarded）", f"invalid decision rule: {rule} (simple or guarded)",
                   "spotcheck.bad_rule")
    if method not in METHODS:
        raise bad_input("comparison_method", f"比较方法无效：{method}（full 全数值 或 rounded 修约值）",
                   f"invalid comparison method: {method} (full or rounded)", "spotcheck.bad_method")


def effective_lod(measured: Measured, lod: float | None) -> float | None:
    """The limit below which a 未检出 lies: the one written with the result ("<0.05"), else the LOD given."""
    return measured.reported_limit if measured.reported_limit is not None else lod


def judge(req: Requirement, measured: Measured, *, unit: str | None = None, lod: float | None = None,
          uncertainty: float | None = None, rule: str = "simple", guard_factor: float = 1.0,
          comparison_method: str = "full", lab_verdict: str | None = None) -> ItemJudgement:
    """Judge one item against its requirement (refuses exactly what :func:`item_problems` lists).

    Numbers are converted to the requirement's unit first. Under ``rounded`` (修约值比较法) the value is rounded
    to the limit's last significant digit before comparing. ``guarded`` is the regulator's guarded rejection
    (ILAC-G8 §4.2.3): 不合格 only when the value is outside the limit by more than w = r·U (proven)."""
    check_rule(rule, comparison_method)
    probs = item_problems(req, measured, lod=lod, uncertainty=uncertainty, rule=rule, lab_verdict=lab_verdict)
    if probs:
        raise probs[0].error()
    unit = req.unit if unit is None else unit
    factor = unit_factor(unit, req.unit) if (unit and req.unit and req.kind != "text") else 1.0
    value = None if measured.value is None else measured.value * factor
    big_u = None if uncertainty is None else float(uncertainty) * factor
    eff = effective_lod(measured, lod)
    lod_c = None if eff is None else float(eff) * factor
    base = _JudgementBase(requirement=req, value=value, unit=req.unit or unit, not_detected=measured.not_detected,
                          comparison_method=comparison_method, rule=rule)
    k = req.kind
    if k == "text":
        why = req.manual or (Reason.literal(req.manual_reason, req.manual_reason) if req.manual_reason
                             else Reason("manual.words"))
        return _judged(lab_verdict or MANUAL, Reason.of("manual.verdict", why=why, verdict=Reason.verdict(lab_verdict)),
                       base, compared_value=None)
    if k == "plan":
        units = tuple(x * factor for x in (measured.units or ()))
        lims = tuple(x * factor for x in (measured.unit_limits or ()))
        verdict, reason = _judge_plan(req, units, lims)
        return _judged(verdict, reason, base, compared_value=None, extra={"units": list(units)})
    if measured.qual:
        return _judge_qualitative(req, measured.qual, base)
    if measured.not_detected:
        return _judge_not_detected(req, lod_c, measured.reported_limit is not None, base)
    assert value is not None
    if k == "negative":
        return _judged(INCONCLUSIVE, Reason("negative.numeric"), base, compared_value=value)
    compared = round_gbt8170(value, req.decimals) if comparison_method == "rounded" else value
    if k == "not_detected":
        if req.upper is not None:
            ok = compared <= req.upper if req.upper_inclusive else compared < req.upper
            reason = Reason.of("nd.below_threshold" if ok else "nd.above_threshold", threshold=f"{req.upper:g}")
        else:
            ok = lod_c is not None and value < lod_c
            reason = Reason("nd.below_lod" if ok else "nd.detected")
        return _judged(PASS if ok else FAIL, reason, base, compared_value=compared)
    if k == "equals":
        ok = compared == req.lower
        return _judged(PASS if ok else FAIL, Reason("equals.yes" if ok else "equals.no"), base, compared_value=compared)
    return _judge_limits(req, compared, big_u, rule, guard_factor, base)


def _judge_limits(req: Requirement, compared: float, big_u: float | None, rule: str, guard_factor: float,
                  base: _JudgementBase) -> ItemJudgement:
    """A value against a minimum, a maximum or a range, under the simple or the guarded rule (ILAC-G8 4.2)."""
    k = req.kind
    lo = req.lower if k in ("min", "range") else None
    hi = req.upper if k in ("max", "range") else None
    w = guard_factor * big_u if (rule == "guarded" and big_u is not None) else 0.0
    outside_lo = lo is not None and (compared < lo or (not req.lower_inclusive and compared == lo))
    outside_hi = hi is not None and (compared > hi or (not req.upper_inclusive and compared == hi))
    if w > 0:
        fail = (lo is not None and compared < lo - w) or (hi is not None and compared > hi + w)
    else:
        fail = outside_lo or outside_hi
    outcome = pc = None
    rule_zh = rule_en = ""
    if rule == "guarded":
        on_exclusive = (lo is not None and compared == lo and not req.lower_inclusive) or (
            hi is not None and compared == hi and not req.upper_inclusive)
        dec = conformity.judge_value(compared, lower=lo, upper=hi, expanded_uncertainty=big_u, rule="guarded",
                                     guard_factor=guard_factor, on_limit="fail" if on_exclusive else "pass")
        outcome, pc, rule_zh, rule_en = dec.outcome, dec.probability_of_conformance, dec.rule_text_zh, dec.rule_text
    side = Reason("limit.below_min" if outside_lo else "limit.above_max")
    if fail:
        reason = Reason.of("limit.outside_proven", side=side, w=f"{w:g}") if w > 0 else side
    elif outside_lo or outside_hi:
        reason = Reason.of("limit.outside_not_proven", side=side, w=f"{w:g}")
    else:
        reason = Reason("limit.within")
    return _judged(FAIL if fail else PASS, reason, base, compared_value=compared, outcome=outcome,
                   probability_of_conformance=pc, rule_text_zh=rule_zh, rule_text=rule_en,
                   guard_band=w if rule == "guarded" else None)


def _describe_en(req: Requirement) -> str:
    """`describe_zh` of a 不得检出 or 阴性 requirement in English."""
    if req.kind == "negative":
        return "negative"
    limit = "" if req.upper is None else f" ({'≤' if req.upper_inclusive else '<'}{req.upper:g}{req.unit})"
    return "not detectable" + limit


def _judge_qualitative(req: Requirement, qual: str, base: _JudgementBase) -> ItemJudgement:
    word = Reason(f"qual.{qual}") if qual in ("detected", "positive", "negative") else Reason.literal(
        QUAL_ZH.get(qual, qual), qual)
    if req.kind in ("not_detected", "negative"):
        ok = qual == "negative"
        reason = Reason.of("qual.result", word=word, required=Reason.literal(req.describe_zh, _describe_en(req)))
        return _judged(PASS if ok else FAIL, reason, base, compared_value=None)
    return _judged(INCONCLUSIVE, Reason.of("qual.not_numeric", word=word), base, compared_value=None)


def _judge_not_detected(req: Requirement, lod: float | None, reported: bool, base: _JudgementBase) -> ItemJudgement:
    """未检出 / "<x": conforms to 不得检出; to a maximum only when the limit x does not exceed it (else the
    method is not fit for purpose: 无法判定); below a minimum it fails."""
    lim = Reason("lim.reporting" if reported else "lim.detection")
    if req.kind in ("not_detected", "negative"):
        if req.upper is not None and lod is not None and lod > req.upper:
            return _judged(INCONCLUSIVE, Reason.of("nd.limit_above_threshold", lim=lim, lod=f"{lod:g}",
                                                   threshold=f"{req.upper:g}"), base, compared_value=None)
        return _judged(PASS, Reason("nd.not_detected"), base, compared_value=None)
    assert lod is not None
    if req.kind == "max":
        if lod <= (req.upper if req.upper is not None else math.inf):
            return _judged(PASS, Reason.of("nd.below_limit_max", lim=lim, lod=f"{lod:g}"), base, compared_value=None)
        return _judged(INCONCLUSIVE, Reason.of("nd.limit_above_max", lim=lim, lod=f"{lod:g}", limit=f"{req.upper:g}"),
                       base, compared_value=None)
    if lod <= (req.lower if req.lower is not None else math.inf):
        return _judged(FAIL, Reason.of("nd.below_limit_min", lim=lim, lod=f"{lod:g}"), base, compared_value=None)
    return _judged(INCONCLUSIVE, Reason.of("nd.limit_above_min", lim=lim, lod=f"{lod:g}"), base, compared_value=None)


def _judge_plan(req: Requirement, units: tuple[float, ...], lims: tuple[float, ...]) -> tuple[str, Reason]:
    """GB 4789.1 attribute plan: any unit > M fails; more than c units in (m, M] fail; two-class: more than c
    units > m fail. A unit reported as "<x" with x above m cannot be placed: 无法判定 unless the rest fails."""
    m, big, c = float(req.upper or 0.0), req.big_m, int(req.c or 0)
    known = [u for u in units if not math.isnan(u)]
    unknown = sum(1 for u, lim in zip(units, lims, strict=True) if math.isnan(u) and lim > m)
    if big is not None:
        over = sum(1 for u in known if u > big)
        mid = sum(1 for u in known if m < u <= big)
        if over:
            return FAIL, Reason.of("plan.over_big_m", n=str(over), big_m=f"{big:g}")
        if mid > c:
            return FAIL, Reason.of("plan.mid_over_c", n=str(mid), c=str(c))
        if unknown:
            return INCONCLUSIVE, Reason.of("plan.unknown", n=str(unknown), m=f"{m:g}")
        return PASS, Reason.of("plan.three_class_pass", n=str(mid), c=str(c))
    over = sum(1 for u in known if u > m)
    if over > c:
        return FAIL, Reason.of("plan.over_m", n=str(over), m=f"{m:g}", c=str(c))
    if unknown:
        return INCONCLUSIVE, Reason.of("plan.unknown", n=str(unknown), m=f"{m:g}")
    return PASS, Reason.of("plan.two_class_pass", n=str(over), c=str(c))


# Vectorised core for bulk judgement (批量判定): the same refusals and decisions as judge(), tested against it.
