"""English renderings of the judgement's sentences (issue #21 finding 8): the rules build the Chinese sentence
(the zh page, the PDF and the API keep it); the English page reads it back through this one table — a pattern
per sentence the rules write, its parameters carried over — so a stored reason renders in English too."""

from __future__ import annotations

import re

VERDICT_EN = {"合格": "conforms", "不合格": "does not conform", "待人工判定": "awaiting manual judgement",
              "无法判定": "inconclusive"}
_LIM = {"检出限": "limit of detection", "报告限": "reporting limit"}
_N = r"(-?[\d.e+\-]+)"
_REASONS: tuple[tuple[str, str], ...] = (
    (r"在限值内", "within the limit"),
    (r"超过上限", "above the maximum"),
    (r"低于下限", "below the minimum"),
    (r"(超过上限|低于下限)，且超出量大于保护带 w = " + _N + r"（不合格已得到证明）",
     "{0}, by more than the guard band w = {1} (non-conformity proven)"),
    (r"(超过上限|低于下限)，但超出量未大于保护带 w = " + _N + r"（有条件不合格：不合格未得到证明），按保护带判定规则判为合格",
     "{0}, but not by more than the guard band w = {1} (conditional: non-conformity not proven); conforms under "
     "the guard-band rule"),
    (r"未检出", "not detected"),
    (r"低于检出限", "below the limit of detection"),
    (r"检出（不得检出）", "detected (must not be detectable)"),
    (r"低于检出阈值 " + _N, "below the detection threshold {0}"),
    (r"检出，超过阈值 " + _N, "detected, above the threshold {0}"),
    (r"等于规定值", "equals the specified value"),
    (r"不等于规定值", "differs from the specified value"),
    (r"阴性要求应报告阴性或阳性，数值结果无法判定",
     "a negative requirement needs negative or positive; a numeric result cannot be judged"),
    (r"未检出（低于(检出限|报告限) " + _N + r"，不高于限值）", "not detected (below the {0} {1}, not above the limit)"),
    (r"未检出（低于(检出限|报告限) " + _N + r"），低于下限", "not detected (below the {0} {1}): below the minimum"),
    (r"(检出限|报告限) " + _N + r" 高于阈值 " + _N + r"，方法不适用，无法判定",
     "{0} {1} above the threshold {2}: the method is not fit for purpose, inconclusive"),
    (r"(检出限|报告限) " + _N + r" 高于限值 " + _N + r"：方法不能证明符合，无法判定（方法不适用）",
     "{0} {1} above the limit {2}: the method cannot show conformity, inconclusive (not fit for purpose)"),
    (r"(检出限|报告限) " + _N + r" 高于下限，无法判定", "{0} {1} above the minimum: inconclusive"),
    (r"结果为(阴性|阳性|检出)，要求(.+)", "result {0}, required {1}"),
    (r"(\d+) 个样品单元超过 M=" + _N, "{0} sample units above M={1}"),
    (r"(\d+) 个样品单元在 m 与 M 之间，多于 c=(\d+)", "{0} sample units between m and M, more than c={1}"),
    (r"(\d+) 个样品单元的报告限高于 m=" + _N + r"，无法判定", "{0} sample units with a reporting limit above m={1}: "
     "inconclusive"),
    (r"无样品单元超过 M；m 与 M 之间 (\d+) 个，不多于 c=(\d+)", "no sample unit above M; {0} between m and M, not "
     "more than c={1}"),
    (r"(.*)：检验人员判定为(合格|不合格)?", "{0}: the inspector's verdict {1}"),
)
_COMPILED = tuple((re.compile(p), en) for p, en in _REASONS)
_WORDS = {"超过上限": "above the maximum", "低于下限": "below the minimum", "阴性": "negative", "阳性": "positive",
          "检出": "detected", "不得检出": "not detectable", "文字要求，由检验人员判定":
          "a requirement in words, judged by the inspector", "": "—", **_LIM, **VERDICT_EN}


_CLAUSE = re.compile(r"第\s*([\d.]+)\s*(章|条|节|款)")
_CLAUSE_EN = {"章": "chapter", "条": "clause", "节": "section", "款": "paragraph"}


def ref_en(ref: str) -> str:
    """A standard's clause as the standard names it: 第8章 → chapter 8, 第5.2条 → clause 5.2."""
    return _CLAUSE.sub(lambda m: f"{_CLAUSE_EN[m.group(2)]} {m.group(1)}", ref).replace("、", ", ")


def manual_en(reason: str) -> str:
    """The reason a requirement goes to manual judgement (`Requirement.manual_reason`), in English."""
    if reason.startswith("按「") and reason.endswith("」的要求由检验人员判定"):
        return f"by the inspector against {ref_en(reason[2:-len('」的要求由检验人员判定')])}"
    m = re.fullmatch(r"要求「(.*)」含有数字但不是可识别的限值形式，请核对；由检验人员判定", reason)
    if m:
        return f"the requirement {m.group(1)!r} has numbers but no recognisable limit, please check; judged by the inspector"
    if reason == "定性要求（无…），由检验人员判定":
        return "a qualitative requirement (free of …), judged by the inspector"
    return _WORDS.get(reason or "文字要求，由检验人员判定", reason)


def _word(x: str) -> str:
    if x.startswith("不得检出"):
        return "not detectable" + x[len("不得检出"):].replace("（", " (").replace("）", ")")
    if x.startswith(("按「", "要求「", "定性要求")):
        return manual_en(x)
    return _WORDS.get(x, x)


def reason_en(zh: str) -> str:
    """The English of a reason the rules wrote (`ItemJudgement.reason_zh`); unknown text is returned as is."""
    for pat, en in _COMPILED:
        m = pat.fullmatch(zh)
        if m:
            return en.format(*(_word(g or "") for g in m.groups()))
    return zh


def result_en(verdict: str, reason_zh: str) -> str:
    return f"{VERDICT_EN.get(verdict, verdict)}: {reason_en(reason_zh)}"
