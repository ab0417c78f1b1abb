"""投诉举报 rules (pure): the statutory deadlines as data, the complaint and report state machines, the case's division,
the masking of personal data, the case clock, and the danger words that make a complaint a risk signal."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from zhijian.consumer.rules.dates import add_working_days, calendar_known, working_days_between
from zhijian.consumer.rules.settings import known_settings
from zhijian.platform.errors import DomainError


@dataclass(frozen=True)
class Deadlines:
    """时限 of 市场监督管理投诉举报处理暂行办法 (2022) and 市场监督管理行政处罚程序规定, in working days.

    accept: 投诉 accepted or not within 7; mediation: ends without agreement 45 after acceptance (检测鉴定 time
    excluded); verify / verify_extension: 举报 clue checked within 15 (+15 with approval); notify: a named
    reporter told within 5 of the decision.
    """

    accept: int = 7
    mediation: int = 45
    verify: int = 15
    verify_extension: int = 15
    notify: int = 5
    enterprise: int = 10  # a forwarded complaint answered by the enterprise (12315 practice; not set by Order 20)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Deadlines:
        data = known_settings(cls, data, "consumer.bad_deadlines", "未知的时限项：", "unknown deadline keys: ")
        for k, v in data.items():
            if not isinstance(v, int) or isinstance(v, bool) or v < 1 or v > 365:
                raise DomainError("consumer.bad_deadlines", f"时限「{k}」应为 1–365 的整数个工作日",
                                  f"deadline '{k}' must be a whole number of working days 1–365", field=k)
        return cls(**data)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


# ====================================================================== complaint / report workflow

COMPLAINT_FLOW: dict[str, frozenset[str]] = {
    "received": frozenset({"accepted", "rejected"}),
    "accepted": frozenset({"forwarded", "mediating", "closed"}),
    "forwarded": frozenset({"mediating", "closed"}),
    "mediating": frozenset({"closed"}),
    "rejected": frozenset(),
    "closed": frozenset(),
}
REPORT_FLOW: dict[str, frozenset[str]] = {
    "received": frozenset({"accepted", "rejected"}),
    "accepted": frozenset({"decided"}),
    "decided": frozenset({"closed"}),
    "rejected": frozenset(),
    "closed": frozenset(),
}
STATE_ZH = {"received": "已登记", "accepted": "已受理", "rejected": "不予受理", "forwarded": "已转企业处理",
            "mediating": "调解中", "decided": "已作出处理决定", "closed": "已办结"}
KIND_ZH = {"complaint": "投诉", "report": "举报"}
OUTCOMES = ("agreement", "no_agreement", "withdrawn", "terminated", "resolved_by_enterprise")
OUTCOME_ZH = {"agreement": "调解成功，达成协议", "no_agreement": "调解不成", "withdrawn": "投诉人撤回",
              "terminated": "终止调解", "resolved_by_enterprise": "企业自行和解"}
DECISIONS = ("filed", "not_filed")
DECISION_ZH = {"filed": "立案", "not_filed": "不予立案"}
REQUESTS = ("refund", "replacement", "repair", "compensation", "other")
REQUEST_ZH = {"refund": "退货退款", "replacement": "更换", "repair": "修理", "compensation": "赔偿", "other": "其他"}


def flow(kind: str) -> dict[str, frozenset[str]]:
    if kind == "complaint":
        return COMPLAINT_FLOW
    if kind == "report":
        return REPORT_FLOW
    raise DomainError("consumer.bad_kind", f"未知类型：{kind}（投诉 complaint / 举报 report）",
                      f"unknown kind {kind!r} (complaint or report)", field="kind")


def check_transition(kind: str, current: str, target: str) -> None:
    """Refuse a state change the workflow does not allow (非法状态转换)."""
    from zhijian.platform.errors import InvalidTransition

    table = flow(kind)
    if target not in COMPLAINT_FLOW and target not in REPORT_FLOW:
        raise DomainError("complaint.bad_state", f"未知状态：{target}", f"unknown state {target!r}", field="state")
    if target not in table.get(current, frozenset()):
        raise InvalidTransition("complaint", current, target)


def case_region(respondent_region: str | None, complainant_region: str | None,
                handler_region: str | None) -> str | None:
    """管辖: the division a case belongs to — where the respondent is registered (a complaint goes to the authority
    of the respondent's place of business, 《市场监督管理投诉举报处理暂行办法》), else where the complainant is,
    else the handling organization's; a GB/T 2260 six-digit code or None (then only the national level sees it)."""
    for code in (respondent_region, complainant_region, handler_region):
        code = (code or "").strip()
        if len(code) == 6 and code.isdigit():
            return code
    return None


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***: the family name stays, the rest is hidden (举报人信息保密)."""
    name = (name or "").strip()
    return (name[0] + "*" * max(len(name) - 1, 1)) if name else ""


def mask_phone(phone: str) -> str:
    """13812341234 → 138****1234; shorter numbers keep only their last two digits."""
    p = (phone or "").strip()
    if not p:
        return ""
    if len(p) >= 11:
        return p[:3] + "****" + p[-4:]
    return "*" * max(len(p) - 2, 1) + p[-2:]


def mask_address(address: str) -> str:
    """杭州市西湖区文三路1号 → 杭州市****: the first three characters (usually the city) stay."""
    a = (address or "").strip()
    return (a[:3] + "****") if a else ""


def mask_email(email: str) -> str:
    """wang@example.com → w***@example.com."""
    e = (email or "").strip()
    if "@" not in e:
        return "***" if e else ""
    local, _, domain = e.partition("@")
    return f"{local[:1]}***@{domain}"


def is_open(state: str) -> bool:
    return state not in ("rejected", "closed")


@dataclass(frozen=True)
class Clock:
    """A case's clock (办理时限): which deadline runs, when it falls due, working days left."""

    kind: str | None  # accept | mediation | verify | notify | None (no clock running)
    due_on: dt.date | None
    days_left: int | None  # negative when overdue
    overdue: bool
    paused: bool
    provisional: bool  # due date lies in a year whose holiday calendar is not yet published

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["due_on"] = self.due_on.isoformat() if self.due_on else None
        d["label_zh"] = CLOCK_ZH.get(self.kind or "", "")
        return d


CLOCK_ZH = {"accept": "受理时限", "mediation": "调解时限", "verify": "核查时限", "notify": "告知举报人时限"}


@dataclass(frozen=True)
class CaseDates:
    kind: str
    state: str
    received_on: dt.date
    accepted_on: dt.date | None = None
    decided_on: dt.date | None = None
    extended: bool = False
    named_reporter: bool = True
    pauses: tuple[tuple[dt.date, dt.date | None], ...] = ()


def case_clock(case: CaseDates, rules: Deadlines, today: dt.date) -> Clock:
    """The deadline that runs in the case's current state, with testing pauses excluded.

    An open pause (检测中) stops the clock: the due date is then computed as if the pause ended today, and
    `paused` is set so the case is not listed as overdue while the test runs.
    """
    paused = any(end is None for _, end in case.pauses)
    excluded = tuple((a, b if b is not None else max(today, a)) for a, b in case.pauses)
    kind: str | None = None
    due: dt.date | None = None
    if case.kind == "complaint":
        if case.state == "received":
            kind, due = "accept", add_working_days(case.received_on, rules.accept)
        elif case.state in ("accepted", "forwarded", "mediating") and case.accepted_on is not None:
            kind, due = "mediation", add_working_days(case.accepted_on, rules.mediation, excluded)
    else:
        if case.state in ("received", "accepted"):
            days = rules.verify + (rules.verify_extension if case.extended else 0)
            kind, due = "verify", add_working_days(case.received_on, days, excluded)
        elif case.state == "decided" and case.decided_on is not None and case.named_reporter:
            kind, due = "notify", add_working_days(case.decided_on, rules.notify)
    if due is None:
        return Clock(None, None, None, False, False, False)
    left = working_days_between(today, due, excluded)
    overdue = today > due and not paused
    return Clock(kind, due, left, overdue, paused, not calendar_known(due))


HAZARD_WORDS = ("起火", "着火", "火灾", "爆炸", "炸裂", "漏电", "触电", "电击", "烫伤", "烧伤", "中毒", "窒息",
                "割伤", "划伤", "夹伤", "骨折", "过敏", "腹泻", "呕吐", "住院", "死亡", "异物", "玻璃渣", "冒烟",
                "短路", "燃烧", "变质", "霉变")


def hazard_words(text: str) -> list[str]:
    """The injury / danger words of a complaint (危害词), which make it a risk signal."""
    return [w for w in HAZARD_WORDS if w in (text or "")]
