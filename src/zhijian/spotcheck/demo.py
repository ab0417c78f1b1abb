"""Demo spot checks: one provincial plan through every state (with an objection and a re-test), one plan in
progress with batches in each state, and three years (2024–2026) of national and provincial history written
set-based, so that the stable-listing, credit and risk rooms see realistic records (≈6–8 % non-conforming,
higher for e-bikes, toys, cables and some regions)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from zhijian.catalog.models import Category, Indicator, Organization, Product, Standard
from zhijian.platform import audit
from zhijian.platform.auth import Actor, actor_for
from zhijian.platform.models import User
from zhijian.spotcheck import rules, service
from zhijian.spotcheck.models import Batch, ItemResult, Plan, PlanCategory, PlanLab, table
from zhijian.spotcheck.schemas import (
    FollowUpDoneIn,
    ItemIn,
    ObjectionDecisionIn,
    PlanCategoryIn,
    PlanIn,
    RefusalIn,
    SamplingIn,
)

SHOWCASE = "ZJ-2025-RZP-01"
IN_PROGRESS = "ZJ-2026-JD-02"
RISKY = {"IND-EBIKE": 0.22, "IND-CHILD-TOY": 0.16, "IND-CABLE": 0.15, "IND-PLUG": 0.12, "IND-CHILD-TEX": 0.11,
         "FOOD-TEA": 0.09, "DRUG-MASK": 0.08}
RISKY_REGIONS = {"44": 1.5, "35": 1.4, "41": 1.3}
PLACES = ["超市", "商场", "批发市场", "成品仓库", "网店仓库", "便利店"]


def _actor(s: Session, username: str) -> Actor | None:
    u = s.scalar(select(User).where(User.username == username))
    return actor_for(u) if u else None


def _org(s: Session, name: str) -> Organization | None:
    return s.scalar(select(Organization).where(Organization.name == name))


def _indicators_for(s: Session) -> dict[int, list[tuple[Indicator, str]]]:
    """Per category: the indicators of the current standards on the category or its ancestors (≤ 4)."""
    cats = {c.id: c for c in s.scalars(select(Category))}
    by_cat: dict[int, list[Standard]] = {}
    for std in s.scalars(select(Standard).where(Standard.status == "current")):
        if std.category_id is not None:
            by_cat.setdefault(std.category_id, []).append(std)
    out: dict[int, list[tuple[Indicator, str]]] = {}
    for cid, cat in cats.items():
        chain = [int(x) for x in cat.path.strip("/").split("/") if x][::-1]
        inds: list[tuple[Indicator, str]] = []
        for anc in chain:
            for std in by_cat.get(anc, []):
                inds += [(i, std.code) for i in std.indicators]
            if len(inds) >= 2:
                break
        out[cid] = inds[:4]
    return out


def _value(rng: random.Random, ind: Indicator, fail: bool) -> tuple[str, str | None]:
    """A plausible measured value (as a lab writes it) and, for text items, the inspector's verdict."""
    lo, hi, kind = ind.lower, ind.upper, ind.requirement_kind
    dec = rules.requirement_from_indicator(kind, lo, hi, ind.unit, ind.text).decimals + 1
    req = rules.requirement_from_indicator(kind, lo, hi, ind.unit, ind.text)
    if req.kind == "plan":  # GB 4789.1 sampling plan: n unit results (one above M when it fails)
        m, big = req.upper or 0.0, req.big_m if req.big_m is not None else (req.upper or 0.0)
        units = [0.0 if m == 0 else round(m * rng.uniform(0.05, 0.9)) for _ in range(req.n or 5)]
        if fail:
            units[0] = round(max(big, 1.0) * rng.uniform(1.5, 3.0))
        return ", ".join(f"{u:g}" if u else "未检出" for u in units), None
    if kind == "text":
        return ("不符合" if fail else "符合"), ("不合格" if fail else "合格")
    if kind == "not_detected":
        return (f"{(hi or 1.0) * rng.uniform(1.5, 4):.{dec}f}" if fail else "未检出"), None
    lo_f, hi_f = (0.0 if lo is None else lo), (0.0 if hi is None else hi)  # numeric kinds always carry theirs
    if kind == "max":
        v = hi_f * (rng.uniform(1.15, 2.8) if fail else rng.uniform(0.15, 0.85))
    elif kind == "min":
        v = lo_f * (rng.uniform(0.55, 0.92) if fail else rng.uniform(1.04, 1.35))
    elif kind == "range":
        v = (hi_f + (hi_f - lo_f) * rng.uniform(0.1, 0.4)) if fail else lo_f + (hi_f - lo_f) * rng.uniform(0.15, 0.85)
    else:
        v = lo_f
    return f"{v:.{dec}f}", None


LAB_FIELDS = {  # 检验能力范围 (CMA scope) by category root: the re-test lab is drawn from labs of the right field
    "国家食品质量检验检测中心(北京)": ["FOOD"],
    "浙江省产品质量安全科学研究院": ["FOOD", "IND", "SE"],
    "广东产品质量监督检验研究院": ["FOOD", "IND"],
    "江苏省产品质量监督检验研究院": ["FOOD", "IND"],
    "上海市质量监督检验技术研究院": ["IND", "SE"],
    "国家电线电缆产品质量检验检测中心(四川)": ["IND-CABLE", "IND-PLUG"],
    "山东省食品药品检验研究院": ["FOOD", "DRUG"],
    "湖北省产品质量监督检验研究院": ["IND", "SE"],
}


def _lab_fields(s: Session, reg: Actor) -> str:
    from zhijian.spotcheck import retest

    cats = {c.code: c.id for c in s.scalars(select(Category))}
    n = 0
    for name, codes in LAB_FIELDS.items():
        lab = _org(s, name)
        if lab is not None and not retest.lab_fields(s, lab.id):
            retest.set_lab_fields(s, reg, lab.id, [cats[c] for c in codes if c in cats])
            n += 1
    return f"spotcheck: fields of {n} labs registered"


def load(s: Session, rng: random.Random) -> list[str]:
    """Idempotent: plans are keyed by their code; a second run adds nothing."""
    zj_reg, samr, gd = _actor(s, "regulator"), _actor(s, "samr"), _actor(s, "regulator_gd")
    if zj_reg is None or samr is None:
        return ["spotcheck: catalog demo users missing, skipped"]
    lines: list[str] = []
    lines.append(_lab_fields(s, zj_reg))
    inds = _indicators_for(s)
    if s.scalar(select(Plan.id).where(Plan.code == "GJ-2024-01")) is None:
        n = _history(s, rng, inds, samr, gd, zj_reg)
        lines.append(f"spotcheck: {n} historical batches in national and provincial plans 2024–2026")
    if s.scalar(select(Plan.id).where(Plan.code == SHOWCASE)) is None:
        lines.append(_showcase(s, rng, zj_reg))
    if s.scalar(select(Plan.id).where(Plan.code == IN_PROGRESS)) is None:
        lines.append(_in_progress(s, rng, zj_reg))
    total = s.scalar(select(func.count()).select_from(Batch)) or 0
    lines.append(f"spotcheck: {total} batches in {s.scalar(select(func.count()).select_from(Plan))} plans "
                 f"(showcase plan {SHOWCASE}: every state, objection and re-test)")
    return lines


# ---------------------------------------------------------------- the showcase plan, through the services


def _items_for(s: Session, cat_ids: list[int], inds: dict[int, list[tuple[Indicator, str]]], cat_id: int,
               rng: random.Random, fail: bool) -> list[ItemIn]:
    pairs = inds.get(cat_id, [])
    safety_idx = next((i for i, (ind, _c) in enumerate(pairs) if ind.is_safety and ind.requirement_kind in ("max", "not_detected")), 0)
    out = []
    for i, (ind, _code) in enumerate(pairs):
        v, lv = _value(rng, ind, fail and i == safety_idx)
        out.append(ItemIn(name=ind.name, indicator_id=ind.id, value=v, lab_verdict=lv,
                          lod=0.01 if ind.requirement_kind == "not_detected" else None,
                          uncertainty=None, method_standard=ind.method_standard))
    return out


def _sampling(rng: random.Random, on: dt.date, product: Product | None) -> SamplingIn:
    return SamplingIn(lot=f"{on:%Y%m%d}{rng.choice('ABCD')}{rng.randrange(1, 9)}", sampled_on=on,
                      production_date=on - dt.timedelta(days=rng.randrange(5, 90)),
                      place=f"{rng.choice(['杭州', '宁波', '温州', '嘉兴', '绍兴'])}市{rng.choice(PLACES)}",
                      place_kind="market", samplers=["王建国", rng.choice(["李敏", "陈静", "赵磊"])],
                      test_quantity=f"{rng.choice([6, 8, 12])}件", reserve_quantity=f"{rng.choice([6, 8, 12])}件",
                      seals=[f"浙封{rng.randrange(100000, 999999)}"])


def _plan_for(s: Session, reg: Actor, code: str, title: str, year: int, cat_codes: list[tuple[str, list[str], int]],
              labs: list[str], start: dt.date, end: dt.date) -> Plan:
    cats = {c.code: c.id for c in s.scalars(select(Category))}
    stds = {st.code: st.id for st in s.scalars(select(Standard))}
    lab_ids = [o.id for o in (_org(s, n) for n in labs) if o is not None]
    return service.create_plan(s, reg, PlanIn(
        code=code, title=title, year=year, level="provincial", period_start=start, period_end=end,
        categories=[PlanCategoryIn(category_id=cats[c], standard_ids=[stds[x] for x in sc if x in stds], target_batches=n)
                    for c, sc, n in cat_codes], lab_ids=lab_ids,
        description="依据《产品质量法》和《产品质量监督抽查管理暂行办法》组织实施。"))


def _market_draw(s: Session, reg: Actor, plan: Plan, seed: int) -> None:
    """Draw from the whole country's makers selling in Zhejiang (the plan's scope is the province's market), then
    give the plan back its division, 浙江 (330000): its jurisdiction (issue 13). The draw's recorded inputs make
    a re-run identical."""
    from zhijian.platform.auth import SYSTEM

    division = plan.region_code
    plan.region_code = "000000"
    d = service.draw_plan(s, SYSTEM, plan.id, seed=seed)
    d.drawn_by = reg.label
    plan.region_code = division


def _showcase(s: Session, rng: random.Random, reg: Actor) -> str:
    insp, insp2 = _actor(s, "inspector"), _actor(s, "inspector2")
    insp_gd = _actor(s, "inspector_gd")
    assert insp and insp2 and insp_gd
    plan = _plan_for(s, reg, SHOWCASE, "2025年浙江省乳制品及调味品产品质量监督抽查", 2025,
                     [("FOOD-DAIRY", ["GB 25190-2010", "GB 10765-2021", "GB 2762-2022"], 6),
                      ("FOOD-SEAS-SOY", ["GB 2717-2018", "GB/T 18186-2000"], 3)],
                     ["浙江省产品质量安全科学研究院"], dt.date(2025, 4, 1), dt.date(2025, 9, 30))
    _market_draw(s, reg, plan, 20250401)
    batches = service.list_batches(s, reg, plan_id=plan.id)
    ent_user = _actor(s, "enterprise")
    inds = _indicators_for(s)
    objected = next((b for b in batches if ent_user and b.enterprise_id == ent_user.organization_id), batches[0])
    failing = {objected.id, batches[-1].id}
    refused = batches[-2].id if len(batches) > 3 else None
    day = dt.date(2025, 5, 6)
    for b in batches:
        if b.id == refused:
            service.record_refusal(s, reg, b.id, RefusalIn(reason="企业以产品已售罄为由拒绝抽样", on=day))
            continue
        product = s.get(Product, b.product_id) if b.product_id else None
        service.record_sampling(s, insp, b.id, _sampling(rng, day, product))
        service.receive_sample(s, insp, b.id, on=day + dt.timedelta(days=2))
        service.submit_results(s, insp, b.id, _items_for(s, [], inds, b.category_id, rng, b.id in failing))
        service.verify_results(s, insp2, b.id)
        service.judge_batch(s, insp2, b.id)
        service.notify(s, reg, b.id, on=dt.date(2025, 6, 10), delivered_on=dt.date(2025, 6, 11))
        day += dt.timedelta(days=3)
    # the enterprise objects; the reserve sample is re-tested by the Guangdong institute and conforms
    ent_actor = Actor(None, "enterprise", "enterprise", objected.enterprise_id)
    service.submit_objection(s, ent_actor, objected.id, "我司对检验结果有异议：送检样品运输中冷链中断，申请对备样复检。",
                             on=dt.date(2025, 6, 18))
    gd_lab = _org(s, "广东产品质量监督检验研究院")
    assert gd_lab is not None
    service.decide_objection(s, reg, objected.id, ObjectionDecisionIn(
        accept=True, note="异议符合受理条件，由广东院复检备样", retest_lab_id=gd_lab.id))
    objection = service.objection_of(s, reg, objected.id)
    assert objection is not None
    disputed = set(objection.items or [])  # the re-test covers these only
    retest_items = [it for it in _items_for(s, [], inds, objected.category_id, rng, False) if it.name in disputed]
    service.submit_results(s, insp_gd, objected.id, retest_items)
    service.verify_results(s, Actor(None, "reviewer_gd", "inspector", gd_lab.id), objected.id)
    for b in batches:
        if b.id == refused:
            continue
        service.finalize(s, reg, b.id, on=dt.date(2025, 7, 15))
    for f in service.list_followups(s, reg):
        if f.batch_id in failing and f.done_on is None:
            service.complete_followup(s, reg, f.id, FollowUpDoneIn(outcome="done", note="企业已提交整改报告",
                                                                   done_on=dt.date(2025, 8, 10)))
    service.publish_plan(s, reg, plan.id)
    plan.published_at = dt.datetime(2025, 8, 28, 2, 0, tzinfo=dt.UTC)
    return f"spotcheck: showcase plan {SHOWCASE} published ({len(batches)} batches, objection on {objected.sample_no})"


def _in_progress(s: Session, rng: random.Random, reg: Actor) -> str:
    """A 2026 plan with batches spread over the states, so every console view has something to show."""
    insp, insp2 = _actor(s, "inspector"), _actor(s, "inspector2")
    assert insp and insp2
    plan = _plan_for(s, reg, IN_PROGRESS, "2026年浙江省家用电器及儿童用品产品质量监督抽查", 2026,
                     [("IND-APPL", ["GB 4706.1-2005"], 6), ("IND-CHILD", ["GB 6675.4-2014", "GB 31701-2015"], 6)],
                     ["浙江省产品质量安全科学研究院"], dt.date(2026, 9, 1), dt.date(2026, 12, 31))
    _market_draw(s, reg, plan, 20260901)
    inds = _indicators_for(s)
    stops = ["planned", "sampled", "received", "tested", "verified", "judged", "notified", "objected"]
    ent_user = _actor(s, "enterprise2")
    for i, b in enumerate(service.list_batches(s, reg, plan_id=plan.id)):
        stop = stops[i % len(stops)]
        on = dt.date(2026, 9, 8) + dt.timedelta(days=i * 3)
        if stop == "planned":
            continue
        service.record_sampling(s, insp, b.id, _sampling(rng, on, None))
        if stop == "sampled":
            continue
        service.receive_sample(s, insp, b.id, on=on + dt.timedelta(days=1))
        if stop == "received":
            continue
        service.submit_results(s, insp, b.id, _items_for(s, [], inds, b.category_id, rng, i % 3 == 0))
        if stop == "tested":
            continue
        service.verify_results(s, insp2, b.id)
        if stop == "verified":
            continue
        service.judge_batch(s, insp2, b.id)
        if stop == "judged":
            continue
        service.notify(s, reg, b.id, on=dt.date(2026, 11, 20), delivered_on=dt.date(2026, 11, 21))
        if stop == "objected":
            service.submit_objection(s, Actor(None, ent_user.username if ent_user else "enterprise", "enterprise",
                                              b.enterprise_id), b.id, "对检验结果有异议，申请复检。",
                                     on=dt.date(2026, 11, 25))
    return f"spotcheck: plan {IN_PROGRESS} in progress (batches in every state)"


# ---------------------------------------------------------------- three years of history, set-based


_HistorySpec = tuple[str, str, Actor | None, str, int, dt.date, dt.date, str, float]


def _history_specs(samr: Actor, gd: Actor | None, zj: Actor) -> list[_HistorySpec]:
    """Three years of published plans: the national first batch (a share of all products) and two provinces."""
    specs: list[_HistorySpec] = []
    for year in (2024, 2025, 2026):
        specs.append((f"GJ-{year}-01", f"{year}年国家产品质量监督抽查（第一批）", samr, "national", year,
                      dt.date(year, 3, 1), dt.date(year, 6, 30), "", 0.38))
        specs.append((f"GD-{year}-01", f"{year}年广东省产品质量监督抽查", gd, "provincial", year,
                      dt.date(year, 5, 1), dt.date(year, 9, 30), "44", 1.0))
        specs.append((f"ZJ-{year}-01", f"{year}年浙江省产品质量监督抽查", zj, "provincial", year,
                      dt.date(year, 4, 1), dt.date(year, 8, 31), "33", 1.0))
    return specs


def _history(s: Session, rng: random.Random, inds: dict[int, list[tuple[Indicator, str]]], samr: Actor,
             gd: Actor | None, zj: Actor) -> int:
    """Published plans of past years, written set-based (thousands of batches and items); returns the batches."""
    cats = {c.id: c for c in s.scalars(select(Category))}
    labs = [o.id for o in s.scalars(select(Organization).where(Organization.kind == "lab").order_by(Organization.id))]
    from zhijian.spotcheck import retest

    in_scope = {cid: [lab for lab in retest.qualified_labs(s, cid) if lab in labs] for cid in cats}
    products = list(s.execute(select(Product.id, Product.enterprise_id, Product.category_id, Product.name, Product.brand,
                                     Product.model, Organization.region_code)
                              .join(Organization, Organization.id == Product.enterprise_id).order_by(Product.id)))
    total = 0
    now = dt.datetime.now(dt.UTC)
    seq = 0
    for code, title, reg, level, year, start, end, prefix, share in _history_specs(samr, gd, zj):
        if reg is None or reg.organization_id is None:
            continue
        taken_national = set()
        if level == "provincial":  # PQL Art. 15: no product of the same year's national plan
            taken_national = set(s.scalars(select(Batch.product_id).join(Plan, Plan.id == Batch.plan_id).where(
                Plan.code == f"GJ-{year}-01")))
        pool = [p for p in products if (not prefix or p.region_code.startswith(prefix)) and p.id not in taken_national]
        if level == "national":
            pool = [p for p in pool if rng.random() < share]
        elif not pool:
            continue
        reg_org = s.get(Organization, reg.organization_id)
        plan = Plan(code=code, title=title, year=year, level=level, regulator_id=reg.organization_id,
                    region_code=reg_org.region_code if reg_org else "000000", period_start=start, period_end=end,
                    basis="random", decision_rule="simple", status="published", objection_days=15,
                    published_at=min(dt.datetime(end.year, end.month, end.day, 2, tzinfo=dt.UTC) + dt.timedelta(days=75),
                                     now - dt.timedelta(days=2)),  # never in the future
                    description="历史抽查（演示数据）")
        s.add(plan)
        s.flush()
        for cid in sorted({p.category_id for p in pool}):
            s.add(PlanCategory(plan_id=plan.id, category_id=cid, standard_ids=[], target_batches=sum(
                1 for p in pool if p.category_id == cid)))
        for lab_id in labs:
            s.add(PlanLab(plan_id=plan.id, lab_id=lab_id))
        batch_rows: list[dict[str, Any]] = []
        item_rows: list[dict[str, Any]] = []
        for p in pool:
            seq += 1
            row, items = _history_batch(rng, p, cats[p.category_id], plan, seq, len(batch_rows) + 1,
                                        inds.get(p.category_id, []), in_scope.get(p.category_id) or labs, now)
            batch_rows.append(row)
            item_rows += items
        _store_history(s, plan, batch_rows, item_rows)
        total += len(batch_rows)
    s.flush()
    return total


def _history_batch(rng: random.Random, p: Any, cat: Category, plan: Plan, seq: int, n: int,
                   pairs: list[tuple[Indicator, str]], lab_pool: list[int],
                   now: dt.datetime) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One published batch of a past plan and its item rows (``batch_id`` is the sample number until stored)."""
    year, code, start = plan.year, plan.code, plan.period_start
    span = (plan.period_end - start).days
    p_fail = RISKY.get(cat.code, 0.035) * RISKY_REGIONS.get(p.region_code[:2], 1.0) * (1.15 if year == 2024 else 1.0)
    refused = rng.random() < 0.012
    fail = (not refused) and rng.random() < p_fail
    sampled = start + dt.timedelta(days=rng.randrange(max(span - 40, 1)))
    safety_idx = next((i for i, (ind, _c) in enumerate(pairs) if ind.is_safety and ind.requirement_kind != "text"), 0)
    failing = [pairs[safety_idx][0].name] if (fail and pairs) else []
    safety = bool(fail and pairs and pairs[safety_idx][0].is_safety)
    verdict = None if refused else ("不合格" if fail else "合格")
    lab = rng.choice(lab_pool)  # issue 21: a lab tests within its CMA scope
    sample_no = f"{code}-{n:05d}"
    row = dict(
        plan_id=plan.id, sample_no=sample_no, state="published",
        enterprise_id=p.enterprise_id, product_id=p.id, category_id=p.category_id, region_code=p.region_code,
        lab_id=lab, basis="random" if rng.random() > 0.1 else "targeted", product_name=p.name, brand=p.brand,
        model=p.model, lot=f"{sampled:%Y%m%d}{rng.choice('ABC')}", production_date=sampled - dt.timedelta(days=rng.randrange(5, 120)),
        sampled_on=sampled, place=rng.choice(PLACES), place_kind="market", samplers=["抽样员甲", "抽样员乙"],
        test_quantity="6件", reserve_quantity="6件", seals=[], refused=refused,
        refusal_reason="拒绝抽样" if refused else "", received_on=None if refused else sampled + dt.timedelta(days=2),
        report_no=None if refused else f"ZJ{year}H{seq:07d}",
        report_issued_on=None if refused else sampled + dt.timedelta(days=20), auto_verdict=verdict,
        verdict=verdict, override_reason="", failing_items=failing, safety_failure=safety,
        notified_on=None if refused else sampled + dt.timedelta(days=25),
        objection_deadline=None if refused else sampled + dt.timedelta(days=40), retest_lab_id=None,
        final_verdict=verdict, final_on=None if refused else sampled + dt.timedelta(days=45),
        created_at=now, updated_at=now)
    if refused:
        return row, []
    items = []
    for pos, (ind, _code) in enumerate(pairs):
        is_fail = fail and pos == safety_idx
        v, lv = _value(rng, ind, is_fail)
        measured = rules.parse_measured_for(rules.requirement_from_indicator(
            ind.requirement_kind, ind.lower, ind.upper, ind.unit, ind.text), v)
        items.append(dict(
            batch_id=sample_no, round=0, position=pos, indicator_id=ind.id, name=ind.name, unit=ind.unit,
            requirement_text=ind.text, requirement_kind=ind.requirement_kind, lower=ind.lower, upper=ind.upper,
            lower_inclusive=ind.lower_inclusive, upper_inclusive=ind.upper_inclusive, decimals=0,
            comparison_method="full", is_safety=ind.is_safety, value_text=v, value=measured.value,
            not_detected=measured.not_detected, lod=0.01 if ind.requirement_kind == "not_detected" else None,
            uncertainty=None, method_standard=ind.method_standard, lab_verdict=lv,
            verdict="不合格" if is_fail else "合格"))
    return row, items


def _store_history(s: Session, plan: Plan, batch_rows: list[dict[str, Any]], item_rows: list[dict[str, Any]]) -> None:
    """Bulk insert of a past plan's batches and items (one audit record), then its published statistics."""
    if batch_rows:
        s.execute(insert(table(Batch)), batch_rows)
    ids = dict(s.execute(select(Batch.sample_no, Batch.id).where(Batch.plan_id == plan.id)).all())
    for row in item_rows:
        row["batch_id"] = ids[row["batch_id"]]
    if item_rows:
        s.execute(insert(table(ItemResult)), item_rows)
    audit.record(s, "create", "spotcheck_batch", f"plan:{plan.id}", None,
                 {"demo_history": len(batch_rows), "items": len(item_rows)})
    s.flush()
    plan.summary = service.plan_statistics(s, plan.id)
