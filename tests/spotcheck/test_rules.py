"""Pure rules: requirement parsing, GB/T 8170 comparison, units, decision rules, the vectorised core, the draw."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhijian.platform.errors import DomainError, InvalidTransition
from zhijian.spotcheck import rules
from zhijian.spotcheck.rules import FAIL, MANUAL, PASS, judge, parse_measured, parse_requirement


@pytest.mark.parametrize(("text", "kind", "lower", "upper", "li", "ui", "dec"), [
    ("≤0.5", "max", None, 0.5, True, True, 1),
    ("≥3.0", "min", 3.0, None, True, True, 1),
    ("0.5~1.5", "range", 0.5, 1.5, True, True, 1),
    ("0.5～1.5", "range", 0.5, 1.5, True, True, 1),  # full-width tilde
    ("0.43~0.72", "range", 0.43, 0.72, True, True, 2),
    ("<0.1", "max", None, 0.1, True, False, 1),
    ("＜０．１", "max", None, 0.1, True, False, 1),  # full-width digits and sign
    (">95", "min", 95.0, None, False, True, 0),
    ("<=15.0", "max", None, 15.0, True, True, 1),
    ("≤5×10⁴", "max", None, 50000.0, True, True, -4),  # GB/T 8170 §4.3: the limit's last significant digit
    ("-10~10", "range", -10.0, 10.0, True, True, 0),
    ("6.5", "equals", 6.5, 6.5, True, True, 1),
])
def test_parse_limits(text, kind, lower, upper, li, ui, dec):
    r = parse_requirement(text)
    assert (r.kind, r.lower, r.upper, r.lower_inclusive, r.upper_inclusive, r.decimals) == (kind, lower, upper, li, ui, dec)


def test_parse_not_detected_and_text():
    assert parse_requirement("不得检出").kind == "not_detected"
    assert parse_requirement("不得检出/100g").kind == "not_detected"
    nd = parse_requirement("禁用(≤20)")
    assert (nd.kind, nd.upper) == ("not_detected", 20.0)
    t = parse_requirement("淡黄色至棕红色")
    assert t.kind == "text" and t.text == "淡黄色至棕红色"
    assert parse_requirement("≤0.5 mg/kg").unit == "mg/kg"


def test_parse_rejects_empty_and_inverted_range():
    with pytest.raises(DomainError) as e:
        parse_requirement("  ")
    assert e.value.code == "spotcheck.bad_requirement"
    with pytest.raises(DomainError):
        parse_requirement("1.5~0.5")


def test_gbt8170_example_from_domain_guide():
    """DOMAIN.md (GB/T 8170-2008): limit ≤0.5, result 0.52 fails under 全数值比较法, passes under 修约值比较法."""
    req = parse_requirement("≤0.5", "mg/kg")
    full = judge(req, parse_measured("0.52"), comparison_method="full")
    rounded = judge(req, parse_measured("0.52"), comparison_method="rounded")
    assert (full.verdict, full.compared_value) == (FAIL, 0.52)
    assert (rounded.verdict, rounded.compared_value) == (PASS, 0.5)


@pytest.mark.parametrize(("value", "decimals", "expected"), [
    # GB/T 8170-2008 §3.3 examples: 四舍六入五成双
    (12.1498, 1, 12.1), (1268.0, -2, 1300.0), (10.502, 0, 11.0), (1.050, 1, 1.0), (0.35, 1, 0.4),
    (2.5, 0, 2.0), (3.5, 0, 4.0), (-0.0365, 3, -0.036),
])
def test_rounding_rule(value, decimals, expected):
    assert rules.round_gbt8170(value, decimals) == expected


def test_units_converted_with_pint():
    req = parse_requirement("≤0.5", "mg/kg")
    assert rules.unit_factor("g/kg", "mg/kg") == pytest.approx(1000.0)
    assert judge(req, parse_measured("0.00052"), unit="g/kg").verdict == FAIL  # 0.52 mg/kg
    assert judge(req, parse_measured("0.00048"), unit="g/kg").verdict == PASS
    assert judge(req, parse_measured("480"), unit="μg/kg").verdict == PASS
    with pytest.raises(DomainError) as e:
        judge(req, parse_measured("1"), unit="mm")
    assert e.value.code == "spotcheck.unit_mismatch"


def test_not_detected_rules():
    nd_req = parse_requirement("不得检出")
    assert judge(nd_req, parse_measured("未检出"), lod=0.01).verdict == PASS
    assert judge(nd_req, parse_measured("0.03"), lod=0.01).verdict == FAIL
    mx = parse_requirement("≤0.2")
    assert judge(mx, parse_measured("未检出"), lod=0.01).verdict == PASS
    assert judge(mx, parse_measured("ND"), lod=0.5).verdict == rules.INCONCLUSIVE  # LOD above the limit proves nothing
    mn = parse_requirement("≥2.9")
    assert judge(mn, parse_measured("未检出"), lod=0.1).verdict == FAIL


def test_min_range_exclusive_and_text():
    assert judge(parse_requirement("≥3.0"), parse_measured("2.95")).verdict == FAIL
    assert judge(parse_requirement("≥3.0"), parse_measured("2.95"), comparison_method="rounded").verdict == PASS  # 2.95→3.0 (五成双)
    assert judge(parse_requirement("0.5~1.5"), parse_measured("1.5")).verdict == PASS
    assert judge(parse_requirement("<0.1"), parse_measured("0.1")).verdict == FAIL
    assert judge(parse_requirement("<0.1"), parse_measured("0.099")).verdict == PASS
    text = parse_requirement("无渗漏")
    with pytest.raises(DomainError) as e:  # a text requirement is judged by the inspector: the verdict is required
        judge(text, rules.parse_measured_for(text, "无渗漏"))
    assert e.value.code == "spotcheck.lab_verdict_required"
    assert judge(text, rules.parse_measured_for(text, "无渗漏"), lab_verdict=PASS).verdict == PASS


def test_guarded_rule_uses_uncertainty():
    """Guarded rejection (ILAC-G8 §4.2.3): 0.6 ± 0.2 against ≤0.5 is outside by less than w = U → not proven."""
    req = parse_requirement("≤0.5")
    simple = judge(req, parse_measured("0.6"), uncertainty=0.2, rule="simple")
    guarded = judge(req, parse_measured("0.6"), uncertainty=0.2, rule="guarded")
    assert simple.verdict == FAIL
    assert guarded.verdict == PASS and guarded.outcome == "conditional_fail"
    # p_c = Φ((0.5 − 0.6)/0.1) = Φ(−1) = 0.158655… (JCGM 106 §7)
    assert guarded.probability_of_conformance == pytest.approx(0.158655254, abs=1e-8)
    assert judge(req, parse_measured("0.75"), uncertainty=0.2, rule="guarded").verdict == FAIL
    with pytest.raises(DomainError):
        judge(req, parse_measured("0.6"), rule="guarded")


def test_measured_values():
    assert parse_measured("未检出").not_detected
    assert parse_measured("<0.01").not_detected
    assert parse_measured("1.2×10³").value == 1200.0
    with pytest.raises(DomainError) as e:
        parse_measured("abc")
    assert e.value.field == "value"


_kinds = st.sampled_from(["max", "min", "range", "not_detected", "equals", "text", "negative"])
_quals = st.sampled_from(["", "", "", "detected", "positive", "negative"])


@settings(max_examples=400, deadline=None)
@given(kind=_kinds, a=st.floats(0, 10, allow_nan=False), b=st.floats(0, 10, allow_nan=False),
       v=st.one_of(st.none(), st.floats(0, 12, allow_nan=False)), dec=st.integers(-2, 3),
       u=st.one_of(st.none(), st.floats(-1, 1, allow_nan=False)), rounded=st.booleans(), guarded=st.booleans(),
       ui=st.booleans(), lod=st.one_of(st.none(), st.floats(-0.5, 2, allow_nan=False)),
       rep=st.one_of(st.none(), st.floats(0, 2, allow_nan=False)), qual=_quals,
       lab=st.sampled_from([None, PASS, FAIL]))
def test_vectorised_core_agrees_with_scalar(kind, a, b, v, dec, u, rounded, guarded, ui, lod, rep, qual, lab):
    """The bulk and the single judge accept and refuse exactly the same inputs (a missing or negative U, a
    未检出 without LOD, a text item without the inspector's verdict) and give the same verdicts.

    Unlike before, U is NOT set to 0 when missing: that hid the difference the issue reports."""
    lo, hi = min(a, b), max(a, b)
    lower = lo if kind in ("min", "range", "equals") else None
    upper = (hi if kind in ("max", "range") else (lo if kind == "equals" else None))
    if kind in ("not_detected", "negative"):
        upper = None
    req = rules.Requirement(kind, lower=lower, upper=upper, upper_inclusive=ui if kind == "max" else True, decimals=dec)
    nd = v is None and not qual
    measured = rules.Measured(None if (nd or qual) else v, nd, "", qual, rep if nd else None)
    if not nd and not qual and v is None:
        return
    try:
        scalar = judge(req, measured, lod=lod, uncertainty=u, rule="guarded" if guarded else "simple",
                       comparison_method="rounded" if rounded else "full", lab_verdict=lab).verdict
    except DomainError as e:
        scalar = ("refused", e.code, e.field)
    nan = np.nan
    try:
        code = rules.judge_arrays(
            np.array([rules.KIND_CODE[kind]]), np.array([nan if lower is None else lower]),
            np.array([nan if upper is None else upper]), np.array([nan if measured.value is None else measured.value]),
            np.array([nd]), upper_inclusive=np.array([req.upper_inclusive]), lower_inclusive=np.array([True]),
            lod=np.array([nan if lod is None else lod]), uncertainty=np.array([nan if u is None else u]),
            decimals=np.array([float(dec)]), rounded=np.array([rounded]), guarded=guarded,
            qual=np.array([rules.QUAL_CODE[qual]], np.int8),
            reported=np.array([nan if measured.reported_limit is None else measured.reported_limit]),
            lab_verdict=np.array([rules.LAB_CODE[lab]], np.int8), field_prefix="")[0]
        bulk = rules.CODE_VERDICT[code]
    except DomainError as e:
        bulk = ("refused", e.code, e.field.removeprefix("0."))
    assert bulk == scalar


def test_transitions_allowed_and_refused():
    path = ["planned", "sampled", "received", "tested", "verified", "judged", "notified", "objected", "retested",
            "final", "published"]
    for cur, nxt in zip(path, path[1:], strict=False):
        rules.check_transition(cur, nxt)
    for cur, nxt in [("planned", "refused"), ("refused", "published"), ("notified", "final"), ("objected", "final")]:
        rules.check_transition(cur, nxt)
    allowed = {(c, t) for c, ts in rules.TRANSITIONS.items() for t in ts}
    for cur in rules.STATES:
        for target in rules.STATES:
            if (cur, target) not in allowed:
                with pytest.raises(InvalidTransition) as e:
                    rules.check_transition(cur, target)
                assert e.value.status == 409 and e.value.extra == {"current": cur, "target": target}


def _draw_input(seed: int, **kw):
    cands = [rules.Candidate(p, 100 + p % 7, 1 if p < 30 else 2, "330106" if p % 2 else "440305",
                             "D" if p % 5 == 0 else "A") for p in range(1, 60)]
    return rules.DrawInput(seed=seed, candidates=cands, targets={1: 5, 2: 4}, labs=[(900, "330100"), (901, "440100")],
                           **kw)


def test_draw_is_reproducible_and_respects_conflicts():
    a = rules.draw(_draw_input(42, conflicts=[(900, 101)], excluded={3: "national"}))
    b = rules.draw(_draw_input(42, conflicts=[(900, 101)], excluded={3: "national"}))
    assert a == b
    assert len(a.assignments) == 9
    assert all(x.product_id != 3 for x in a.assignments)
    assert all(not (x.lab_id == 900 and x.enterprise_id == 101) for x in a.assignments)
    assert len({(x.category_id, x.enterprise_id) for x in a.assignments}) == 9  # one batch per enterprise per category
    assert rules.draw(_draw_input(43)) != rules.draw(_draw_input(42))
    same = rules.draw(_draw_input(42, exclude_same_province=True))
    assert all(x.region_code[:2] != {900: "33", 901: "44"}[x.lab_id] for x in same.assignments)
    again = rules.DrawInput.from_json(_draw_input(42).to_json())
    assert rules.draw(again) == rules.draw(_draw_input(42))


def test_credit_weighting_favours_d_class():
    hits = {"A": 0, "D": 0}
    cands = [rules.Candidate(p, p, 1, "330106", "D" if p <= 50 else "A") for p in range(1, 101)]
    for seed in range(300):
        r = rules.draw(rules.DrawInput(seed=seed, candidates=cands, targets={1: 10}, labs=[(1, "110000")]))
        for x in r.assignments:
            hits["D" if x.product_id <= 50 else "A"] += 1
    # weight 3 vs 1: D-class enterprises drawn clearly more often (expected share ≈ 0.7 for 10 of 100)
    assert hits["D"] / (hits["A"] + hits["D"]) > 0.62


def test_batch_verdict_and_rate():
    bv = rules.batch_verdict([("铅", FAIL, True), ("水分", PASS, False), ("色泽", PASS, False)])
    assert (bv.verdict, bv.failing_items, bv.safety_failure) == (FAIL, ["铅"], True)
    assert rules.batch_verdict([("色泽", MANUAL, False)]).verdict == MANUAL
    assert rules.rate(7, 112) == 6.2
    assert rules.rate(0, 0) is None
