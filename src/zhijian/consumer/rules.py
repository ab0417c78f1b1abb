"""Pure rules of the consumer room (no I/O): working-day deadlines on the PRC calendar, the complaint and
report workflows, the enterprise quality-credit model, certificate verification, the check of an enterprise
standard against the mandatory national standard, and the ranking of a comparative test.

Everything that a regulation leaves to the authority (deadlines, credit weights, thresholds) is a dataclass
with defaults that the service loads from configuration, so the numbers are data, not constants.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from functools import lru_cache
from typing import Any

from zhijian.platform.calendar import WorkCalendar, default_calendar
from zhijian.platform.errors import DomainError

# ====================================================================== working days (工作日)
# Thin delegations to the platform calendar (zhijian.platform.calendar): the State Council's notices as data, the
# statutory rule of 《全国年节及纪念日放假办法》 for years without one. Pure callers get the package calendar; a service
# passes `calendar=zhijian.platform.deadlines.calendar(session)` to see the notices an admin imported.

Interval = tuple[dt.date, dt.date]


def _cal(calendar: WorkCalendar | None) -> WorkCalendar:
    return calendar if calendar is not None else default_calendar()


def calendar_known(day: dt.date, calendar: WorkCalendar | None = None) -> bool:
    """Whether a published 放假安排 covers the year (else the day is computed by rule and provisional)."""
    return not _cal(calendar).is_provisional_year(day.year)


def is_workday(day: dt.date, calendar: WorkCalendar | None = None) -> bool:
    """工作日: Monday–Friday unless a rest day of the year's notice (or the statutory rule), plus 调休上班 weekends."""
    return _cal(calendar).is_workday(day)


def add_working_days(start: dt.date, n: int, excluded: Sequence[Interval] = (),
                     calendar: WorkCalendar | None = None) -> dt.date:
    """The n-th working day after `start` (the day of receipt is not counted: 期间开始之日不计算在内).

    Days inside an `excluded` interval (检测、检验、鉴定 time) do not count, both ends inclusive.
    """
    if n < 0:
        raise DomainError("consumer.bad_days", "工作日数不能为负", "number of working days must not be negative",
                          field="days")
    return _cal(calendar).add_working_days(start, n, excluded).due


def working_days_between(start: dt.date, end: dt.date, excluded: Sequence[Interval] = (),
                         calendar: WorkCalendar | None = None) -> int:
    """Working days in (start, end], negative when end is before start; excluded intervals not counted."""
    return _cal(calendar).working_days_between(start, end, excluded)


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
        data = dict(data or {})
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise DomainError("consumer.bad_deadlines", f"未知的时限项：{', '.join(unknown)}",
                              f"unknown deadline keys: {', '.join(unknown)}", field=unknown[0])
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


# ====================================================================== enterprise quality credit (质量诚信)

CREDIT_CLASSES = ("A", "B", "C", "D")
CREDIT_CLASS_ZH = {"A": "A 类（信用风险低）", "B": "B 类（信用风险一般）", "C": "C 类（信用风险较高）",
                   "D": "D 类（信用风险高）"}
# How much more often the 双随机 draw samples an enterprise of each class (企业信用风险分类管理: 差异化抽查比例):
# A is checked least often, D most, every class differently. The defaults are the model's `draw_weights`.
DRAW_WEIGHTS = {"A": 0.5, "B": 1.0, "C": 2.0, "D": 4.0, None: 1.0}
# 企业信用风险分类指标 groups (SAMR 2022): each factor of the breakdown belongs to one, with the data's source.
INDICATOR_GROUPS = {"basic": "基础属性信息", "business": "经营行为信息", "supervision": "监管信息（抽查、投诉、处罚）",
                    "social": "社会评价信息"}
FACTOR_GROUP = {
    "base": ("basic", "基础分"), "listing_abnormal": ("basic", "经营异常名录（市场监管部门）"),
    "listing_serious": ("supervision", "严重违法失信名单（市场监管部门）"),
    "system_cert": ("business", "认证证书（认证机构登记）"), "certificates": ("business", "认证证书（认证机构登记）"),
    "ccc": ("business", "强制性产品认证（认证机构登记）"), "stable": ("social", "稳定合格产品（质量检验协会）"),
    "spotcheck": ("supervision", "监督抽查（抽查机关）"), "spotcheck_pass": ("supervision", "监督抽查（抽查机关）"),
    "complaints": ("supervision", "投诉举报（市场监管部门）"), "penalty": ("supervision", "行政处罚（市场监管部门）"),
    "recall": ("supervision", "缺陷产品召回（市场监管部门）"),
}


@dataclass(frozen=True)
class CreditModel:
    """The published scoring model (评分模型). 100 points less deductions plus bonuses, then class by thresholds.

    Deductions are weighted by recency: weight = 0.5 ** (age / half-life); events older than the window
    are ignored. Caps: a safety failure or a serious penalty within `cap_days` limits the best class.
    """

    version: str = "2026.1"
    base: float = 100.0
    window_years: float = 3.0
    half_life_years: float = 1.5
    fail_points: float = 8.0  # a final 不合格 spot-check batch
    safety_fail_points: float = 20.0  # … failing a safety item (安全项目)
    pass_points: float = 1.0  # each final 合格 batch
    pass_cap: float = 5.0
    complaint_points: float = 2.0  # per justified complaint per 1 000 万元 annual sales (or per complaint)
    complaint_cap: float = 20.0
    recall_points: dict[str, float] = field(default_factory=lambda: {
        "serious": 20.0, "high": 12.0, "medium": 6.0, "low": 3.0})
    cert_suspended_points: float = 5.0
    cert_withdrawn_points: float = 10.0
    ccc_missing_points: float = 15.0
    ccc_missing_cap: float = 30.0
    penalty_points: dict[str, float] = field(default_factory=lambda: {
        "minor": 3.0, "general": 8.0, "serious": 20.0})
    stable_points: float = 3.0
    stable_cap: float = 9.0
    system_cert_points: float = 2.0
    system_cert_cap: float = 4.0
    thresholds: dict[str, float] = field(default_factory=lambda: {"A": 90.0, "B": 75.0, "C": 60.0})
    cap_days: int = 365
    safety_failure_cap: str = "C"
    serious_penalty_cap: str = "D"
    abnormal_points: float = 10.0  # each current 经营异常名录 entry
    draw_weights: dict[str, float] = field(default_factory=lambda: {"A": 0.5, "B": 1.0, "C": 2.0, "D": 4.0})

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> CreditModel:
        data = dict(data or {})
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise DomainError("credit.bad_model", f"评分模型含未知参数：{', '.join(unknown)}",
                              f"unknown credit model parameters: {', '.join(unknown)}", field=unknown[0])
        model = cls(**data)
        t = model.thresholds
        if set(t) != {"A", "B", "C"} or not (t["A"] > t["B"] > t["C"]):
            raise DomainError("credit.bad_model", "分级阈值须为 A > B > C", "class thresholds must satisfy A > B > C",
                              field="thresholds")
        w = model.draw_weights
        if set(w) != set(CREDIT_CLASSES) or not all(isinstance(w[k], (int, float)) and w[k] > 0 for k in w) \
                or not (w["A"] < w["B"] < w["C"] < w["D"]):
            raise DomainError("credit.bad_model", "抽查权重须为 A、B、C、D 四类各不相同的正数，且 A < B < C < D（A 类抽查最少）",
                              "draw weights must be positive for A–D with A < B < C < D (A checked least often)",
                              field="draw_weights")
        for cap in (model.safety_failure_cap, model.serious_penalty_cap):
            if cap not in CREDIT_CLASSES:
                raise DomainError("credit.bad_model", f"封顶等级无效：{cap}", f"invalid cap class {cap!r}",
                                  field="safety_failure_cap")
        return model

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class InspectionFact:
    sampled_on: dt.date
    verdict: str  # 合格 / 不合格
    safety_failure: bool = False
    report_no: str | None = None
    failing_items: tuple[str, ...] = ()


@dataclass(frozen=True)
class CreditInputs:
    """Everything the model looks at for one enterprise (gathered by the service from every room)."""

    inspections: tuple[InspectionFact, ...] = ()
    justified_complaints: int = 0
    sales_10m_yuan: float | None = None  # annual sales in 1 000 万元 (千万元); None when unknown
    recalls: tuple[tuple[dt.date, str], ...] = ()  # (started_on, risk_level)
    certs_suspended: int = 0
    certs_withdrawn: int = 0  # withdrawn or cancelled (撤销 / 注销)
    ccc_missing: int = 0  # products in 强制性认证 categories without a valid CCC
    system_certs: int = 0  # valid ISO 9001 / 14001 / 45001
    penalties: tuple[tuple[dt.date, str, str], ...] = ()  # (decided_on, severity, decision_no)
    stable_listings: int = 0
    serious_listed: tuple[str, ...] = ()  # current 严重违法失信名单 entries (decision numbers)
    abnormal_entries: tuple[str, ...] = ()  # current 经营异常名录 entries (reasons)


@dataclass(frozen=True)
class CreditItem:
    factor: str
    label_zh: str
    points: float
    detail: str = ""


@dataclass(frozen=True)
class CreditResult:
    score: float
    credit_class: str
    items: tuple[CreditItem, ...]
    caps: tuple[str, ...]

    def breakdown(self) -> list[dict[str, Any]]:
        out = []
        for i in self.items:
            group, source = FACTOR_GROUP.get(i.factor, ("supervision", ""))
            out.append(asdict(i) | {"group": group, "group_zh": INDICATOR_GROUPS[group], "source": source})
        return out

    def groups(self) -> list[dict[str, Any]]:
        """Points per indicator group (基础属性 / 经营行为 / 监管 / 社会评价)."""
        tot: dict[str, float] = dict.fromkeys(INDICATOR_GROUPS, 0.0)
        for i in self.items:
            tot[FACTOR_GROUP.get(i.factor, ("supervision", ""))[0]] += i.points
        return [{"group": g, "label_zh": INDICATOR_GROUPS[g], "points": round(v, 2)} for g, v in tot.items()]


def recency_weight(when: dt.date, today: dt.date, model: CreditModel) -> float:
    """0.5 ** (age / half-life); 0 outside the window (and for future dates, weight 1)."""
    age = (today - when).days / 365.25
    if age > model.window_years:
        return 0.0
    return 0.5 ** (max(age, 0.0) / model.half_life_years)


def class_for(score: float, model: CreditModel) -> str:
    t = model.thresholds
    if score >= t["A"]:
        return "A"
    if score >= t["B"]:
        return "B"
    if score >= t["C"]:
        return "C"
    return "D"


def _worse(a: str, b: str) -> str:
    return a if CREDIT_CLASSES.index(a) >= CREDIT_CLASSES.index(b) else b


def score_credit(inp: CreditInputs, model: CreditModel, today: dt.date) -> CreditResult:
    """Score one enterprise: every point added or taken is one line of the breakdown (评分明细)."""
    items: list[CreditItem] = [CreditItem("base", "基础分", model.base)]
    passes = 0.0
    for rec in sorted(inp.inspections, key=lambda r: r.sampled_on):
        w = recency_weight(rec.sampled_on, today, model)
        if w == 0.0:
            continue
        if rec.verdict == "不合格":
            pts = model.safety_fail_points if rec.safety_failure else model.fail_points
            label = "监督抽查不合格（安全项目）" if rec.safety_failure else "监督抽查不合格"
            items.append(CreditItem("spotcheck", label, -round(pts * w, 2),
                                    f"{rec.sampled_on.isoformat()} {rec.report_no or ''} "
                                    f"{'、'.join(rec.failing_items)} ×{w:.2f}".strip()))
        elif rec.verdict == "合格":
            passes += model.pass_points * w
    if passes:
        items.append(CreditItem("spotcheck_pass", "监督抽查合格", round(min(passes, model.pass_cap), 2),
                                f"上限 {model.pass_cap:g}"))
    if inp.justified_complaints:
        if inp.sales_10m_yuan and inp.sales_10m_yuan > 0:
            rate = inp.justified_complaints / inp.sales_10m_yuan
            detail = f"{inp.justified_complaints} 件属实投诉 / {inp.sales_10m_yuan:g} 千万元销售额 = {rate:.2f}"
        else:
            rate = float(inp.justified_complaints)
            detail = f"{inp.justified_complaints} 件属实投诉（销售额未知，按件计）"
        items.append(CreditItem("complaints", "属实投诉", -round(min(rate * model.complaint_points,
                                                                    model.complaint_cap), 2), detail))
    for started, level in inp.recalls:
        w = recency_weight(started, today, model)
        if w:
            pts = model.recall_points.get(level, model.recall_points.get("medium", 6.0))
            items.append(CreditItem("recall", "缺陷产品召回", -round(pts * w, 2),
                                    f"{started.isoformat()} 风险等级 {level} ×{w:.2f}"))
    if inp.certs_suspended:
        items.append(CreditItem("certificates", "认证证书暂停", -model.cert_suspended_points * inp.certs_suspended,
                                f"{inp.certs_suspended} 张"))
    if inp.certs_withdrawn:
        items.append(CreditItem("certificates", "认证证书撤销/注销",
                                -model.cert_withdrawn_points * inp.certs_withdrawn, f"{inp.certs_withdrawn} 张"))
    if inp.ccc_missing:
        items.append(CreditItem("ccc", "强制性认证产品无有效 CCC 证书",
                                -min(model.ccc_missing_points * inp.ccc_missing, model.ccc_missing_cap),
                                f"{inp.ccc_missing} 个产品"))
    for decided, severity, number in inp.penalties:
        w = recency_weight(decided, today, model)
        if w:
            pts = model.penalty_points.get(severity, model.penalty_points.get("general", 8.0))
            items.append(CreditItem("penalty", "行政处罚", -round(pts * w, 2),
                                    f"{decided.isoformat()} {number} {PENALTY_ZH.get(severity, severity)} ×{w:.2f}"))
    if inp.stable_listings:
        items.append(CreditItem("stable", "稳定合格产品", min(model.stable_points * inp.stable_listings,
                                                          model.stable_cap), f"{inp.stable_listings} 个在列产品"))
    if inp.system_certs:
        items.append(CreditItem("system_cert", "有效管理体系认证",
                                min(model.system_cert_points * inp.system_certs, model.system_cert_cap),
                                f"{inp.system_certs} 张"))
    for reason in inp.abnormal_entries:
        items.append(CreditItem("listing_abnormal", "列入经营异常名录", -model.abnormal_points, reason))
    for number in inp.serious_listed:
        items.append(CreditItem("listing_serious", "列入严重违法失信名单", 0.0, number))
    score = round(min(max(sum(i.points for i in items), 0.0), 100.0), 2)
    klass = class_for(score, model)
    caps: list[str] = []
    if inp.serious_listed:  # SAMR Order No. 44 (2021): listed → the highest-risk class whatever the score
        if klass != "D":
            caps.append("列入严重违法失信名单，直接列为 D 类")
        klass = "D"
    recent = today - dt.timedelta(days=model.cap_days)
    if any(r.verdict == "不合格" and r.safety_failure and recent <= r.sampled_on <= today for r in inp.inspections):
        new = _worse(klass, model.safety_failure_cap)
        if new != klass:
            caps.append(f"{model.cap_days} 天内有安全项目不合格，最高 {model.safety_failure_cap} 类")
        klass = new
    if any(sev == "serious" and recent <= d <= today for d, sev, _ in inp.penalties):
        new = _worse(klass, model.serious_penalty_cap)
        if new != klass:
            caps.append(f"{model.cap_days} 天内受到情节严重的行政处罚，最高 {model.serious_penalty_cap} 类")
        klass = new
    return CreditResult(score, klass, tuple(items), tuple(caps))


PENALTY_SEVERITIES = ("minor", "general", "serious")
PENALTY_ZH = {"minor": "轻微", "general": "一般", "serious": "情节严重"}

# ====================================================================== certificates (认证证书)

CERT_KINDS = ("CCC", "CQC", "ISO9001", "ISO14001", "ISO45001", "organic", "green_food", "energy", "other")
CERT_KIND_ZH = {"CCC": "强制性产品认证（CCC）", "CQC": "CQC 标志认证", "ISO9001": "质量管理体系认证（ISO 9001）",
                "ISO14001": "环境管理体系认证（ISO 14001）", "ISO45001": "职业健康安全管理体系认证（ISO 45001）",
                "organic": "有机产品认证", "green_food": "绿色食品标志使用许可", "energy": "节能产品认证", "other": "其他认证"}
# 绿色食品 is a mark licence (标志使用许可, 中国绿色食品发展中心), not a certification; 有机 is a certification (CNCA).
MARK_LICENCE_KINDS = frozenset({"green_food"})
CERT_CATEGORY_ZH = {"certification": "认证证书", "mark_licence": "标志使用许可"}
CCC_VALIDITY_YEARS = 5  # 《强制性产品认证管理规定》: CCC certificates are valid for 5 years


def cert_category(kind: str) -> str:
    return "mark_licence" if kind in MARK_LICENCE_KINDS else "certification"


def ccc_validity_exceeded(issued_on: dt.date | None, valid_until: dt.date | None) -> bool:
    """A CCC certificate valid for more than five years from issue is not a genuine one."""
    if issued_on is None or valid_until is None:
        return False
    try:
        limit = issued_on.replace(year=issued_on.year + CCC_VALIDITY_YEARS)
    except ValueError:
        limit = issued_on.replace(year=issued_on.year + CCC_VALIDITY_YEARS, day=28)
    return valid_until > limit
SYSTEM_KINDS = frozenset({"ISO9001", "ISO14001", "ISO45001"})
CERT_STATUSES = ("valid", "suspended", "withdrawn", "expired", "cancelled")
CERT_STATUS_ZH = {"valid": "有效", "suspended": "暂停", "withdrawn": "撤销", "expired": "过期失效",
                  "cancelled": "注销"}
# CNCA-published number formats; a number that does not fit the kind is a typical fake.
CERT_NUMBER_PATTERNS = {
    "CCC": re.compile(r"^20\d{2}\d{12}$"),  # 16 digits: year + product code + serial
    "CQC": re.compile(r"^CQC\d{8,14}$"),
}


def effective_status(status: str, valid_until: dt.date | None, today: dt.date) -> str:
    """A valid certificate past its end date is expired (过期失效) whatever the stored status says."""
    if status == "valid" and valid_until is not None and valid_until < today:
        return "expired"
    return status


def normalize_name(name: str) -> str:
    """Compare names the way people write them: full-width → half-width, no spaces or brackets."""
    s = unicodedata.normalize("NFKC", name or "").lower()
    return re.sub(r"[\s()（）\[\]【】·.,，、]", "", s)


@dataclass(frozen=True)
class CertView:
    number: str
    kind: str
    status: str
    holder_name: str
    holder_uscc: str | None
    scope: str
    products: tuple[str, ...]
    issued_on: dt.date | None
    valid_until: dt.date | None
    body_name: str
    body_accredited: bool
    body_kinds: tuple[str, ...]


@dataclass(frozen=True)
class Finding:
    code: str
    zh: str
    en: str
    fatal: bool


@dataclass(frozen=True)
class Verification:
    number: str
    valid: bool
    status: str | None
    findings: tuple[Finding, ...]

    @property
    def verdict_zh(self) -> str:
        return "证书有效" if self.valid else "证书无效或可疑"


def verify_certificate(number: str, cert: CertView | None, *, today: dt.date, claimed_holder: str | None = None,
                       claimed_product: str | None = None) -> Verification:
    """验证证书: valid or not and why, flagging the typical fakes (假证、买证卖证)."""
    number = (number or "").strip().upper().replace(" ", "")
    if cert is None:
        findings = [Finding("unknown_number", "查无此证书编号，谨防假冒", "no certificate with this number", True)]
        for kind, pat in CERT_NUMBER_PATTERNS.items():
            if number.startswith(kind) and not pat.match(number):
                findings.append(Finding("bad_format", f"编号不符合 {kind} 证书编号格式", f"not a {kind} number format",
                                        True))
        return Verification(number, False, None, tuple(findings))
    out: list[Finding] = []
    status = effective_status(cert.status, cert.valid_until, today)
    if status == "expired":
        out.append(Finding("expired", f"证书已于 {cert.valid_until} 过期", f"expired on {cert.valid_until}", True))
    elif status != "valid":
        out.append(Finding(status, f"证书状态：{CERT_STATUS_ZH[status]}", f"certificate is {status}", True))
    if cert.issued_on and cert.issued_on > today:
        out.append(Finding("not_yet_valid", "发证日期在今天之后", "issued in the future", True))
    if cert.kind == "CCC" and ccc_validity_exceeded(cert.issued_on, cert.valid_until):
        out.append(Finding("validity_too_long", f"CCC 证书有效期为 {CCC_VALIDITY_YEARS} 年，此证书有效期超过 {CCC_VALIDITY_YEARS} 年",
                           f"a CCC certificate is valid for {CCC_VALIDITY_YEARS} years; this one claims longer", True))
    pat = CERT_NUMBER_PATTERNS.get(cert.kind)
    if pat and not pat.match(cert.number):
        out.append(Finding("bad_format", f"编号不符合 {cert.kind} 证书编号格式", f"not a {cert.kind} number format", True))
    if not cert.body_accredited or (cert.body_kinds and cert.kind not in cert.body_kinds):
        out.append(Finding("body_not_accredited", f"发证机构「{cert.body_name}」未获认可开展此类认证",
                           f"issuing body '{cert.body_name}' is not accredited for this kind", True))
    if claimed_holder and claimed_holder.strip():
        c = normalize_name(claimed_holder)
        if c not in (normalize_name(cert.holder_name), normalize_name(cert.holder_uscc or "")):
            out.append(Finding("holder_mismatch", f"持证人为「{cert.holder_name}」，与声称的「{claimed_holder}」不符",
                               f"holder is '{cert.holder_name}', not '{claimed_holder}'", True))
    if claimed_product and claimed_product.strip():
        c = normalize_name(claimed_product)
        hay = [normalize_name(p) for p in cert.products] + [normalize_name(cert.scope)]
        if not any(c in h or (h and h in c) for h in hay):
            out.append(Finding("scope_mismatch", f"「{claimed_product}」不在证书覆盖的产品/范围内",
                               f"'{claimed_product}' is outside the certificate's scope", True))
    return Verification(cert.number, not any(f.fatal for f in out), status, tuple(out))


# ====================================================================== enterprise standard vs national (企业标准)


@lru_cache(maxsize=1)
def _ureg() -> Any:
    import pint

    ureg = pint.UnitRegistry()
    ureg.define("CFU = [colony]")
    ureg.define("MPN = [colony]")
    return ureg


def _unit_expr(unit: str) -> str:
    u = unicodedata.normalize("NFKC", unit or "").strip()
    u = u.replace("μ", "u").replace("µ", "u").replace("％", "%").replace("%", "percent").replace("℃", "degC")
    u = re.sub(r"/\s*(\d+)\s*([A-Za-z]+)", r"/(\1*\2)", u)
    u = u.replace("²", "**2").replace("³", "**3")
    return u or "dimensionless"


def to_base(value: float, unit: str) -> tuple[float, str]:
    """Value in SI base units and its dimensionality, so mg/kg, g/kg and % compare directly."""
    ureg = _ureg()
    try:
        q = value * ureg.parse_expression(_unit_expr(unit))
        b = q.to_base_units()
    except Exception as exc:
        raise DomainError("standard.bad_unit", f"无法识别的单位：{unit}", f"unknown unit: {unit!r}",
                          field="unit") from exc
    return float(b.magnitude), str(b.dimensionality)


def convert(value: float, unit: str, target: str) -> float:
    """Convert `value` from `unit` to `target` (raises if the dimensions differ)."""
    if unit == target:
        return value
    v, d = to_base(value, unit)
    one, d2 = to_base(1.0, target)
    if d != d2:
        raise DomainError("standard.unit_mismatch", f"单位不可换算：{unit} → {target}",
                          f"units are not convertible: {unit} → {target}", field="unit")
    return v / one


@dataclass(frozen=True)
class Limit:
    """One indicator of a standard as the comparison needs it."""

    name: str
    unit: str
    kind: str  # max | min | range | equals | not_detected | text
    lower: float | None = None
    upper: float | None = None
    lower_inclusive: bool = True
    upper_inclusive: bool = True
    text: str = ""
    mandatory: bool = True
    source: str = ""  # standard code


def indicator_key(name: str) -> str:
    """Match indicators by name without the 以…计 basis or bracketed qualifiers: 铅(以Pb计) ≡ 铅."""
    s = unicodedata.normalize("NFKC", name or "")
    s = re.sub(r"\([^)]*\)|\[[^\]]*\]", "", s)
    return re.sub(r"\s", "", s).lower()


@dataclass(frozen=True)
class IndicatorCheck:
    name: str
    verdict: str  # laxer | stricter | equal | missing | manual | unit_mismatch
    national: str
    enterprise: str
    detail: str
    source: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


VERDICT_ZH = {"laxer": "低于强制性国家标准", "stricter": "严于国家标准", "equal": "与国家标准一致",
              "missing": "缺少强制性指标", "manual": "需人工核对", "unit_mismatch": "单位不可比"}
_EPS = 1e-9


def _cmp(a: float, b: float) -> int:
    """-1, 0, 1 with a relative tolerance (values come through unit conversion)."""
    if math.isclose(a, b, rel_tol=_EPS, abs_tol=1e-15):
        return 0
    return -1 if a < b else 1


def _describe(lim: Limit) -> str:
    if lim.text:
        return f"{lim.text} {lim.unit}".strip()
    if lim.kind == "max":
        return f"{'≤' if lim.upper_inclusive else '<'}{lim.upper:g} {lim.unit}".strip()
    if lim.kind == "min":
        return f"{'≥' if lim.lower_inclusive else '>'}{lim.lower:g} {lim.unit}".strip()
    if lim.kind == "range":
        return f"{lim.lower:g}~{lim.upper:g} {lim.unit}".strip()
    return lim.kind


def _upper_cmp(ent: float, ent_inc: bool, nat: float, nat_inc: bool) -> int:
    """Compare two upper bounds: 1 when the enterprise's allows more (laxer), -1 when less (stricter)."""
    c = _cmp(ent, nat)
    if c == 0 and ent_inc != nat_inc:
        return 1 if ent_inc else -1
    return c


def _lower_cmp(ent: float, ent_inc: bool, nat: float, nat_inc: bool) -> int:
    """Compare two lower bounds: 1 when the enterprise's allows less (laxer), -1 when it asks more."""
    c = _cmp(nat, ent)
    if c == 0 and ent_inc != nat_inc:
        return 1 if ent_inc else -1
    return c


def compare_indicator(nat: Limit, ent: Limit) -> IndicatorCheck:
    """One enterprise indicator against the national one: laxer, stricter (领跑者) or equal, units converted."""
    row = dict(name=nat.name, national=_describe(nat), enterprise=_describe(ent), source=nat.source)
    if nat.kind in ("text", "equals") or ent.kind == "text":
        return IndicatorCheck(verdict="manual", detail="文字要求，需人工核对", **row)
    if nat.kind == "not_detected":
        if ent.kind == "not_detected":
            return IndicatorCheck(verdict="equal", detail="均为不得检出", **row)
        return IndicatorCheck(verdict="laxer", detail="国家标准要求不得检出，企业标准设了限量", **row)
    if ent.kind == "not_detected":
        return IndicatorCheck(verdict="stricter", detail="企业标准要求不得检出", **row)

    def conv(v: float | None) -> float | None:
        return None if v is None else convert(v, ent.unit, nat.unit)

    try:
        e_lo, e_hi = conv(ent.lower), conv(ent.upper)
    except DomainError:
        return IndicatorCheck(verdict="unit_mismatch", detail=f"单位 {ent.unit} 与 {nat.unit} 不可换算", **row)
    note = f"（{ent.unit} 换算为 {nat.unit}）" if ent.unit != nat.unit else ""
    signs: list[int] = []
    if nat.kind in ("max", "range"):
        if e_hi is None:
            return IndicatorCheck(verdict="laxer", detail="国家标准有上限，企业标准未设上限" + note, **row)
        signs.append(_upper_cmp(e_hi, ent.upper_inclusive, float(nat.upper or 0), nat.upper_inclusive))
    if nat.kind in ("min", "range"):
        if e_lo is None:
            return IndicatorCheck(verdict="laxer", detail="国家标准有下限，企业标准未设下限" + note, **row)
        signs.append(_lower_cmp(e_lo, ent.lower_inclusive, float(nat.lower or 0), nat.lower_inclusive))
    if any(s > 0 for s in signs):
        parts = []
        if nat.kind in ("max", "range") and e_hi is not None and signs[0] > 0:
            parts.append(f"上限 {e_hi:g} {nat.unit} 高于国家标准 {nat.upper:g} {nat.unit}")
        if nat.kind in ("min", "range") and e_lo is not None and signs[-1] > 0:
            parts.append(f"下限 {e_lo:g} {nat.unit} 低于国家标准 {nat.lower:g} {nat.unit}")
        return IndicatorCheck(verdict="laxer", detail="；".join(parts) + note, **row)
    if any(s < 0 for s in signs):
        return IndicatorCheck(verdict="stricter", detail="严于国家标准" + note, **row)
    return IndicatorCheck(verdict="equal", detail="与国家标准相同" + note, **row)


@dataclass(frozen=True)
class StandardCheck:
    overall: str  # laxer | leader | equal | manual
    rows: tuple[IndicatorCheck, ...]
    extra: tuple[str, ...]  # enterprise indicators without a national counterpart

    def as_dict(self) -> dict[str, Any]:
        return {"overall": self.overall, "overall_zh": OVERALL_ZH[self.overall],
                "rows": [r.as_dict() | {"verdict_zh": VERDICT_ZH[r.verdict]} for r in self.rows],
                "extra": list(self.extra)}


OVERALL_ZH = {"laxer": "存在低于强制性国家标准的指标", "stricter": "有指标严于强制性国家标准",
              "leader": "企业标准“领跑者”（列入已发布的领跑者名单）",
              "equal": "符合强制性国家标准", "manual": "需人工核对"}


def check_standard(national: Iterable[Limit], enterprise: Iterable[Limit]) -> StandardCheck:
    """企业标准自我声明 check: every mandatory national indicator must be present and not laxer."""
    ent_by_key: dict[str, Limit] = {}
    for e in enterprise:
        ent_by_key.setdefault(indicator_key(e.name), e)
    used: set[str] = set()
    rows: list[IndicatorCheck] = []
    for n in national:
        key = indicator_key(n.name)
        e = ent_by_key.get(key)
        if e is None:
            if n.mandatory:
                rows.append(IndicatorCheck(n.name, "missing", _describe(n), "—", "企业标准未列出该强制性指标",
                                           n.source))
            continue
        used.add(key)
        rows.append(compare_indicator(n, e))
    extra = tuple(e.name for k, e in ent_by_key.items() if k not in used)
    verdicts = {r.verdict for r in rows}
    if verdicts & {"laxer", "missing"}:
        overall = "laxer"
    elif "stricter" in verdicts:
        overall = "stricter"  # 领跑者 only when on a published list (the service checks the imported list)
    elif verdicts & {"manual", "unit_mismatch"} and not verdicts & {"equal"}:
        overall = "manual"
    else:
        overall = "equal"
    return StandardCheck(overall, tuple(rows), extra)


# ====================================================================== comparative testing (比较试验)


@dataclass(frozen=True)
class TestItem:
    key: str
    name: str
    unit: str
    weight: float
    higher_is_better: bool
    limit: Limit | None = None  # optional pass/fail requirement


@dataclass(frozen=True)
class Ranked:
    sample: str
    values: dict[str, float | None]
    ranks: dict[str, int | None]
    scores: dict[str, float | None]
    overall: float
    rank: int
    failures: tuple[str, ...]

    @property
    def conforming(self) -> bool:
        return not self.failures


def competition_ranks(values: Sequence[float | None], higher_is_better: bool) -> list[int | None]:
    """Standard competition ranking (1, 2, 2, 4): equal results share the better rank; missing → None."""
    present = [v for v in values if v is not None]
    out: list[int | None] = []
    for v in values:
        if v is None:
            out.append(None)
            continue
        better = sum(1 for w in present if (w > v if higher_is_better else w < v) and _cmp(w, v) != 0)
        out.append(better + 1)
    return out


def item_scores(values: Sequence[float | None], higher_is_better: bool) -> list[float | None]:
    """Min–max score 0–100 over the tested samples (best = 100, worst = 0; all equal = 100)."""
    present = [v for v in values if v is not None]
    if not present:
        return [None] * len(values)
    lo, hi = min(present), max(present)
    out: list[float | None] = []
    for v in values:
        if v is None:
            out.append(None)
        elif _cmp(hi, lo) == 0:
            out.append(100.0)
        else:
            s = (v - lo) / (hi - lo) if higher_is_better else (hi - v) / (hi - lo)
            out.append(round(100.0 * s, 2))
    return out


def _fails(lim: Limit, v: float) -> bool:
    if lim.kind in ("max", "range") and lim.upper is not None:
        if v > lim.upper or (not lim.upper_inclusive and _cmp(v, lim.upper) == 0):
            return True
    if lim.kind in ("min", "range") and lim.lower is not None:
        if v < lim.lower or (not lim.lower_inclusive and _cmp(v, lim.lower) == 0):
            return True
    return False


def rank_comparative(items: Sequence[TestItem], samples: Sequence[tuple[str, dict[str, float | None]]]) -> list[Ranked]:
    """Per-item ranks and scores, and the overall score Σ wᵢ·sᵢ / Σ wᵢ over the items a sample has.

    Weights are published with the report; a missing result leaves that item out of the sample's weighted mean.
    """
    if not items:
        raise DomainError("comparative.no_items", "比较试验至少需要一个检测项目", "a comparative test needs at least one item",
                          field="items")
    if any(i.weight < 0 for i in items) or sum(i.weight for i in items) <= 0:
        raise DomainError("comparative.bad_weights", "权重须非负且总和大于 0", "weights must be ≥ 0 and sum to more than 0",
                          field="items")
    keys = [i.key for i in items]
    if len(set(keys)) != len(keys):
        raise DomainError("comparative.duplicate_item", "检测项目编号重复", "duplicate item keys", field="items")
    per_item: dict[str, tuple[list[int | None], list[float | None]]] = {}
    for it in items:
        col = [vals.get(it.key) for _, vals in samples]
        per_item[it.key] = (competition_ranks(col, it.higher_is_better), item_scores(col, it.higher_is_better))
    rows: list[tuple[str, dict[str, float | None], dict[str, int | None], dict[str, float | None], float,
                     tuple[str, ...]]] = []
    for j, (name, vals) in enumerate(samples):
        ranks = {k: per_item[k][0][j] for k in keys}
        scores = {k: per_item[k][1][j] for k in keys}
        wsum = sum(it.weight for it in items if scores[it.key] is not None)
        overall = sum(it.weight * (scores[it.key] or 0.0) for it in items if scores[it.key] is not None)
        overall = round(overall / wsum, 2) if wsum else 0.0
        fails = tuple(it.name for it in items if it.limit is not None and vals.get(it.key) is not None
                      and _fails(it.limit, float(vals[it.key])))  # type: ignore[arg-type]
        rows.append((name, dict(vals), ranks, scores, overall, fails))
    # a sample failing a requirement (mandatory limit) is never ranked above a conforming one: conforming samples
    # are ranked among themselves, the failing ones after all of them (and listed apart by the report)
    ok = [i for i, r in enumerate(rows) if not r[5]]
    bad = [i for i, r in enumerate(rows) if r[5]]
    ranks: dict[int, int] = {}
    for group, offset in ((ok, 0), (bad, len(ok))):
        for i, rk in zip(group, competition_ranks([rows[i][4] for i in group], True), strict=True):
            ranks[i] = offset + (rk or 0)
    return [Ranked(r[0], r[1], r[2], r[3], r[4], ranks[i], r[5]) for i, r in enumerate(rows)]


# ---------------------------------------------------------------- comparative results table (结果表)
# One row per sample (品牌, 型号, optional 生产企业 and 价格), one column per test item named like the item
# (unit in brackets allowed: "烧水时间(min)"). The console form, its upload and `zhijian comparative import`
# all read it through `results_table`, so the three accept exactly the same tables.

RESULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "brand": ("品牌", "brand"),
    "model": ("型号", "规格型号", "model"),
    "enterprise_name": ("生产企业", "企业", "生产者", "enterprise", "enterprisename"),
    "price": ("价格", "价格元", "售价", "售价元", "price"),
}
NOT_TESTED = frozenset({"—", "-", "–", "－", "——", "/", "未检", "未测", "n/a", "na"})


def parse_results_text(text: str) -> list[tuple[int, dict[str, str]]]:
    """Rows of a results table typed or pasted into a text area, numbered like a spreadsheet (header = 1).

    The separator is read from the header line: tab (pasted from Excel/WPS), comma, full-width comma, else spaces.
    """
    import csv

    lines = [(n, ln) for n, ln in enumerate((text or "").splitlines(), start=1) if ln.strip()]
    if not lines:
        return []
    head = lines[0][1]
    sep = "\t" if "\t" in head else "," if "," in head else "，" if "，" in head else None

    def cells(line: str) -> list[str]:
        if sep is None:
            return line.split()
        return next(csv.reader([line], delimiter=sep), [])

    header = [h.strip() for h in cells(head)]
    rows = []
    for n, line in lines[1:]:
        rows.append((n - lines[0][0] + 1, {h: v for h, v in zip(header, cells(line), strict=False) if h}))
    return rows


def results_text(rows: Sequence[tuple[int, dict[str, Any]]]) -> str:
    """A table read from a file, written back as tab-separated text (so a form keeps what was uploaded)."""
    header: list[str] = []
    for _, r in rows:
        header += [h for h in r if h not in header]

    def cell(v: Any) -> str:
        if v is None:
            return ""
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v).replace("\t", " ").replace("\n", " ")

    return "\n".join(["\t".join(header)] + ["\t".join(cell(r.get(h)) for h in header) for _, r in rows])


def _result_number(value: Any, row: int, column: str, *, allow_missing: bool) -> float | None:
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = unicodedata.normalize("NFKC", str(value or "")).strip()
        if text.lower() in NOT_TESTED or str(value or "").strip() in NOT_TESTED:
            return None
        if text == "":
            if allow_missing:
                return None
            raise DomainError("comparative.missing_result", f"第 {row} 行「{column}」缺少结果（未检测请填 —）",
                              f"row {row}, column '{column}': result missing (write — if not tested)",
                              field="results", extra={"row": row, "column": column})
        try:
            number = float(text.replace(",", ""))
        except ValueError:
            raise DomainError("comparative.bad_result", f"第 {row} 行「{column}」应为数字，而不是「{text}」",
                              f"row {row}, column '{column}': '{text}' is not a number",
                              field="results", extra={"row": row, "column": column}) from None
    if not math.isfinite(number):
        raise DomainError("comparative.bad_result", f"第 {row} 行「{column}」应为有限数值",
                          f"row {row}, column '{column}' must be a finite number", field="results",
                          extra={"row": row, "column": column})
    return number


def results_table(rows: Sequence[tuple[int, dict[str, Any]]],
                  items: Sequence[tuple[str, str, str]]) -> list[tuple[int, dict[str, Any]]]:
    """结果表 → `(row number, SampleIn fields)` per sample; items are `(key, name, unit)`.

    All or nothing: an unknown column, an item without a column, an empty result cell (— means not tested),
    a non-number or a repeated brand/model is refused naming the row and column.
    """
    if not rows:
        raise DomainError("comparative.no_results", "请填写结果表：首行为表头（品牌、型号、各检测项目），每个样品一行",
                          "enter the results table: a header line (brand, model, one column per item), "
                          "then one line per sample", field="results")
    by_name: dict[str, str] = {}
    for key, name, unit in items:
        for alias in (name, key, f"{name}{unit}", f"{name}/{unit}", f"{name}单位{unit}"):
            by_name.setdefault(normalize_name(alias), key)
    fixed = {normalize_name(a): col for col, aliases in RESULT_COLUMNS.items() for a in aliases}
    header: list[str] = []
    for _, r in rows:
        header += [h for h in r if h not in header]
    columns: dict[str, str] = {}  # header → "brand" / … / "item:<key>"
    for h in header:
        n = normalize_name(h)
        if n in fixed:
            columns[h] = fixed[n]
        elif n in by_name:
            columns[h] = f"item:{by_name[n]}"
        else:
            names = "、".join(name for _, name, _ in items)
            raise DomainError("comparative.unknown_item", f"结果表的列「{h}」不是已定义的检测项目（项目：{names}）",
                              f"column '{h}' of the results table is not a defined test item (items: {names})",
                              field="results", extra={"column": h})
    if "brand" not in columns.values():
        raise DomainError("comparative.missing_column", "结果表缺少「品牌」列", "the results table has no 'brand' column",
                          field="results")
    for key, name, _ in items:
        if f"item:{key}" not in columns.values():
            raise DomainError("comparative.missing_column", f"结果表缺少检测项目「{name}」的列",
                              f"the results table has no column for the item '{name}'", field="results",
                              extra={"column": name})
    out: list[tuple[int, dict[str, Any]]] = []
    seen: dict[tuple[str, str], int] = {}
    for row_no, r in rows:
        sample: dict[str, Any] = {"brand": "", "model": "", "enterprise_name": "", "price": None, "results": {}}
        for h, col in columns.items():
            v = r.get(h)
            if col.startswith("item:"):
                sample["results"][col[5:]] = _result_number(v, row_no, h, allow_missing=False)
            elif col == "price":
                sample["price"] = _result_number(v, row_no, h, allow_missing=True)
            else:
                sample[col] = "" if v is None else str(v).strip()
        if not sample["brand"]:
            raise DomainError("comparative.missing_brand", f"第 {row_no} 行缺少品牌", f"row {row_no}: brand missing",
                              field="results", extra={"row": row_no})
        ident = (normalize_name(sample["brand"]), normalize_name(sample["model"]))
        if ident in seen:
            raise DomainError("comparative.duplicate_sample",
                              f"第 {row_no} 行与第 {seen[ident]} 行的品牌型号相同",
                              f"row {row_no} repeats the brand and model of row {seen[ident]}",
                              field="results", extra={"row": row_no})
        seen[ident] = row_no
        out.append((row_no, sample))
    return out


# ====================================================================== issue 15: draw frequency by credit class


def draw_chances(population: dict[str, int], weights: dict[str, float]) -> dict[str, dict[str, Any]]:
    """差异化抽查: what the class weights mean for one enterprise of each class in a 双随机 draw.

    The draw samples an enterprise with probability proportional to its class weight (spotcheck.rules.draw; an
    unclassified enterprise weighs as B). For the `population` of enterprises per class ("-" unclassified):
    `relative` is the weight over B's (A 0.5 → checked half as often as B); `per_draw` the chance that one draw
    picks a given enterprise of the class, w / Σ nⱼ·wⱼ — None for a class with no enterprise in the population
    (a hypothetical one would change the pool); `per_100` the expected number of times in 100 draws."""
    w = {k: float(weights[k]) for k in CREDIT_CLASSES}
    total = sum(int(n) * w.get(k, w["B"]) for k, n in population.items())
    out: dict[str, dict[str, Any]] = {}
    for k in CREDIT_CLASSES:
        n = int(population.get(k, 0))
        p = w[k] / total if n > 0 and total > 0 else None
        out[k] = {"weight": w[k], "relative": round(w[k] / w["B"], 4), "per_draw": p,
                  "per_100": round(100 * p, 4) if p is not None else None, "enterprises": n}
    return out
