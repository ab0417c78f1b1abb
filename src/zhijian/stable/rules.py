"""稳定合格产品 — the eligibility rule engine, pure: plain dataclasses of evidence in, explained verdicts out.

The association's official criteria are not public, so they are data: a `RuleSet` (version, effective date,
typed criteria with parameters) that the association edits by adding versions. The defaults follow the
analogous programmes in docs/DOMAIN.md (provincial 优质产品: ≥ 3 years of stable production, no failed check
at provincial level or above in the last years; the former 免检 certificates: valid 3 years, revoked on a
failure).

Every criterion answers met / not_met / unknown with the evidence it looked at. Missing data (a room that is
not installed, a credit class never computed, a certificate list nobody can read) is *unknown*, never *met*.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from zhijian.platform.errors import DomainError

MET, NOT_MET, UNKNOWN = "met", "not_met", "unknown"
ELIGIBLE, INELIGIBLE, UNDETERMINED = "eligible", "ineligible", "undetermined"
LEVELS = ("national", "provincial", "municipal", "county")
LEVEL_ZH = {"national": "国家", "provincial": "省级", "municipal": "市级", "county": "县级"}
CONFORMING, NONCONFORMING = "合格", "不合格"
CREDIT_CLASSES = ("A", "B", "C", "D")


# ---------------------------------------------------------------- evidence (plain data, no database)


@dataclass(frozen=True)
class Inspection:
    """One spot-check batch as the rules see it (a subset of spotcheck's InspectionRecord)."""

    batch_id: int
    plan_level: str
    plan_year: int
    enterprise_id: int
    brand: str
    model: str
    sampled_on: dt.date
    final_verdict: str | None  # 合格 / 不合格 / None while not final (objection window, re-test pending)
    product_id: int | None = None
    retested: bool = False
    failing_items: tuple[str, ...] = ()
    report_no: str | None = None

    @classmethod
    def from_record(cls, rec: Any) -> Inspection:
        """Take the fields we need from any object shaped like spotcheck's InspectionRecord."""
        return cls(batch_id=int(rec.batch_id), plan_level=str(rec.plan_level), plan_year=int(rec.plan_year),
                   enterprise_id=int(rec.enterprise_id), brand=str(rec.brand or ""), model=str(rec.model or ""),
                   sampled_on=rec.sampled_on, final_verdict=rec.final_verdict, product_id=rec.product_id,
                   retested=bool(getattr(rec, "retested", False)),
                   failing_items=tuple(getattr(rec, "failing_items", None) or ()),
                   report_no=getattr(rec, "report_no", None))


@dataclass(frozen=True)
class Certificate:
    """A product certificate as the rules see it (consumer room's CertificateInfo)."""

    number: str
    kind: str
    status: str  # valid / suspended / withdrawn / expired / cancelled
    valid_until: dt.date | None


@dataclass(frozen=True)
class ProductRef:
    """The product under evaluation: identity is enterprise + brand + model (型号规格)."""

    product_id: int
    enterprise_id: int
    brand: str
    model: str
    requires_ccc: bool = False
    # former (brand, model) pairs declared for a renamed product (更名), matched like the current one
    aliases: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Evidence:
    """Everything one evaluation looks at. `None` means the source could not be read → unknown."""

    product: ProductRef
    as_of: dt.date
    inspections: tuple[Inspection, ...] | None = None
    justified_complaints: int | None = None
    credit_class: str | None = None
    certificates: tuple[Certificate, ...] | None = None


# ---------------------------------------------------------------- rule sets


@dataclass(frozen=True)
class Criterion:
    """One typed criterion: `kind` names the check, `params` its settings (validated by `parse_ruleset`)."""

    kind: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleSet:
    """评定规则 — a versioned set of criteria; evaluations on or after `effective_from` may use it."""

    version: int
    effective_from: dt.date
    criteria: tuple[Criterion, ...]
    model_similarity: float = 0.85  # minimum similarity of normalised model strings (0–1)
    digits_must_match: bool = True  # "BCD-215" and "BCD-216" are different models, however similar
    name: str = ""


def _levels(value: Any, field_: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not value or any(v not in LEVELS for v in value):
        raise DomainError("stable.bad_rule", f"规则参数「{field_}」应为非空的抽查级别列表（{', '.join(LEVELS)}）",
                          f"rule parameter '{field_}' must be a non-empty list of levels ({', '.join(LEVELS)})",
                          field=field_)
    return tuple(value)


def _int(value: Any, field_: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise DomainError("stable.bad_rule", f"规则参数「{field_}」应为 {lo} 到 {hi} 之间的整数",
                          f"rule parameter '{field_}' must be an integer from {lo} to {hi}", field=field_)
    return value


def _bool(value: Any, field_: str) -> bool:
    if not isinstance(value, bool):
        raise DomainError("stable.bad_rule", f"规则参数「{field_}」应为 true 或 false",
                          f"rule parameter '{field_}' must be true or false", field=field_)
    return value


def _strs(value: Any, field_: str, allowed: Sequence[str] | None = None) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v for v in value) or (
            allowed is not None and any(v not in allowed for v in value)):
        extra = f"（可选 {', '.join(allowed)}）" if allowed else ""
        raise DomainError("stable.bad_rule", f"规则参数「{field_}」应为文字列表{extra}",
                          f"rule parameter '{field_}' must be a list of strings", field=field_)
    return tuple(value)


# kind → (zh label, defaults, validators)
_SPEC: dict[str, tuple[str, dict[str, Any], dict[str, Callable[[Any, str], Any]]]] = {
    "conforming_results": ("抽查合格次数", {"min_count": 3, "levels": ["national", "provincial", "municipal"],
                                        "window_years": 3},
                           {"min_count": lambda v, f: _int(v, f, 1, 100), "levels": _levels,
                            "window_years": lambda v, f: _int(v, f, 1, 20)}),
    "consecutive_years": ("连续合格年数", {"min_years": 3, "levels": ["national", "provincial", "municipal"],
                                       "max_lag_years": 1},
                          {"min_years": lambda v, f: _int(v, f, 1, 20), "levels": _levels,
                           "max_lag_years": lambda v, f: _int(v, f, 0, 5)}),
    "no_nonconforming": ("期内无不合格", {"window_years": 3, "levels": list(LEVELS), "pending_is_unknown": True},
                         {"window_years": lambda v, f: _int(v, f, 1, 20), "levels": _levels,
                          "pending_is_unknown": _bool}),
    "complaints": ("有效投诉", {"max_justified": 0, "window_years": 3},
                   {"max_justified": lambda v, f: _int(v, f, 0, 10_000), "window_years": lambda v, f: _int(v, f, 1, 20)}),
    "credit_class": ("企业信用等级", {"excluded": ["C", "D"]},
                     {"excluded": lambda v, f: _strs(v, f, CREDIT_CLASSES)}),
    "mandatory_certification": ("强制性认证", {"kinds": ["CCC"]}, {"kinds": _strs}),
}
CRITERION_KINDS = tuple(_SPEC)


def criterion_label(kind: str) -> str:
    return _SPEC[kind][0] if kind in _SPEC else kind


def default_ruleset_data() -> dict[str, Any]:
    """The defaults (version 1) as editable JSON."""
    return {"version": 1, "name": "默认规则（参照省级优质产品评价与原免检制度）", "effective_from": "2024-01-01",
            "model_similarity": 0.85, "digits_must_match": True,
            "criteria": [{"kind": k, "params": dict(spec[1])} for k, spec in _SPEC.items()]}


def parse_ruleset(data: dict[str, Any]) -> RuleSet:
    """Validate a rule set given as JSON; name the bad field. Missing params take the defaults."""
    if not isinstance(data, dict):
        raise DomainError("stable.bad_ruleset", "规则集应为 JSON 对象", "a rule set must be a JSON object")
    version = _int(data.get("version"), "version", 1, 1_000_000)
    raw_date = data.get("effective_from")
    try:
        effective = raw_date if isinstance(raw_date, dt.date) else dt.date.fromisoformat(str(raw_date))
    except ValueError:
        raise DomainError("stable.bad_ruleset", "生效日期「effective_from」应为 YYYY-MM-DD",
                          "effective_from must be a date (YYYY-MM-DD)", field="effective_from") from None
    sim = data.get("model_similarity", 0.85)
    if isinstance(sim, bool) or not isinstance(sim, int | float) or not 0.5 <= float(sim) <= 1.0:
        raise DomainError("stable.bad_ruleset", "型号相似度阈值「model_similarity」应在 0.5 到 1 之间",
                          "model_similarity must be between 0.5 and 1", field="model_similarity")
    digits = _bool(data.get("digits_must_match", True), "digits_must_match")
    raw = data.get("criteria")
    if not isinstance(raw, list) or not raw:
        raise DomainError("stable.bad_ruleset", "规则集至少要有一条准则「criteria」",
                          "a rule set needs at least one criterion", field="criteria")
    criteria: list[Criterion] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        kind = item.get("kind") if isinstance(item, dict) else None
        if kind not in _SPEC:
            raise DomainError("stable.bad_rule", f"第 {i + 1} 条准则的类型「{kind}」未知（可选 {', '.join(_SPEC)}）",
                              f"criterion {i + 1}: unknown kind '{kind}' (one of {', '.join(_SPEC)})",
                              field=f"criteria.{i}.kind")
        if kind in seen:
            raise DomainError("stable.bad_rule", f"准则「{kind}」重复", f"criterion '{kind}' appears twice",
                              field=f"criteria.{i}.kind")
        seen.add(kind)
        _label, defaults, validators = _SPEC[kind]
        params = item.get("params") or {}
        if not isinstance(params, dict):
            raise DomainError("stable.bad_rule", f"准则「{kind}」的参数应为对象", f"params of '{kind}' must be an object",
                              field=f"criteria.{i}.params")
        unknown = set(params) - set(defaults)
        if unknown:
            name = sorted(unknown)[0]
            raise DomainError("stable.bad_rule", f"准则「{kind}」没有参数「{name}」", f"criterion '{kind}' has no parameter '{name}'",
                              field=f"criteria.{i}.params.{name}")
        merged = {**defaults, **params}
        checked = {k: validators[k](v, f"criteria.{i}.params.{k}") for k, v in merged.items()}
        criteria.append(Criterion(kind, {k: list(v) if isinstance(v, tuple) else v for k, v in checked.items()}))
    return RuleSet(version=version, effective_from=effective, criteria=tuple(criteria), model_similarity=float(sim),
                   digits_must_match=digits, name=str(data.get("name") or ""))


def ruleset_to_data(rs: RuleSet) -> dict[str, Any]:
    return {"version": rs.version, "name": rs.name, "effective_from": rs.effective_from.isoformat(),
            "model_similarity": rs.model_similarity, "digits_must_match": rs.digits_must_match,
            "criteria": [{"kind": c.kind, "params": dict(c.params)} for c in rs.criteria]}


def ruleset_in_force(rulesets: Iterable[RuleSet], on: dt.date) -> RuleSet | None:
    """The rule set an evaluation on `on` uses: the latest effective date ≤ on (then the highest version)."""
    usable = [r for r in rulesets if r.effective_from <= on]
    return max(usable, key=lambda r: (r.effective_from, r.version)) if usable else None


# ---------------------------------------------------------------- product identity (tolerant model matching)

_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―_/\\·.,，。:：()（）\[\]【】'\"]+")


def normalize_model(text: str) -> str:
    """型号归一化: full-width → half-width (NFKC), case-folded, spaces, hyphens and punctuation removed."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text or "")).casefold()


def model_similarity(a: str, b: str) -> float:
    """Similarity (0–1) of two model strings after normalisation (difflib ratio)."""
    na, nb = normalize_model(a), normalize_model(b)
    if na == nb:
        return 1.0
    if not na or not nb:
        return 0.0
    return difflib.SequenceMatcher(None, na, nb, autojunk=False).ratio()


def _digits(text: str) -> str:
    return "".join(ch for ch in normalize_model(text) if ch.isdigit())


def match_inspection(product: ProductRef, rec: Inspection, threshold: float, digits_must_match: bool = True,
                     ) -> str | None:
    """How a record belongs to the product — "product_id", "exact", "similar 0.92", "alias …" — or None."""
    if rec.product_id is not None and rec.product_id == product.product_id:
        return "product_id"
    if rec.enterprise_id != product.enterprise_id:
        return None
    names = [(product.brand, product.model, "")] + [(b, m, "alias ") for b, m in product.aliases]
    best: str | None = None
    for brand, model, prefix in names:
        if normalize_model(brand) != normalize_model(rec.brand):
            continue
        if digits_must_match and _digits(model) != _digits(rec.model):
            continue
        sim = model_similarity(model, rec.model)
        if sim >= 1.0:
            return prefix + "exact" if prefix else "exact"
        if sim >= threshold and best is None:
            best = f"{prefix}similar {sim:.2f}"
    return best


# ---------------------------------------------------------------- outcomes


@dataclass(frozen=True)
class Outcome:
    """One criterion's answer with its reason (zh/en) and the evidence it used."""

    kind: str
    label: str
    status: str  # met / not_met / unknown
    reason_zh: str
    reason_en: str
    params: dict[str, Any]
    evidence: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Evaluation:
    """评定结果 — overall eligible / ineligible / undetermined, with each criterion explained."""

    ruleset_version: int
    as_of: dt.date
    product_id: int
    outcome: str
    outcomes: tuple[Outcome, ...]
    matched: tuple[dict[str, Any], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"ruleset_version": self.ruleset_version, "as_of": self.as_of.isoformat(), "product_id": self.product_id,
                "outcome": self.outcome, "matched_inspections": list(self.matched),
                "criteria": [{"kind": o.kind, "label": o.label, "status": o.status, "reason_zh": o.reason_zh,
                              "reason_en": o.reason_en, "params": o.params, "evidence": list(o.evidence)}
                             for o in self.outcomes]}


def _years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` earlier (29 Feb → 28 Feb)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def window_start(as_of: dt.date, years: int) -> dt.date:
    """First day of a window of `years` years ending on `as_of` (both ends included)."""
    return _years_before(as_of, years) + dt.timedelta(days=1)


def _rec_ev(rec: Inspection, how: str) -> dict[str, Any]:
    return {"batch_id": rec.batch_id, "level": rec.plan_level, "year": rec.plan_year,
            "sampled_on": rec.sampled_on.isoformat(), "brand": rec.brand, "model": rec.model,
            "verdict": rec.final_verdict, "retested": rec.retested, "failing_items": list(rec.failing_items),
            "report_no": rec.report_no, "match": how}


def _unknown(c: Criterion, zh: str, en: str) -> Outcome:
    return Outcome(c.kind, criterion_label(c.kind), UNKNOWN, zh, en, dict(c.params))


def _conforming_results(c: Criterion, ev: Evidence, recs: list[tuple[Inspection, str]] | None) -> Outcome:
    if recs is None:
        return _unknown(c, "无法读取抽查记录（监督抽查模块未启用）", "spot-check history unavailable")
    p = c.params
    start = window_start(ev.as_of, p["window_years"])
    hits = [(r, h) for r, h in recs if r.final_verdict == CONFORMING and r.plan_level in p["levels"]
            and start <= r.sampled_on <= ev.as_of]
    n = len(hits)
    levels = "、".join(LEVEL_ZH[x] for x in p["levels"])
    status = MET if n >= p["min_count"] else NOT_MET
    return Outcome(c.kind, criterion_label(c.kind), status,
                   f"{start}至{ev.as_of}期间{levels}抽查合格 {n} 次，要求至少 {p['min_count']} 次",
                   f"{n} conforming results ({', '.join(p['levels'])}) from {start} to {ev.as_of}; "
                   f"at least {p['min_count']} required",
                   dict(p), tuple(_rec_ev(r, h) for r, h in hits))


def longest_recent_run(years: Iterable[int], latest_allowed_from: int) -> tuple[int, int | None]:
    """Longest run of consecutive years whose last year ≥ `latest_allowed_from`: (length, last year)."""
    ys = sorted(set(years))
    best: tuple[int, int | None] = (0, None)
    run_start = 0
    for i, y in enumerate(ys):
        if i > 0 and y != ys[i - 1] + 1:
            run_start = i
        length = i - run_start + 1
        if y >= latest_allowed_from and length >= best[0]:
            best = (length, y)
    return best


def _consecutive_years(c: Criterion, ev: Evidence, recs: list[tuple[Inspection, str]] | None) -> Outcome:
    if recs is None:
        return _unknown(c, "无法读取抽查记录（监督抽查模块未启用）", "spot-check history unavailable")
    p = c.params
    ok = [(r, h) for r, h in recs if r.final_verdict == CONFORMING and r.plan_level in p["levels"]
          and r.sampled_on <= ev.as_of]
    latest_from = ev.as_of.year - p["max_lag_years"]
    length, last = longest_recent_run((r.plan_year for r, _ in ok), latest_from)
    years = sorted({r.plan_year for r, _ in ok})
    status = MET if length >= p["min_years"] else NOT_MET
    span = f"{last - length + 1}–{last}" if last is not None and length else "无"
    return Outcome(c.kind, criterion_label(c.kind), status,
                   f"合格年份 {years or '无'}；截至 {latest_from} 年或之后的最长连续年数 {length}（{span}），要求至少 "
                   f"{p['min_years']} 年",
                   f"conforming years {years}; longest run reaching {latest_from} or later: {length} "
                   f"({span if last else 'none'}); at least {p['min_years']} required",
                   dict(p), tuple(_rec_ev(r, h) for r, h in ok))


def _no_nonconforming(c: Criterion, ev: Evidence, recs: list[tuple[Inspection, str]] | None) -> Outcome:
    if recs is None:
        return _unknown(c, "无法读取抽查记录（监督抽查模块未启用）", "spot-check history unavailable")
    p = c.params
    start = window_start(ev.as_of, p["window_years"])
    inside = [(r, h) for r, h in recs if r.plan_level in p["levels"] and start <= r.sampled_on <= ev.as_of]
    failed = [(r, h) for r, h in inside if r.final_verdict == NONCONFORMING]
    pending = [(r, h) for r, h in inside if r.final_verdict is None]
    if failed:
        return Outcome(c.kind, criterion_label(c.kind), NOT_MET,
                       f"{start}至{ev.as_of}期间有 {len(failed)} 批次最终判定不合格",
                       f"{len(failed)} final non-conforming result(s) from {start} to {ev.as_of}",
                       dict(p), tuple(_rec_ev(r, h) for r, h in failed))
    if pending and p["pending_is_unknown"]:
        return Outcome(c.kind, criterion_label(c.kind), UNKNOWN,
                       f"{len(pending)} 批次尚无最终结论（异议期或复检中），待定",
                       f"{len(pending)} batch(es) not yet final (objection window or re-test)",
                       dict(p), tuple(_rec_ev(r, h) for r, h in pending))
    if not inside:
        return Outcome(c.kind, criterion_label(c.kind), UNKNOWN,
                       f"{start}至{ev.as_of}期间没有抽查记录，无从判断", f"no spot checks from {start} to {ev.as_of}",
                       dict(p))
    return Outcome(c.kind, criterion_label(c.kind), MET,
                   f"{start}至{ev.as_of}期间 {len(inside)} 批次均无最终不合格（复检结论为准）",
                   f"none of {len(inside)} batch(es) from {start} to {ev.as_of} is finally non-conforming "
                   "(re-test outcomes count)", dict(p), tuple(_rec_ev(r, h) for r, h in inside))


def _complaints(c: Criterion, ev: Evidence) -> Outcome:
    p = c.params
    if ev.justified_complaints is None:
        return _unknown(c, "无法读取投诉数据（投诉举报模块未启用）", "complaint data unavailable")
    n = ev.justified_complaints
    status = MET if n <= p["max_justified"] else NOT_MET
    return Outcome(c.kind, criterion_label(c.kind), status,
                   f"近 {p['window_years']} 年有效投诉 {n} 件，上限 {p['max_justified']} 件",
                   f"{n} justified complaint(s) in {p['window_years']} years; at most {p['max_justified']} allowed",
                   dict(p), ({"justified_complaints": n},))


def _credit_class(c: Criterion, ev: Evidence) -> Outcome:
    p = c.params
    cls = (ev.credit_class or "").strip().upper()
    if not cls:
        return _unknown(c, "企业尚无信用等级", "the enterprise has no credit class yet")
    status = NOT_MET if cls in p["excluded"] else MET
    return Outcome(c.kind, criterion_label(c.kind), status,
                   f"企业信用等级 {cls}（不得为 {'、'.join(p['excluded'])}）",
                   f"credit class {cls} (must not be {', '.join(p['excluded'])})", dict(p), ({"credit_class": cls},))


def _certification(c: Criterion, ev: Evidence) -> Outcome:
    p = c.params
    if not ev.product.requires_ccc:
        return Outcome(c.kind, criterion_label(c.kind), MET, "该类别不属于强制性认证目录，不适用",
                       "the category needs no mandatory certification (not applicable)", dict(p),
                       ({"required": False},))
    if ev.certificates is None:
        return _unknown(c, "该类别须强制性认证，但无法读取证书数据", "certification required but certificates unavailable")
    kinds = {k.upper() for k in p["kinds"]}
    relevant = [x for x in ev.certificates if x.kind.upper() in kinds]
    valid = [x for x in relevant if x.status == "valid" and (x.valid_until is None or x.valid_until >= ev.as_of)]
    evid = tuple({"number": x.number, "kind": x.kind, "status": x.status,
                  "valid_until": x.valid_until.isoformat() if x.valid_until else None} for x in relevant)
    if valid:
        return Outcome(c.kind, criterion_label(c.kind), MET, f"持有有效 {valid[0].kind} 证书 {valid[0].number}",
                       f"valid {valid[0].kind} certificate {valid[0].number}", dict(p), evid)
    return Outcome(c.kind, criterion_label(c.kind), NOT_MET,
                   f"该类别须 {'/'.join(p['kinds'])} 认证，未见有效证书（{len(relevant)} 张均无效或过期）",
                   f"{'/'.join(p['kinds'])} required; no valid certificate ({len(relevant)} invalid or expired)",
                   dict(p), evid)


def matched_inspections(rs: RuleSet, ev: Evidence) -> list[tuple[Inspection, str]] | None:
    if ev.inspections is None:
        return None
    out = []
    for rec in ev.inspections:
        how = match_inspection(ev.product, rec, rs.model_similarity, rs.digits_must_match)
        if how is not None:
            out.append((rec, how))
    return sorted(out, key=lambda t: (t[0].sampled_on, t[0].batch_id))


def failures_since(rs: RuleSet, product: ProductRef, inspections: Iterable[Inspection], since: dt.date,
                   ) -> list[Inspection]:
    """Final 不合格 results of this product sampled on or after `since` (oldest first): grounds to review a listing."""
    bad = [r for r in inspections if r.final_verdict == NONCONFORMING and r.sampled_on >= since
           and match_inspection(product, r, rs.model_similarity, rs.digits_must_match)]
    return sorted(bad, key=lambda r: (r.sampled_on, r.batch_id))


def overall(statuses: Iterable[str]) -> str:
    """Any not met → ineligible; else any unknown → undetermined; else eligible."""
    s = list(statuses)
    if NOT_MET in s:
        return INELIGIBLE
    if UNKNOWN in s:
        return UNDETERMINED
    return ELIGIBLE


def evaluate(rs: RuleSet, ev: Evidence) -> Evaluation:
    """评定 — apply every criterion of the rule set to the evidence, explaining each answer."""
    recs = matched_inspections(rs, ev)
    outs: list[Outcome] = []
    for c in rs.criteria:
        if c.kind == "conforming_results":
            outs.append(_conforming_results(c, ev, recs))
        elif c.kind == "consecutive_years":
            outs.append(_consecutive_years(c, ev, recs))
        elif c.kind == "no_nonconforming":
            outs.append(_no_nonconforming(c, ev, recs))
        elif c.kind == "complaints":
            outs.append(_complaints(c, ev))
        elif c.kind == "credit_class":
            outs.append(_credit_class(c, ev))
        elif c.kind == "mandatory_certification":
            outs.append(_certification(c, ev))
        else:  # parse_ruleset forbids this; keep the engine total anyway
            outs.append(_unknown(c, f"未知准则 {c.kind}", f"unknown criterion {c.kind}"))
    return Evaluation(rs.version, ev.as_of, ev.product.product_id, overall(o.status for o in outs), tuple(outs),
                      tuple(_rec_ev(r, h) for r, h in (recs or [])))


# ---------------------------------------------------------------- listings: numbering, validity, status


def announcement_label(year: int, number: int) -> str:
    """公告编号: "2026年第1号"."""
    return f"{year}年第{number}号"


def next_number(existing_numbers: Iterable[int | None]) -> int:
    return max((n for n in existing_numbers if n), default=0) + 1


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def listing_state(status: str, valid_until: dt.date | None, today: dt.date, flagged: bool) -> str:
    """What the public sees: pending / valid / under_review / expired / revoked."""
    if status == "revoked":
        return "revoked"
    if status != "listed":
        return "pending"
    if valid_until is not None and valid_until < today:
        return "expired"
    return "under_review" if flagged else "valid"


STATE_ZH = {"pending": "待公告", "valid": "有效", "under_review": "复核中", "expired": "已过期", "revoked": "已撤销"}
