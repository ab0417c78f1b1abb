"""能力验证 rules (pure): the round's states, participant codes, result checks and the scoring of a round.

A round moves enrolling → dispatched (test items sent after the homogeneity check passed) → scored → closed
(the round report issued). Scores follow ISO 13528:2015 §9 through ``zhijian.stats.proficiency``; the
signal of the score the scheme chose decides the follow-up: 有问题 (2 < |z| < 3) and 不满意 (|z| ≥ 3, |En| > 1)
open a follow-up with the lab (ISO/IEC 17043:2023 §7.4.3 — the provider comments on the performance).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from zhijian.platform.errors import DomainError, InvalidTransition
from zhijian.stats.proficiency import ParticipantScore, PTResult, score_participants

STATUSES = {"enrolling": "报名中", "dispatched": "已发样", "scored": "已评价", "closed": "已结束"}
TRANSITIONS = {"enrolling": ("dispatched",), "dispatched": ("scored",), "scored": ("closed", "dispatched"),
               "closed": ()}
SCORE_KINDS = {"z": "z 比分数", "z_prime": "z′ 比分数", "zeta": "ζ 比分数", "en": "En 值"}
SIGNALS_ZH = {"satisfactory": "满意", "questionable": "有问题", "unsatisfactory": "不满意"}
FOLLOW_UP_DAYS = 30  # the secretariat's default deadline for a root-cause analysis and corrective action
MIN_PARTICIPANTS = 3  # Algorithm A needs three results; ISO 13528 §7.7 advises ≥ 12 for consensus values


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, ()):
        raise InvalidTransition("pt_round", current, target)


def participant_code(n: int) -> str:
    """参加者编号: P001, P002 … (the order of enrolment; labs see only their own code and the others' codes)."""
    return f"P{n:03d}"


def check_code(code: str, field: str = "code") -> str:
    c = (code or "").strip()
    if not c or len(c) > 32 or any(ch.isspace() for ch in c):
        raise DomainError("association.pt.bad_code", f"编号无效：{code!r}（1–32 个字符，不含空格）",
                          f"invalid code: {code!r} (1-32 characters, no spaces)", field=field)
    return c


def check_result(value: Any, field: str = "result") -> float:
    """A reported value: a finite number (a '<LOQ' or text is refused with the field named)."""
    try:
        v = float(str(value).strip().replace("，", ".").replace(",", "."))
    except (TypeError, ValueError):
        raise DomainError("association.pt.bad_result", f"结果应为数值：{value!r}", f"the result must be a number: {value!r}",
                          field=field) from None
    if not math.isfinite(v):
        raise DomainError("association.pt.bad_result", "结果应为有限数值", "the result must be a finite number", field=field)
    return v


def check_uncertainty(value: Any, field: str = "expanded_uncertainty") -> float | None:
    if value is None or str(value).strip() == "":
        return None
    v = check_result(value, field)
    if v <= 0:
        raise DomainError("association.pt.bad_uncertainty", "扩展不确定度应大于 0", "the expanded uncertainty must be > 0",
                          field=field)
    return v


@dataclass(frozen=True)
class Design:
    """How a round obtains x_pt and σ_pt and which score decides."""

    assigned_method: str  # robust | given
    assigned_given: float | None
    assigned_given_u: float | None
    sigma_method: str  # fixed | robust
    sigma_given: float | None
    score_kind: str


def check_design(d: Design) -> Design:
    if d.assigned_method not in ("robust", "given"):
        raise DomainError("association.pt.bad_design", "指定值方法应为 robust（稳健平均值）或 given（给定值）",
                          "assigned_method must be robust or given", field="assigned_method")
    if d.assigned_method == "given" and d.assigned_given is None:
        raise DomainError("association.pt.bad_design", "给定指定值时须填写指定值", "a given assigned value is required",
                          field="assigned_given")
    if d.sigma_method not in ("fixed", "robust"):
        raise DomainError("association.pt.bad_design", "σ_pt 方法应为 fixed（规定值）或 robust（稳健标准差）",
                          "sigma_method must be fixed or robust", field="sigma_method")
    if d.sigma_method == "fixed" and (d.sigma_given is None or not d.sigma_given > 0):
        raise DomainError("association.pt.bad_design", "规定的 σ_pt 应大于 0", "a fixed σ_pt must be > 0", field="sigma_given")
    if d.score_kind not in SCORE_KINDS:
        raise DomainError("association.pt.bad_design", f"评价统计量应为 {'/'.join(SCORE_KINDS)}",
                          f"score_kind must be one of {', '.join(SCORE_KINDS)}", field="score_kind")
    if d.score_kind == "en" and d.assigned_method != "given":
        raise DomainError("association.pt.bad_design", "En 值需要带不确定度的给定指定值（参考实验室值）",
                          "En needs a given assigned value with its uncertainty", field="score_kind")
    return d


@dataclass(frozen=True)
class Submitted:
    participant: str
    result: float
    expanded_uncertainty: float | None
    coverage_factor: float | None


def score_round(design: Design, results: Sequence[Submitted], sigma_pt_override: float | None = None) -> PTResult:
    """x_pt, u(x_pt), σ_pt and every participant's z, z′, ζ, En (ISO 13528:2015 §7, §8, §9)."""
    if len(results) < MIN_PARTICIPANTS and (design.assigned_method == "robust" or design.sigma_method == "robust"):
        raise DomainError("association.pt.too_few_results", f"稳健统计至少需要 {MIN_PARTICIPANTS} 个结果，实际 {len(results)} 个",
                          f"robust statistics need at least {MIN_PARTICIPANTS} results, got {len(results)}",
                          field="results")
    if not results:
        raise DomainError("association.pt.too_few_results", "没有可评价的结果", "no results to score", field="results")
    sigma = sigma_pt_override if sigma_pt_override is not None else (
        design.sigma_given if design.sigma_method == "fixed" else None)
    return score_participants(
        [r.result for r in results], participants=[r.participant for r in results],
        expanded_uncertainties=[r.expanded_uncertainty for r in results],
        coverage_factors=[r.coverage_factor for r in results],
        assigned=design.assigned_given if design.assigned_method == "given" else None,
        assigned_expanded_uncertainty=design.assigned_given_u if design.assigned_method == "given" else None,
        sigma_pt=sigma)


def decisive_signal(score: ParticipantScore, kind: str) -> str | None:
    """The signal of the score the scheme decides by (z, z′, ζ or En)."""
    return {"z": score.z_signal, "z_prime": score.z_prime_signal, "zeta": score.zeta_signal,
            "en": score.en_signal}[kind]


def needs_follow_up(signal: str | None) -> bool:
    return signal in ("questionable", "unsatisfactory")


def follow_up_due(scored_on: dt.date, days: int = FOLLOW_UP_DAYS) -> dt.date:
    return scored_on + dt.timedelta(days=days)


def parse_pairs(text: str) -> list[list[float]]:
    """Homogeneity data typed as lines 'a b' or 'a,b' (one line per test item) → [[a, b], …]."""
    rows: list[list[float]] = []
    for i, line in enumerate((text or "").splitlines(), 1):
        parts = [p for p in line.replace("，", ",").replace(";", ",").replace("\t", ",").replace(" ", ",").split(",") if p]
        if not parts:
            continue
        rows.append([check_result(p, f"measurements[{i}]") for p in parts])
    return rows


def parse_values(text: str, field: str) -> list[float]:
    return [v for row in parse_pairs(text) for v in row] if text else []
