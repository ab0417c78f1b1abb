"""Who may do what in the spot-check room (监督抽查的权限与管辖): the organising regulator runs its plan, a lab
edits only its own reports, an enterprise objects only to its own results; a regulator reads plans and batches of
its jurisdiction (管辖, GB/T 2260). `allowed_actions` says which workflow steps an actor may take on a batch now,
so the pages and the API show the same buttons the service will accept."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVarTuple

from sqlalchemy import Select, and_, false, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from zhijian.platform import jurisdiction
from zhijian.platform.auth import Actor
from zhijian.platform.errors import DomainError, PermissionDenied
from zhijian.spotcheck import rules
from zhijian.spotcheck.models import Batch, Draw, ItemResult, Objection, Plan

SEALED_STATES = ("final", "published", "refused")
_Row = TypeVarTuple("_Row")


def today() -> dt.date:
    """The UTC day every deadline and default date of the room is judged against."""
    return dt.datetime.now(dt.UTC).date()


# ---------------------------------------------------------------- policy (one place for the room)


def deny(zh: str, en: str) -> PermissionDenied:
    return PermissionDenied(zh, en)


def require_plan_owner(actor: Actor, plan: Plan) -> None:
    """The organising regulator (or an admin) runs the plan."""
    actor.require("regulator")
    if actor.role == "admin" or actor.owns(plan.regulator_id):
        return
    raise deny("只有组织抽查的监管部门可以操作此计划", "only the organising regulator may act on this plan")


def require_lab(actor: Actor, lab_id: int | None) -> None:
    """Labs edit only their own reports (检验机构只能编辑本机构的报告)."""
    actor.require("inspector")
    if actor.role == "admin" or (lab_id is not None and actor.owns(lab_id)):
        return
    raise deny("只能编辑本机构承检的报告", "a lab may only edit its own reports")


def jurisdiction_prefix(session: Session, actor: Actor) -> str | None:
    """The actor's jurisdiction prefix (管辖, GB/T 2260), None when not limited by region (admin, system, the
    national level, non-regulators). An actor built without its division (CLI, demo, tests) gets the one of
    its organization, as a logged-in regulator does (`platform.auth.actor_for`)."""
    if actor.role != "regulator":
        return None
    division = actor.division
    if division is None:
        cache: dict[int | None, str] = session.info.setdefault("zj_spotcheck_division", {})
        if actor.organization_id not in cache:
            cache[actor.organization_id] = jurisdiction.division_of(session, actor.organization_id)
        division = cache[actor.organization_id]
    return division or None


def _above(prefix: str) -> list[str]:
    """The division codes above a jurisdiction (3301 → 330000): their plans cover it."""
    if prefix == jurisdiction.NONE:
        return []
    return jurisdiction.ancestor_codes(prefix.ljust(6, "0"))


def plan_in_jurisdiction(prefix: str | None, plan: Plan) -> bool:
    """A regulator sees plans of its division and below, plans of the divisions above that cover it, and
    national plans (everyone's)."""
    if prefix is None:
        return True
    if prefix == jurisdiction.NONE:
        return False
    return plan.level == "national" or plan.region_code.startswith(prefix) or plan.region_code in _above(prefix)


def plan_clause(prefix: str) -> ColumnElement[bool]:
    if prefix == jurisdiction.NONE:
        return false()
    return or_(Plan.level == "national", Plan.region_code.like(f"{prefix}%"), Plan.region_code.in_(_above(prefix)))


def batch_in_jurisdiction(prefix: str | None, batch: Batch, plan: Plan) -> bool:
    """Of a plan it sees, a regulator sees the batches of its division (a higher-level plan: only those of
    enterprises within it) — and every batch of a plan of its own division or below."""
    if prefix is None:
        return True
    if not plan_in_jurisdiction(prefix, plan):
        return False
    return batch.region_code.startswith(prefix) or (plan.level != "national" and plan.region_code.startswith(prefix))


def can_read_batch(actor: Actor, batch: Batch, plan: Plan, session: Session | None = None) -> bool:
    """Before publication only the regulators of the jurisdiction, the labs involved and the enterprise itself
    see a batch; published results stay public."""
    if plan.status == "published" or actor.role == "admin":
        return True
    if actor.role == "regulator":
        assert session is not None, "a regulator's jurisdiction needs the session"
        return batch_in_jurisdiction(jurisdiction_prefix(session, actor), batch, plan)
    if actor.role == "inspector" and (actor.owns(batch.lab_id) or actor.owns(batch.retest_lab_id)):
        return True
    return actor.role == "enterprise" and actor.owns(batch.enterprise_id)


def can_read_plan(actor: Actor, plan: Plan, session: Session | None = None) -> bool:
    if plan.status == "published" or actor.role == "admin":
        return True
    if actor.role == "regulator":
        assert session is not None, "a regulator's jurisdiction needs the session"
        return plan_in_jurisdiction(jurisdiction_prefix(session, actor), plan)
    return actor.role in ("inspector", "enterprise") and plan.status != "draft"


def visible_batches(session: Session, actor: Actor, stmt: Select[*_Row]) -> Select[*_Row]:
    """The statement limited to the batches this actor may read (the set-based form of `can_read_batch`)."""
    if actor.role == "admin":
        return stmt
    published = Batch.plan_id.in_(select(Plan.id).where(Plan.status == "published"))
    if actor.role == "regulator":
        prefix = jurisdiction_prefix(session, actor)
        if prefix is None:
            return stmt
        if prefix == jurisdiction.NONE:
            return stmt.where(published)
        own = Batch.plan_id.in_(select(Plan.id).where(Plan.level != "national", Plan.region_code.like(f"{prefix}%")))
        seen = Batch.plan_id.in_(select(Plan.id).where(plan_clause(prefix)))
        return stmt.where(or_(published, and_(seen, or_(Batch.region_code.like(f"{prefix}%"), own))))
    if actor.role == "inspector" and actor.organization_id is not None:
        return stmt.where(or_(Batch.lab_id == actor.organization_id, Batch.retest_lab_id == actor.organization_id,
                              published))
    if actor.role == "enterprise" and actor.organization_id is not None:
        return stmt.where(or_(Batch.enterprise_id == actor.organization_id, published))
    return stmt.where(published)


def plan_of(session: Session, batch: Batch) -> Plan:
    """The batch's plan: every rule about a batch also reads its plan (owner, level, decision rule)."""
    plan = session.get(Plan, batch.plan_id)
    assert plan is not None
    return plan


def require_sampler(actor: Actor, batch: Batch, plan: Plan) -> None:
    """抽样 and 拒检 are recorded by the batch's lab or by the organising regulator."""
    if actor.role == "inspector":
        require_lab(actor, batch.lab_id)
    else:
        require_plan_owner(actor, plan)


def may_see_attachments(session: Session, actor: Actor, batch: Batch) -> bool:
    if actor.role == "admin":
        return True
    if actor.role == "regulator":  # within its jurisdiction only, published or not (photos are not published)
        return batch_in_jurisdiction(jurisdiction_prefix(session, actor), batch, plan_of(session, batch))
    if actor.role == "inspector" and (actor.owns(batch.lab_id) or actor.owns(batch.retest_lab_id)):
        return True
    return actor.role == "enterprise" and actor.owns(batch.enterprise_id)


def entry_round(actor: Actor, batch: Batch, session: Session) -> int:
    """Round 0 is the lab's test of a received sample; round 1 the re-test of the reserve sample (复检)."""
    if batch.state == "received":
        require_lab(actor, batch.lab_id)
        return 0
    if batch.state == "objected":
        obj = session.scalar(select(Objection).where(Objection.batch_id == batch.id))
        if obj is None or obj.status != "accepted":
            raise DomainError("spotcheck.objection_not_accepted", "异议尚未受理，不能录入复检结果",
                              "the objection has not been accepted; no re-test results yet", status=409,
                              extra={"current": obj.status if obj is not None else batch.state, "target": "accepted"})
        require_lab(actor, batch.retest_lab_id)
        if session.scalar(select(ItemResult.id).where(ItemResult.batch_id == batch.id, ItemResult.round == 1)
                          .limit(1)) is not None:  # like a tested batch: entered once, then verified
            raise DomainError("spotcheck.results_entered", "复检结果已录入，待审核", "the re-test results are entered "
                              "and wait for verification", status=409, extra={"current": batch.state, "target": "retested"})
        return 1
    raise DomainError("spotcheck.invalid_transition", f"批次处于「{rules.STATE_ZH.get(batch.state, batch.state)}」，不能录入结果",
                      f"results cannot be entered while the batch is '{batch.state}'", status=409,
                      extra={"current": batch.state, "target": "tested"})


# ---------------------------------------------------------------- what an actor may do now (allowed actions)


@dataclass(frozen=True)
class Action:
    """One step an actor may take now: `name` is the console form's action (or page), `label_zh` its button."""

    name: str
    label_zh: str


@dataclass(frozen=True)
class _Step:
    """A workflow step: from which states, into which state (None: the state stays) and who takes it."""

    name: str
    label_zh: str
    states: tuple[str, ...]
    target: str | None
    who: Callable[[Actor, Batch, Plan], bool]


def _lab(actor: Actor, b: Batch, _plan: Plan) -> bool:
    return actor.role == "admin" or (actor.role == "inspector" and actor.owns(b.lab_id))


def _retest_lab(actor: Actor, b: Batch, _plan: Plan) -> bool:
    return actor.role == "admin" or (actor.role == "inspector" and actor.owns(b.retest_lab_id))


def _owner(actor: Actor, _b: Batch, plan: Plan) -> bool:
    return actor.role == "admin" or (actor.role == "regulator" and actor.owns(plan.regulator_id))


def _enterprise(actor: Actor, b: Batch, _plan: Plan) -> bool:
    return actor.role == "admin" or (actor.role == "enterprise" and actor.owns(b.enterprise_id))


def _sampler(actor: Actor, b: Batch, plan: Plan) -> bool:
    try:
        require_sampler(actor, b, plan)
    except DomainError:
        return False
    return True


def _lab_or_owner(actor: Actor, b: Batch, plan: Plan) -> bool:
    return _lab(actor, b, plan) or _owner(actor, b, plan)


def _undelivered_owner(actor: Actor, b: Batch, plan: Plan) -> bool:
    return b.delivered_on is None and _owner(actor, b, plan)


# the console's buttons in their order; each moving step is a transition of rules.TRANSITIONS
BATCH_STEPS: tuple[_Step, ...] = (
    _Step("sample", "填写抽样单", ("planned",), "sampled", _sampler),
    _Step("receive", "确认收样", ("sampled",), "received", _lab),
    _Step("verify", "审核结果", ("tested",), "verified", _lab),
    _Step("verify", "审核结果", ("objected",), "retested", _retest_lab),
    _Step("judge", "判定", ("verified",), "judged", _lab_or_owner),
    _Step("notify", "告知企业", ("judged",), "notified", _owner),
    _Step("deliver", "登记送达", ("notified",), None, _undelivered_owner),
    _Step("finalize", "确定结果", ("notified", "retested"), "final", _owner),
    _Step("object", "提出异议", ("notified",), "objected", _enterprise),
    _Step("accept", "受理异议并指定复检机构", ("objected",), None, _owner),
    _Step("reject", "驳回异议", ("objected",), "final", _owner),
    _Step("override", "改判", ("judged", "notified", "objected"), None, _owner),
)


def _may_enter_results(session: Session, actor: Actor, batch: Batch) -> bool:
    """An inspector of the lab testing now (the re-test lab for the reserve sample) may enter results."""
    if actor.role not in ("inspector", "admin"):
        return False
    try:
        entry_round(actor, batch, session)
    except DomainError:
        return False
    return True


def _batch_actions(session: Session, actor: Actor, batch: Batch) -> list[Action]:
    plan = plan_of(session, batch)
    out: list[Action] = []
    for step in BATCH_STEPS:
        if batch.state not in step.states or (step.target is not None and
                                              step.target not in rules.TRANSITIONS.get(batch.state, ())):
            continue
        if step.who(actor, batch, plan) and step.name not in {a.name for a in out}:
            out.append(Action(step.name, step.label_zh))
    if batch.state in ("received", "objected") and _may_enter_results(session, actor, batch):
        out.append(Action("results", "逐项录入复检结果" if batch.state == "objected" else "逐项录入检验结果"))
    return out


def _plan_actions(session: Session, actor: Actor, plan: Plan) -> list[Action]:
    if not (actor.role == "admin" or (actor.role == "regulator" and actor.owns(plan.regulator_id))):
        return []
    out: list[Action] = []
    if session.scalar(select(Draw.id).where(Draw.plan_id == plan.id)) is None:
        out.append(Action("draw", "双随机抽取"))
    if plan.status != "published":
        out.append(Action("publish", "公布结果"))
    return out


def allowed_actions(session: Session, actor: Actor, target: Batch | Plan) -> list[Action]:
    """What this actor may do now with a batch or a plan — the steps of `rules.TRANSITIONS` the policy above lets
    them take. The pages render their buttons from it; the service checks again when a step is taken."""
    if isinstance(target, Plan):
        return _plan_actions(session, actor, target)
    return _batch_actions(session, actor, target)
