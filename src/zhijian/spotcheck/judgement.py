"""One judgement for every entry path (issue #14): the console form, the API, the import, `zhijian judge` and
the demo all turn an item result into a :class:`ParsedItem` through :func:`parsed_item` (which runs
``rules.item_problems``) and judge it through :func:`judge_items` (``rules.judge_arrays``, the bulk form of
``rules.judge``: the same refusals and verdicts). :func:`explain_row` gives the reviewable logic of a stored
item — requirement as written, parse, comparison method, rounding, uncertainty rule, result — the same text on
the page, in the PDF and in the API."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from zhijian.platform.errors import DomainError
from zhijian.spotcheck import rules
from zhijian.spotcheck.rules.english import VERDICT_EN


@dataclass
class ParsedItem:
    """One item ready to store: requirement, measured value (in the requirement's unit), lab verdict."""

    name: str
    req: rules.Requirement
    measured: rules.Measured
    unit: str
    value_text: str
    lod: float | None
    uncertainty: float | None
    method_standard: str
    lab_verdict: str | None
    is_safety: bool
    comparison_method: str
    indicator_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def detail(self) -> dict[str, Any] | None:
        m = self.measured
        if not (m.qual or m.reported_limit is not None or m.units):
            return None
        return {"qual": m.qual, "reported_limit": m.reported_limit,
                "units": None if m.units is None else [None if math.isnan(x) else x for x in m.units],
                "unit_limits": None if m.unit_limits is None else [None if math.isnan(x) else x for x in m.unit_limits]}


def parsed_item(name: str, req: rules.Requirement, measured: rules.Measured, *, unit: str, value_text: str,
                lod: float | None, uncertainty: float | None, method_standard: str, lab_verdict: str | None,
                is_safety: bool, comparison_method: str, indicator_id: int | None, rule: str,
                field_prefix: str = "", unit_field: str = "unit") -> ParsedItem:
    """Check the item with rules.item_problems (the one list of refusals), then convert the value, the LOD, the
    U, the reported limit and the unit results to the requirement's unit (pint), like with like."""
    problems = rules.item_problems(req, measured, lod=lod, uncertainty=uncertainty, rule=rule, lab_verdict=lab_verdict)
    if problems:
        raise problems[0].error(field_prefix)
    factor = 1.0
    if unit and req.unit and req.kind != "text":
        try:
            factor = rules.unit_factor(unit, req.unit)
        except DomainError as e:
            raise DomainError(e.code, e.message_zh, e.message_en, field=unit_field) from None
    if factor != 1.0:
        m = measured
        measured = rules.Measured(
            None if m.value is None else m.value * factor, m.not_detected, m.text, m.qual,
            None if m.reported_limit is None else m.reported_limit * factor,
            None if m.units is None else tuple(x * factor for x in m.units),
            None if m.unit_limits is None else tuple(x * factor for x in m.unit_limits))
        lod = None if lod is None else lod * factor
        uncertainty = None if uncertainty is None else uncertainty * factor
        value_text = f"{value_text} {unit}".strip()
    return ParsedItem(name, req, measured, req.unit or unit, value_text[:64], lod, uncertainty, method_standard[:100],
                      lab_verdict, is_safety, comparison_method, indicator_id)


def judge_items(items: list[ParsedItem], *, rule: str, guard_factor: float, field_prefix: str = "items.") -> list[str]:
    """Judge many items at once through the vectorised core (the bulk form of rules.judge)."""
    n = len(items)
    if n == 0:
        return []
    nan = np.nan
    kind = np.fromiter((rules.KIND_CODE[it.req.kind] for it in items), np.int8, n)
    lower = np.fromiter((nan if it.req.lower is None else it.req.lower for it in items), float, n)
    upper = np.fromiter((nan if it.req.upper is None else it.req.upper for it in items), float, n)
    value = np.fromiter((nan if it.measured.value is None else it.measured.value for it in items), float, n)
    nd = np.fromiter((it.measured.not_detected for it in items), bool, n)
    li = np.fromiter((it.req.lower_inclusive for it in items), bool, n)
    ui = np.fromiter((it.req.upper_inclusive for it in items), bool, n)
    lod = np.fromiter((nan if it.lod is None else it.lod for it in items), float, n)
    rep = np.fromiter((nan if it.measured.reported_limit is None else it.measured.reported_limit for it in items), float, n)
    unc = np.fromiter((nan if it.uncertainty is None else it.uncertainty for it in items), float, n)
    dec = np.fromiter((it.req.decimals for it in items), float, n)
    rounded = np.fromiter((it.comparison_method == "rounded" for it in items), bool, n)
    qual = np.fromiter((rules.QUAL_CODE[it.measured.qual] for it in items), np.int8, n)
    lab = np.fromiter((rules.LAB_CODE.get(it.lab_verdict, -1) for it in items), np.int8, n)
    extra: dict[str, Any] = {}
    if any(it.req.kind == "plan" or it.measured.units for it in items):
        width = max(len(it.measured.units or ()) for it in items) or 1
        units = np.full((n, width), nan)
        lims = np.full((n, width), nan)
        for i, it in enumerate(items):
            if it.measured.units:
                units[i, :len(it.measured.units)] = it.measured.units
                lims[i, :len(it.measured.units)] = it.measured.unit_limits or ()
        extra = dict(units=units, unit_limits=lims,
                     unit_count=np.fromiter((len(it.measured.units or ()) for it in items), np.int64, n),
                     plan_n=np.fromiter((it.req.n or 0 for it in items), np.int64, n),
                     plan_c=np.fromiter((it.req.c or 0 for it in items), np.int64, n),
                     big_m=np.fromiter((nan if it.req.big_m is None else it.req.big_m for it in items), float, n))
    codes = rules.judge_arrays(kind, lower, upper, value, nd, lower_inclusive=li, upper_inclusive=ui, lod=lod,
                               uncertainty=unc, decimals=dec, rounded=rounded, guarded=rule == "guarded",
                               guard_factor=guard_factor, qual=qual, reported=rep, lab_verdict=lab,
                               field_prefix=field_prefix, **extra)
    return [rules.CODE_VERDICT[c] for c in codes.tolist()]


def requirement_of_row(row: Any) -> rules.Requirement:
    """The requirement of a stored item, parsed again from its text exactly as it was at entry."""
    return rules.requirement_from_indicator(row.requirement_kind, row.lower, row.upper, row.unit, row.requirement_text,
                                            row.lower_inclusive, row.upper_inclusive)


def measured_of_row(row: Any) -> rules.Measured:
    d = row.detail or {}

    def tup(xs: Any) -> tuple[float, ...] | None:
        return None if xs is None else tuple(math.nan if x is None else float(x) for x in xs)

    return rules.Measured(row.value, bool(row.not_detected), row.value_text, d.get("qual") or "",
                          d.get("reported_limit"), tup(d.get("units")), tup(d.get("unit_limits")))


def explain_row(row: Any, *, rule: str, guard_factor: float) -> dict[str, str]:
    """The reviewable logic of a stored item (values are stored in the requirement's unit)."""
    req = requirement_of_row(row)
    try:
        j = rules.judge(req, measured_of_row(row), unit=req.unit, lod=row.lod, uncertainty=row.uncertainty,
                        rule=rule, guard_factor=guard_factor, comparison_method=row.comparison_method or "full",
                        lab_verdict=row.lab_verdict if row.lab_verdict in (rules.PASS, rules.FAIL) else None)
    except DomainError as e:  # stored before the one judgement existed: say so instead of guessing
        return {"requirement": row.requirement_text, "parsed": req.parse_zh, "comparison_method": "",
                "rounding": "", "uncertainty_rule": "", "result": f"{row.verdict}（{e.message_zh}）",
                "parsed_en": req.parse_en, "result_en": f"{VERDICT_EN.get(row.verdict, row.verdict)} ({e.message_en})"}
    out = j.explain() | j.explain_en()
    if j.verdict != row.verdict:
        out["result"] = f"{row.verdict}（录入时的判定；按现行规则为{j.verdict}：{j.reason_zh}）"
        out["result_en"] = (f"{VERDICT_EN.get(row.verdict, row.verdict)} (the verdict when entered; under the "
                            f"current rules {j.result.en})")
    return out


def explain_text(e: dict[str, str], lang: str = "zh_CN") -> str:
    """The explanation as one line; ``lang="en"`` reads the ``_en`` keys (the English page)."""
    if lang == "en":
        g = e.get
        return (f"Requirement: {g('requirement_en') or g('requirement', '')}; parsed: {g('parsed_en', '')}; "
                f"comparison: {g('comparison_method_en', '')}; rounding: {g('rounding_en', '')}; uncertainty rule: "
                f"{g('uncertainty_rule_en', '')}; result: {g('result_en', '')}")
    return (f"标准要求：{e['requirement']}；解析：{e['parsed']}；比较方法：{e['comparison_method']}；"
            f"修约：{e['rounding']}；不确定度规则：{e['uncertainty_rule']}；结果：{e['result']}")


def quick_judge(requirement: str, requirement_unit: str, value: str | float | None, unit: str | None,
                uncertainty: float | None, lod: float | None, rule: str, guard_factor: float,
                comparison_method: str, lab_verdict: str | None = None, units: Any = None) -> dict[str, Any]:
    """The quick judgement (API and CLI alike): the same parse, the same refusals, the same judge."""
    rules.check_rule(rule, comparison_method)
    req = rules.parse_requirement(requirement, requirement_unit)
    measured = rules.parse_measured_for(req, value, units=units)
    item = parsed_item("", req, measured, unit=unit if unit is not None else requirement_unit,
                       value_text=str(value), lod=lod, uncertainty=uncertainty, method_standard="",
                       lab_verdict=lab_verdict, is_safety=False, comparison_method=comparison_method,
                       indicator_id=None, rule=rule)
    j = rules.judge(req, item.measured, unit=req.unit, lod=item.lod, uncertainty=item.uncertainty, rule=rule,
                    guard_factor=guard_factor, comparison_method=comparison_method, lab_verdict=lab_verdict)
    bulk = judge_items([item], rule=rule, guard_factor=guard_factor)[0]
    assert bulk == j.verdict, (bulk, j.verdict)
    d = j.to_dict()
    return {"verdict": j.verdict, "requirement": d["requirement"], "rule": rule, "rule_text_zh": j.rule_text_zh,
            "rule_text": j.rule_text, "comparison_method": comparison_method,
            "comparison_method_zh": rules.METHOD_ZH[comparison_method], "value": j.value, "unit": j.unit,
            "compared_value": j.compared_value, "not_detected": j.not_detected, "outcome": j.outcome,
            "probability_of_conformance": j.probability_of_conformance, "reason_zh": j.reason_zh,
            "explanation": d["explanation"], "explanation_zh": d["explanation_zh"],
            "units": [None if math.isnan(x) else x for x in item.measured.units] if item.measured.units else None}
