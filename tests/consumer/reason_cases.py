"""The inputs of consumer's existing rule tests (tests/consumer/test_rules.py, test_credit_samr.py) and one case per
branch of the sentences the rules write, shared by test_reason_codes.py and the golden file it compares with
(tests/consumer/data/reason_golden.json, written once from the pattern-era rules, before the reason codes)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from zhijian.consumer import rules

AS_OF = dt.date(2026, 6, 30)


def _ago(days: int) -> dt.date:
    return AS_OF - dt.timedelta(days=days)


def credit_cases() -> dict[str, rules.CreditInputs]:
    insp = rules.InspectionFact
    return {
        "clean": rules.CreditInputs(inspections=tuple(insp(_ago(d), "合格") for d in (30, 200, 400)), system_certs=1),
        "safety_half_year": rules.CreditInputs(inspections=(insp(_ago(182), "不合格", True, "No.2026-001",
                                                                 ("泄漏电流",)),)),
        "serious_penalty": rules.CreditInputs(penalties=((_ago(100), "serious", "浙市监罚〔2026〕1号"),)),
        "many_signals": rules.CreditInputs(
            inspections=(insp(_ago(730), "不合格"), insp(_ago(1500), "不合格", True)), justified_complaints=6,
            sales_10m_yuan=2.0, recalls=((_ago(365), "serious"),), ccc_missing=3),
        "general_penalty": rules.CreditInputs(penalties=((_ago(800), "general", "x"),)),
        "empty": rules.CreditInputs(),
        "serious_listed": rules.CreditInputs(serious_listed=("严重失信决定书 1 号",)),
        "abnormal": rules.CreditInputs(abnormal_entries=("未按期公示年报",)),
        "two_abnormal": rules.CreditInputs(abnormal_entries=("年报", "地址失联")),
        "everything": rules.CreditInputs(
            inspections=(insp(_ago(40), "不合格", True, None, ("铅", "镉")), insp(_ago(90), "不合格", False, "R-7"),
                         insp(_ago(10), "合格")),
            justified_complaints=2, recalls=((_ago(20), "low"), (_ago(50), "unknown-level")), certs_suspended=1,
            certs_withdrawn=2, ccc_missing=1, system_certs=3, stable_listings=4,
            penalties=((_ago(30), "minor", "杭市监罚〔2026〕9号"), (_ago(60), "serious", "浙市监罚〔2026〕2号"),
                       (_ago(70), "odd", "N-1")),
            serious_listed=("决定书 2 号",), abnormal_entries=("通过登记的住所无法联系",)),
        "sales_fraction": rules.CreditInputs(justified_complaints=3, sales_10m_yuan=0.75),
    }


def limit_pairs() -> dict[str, tuple[rules.Limit, rules.Limit]]:
    lim = rules.Limit
    lead = lim("铅(以Pb计)", "mg/kg", "max", upper=0.2, text="≤0.2", source="GB 2762-2022")
    lead_plain = lim("铅(以Pb计)", "mg/kg", "max", upper=0.2, source="GB 2762-2022")
    protein = lim("蛋白质", "g/100g", "min", lower=2.9)
    rng = lim("蛋白质", "g/100kJ", "range", lower=0.43, upper=0.72)
    nd = lim("阪崎克罗诺杆菌", "", "not_detected")
    out: dict[str, tuple[rules.Limit, rules.Limit]] = {}
    for i, ent in enumerate((lim("铅", "mg/kg", "max", upper=0.3), lim("铅", "mg/kg", "max", upper=0.15),
                             lim("铅", "mg/kg", "max", upper=0.2), lim("铅(以Pb计)", "g/kg", "max", upper=0.0002),
                             lim("铅", "g/kg", "max", upper=0.0003), lim("铅", "μg/kg", "max", upper=150),
                             lim("铅", "mg/kg", "max", upper=0.2, upper_inclusive=False),
                             lim("铅", "mg/kg", "min", lower=0.0), lim("铅", "mA", "max", upper=0.1),
                             lim("铅", "", "not_detected"))):
        out[f"lead_text_{i}"] = (lead, ent)
        out[f"lead_{i}"] = (lead_plain, ent)
    out |= {
        "protein_stricter": (protein, lim("蛋白质", "g/kg", "min", lower=30)),
        "protein_laxer": (protein, lim("蛋白质", "g/kg", "min", lower=28)),
        "protein_equal": (protein, lim("蛋白质", "%", "min", lower=2.9)),
        "protein_no_min": (protein, lim("蛋白质", "g/kg", "max", upper=50)),
        "range_stricter": (rng, lim("蛋白质", "g/100kJ", "range", lower=0.45, upper=0.70)),
        "range_laxer_low": (rng, lim("蛋白质", "g/100kJ", "range", lower=0.40, upper=0.70)),
        "range_laxer_both": (rng, lim("蛋白质", "g/100kJ", "range", lower=0.40, upper=0.80)),
        "range_converted": (rng, lim("蛋白质", "g/kJ", "range", lower=0.004, upper=0.008)),
        "nd_limit": (nd, lim("阪崎克罗诺杆菌", "CFU/g", "max", upper=1)),
        "nd_nd": (nd, lim("阪崎克罗诺杆菌", "", "not_detected")),
        "text": (lim("外观", "", "text", text="无异物"), lim("外观", "", "text", text="无异物")),
        "lead_no_max": (lead_plain, lim("铅", "mg/kg", "min", lower=0.01)),
        "lead_no_max_converted": (lead_plain, lim("铅", "g/kg", "min", lower=0.00001)),
    }
    return out


def standard_cases() -> dict[str, tuple[list[rules.Limit], list[rules.Limit]]]:
    lim = rules.Limit
    lead = lim("铅(以Pb计)", "mg/kg", "max", upper=0.2, text="≤0.2", source="GB 2762-2022")
    nd = lim("阪崎克罗诺杆菌", "", "not_detected")
    return {
        "mixed": ([lead, nd, lim("镉", "mg/kg", "max", upper=0.2, mandatory=False), lim("外观", "", "text", text="无异物")],
                  [lim("铅", "mg/kg", "max", upper=0.1), lim("外观", "", "text", text="无异物"),
                   lim("水分", "%", "max", upper=5)]),
        "leader": ([lead], [lim("铅", "mg/kg", "max", upper=0.1)]),
    }


def zh_output() -> dict[str, Any]:
    """Every sentence the rules write for the cases, as the API and the stored rows carry it."""
    model = rules.CreditModel()
    out: dict[str, Any] = {"credit": {}, "indicator": {}, "standard": {}}
    for name, inp in credit_cases().items():
        res = rules.score_credit(inp, model, AS_OF)
        out["credit"][name] = {"details": [[i.factor, i.label_zh, i.points, i.detail] for i in res.items],
                               "caps": list(res.caps)}
    for name, (nat, ent) in limit_pairs().items():
        row = rules.compare_indicator(nat, ent)
        out["indicator"][name] = [row.verdict, row.detail]
    for name, (nat_list, ent_list) in standard_cases().items():
        out["standard"][name] = [[r["verdict"], r["detail"]] for r in rules.check_standard(nat_list, ent_list)
                                 .as_dict()["rows"]]
    return out
