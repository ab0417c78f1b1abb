"""The English of the sentences consumer's rules build (issue #21 finding 8): a credit item's detail, a credit cap
and a declaration's per-indicator comparison.

The rules store each sentence as reason codes beside its zh text (`consumer.rules.reasons`), and the English page
renders from the codes (`detail_of`, `caps_of`). The regex patterns below are the fallback for rows stored before
the codes existed only (credit assessments and declaration checks written before issue #21 hold the zh sentence
alone): a pattern per sentence, its parameters carried over; a sentence no pattern knows stays as stored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from zhijian.consumer.rules.reasons import known, sentence

_N = r"(-?[\d.e+\-]+)"
_U = r"(\S+)"
_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"上限 " + _N, "cap {0}"),
    (r"(\d+) 张", "{0} certificate(s)"),
    (r"(\d+) 个产品", "{0} product(s)"),
    (r"(\d+) 个在列产品", "{0} listed product(s)"),
    (r"(\d+) 件属实投诉 / " + _N + r" 千万元销售额 = " + _N,
     "{0} justified complaints / {1} × 10 million yuan of sales = {2}"),
    (r"(\d+) 件属实投诉（销售额未知，按件计）", "{0} justified complaints (sales unknown: counted per case)"),
    (r"(.*)风险等级 (\w+)(.*)", "{0}risk level {1}{2}"),
    (r"文字要求，需人工核对", "a requirement in words: to be checked by hand"),
    (r"均为不得检出", "both: not detectable"),
    (r"国家标准要求不得检出，企业标准设了限量", "the national standard requires not detectable; the enterprise "
     "standard sets a limit"),
    (r"企业标准要求不得检出", "the enterprise standard requires not detectable"),
    (r"单位 " + _U + r" 与 " + _U + r" 不可换算", "unit {0} cannot be converted to {1}"),
    (r"企业标准未列出该强制性指标", "the enterprise standard does not list this mandatory indicator"),
    (r"列入严重违法失信名单，直接列为 D 类", "on the list of serious illegal and dishonest enterprises: class D directly"),
    (r"(\d+) 天内有安全项目不合格，最高 (\w) 类", "a safety item failed within {0} days: class {1} at best"),
    (r"(\d+) 天内受到情节严重的行政处罚，最高 (\w) 类", "a serious administrative penalty within {0} days: class {1} at best"),
)
_NOTE = re.compile(r"（" + _U + r" 换算为 " + _U + r"）$")
_JUDGED: tuple[tuple[str, str], ...] = (
    (r"国家标准有上限，企业标准未设上限", "the national standard has a maximum, the enterprise standard none"),
    (r"国家标准有下限，企业标准未设下限", "the national standard has a minimum, the enterprise standard none"),
    (r"严于国家标准", "stricter than the national standard"),
    (r"与国家标准相同", "the same as the national standard"),
    (r"上限 " + _N + " " + _U + r" 高于国家标准 " + _N + " " + _U,
     "maximum {0} {1} above the national standard's {2} {3}"),
    (r"下限 " + _N + " " + _U + r" 低于国家标准 " + _N + " " + _U,
     "minimum {0} {1} below the national standard's {2} {3}"),
)
_COMPILED = tuple((re.compile(p), en) for p, en in _PATTERNS)
_COMPILED_JUDGED = tuple((re.compile(p), en) for p, en in _JUDGED)


def _one(text: str, table: tuple[tuple[re.Pattern[str], str], ...]) -> str | None:
    for pat, en in table:
        m = pat.fullmatch(text)
        if m:
            return en.format(*m.groups())
    return None


def detail_en(zh: str) -> str:
    """The English of a detail stored without its reason codes (older rows only); other text as is."""
    found = _one(zh, _COMPILED)
    if found is not None:
        return found
    note = _NOTE.search(zh)
    body = zh[: note.start()] if note else zh
    parts = [_one(p, _COMPILED_JUDGED) for p in body.split("；")]
    if not all(p is not None for p in parts):
        return zh
    tail = f" ({note.group(1)} converted to {note.group(2)})" if note else ""
    return "; ".join(p for p in parts if p is not None) + tail


def detail_of(row: Mapping[str, Any], lang: str) -> str:
    """A stored credit item or indicator check (a dict with `detail` and, since issue #21, `reasons`) in `lang`:
    zh-CN as stored; English from the codes, by the patterns for an older row without them."""
    zh = str(row.get("detail") or "")
    if lang != "en":
        return zh
    reasons = row.get("reasons")
    return sentence(reasons, "en") if reasons and known(reasons) else detail_en(zh)


def caps_of(caps: Sequence[str], cap_reasons: Sequence[Any] | None, lang: str) -> list[str]:
    """An assessment's caps in `lang`: zh-CN as stored; English from the codes (by the patterns for older rows)."""
    if lang != "en":
        return list(caps)
    if cap_reasons and known(list(cap_reasons)) and len(cap_reasons) == len(caps):
        return [sentence([r], "en") for r in cap_reasons]
    return [detail_en(c) for c in caps]
