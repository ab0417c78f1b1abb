"""Switching rules (转移规则) of GB/T 2828.1-2012 §9 / ISO 2859-1:1999 as a state machine.

normal → tightened: 2 of 5 or fewer consecutive original lots not accepted (§9.3.1);
tightened → normal: 5 consecutive original lots accepted (§9.3.2);
normal → reduced: switching score ≥ 30, steady production and the authority's approval (§9.3.3);
reduced → normal: a lot not accepted, irregular production or other conditions (§9.3.4);
discontinue: 5 lots not accepted (cumulative) on original tightened inspection (§9.4).

The switching-score increments (§9.3.3) are configurable because their text could not be
checked against a citable copy of the standard (see ``SwitchingRules``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from zhijian.stats._validate import err, positive_int
from zhijian.stats.sampling import find_plan, load_tables, parse_aql, tighter_aql


@dataclass(frozen=True)
class SwitchingRules:
    """Parameters of the switching scheme (defaults: ISO 2859-1:1999 as recalled, see notes)."""

    normal_to_tightened_not_accepted: int = 2
    normal_to_tightened_window: int = 5
    tightened_to_normal_accepted: int = 5
    discontinue_not_accepted: int = 5
    score_threshold: int = 30
    score_add_ac_ge_2: int = 3
    score_add_ac_le_1: int = 2
    score_add_double_first: int = 3
    authority_approves_reduced: bool = True
    increments_confirmed: bool = False


@dataclass(frozen=True)
class LotResult:
    """One lot submitted for original inspection (送检批)."""

    lot_size: int
    nonconforming: int | None = None
    nonconforming_second: int | None = None
    accepted: bool | None = None
    production_irregular: bool = False
    lot_id: str | None = None


@dataclass
class LotStep:
    index: int
    lot_id: str | None
    severity: str
    plan: dict[str, Any] | None
    nonconforming: int | None
    accepted: bool | None
    switching_score: int | None
    event: str | None = None
    event_zh: str | None = None
    next_severity: str | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SwitchingRun:
    steps: list[LotStep]
    final_severity: str
    discontinued: bool
    discontinued_at: int | None
    rules: SwitchingRules
    unconfirmed: bool
    notes: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "lots": [s.to_dict() for s in self.steps],
            "final_severity": self.final_severity,
            "discontinued": self.discontinued,
            "discontinued_at_lot": self.discontinued_at,
            "rules": asdict(self.rules),
            "unconfirmed": self.unconfirmed,
            "notes": self.notes,
        }


def _lot(raw: LotResult | Mapping[str, Any], i: int) -> LotResult:
    if isinstance(raw, LotResult):
        return raw
    where = f"lots[{i}]"

    def opt_int(key: str) -> int | None:
        v = raw.get(key)
        if v is None or v == "":
            return None
        return positive_int(v, f"{where}.{key}", minimum=0)

    def opt_bool(key: str) -> bool | None:
        v = raw.get(key)
        if v is None or v == "":
            return None
        if isinstance(v, bool):
            return v
        s = str(v).strip().lower()
        if s in ("1", "true", "yes", "y", "accept", "accepted", "接收", "是"):
            return True
        if s in ("0", "false", "no", "n", "reject", "rejected", "not accepted", "拒收", "否"):
            return False
        raise err("not_boolean", f"{where}.{key} 不是是/否值：{v!r}", f"{where}.{key} is not a yes/no value: {v!r}", f"{where}.{key}")

    if raw.get("lot_size") in (None, ""):
        raise err("missing_value", f"{where} 缺少 lot_size", f"{where} has no lot_size", f"{where}.lot_size")
    return LotResult(
        lot_size=positive_int(raw["lot_size"], f"{where}.lot_size", minimum=1),
        nonconforming=opt_int("nonconforming"),
        nonconforming_second=opt_int("nonconforming_second"),
        accepted=opt_bool("accepted"),
        production_irregular=bool(opt_bool("production_irregular") or False),
        lot_id=None if raw.get("lot_id") in (None, "") else str(raw.get("lot_id")),
    )


def run_switching(
    lots: Iterable[LotResult | Mapping[str, Any]],
    *,
    aql: float | str,
    level: str = "II",
    scheme: str = "single",
    standard: str = "gbt2828",
    rules: SwitchingRules | None = None,
    start: str = "normal",
) -> SwitchingRun:
    """Feed lot results in order; returns severity, plan and decision per lot and when to stop."""
    r = rules or SwitchingRules()
    col = parse_aql(aql, standard)
    tables = load_tables(standard)
    gap_rule = bool(tables.get("switching", {}).get("reduced_gap_rule"))
    items = [_lot(x, i) for i, x in enumerate(lots)]
    if not items:
        raise err("empty_data", "没有批次数据", "no lots given", "lots")
    severity = start
    score = 0
    normal_history: list[bool] = []
    tightened_accepted_run = 0
    tightened_not_accepted = 0
    steps: list[LotStep] = []
    any_unconfirmed = False
    discontinued_at: int | None = None
    for i, lot in enumerate(items):
        if discontinued_at is not None:
            steps.append(LotStep(i + 1, lot.lot_id, "discontinued", None, lot.nonconforming, None, None,
                                 notes=["inspection under the scheme is discontinued until corrective action (§9.4)"]))
            continue
        plan = find_plan(lot.lot_size, col, level=level, severity=severity, scheme=scheme, standard=standard)
        any_unconfirmed = any_unconfirmed or plan.unconfirmed
        notes: list[str] = []
        accepted = lot.accepted
        first_stage_accept = None
        if lot.nonconforming is not None:
            decided = plan.accepts(lot.nonconforming, lot.nonconforming_second)
            if decided is None:
                raise err(
                    "second_sample_required",
                    f"第 {i + 1} 批需要第二样本的不合格数（nonconforming_second）",
                    f"lot {i + 1} needs the second-sample count (nonconforming_second)",
                    f"lots[{i}].nonconforming_second",
                )
            if accepted is not None and accepted != decided:
                notes.append("the given 'accepted' value disagrees with the counts; the counts decide")
            accepted = decided
            first_stage_accept = lot.nonconforming <= plan.stages[0].acceptance_number
        elif accepted is None:
            raise err(
                "missing_value",
                f"第 {i + 1} 批既无不合格数也无接收结论",
                f"lot {i + 1} has neither a nonconforming count nor an accepted flag",
                f"lots[{i}].nonconforming",
            )
        step = LotStep(i + 1, lot.lot_id, severity, plan.to_dict(), lot.nonconforming, accepted, None, notes=notes)
        next_sev = severity
        if severity == "normal":
            normal_history.append(bool(accepted))
            window = normal_history[-r.normal_to_tightened_window:]
            score = _update_score(score, plan, lot, bool(accepted), first_stage_accept, col, level, scheme, standard, r, notes)
            step.switching_score = score
            if window.count(False) >= r.normal_to_tightened_not_accepted:
                next_sev = "tightened"
                step.event = f"{r.normal_to_tightened_not_accepted} of {len(window)} consecutive lots not accepted: switch to tightened inspection (§9.3.1)"
                step.event_zh = f"连续 {len(window)} 批中有 {r.normal_to_tightened_not_accepted} 批不接收：转加严检验（9.3.1）"
            elif score >= r.score_threshold and not lot.production_irregular and r.authority_approves_reduced:
                next_sev = "reduced"
                step.event = f"switching score {score} >= {r.score_threshold}, production steady, authority approves: switch to reduced inspection (§9.3.3)"
                step.event_zh = f"转移得分 {score} ≥ {r.score_threshold}，生产稳定且负责部门认可：转放宽检验（9.3.3）"
            elif score >= r.score_threshold:
                notes.append("switching score reached but production is irregular or the authority has not approved: stay on normal")
        elif severity == "tightened":
            if accepted:
                tightened_accepted_run += 1
            else:
                tightened_accepted_run = 0
                tightened_not_accepted += 1
            if tightened_not_accepted >= r.discontinue_not_accepted:
                next_sev = "discontinued"
                discontinued_at = i + 1
                step.event = f"{tightened_not_accepted} lots not accepted on tightened inspection: discontinue inspection (§9.4)"
                step.event_zh = f"加严检验累计 {tightened_not_accepted} 批不接收：暂停检验（9.4）"
            elif tightened_accepted_run >= r.tightened_to_normal_accepted:
                next_sev = "normal"
                step.event = f"{tightened_accepted_run} consecutive lots accepted on tightened inspection: return to normal (§9.3.2)"
                step.event_zh = f"加严检验连续 {tightened_accepted_run} 批接收：恢复正常检验（9.3.2）"
        else:  # reduced
            gap = (
                gap_rule
                and lot.nonconforming is not None
                and len(plan.stages) == 1
                and plan.acceptance_number < lot.nonconforming < plan.rejection_number
            )
            if not accepted or lot.production_irregular or gap:
                next_sev = "normal"
                why = "lot not accepted" if not accepted else ("production irregular" if lot.production_irregular else "Ac < d < Re on reduced plan")
                why_zh = "该批不接收" if not accepted else ("生产不稳定" if lot.production_irregular else "放宽方案 Ac < d < Re")
                step.event = f"{why}: return to normal inspection (§9.3.4)"
                step.event_zh = f"{why_zh}：恢复正常检验（9.3.4）"
        if next_sev != severity and next_sev != "discontinued":
            if next_sev == "normal":
                score = 0
                normal_history = []
            if next_sev == "tightened":
                tightened_accepted_run = 0
                tightened_not_accepted = 0
        step.next_severity = next_sev
        steps.append(step)
        severity = next_sev if next_sev != "discontinued" else severity
    run_notes = []
    if not r.increments_confirmed:
        run_notes.append(
            "switching-score increments (+3 / +2 / +3 double, else reset) follow ISO 2859-1:1999 §9.3.3 as recalled; "
            "they could not be checked against a citable copy and are configurable (threshold 30 is confirmed)"
        )
    return SwitchingRun(
        steps=steps,
        final_severity="discontinued" if discontinued_at else severity,
        discontinued=discontinued_at is not None,
        discontinued_at=discontinued_at,
        rules=r,
        unconfirmed=any_unconfirmed or not r.increments_confirmed,
        notes=run_notes,
    )


def _update_score(
    score: int,
    plan: Any,
    lot: LotResult,
    accepted: bool,
    first_stage_accept: bool | None,
    aql: str,
    level: str,
    scheme: str,
    standard: str,
    r: SwitchingRules,
    notes: list[str],
) -> int:
    """Switching score after one lot on original normal inspection (转移得分, §9.3.3)."""
    if len(plan.stages) == 2:
        if first_stage_accept is None:
            notes.append("double plan without counts: score reset (accepted on the first sample cannot be shown)")
            return 0
        return score + r.score_add_double_first if first_stage_accept else 0
    if plan.acceptance_number <= 1:
        return score + r.score_add_ac_le_1 if accepted else 0
    if not accepted:
        return 0
    if lot.nonconforming is None:
        notes.append("Ac >= 2 without a nonconforming count: the one-step-tighter test cannot be made, score reset")
        return 0
    tighter = tighter_aql(aql, standard)
    if tighter is None:
        return 0
    tplan = find_plan(lot.lot_size, tighter, level=level, severity="normal", scheme="single", standard=standard)
    if tplan.sample_size != plan.sample_size:
        notes.append(f"plan at AQL {tighter} has another sample size ({tplan.sample_size}): not comparable, score reset")
        return 0
    return score + r.score_add_ac_ge_2 if lot.nonconforming <= tplan.acceptance_number else 0
