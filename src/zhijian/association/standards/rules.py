"""团体标准 rules (pure): stages, the standard number, the comment period, the review vote, the review cycle.

The stages follow the procedure the 《团体标准管理规定》(2019) asks a social organization to set down and make
public — 提案, 立项, 起草, 征求意见, 技术审查, 批准, 编号, 发布, 复审 — and its later changes (修改, 废止).
Numbering: 团体标准代号 "T" / 社会团体代号 (CAQI) + 顺序号 + 年代号, written T/CAQI 001—2026 (the em dash as in
GB/T 1.1-2020's standard numbers). Review (复审): at the latest five years after publication. The association's
rules set the comment period (≥ 30 days) and the review quorum (≥ 5 experts, ≥ 3/4 of the votes cast in favour,
as for national standards' technical review).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from zhijian.platform.errors import DomainError, InvalidTransition

ORG_CODE = "CAQI"
STATUSES = {"proposed": "提案", "drafting": "起草", "commenting": "征求意见", "reviewing": "技术审查",
            "approved": "已批准", "published": "已发布", "under_review": "复审中", "rejected": "不予立项",
            "withdrawn": "已废止"}
TRANSITIONS = {"proposed": ("drafting", "rejected"), "drafting": ("commenting", "reviewing", "withdrawn"),
               "commenting": ("reviewing", "drafting"), "reviewing": ("approved", "drafting"),
               "approved": ("published",), "published": ("under_review", "withdrawn"),
               "under_review": ("published", "drafting", "withdrawn"), "rejected": (), "withdrawn": ()}
DISPOSITIONS = {"accepted": "采纳", "partly": "部分采纳", "rejected": "不采纳", "pending": "待处理"}
VOTES = {"approve": "同意", "approve_changes": "修改后同意", "reject": "不同意", "abstain": "弃权"}
MIN_COMMENT_DAYS = 30
MIN_EXPERTS = 5
APPROVAL_SHARE = 0.75
REVIEW_YEARS = 5
DRAFT_STAGES = {"working": "工作组讨论稿", "comment": "征求意见稿", "review": "送审稿", "approval": "报批稿"}


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, ()):
        raise InvalidTransition("group_standard", current, target)


def standard_number(seq: int, year: int, org: str = ORG_CODE) -> str:
    """T/CAQI 001—2026."""
    if not (1 <= seq <= 9999) or not (2000 <= year <= 2100):
        raise DomainError("association.std.bad_number", "顺序号或年代号无效", "invalid sequence number or year", field="number")
    return f"T/{org} {seq:03d}—{year}"


def check_clauses(clauses: Sequence[dict[str, str]]) -> list[dict[str, str]]:
    """A draft's clauses: numbered (1, 4.1, 附录A…), unique, with text."""
    out, seen = [], set()
    for i, c in enumerate(clauses):
        no, text = str(c.get("no", "")).strip(), str(c.get("text", "")).strip()
        if not no or not text or len(no) > 32:
            raise DomainError("association.std.bad_clause", f"第 {i + 1} 条须有条款号和内容", f"clause {i + 1} needs a number and text",
                              field="clauses")
        if no in seen:
            raise DomainError("association.std.bad_clause", f"条款号重复：{no}", f"clause number repeated: {no}", field="clauses")
        seen.add(no)
        out.append({"no": no, "text": text})
    if not out:
        raise DomainError("association.std.bad_clause", "草案没有条款", "the draft has no clauses", field="clauses")
    return out


def parse_clauses(text: str) -> list[dict[str, str]]:
    """Clauses typed one per line as '4.1 text' (the number up to the first space)."""
    out = []
    for line in (text or "").splitlines():
        line = line.strip()
        if line:
            no, _, body = line.replace("\u3000", " ").partition(" ")
            out.append({"no": no, "text": body.strip()})
    return out


def comment_window(start: dt.date, days: int) -> dt.date:
    if days < MIN_COMMENT_DAYS:
        raise DomainError("association.std.short_comment_period", f"征求意见期不少于 {MIN_COMMENT_DAYS} 天",
                          f"the comment period is at least {MIN_COMMENT_DAYS} days", field="days")
    return start + dt.timedelta(days=days)


@dataclass(frozen=True)
class ReviewOutcome:
    votes: int
    in_favour: int
    against: int
    share: float
    passed: bool
    reason_zh: str


def review_outcome(votes: Sequence[str]) -> ReviewOutcome:
    """≥ 5 experts voting and ≥ 3/4 of the votes cast (abstentions not cast) in favour."""
    cast = [v for v in votes if v != "abstain"]
    yes = sum(1 for v in cast if v in ("approve", "approve_changes"))
    no = len(cast) - yes
    share = yes / len(cast) if cast else 0.0
    if len(votes) < MIN_EXPERTS:
        return ReviewOutcome(len(votes), yes, no, share, False, f"参加审查的专家不足 {MIN_EXPERTS} 人")
    ok = share >= APPROVAL_SHARE - 1e-12
    return ReviewOutcome(len(votes), yes, no, share, ok,
                         f"赞成 {yes} 票，反对 {no} 票，赞成率 {share:.0%}" + ("，通过审查" if ok else "，未达四分之三，退回修改"))


def next_review(published_on: dt.date, years: int = REVIEW_YEARS) -> dt.date:
    try:
        return published_on.replace(year=published_on.year + years)
    except ValueError:
        return published_on.replace(year=published_on.year + years, day=28)
