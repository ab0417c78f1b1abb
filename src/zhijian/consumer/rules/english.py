"""English renderings of the sentences consumer's rules build (issue #21 finding 8): a credit item's detail and
a declaration's per-indicator comparison. The rules keep writing the Chinese (the zh page, the PDF, the API);
the English page reads it back through this one table — a pattern per sentence, its parameters carried over."""

from __future__ import annotations

import re

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
    """The English of a detail the rules wrote (credit items, declaration checks); other text as is."""
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
