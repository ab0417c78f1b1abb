"""企业质量信用 rules (pure): the credit model as data (weights, caps, class thresholds, draw weights), the facts it
scores, the score with its breakdown, and what the class weights mean in a 双随机 draw."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from zhijian.consumer.rules.reasons import Reason, sentence
from zhijian.consumer.rules.settings import known_settings
from zhijian.platform.errors import DomainError

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
        data = known_settings(cls, data, "credit.bad_model", "评分模型含未知参数：", "unknown credit model parameters: ")
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
    """One line of the breakdown; `detail` is the zh sentence of `reasons` (the English page renders the codes)."""

    factor: str
    label_zh: str
    points: float
    detail: str = ""
    reasons: tuple[Reason, ...] = ()


def _item(factor: str, label: str, points: float, *reasons: Reason) -> CreditItem:
    return CreditItem(factor, label, points, sentence(reasons), reasons)


@dataclass(frozen=True)
class CreditResult:
    score: float
    credit_class: str
    items: tuple[CreditItem, ...]
    caps: tuple[str, ...]
    cap_reasons: tuple[Reason, ...] = ()  # the caps as codes (`caps` are their zh sentences)

    def breakdown(self) -> list[dict[str, Any]]:
        out = []
        for i in self.items:
            group, source = FACTOR_GROUP.get(i.factor, ("supervision", ""))
            row = asdict(i) | {"reasons": [r.as_dict() for r in i.reasons]}
            out.append(row | {"group": group, "group_zh": INDICATOR_GROUPS[group], "source": source})
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
    return float(0.5 ** (max(age, 0.0) / model.half_life_years))


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


def _inspection_items(inp: CreditInputs, model: CreditModel, today: dt.date) -> list[CreditItem]:
    """Each final 不合格 (recency-weighted, a safety item weighs more) and the capped bonus of the 合格 ones."""
    items: list[CreditItem] = []
    passes = 0.0
    for rec in sorted(inp.inspections, key=lambda r: r.sampled_on):
        w = recency_weight(rec.sampled_on, today, model)
        if w == 0.0:
            continue
        if rec.verdict == "不合格":
            pts = model.safety_fail_points if rec.safety_failure else model.fail_points
            label = "监督抽查不合格（安全项目）" if rec.safety_failure else "监督抽查不合格"
            items.append(_item("spotcheck", label, -round(pts * w, 2), Reason("credit.spotcheck_failed", {
                "day": rec.sampled_on.isoformat(), "report_no": rec.report_no or "", "items": list(rec.failing_items),
                "weight": w})))
        elif rec.verdict == "合格":
            passes += model.pass_points * w
    if passes:
        items.append(_item("spotcheck_pass", "监督抽查合格", round(min(passes, model.pass_cap), 2),
                           Reason("credit.pass_cap", {"cap": model.pass_cap})))
    return items


def _complaint_items(inp: CreditInputs, model: CreditModel) -> list[CreditItem]:
    """Justified complaints per 千万元 of sales (per case when the sales are unknown), capped."""
    if not inp.justified_complaints:
        return []
    if inp.sales_10m_yuan and inp.sales_10m_yuan > 0:
        rate = inp.justified_complaints / inp.sales_10m_yuan
        detail = Reason("credit.complaints_rate", {"n": inp.justified_complaints, "sales": inp.sales_10m_yuan,
                                                   "rate": rate})
    else:
        rate = float(inp.justified_complaints)
        detail = Reason("credit.complaints_count", {"n": inp.justified_complaints})
    return [_item("complaints", "属实投诉", -round(min(rate * model.complaint_points, model.complaint_cap), 2),
                  detail)]


def _weighted(facts: Sequence[tuple[dt.date, str, Reason]], points: dict[str, float], fallback: tuple[str, float],
              factor: str, label: str, model: CreditModel, today: dt.date) -> list[CreditItem]:
    """Dated facts (day, level, reason without its day and weight) weighted by their age: recalls by risk level,
    penalties by severity."""
    items: list[CreditItem] = []
    for day, level, reason in facts:
        w = recency_weight(day, today, model)
        if w:
            pts = points.get(level, points.get(fallback[0], fallback[1]))
            items.append(_item(factor, label, -round(pts * w, 2),
                               Reason(reason.code, {"day": day.isoformat(), **reason.params, "weight": w})))
    return items


def _counted(rows: Sequence[tuple[int, str, str, float, str]]) -> list[CreditItem]:
    """Counted facts (n, factor, label, points, reason code); a zero count adds no line."""
    return [_item(factor, label, points, Reason(code, {"n": n})) for n, factor, label, points, code in rows if n]


def _capped(klass: str, inp: CreditInputs, model: CreditModel, today: dt.date) -> tuple[str, list[Reason]]:
    """The class after the caps (a serious listing → D; a recent safety failure or serious penalty → at most the
    model's cap), with the reason of each cap that lowered it."""
    caps: list[Reason] = []
    if inp.serious_listed:  # SAMR Order No. 44 (2021): listed → the highest-risk class whatever the score
        if klass != "D":
            caps.append(Reason("credit.cap_serious_listed"))
        klass = "D"
    recent = today - dt.timedelta(days=model.cap_days)
    if any(r.verdict == "不合格" and r.safety_failure and recent <= r.sampled_on <= today for r in inp.inspections):
        new = _worse(klass, model.safety_failure_cap)
        if new != klass:
            caps.append(Reason("credit.cap_safety_failure", {"days": model.cap_days,
                                                             "klass": model.safety_failure_cap}))
        klass = new
    if any(sev == "serious" and recent <= d <= today for d, sev, _ in inp.penalties):
        new = _worse(klass, model.serious_penalty_cap)
        if new != klass:
            caps.append(Reason("credit.cap_serious_penalty", {"days": model.cap_days,
                                                              "klass": model.serious_penalty_cap}))
        klass = new
    return klass, caps


def score_credit(inp: CreditInputs, model: CreditModel, today: dt.date) -> CreditResult:
    """Score one enterprise: every point added or taken is one line of the breakdown (评分明细)."""
    items: list[CreditItem] = [CreditItem("base", "基础分", model.base)]
    items += _inspection_items(inp, model, today)
    items += _complaint_items(inp, model)
    items += _weighted([(d, level, Reason("credit.recall", {"level": level})) for d, level in inp.recalls],
                       model.recall_points, ("medium", 6.0), "recall", "缺陷产品召回", model, today)
    items += _counted([
        (inp.certs_suspended, "certificates", "认证证书暂停", -model.cert_suspended_points * inp.certs_suspended,
         "credit.certificates"),
        (inp.certs_withdrawn, "certificates", "认证证书撤销/注销", -model.cert_withdrawn_points * inp.certs_withdrawn,
         "credit.certificates"),
        (inp.ccc_missing, "ccc", "强制性认证产品无有效 CCC 证书",
         -min(model.ccc_missing_points * inp.ccc_missing, model.ccc_missing_cap), "credit.products")])
    items += _weighted([(d, sev, Reason("credit.penalty", {"decision_no": no, "severity": sev}))
                        for d, sev, no in inp.penalties],
                       model.penalty_points, ("general", 8.0), "penalty", "行政处罚", model, today)
    items += _counted([
        (inp.stable_listings, "stable", "稳定合格产品", min(model.stable_points * inp.stable_listings, model.stable_cap),
         "credit.listed_products"),
        (inp.system_certs, "system_cert", "有效管理体系认证",
         min(model.system_cert_points * inp.system_certs, model.system_cert_cap), "credit.certificates")])
    items += [_item("listing_abnormal", "列入经营异常名录", -model.abnormal_points, Reason("credit.entry", {"text": r}))
              for r in inp.abnormal_entries]
    items += [_item("listing_serious", "列入严重违法失信名单", 0.0, Reason("credit.entry", {"text": no}))
              for no in inp.serious_listed]
    score = round(min(max(sum(i.points for i in items), 0.0), 100.0), 2)
    klass, caps = _capped(class_for(score, model), inp, model, today)
    return CreditResult(score, klass, tuple(items), tuple(sentence([c]) for c in caps), tuple(caps))


PENALTY_SEVERITIES = ("minor", "general", "serious")
PENALTY_ZH = {"minor": "轻微", "general": "一般", "serious": "情节严重"}


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
