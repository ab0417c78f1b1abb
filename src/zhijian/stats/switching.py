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


@dataclass
class _State:
    """Where the scheme stands between lots: severity, switching score and the run counters of §9.3/§9.4."""

    severity: str
    score: int = 0
    normal_history: list[bool] = field(default_factory=list)
    tightened_accepted_run: int = 0
    tightened_not_accepted: int = 0
    discontinued_at: int | None = None

    def switch(self, next_sev: str) -> None:
        """Enter `next_sev`: normal starts a new score and window, tightened new counters (§9.3)."""
        if next_sev != self.severity and next_sev != "discontinued":
            if next_sev == "normal":
                self.score = 0
                self.normal_history = []
            if next_sev == "tightened":
                self.tightened_accepted_run = 0
                self.tightened_not_accepted = 0
        self.severity = next_sev if next_sev != "discontinued" else self.severity


@dataclass(frozen=True)
class _Scheme:
    """The fixed inputs of one run: AQL column, inspection level, single/double, standard and the rules."""

    aql: str
    level: str
    scheme: str
    standard: str
    rules: SwitchingRules
    gap_rule: bool


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
    sch = _Scheme(col, level, scheme, standard, r, bool(tables.get("switching", {}).get("reduced_gap_rule")))
    items = [_lot(x, i) for i, x in enumerate(lots)]
    if not items:
        raise err("empty_data", "没有批次数据", "no lots given", "lots")
    state = _State(start)
    steps: list[LotStep] = []
    any_unconfirmed = False
    for i, lot in enumerate(items):
        if state.discontinued_at is not None:
            steps.append(LotStep(i + 1, lot.lot_id, "discontinued", None, lot.nonconforming, None, None,
                                 notes=["inspection under the scheme is discontinued until corrective action (§9.4)"]))
            continue
        plan = find_plan(lot.lot_size, col, level=level, severity=state.severity, scheme=scheme, standard=standard)
        any_unconfirmed = any_unconfirmed or plan.unconfirmed
        steps.append(_step(state, sch, plan, lot, i))
    run_notes = []
    if not r.increments_confirmed:
        run_notes.append(
            "switching-score increments (+3 / +2 / +3 double, else reset) follow ISO 2859-1:1999 §9.3.3 as recalled; "
            "they could not be checked against a citable copy and are configurable (threshold 30 is confirmed)"
        )
    return SwitchingRun(
        steps=steps,
        final_severity="discontinued" if state.discontinued_at else state.severity,
        discontinued=state.discontinued_at is not None,
        discontinued_at=state.discontinued_at,
        rules=r,
        unconfirmed=any_unconfirmed or not r.increments_confirmed,
        notes=run_notes,
    )


def _step(state: _State, sch: _Scheme, plan: Any, lot: LotResult, i: int) -> LotStep:
    """One lot under the current severity: its decision, the switching event it causes, the next severity."""
    notes: list[str] = []
    accepted, first_stage_accept = _decide(plan, lot, i, notes)
    step = LotStep(i + 1, lot.lot_id, state.severity, plan.to_dict(), lot.nonconforming, accepted, None, notes=notes)
    if state.severity == "normal":
        next_sev = _on_normal(state, sch, step, plan, lot, accepted, first_stage_accept)
    elif state.severity == "tightened":
        next_sev = _on_tightened(state, sch.rules, step, accepted, i)
    else:
        next_sev = _on_reduced(sch, step, plan, lot, accepted)
    state.switch(next_sev)
    step.next_severity = next_sev
    return step


def _decide(plan: Any, lot: LotResult, i: int, notes: list[str]) -> tuple[bool, bool | None]:
    """Accepted? (the counts decide over a given flag) and, for double plans, accepted on the first sample?"""
    if lot.nonconforming is not None:
        decided = plan.accepts(lot.nonconforming, lot.nonconforming_second)
        if decided is None:
            raise err(
                "second_sample_required",
                f"第 {i + 1} 批需要第二样本的不合格数（nonconforming_second）",
                f"lot {i + 1} needs the second-sample count (nonconforming_second)",
                f"lots[{i}].nonconforming_second",
            )
        if lot.accepted is not None and lot.accepted != decided:
            notes.append("the given 'accepted' value disagrees with the counts; the counts decide")
        return bool(decided), lot.nonconforming <= plan.stages[0].acceptance_number
    if lot.accepted is None:
        raise err(
            "missing_value",
            f"第 {i + 1} 批既无不合格数也无接收结论",
            f"lot {i + 1} has neither a nonconforming count nor an accepted flag",
            f"lots[{i}].nonconforming",
        )
    return lot.accepted, None


def _on_normal(state: _State, sch: _Scheme, step: LotStep, plan: Any, lot: LotResult, accepted: bool,
               first_stage_accept: bool | None) -> str:
    """Normal inspection: to tightened (§9.3.1) or, on the switching score, to reduced (§9.3.3)."""
    r = sch.rules
    state.normal_history.append(accepted)
    window = state.normal_history[-r.normal_to_tightened_window:]
    state.score = _update_score(state.score, plan, lot, accepted, first_stage_accept, sch.aql, sch.level, sch.scheme,
                                sch.standard, r, step.notes)
    score = step.switching_score = state.score
    if window.count(False) >= r.normal_to_tightened_not_accepted:
        step.event = f"{r.normal_to_tightened_not_accepted} of {len(window)} consecutive lots not accepted: switch to tightened inspection (§9.3.1)"
        step.event_zh = f"连续 {len(window)} 批中有 {r.normal_to_tightened_not_accepted} 批不接收：转加严检验（9.3.1）"
        return "tightened"
    if score >= r.score_threshold and not lot.production_irregular and r.authority_approves_reduced:
        step.event = f"switching score {score} >= {r.score_threshold}, production steady, authority approves: switch to reduced inspection (§9.3.3)"
        step.event_zh = f"转移得分 {score} ≥ {r.score_threshold}，生产稳定且负责部门认可：转放宽检验（9.3.3）"
        return "reduced"
    if score >= r.score_threshold:
        step.notes.append("switching score reached but production is irregular or the authority has not approved: stay on normal")
    return "normal"


def _on_tightened(state: _State, r: SwitchingRules, step: LotStep, accepted: bool, i: int) -> str:
    """Tightened inspection: discontinue (§9.4) or back to normal (§9.3.2)."""
    if accepted:
        state.tightened_accepted_run += 1
    else:
        state.tightened_accepted_run = 0
        state.tightened_not_accepted += 1
    if state.tightened_not_accepted >= r.discontinue_not_accepted:
        state.discontinued_at = i + 1
        step.event = f"{state.tightened_not_accepted} lots not accepted on tightened inspection: discontinue inspection (§9.4)"
        step.event_zh = f"加严检验累计 {state.tightened_not_accepted} 批不接收：暂停检验（9.4）"
        return "discontinued"
    if state.tightened_accepted_run >= r.tightened_to_normal_accepted:
        step.event = f"{state.tightened_accepted_run} consecutive lots accepted on tightened inspection: return to normal (§9.3.2)"
        step.event_zh = f"加严检验连续 {state.tightened_accepted_run} 批接收：恢复正常检验（9.3.2）"
        return "normal"
    return "tightened"


def _on_reduced(sch: _Scheme, step: LotStep, plan: Any, lot: LotResult, accepted: bool) -> str:
    """Reduced inspection: back to normal on a lot not accepted, irregular production or Ac < d < Re (§9.3.4)."""
    gap = (
        sch.gap_rule
        and lot.nonconforming is not None
        and len(plan.stages) == 1
        and plan.acceptance_number < lot.nonconforming < plan.rejection_number
    )
    if not accepted or lot.production_irregular or gap:
        why = "lot not accepted" if not accepted else ("production irregular" if lot.production_irregular else "Ac < d < Re on reduced plan")
        why_zh = "该批不接收" if not accepted else ("生产不稳定" if lot.production_irregular else "放宽方案 Ac < d < Re")
        step.event = f"{why}: return to normal inspection (§9.3.4)"
        step.event_zh = f"{why_zh}：恢复正常检验（9.3.4）"
        return "normal"
    return "reduced"


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
