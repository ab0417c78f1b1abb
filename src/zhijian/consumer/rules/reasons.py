"""Reason codes (issue #21 finding 8): the sentences consumer's rules write — a credit item's detail, a credit cap,
a declaration's per-indicator comparison — as a stable code with its parameters, and one table that gives the
zh-CN and the English sentence of each code.

The rules keep the zh sentence they always wrote (`sentence(reasons, "zh")`, byte for byte: the API, the PDFs and
the stored rows carry it) and store the reasons beside it, so the English page renders from the code and a
reworded Chinese sentence can never leave the English page in Chinese.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# code → (zh-CN, English). Parameters by name; a list parameter is joined with 、 in Chinese and ", " in English;
# a parameter named in ENUMS is shown through its label map in each language (the code itself when unknown).
SENTENCES: dict[str, tuple[str, str]] = {
    # credit: an item's detail
    "credit.pass_cap": ("上限 {cap:g}", "cap {cap:g}"),
    "credit.spotcheck_failed": ("{day} {report_no} {items} ×{weight:.2f}", "{day} {report_no} {items} ×{weight:.2f}"),
    "credit.complaints_rate": ("{n} 件属实投诉 / {sales:g} 千万元销售额 = {rate:.2f}",
                               "{n} justified complaints / {sales:g} × 10 million yuan of sales = {rate:.2f}"),
    "credit.complaints_count": ("{n} 件属实投诉（销售额未知，按件计）",
                                "{n} justified complaints (sales unknown: counted per case)"),
    "credit.recall": ("{day} 风险等级 {level} ×{weight:.2f}", "{day} risk level {level} ×{weight:.2f}"),
    "credit.penalty": ("{day} {decision_no} {severity} ×{weight:.2f}", "{day} {decision_no} {severity} ×{weight:.2f}"),
    "credit.certificates": ("{n} 张", "{n} certificate(s)"),
    "credit.products": ("{n} 个产品", "{n} product(s)"),
    "credit.listed_products": ("{n} 个在列产品", "{n} listed product(s)"),
    "credit.entry": ("{text}", "{text}"),  # a listing's reason or decision number: the data itself
    # credit: a cap on the class
    "credit.cap_serious_listed": ("列入严重违法失信名单，直接列为 D 类",
                                  "on the list of serious illegal and dishonest enterprises: class D directly"),
    "credit.cap_safety_failure": ("{days} 天内有安全项目不合格，最高 {klass} 类",
                                  "a safety item failed within {days} days: class {klass} at best"),
    "credit.cap_serious_penalty": ("{days} 天内受到情节严重的行政处罚，最高 {klass} 类",
                                   "a serious administrative penalty within {days} days: class {klass} at best"),
    # a declaration: one indicator of the enterprise standard against the national one
    "standard.manual": ("文字要求，需人工核对", "a requirement in words: to be checked by hand"),
    "standard.both_not_detected": ("均为不得检出", "both: not detectable"),
    "standard.national_not_detected": ("国家标准要求不得检出，企业标准设了限量",
                                       "the national standard requires not detectable; the enterprise standard sets a "
                                       "limit"),
    "standard.enterprise_not_detected": ("企业标准要求不得检出", "the enterprise standard requires not detectable"),
    "standard.units_not_convertible": ("单位 {unit} 与 {national_unit} 不可换算",
                                       "unit {unit} cannot be converted to {national_unit}"),
    "standard.no_maximum": ("国家标准有上限，企业标准未设上限",
                            "the national standard has a maximum, the enterprise standard none"),
    "standard.no_minimum": ("国家标准有下限，企业标准未设下限",
                            "the national standard has a minimum, the enterprise standard none"),
    "standard.maximum_above": ("上限 {value:g} {unit} 高于国家标准 {national:g} {unit}",
                               "maximum {value:g} {unit} above the national standard's {national:g} {unit}"),
    "standard.minimum_below": ("下限 {value:g} {unit} 低于国家标准 {national:g} {unit}",
                               "minimum {value:g} {unit} below the national standard's {national:g} {unit}"),
    "standard.stricter": ("严于国家标准", "stricter than the national standard"),
    "standard.same": ("与国家标准相同", "the same as the national standard"),
    "standard.missing": ("企业标准未列出该强制性指标", "the enterprise standard does not list this mandatory indicator"),
    "standard.converted": ("（{unit} 换算为 {national_unit}）", "({unit} converted to {national_unit})"),
}
# codes that attach to the sentence before them (a note in brackets) instead of being a clause of their own
ATTACHED = frozenset({"standard.converted"})
STRIPPED = frozenset({"credit.spotcheck_failed"})  # a missing report number or item list leaves no space at the ends
JOINERS = {"zh": "；", "en": "; "}
LIST_JOINERS = {"zh": "、", "en": ", "}
ENUMS: dict[str, dict[str, dict[str, str]]] = {
    "severity": {"zh": {"minor": "轻微", "general": "一般", "serious": "情节严重"},
                 "en": {"minor": "minor", "general": "ordinary", "serious": "serious"}},
}


@dataclass(frozen=True)
class Reason:
    """One sentence the rules wrote, as its code and parameters (JSON values: str, int, float, list of str)."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params)}


def _params(params: Mapping[str, Any], lang: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, (list, tuple)):
            value = LIST_JOINERS[lang].join(str(v) for v in value)
        elif name in ENUMS:
            value = ENUMS[name][lang].get(str(value), value)
        out[name] = "" if value is None else value
    return out


def clause(reason: Reason | Mapping[str, Any], lang: str = "zh") -> str:
    """One reason's sentence in `lang` ("zh" or "en"); a stored reason (a dict) reads the same."""
    code, params = (reason.code, reason.params) if isinstance(reason, Reason) else (reason["code"],
                                                                                   reason.get("params") or {})
    zh, en = SENTENCES[code]
    if lang == "en":  # an empty parameter leaves no double space in English (the zh stays as it always was)
        return re.sub(r" {2,}", " ", en.format(**_params(params, "en"))).strip()
    text = zh.format(**_params(params, "zh"))
    return text.strip() if code in STRIPPED else text


def sentence(reasons: Iterable[Reason | Mapping[str, Any]], lang: str = "zh") -> str:
    """The reasons as one sentence: clauses joined by ；/ "; ", an attached note right after its clause."""
    lang = "en" if lang == "en" else "zh"
    out = ""
    for i, r in enumerate(reasons):
        code = r.code if isinstance(r, Reason) else r["code"]
        text = clause(r, lang)
        if code in ATTACHED:
            out += text if lang == "zh" else " " + text
        else:
            out += (JOINERS[lang] if i else "") + text
    return out


def known(reasons: Any) -> bool:
    """Whether a stored value is a list of reasons this table can render (older rows have none)."""
    return bool(reasons) and isinstance(reasons, list) and all(
        isinstance(r, Mapping) and r.get("code") in SENTENCES for r in reasons)
