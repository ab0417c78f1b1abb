"""Reason codes of the judgement (issue #21 finding 8): where the rules explain a verdict they build a `Reason` — a
stable code and its parameters — and this one table (`data/reasons.json`, read at import) gives the zh-CN and the
English sentence of every code.

The zh sentence is the record: `ItemJudgement.reason_zh`, the API, the PDF and the stored rows hold it exactly as
the rules always wrote it (tests/spotcheck/test_reasons.py compares it byte for byte with the sentences written
before the codes existed). The English page renders the same `Reason` in English, so a reworded Chinese sentence
can no longer silently stay Chinese there: a code without its two sentences fails at import (`_check`).

A parameter is a plain string (a number already formatted as the zh sentence shows it, a standard's number) —
the same in both languages — or a nested `Reason` (a word such as 检出限 / limit of detection, or `literal`, a
pair of texts the caller has in both languages)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Union

Param = Union[str, "Reason"]

# code → (zh-CN, English), by section: `data/reasons.json`, read once at import.
_TABLE = Path(__file__).resolve().parent.parent / "data" / "reasons.json"
SENTENCES: dict[str, tuple[str, str]] = {
    code: (zh, en) for section in json.loads(_TABLE.read_text(encoding="utf-8")).values()
    for code, (zh, en) in section.items()}

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
