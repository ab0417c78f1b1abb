"""抽查计划: making a plan (categories, standards, labs, decision rule), reading plans within the jurisdiction,
the plan's test items as the platform reads them, and the lab conflicts (利害关系) the draw respects."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from zhijian.catalog.models import Category, Indicator, Organization, Standard
from zhijian.platform.auth import Actor
from zhijian.platform.crud import added, flush
from zhijian.platform.db import lock_for_update
from zhijian.platform.errors import DomainError, NotFound
from zhijian.spotcheck import rules
from zhijian.spotcheck.models import (
    LabConflict,
    Plan,
    PlanCategory,
    PlanLab,
)
from zhijian.spotcheck.schemas import (
    ConflictIn,
    PlanIn,
)
from zhijian.spotcheck.service.answers import PlanRequirement
from zhijian.spotcheck.service.policy import can_read_plan, deny, jurisdiction_prefix, plan_clause

# ---------------------------------------------------------------- plans


def create_plan(session: Session, actor: Actor, data: PlanIn) -> Plan:
    """制定抽查计划 — categories with standards and targets, the labs taking part, the decision rule."""
    actor.require("regulator")
    reg_id = data.regulator_id or actor.organization_id
    reg = session.get(Organization, reg_id) if reg_id else None
    if reg is None or reg.kind != "regulator":
        raise DomainError("spotcheck.regulator_required", "计划需要组织抽查的监管部门", "a plan needs its organising regulator",
                          field="regulator_id")
    if actor.role != "admin" and not actor.owns(reg.id):
        raise deny("只能以本部门名义制定计划", "you may only plan for your own regulator")
    region = data.region_code or reg.region_code
    prefix = jurisdiction_prefix(session, actor)
    if prefix is not None and not region.startswith(prefix):
        raise DomainError("spotcheck.region_outside", f"计划范围 {region} 不在本部门辖区内",
                          f"the plan's region {region} is outside your jurisdiction", field="region_code")
    if data.period_end < data.period_start:
        raise DomainError("spotcheck.bad_period", "抽查期间结束早于开始", "the period ends before it starts", field="period_end")
    if data.repeat_exemption.strip() and data.basis not in rules.EXEMPTABLE_BASES:
        raise DomainError("spotcheck.exemption_not_allowed", "只有定向抽查和应急抽查可以免除重复抽查限制（须记录理由）",
                          "only targeted and emergency checks may be exempt from the repeat-check rule",
                          field="repeat_exemption")
    plan = Plan(code=data.code, title=data.title, year=data.year, level=data.level, regulator_id=reg.id,
                region_code=region, period_start=data.period_start,
                period_end=data.period_end, basis=data.basis, decision_rule=data.decision_rule,
                guard_factor=data.guard_factor, objection_days=data.objection_days,
                required_verifications=data.required_verifications,
                allow_self_verification=data.allow_self_verification, exclude_same_province=data.exclude_same_province,
                credit_weights=data.credit_weights, description=data.description, status="draft",
                repeat_window_months=data.repeat_window_months, repeat_exemption=data.repeat_exemption.strip())
    session.add(plan)
    flush(session, "plan")
    for i, c in enumerate(data.categories):
        if session.get(Category, c.category_id) is None:
            raise NotFound("category", c.category_id, field=f"categories.{i}.category_id")
        for sid in c.standard_ids:
            if session.get(Standard, sid) is None:
                raise NotFound("standard", sid, field=f"categories.{i}.standard_ids")
        session.add(PlanCategory(plan_id=plan.id, category_id=c.category_id, standard_ids=list(c.standard_ids),
                                 indicator_ids=c.indicator_ids, target_batches=c.target_batches,
                                 region_targets=c.region_targets))
    for i, lab_id in enumerate(dict.fromkeys(data.lab_ids)):
        lab = session.get(Organization, lab_id)
        if lab is None or lab.kind != "lab":
            raise NotFound("lab", lab_id, field=f"lab_ids.{i}")
        session.add(PlanLab(plan_id=plan.id, lab_id=lab_id))
    flush(session, "plan")
    return plan


def get_plan(session: Session, actor: Actor, plan_id: int) -> Plan:
    plan = session.get(Plan, plan_id)
    if plan is None or not can_read_plan(actor, plan, session):
        raise NotFound("plan", plan_id)
    return plan


def locked_plan(session: Session, actor: Actor, plan_id: int) -> Plan:
    """The plan locked for a state change (issue 12): concurrent changes of one plan run one at a time and each
    reads the state the previous one left (SELECT … FOR UPDATE; SQLite: the writer lock)."""
    lock_for_update(session, Plan, plan_id)
    return get_plan(session, actor, plan_id)


def get_plan_by_code(session: Session, actor: Actor, code: str) -> Plan:
    plan = session.scalar(select(Plan).where(Plan.code == code))
    if plan is None and code.isdigit():
        plan = session.get(Plan, int(code))
    if plan is None or not can_read_plan(actor, plan, session):
        raise NotFound("plan", code, field="plan")
    return plan


def list_plans(session: Session, actor: Actor, *, published_only: bool = False, year: int | None = None) -> list[Plan]:
    stmt = select(Plan).order_by(Plan.year.desc(), Plan.id.desc())
    if published_only or actor.role not in ("admin", "regulator", "inspector", "enterprise"):
        stmt = stmt.where(Plan.status == "published")
    elif actor.role in ("inspector", "enterprise"):
        stmt = stmt.where(Plan.status != "draft")
    elif actor.role == "regulator" and (prefix := jurisdiction_prefix(session, actor)) is not None:
        stmt = stmt.where(or_(Plan.status == "published", plan_clause(prefix)))
    if year:
        stmt = stmt.where(Plan.year == year)
    return list(session.scalars(stmt))


def plan_categories(session: Session, plan_id: int) -> list[PlanCategory]:
    return list(session.scalars(select(PlanCategory).where(PlanCategory.plan_id == plan_id).order_by(PlanCategory.id)))


def plan_requirements(session: Session, plan: Plan) -> list[PlanRequirement]:
    """The plan's test items with each requirement as written and as the platform reads it (shown back on the
    plan page, issue #14): a typed requirement, or manual judgement with its reason."""
    out: list[PlanRequirement] = []
    for pc in plan_categories(session, plan.id):
        for std, ind in listed_indicators(session, pc):
            req = indicator_requirement(ind)
            out.append(PlanRequirement(category_id=pc.category_id, standard=std.code, name=ind.name,
                                       requirement=ind.text or req.describe_zh, unit=ind.unit, kind=req.kind,
                                       kind_zh=rules.KIND_ZH[req.kind], parsed=req.parse_zh,
                                       parsed_en=req.parse_en))
    return out


def listed_indicators(session: Session, pc: PlanCategory) -> Iterator[tuple[Standard, Indicator]]:
    """The test items a plan category lists: the indicators of its standards (only those it names, if any)."""
    for sid in pc.standard_ids or []:
        std = session.get(Standard, sid)
        if std is None:
            continue
        for ind in std.indicators:
            if not pc.indicator_ids or ind.id in pc.indicator_ids:
                yield std, ind


def indicator_requirement(ind: Indicator) -> rules.Requirement:
    """An indicator's typed requirement, read from its columns as every path reads it."""
    return rules.requirement_from_indicator(ind.requirement_kind, ind.lower, ind.upper, ind.unit, ind.text,
                                            ind.lower_inclusive, ind.upper_inclusive)


def plan_lab_ids(session: Session, plan_id: int) -> list[int]:
    return list(session.scalars(select(PlanLab.lab_id).where(PlanLab.plan_id == plan_id).order_by(PlanLab.lab_id)))


def add_conflict(session: Session, actor: Actor, data: ConflictIn) -> LabConflict:
    """登记利害关系 — the lab will never be matched with this enterprise."""
    actor.require("regulator")
    for oid, kind, fld in ((data.lab_id, "lab", "lab_id"), (data.enterprise_id, "enterprise", "enterprise_id")):
        org = session.get(Organization, oid)
        if org is None or org.kind != kind:
            raise NotFound(kind, oid, field=fld)
    row = LabConflict(lab_id=data.lab_id, enterprise_id=data.enterprise_id, reason=data.reason)
    return added(session, row, "lab_conflict")
