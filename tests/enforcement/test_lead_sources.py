"""Leads from the three sources the lead scan reads beside spot checks, equipment and trace (issue #19 item 1):
a consumer 举报 that needs investigation (consumer `complaint_records` contract: a report found justified or with a
hazard), a risk signal staff confirmed (risk `confirmed_enterprise_signals` contract), and a stable-product
revocation (stable `revoked_listings` contract). Each made through the owning room's own service, found once, with its source link, party, division and the
核查 clock of 程序规定 第十八条 (15 working days)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tests import factories
from zhijian.enforcement import service
from zhijian.enforcement.models import Lead
from zhijian.platform.auth import SYSTEM

d = dt.date


def _lead(s, source: str, ref: str) -> Lead | None:  # type: ignore[no-untyped-def]
    return s.scalar(select(Lead).where(Lead.source == source, Lead.source_ref == ref))


def test_justified_report_becomes_a_lead_but_not_an_unfounded_one_nor_a_complaint(db):
    """举报 (《市场监督管理投诉举报处理暂行办法》: a report is handled as a possible violation) → lead; a report neither
    justified nor hazardous, and a 投诉 (a dispute between consumer and business), do not."""
    from zhijian.consumer import service as consumer
    from zhijian.consumer.schemas import ComplaintIn, TransitionIn

    with db.session(SYSTEM) as s:
        ent = factories.enterprise(s, region="330106")

        def report(kind: str, justified: bool | None) -> int:
            c, _code = consumer.submit_complaint(s, SYSTEM, ComplaintIn.model_validate({
                "kind": kind, "respondent_id": ent.id, "facts": "销售无3C标志的电热毯",
                "complainant_name": "李某", "complainant_phone": "13812341234",
                "complainant_address": "杭州市西湖区文三路2号", "anonymous": kind == "report",
                "requests": [] if kind == "report" else ["refund"], "received_on": d(2026, 3, 2)}))
            consumer.transition(s, SYSTEM, c.id, TransitionIn(to="accepted", on=d(2026, 3, 2)))
            if justified is not None:
                consumer.transition(s, SYSTEM, c.id, TransitionIn(to="decided", decision="filed", justified=justified,
                                                                  on=d(2026, 3, 4)))
            return c.id

        hit, unfounded, complaint = report("report", True), report("report", False), report("complaint", None)
    with db.session() as s:
        counts = service.collect_leads(s, SYSTEM, on=d(2026, 3, 6))
        assert counts.get("report", 0) >= 1
        lead = _lead(s, "report", f"complaint:{hit}")
        assert lead is not None and lead.party_id == ent.id and lead.region_code == "330106"
        assert lead.source_link == f"/console/complaints/{hit}" and lead.title == f"举报线索（编号 {hit}）"
        # received 2026-03-06 (Friday) + 15 working days → Friday 2026-03-27 (no holiday in between)
        assert lead.received_on == d(2026, 3, 6) and lead.verify_due_on == d(2026, 3, 27)
        assert _lead(s, "report", f"complaint:{unfounded}") is None
        assert _lead(s, "report", f"complaint:{complaint}") is None
        n = len(list(s.scalars(select(Lead.id).where(Lead.source == "report"))))
        service.collect_leads(s, SYSTEM, on=d(2026, 3, 9))
        assert len(list(s.scalars(select(Lead.id).where(Lead.source == "report")))) == n  # once


def test_confirmed_risk_signal_becomes_a_lead_an_open_one_does_not(db):
    """A signal is a lead only after staff 研判 it as confirmed (risk `review_signal`)."""
    from zhijian.risk import service as risk
    from zhijian.risk.models import Signal

    with db.session() as s:
        ent = factories.enterprise(s, region="330110")
        sigs = []
        for i in range(2):
            sig = Signal(fingerprint=f"enterprise|{factories.uid()}|2026-03", kind="enterprise", method="cusum",
                         series_key=f"ent:{ent.id}:{i}", series_label="电热毯不合格率", period="2026-03",
                         region_code="330110", enterprise_id=ent.id, observed=0.4, threshold=0.1)
            s.add(sig)
            s.flush()
            sigs.append(sig.id)
        risk.review_signal(s, SYSTEM, sigs[0], "confirmed", "经研判属实")
    with db.session() as s:
        service.collect_leads(s, SYSTEM, on=d(2026, 4, 1))
        lead = _lead(s, "risk", f"signal:{sigs[0]}")
        assert lead is not None and lead.party_id == ent.id and lead.region_code == "330110"
        assert lead.title == "风险信号：电热毯不合格率（2026-03）"
        assert lead.source_link == f"/console/risk/signals/{sigs[0]}"
        assert _lead(s, "risk", f"signal:{sigs[1]}") is None  # still open


def test_revoked_stable_listing_becomes_a_lead_a_listed_one_does_not(db):
    """稳定合格产品: a listing the committee revoked (after a final 不合格) points to the producer; a valid one does not."""
    from tests.stable.helpers import approved, make_crew
    from zhijian.stable import service as stable

    crew = make_crew(db)
    with db.session() as s:
        p = crew.people(s)
        _app, kept = approved(s, p)
        _app2, revoked = approved(s, p)
        for ann in {kept.announcement_id, revoked.announcement_id}:  # both wait in the same draft announcement
            stable.publish_announcement(s, p.reviewer, ann)
        stable.revoke_listing(s, p.committee, revoked.id, "2026年省级监督抽查铅含量不合格")
        rid, kid, cert, ent_id = revoked.id, kept.id, revoked.certificate_no, p.enterprise.id
        name = revoked.product_name
    with db.session() as s:
        service.collect_leads(s, SYSTEM, on=d(2026, 5, 6))
        lead = _lead(s, "stable", f"listing:{rid}")
        assert lead is not None and lead.party_id == ent_id and lead.title == f"稳定合格产品撤销：{name}（{cert}）"
        assert _lead(s, "stable", f"listing:{kid}") is None
