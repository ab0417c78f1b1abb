"""GB/T 2828.1-2012 (= ISO 2859-1:1999) and ANSI/ASQ Z1.4 sampling tables.

Sources of the expected cells (cited per test):
[GB]  GB/T 2828.1-2012 Tables 1, 2-A, 2-B, 2-C (printed pp. 15-17), transcription double-checked against the
      standard's scan in nihantao-crosis/quality-platform (src/core/aql.ts, fixtures gbt2828-1-2012-tables-2abc*.tsv).
[MIL] MIL-STD-105E Table II-A row listing ("Tablas", scribd document 563507790): row A ends 21 22 30 31,
      rows B-E end 30 31 44 45, rows F-Q end 21 22, row R has no 0 1 plan.
[NIBS] MIL-STD-105E-derived tables 1-A (normal) and 1-B (tightened), AQL 0.65-15, nibs.org/FMOC/DPW_AC/AC-TABLE.ASC.
[AIR] aqlinspectorsrule.com/below: normal R/0.015 -> P 800 0/1; reduced R/0.015 -> P 315 0/1;
      tightened Q and R/0.025 -> 3150, Ac 1 Re 2.
[WT]  MIL-STD-105E Table I as reproduced at wisetool.com/sampling.htm.
"""

from __future__ import annotations

import pytest

from zhijian.stats.errors import StatsError
from zhijian.stats.sampling import code_letter, find_plan, load_tables, parse_aql, single_cell

# ---------------------------------------------------------------- Table 1 (code letters)


@pytest.mark.parametrize(
    ("lot", "level", "letter"),
    [
        (1000, "II", "J"),  # [GB][WT] Table 1, 501-1200, II
        (2000, "II", "K"),  # [GB] 1201-3200, II
        (5, "II", "A"),  # [WT] 2-8, II
        (5, "III", "B"),  # [WT] 2-8, III
        (100, "S-1", "B"),  # [GB] 91-150, S-1
        (100, "S-2", "B"),  # [GB] 91-150, S-2
        (100, "S-3", "C"),  # [GB] 91-150, S-3
        (100, "S-4", "D"),  # [GB] 91-150, S-4
        (40000, "S-2", "E"),  # [GB] 35001-150000, S-2
        (600000, "I", "N"),  # [GB] over 500000, I
        (600000, "S-4", "K"),  # [GB] over 500000, S-4
        (50, "III", "E"),  # [WT] 26-50, III
        (10000, "II", "L"),  # [GB] 3201-10000, II (upper bound inclusive)
        (10001, "II", "M"),  # [GB] 10001-35000, II
    ],
)
def test_table_1_code_letters(lot: int, level: str, letter: str) -> None:
    assert code_letter(lot, level) == letter


# ---------------------------------------------------------------- Tables 2-A / 2-B / 2-C: resolved cells

CELLS = [
    # (severity, initial letter, AQL, final letter, n, Ac, Re, source)
    ("normal", "J", "1.0", "J", 80, 2, 3, "GB 2-A J/1.0; NIBS 1-A J 1.0 Re 3"),
    ("normal", "K", "1.0", "K", 125, 3, 4, "GB 2-A K/1.0; NIBS 1-A K 1.0 Re 4"),
    ("normal", "L", "0.65", "L", 200, 3, 4, "GB 2-A L/0.65; NIBS 1-A L .65 Re 4"),
    ("normal", "E", "1.0", "E", 13, 0, 1, "GB 2-A E/1.0; NIBS 1-A E 1.0 Re 1"),
    ("normal", "F", "10", "F", 20, 5, 6, "GB 2-A F/10; NIBS 1-A F 10 Re 6"),
    ("normal", "F", "15", "F", 20, 7, 8, "GB 2-A F/15; NIBS 1-A F 15 Re 8"),
    ("normal", "Q", "0.010", "Q", 1250, 0, 1, "GB 2-A Q/0.010"),
    ("normal", "R", "0.010", "Q", 1250, 0, 1, "GB 2-A R/0.010 arrow up; MIL row R has no 0 1"),
    ("normal", "R", "0.015", "P", 800, 0, 1, "GB 2-A R/0.015 arrow up twice; AIR"),
    ("normal", "A", "6.5", "A", 2, 0, 1, "GB 2-A A/6.5; NIBS 1-A A 6.5 Re 1"),
    ("normal", "A", "1000", "A", 2, 30, 31, "GB 2-A A/1000; MIL row A ends 30 31"),
    ("normal", "B", "1000", "B", 3, 44, 45, "GB 2-A B/1000; MIL row B ends 44 45"),
    ("normal", "F", "100", "E", 13, 21, 22, "GB 2-A F/100 arrow up; MIL row F ends 21 22"),
    ("normal", "H", "0.40", "G", 32, 0, 1, "GB 2-A H/0.40 arrow up"),
    ("normal", "H", "0.65", "J", 80, 1, 2, "GB 2-A H/0.65 arrow down; NIBS 1-A H .65 arrow down, J .65 Re 2"),
    ("normal", "G", "0.65", "F", 20, 0, 1, "GB 2-A G/0.65 arrow up; NIBS 1-A G .65 arrow up"),
    ("normal", "A", "10", "C", 5, 1, 2, "GB 2-A A/10 arrow down to C"),
    ("tightened", "J", "1.0", "J", 80, 1, 2, "GB 2-B J/1.0; NIBS 1-B J 1.0 Re 2"),
    ("tightened", "K", "1.0", "K", 125, 2, 3, "GB 2-B K/1.0; NIBS 1-B K 1.0 Re 3"),
    ("tightened", "G", "15", "G", 32, 8, 9, "GB 2-B G/15; NIBS 1-B G 15 Re 9"),
    ("tightened", "F", "1.0", "F", 20, 0, 1, "GB 2-B F/1.0; NIBS 1-B F 1.0 Re 1"),
    ("tightened", "Q", "0.025", "S", 3150, 1, 2, "GB 2-B Q/0.025 arrow down to S; AIR"),
    ("tightened", "R", "0.025", "S", 3150, 1, 2, "GB 2-B R/0.025 arrow down to S; AIR"),
    ("tightened", "A", "1000", "A", 2, 27, 28, "GB 2-B A/1000"),
    ("reduced", "K", "1.0", "K", 50, 2, 3, "GB 2-C K/1.0 (no Ac/Re gap in ISO 2859-1:1999)"),
    ("reduced", "J", "1.0", "J", 32, 1, 2, "GB 2-C J/1.0"),
    ("reduced", "R", "0.015", "P", 315, 0, 1, "GB 2-C R/0.015 arrow up; AIR"),
    ("reduced", "Q", "0.025", "N", 200, 0, 1, "GB 2-C Q/0.025 long arrow up (erratum #1 of the transcription)"),
    ("reduced", "C", "100", "C", 2, 6, 7, "GB 2-C C/100 (Ac 6, a value absent from 2-A)"),
    ("reduced", "C", "150", "C", 2, 8, 9, "GB 2-C C/150 (Ac 8)"),
    ("reduced", "H", "15", "H", 20, 8, 9, "GB 2-C H/15"),
    ("reduced", "A", "6.5", "A", 2, 0, 1, "GB 2-C A/6.5"),
]


@pytest.mark.parametrize(("severity", "letter", "aql", "final", "n", "ac", "re", "source"), CELLS)
def test_table_cells(severity: str, letter: str, aql: str, final: str, n: int, ac: int, re: int, source: str) -> None:
    assert single_cell(letter, aql, severity) == (final, n, ac, re), source


def test_at_least_thirty_cells_with_sources() -> None:
    assert len(CELLS) >= 30 and all(c[-1] for c in CELLS)


@pytest.mark.parametrize("standard", ["gbt2828", "z14"])
def test_structural_invariants(standard: str) -> None:
    """Every arrow ends on a concrete plan of the same column whose sample size is that letter's."""
    t = load_tables(standard)
    for severity, block in t["single"].items():
        for letter, row in block["cells"].items():
            assert len(row) == 26
            for col, cell in zip(t["aql_columns"], row, strict=True):
                if cell == "-":
                    continue
                final, n, ac, re = cell.split("/")
                assert int(n) == block["sample_sizes"][final], (severity, letter, col)
                assert block["cells"][final][t["aql_columns"].index(col)] == cell, (severity, letter, col)
                if standard == "gbt2828":
                    assert int(re) == int(ac) + 1  # ISO 2859-1:1999: no gap, also in the reduced table


def test_tables_2a_2b_identical_between_standards() -> None:
    """DOMAIN.md: Tables 1, 2-A, 2-B of GB/T 2828.1 equal MIL-STD-105E / Z1.4 I, II-A, II-B."""
    gb, z = load_tables("gbt2828"), load_tables("z14")
    assert gb["table_1"]["levels"] == z["table_1"]["levels"]
    for sev in ("normal", "tightened"):
        assert gb["single"][sev]["cells"] == z["single"][sev]["cells"]


# ---------------------------------------------------------------- find_plan


def test_issue_example_plan() -> None:
    p = find_plan(1000, "1.0", level="II").to_dict()
    assert (p["code_letter"], p["sample_size"], p["acceptance_number"], p["rejection_number"]) == ("J", 80, 2, 3)
    assert p["unconfirmed"] is False and p["arrow"] is None


def test_arrow_uses_new_letters_sample_size() -> None:
    # lot 300 (H at level II), AQL 0.65: arrow down to J, n = 80 (not H's 50) -- GB 2-A H/0.65
    p = find_plan(300, 0.65)
    assert (p.code_letter, p.plan_letter, p.sample_size, p.acceptance_number, p.arrow) == ("H", "J", 80, 1, "down")
    assert any("J" in n for n in p.notes_en)


def test_full_inspection_when_sample_reaches_lot() -> None:
    p = find_plan(5, "10")  # A -> C, n = 5 = lot size
    assert p.full_inspection and p.sample_size == 5 and p.acceptance_number == 1
    p = find_plan(1000, "0.010")  # J -> Q 1250 > 1000
    assert p.full_inspection and p.sample_size == 1000


def test_special_level_plan() -> None:
    # lot 1000, S-3 -> E (Table 1); 2-A E/2.5 is an arrow down to F: 20, 1/2 (GB)
    p = find_plan(1000, 2.5, level="S-3")
    assert (p.code_letter, p.plan_letter, p.sample_size, p.acceptance_number, p.rejection_number) == ("E", "F", 20, 1, 2)


def test_double_sampling_plan_is_marked_unconfirmed() -> None:
    p = find_plan(1000, "1.0", scheme="double").to_dict()
    assert p["code_letter"] == "J" and p["unconfirmed"] is True
    assert [(s["sample_size"], s["cumulative_sample_size"], s["acceptance_number"], s["rejection_number"]) for s in p["stages"]] == [
        (50, 50, 0, 3), (50, 100, 3, 4)]


def test_double_star_falls_back_to_single() -> None:
    p = find_plan(2000, "0.10", scheme="double").to_dict()  # K/0.10 is 0/1: the double table gives '*'
    assert p["fallback_to_single"] is True
    assert (p["sample_size"], p["acceptance_number"], p["rejection_number"]) == (125, 0, 1)
    assert any("*" in n for n in p["notes"])


def test_z14_reduced_has_gap_and_is_unconfirmed() -> None:
    p = find_plan(1000, "1.0", severity="reduced", standard="z14")
    assert (p.sample_size, p.acceptance_number, p.rejection_number) == (32, 1, 3)
    assert p.unconfirmed
    gb = find_plan(1000, "1.0", severity="reduced")
    assert (gb.sample_size, gb.acceptance_number, gb.rejection_number) == (32, 1, 2) and not gb.unconfirmed


def test_decision_for_double_plan() -> None:
    p = find_plan(1000, "1.0", scheme="double")
    assert p.accepts(0) is True
    assert p.accepts(3) is False
    assert p.accepts(1) is None
    assert p.accepts(1, 2) is True
    assert p.accepts(1, 3) is False


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"lot_size": 0, "aql": "1.0"}, "stats.lot_size_zero", "lot_size"),
        ({"lot_size": 1000, "aql": "0.3"}, "stats.aql_not_in_table", "aql"),
        ({"lot_size": 1000, "aql": "abc"}, "stats.aql_not_in_table", "aql"),
        ({"lot_size": 1000, "aql": "1.0", "level": "IV"}, "stats.unknown_level", "level"),
        ({"lot_size": 1000, "aql": "1.0", "severity": "strict"}, "stats.unknown_severity", "severity"),
        ({"lot_size": 1000, "aql": "1.0", "standard": "jis"}, "stats.unknown_standard", "standard"),
        ({"lot_size": 10.5, "aql": "1.0"}, "stats.not_integer", "lot_size"),
    ],
)
def test_bad_input(kwargs: dict, code: str, field: str) -> None:
    with pytest.raises(StatsError) as e:
        find_plan(**kwargs)
    assert e.value.code == code and e.value.field == field
    assert e.value.message_zh and e.value.message_en


def test_parse_aql_accepts_numbers() -> None:
    assert parse_aql(1) == "1.0" and parse_aql("0.01") == "0.010" and parse_aql(1000.0) == "1000"
