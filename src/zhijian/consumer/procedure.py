"""The statutory procedure of 《市场监督管理投诉举报处理暂行办法》 (SAMR Order No. 20, 2019, as amended 2022) and the
report clocks of 《市场监督管理行政处罚程序规定》, as pure data and functions (no I/O; the statutory grounds are
`data/grounds.json`, read at import).

- Art. 7: a submission that is both a complaint and a report is handled separately (split).
- Art. 15: the only grounds for not accepting a complaint (coded below), with a written notice.
- Art. 16: mediation needs both parties' consent.
- Art. 21: the grounds on which mediation ends, and the notice to both parties within 7 working days.
- Art. 23: violation leads found during mediation are checked within 15 working days (+15), as a report.
- 《行政处罚程序规定》: report leads checked within 15 working days (+15 with approval); a filed case decided within
  90 days of filing, extendable by 30 with the head's approval, further only by collective decision (recorded).

Also the matching of a named respondent against the register of enterprises (统一社会信用代码 exact; names
normalized), whose candidates staff confirm.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from zhijian.consumer.rules.dates import add_years
from zhijian.platform.errors import DomainError

ORDER_20 = "《市场监督管理投诉举报处理暂行办法》"
PENALTY_PROCEDURE = "《市场监督管理行政处罚程序规定》"

# ---------------------------------------------------------------- Art. 15: 不予受理 grounds


@dataclass(frozen=True)
class Ground:
    code: str
    article: str
    zh: str
    en: str


# (article, [code, zh, en] in the article's order) read once from data/grounds.json; the n-th is item 「第n项」
_GROUNDS: dict[str, list[list[str]]] = json.loads((Path(__file__).parent / "data" / "grounds.json").read_text("utf-8"))


def _grounds(article: str) -> dict[str, Ground]:
    return {code: Ground(code, f"{article}第{'一二三四五六七'[i]}项", zh, en)
            for i, (code, zh, en) in enumerate(_GROUNDS[article])}


NON_ACCEPTANCE: dict[str, Ground] = _grounds("第十五条")  # Art. 15: 不予受理
TERMINATION: dict[str, Ground] = _grounds("第二十一条")  # Art. 21: 终止调解
TERMINATION_NOTICE_DAYS = 7  # 自作出终止调解决定之日起七个工作日内告知投诉人和被投诉人 (Art. 21, last paragraph)
LEAD_CHECK_DAYS = 15  # Art. 23: 自发现之日起十五个工作日内予以核查 (+15 in special cases)
CASE_DAYS = 90  # 《行政处罚程序规定》: 自立案之日起九十日内作出处理决定
CASE_EXTENSION_DAYS = 30  # 经市场监督管理部门负责人批准，可以延长三十日


def ground(table: dict[str, Ground], code: str | None, field: str) -> Ground:
    if not code or code not in table:
        names = "、".join(f"{g.code}（{g.article}）" for g in table.values())
        raise DomainError("complaint.bad_ground", f"请选择法定事由：{names}", f"choose a statutory ground: {names}",
                          field=field)
    return table[code]


def three_years_after(day: dt.date) -> dt.date:
    """The same calendar day three years later (29 February → 28 February)."""
    return add_years(day, 3)


def beyond_three_years(knew_on: dt.date | None, received_on: dt.date) -> bool:
    """Art. 15(4): the complaint came more than three years after the consumer knew of the infringement."""
    return knew_on is not None and received_on > three_years_after(knew_on)


def non_acceptance_notice(*, tracking_no: str, complainant: str, respondent: str, received_on: dt.date,
                          decided_on: dt.date, code: str, detail: str = "", authority: str = "") -> str:
    """不予受理告知书 — the written notice with the ground and its article."""
    g = ground(NON_ACCEPTANCE, code, "reason_code")
    lines = [f"{authority or '市场监督管理部门'}不予受理投诉告知书", "",
             f"{complainant}：",
             f"你于 {received_on.isoformat()} 提出的对「{respondent}」的投诉（登记编号 {tracking_no}），"
             f"因{g.zh}，根据{ORDER_20}{g.article}的规定，决定不予受理。"]
    if detail:
        lines.append(f"具体情况：{detail}")
    lines += ["", f"{decided_on.isoformat()}"]
    return "\n".join(lines)


def termination_notice(*, tracking_no: str, complainant: str, respondent: str, ended_on: dt.date, code: str,
                       detail: str = "", authority: str = "") -> str:
    """终止调解告知书 — to both parties within 7 working days (Art. 21)."""
    g = ground(TERMINATION, code, "termination_code")
    return "\n".join([f"{authority or '市场监督管理部门'}终止调解告知书", "", f"{complainant}、{respondent}：",
                      f"登记编号 {tracking_no} 的投诉，因{g.zh}，根据{ORDER_20}{g.article}的规定，"
                      f"于 {ended_on.isoformat()} 终止调解。" + (f"\n具体情况：{detail}" if detail else ""),
                      "", ended_on.isoformat()])


# ---------------------------------------------------------------- Art. 16: consent to mediation


def check_consent(complainant: bool | None, respondent: bool | None) -> None:
    """Art. 16: 经投诉人和被投诉人同意，采用调解的方式处理投诉 — both consents recorded before mediation starts."""
    missing = [who for who, ok in (("投诉人", complainant), ("被投诉人", respondent)) if ok is not True]
    if missing:
        raise DomainError("complaint.consent_required",
                          f"调解须经投诉人和被投诉人同意（{ORDER_20}第十六条），尚缺：{'、'.join(missing)}",
                          "mediation needs the consent of both parties (Order 20, Art. 16)", field="consent",
                          status=409)


# ---------------------------------------------------------------- 《行政处罚程序规定》: the case clock


@dataclass(frozen=True)
class Extension:
    days: int
    approved_by: str
    reason: str
    on: dt.date
    collective: bool  # beyond the first 30 days: decided collectively by the authority's heads


def check_extension(previous: Iterable[Extension], days: int, approved_by: str, reason: str,
                    collective: bool) -> None:
    """The first extension is at most 30 days with the head's approval; any further one needs a collective decision
    (负责人集体讨论) and a reason; every extension names who approved it."""
    prev = list(previous)
    if days < 1 or days > 365:
        raise DomainError("complaint.bad_extension", "延长天数应为 1–365", "extension must be 1–365 days", field="days")
    if not approved_by.strip() or not reason.strip():
        raise DomainError("complaint.extension_approval", "延长办案期限须记录批准人和理由",
                          "an extension needs who approved it and why", field="approved_by")
    if not prev and days > CASE_EXTENSION_DAYS and not collective:
        raise DomainError("complaint.bad_extension", f"经负责人批准最多延长 {CASE_EXTENSION_DAYS} 日",
                          f"the head may extend by at most {CASE_EXTENSION_DAYS} days", field="days")
    if prev and not collective:
        raise DomainError("complaint.extension_collective", "再次延期须经负责人集体讨论决定",
                          "a further extension needs a collective decision of the heads", field="collective")


# ---------------------------------------------------------------- matching the respondent (被投诉人)

_FORMS = (("有限责任公司", "有限公司"), ("股份有限公司", "股份公司"))


def normalize_enterprise_name(name: str) -> str:
    """Compare enterprise names the way people type them: full-width → half-width (NFKC), no spaces, brackets
    and punctuation dropped (their content kept), 有限责任公司 ≡ 有限公司."""
    s = unicodedata.normalize("NFKC", name or "").strip().lower()
    s = re.sub(r"[\s()\[\]【】〔〕<>《》·.,，、'\"“”‘’]", "", s)
    for a, b in _FORMS:
        s = s.replace(a, b)
    return s


@dataclass(frozen=True)
class Candidate:
    id: int
    name: str
    uscc: str | None
    score: float
    basis: str  # uscc | name | similar


def match_respondent(name: str, uscc: str | None, register: Iterable[tuple[int, str, str | None]],
                     *, limit: int = 5, threshold: float = 0.6) -> tuple[Candidate | None, list[Candidate]]:
    """(the enterprise to link at once, candidates for staff to confirm).

    Linked at once: the unified social credit code typed equals a registered one, or exactly one registered name is
    equal after normalization. Otherwise the similar names (difflib ratio ≥ threshold, or one contains the other)
    are returned best first for staff to confirm — never linked silently.
    """
    code = (uscc or "").strip().upper()
    key = normalize_enterprise_name(name)
    rows = list(register)
    if code:
        for oid, n, u in rows:
            if u and u.upper() == code:
                return Candidate(oid, n, u, 1.0, "uscc"), []
    exact = [Candidate(oid, n, u, 1.0, "name") for oid, n, u in rows if key and normalize_enterprise_name(n) == key]
    if len(exact) == 1:
        return exact[0], []
    if exact:
        return None, exact[:limit]
    if not key:
        return None, []
    out: list[Candidate] = []
    for oid, n, u in rows:
        other = normalize_enterprise_name(n)
        score = difflib.SequenceMatcher(None, key, other).ratio()
        if (len(key) >= 4 and key in other) or (len(other) >= 4 and other in key):
            score = max(score, 0.8)
        if score >= threshold:
            out.append(Candidate(oid, n, u, round(score, 3), "similar"))
    out.sort(key=lambda c: (-c.score, c.id))
    return None, out[:limit]
