"""Reason codes (issue #21 finding 8): the sentences consumer's rules write — a credit item's detail, a credit cap,
a declaration's per-indicator comparison — as a stable code with its parameters, and one table (`data/reasons.json`,
read at import) that gives the zh-CN and the English sentence of each code.

The rules keep the zh sentence they always wrote (`sentence(reasons, "zh")`, byte for byte: the API, the PDFs and
the stored rows carry it) and store the reasons beside it, so the English page renders from the code and a
reworded Chinese sentence can never leave the English page in Chinese.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# code → (zh-CN, English), by section: `data/reasons.json`, read once at import. Parameters by name; a list
# parameter is joined with 、 in Chinese and ", " in English; a parameter named in ENUMS is shown through its label
# map in each language (the code itself when unknown).
_TABLE = Path(__file__).resolve().parent.parent / "data" / "reasons.json"
SENTENCES: dict[str, tuple[str, str]] = {
    code: (zh, en) for section in json.loads(_TABLE.read_text(encoding="utf-8")).values()
    for code, (zh, en) in section.items()}
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
