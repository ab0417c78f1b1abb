"""双随机 draw and sampling (抽样): the reproducible draw of enterprises and labs with the repeat-check rule of
PQL Art. 15, batches added outside the draw, the batch state machine's moves, sampling, refusal (拒检) and receipt
of the sample (收样)."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from zhijian.catalog import service as catalog
from zhijian.catalog.models import Organization, Product
from zhijian.platform import audit, rooms
from zhijian.platform.auth import Actor
from zhijian.platform.calendar import add_months
from zhijian.platform.crud import flush, get_or_404
from zhijian.platform.db import lock_for_update
from zhijian.platform.errors import Conflict, DomainError, NotFound
from zhijian.platform.events import publish
from zhijian.spotcheck import rules
from zhijian.spotcheck.models import (
    Batch,
    Draw,
    LabConflict,
    Plan,
    StateChange,
    table,
)
from zhijian.spotcheck.schemas import (
    RefusalIn,
    SamplingIn,
)
from zhijian.spotcheck.service import policy
from zhijian.spotcheck.service.answers import DrawCheck
from zhijian.spotcheck.service.plans import get_plan, locked_plan, plan_categories, plan_lab_ids

LEVEL_RANK = {"national": 0, "provincial": 1, "municipal": 2, "county": 3}
PLAN_STATUS_ZH = {"draft": "草稿", "issued": "已下达", "published": "已公布"}
DEFAULT_CREDIT_WEIGHTS = {"A": 0.5, "B": 1.0, "C": 2.0, "D": 4.0}  # the draw's weights without the consumer room


# ---------------------------------------------------------------- 双随机 draw


REPEAT_SOURCE_ZH = ("产品质量法第十五条（上级抽查的产品，下级不得另行重复抽查）；期限为实施做法中的常用期限，"
                    "作为计划的可配置项（产品质量监督抽查管理暂行办法（2019）条文未能核对）")


def repeat_rule_zh(plan: Plan) -> str:
    """The repeat-check rule as applied to this plan, with its source (shown on the draw)."""
    if plan.repeat_exemption and plan.basis in rules.EXEMPTABLE_BASES:
        return f"本计划为{rules.BASIS_ZH[plan.basis]}，免除重复抽查限制，理由：{plan.repeat_exemption}"
    return (f"同一生产者的同一产品，在上级监督抽查抽样后 {plan.repeat_window_months} 个月内不再抽查；"
            f"上级计划已列入、尚未抽样的产品在抽查期间重叠时亦不抽取。来源：{REPEAT_SOURCE_ZH}")


BASIS_EN = {"random": "random sampling", "targeted": "targeted sampling", "complaint": "complaints and reports",
            "emergency": "emergency check"}


def repeat_rule_en(plan: Plan) -> str:
    """`repeat_rule_zh` in English (the English plan page; the draw keeps the Chinese as its record)."""
    if plan.repeat_exemption and plan.basis in rules.EXEMPTABLE_BASES:
        return (f"This plan is a {BASIS_EN.get(plan.basis, plan.basis)}: exempt from the repeat-check limit; reason: "
                f"{plan.repeat_exemption}")
    return (f"The same producer's same product is not checked again within {plan.repeat_window_months} months "
            "after a higher-level check has sampled it, nor while a higher-level plan of an overlapping period has "
            "it drawn and not yet sampled. Source: Product Quality Law Art. 15 (a product checked at a higher level "
            "is not checked again at a lower level); the period is the usual one in practice, configurable per "
            "plan (the text of the 2019 interim measures on supervision spot checks could not be verified)")


def _covered_by_higher_level(session: Session, plan: Plan, product_ids: list[int]) -> dict[int, str]:
    """PQL Art. 15: the same producer's same product is not checked again within the window (a setting, six
    months by default) after a higher-level check, nor while a higher-level plan of an overlapping period
    has it drawn; targeted and emergency plans with a recorded reason are exempt."""
    higher = [lv for lv, r in LEVEL_RANK.items() if r < LEVEL_RANK[plan.level]]
    if not higher or not product_ids or (plan.repeat_exemption and plan.basis in rules.EXEMPTABLE_BASES):
        return {}
    wanted = set(product_ids)
    out: dict[int, str] = {}
    stmt = (select(Batch.product_id, Batch.sampled_on, Plan.code, Plan.level, Plan.period_start, Plan.period_end)
            .join(Plan, Plan.id == Batch.plan_id)
            .where(Plan.level.in_(higher), Plan.id != plan.id, Batch.product_id.is_not(None), Batch.refused.is_(False))
            .order_by(Batch.sampled_on, Batch.id))
    for pid, sampled_on, code, level, p_start, p_end in session.execute(stmt):
        if pid not in wanted or pid in out:
            continue
        if sampled_on is not None:
            until = add_months(sampled_on, plan.repeat_window_months)
            if sampled_on <= plan.period_end and until >= plan.period_start:
                out[pid] = (f"{rules.LEVEL_ZH[level]}计划 {code} 已于 {sampled_on} 抽查该企业该产品，"
                            f"{plan.repeat_window_months} 个月内（至 {until}）不重复抽查（产品质量法第十五条）"
                            f" / checked by {level} plan {code} on {sampled_on}; not again until {until}")
        elif p_start <= plan.period_end and p_end >= plan.period_start:
            out[pid] = (f"已被{rules.LEVEL_ZH[level]}计划 {code} 同期列入抽查（产品质量法第十五条）"
                        f" / drawn by {level} plan {code} of an overlapping period")
    return out


def draw_input(session: Session, plan: Plan, seed: int) -> rules.DrawInput:
    """Gather the draw's inputs from the catalog: candidates in scope, exclusions, labs, conflicts."""
    cats = plan_categories(session, plan.id)
    cand: list[rules.Candidate] = []
    targets: dict[int, int] = {}
    prefix = plan.region_code.rstrip("0") if plan.level != "national" else ""
    if len(prefix) % 2:
        prefix += "0"
    for pc in cats:
        targets[pc.category_id] = pc.target_batches
        sub = catalog.category_subtree_ids(session, pc.category_id)
        stmt = (select(Product.id, Product.enterprise_id, Organization.region_code, Organization.credit_class)
                .join(Organization, Organization.id == Product.enterprise_id)
                .where(Product.category_id.in_(sub)).order_by(Product.id))
        if prefix:
            stmt = stmt.where(Organization.region_code.like(prefix + "%"))
        for pid, eid, region, credit in session.execute(stmt):
            cand.append(rules.Candidate(pid, eid, pc.category_id, region, credit))
    labs = [(o.id, o.region_code) for o in session.scalars(
        select(Organization).where(Organization.id.in_(plan_lab_ids(session, plan.id))).order_by(Organization.id))]
    lab_ids = [lab_id for lab_id, _r in labs]
    conflicts = [(a, b) for a, b in session.execute(
        select(LabConflict.lab_id, LabConflict.enterprise_id).where(LabConflict.lab_id.in_(lab_ids))
        .order_by(LabConflict.lab_id, LabConflict.enterprise_id))]
    excluded = _covered_by_higher_level(session, plan, [c.product_id for c in cand])
    return rules.DrawInput(seed=seed, candidates=cand, targets=targets, labs=labs, excluded=excluded,
                           conflicts=conflicts, credit_weights=dict(plan.credit_weights or {}) or
                           _credit_draw_weights(session),
                           exclude_same_province=plan.exclude_same_province)


def _credit_draw_weights(session: Session) -> dict[str, float]:
    """企业信用风险分类: the consumer room's class weights (A checked least … D most, its contract `draw_weights`);
    without that room, the same order."""
    weights = rooms.call(session, "consumer", "draw_weights", default=DEFAULT_CREDIT_WEIGHTS)
    return dict(weights)


def draw_plan(session: Session, actor: Actor, plan_id: int, seed: int | None = None) -> Draw:
    """双随机抽取 — draw enterprises/products and labs, store the draw with its seed and create the batches."""
    plan = locked_plan(session, actor, plan_id)
    policy.require_plan_owner(actor, plan)
    if session.scalar(select(Draw.id).where(Draw.plan_id == plan.id)) is not None:
        raise Conflict("spotcheck.already_drawn", f"计划 {plan.code} 已完成抽取（{PLAN_STATUS_ZH.get(plan.status, plan.status)}）；可用原种子复核",
                       f"plan {plan.code} has been drawn already ({plan.status}); re-run it with its seed to check",
                       extra={"current": plan.status, "target": "issued"})
    if not plan_lab_ids(session, plan.id):
        raise DomainError("spotcheck.no_labs", "计划没有承检机构", "the plan has no labs", field="lab_ids")
    seed = secrets.randbelow(2**62) if seed is None else int(seed)
    inp = draw_input(session, plan, seed)
    result = rules.draw(inp)
    d = Draw(plan_id=plan.id, seed=seed, inputs=inp.to_json() | {"repeat_rule": repeat_rule_zh(plan)},
             result=result.to_json(),
             input_digest=result.input_digest, drawn_by=actor.label)
    session.add(d)
    products = {p.id: p for p in session.scalars(
        select(Product).where(Product.id.in_([a.product_id for a in result.assignments])))}
    rows = []
    for i, a in enumerate(result.assignments, 1):
        p = products[a.product_id]
        rows.append(dict(plan_id=plan.id, sample_no=f"{plan.code}-{i:05d}", state="planned",
                         enterprise_id=a.enterprise_id, product_id=a.product_id, category_id=p.category_id,
                         region_code=a.region_code, lab_id=a.lab_id, basis=plan.basis, product_name=p.name,
                         brand=p.brand, model=p.model))
    if rows:
        session.execute(insert(table(Batch)), rows)
        audit.record(session, "create", "spotcheck_batch", f"plan:{plan.id}", None,
                     {"draw_seed": seed, "batches": len(rows), "input_digest": result.input_digest})
    plan.status = "issued"
    flush(session, "draw")
    return d


def rerun_draw(session: Session, actor: Actor, plan_id: int, seed: int | None = None) -> DrawCheck:
    """一公开 — re-run a stored draw from its recorded inputs and seed; anyone can check the result."""
    plan = get_plan(session, actor, plan_id)
    d = session.scalar(select(Draw).where(Draw.plan_id == plan.id))
    if d is None:
        raise NotFound("draw", plan.code, field="plan")
    if seed is not None and int(seed) != d.seed:
        raise DomainError("spotcheck.seed_mismatch", f"种子 {seed} 与记录的种子 {d.seed} 不一致",
                          f"seed {seed} differs from the recorded seed {d.seed}", field="seed")
    inp = rules.DrawInput.from_json(d.inputs)
    again = rules.draw(inp).to_json()
    return DrawCheck(plan=plan.code, seed=d.seed, input_digest=d.input_digest, identical=again == d.result,
                     result=again)


def add_batch(session: Session, actor: Actor, plan_id: int, *, product_id: int, lab_id: int,
              basis: str = "targeted", repeat_exemption: str = "") -> Batch:
    """A batch outside the random draw (定向 / 投诉举报 sampling); its basis is recorded since it is not prevalence."""
    plan = locked_plan(session, actor, plan_id)
    policy.require_plan_owner(actor, plan)
    if basis not in rules.BASES:
        raise DomainError("spotcheck.bad_basis", "抽样方式应为 random、targeted、complaint 或 emergency",
                          "basis must be random, targeted, complaint or emergency", field="basis")
    product = get_or_404(session, Product, product_id, "product", field="product_id")
    if lab_id not in plan_lab_ids(session, plan.id):
        raise DomainError("spotcheck.lab_not_in_plan", "该检验机构不是本计划的承检机构", "the lab does not take part in this plan",
                          field="lab_id")
    if lab_id in {c for (c,) in session.execute(select(LabConflict.lab_id).where(
            LabConflict.enterprise_id == product.enterprise_id))}:
        raise DomainError("spotcheck.lab_conflict", "该检验机构与受检企业存在利害关系，须回避",
                          "the lab has a business relation with the enterprise", field="lab_id")
    exemption = repeat_exemption.strip()
    if exemption and basis not in rules.EXEMPTABLE_BASES:
        raise DomainError("spotcheck.exemption_not_allowed", "只有定向抽查和应急抽查可以免除重复抽查限制（须记录理由）",
                          "only targeted and emergency checks may be exempt from the repeat-check rule",
                          field="repeat_exemption")
    covered = _covered_by_higher_level(session, plan, [product.id])
    if covered and not exemption:  # manual additions follow the same rule as the draw
        raise DomainError("spotcheck.repeat_check", covered[product.id].split(" / ")[0] + "；定向或应急抽查须记录免除理由",
                          "the product was checked by a higher-level plan within the repeat-check window; a targeted "
                          "or emergency check must record its reason", field="product_id", status=409,
                          extra={"rule": repeat_rule_zh(plan)})
    ent = session.get(Organization, product.enterprise_id)
    n = session.scalar(select(func.count()).select_from(Batch).where(Batch.plan_id == plan.id)) or 0
    b = Batch(plan_id=plan.id, sample_no=f"{plan.code}-{n + 1:05d}", state="planned", enterprise_id=product.enterprise_id,
              product_id=product.id, category_id=product.category_id, region_code=ent.region_code if ent else "000000",
              lab_id=lab_id, basis=basis, product_name=product.name, brand=product.brand, model=product.model,
              repeat_exemption=exemption[:300])
    session.add(b)
    if plan.status == "draft":
        plan.status = "issued"
    flush(session, "batch")
    return b


def get_draw(session: Session, actor: Actor, plan_id: int) -> Draw:
    plan = get_plan(session, actor, plan_id)
    d = session.scalar(select(Draw).where(Draw.plan_id == plan.id))
    if d is None:
        raise NotFound("draw", plan_id)
    return d


# ---------------------------------------------------------------- batches and transitions


def get_batch(session: Session, actor: Actor, batch_id: int) -> Batch:
    batch = get_or_404(session, Batch, batch_id, "batch")
    plan = session.get(Plan, batch.plan_id)
    assert plan is not None
    if not policy.can_read_batch(actor, batch, plan, session):
        raise NotFound("batch", batch_id)
    return batch


def locked_batch(session: Session, actor: Actor, batch_id: int) -> Batch:
    """The batch locked for a transition or a result submission (issue 12): of N concurrent identical requests one
    changes it, the others wait, read the new state and are refused with 409 naming it."""
    lock_for_update(session, Batch, batch_id)
    return get_batch(session, actor, batch_id)


def list_batches(session: Session, actor: Actor, *, plan_id: int | None = None, state: str | None = None,
                 limit: int = 200, after_id: int | None = None) -> list[Batch]:
    stmt = policy.visible_batches(session, actor, select(Batch))
    if plan_id is not None:
        stmt = stmt.where(Batch.plan_id == plan_id)
    if state:
        stmt = stmt.where(Batch.state == state)
    if after_id:
        stmt = stmt.where(Batch.id > after_id)
    return list(session.scalars(stmt.order_by(Batch.id).limit(limit)))


def move_to(session: Session, actor: Actor, batch: Batch, target: str, note: str = "") -> None:
    rules.check_transition(batch.state, target)
    session.add(StateChange(batch_id=batch.id, from_state=batch.state, to_state=target, actor=actor.label,
                            note=note[:500]))
    batch.state = target


def history(session: Session, actor: Actor, batch_id: int) -> list[StateChange]:
    get_batch(session, actor, batch_id)
    return list(session.scalars(select(StateChange).where(StateChange.batch_id == batch_id).order_by(StateChange.id)))



def record_sampling(session: Session, actor: Actor, batch_id: int, data: SamplingIn) -> Batch:
    """抽样 — at least two samplers, a test sample and a reserve sample (备样), sealed."""
    batch = locked_batch(session, actor, batch_id)
    plan = policy.plan_of(session, batch)
    policy.require_sampler(actor, batch, plan)
    rules.check_transition(batch.state, "sampled")
    if not (plan.period_start <= data.sampled_on <= plan.period_end):
        raise DomainError("spotcheck.outside_period", f"抽样日期 {data.sampled_on} 不在计划期间内",
                          f"sampling date {data.sampled_on} is outside the plan's period", field="sampled_on")
    if data.production_date and data.production_date > data.sampled_on:
        raise DomainError("spotcheck.bad_production_date", "生产日期晚于抽样日期",
                          "the production date is after the sampling date", field="production_date")
    if data.product_id is not None and data.product_id != batch.product_id:
        p = session.get(Product, data.product_id)
        if p is None or p.enterprise_id != batch.enterprise_id:
            raise NotFound("product", data.product_id, field="product_id")
        batch.product_id, batch.product_name, batch.brand, batch.model = p.id, p.name, p.brand, p.model
    batch.brand = data.brand if data.brand is not None else batch.brand
    batch.model = data.model if data.model is not None else batch.model
    batch.lot, batch.production_date, batch.sampled_on = data.lot, data.production_date, data.sampled_on
    batch.place, batch.place_kind, batch.samplers = data.place, data.place_kind, list(data.samplers)
    batch.test_quantity, batch.reserve_quantity, batch.seals = data.test_quantity, data.reserve_quantity, list(data.seals)
    if data.basis:
        batch.basis = data.basis
    move_to(session, actor, batch, "sampled")
    flush(session, "batch")
    gtin = session.scalar(select(Product.gtin).where(Product.id == batch.product_id)) if batch.product_id else None
    publish(session, "spotcheck.sampled", {"batch_id": batch.id, "product_id": batch.product_id, "gtin": gtin,
                                           "lot": batch.lot, "sampled_on": batch.sampled_on.isoformat(),
                                           "place": batch.place})
    return batch


def record_refusal(session: Session, actor: Actor, batch_id: int, data: RefusalIn) -> Batch:
    """拒检 — the enterprise refused to be sampled; recorded as such and published with the plan."""
    batch = locked_batch(session, actor, batch_id)
    policy.require_sampler(actor, batch, policy.plan_of(session, batch))
    move_to(session, actor, batch, "refused", data.reason)
    batch.refused, batch.refusal_reason = True, data.reason
    batch.sampled_on = data.on or policy.today()
    flush(session, "batch")
    return batch


def receive_sample(session: Session, actor: Actor, batch_id: int, on: dt.date | None = None) -> Batch:
    """收样 — the lab confirms the sealed sample arrived intact."""
    batch = locked_batch(session, actor, batch_id)
    policy.require_lab(actor, batch.lab_id)
    move_to(session, actor, batch, "received")
    batch.received_on = on or policy.today()
    flush(session, "batch")
    return batch
