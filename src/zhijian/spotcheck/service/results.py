"""检验结果 and 判定: the lab enters the items of a batch (first test or the re-test of the reserve sample), a
second person verifies them (审核), the batch is judged from its items and a reviewer may override with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from zhijian.catalog.models import Category, Indicator, Standard
from zhijian.platform import audit
from zhijian.platform.auth import Actor
from zhijian.platform.crud import flush, get_or_404
from zhijian.platform.errors import Conflict, DomainError
from zhijian.spotcheck import judgement, retest, rules
from zhijian.spotcheck.models import (
    Batch,
    ItemResult,
    Objection,
    Plan,
    StateChange,
    Verification,
    table,
)
from zhijian.spotcheck.schemas import (
    ItemIn,
)
from zhijian.spotcheck.service.batches import get_batch, locked_batch, move_to
from zhijian.spotcheck.service.plans import indicator_requirement, listed_indicators, plan_categories
from zhijian.spotcheck.service.policy import entry_round, plan_of, require_lab, require_plan_owner, today

RETEST_NOTE = "复检结果录入："  # the note of a re-test entry in the history (who entered it)


# ---------------------------------------------------------------- results (检验结果) and judgement


ParsedItem = judgement.ParsedItem


@dataclass(frozen=True)
class ExpectedItem:
    """One test item (检验项目) a batch's results are expected for: an indicator of the plan's standards."""

    indicator_id: int
    name: str
    requirement: str
    unit: str
    kind: str
    method_standard: str
    is_safety: bool
    standard_code: str
    parsed: str = ""  # the requirement as the platform read it (shown back on the form)
    n: int | None = None  # sampling plan: number of sample units
    parsed_en: str = ""  # `parsed` in English (the English form)


def indicators_by_name(session: Session, plan: Plan, category_id: int) -> dict[str, tuple[Indicator, str]]:
    """The plan's indicators for a product category by item name, with their standard's GB/T 8170 method.

    The plan lists categories (possibly parents, e.g. 乳制品); a batch carries its product's own category."""
    out: dict[str, tuple[Indicator, str]] = {}
    cat = session.get(Category, category_id)
    path = cat.path if cat is not None else f"/{category_id}/"
    pcs = [pc for pc in plan_categories(session, plan.id) if f"/{pc.category_id}/" in path]
    pcs.sort(key=lambda pc: -len(path.split(f"/{pc.category_id}/", 1)[0]))  # the nearest listed ancestor first
    for pc in pcs[:1]:
        for std, ind in listed_indicators(session, pc):
            out.setdefault(ind.name, (ind, std.comparison_method))
    return out


def _item_from_input(session: Session, i: int, item: ItemIn, indicators: dict[str, tuple[Indicator, str]],
                     rule: str = "simple") -> ParsedItem:
    ind = matched = None
    method = "full"
    if item.indicator_id is not None:
        ind = matched = get_or_404(session, Indicator, item.indicator_id, "indicator", field=f"items.{i}.indicator_id")
        std = session.get(Standard, ind.standard_id)
        method = std.comparison_method if std else "full"
    elif item.name in indicators:
        # GB/T 8170-2008 §4.3: the standard says how its limits are compared (全数值 or 修约值) — also when the
        # item brings its own requirement text, as the import does (issue #14: the API compared it 全数值
        # whatever its standard said)
        matched, method = indicators[item.name]
        if item.requirement is None:
            ind = matched
    if matched is not None and item.comparison_method and item.comparison_method != method:
        raise DomainError("spotcheck.method_conflict",
                          f"第 {i + 1} 项「{item.name}」的标准规定{rules.METHOD_ZH[method]}，不能按{rules.METHOD_ZH[item.comparison_method]}判定",
                          f"item {i + 1} ({item.name}): its standard prescribes the {method} method, not "
                          f"{item.comparison_method}", field=f"items.{i}.comparison_method")
    if ind is not None:
        req = indicator_requirement(ind)
        safety = ind.is_safety if item.is_safety is None else item.is_safety
        method_std = item.method_standard or ind.method_standard
    else:
        if not item.requirement:
            raise DomainError("spotcheck.requirement_missing", f"第 {i + 1} 项「{item.name}」缺少标准要求",
                              f"item {i + 1} ({item.name}) has no requirement", field=f"items.{i}.requirement")
        req = rules.parse_requirement(item.requirement, item.requirement_unit if item.requirement_unit is not None
                                      else item.unit, field_name=f"items.{i}.requirement")
        safety = bool(item.is_safety) if item.is_safety is not None else bool(matched is not None and matched.is_safety)
        method_std = item.method_standard or (matched.method_standard if matched is not None else "")
    measured = rules.parse_measured_for(req, item.value, field_name=f"items.{i}.value", units=item.units)
    if item.units and req.kind == "plan":
        measured = rules.Measured(None, False, measured.text, units=measured.units, unit_limits=measured.unit_limits)
    return judgement.parsed_item(item.name, req, measured, unit=item.unit or req.unit, value_text=measured.text if
                                 req.kind == "plan" else str(item.value), lod=item.lod, uncertainty=item.uncertainty,
                                 method_standard=method_std, lab_verdict=item.lab_verdict, is_safety=safety,
                                 comparison_method=item.comparison_method or method,
                                 indicator_id=matched.id if matched is not None else None, rule=rule,
                                 field_prefix=f"items.{i}.", unit_field=f"items.{i}.unit")


def judge_items(items: list[ParsedItem], *, rule: str, guard_factor: float) -> list[str]:
    """Judge many items at once (spotcheck.judgement: the bulk form of rules.judge)."""
    return judgement.judge_items(items, rule=rule, guard_factor=guard_factor)


def item_rows(batch_id: int, rnd: int, items: list[ParsedItem], verdicts: list[str]) -> list[dict[str, Any]]:
    return [dict(batch_id=batch_id, round=rnd, position=i, indicator_id=it.indicator_id, name=it.name[:200],
                 unit=it.unit[:32], requirement_text=(it.req.text or it.req.describe_zh)[:300],
                 requirement_kind=it.req.kind, lower=it.req.lower, upper=it.req.upper,
                 lower_inclusive=it.req.lower_inclusive, upper_inclusive=it.req.upper_inclusive,
                 decimals=it.req.decimals, comparison_method=it.comparison_method, is_safety=it.is_safety,
                 value_text=it.value_text, value=it.measured.value, not_detected=it.measured.not_detected,
                 lod=it.lod, uncertainty=it.uncertainty, method_standard=it.method_standard,
                 lab_verdict=it.lab_verdict, verdict=v, detail=it.detail, superseded=False)
            for i, (it, v) in enumerate(zip(items, verdicts, strict=True))]


def _store_results(session: Session, actor: Actor, batch: Batch, rnd: int, items: list[ParsedItem]) -> None:
    if not items:
        raise DomainError("spotcheck.no_items", "没有检验项目", "no items were given", field="items")
    plan = plan_of(session, batch)
    verdicts = judge_items(items, rule=plan.decision_rule, guard_factor=plan.guard_factor)
    session.execute(table(ItemResult).delete().where(ItemResult.batch_id == batch.id, ItemResult.round == rnd))
    session.execute(table(Verification).delete().where(Verification.batch_id == batch.id, Verification.round == rnd))
    session.execute(insert(table(ItemResult)), item_rows(batch.id, rnd, items, verdicts))
    if rnd == 0:
        move_to(session, actor, batch, "tested", f"{len(items)} items")
    else:
        session.add(StateChange(batch_id=batch.id, from_state=batch.state, to_state=batch.state, actor=actor.label,
                                note=f"{RETEST_NOTE}{len(items)} items"))
    audit.record(session, "create", "spotcheck_item", f"batch:{batch.id}:round:{rnd}", None,
                 {"items": len(items), "failing": sum(v == rules.FAIL for v in verdicts)})


def submit_results(session: Session, actor: Actor, batch_id: int, items: list[ItemIn]) -> Batch:
    """录入检验结果 — items judged at once; the batch waits for second-person verification."""
    batch = locked_batch(session, actor, batch_id)
    rnd = entry_round(actor, batch, session)
    plan = plan_of(session, batch)
    indicators = indicators_by_name(session, plan, batch.category_id)
    parsed = [_item_from_input(session, i, it, indicators, plan.decision_rule) for i, it in enumerate(items)]
    if rnd == 1:
        retest.check_scope(session, batch, [p.name for p in parsed])
    _store_results(session, actor, batch, rnd, parsed)
    flush(session, "batch")
    return batch


def results_round(session: Session, actor: Actor, batch_id: int) -> tuple[Batch, int]:
    """The batch and the round (0 初检, 1 复检) this actor may enter results for now — read only; raises the
    same 404/403/409 as submit_results would, so a form can refuse before anything is typed."""
    batch = get_batch(session, actor, batch_id)
    return batch, entry_round(actor, batch, session)


def expected_items(session: Session, batch: Batch) -> list[ExpectedItem]:
    """The plan's indicators for the batch's category in the standards' order: the rows of the result form, the
    same indicators submit_results resolves item names against."""
    out = []
    disputed = None
    if batch.state == "objected":  # the re-test covers the disputed items only
        obj = session.scalar(select(Objection).where(Objection.batch_id == batch.id))
        disputed = set(obj.items or []) if obj is not None and obj.items else None
    for ind, _method in indicators_by_name(session, plan_of(session, batch), batch.category_id).values():
        if disputed is not None and ind.name not in disputed:
            continue
        std = session.get(Standard, ind.standard_id)
        req = indicator_requirement(ind)
        out.append(ExpectedItem(ind.id, ind.name, ind.text or req.describe_zh, ind.unit, req.kind,
                                ind.method_standard, ind.is_safety, std.code if std else "", req.parse_zh, req.n, req.parse_en))
    return out


def item_errors(session: Session, batch: Batch, items: list[ItemIn]) -> list[DomainError]:
    """Every item that submit_results would refuse, at once (read only), so a form can mark all its bad rows;
    each error's field is ``items.<i>.<field>``. submit_results checks again when saving."""
    plan = plan_of(session, batch)
    indicators = indicators_by_name(session, plan, batch.category_id)
    errors = []
    for i, it in enumerate(items):
        try:
            _item_from_input(session, i, it, indicators, plan.decision_rule)
        except DomainError as err:
            errors.append(err)
    return errors


def items_of(session: Session, actor: Actor, batch_id: int, rnd: int | None = None) -> list[ItemResult]:
    get_batch(session, actor, batch_id)
    stmt = select(ItemResult).where(ItemResult.batch_id == batch_id)
    if rnd is not None:
        stmt = stmt.where(ItemResult.round == rnd)
    return list(session.scalars(stmt.order_by(ItemResult.round, ItemResult.position)))


def explain_item(session: Session, row: ItemResult) -> dict[str, str]:
    """单项判定依据 — requirement as written, parse, comparison method, rounding, uncertainty rule, result: the
    same text on the batch page, in the PDF report and in the API."""
    batch = session.get(Batch, row.batch_id)
    plan = plan_of(session, batch) if batch is not None else None
    return judgement.explain_row(row, rule=plan.decision_rule if plan else "simple",
                                 guard_factor=plan.guard_factor if plan else 1.0)


# ---- verification, judgement, override


def verify_results(session: Session, actor: Actor, batch_id: int) -> Batch:
    """审核 — another inspector of the same lab confirms the results (self-verification off by default)."""
    batch = locked_batch(session, actor, batch_id)
    plan = plan_of(session, batch)
    if batch.state == "tested":
        rnd, lab_id, target = 0, batch.lab_id, "verified"
    elif batch.state == "objected" and session.scalar(select(func.count()).select_from(ItemResult).where(
            ItemResult.batch_id == batch.id, ItemResult.round == 1)):
        rnd, lab_id, target = 1, batch.retest_lab_id, "retested"
    else:
        raise DomainError("spotcheck.nothing_to_verify", "没有待审核的检验结果", "there are no results to verify", status=409,
                          extra={"current": batch.state})
    require_lab(actor, lab_id)
    entered_by = session.scalar(select(StateChange.actor).where(StateChange.batch_id == batch.id,
                                                                StateChange.to_state == "tested")
                                .order_by(StateChange.id.desc()))
    if rnd == 1:
        entered_by = _retest_entered_by(session, batch.id)
    if not plan.allow_self_verification and entered_by == actor.label:
        raise DomainError("spotcheck.self_verification", "录入人不能审核自己录入的结果（需要另一名检验人员）",
                          "the inspector who entered the results may not verify them (second person needed)", status=409)
    if session.scalar(select(Verification.id).where(Verification.batch_id == batch.id, Verification.round == rnd,
                                                    Verification.username == actor.username)) is not None:
        raise Conflict("spotcheck.already_verified", "您已审核过该结果", "you have already verified these results",
                       extra={"current": batch.state})
    session.add(Verification(batch_id=batch.id, round=rnd, user_id=actor.user_id, username=actor.username))
    flush(session, "verification")
    n = session.scalar(select(func.count()).select_from(Verification).where(
        Verification.batch_id == batch.id, Verification.round == rnd)) or 0
    if n >= plan.required_verifications:
        move_to(session, actor, batch, target, f"verified by {n}")
        if rnd == 1:
            _apply_retest(session, batch)
        flush(session, "batch")
    return batch


def _retest_entered_by(session: Session, batch_id: int) -> str | None:
    return session.scalar(select(StateChange.actor).where(
        StateChange.batch_id == batch_id, StateChange.note.like(RETEST_NOTE + "%")).order_by(StateChange.id.desc()))


def _verdict_of_round(session: Session, batch_id: int, rnd: int) -> rules.BatchVerdict:
    rows = session.execute(select(ItemResult.name, ItemResult.verdict, ItemResult.is_safety).where(
        ItemResult.batch_id == batch_id, ItemResult.round == rnd).order_by(ItemResult.position)).all()
    return rules.batch_verdict([(n, v, bool(s)) for n, v, s in rows])


def _apply_retest(session: Session, batch: Batch) -> None:
    retest.apply_retest(session, batch)


def judge_batch(session: Session, actor: Actor, batch_id: int) -> Batch:
    """判定 — the batch verdict from its items: 不合格 when any item fails, with the failing (safety) items."""
    batch = locked_batch(session, actor, batch_id)
    plan = plan_of(session, batch)
    if actor.role == "inspector":
        require_lab(actor, batch.lab_id)
    else:
        require_plan_owner(actor, plan)
    rules.check_transition(batch.state, "judged")
    bv = _verdict_of_round(session, batch.id, 0)
    if bv.verdict == rules.MANUAL:
        raise DomainError("spotcheck.manual_items", f"以下项目待人工判定：{'、'.join(bv.pending_items)}",
                          f"these items need the inspector's verdict: {', '.join(bv.pending_items)}", status=409)
    batch.auto_verdict = batch.verdict = bv.verdict
    batch.failing_items, batch.safety_failure = bv.failing_items, bv.safety_failure
    if not batch.report_no:
        batch.report_no = f"ZJ{plan.year}{batch.id:08d}"
        batch.report_issued_on = today()
    move_to(session, actor, batch, "judged", bv.verdict)
    flush(session, "batch")
    return batch


def override_verdict(session: Session, actor: Actor, batch_id: int, verdict: str, reason: str) -> Batch:
    """复核改判 — a reviewer may override the automatic verdict, only with a written reason (audited)."""
    batch = locked_batch(session, actor, batch_id)
    require_plan_owner(actor, plan_of(session, batch))
    if batch.state not in ("judged", "notified", "objected"):
        raise DomainError("spotcheck.cannot_override", "只有已判定、未最终确定的结果可以改判",
                          "only judged results that are not final can be overridden", status=409,
                          extra={"current": batch.state})
    if len(reason.strip()) < 4:
        raise DomainError("spotcheck.reason_required", "改判必须写明理由", "an override needs a written reason", field="reason")
    if verdict not in (rules.PASS, rules.FAIL):
        raise DomainError("spotcheck.bad_verdict", "结论应为 合格 或 不合格", "verdict must be 合格 or 不合格", field="verdict")
    batch.verdict, batch.override_reason = verdict, reason.strip()
    session.add(StateChange(batch_id=batch.id, from_state=batch.state, to_state=batch.state, actor=actor.label,
                            note=f"改判为{verdict}：{reason.strip()}"[:500]))
    flush(session, "batch")
    return batch
