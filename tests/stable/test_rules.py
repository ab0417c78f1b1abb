"""The pure eligibility engine: edge cases, versioned rule sets, model matching, and a property test.

No database and no other room: evidence is plain dataclasses.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from zhijian.platform.errors import DomainError
from zhijian.stable import rules
from zhijian.stable.rules import Certificate, Evidence, Inspection, ProductRef

D = dt.date
_ids = itertools.count(1)
PRODUCT = ProductRef(product_id=7, enterprise_id=70, brand="美的", model="MK-SH15E105")
RS = rules.parse_ruleset(rules.default_ruleset_data())


def rec(day: dt.date, verdict: str | None = "合格", *, level: str = "provincial", model: str = "MK-SH15E105",
        product_id: int | None = 7, brand: str = "美的", enterprise_id: int = 70, retested: bool = False,
        failing: tuple[str, ...] = ()) -> Inspection:
    return Inspection(batch_id=next(_ids), plan_level=level, plan_year=day.year, enterprise_id=enterprise_id,
                      brand=brand, model=model, sampled_on=day, final_verdict=verdict, product_id=product_id,
                      retested=retested, failing_items=failing)


def evidence(recs: list[Inspection] | None, as_of: dt.date = D(2026, 6, 30), *, complaints: int | None = 0,
             credit: str | None = "A", certs: tuple[Certificate, ...] | None = (), product: ProductRef = PRODUCT,
             ) -> Evidence:
    return Evidence(product=product, as_of=as_of, inspections=None if recs is None else tuple(recs),
                    justified_complaints=complaints, credit_class=credit, certificates=certs)


def status(ev: rules.Evaluation, kind: str) -> str:
    return next(o.status for o in ev.outcomes if o.kind == kind)


THREE_YEARS = [rec(D(2024, 5, 10)), rec(D(2025, 4, 2)), rec(D(2026, 3, 15))]


def test_three_conforming_years_is_eligible_and_records_version() -> None:
    ev = rules.evaluate(RS, evidence(THREE_YEARS))
    assert ev.outcome == rules.ELIGIBLE
    assert ev.ruleset_version == 1
    assert [o.status for o in ev.outcomes] == ["met"] * 6
    assert ev.as_dict()["ruleset_version"] == 1
    assert len(ev.as_dict()["matched_inspections"]) == 3


def test_window_boundary_day_is_inside_and_day_before_is_outside() -> None:
    """A 3-year window ending 2026-06-30 starts 2023-07-01 (both ends included)."""
    assert rules.window_start(D(2026, 6, 30), 3) == D(2023, 7, 1)
    inside = [rec(D(2023, 7, 1)), rec(D(2024, 7, 1)), rec(D(2025, 7, 1))]
    outside = [rec(D(2023, 6, 30)), rec(D(2024, 7, 1)), rec(D(2025, 7, 1))]
    c = rules.Criterion("conforming_results", {"min_count": 3, "levels": ["provincial"], "window_years": 3})
    rs = rules.RuleSet(9, D(2020, 1, 1), (c,))
    assert rules.evaluate(rs, evidence(inside)).outcome == rules.ELIGIBLE
    out = rules.evaluate(rs, evidence(outside))
    assert out.outcome == rules.INELIGIBLE
    assert "2 次" in out.outcomes[0].reason_zh


def test_leap_day_window_start() -> None:
    assert rules.window_start(D(2028, 2, 29), 3) == D(2025, 3, 1)


def test_consecutive_years_gap_breaks_the_run() -> None:
    """2022, 2023, (no 2024), 2025, 2026: the longest recent run is 2025–2026, two years < 3."""
    recs = [rec(D(2022, 5, 1)), rec(D(2023, 5, 1)), rec(D(2025, 5, 1)), rec(D(2026, 5, 1))]
    o = next(o for o in rules.evaluate(RS, evidence(recs)).outcomes if o.kind == "consecutive_years")
    assert o.status == rules.NOT_MET
    assert "最长连续年数 2（2025–2026）" in o.reason_zh


def test_count_criterion_counts_only_inside_window() -> None:
    recs = [rec(D(2022, 5, 1)), rec(D(2023, 5, 1)), rec(D(2025, 5, 1)), rec(D(2026, 5, 1))]
    c = next(o for o in rules.evaluate(RS, evidence(recs)).outcomes if o.kind == "conforming_results")
    assert c.status == rules.NOT_MET
    assert [e["sampled_on"] for e in c.evidence] == ["2025-05-01", "2026-05-01"]


def test_run_must_be_recent() -> None:
    """2021–2023 conforming, nothing since: the run ends before 2026 − 1 = 2025 → not met."""
    assert rules.longest_recent_run([2021, 2022, 2023], 2025) == (0, None)
    assert rules.longest_recent_run([2021, 2022, 2023, 2025], 2025) == (1, 2025)
    assert rules.longest_recent_run([2023, 2024, 2025], 2025) == (3, 2025)


def test_failure_overturned_by_retest_counts_as_conforming() -> None:
    """复检: the first test found lead over the limit, the re-test conformed; the final verdict is 合格."""
    recs = [rec(D(2024, 5, 10)), rec(D(2025, 4, 2), "合格", retested=True, failing=("铅",)), rec(D(2026, 3, 15))]
    ev = rules.evaluate(RS, evidence(recs))
    assert ev.outcome == rules.ELIGIBLE
    assert status(ev, "no_nonconforming") == rules.MET


def test_final_nonconforming_in_window_makes_ineligible() -> None:
    recs = [*THREE_YEARS, rec(D(2025, 9, 1), "不合格", level="county", failing=("标签",))]
    ev = rules.evaluate(RS, evidence(recs))
    assert ev.outcome == rules.INELIGIBLE
    o = next(o for o in ev.outcomes if o.kind == "no_nonconforming")
    assert o.status == rules.NOT_MET and o.evidence[0]["failing_items"] == ["标签"]


def test_failure_before_window_does_not_count() -> None:
    recs = [rec(D(2023, 6, 30), "不合格"), *THREE_YEARS]
    assert status(rules.evaluate(RS, evidence(recs)), "no_nonconforming") == rules.MET


def test_pending_verdict_is_unknown_not_met() -> None:
    recs = [*THREE_YEARS, rec(D(2026, 6, 1), None)]
    ev = rules.evaluate(RS, evidence(recs))
    assert status(ev, "no_nonconforming") == rules.UNKNOWN
    assert ev.outcome == rules.UNDETERMINED


def test_county_results_do_not_count_towards_conforming_by_default() -> None:
    recs = [rec(D(2024, 5, 10), level="county"), rec(D(2025, 4, 2)), rec(D(2026, 3, 15))]
    ev = rules.evaluate(RS, evidence(recs))
    assert status(ev, "conforming_results") == rules.NOT_MET
    assert status(ev, "consecutive_years") == rules.NOT_MET


@pytest.mark.parametrize("field", ["inspections", "complaints", "credit", "certs"])
def test_missing_data_is_unknown_never_met(field: str) -> None:
    product = ProductRef(7, 70, "美的", "MK-SH15E105", requires_ccc=True)
    kwargs: dict = {"complaints": 0, "credit": "A",
                    "certs": (Certificate("2024010701000001", "CCC", "valid", D(2029, 1, 1)),), "product": product}
    recs: list[Inspection] | None = THREE_YEARS
    if field == "inspections":
        recs = None
    else:
        kwargs[field] = None
    ev = rules.evaluate(RS, evidence(recs, **kwargs))
    assert ev.outcome == rules.UNDETERMINED
    unknown = {o.kind for o in ev.outcomes if o.status == rules.UNKNOWN}
    expected = {"inspections": {"conforming_results", "consecutive_years", "no_nonconforming"},
                "complaints": {"complaints"}, "credit": {"credit_class"}, "certs": {"mandatory_certification"}}[field]
    assert unknown == expected


def test_no_records_at_all_is_not_met_and_no_failure_is_unknown() -> None:
    ev = rules.evaluate(RS, evidence([]))
    assert status(ev, "conforming_results") == rules.NOT_MET
    assert status(ev, "no_nonconforming") == rules.UNKNOWN


@pytest.mark.parametrize(("cls", "expected"), [("A", "met"), ("B", "met"), ("C", "not_met"), ("d", "not_met")])
def test_credit_class(cls: str, expected: str) -> None:
    assert status(rules.evaluate(RS, evidence(THREE_YEARS, credit=cls)), "credit_class") == expected


def test_complaint_threshold() -> None:
    assert status(rules.evaluate(RS, evidence(THREE_YEARS, complaints=1)), "complaints") == rules.NOT_MET
    data = rules.default_ruleset_data()
    data["criteria"][3]["params"]["max_justified"] = 1
    assert status(rules.evaluate(rules.parse_ruleset(data), evidence(THREE_YEARS, complaints=1)), "complaints") == "met"


def test_ccc_required_expired_or_suspended_is_not_met() -> None:
    product = ProductRef(7, 70, "美的", "MK-SH15E105", requires_ccc=True)
    expired = (Certificate("C1", "CCC", "valid", D(2026, 6, 29)), Certificate("C2", "CCC", "suspended", D(2030, 1, 1)))
    ev = rules.evaluate(RS, evidence(THREE_YEARS, certs=expired, product=product))
    assert status(ev, "mandatory_certification") == rules.NOT_MET
    ok = (Certificate("C3", "ccc", "valid", D(2026, 6, 30)),)  # valid through the evaluation day
    assert status(rules.evaluate(RS, evidence(THREE_YEARS, certs=ok, product=product)),
                  "mandatory_certification") == rules.MET


def test_ccc_not_required_is_met_as_not_applicable_even_without_data() -> None:
    ev = rules.evaluate(RS, evidence(THREE_YEARS, certs=None))
    o = next(o for o in ev.outcomes if o.kind == "mandatory_certification")
    assert o.status == rules.MET and "不适用" in o.reason_zh


# ---------------------------------------------------------------- product identity


@pytest.mark.parametrize(("a", "b"), [
    ("MK-SH15E105", "mk sh15e105"),
    ("MK-SH15E105", "ＭＫ－ＳＨ１５Ｅ１０５"),  # full-width
    ("BCD-215WTPZM(E)", "BCD215WTPZME"),
    ("ZS-1800／A", "zs1800/a"),
])
def test_model_normalisation(a: str, b: str) -> None:
    assert rules.normalize_model(a) == rules.normalize_model(b)
    assert rules.model_similarity(a, b) == 1.0


def test_model_spelled_differently_between_years_still_matches() -> None:
    """Records without a product link, the model typed differently each year (same enterprise and brand)."""
    recs = [rec(D(2024, 5, 10), product_id=None, model="MK SH15E105"),
            rec(D(2025, 4, 2), product_id=None, model="ＭＫ－ＳＨ１５Ｅ１０５"),
            rec(D(2026, 3, 15), product_id=None, model="MK-SH15E105A")]  # one extra letter: similarity 0.95
    ev = rules.evaluate(RS, evidence(recs))
    assert ev.outcome == rules.ELIGIBLE
    assert [m["match"] for m in ev.matched] == ["exact", "exact", "similar 0.95"]


def test_different_model_number_or_enterprise_does_not_match() -> None:
    assert rules.match_inspection(PRODUCT, rec(D(2025, 1, 1), product_id=None, model="MK-SH15E106"), 0.85) is None
    assert rules.match_inspection(PRODUCT, rec(D(2025, 1, 1), product_id=None, enterprise_id=71), 0.85) is None
    assert rules.match_inspection(PRODUCT, rec(D(2025, 1, 1), product_id=None, brand="美的X"), 0.85) is None
    # without the digit rule a one-digit change is similar enough — the reason the rule exists
    assert rules.match_inspection(PRODUCT, rec(D(2025, 1, 1), product_id=None, model="MK-SH15E106"), 0.85,
                                  digits_must_match=False) == "similar 0.90"  # 2·9/20


def test_renamed_product_matches_by_link_and_by_declared_former_name() -> None:
    """更名: the product was sold as 小美 KX-100 in 2024, as 美的 MK-SH15E105 since."""
    renamed = ProductRef(7, 70, "美的", "MK-SH15E105", aliases=(("小美", "KX-100"),))
    recs = [rec(D(2024, 5, 10), product_id=None, brand="小美", model="KX100"),
            rec(D(2025, 4, 2), product_id=7, brand="小美", model="KX-100"),  # linked record: the id decides
            rec(D(2026, 3, 15))]
    ev = rules.evaluate(RS, evidence(recs, product=renamed))
    assert ev.outcome == rules.ELIGIBLE
    assert [m["match"] for m in ev.matched] == ["alias exact", "product_id", "product_id"]
    # without the declared former name the unlinked 2024 record is not this product
    assert rules.evaluate(RS, evidence(recs)).outcome == rules.INELIGIBLE


# ---------------------------------------------------------------- versioned rule sets


def test_ruleset_in_force_by_effective_date() -> None:
    v1 = RS
    data = rules.default_ruleset_data() | {"version": 2, "effective_from": "2026-07-01"}
    data["criteria"][0]["params"]["min_count"] = 4
    v2 = rules.parse_ruleset(data)
    assert rules.ruleset_in_force([v1, v2], D(2026, 6, 30)) is v1
    assert rules.ruleset_in_force([v1, v2], D(2026, 7, 1)) is v2
    assert rules.ruleset_in_force([v1, v2], D(2023, 12, 31)) is None
    recs = THREE_YEARS + [rec(D(2026, 5, 1), level="municipal")]
    assert rules.evaluate(v1, evidence(recs[:3], D(2026, 6, 30))).outcome == rules.ELIGIBLE
    later = rules.evaluate(v2, evidence(recs[:3], D(2026, 7, 1)))
    assert later.outcome == rules.INELIGIBLE and later.ruleset_version == 2


@pytest.mark.parametrize(("patch", "field"), [
    ({"criteria": [{"kind": "magic"}]}, "criteria.0.kind"),
    ({"criteria": [{"kind": "conforming_results", "params": {"min_count": 0}}]}, "criteria.0.params.min_count"),
    ({"criteria": [{"kind": "conforming_results", "params": {"levels": ["galactic"]}}]}, "criteria.0.params.levels"),
    ({"criteria": [{"kind": "credit_class", "params": {"colour": 1}}]}, "criteria.0.params.colour"),
    ({"criteria": [{"kind": "complaints"}, {"kind": "complaints"}]}, "criteria.1.kind"),
    ({"criteria": []}, "criteria"),
    ({"effective_from": "2026-13-01"}, "effective_from"),
    ({"model_similarity": 0.2}, "model_similarity"),
    ({"version": 0}, "version"),
])
def test_bad_ruleset_names_the_field(patch: dict, field: str) -> None:
    with pytest.raises(DomainError) as err:
        rules.parse_ruleset(rules.default_ruleset_data() | patch)
    assert err.value.field == field


def test_ruleset_round_trip() -> None:
    assert rules.parse_ruleset(rules.ruleset_to_data(RS)) == RS


# ---------------------------------------------------------------- numbering and states


def test_announcement_numbers() -> None:
    assert rules.announcement_label(2026, 1) == "2026年第1号"
    assert rules.next_number([]) == 1
    assert rules.next_number([1, 2, None, 3]) == 4


def test_listing_states() -> None:
    today = D(2026, 6, 30)
    assert rules.listing_state("listed", D(2026, 6, 30), today, False) == "valid"
    assert rules.listing_state("listed", D(2026, 6, 29), today, False) == "expired"
    assert rules.listing_state("listed", D(2027, 1, 1), today, True) == "under_review"
    assert rules.listing_state("revoked", D(2027, 1, 1), today, True) == "revoked"
    assert rules.listing_state("pending", None, today, False) == "pending"
    assert rules.add_years(D(2024, 2, 29), 3) == D(2027, 2, 28)


# ---------------------------------------------------------------- property: more good news never hurts

_days = st.dates(min_value=D(2019, 1, 1), max_value=D(2026, 12, 31))
_levels = st.sampled_from(rules.LEVELS)
_verdicts = st.sampled_from(["合格"] * 8 + ["不合格", None])
_models = st.sampled_from(["MK-SH15E105", "mk sh15e105", "MK-SH15E105A", "MK-SH15E106", "KX-100"])


@st.composite
def _records(draw: st.DrawFn, verdict: st.SearchStrategy = _verdicts) -> Inspection:
    day = draw(_days)
    return Inspection(batch_id=draw(st.integers(1, 10**6)), plan_level=draw(_levels), plan_year=day.year,
                      enterprise_id=draw(st.sampled_from([70, 71])), brand="美的", model=draw(_models),
                      sampled_on=day, final_verdict=draw(verdict),
                      product_id=draw(st.sampled_from([None, 7, 8])))


@settings(max_examples=150, deadline=None)
@given(recs=st.lists(_records(), max_size=8), extra=_records(st.just("合格")),
       as_of=st.dates(min_value=D(2022, 1, 1), max_value=D(2026, 12, 31)),
       credit=st.sampled_from(["A", "A", "B", "C", None]), complaints=st.sampled_from([0, 0, 0, 1, None]),
       base=st.booleans())
def test_adding_a_conforming_result_never_makes_an_eligible_product_ineligible(
        recs: list[Inspection], extra: Inspection, as_of: dt.date, credit: str | None, complaints: int | None,
        base: bool) -> None:
    if base:  # start from an eligible history often enough that the implication is really exercised
        recs = [rec(dt.date(as_of.year - k, 1, 1)) for k in range(3)] + recs
    before = rules.evaluate(RS, evidence(recs, as_of, credit=credit, complaints=complaints))
    after = rules.evaluate(RS, evidence([*recs, extra], as_of, credit=credit, complaints=complaints))
    event("eligible before" if before.outcome == rules.ELIGIBLE else "not eligible before")
    if before.outcome == rules.ELIGIBLE:
        assert after.outcome == rules.ELIGIBLE
    # and no single criterion that was met stops being met
    for b, a in zip(before.outcomes, after.outcomes, strict=True):
        if b.status == rules.MET:
            assert a.status == rules.MET, (b, a)


def test_reads_the_spotcheck_contract_record() -> None:
    """Contract check: spotcheck's InspectionRecord (CONTRACTS.md) converts field by field."""
    svc = pytest.importorskip("zhijian.spotcheck.service")
    r = svc.InspectionRecord(batch_id=5, plan_id=1, plan_level="national", plan_year=2025, product_id=7,
                             enterprise_id=70, brand="美的", model="MK-SH15E105", category_id=3, region_code="440606",
                             sampled_on=D(2025, 4, 2), basis="random", final_verdict="合格", retested=True,
                             failing_items=["铅"], safety_failure=False, lab_id=2, report_no="GD-2025-1")
    got = Inspection.from_record(r)
    assert got == Inspection(5, "national", 2025, 70, "美的", "MK-SH15E105", D(2025, 4, 2), "合格", 7, True,
                             ("铅",), "GD-2025-1")


def test_failures_since_listing_drive_the_reconciliation() -> None:
    """Only final 不合格 of this product (by link or by model) sampled on or after the listing date count."""
    recs = [rec(D(2025, 3, 17), "不合格"),  # the day before listing
            rec(D(2025, 3, 18), None),  # not final yet
            rec(D(2025, 6, 1), "不合格", product_id=None, model="mk-sh15e105"),
            rec(D(2025, 7, 1), "不合格", product_id=None, model="MK-SH15E106"),  # another model
            rec(D(2025, 8, 1), "合格")]
    got = rules.failures_since(RS, PRODUCT, recs, D(2025, 3, 18))
    assert [r.sampled_on for r in got] == [D(2025, 6, 1)]
