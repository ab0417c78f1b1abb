"""Risk services on every database: the scan stores signals once, review and PPV, permissions, assessments,
alerts with public/internal fields, recalls with the recall event and overdue reports."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories
from tests.risk.synthetic import AS_OF, complaint_rows, result_rows
from zhijian.platform.auth import SYSTEM, Actor
from zhijian.platform.errors import DomainError, InvalidTransition, PermissionDenied
from zhijian.platform.events import subscriber
from zhijian.risk import service
from zhijian.risk.schemas import AlertIn, AssessmentIn, RecallCloseIn, RecallIn, RecallReportIn, SeriesConfigIn

RECALL_EVENTS: list[dict] = []


@subscriber("risk.recall_started")
def _remember(session, payload):  # type: ignore[no-untyped-def]
    RECALL_EVENTS.append(payload)


def _staff(s, role="regulator"):  # type: ignore[no-untyped-def]
    """An acting user without a stored account (the services decide on the Actor alone; argon2 is slow);
    a regulator acts for the national level (总局, division '') unless a test says otherwise."""
    return Actor(None, f"{role}_{factories.uid()}", role, None, "" if role == "regulator" else None)


def test_scan_stores_signals_once_and_reports_ppv(db):
    with db.session() as s:
        c1, c2 = factories.category(s), factories.category(s)
        ent = factories.enterprise(s)
        prod, spike = factories.product(s, ent, c1), factories.product(s, ent, c1)
        reg = _staff(s)
        rows = result_rows(cat=c1.id, hot_cat=c2.id, ent=ent.id, per_month=12)
        comp = complaint_rows(cat=c1.id, product=prod.id, spike_product=spike.id)
        run = service.run_scan(s, reg, as_of=AS_OF, results=rows, complaints=comp)
        assert run.n_results == len(rows) - 1 and run.n_complaints == len(comp)
        assert run.n_signals > 0 and run.summary["heatmap"]
        again = service.run_scan(s, reg, as_of=AS_OF, results=rows, complaints=comp)
        assert again.n_signals == 0  # same method/series/period: not duplicated
        page = service.list_signals(s, reg, category_id=c2.id, limit=100)
        hot = [g for g in page.items if g.series_key == f"cat:{c2.id}|reg:440000"]
        assert hot and all(g.sampling_basis == "random" for g in hot)
        assert c2.name in hot[0].series_label and "广东" in hot[0].series_label
        spike_sig = [g for g in service.list_signals(s, reg, kind="count", limit=500).items if g.product_id == spike.id]
        assert spike_sig and spike_sig[0].evidence["complaint_ids"]
        a, b = hot[0], hot[1]
        service.review_signal(s, reg, a.id, "confirmed", "已核实")
        service.review_signal(s, reg, b.id, "false_alarm")
        with pytest.raises(InvalidTransition):
            service.review_signal(s, reg, a.id, "confirmed")
        perf = {p.method: p for p in service.method_performance(s, reg)}
        assert perf[a.method].confirmed >= 1
        if a.method == b.method:
            ppv = perf[a.method].ppv
            assert ppv is not None and 0 < ppv < 1
        assert a.reviewed_by == reg.label


def test_real_rooms_are_read_when_no_rows_are_given(db):
    """The scheduled scan reads the spot-check and consumer rooms: its counts are theirs, and a complaint
    filed through the consumer service is among them."""
    from zhijian.consumer import service as consumer
    from zhijian.consumer.schemas import ComplaintIn
    from zhijian.spotcheck import service as spotcheck

    with db.session() as s:
        p = factories.product(s)
        consumer.submit_complaint(s, SYSTEM, ComplaintIn(
            complainant_name="王女士", complainant_phone="13800000000", complainant_address="杭州市西湖区",
            product_id=p.id, facts="电热水壶手柄烫手", requests=["refund"], received_on=AS_OF - dt.timedelta(days=3)))
    with db.session() as s:
        expected_results = len(spotcheck.final_results(s))
        expected_complaints = len(consumer.complaint_records(s))
        run = service.run_scan(s, SYSTEM, as_of=AS_OF)
        assert run.finished_at is not None
        assert expected_complaints >= 1
        assert (run.n_results, run.n_complaints) == (expected_results, expected_complaints)


def test_permissions(db):
    with db.session() as s:
        ent = factories.enterprise(s)
        owner = Actor(None, "owner", "enterprise", ent.id)
        other = Actor(None, "other", "enterprise", factories.enterprise(s).id)
        inspector = Actor(None, "lab", "inspector", factories.lab(s).id)
        assoc = _staff(s, "association")
        for who in (owner, inspector):
            with pytest.raises(PermissionDenied):
                service.list_signals(s, who)
            with pytest.raises(PermissionDenied):
                service.run_scan(s, who, results=[], complaints=[])
        service.list_signals(s, assoc)  # the association watches signals
        with pytest.raises(PermissionDenied):  # ... but alerts are the regulator's act
            service.create_alert(s, assoc, AlertIn(title="x", risk_level="low", assessment_id=1))
        with pytest.raises(PermissionDenied):
            service.start_recall(s, other, _recall_in(ent.id))
        r = service.start_recall(s, owner, _recall_in(ent.id))  # an enterprise starts its own recall
        with pytest.raises(PermissionDenied):
            service.get_recall(s, other, r.id)
        with pytest.raises(PermissionDenied):
            service.close_recall(s, owner, r.id, RecallCloseIn(closed_on=dt.date(2026, 9, 1), summary="完成"))
        assert service.list_recalls(s, owner).items[0].id == r.id


def test_config_validation(db):
    with db.session() as s:
        reg = _staff(s)
        key = f"cat:{factories.uid()}"
        row = service.upsert_config(s, reg, SeriesConfigIn(kind="rate", series_key=key, methods=["cusum"],
                                                            params={"cusum_h": 5.0}))
        assert service.upsert_config(s, reg, SeriesConfigIn(kind="rate", series_key=key, methods=["ewma"])).id == row.id
        with pytest.raises(DomainError) as e:
            service.upsert_config(s, reg, SeriesConfigIn(kind="rate", methods=["farrington"]))
        assert e.value.field == "methods"
        with pytest.raises(DomainError) as e:
            service.upsert_config(s, reg, SeriesConfigIn(kind="count", params={"alpha": -1}))
        assert e.value.field == "params.alpha"


def _recall_in(enterprise_id: int, **kw) -> RecallIn:  # type: ignore[no-untyped-def]
    data = {"enterprise_id": enterprise_id, "title": "召回测试产品", "reason": "存在电击风险", "risk_level": "serious",
            "started_on": dt.date(2026, 6, 1), "units_total": 1000, "report_every_days": 30}
    data.update(kw)
    return RecallIn(**data)


def test_recall_event_progress_overdue_and_records(db):
    with db.session() as s:
        ent = factories.enterprise(s)
        p = factories.product(s, ent, gtin=factories.new_gtin())
        reg = _staff(s)
        RECALL_EVENTS.clear()
        r = service.start_recall(s, reg, _recall_in(ent.id, product_ids=[p.id], lots=[
            {"product_id": p.id, "lot": "L2026-01", "units": 600}, {"gtin": p.gtin, "lot": "L2026-02"}]))
        [ev] = RECALL_EVENTS
        assert ev["lots"] == [{"gtin": p.gtin, "lot": "L2026-01"}, {"gtin": p.gtin, "lot": "L2026-02"}]
        assert (ev["enterprise_id"], ev["risk_level"]) == (ent.id, "serious")
        service.report_recall_progress(s, reg, r.id, RecallReportIn(reported_on=dt.date(2026, 6, 25),
                                                                     units_recovered=300))
        with pytest.raises(DomainError) as e:
            service.report_recall_progress(s, reg, r.id, RecallReportIn(reported_on=dt.date(2026, 7, 1),
                                                                         units_recovered=200))
        assert e.value.code == "risk.units_decrease"
        with pytest.raises(DomainError) as e:
            service.report_recall_progress(s, reg, r.id, RecallReportIn(reported_on=dt.date(2026, 7, 1),
                                                                         units_recovered=1001))
        assert e.value.code == "risk.too_many_units"
        prog = service.recall_progress(r, dt.date(2026, 7, 30))
        assert (prog["next_report_due"], prog["overdue"], prog["days_overdue"]) == (dt.date(2026, 7, 25), True, 5)
        assert prog["percent"] == pytest.approx(30.0)
        assert not service.recall_progress(r, dt.date(2026, 7, 25))["overdue"]
        assert r.id in [x.id for x, _ in service.overdue_recalls(s, reg, dt.date(2026, 7, 30))]
        recs = service.recall_records(s, enterprise_id=ent.id)
        assert recs == [(r.id, ent.id, [p.id], dt.date(2026, 6, 1), "serious", "open")]
        service.close_recall(s, reg, r.id, RecallCloseIn(closed_on=dt.date(2026, 8, 1), summary="召回完成"))
        assert r.id not in [x.id for x, _ in service.overdue_recalls(s, reg, dt.date(2026, 12, 30))]
        with pytest.raises(InvalidTransition):
            service.report_recall_progress(s, reg, r.id, RecallReportIn(reported_on=dt.date(2026, 8, 2),
                                                                         units_recovered=900))
        other = factories.product(s)
        with pytest.raises(DomainError) as e:
            service.start_recall(s, reg, _recall_in(ent.id, product_ids=[other.id]))
        assert e.value.code == "risk.product_not_of_enterprise"


def test_alert_needs_confirmed_basis_and_hides_internal_fields(db):
    with db.session() as s:
        reg = _staff(s)
        ent = factories.enterprise(s)
        a = service.create_assessment(s, reg, AssessmentIn(
            product="电暖器", hazard="电击", scenarios=[{"consumer": "others", "severity": 4,
                                                       "steps": [{"probability": "1/100"}]}]))
        assert a.risk_level == "serious" and a.result["scenarios"][0]["probability_fraction"] == "1/100"
        with pytest.raises(DomainError) as e:
            service.create_alert(s, reg, AlertIn(title="x", risk_level="low"))
        assert e.value.code == "risk.alert_basis"
        with pytest.raises(DomainError) as e:
            service.create_alert(s, reg, AlertIn(title="x", risk_level="low", assessment_id=a.id, fields={"colour": 1}))
        assert e.value.field == "fields"
        al = service.create_alert(s, reg, AlertIn(
            title="电暖器存在电击风险", risk_level="serious", assessment_id=a.id, enterprise_ids=[ent.id],
            fields={"product": "电暖器", "hazard": "电击", "internal_note": "企业曾两次抽查不合格", "measures": ["recall"]},
            public_fields=["product", "hazard", "measures"]))
        assert al.ref.startswith(f"FX-{dt.date.today().year}-") and al.status == "draft"
        with pytest.raises(DomainError):
            service.public_alert(s, al.ref)  # drafts are not public
        service.publish_alert(s, reg, al.id)
        with pytest.raises(InvalidTransition):
            service.publish_alert(s, reg, al.id)
        view = service.public_view(service.public_alert(s, al.ref))
        assert view["fields"] == {"product": "电暖器", "hazard": "电击", "measures": ["recall"]}
        assert "internal_note" not in view["fields"]
        feed = service.alert_feed(s, "https://zhijian.example/").decode()
        assert al.ref in feed and "电暖器存在电击风险" in feed and "企业曾两次" not in feed


def test_confirmed_enterprise_signals_contract(db):
    """The contract enforcement's lead scan reads (docs/CONTRACTS.md): a signal staff confirmed on an enterprise is
    offered with its label, period and region; an open one, a false alarm and one without an enterprise are not."""
    from zhijian.platform.rooms import call
    from zhijian.risk.models import Signal

    with db.session() as s:
        ent = factories.enterprise(s, region="330110")
        ids = []
        for status, enterprise in (("confirmed", ent.id), ("open", ent.id), ("false_alarm", ent.id),
                                   ("confirmed", None)):
            sig = Signal(fingerprint=f"enterprise|{factories.uid()}|2026-03", kind="enterprise", method="eb_shrinkage",
                         series_key=f"ent:{factories.uid()}", series_label="电热毯不合格率", period="2026-03",
                         region_code="330110", enterprise_id=enterprise, observed=0.4, threshold=0.1, status=status)
            s.add(sig)
            s.flush()
            ids.append(sig.id)
        offered = {x.signal_id: x for x in call(s, "risk", "confirmed_enterprise_signals", default=None)}
        assert ids[0] in offered and not {ids[1], ids[2], ids[3]} & set(offered)
        got = offered[ids[0]]
        assert (got.method, got.series_label, got.period, got.enterprise_id, got.region_code, got.product_id) == (
            "eb_shrinkage", "电热毯不合格率", "2026-03", ent.id, "330110", None)
