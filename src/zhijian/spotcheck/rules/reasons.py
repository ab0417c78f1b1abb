"""Reason codes of the judgement (issue #21 finding 8): where the rules explain a verdict they build a `Reason` — a
stable code and its parameters — and this one table gives the zh-CN and the English sentence of every code.

The zh sentence is the record: `ItemJudgement.reason_zh`, the API, the PDF and the stored rows hold it exactly as
the rules always wrote it (tests/spotcheck/test_reasons.py compares it byte for byte with the sentences written
before the codes existed). The English page renders the same `Reason` in English, so a reworded Chinese sentence
can no longer silently stay Chinese there: a code without its two sentences fails at import (`_check`).

A parameter is a plain string (a number already formatted as the zh sentence shows it, a standard's number) —
the same in both languages — or a nested `Reason` (a word such as 检出限 / limit of detection, or `literal`, a
pair of texts the caller has in both languages)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Union

Param = Union[str, "Reason"]

SENTENCES: dict[str, tuple[str, str]] = {
    # a value against its limits (ILAC-G8 simple and guarded rules)
    "limit.within": ("在限值内", "within the limit"),
    "limit.above_max": ("超过上限", "above the maximum"),
    "limit.below_min": ("低于下限", "below the minimum"),
    "limit.outside_proven": ("{side}，且超出量大于保护带 w = {w}（不合格已得到证明）",
                             "{side}, by more than the guard band w = {w} (non-conformity proven)"),
    "limit.outside_not_proven": ("{side}，但超出量未大于保护带 w = {w}（有条件不合格：不合格未得到证明），按保护带判定规则判为合格",
                                 "{side}, but not by more than the guard band w = {w} (conditional: non-conformity not "
                                 "proven); conforms under the guard-band rule"),
    "equals.yes": ("等于规定值", "equals the specified value"),
    "equals.no": ("不等于规定值", "differs from the specified value"),
    # 不得检出 and 阴性 requirements, 未检出 results
    "nd.not_detected": ("未检出", "not detected"),
    "nd.below_lod": ("低于检出限", "below the limit of detection"),
    "nd.detected": ("检出（不得检出）", "detected (must not be detectable)"),
    "nd.below_threshold": ("低于检出阈值 {threshold}", "below the detection threshold {threshold}"),
    "nd.above_threshold": ("检出，超过阈值 {threshold}", "detected, above the threshold {threshold}"),
    "nd.below_limit_max": ("未检出（低于{lim} {lod}，不高于限值）", "not detected (below the {lim} {lod}, not above the limit)"),
    "nd.below_limit_min": ("未检出（低于{lim} {lod}），低于下限", "not detected (below the {lim} {lod}): below the minimum"),
    "nd.limit_above_threshold": ("{lim} {lod} 高于阈值 {threshold}，方法不适用，无法判定",
                                 "{lim} {lod} above the threshold {threshold}: the method is not fit for purpose, "
                                 "inconclusive"),
    "nd.limit_above_max": ("{lim} {lod} 高于限值 {limit}：方法不能证明符合，无法判定（方法不适用）",
                           "{lim} {lod} above the limit {limit}: the method cannot show conformity, inconclusive (not "
                           "fit for purpose)"),
    "nd.limit_above_min": ("{lim} {lod} 高于下限，无法判定", "{lim} {lod} above the minimum: inconclusive"),
    "lim.detection": ("检出限", "limit of detection"),
    "lim.reporting": ("报告限", "reporting limit"),
    "negative.numeric": ("阴性要求应报告阴性或阳性，数值结果无法判定",
                         "a negative requirement needs negative or positive; a numeric result cannot be judged"),
    # qualitative results
    "qual.result": ("结果为{word}，要求{required}", "result {word}, required {required}"),
    "qual.not_numeric": ("定性结果「{word}」不能与数值限值比较，无法判定",
                         "the qualitative result “{word}” cannot be compared with a numeric limit: inconclusive"),
    "qual.detected": ("检出", "detected"),
    "qual.positive": ("阳性", "positive"),
    "qual.negative": ("阴性", "negative"),
    # GB 4789.1 attribute sampling plans
    "plan.over_big_m": ("{n} 个样品单元超过 M={big_m}", "{n} sample units above M={big_m}"),
    "plan.mid_over_c": ("{n} 个样品单元在 m 与 M 之间，多于 c={c}", "{n} sample units between m and M, more than c={c}"),
    "plan.unknown": ("{n} 个样品单元的报告限高于 m={m}，无法判定",
                     "{n} sample units with a reporting limit above m={m}: inconclusive"),
    "plan.three_class_pass": ("无样品单元超过 M；m 与 M 之间 {n} 个，不多于 c={c}",
                              "no sample unit above M; {n} between m and M, not more than c={c}"),
    "plan.over_m": ("{n} 个样品单元超过 m={m}，多于 c={c}", "{n} sample units above m={m}, more than c={c}"),
    "plan.two_class_pass": ("超过 m 的样品单元 {n} 个，不多于 c={c}", "{n} sample units above m, not more than c={c}"),
    # requirements judged by the inspector (Requirement.manual) and their verdict
    "manual.by_standard": ("按「{std}」的要求由检验人员判定", "by the inspector against {std}"),
    "manual.unrecognised": ("要求「{raw}」含有数字但不是可识别的限值形式，请核对；由检验人员判定",
                            "the requirement “{raw}” has numbers but no recognisable limit, please check; judged by the "
                            "inspector"),
    "manual.free_of": ("定性要求（无…），由检验人员判定", "a qualitative requirement (free of …), judged by the inspector"),
    "manual.words": ("文字要求，由检验人员判定", "a requirement in words, judged by the inspector"),
    "manual.verdict": ("{why}：检验人员判定为{verdict}", "{why}: the inspector's verdict {verdict}"),
    # the verdict with its reason (explain()["result"])
    "result": ("{verdict}：{reason}", "{verdict}: {reason}"),
    "verdict.合格": ("合格", "conforms"),
    "verdict.不合格": ("不合格", "does not conform"),
    "verdict.待人工判定": ("待人工判定", "awaiting manual judgement"),
    "verdict.无法判定": ("无法判定", "inconclusive"),
    # a pair of texts the caller has in both languages (a requirement as described, a standard's clause)
    "literal": ("{zh}", "{en}"),
}

_FIELD = re.compile(r"\{(\w+)\}")


def _check() -> None:
    """Every code has both sentences, with the same parameters in each (so an English page can always render)."""
    for code, (zh, en) in SENTENCES.items():
        if set(_FIELD.findall(zh)) != set(_FIELD.findall(en)) and code != "literal":
            raise AssertionError(f"reason {code}: zh and en sentences take different parameters")


_check()


@dataclass(frozen=True, slots=True)
class Reason:
    """A reason code with its parameters; `zh` and `en` are its sentences from `SENTENCES`."""

    code: str
    params: tuple[tuple[str, Param], ...] = ()

    def __post_init__(self) -> None:
        if self.code not in SENTENCES:
            raise KeyError(f"unknown reason code {self.code!r}")

    @classmethod
    def of(cls, code: str, **params: Param) -> Reason:
        return cls(code, tuple(params.items()))

    @classmethod
    def literal(cls, zh: str, en: str) -> Reason:
        return cls("literal", (("zh", zh), ("en", en)))

    @classmethod
    def verdict(cls, verdict: str | None) -> Reason:
        """A verdict word (合格 …); anything else (None included) is shown as it is in both languages."""
        code = f"verdict.{verdict}"
        return cls(code) if code in SENTENCES else cls.literal(str(verdict), str(verdict))

    def text(self, lang: str = "zh") -> str:
        zh, en = SENTENCES[self.code]
        values = {k: v.text(lang) if isinstance(v, Reason) else v for k, v in self.params}
        return (en if lang == "en" else zh).format(**values)

    @property
    def zh(self) -> str:
        return self.text("zh")

    @property
    def en(self) -> str:
        return self.text("en")

    def as_dict(self) -> dict[str, object]:
        """The code and its parameters (nested reasons as their own dicts), e.g. for an API that wants codes."""
        return {"code": self.code,
                "params": {k: v.as_dict() if isinstance(v, Reason) else v for k, v in self.params}}
