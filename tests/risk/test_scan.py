"""The set-based scan (pure): rows → arrays → detectors → signal drafts with evidence and sampling basis."""

from __future__ import annotations

import numpy as np

from tests.risk.synthetic import AS_OF, complaint_rows, result_rows
from zhijian.risk import scan


def test_result_arrays_from_contract_rows() -> None:
    rows = [(7, "不合格", 3, "440305", 11, 5, AS_OF, "targeted", "national", 12, 2),
            (8, "合格", 3, None, 12, None, "2026-10-02", "random", "county", 8, 0),
            (9, None, 3, "110105", 12, None, AS_OF, "random", "county", 8, 0)]
    a = scan.result_arrays(rows)
    assert a.batch_id.tolist() == [7, 8]  # the non-final verdict is dropped
    assert a.fail.tolist() == [True, False]
    assert a.province.tolist() == [44, 0]
    assert a.product_id.tolist() == [5, -1]
    assert a.basis.tolist() == [1, 0]
    assert [scan.month_label(m) for m in a.month] == ["2026-11", "2026-10"]


def test_rising_rate_is_flagged_with_evidence_and_targeted_samples_excluded() -> None:
    rows = result_rows(cat=1, hot_cat=2, ent=100)
    a = scan.result_arrays(rows)
    drafts, summary = scan.scan_rates(a, scan.build_configs([]), AS_OF)
    hot = [d for d in drafts if d.series_key == "cat:2|reg:440000" and d.period == "2026-11"]
    methods = {d.method for d in hot}
    assert {"p_exact", "cusum", "ewma"} <= methods
    d = next(d for d in hot if d.method == "p_exact")
    assert d.evidence["n"] == 36  # 40 batches, the 4 targeted ones excluded from the prevalence series
    assert summary["excluded_targeted"] == sum(1 for r in rows if r[7] == "targeted")
    assert d.sampling_basis == "random"
    failing = {r[0] for r in rows if r[2] == 2 and r[3] == "440305" and r[1] == "不合格" and r[7] == "random"
               and r[6].month == 11 and r[6].year == 2026}
    assert set(d.evidence["failing_batch_ids"]) == failing
    assert d.expected is not None and d.observed > 3 * d.expected
    # the quiet category raises (almost) nothing at the exact chart's level
    assert sum(1 for x in drafts if x.series_key.startswith("cat:1|") and x.method == "p_exact") <= 1
    assert summary["heatmap"] and summary["trends"][0]["series_key"] == "cat:2|reg:440000"


def test_per_series_config_overrides_and_disables() -> None:
    a = scan.result_arrays(result_rows(cat=1, hot_cat=2, ent=100))
    cfgs = scan.build_configs([("rate", "cat:2|reg:440000", ["cusum"], {"cusum_h": 50.0}, True)])
    drafts, _ = scan.scan_rates(a, cfgs, AS_OF)
    assert not [d for d in drafts if d.series_key == "cat:2|reg:440000" and d.method != "funnel"]
    cfgs = scan.build_configs([("rate", "cat:2|reg:440000", [], {}, False)])
    drafts, _ = scan.scan_rates(a, cfgs, AS_OF)
    assert not [d for d in drafts if d.series_key == "cat:2|reg:440000" and d.method != "funnel"]


def test_enterprise_shrinkage_flags_the_bad_enterprise() -> None:
    a = scan.result_arrays(result_rows(cat=1, ent=100, hot_ent=200) + result_rows(cat=1, ent=300, seed=5,
                                                                                   batch0=10**6)
                           + result_rows(cat=1, ent=400, seed=6, batch0=2 * 10**6))
    drafts, summary = scan.scan_enterprises(a, scan.build_configs([]), AS_OF)
    assert [d.enterprise_id for d in drafts] == [200]
    d = drafts[0]
    assert d.params["posterior_mean"] < d.observed  # shrunk towards the category's rate
    assert summary["enterprises"][0]["enterprise_id"] == 200


def test_complaint_spike_found_by_farrington_and_ears() -> None:
    rows = complaint_rows(cat=1, product=10, spike_product=11)
    c = scan.complaint_arrays(rows)
    drafts, summary = scan.scan_counts(c, scan.build_configs([]), AS_OF)
    spike = {d.method for d in drafts if d.series_key == "prod:11"}
    assert "farrington" in spike  # 120 weeks ≥ 2 years + 3 weeks of history
    d = next(d for d in drafts if d.series_key == "prod:11" and d.method == "farrington")
    assert d.observed == 12 and d.expected is not None and d.expected < 2 and d.period == scan.week_label(
        scan.week_index(AS_OF) - 1)
    assert len(d.evidence["complaint_ids"]) == 12
    assert d.sampling_basis == "complaints"
    # with only 30 weeks of history the same spike goes to EARS
    short = scan.complaint_arrays([r for r in rows if (AS_OF - r[1]).days < 30 * 7])
    d2, _ = scan.scan_counts(short, scan.build_configs([]), AS_OF)
    assert {d.method for d in d2 if d.series_key == "prod:11"} & {"ears_c1", "ears_c2", "ears_c3"}
    assert not [d for d in d2 if d.method == "farrington"]
    assert sum(summary["weekly_total"]) > 0


def test_empty_inputs() -> None:
    a = scan.result_arrays([])
    c = scan.complaint_arrays([])
    assert scan.scan_rates(a, scan.build_configs([]), AS_OF)[0] == []
    assert scan.scan_enterprises(a, scan.build_configs([]), AS_OF)[0] == []
    assert scan.scan_counts(c, scan.build_configs([]), AS_OF)[0] == []
    assert np.asarray(a.batch_id).size == 0
