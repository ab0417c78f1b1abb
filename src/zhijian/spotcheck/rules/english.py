"""English words of the judgement (issue #21 finding 8): verdicts, a standard's clauses, and a verdict with its reason.

The sentences themselves are no longer read back from the Chinese by patterns: the rules build a reason code
(`rules.reasons.Reason`) and the one table there gives both sentences, so the English page renders from the code.
No stored row needs the old patterns — the pages, the PDF and the API judge a stored item again from its
requirement and result (`judgement.explain_row`), which yields the code — so the pattern table is gone."""

from __future__ import annotations

import re

from zhijian.spotcheck.rules.reasons import Reason

VERDICT_EN = {"合格": "conforms", "不合格": "does not conform", "待人工判定": "awaiting manual judgement",
              "无法判定": "inconclusive"}

_CLAUSE = re.compile(r"\s*第\s*([\d.]+)\s*(章|条|节|款)")
_CLAUSE_EN = {"章": "chapter", "条": "clause", "节": "section", "款": "paragraph"}


def ref_en(ref: str) -> str:
    """A standard's clause as the standard names it: GB 2763 第8章 → GB 2763 chapter 8, 第5.2条 → clause 5.2."""
    return _CLAUSE.sub(lambda m: f" {_CLAUSE_EN[m.group(2)]} {m.group(1)}", ref).replace("、", ", ").strip()


def result_en(verdict: str, reason: Reason) -> str:
    """The verdict with its reason in English: "conforms: within the limit"."""
    return Reason.of("result", verdict=Reason.verdict(verdict), reason=reason).en
