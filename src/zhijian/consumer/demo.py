"""Demo data of the consumer room: complaints and reports in every state (some overdue), certification bodies
and certificates (valid, expired, suspended, withdrawn, a fake), penalties and sales, enterprise standard
declarations (one laxer, two 领跑者, one equal after unit conversion), a published comparative test of six
electric kettles, and the credit classes of every demo enterprise. Idempotent: a second run changes nothing."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zhijian.catalog.models import Category, Organization, Product
from zhijian.catalog.schemas import IndicatorIn
from zhijian.consumer import rules, service
from zhijian.consumer.models import (
    AdministrativePenalty,
    Certificate,
    ComparativeTest,
    Complaint,
    CreditAssessment,
    EnterpriseSales,
    StandardDeclaration,
)
from zhijian.consumer.schemas import (
    BodyIn,
    CertificateIn,
    ComparativeIn,
    ComplaintIn,
    DeclarationIn,
    ItemIn,
    MediationIn,
    PenaltyIn,
    RequirementIn,
    SampleIn,
    TransitionIn,
)
from zhijian.platform.auth import SYSTEM

BODIES = [
    ("中国质量认证中心", "CNCA-R-2002-001", True, ["CCC", "CQC", "ISO9001", "ISO14001", "ISO45001", "energy"]),
    ("方圆标志认证集团有限公司", "CNCA-R-2002-002", True, ["ISO9001", "ISO14001", "ISO45001"]),
    ("南京国环有机产品认证中心有限公司", "CNCA-R-2002-100", True, ["organic"]),
    ("中国绿色食品发展中心", "", True, ["green_food"]),
    ("国际标准认证联盟（香港）有限公司", "", False, []),  # not approved by CNCA: certificates from it are fakes
]
NAMES = ["王丽", "李强", "张敏", "刘洋", "陈静", "杨帆", "赵磊", "黄婷", "周杰", "吴霞", "徐鹏", "孙悦", "马超", "朱琳"]
STREETS = ["文三路", "解放大道", "中山路", "人民路", "建设路", "长江路", "和平街", "新华路"]
FACTS = {
    "IND-APPL-KETTLE": ("使用一个月后壶底漏水，底座插头处冒烟，有焦糊味", ["refund", "compensation"], 300.0),
    "IND-APPL-DRYER": ("使用时电吹风突然起火，手部轻微烧伤", ["refund", "compensation"], 1500.0),
    "FOOD-DAIRY-INF": ("奶粉罐内发现黑色异物，宝宝食用后腹泻", ["refund", "compensation"], 2000.0),
    "FOOD-OIL": ("食用油有哈喇味，疑似变质，生产日期在保质期内", ["refund"], None),
    "IND-CHILD-TOY": ("积木小零件易脱落，包装未标注适用年龄", ["refund"], None),
    "IND-PLUG": ("插座使用中外壳发热变形，有漏电感觉", ["replacement", "compensation"], 200.0),
    "IND-EBIKE": ("电动自行车实际车速超过 25km/h，刹车失灵导致摔倒骨折", ["refund", "compensation"], 8000.0),
    "FOOD-DRINK-WATER": ("矿泉水瓶内有絮状悬浮物", ["refund"], None),
    "IND-APPL-FRIDGE": ("冰箱不制冷，多次维修未修好", ["replacement"], None),
    "IND-TEX": ("衬衫洗后严重褪色缩水，吊牌标注与实际成分不符", ["refund"], None),
}


def _ago(days: int) -> dt.date:
    return service.today() - dt.timedelta(days=days)


def _ensure_bodies(s: Session) -> None:
    have = {b.name for b in service.list_bodies(s)}
    for name, no, ok, kinds in BODIES:
        if name not in have:
            service.create_body(s, SYSTEM, BodyIn(name=name, approval_no=no, accredited=ok, kinds=kinds))


def _products_by_cat(s: Session) -> dict[str, list[Product]]:
    out: dict[str, list[Product]] = {}
    for p, code in s.execute(select(Product, Category.code).join(Category, Category.id == Product.category_id)
                             .order_by(Product.id)):
        out.setdefault(code, []).append(p)
    return out


def _certificates(s: Session, rng: random.Random, by_cat: dict[str, list[Product]]) -> int:
    if s.scalar(select(func.count()).select_from(Certificate)):
        return 0
    orgs = {o.id: o for o in s.scalars(select(Organization).where(Organization.kind == "enterprise"))}
    ccc_cats = {c.code for c in s.scalars(select(Category).where(Category.requires_ccc.is_(True)))}
    n = 0
    year = service.today().year
    serial = 1000
    for code in sorted(by_cat):
        if code not in ccc_cats:
            continue
        for i, p in enumerate(by_cat[code]):
            if i % 7 == 6:  # a few CCC products left without a certificate (a credit deduction)
                continue
            ent = orgs[p.enterprise_id]
            serial += 1
            issued = dt.date(year - 1 - i % 3, 1 + i % 12, 1 + i % 27)
            status, until, reason = "valid", issued.replace(year=issued.year + 5), ""
            if i % 9 == 4:
                status, reason = "suspended", "获证后监督检验不合格，暂停证书"
            elif i % 11 == 5:
                until = _ago(40)  # expired
            elif i % 13 == 7:
                status, reason = "withdrawn", "产品不符合认证要求，撤销证书"
            number = f"{issued.year}{'0107' if code.startswith('IND-APPL') else '0201'}{serial:08d}"
            service.create_certificate(s, SYSTEM, CertificateIn(
                number=number, kind="CCC", holder_name=ent.name, holder_uscc=ent.uscc,
                scope=f"{p.name}（{p.model}）", products_text=f"{p.brand} {p.name} {p.model}", product_ids=[p.id],
                body_name="中国质量认证中心", issued_on=issued, valid_until=until, status=status,
                status_reason=reason, applicant_name=ent.name, producer_name=ent.name, factory_name=f"{ent.name}生产基地",
                register="CNCA 认证认可业务信息统一查询平台（演示数据）"))
            n += 1
    for i, ent in enumerate(sorted(orgs.values(), key=lambda o: o.id)):
        if i % 3:
            continue
        issued = dt.date(year - 1 - i % 2, 3 + i % 9, 10)
        until = issued.replace(year=issued.year + 3) if i % 12 else _ago(100)
        service.create_certificate(s, SYSTEM, CertificateIn(
            number=f"00{issued.year % 100}Q{30000 + i * 17:05d}R{1 + i % 3}M", kind="ISO9001", holder_name=ent.name,
            holder_uscc=ent.uscc, scope="产品的设计、生产和服务", body_name=BODIES[i % 2][0], issued_on=issued,
            valid_until=until))
        n += 1
    tea = by_cat.get("FOOD-TEA", [])
    if tea:
        ent = orgs[tea[0].enterprise_id]
        service.create_certificate(s, SYSTEM, CertificateIn(
            number=f"127OP{year - 1}0{rng.randrange(1000, 9999)}", kind="organic", holder_name=ent.name,
            holder_uscc=ent.uscc, scope="有机茶叶（绿茶）", products_text=tea[0].name, product_ids=[tea[0].id],
            body_name="南京国环有机产品认证中心有限公司", issued_on=_ago(200), valid_until=_ago(200) + dt.timedelta(days=365)))
        n += 1
    kettles = by_cat.get("IND-APPL-KETTLE", [])
    if kettles:  # a certificate "issued" by an unapproved body: verification flags it
        ent = orgs[kettles[-1].enterprise_id]
        service.create_certificate(s, SYSTEM, CertificateIn(
            number="ISCU-2025-88123", kind="ISO9001", holder_name=ent.name, scope="电热水壶的生产",
            body_name="国际标准认证联盟（香港）有限公司", issued_on=_ago(300), valid_until=_ago(300) + dt.timedelta(days=1095)))
        n += 1
    return n


def _penalties_and_sales(s: Session, rng: random.Random, ents: list[Organization]) -> None:
    if not s.scalar(select(func.count()).select_from(EnterpriseSales)):
        for e in ents:
            s.add(EnterpriseSales(enterprise_id=e.id, year=service.today().year - 1,
                                  sales_10m_yuan=round(rng.uniform(0.5, 60.0), 1)))
    if s.scalar(select(func.count()).select_from(AdministrativePenalty)):
        return
    cases = [(3, 120, "general", "生产销售不符合保障人体健康和人身、财产安全的国家标准的产品", 50000.0),
             (7, 60, "serious", "在产品中掺杂、掺假，以不合格产品冒充合格产品", 320000.0),
             (11, 400, "minor", "产品标识不符合规定", 5000.0),
             (15, 200, "general", "未经强制性产品认证擅自出厂、销售", 80000.0),
             (19, 30, "serious", "伪造、冒用认证标志", 150000.0),
             (23, 700, "general", "虚假宣传产品质量", 30000.0),
             (27, 90, "minor", "未按规定标注生产日期", 3000.0)]
    year = service.today().year
    for n, (idx, days, sev, reason, amount) in enumerate(cases):
        if idx < len(ents):
            e = ents[idx]
            service.add_penalty(s, SYSTEM, PenaltyIn(
                enterprise_id=e.id, decision_no=f"{e.region_code[:2]}市监处罚〔{year}〕{100 + n * 7}号",
                decided_on=_ago(days), authority="市场监督管理局", severity=sev, reason=reason,
                amount=amount))


def _complaint(s: Session, rng: random.Random, p: Product, code: str, received: dt.date, kind: str = "complaint",
               anonymous: bool = False) -> Complaint:
    facts, requests, amount = FACTS.get(code, ("商品存在质量问题，与宣传不符", ["refund"], None))
    name = rng.choice(NAMES)
    ent = s.get(Organization, p.enterprise_id)
    assert ent is not None
    data = ComplaintIn(
        kind=kind, channel=rng.choice(["web", "12315", "phone"]), complainant_name="" if anonymous else name,
        complainant_phone="" if anonymous else f"13{rng.randrange(100000000, 999999999)}",
        complainant_address="" if anonymous else f"{ent.address.split('工业园区')[0]}{rng.choice(STREETS)}{rng.randrange(1, 300)}号",
        anonymous=anonymous, product_id=p.id, purchase_date=received - dt.timedelta(days=rng.randrange(10, 90)),
        purchase_place=rng.choice(["某电商平台旗舰店", "本地超市", "家电卖场", "社区便利店"]),
        facts=facts if kind == "complaint" else f"举报：{p.name}{'无 3C 标志销售' if 'IND' in code else '标签标注虚假'}，{facts}",
        requests=requests if kind == "complaint" else [], request_amount=amount if kind == "complaint" else None,
        received_on=received)
    c, _code = service.submit_complaint(s, SYSTEM, data)
    return c


def _t(s: Session, c: Complaint, to: str, on: dt.date, **kw: object) -> None:
    from zhijian.consumer.schemas import ConsentIn

    if to == "mediating":  # 《暂行办法》第十六条: both parties' consent first
        for party in ("complainant", "respondent"):
            service.record_consent(s, SYSTEM, c.id, ConsentIn(party=party, consent=True))
    if to == "rejected" and c.kind == "complaint":
        kw.setdefault("reason_code", "outside_jurisdiction")  # 第十五条第一项
    if to == "closed" and kw.get("outcome") in ("no_agreement", "terminated"):
        kw.setdefault("termination_code", "no_agreement")  # 第二十一条第四项
    service.transition(s, SYSTEM, c.id, TransitionIn(to=to, on=on, **kw))


def _complaints(s: Session, rng: random.Random, by_cat: dict[str, list[Product]]) -> int:
    if s.scalar(select(func.count()).select_from(Complaint)):
        return 0
    pool = [(code, p) for code in FACTS for p in by_cat.get(code, [])[:3]]
    rng.shuffle(pool)
    it = iter(pool * 3)

    def nxt() -> tuple[str, Product]:
        return next(it)

    return _open_complaints(s, rng, nxt) + _closed_complaints(s, rng, nxt) + _reports(s, rng, nxt)


def _open_complaints(s: Session, rng: random.Random, nxt: Callable[[], tuple[str, Product]]) -> int:
    """Complaints still open: received (one overdue), rejected, accepted, forwarded, in mediation."""
    n = 0
    # received: fresh, and one overdue for acceptance
    for days in (1, 3, 16):
        code, p = nxt()
        _complaint(s, rng, p, code, _ago(days))
        n += 1
    # rejected
    code, p = nxt()
    c = _complaint(s, rng, p, code, _ago(30))
    _t(s, c, "rejected", _ago(27), reason="不属于本部门管辖，已告知向被投诉人所在地市场监管部门投诉")
    n += 1
    # accepted, not yet forwarded
    code, p = nxt()
    c = _complaint(s, rng, p, code, _ago(6))
    _t(s, c, "accepted", _ago(4))
    n += 1
    # accepted and forwarded (one overdue: accepted 80 days ago)
    for days in (10, 80):
        code, p = nxt()
        c = _complaint(s, rng, p, code, _ago(days + 3))
        _t(s, c, "accepted", _ago(days))
        _t(s, c, "forwarded", _ago(days - 1), note="已转被投诉企业处理，要求 10 个工作日内答复")
        n += 1
    # mediating, one with a test running, one with a finished test
    for days, test in ((25, "open"), (75, "done"), (20, None)):
        code, p = nxt()
        c = _complaint(s, rng, p, code, _ago(days + 4))
        _t(s, c, "accepted", _ago(days))
        _t(s, c, "mediating", _ago(days - 2))
        service.add_mediation(s, SYSTEM, c.id, MediationIn(held_on=_ago(days - 5), place="区市场监管所调解室",
                                                           participants="消费者、企业售后代表、调解员",
                                                           summary="双方陈述事实，企业同意送检后再议"))
        if test:
            service.start_pause(s, SYSTEM, c.id, _ago(days - 6), "委托检验机构检测")
            if test == "done":
                service.end_pause(s, SYSTEM, c.id, _ago(days - 30))
        n += 1
    return n


def _closed_complaints(s: Session, rng: random.Random, nxt: Callable[[], tuple[str, Product]]) -> int:
    """Closed complaints: agreement with the compensation paid, no agreement, resolved by the enterprise."""
    # closed: agreement with compensation paid, no agreement, resolved by the enterprise
    code, p = nxt()
    c = _complaint(s, rng, p, code, _ago(60))
    _t(s, c, "accepted", _ago(58))
    _t(s, c, "mediating", _ago(55))
    service.add_mediation(s, SYSTEM, c.id, MediationIn(held_on=_ago(50), place="消费者权益保护调解室",
                                                       summary="企业承认产品缺陷，同意退货并赔偿"))
    _t(s, c, "closed", _ago(48), outcome="agreement", agreement="企业退还货款并一次性赔偿消费者 500 元，10 日内履行",
       compensation_agreed=500.0)
    service.record_payment(s, SYSTEM, c.id, 500.0, _ago(40))
    code, p = nxt()
    c = _complaint(s, rng, p, code, _ago(120))
    _t(s, c, "accepted", _ago(118))
    _t(s, c, "mediating", _ago(110))
    _t(s, c, "closed", _ago(45), outcome="no_agreement", justified=False, note="双方分歧较大，终止调解，告知可依法诉讼")
    code, p = nxt()
    c = _complaint(s, rng, p, code, _ago(40))
    _t(s, c, "accepted", _ago(38))
    _t(s, c, "forwarded", _ago(37))
    _t(s, c, "closed", _ago(30), outcome="resolved_by_enterprise", note="企业已为消费者更换新品")
    code, p = nxt()
    c = _complaint(s, rng, p, code, _ago(90))
    _t(s, c, "accepted", _ago(88))
    _t(s, c, "mediating", _ago(85))
    _t(s, c, "closed", _ago(60), outcome="agreement", agreement="企业赔偿 1200 元", compensation_agreed=1200.0)
    return 4


def _reports(s: Session, rng: random.Random, nxt: Callable[[], tuple[str, Product]]) -> int:
    """Reports (举报): received (overdue), accepted with an extension, decided (notice running), closed."""
    # reports: received (overdue), accepted with extension, decided (notice running), closed
    code, p = nxt()
    _complaint(s, rng, p, code, _ago(30), kind="report", anonymous=True)
    code, p = nxt()
    c = _complaint(s, rng, p, code, _ago(12), kind="report")
    _t(s, c, "accepted", _ago(11))
    service.extend_verification(s, SYSTEM, c.id, "涉及多地经销商，经负责人批准延长核查期限")
    code, p = nxt()
    c = _complaint(s, rng, p, code, _ago(20), kind="report")
    _t(s, c, "accepted", _ago(19))
    _t(s, c, "decided", _ago(3), decision="filed", justified=True)
    code, p = nxt()
    c = _complaint(s, rng, p, code, _ago(50), kind="report")
    _t(s, c, "accepted", _ago(49))
    _t(s, c, "decided", _ago(30), decision="not_filed", justified=False, note="经核查未发现违法行为")
    _t(s, c, "closed", _ago(28), note="已告知举报人核查结果")
    return 4


def _declarations(s: Session, by_cat: dict[str, list[Product]]) -> int:
    if s.scalar(select(func.count()).select_from(StandardDeclaration)):
        return 0
    cats = {c.code: c for c in s.scalars(select(Category))}

    def ind(name: str, unit: str, kind: str, text: str, lower: float | None = None,
            upper: float | None = None) -> IndicatorIn:
        return IndicatorIn(name=name, unit=unit, requirement_kind=kind, text=text, lower=lower, upper=upper)

    specs = [
        ("IND-APPL-KETTLE", "Q/{abbr} 001-2025", "电热水壶", [
            ind("输入功率偏差", "%", "range", "-5~5", lower=-5, upper=5),
            ind("发热(手柄温升)", "K", "max", "≤25", upper=25),
            ind("热效率", "%", "min", "≥88", lower=88)]),
        ("FOOD-DAIRY-INF", "Q/{abbr} 0002S-2025", "婴儿配方乳粉", [
            ind("蛋白质", "g/100kJ", "range", "0.45~0.70", lower=0.45, upper=0.70),
            ind("脂肪", "g/100kJ", "range", "1.05~1.40", lower=1.05, upper=1.40),
            ind("三聚氰胺", "mg/kg", "max", "≤0.5", upper=0.5),
            ind("阪崎克罗诺杆菌", "", "not_detected", "不得检出/100g")]),
        ("FOOD-SEAS-SOY", "Q/{abbr} 0003S-2025", "酿造酱油", [
            ind("氨基酸态氮", "g/100mL", "min", "≥0.35", lower=0.35),
            ind("菌落总数", "CFU/mL", "max", "≤3×10⁴", upper=30000)]),
        ("FOOD-OIL", "Q/{abbr} 0004S-2025", "压榨菜籽油", [
            ind("酸价(以KOH计)", "mg/g", "max", "≤3", upper=3),
            ind("过氧化值", "g/kg", "max", "≤2.5", upper=2.5),
            ind("溶剂残留量", "g/kg", "max", "≤0.02", upper=0.02)]),
    ]
    n = 0
    for code, std_code, what, indicators in specs:
        prods = by_cat.get(code, [])
        if not prods or code not in cats:
            continue
        p = prods[0]
        ent = s.get(Organization, p.enterprise_id)
        assert ent is not None
        abbr = (ent.uscc or "XXXX")[8:12]
        service.declare_standard(s, SYSTEM, DeclarationIn(
            enterprise_id=ent.id, category_id=cats[code].id, code=std_code.format(abbr=abbr),
            title=f"{ent.name.split('有限公司')[0]} {what}企业标准", indicators=indicators,
            products_text=f"{p.brand} {p.name} {p.model}", product_ids=[p.id], declared_on=_ago(60 + n * 20)))
        n += 1
    return n


KETTLES = [("天工", "TG-17A", 90.1, 298, 63, 16, 0.04, 199.0), ("美家", "MK-1701", 88.5, 312, 58, 18, 0.05, 159.0),
           ("润泽", "RZ-17Q", 87.3, 320, 57, 20, 0.09, 129.0), ("康宝", "KB-17S", 86.2, 335, 61, 22, 0.08, 99.0),
           ("优贝", "YB-1502", 84.0, 348, 55, 25, 0.06, 149.0), ("安康", "AK-1805", 81.7, 372, 60, 38, 0.12, 69.0)]


def _comparative(s: Session, by_cat: dict[str, list[Product]]) -> int:
    if s.scalar(select(func.count()).select_from(ComparativeTest)):
        return 0
    cat = s.scalar(select(Category).where(Category.code == "IND-APPL-KETTLE"))
    items = [ItemIn(key="efficiency", name="热效率", unit="%", weight=30, higher_is_better=True),
             ItemIn(key="boil_time", name="烧水时间(1L)", unit="s", weight=20, higher_is_better=False),
             ItemIn(key="noise", name="噪声", unit="dB(A)", weight=15, higher_is_better=False),
             ItemIn(key="handle_rise", name="手柄温升", unit="K", weight=20, higher_is_better=False,
                    requirement=RequirementIn(kind="max", upper=35, text="≤35 K（GB 4706.19-2008）")),
             ItemIn(key="leakage", name="泄漏电流", unit="mA", weight=15, higher_is_better=False,
                    requirement=RequirementIn(kind="max", upper=0.75, text="≤0.75 mA（GB 4706.1-2005）"))]
    kettles = by_cat.get("IND-APPL-KETTLE", [])
    samples = []
    for i, (brand, model, eff, boil, noise, rise, leak, price) in enumerate(KETTLES):
        p = kettles[i] if i < len(kettles) else None
        ent = s.get(Organization, p.enterprise_id) if p else None
        samples.append(SampleIn(brand=brand, model=model, enterprise_name=ent.name if ent else "", price=price,
                                product_id=None, results={"efficiency": eff, "boil_time": boil, "noise": noise,
                                                          "handle_rise": rise, "leakage": leak}))
    t = service.create_comparative_test(s, SYSTEM, ComparativeIn(
        title=f"{service.today().year}年电热水壶比较试验", product_type="电热水壶（1.5–1.8 L）",
        category_id=cat.id if cat else None, organizer="中国质量检验协会", lab_name="浙江省产品质量安全科学研究院",
        tested_on=_ago(45), method="从电商平台和实体卖场购买 6 个品牌的热销型号，按 GB 4706.1-2005、GB 4706.19-2008 "
        "检测安全项目，按协会比较试验细则检测热效率（1 L 水由 20 ℃ 加热至沸腾）、烧水时间和噪声。",
        items=items, samples=samples))
    service.publish_comparative_test(s, SYSTEM, t.id)
    return 1


def load(s: Session, rng: random.Random) -> list[str]:
    _ensure_bodies(s)
    by_cat = _products_by_cat(s)
    ents = list(s.scalars(select(Organization).where(Organization.kind == "enterprise").order_by(Organization.id)))
    _certificates(s, rng, by_cat)
    _penalties_and_sales(s, rng, ents)
    _complaints(s, rng, by_cat)
    _declarations(s, by_cat)
    _comparative(s, by_cat)

    def count(model: type) -> int:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)

    complaints, certs = count(Complaint), count(Certificate)
    decls, tests = count(StandardDeclaration), count(ComparativeTest)
    overdue = len(service.overdue(s, SYSTEM))
    return [f"consumer: {complaints} complaints/reports ({overdue} overdue), {certs} certificates, {decls} standard "
            f"declarations, {tests} comparative test"]


def finalize(s: Session, rng: random.Random) -> list[str]:
    """Credit classes once every room's demo data exists (they read spot checks, recalls and listings)."""
    if not s.scalar(select(func.count()).select_from(CreditAssessment)):
        service.recompute_credit(s, SYSTEM)
    dist = service.credit_distribution(s)
    return ["consumer: credit classes "
            + ", ".join(f"{k} {dist.get(k, 0)}" for k in rules.CREDIT_CLASSES)]
