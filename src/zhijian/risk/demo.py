"""Demo risk data: one scan (signals, heat map, trends, funnels), reviewed and open signals, an assessment,
two published alerts and two recalls (one with an overdue progress report). Idempotent.

The scan reads the spot-check and complaint rooms. When they hold too little history for the charts (a fresh
demo database), the demo scan runs on a simulated two-year history over the demo catalog's products instead
— the scan's summary says so (`simulated: true`) and the dashboard shows it.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zhijian.catalog import service as catalog
from zhijian.platform.auth import SYSTEM
from zhijian.risk import service
from zhijian.risk.models import Alert, Assessment, Recall, ScanRun, Signal
from zhijian.risk.schemas import AlertIn, AssessmentIn, RecallCloseIn, RecallIn, RecallReportIn

HOT_CATEGORY = "IND-APPL-KETTLE"  # a rising non-conformity rate in one province
HOT_PROVINCE = "44"


def _products(s: Session) -> list[Any]:
    out: list[Any] = []
    cursor = None
    while True:
        page = catalog.list_products(s, SYSTEM, limit=500, cursor=cursor)
        out.extend(page.items)
        cursor = page.next_cursor
        if not cursor:
            return out


def simulated_history(s: Session, rng: random.Random, as_of: dt.date) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Two years of spot-check batches and 2.5 years of complaints over the demo products (deterministic)."""
    products = _products(s)
    if not products:
        return [], []
    orgs = {o.id: o for o in catalog.list_organizations(s, SYSTEM, kind="enterprise", limit=500).items}
    hot_cat = next((c.id for c in catalog.list_categories(s, SYSTEM, limit=500).items if c.code == HOT_CATEGORY), None)
    results: list[tuple[Any, ...]] = []
    bid = 9_000_000
    worst_ent = products[len(products) // 3].enterprise_id
    for month_back in range(23, -1, -1):
        y, m = divmod(as_of.year * 12 + as_of.month - 1 - month_back, 12)
        for p in products:
            for _ in range(rng.choice((0, 1, 1, 2))):
                org = orgs.get(p.enterprise_id)
                region = org.region_code if org else "110105"
                day = dt.date(y, m + 1, rng.randint(1, 28))
                if day > as_of:
                    continue
                rate = 0.06
                if p.category_id == hot_cat and region.startswith(HOT_PROVINCE) and month_back <= 1:
                    rate = 0.55
                if p.enterprise_id == worst_ent:
                    rate = 0.4
                basis = "targeted" if rng.random() < 0.08 else "random"
                fail = rng.random() < rate
                bid += 1
                results.append((bid, "不合格" if fail else "合格", p.category_id, region, p.enterprise_id, p.id, day, basis,
                                "provincial", 12, int(fail)))
    complaints: list[tuple[Any, ...]] = []
    spike = products[7 % len(products)]
    cid = 8_000_000
    start = as_of - dt.timedelta(weeks=130)
    for w in range(130):
        monday = start + dt.timedelta(weeks=w)
        n = rng.randint(8, 16)
        for _ in range(n):
            p = products[rng.randrange(len(products))]
            cid += 1
            org = orgs.get(p.enterprise_id)
            complaints.append((cid, monday + dt.timedelta(days=rng.randint(0, 6)), "complaint", p.category_id, p.id,
                               p.enterprise_id, org.region_code if org else None, None, False))
        if w >= 127:  # the last weeks: a product suddenly draws many complaints
            for _ in range(6 + 3 * (w - 127)):
                cid += 1
                complaints.append((cid, monday + dt.timedelta(days=rng.randint(0, 6)), "complaint", spike.category_id,
                                   spike.id, spike.enterprise_id, None, None, True))
    return results, complaints


def load(session: Session, rng: random.Random) -> list[str]:
    s = session
    today = dt.date.today()
    lines = _scan(s, rng, today)
    _reviews(s)
    products = _products(s)
    toy = next((p for p in products if "积木" in p.name), products[0] if products else None)
    kettle = next((p for p in products if "电热水壶" in p.name), None)
    if toy is not None:
        _assessment(s, toy)
    lines += _alerts(s, toy, kettle)
    if toy is not None:
        lines += _recalls(s, today, toy, kettle)
    return lines


def _scan(s: Session, rng: random.Random, today: dt.date) -> list[str]:
    """The first scan: on the rooms' rows when they hold enough history, else on a simulated history."""
    if s.scalar(select(func.count()).select_from(ScanRun)) != 0:
        return []
    real = service.spotcheck_rows(s, None)
    if len(real) >= 2000:
        run = service.run_scan(s, SYSTEM, as_of=today)
    else:
        res, comp = simulated_history(s, rng, today)
        run = service.run_scan(s, SYSTEM, as_of=today, results=res, complaints=comp)
        run.summary = {**run.summary, "simulated": True}
    return [f"risk: scan {run.n_results} batches, {run.n_complaints} complaints, {run.n_signals} signals"]


def _reviews(s: Session) -> None:
    """研判: two signals per method, up to five, confirmed (one a false alarm), the first time only."""
    sigs = list(s.scalars(select(Signal).order_by(Signal.id)))
    if sigs and not any(g.status != "open" for g in sigs):
        by_method: dict[str, list[Signal]] = {}
        for g in sigs:
            by_method.setdefault(g.method, []).append(g)
        ordered = [g for m in sorted(by_method) for g in by_method[m][:2]]
        for i, g in enumerate(ordered[:5]):
            status = "false_alarm" if i == 2 else "confirmed"
            service.review_signal(s, SYSTEM, g.id, status, "复核抽检报告后确认" if status == "confirmed" else "样本批次集中于同一经销商，非产品问题")


def _assessment(s: Session, toy: Any) -> None:
    """One EU-method assessment of a toy's small parts (the basis of the serious alert)."""
    if s.scalar(select(func.count()).select_from(Assessment)) != 0:
        return
    service.create_assessment(s, SYSTEM, AssessmentIn(
        product=f"{toy.brand} {toy.name}", product_id=toy.id, hazard="窒息",
        scenarios=[
            {"description": "积木小部件脱落，3 岁以下儿童吞入后窒息", "consumer": "very_vulnerable", "severity": 4,
             "steps": [{"description": "使用中小部件脱落", "probability": 0.1},
                       {"description": "儿童将小部件放入口中", "probability": 0.5},
                       {"description": "吞入并阻塞气道", "probability": 0.01}]},
            {"description": "锐利边缘划伤手指", "consumer": "vulnerable", "severity": 1,
             "steps": [{"description": "边缘存在毛刺", "probability": 0.2},
                       {"description": "玩耍时接触并划伤", "probability": 0.1}]}],
        presumed_serious=["small_parts_children_under_36_months"]))


def _alerts(s: Session, toy: Any, kettle: Any) -> list[str]:
    """Two published alerts: one on a confirmed rate signal (kettles), one on the toy's assessment."""
    if s.scalar(select(func.count()).select_from(Alert)) != 0:
        return []
    confirmed = s.scalars(select(Signal).where(Signal.status == "confirmed").order_by(Signal.id)).first()
    assessment = s.scalars(select(Assessment).order_by(Assessment.id)).first()
    if confirmed is not None:
        a1 = service.create_alert(s, SYSTEM, AlertIn(
            title=f"{confirmed.series_label or '相关产品'}抽查不合格率异常升高", risk_level="high",
            fields={"product": kettle.name if kettle else "电热水壶", "category": "电热水壶",
                    "hazard": "电击、烫伤", "risk_description": "近两个月监督抽查不合格率显著高于全国同类产品，主要不合格项目为泄漏电流和耐潮湿。",
                    "standards_not_met": "GB 4706.1-2005；GB 4706.19-2008", "origin": "中国",
                    "measures": ["warning", "stop_sale"], "measures_by": "市场监督管理部门",
                    "notifying_authority": "广东省市场监督管理局", "internal_note": "建议下月开展专项抽查",
                    "evidence": f"信号 #{confirmed.id}"},
            signal_id=confirmed.id, enterprise_ids=[kettle.enterprise_id] if kettle else []))
        service.publish_alert(s, SYSTEM, a1.id)
    if assessment is not None and toy is not None:
        a2 = service.create_alert(s, SYSTEM, AlertIn(
            title=f"{toy.brand} {toy.name}存在小部件窒息风险", risk_level="serious",
            fields={"product": toy.name, "brand": toy.brand, "model": toy.model, "batch": "20260315",
                    "barcode": toy.gtin or "", "category": "儿童玩具", "hazard": "窒息",
                    "risk_description": "积木小部件易脱落，可能被 3 岁以下儿童吞入导致窒息。",
                    "standards_not_met": "GB 6675.2-2014 小零件要求", "origin": "中国",
                    "measures": ["recall", "withdrawal"], "measures_by": "生产企业（自愿召回）",
                    "notifying_authority": "国家市场监督管理总局", "enterprise_contact": "400-800-0000"},
            assessment_id=assessment.id, enterprise_ids=[toy.enterprise_id]))
        service.publish_alert(s, SYSTEM, a2.id)
    return ["risk: 2 published alerts"]


def _recalls(s: Session, today: dt.date, toy: Any, kettle: Any) -> list[str]:
    """Two recalls: the toy's (its next progress report overdue) and a closed one of kettles."""
    if s.scalar(select(func.count()).select_from(Recall)) != 0:
        return []
    alert = s.scalars(select(Alert).where(Alert.risk_level == "serious")).first()
    r = service.start_recall(s, SYSTEM, RecallIn(
        enterprise_id=toy.enterprise_id, title=f"召回部分批次{toy.name}", product_ids=[toy.id],
        lots=[{"gtin": toy.gtin, "lot": "20260315", "product_id": toy.id, "units": 4200},
              {"gtin": toy.gtin, "lot": "20260402", "product_id": toy.id, "units": 3600}],
        reason="积木小部件拉力不足，易脱落，存在 3 岁以下儿童吞食窒息的风险。", hazard="窒息", risk_level="serious",
        plan="通过电商平台、经销商和短信通知购买者；门店下架；消费者可凭购买记录退货退款。", remedy="退货退款",
        started_on=today - dt.timedelta(days=100), units_total=7800, report_every_days=30,
        alert_id=alert.id if alert else None))
    service.report_recall_progress(s, SYSTEM, r.id, RecallReportIn(
        reported_on=today - dt.timedelta(days=72), units_recovered=2350, note="电商渠道已通知全部购买者"))
    service.report_recall_progress(s, SYSTEM, r.id, RecallReportIn(
        reported_on=today - dt.timedelta(days=42), units_recovered=4980, note="线下门店已全部下架"))
    if kettle is not None:
        r2 = service.start_recall(s, SYSTEM, RecallIn(
            enterprise_id=kettle.enterprise_id, title=f"召回{kettle.name}（温控器缺陷）", product_ids=[kettle.id],
            lots=[{"gtin": kettle.gtin, "lot": "K2025-11", "product_id": kettle.id, "units": 1500}],
            reason="温控器可能失效导致干烧，存在烫伤和火灾风险。", hazard="火灾、烫伤", risk_level="high",
            plan="免费更换温控器。", remedy="免费修理", started_on=today - dt.timedelta(days=150), units_total=1500,
            report_every_days=30))
        for k, units in ((120, 600), (90, 1100), (60, 1420)):
            service.report_recall_progress(s, SYSTEM, r2.id, RecallReportIn(
                reported_on=today - dt.timedelta(days=k), units_recovered=units))
        service.close_recall(s, SYSTEM, r2.id, RecallCloseIn(
            closed_on=today - dt.timedelta(days=50), summary="共召回 1420 台（94.7%），其余用户经多次联系未回应，召回结束。"))
    return ["risk: 2 recalls (one with an overdue progress report)"]
