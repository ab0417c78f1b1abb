"""Pure rules of supervisory spot checks (监督抽查): requirements, judgement, units, workflow, draws.

One judgement for every entry path (console form, API, import, `zhijian judge`, demo):

- :func:`parse_requirement` reads a requirement as written in a Chinese standard into a typed
  :class:`Requirement` — or into a ``text`` requirement with the reason it goes to the inspector.
  Shapes: ``≤0.5`` ``<0.1`` ``≥3.0`` ``>95`` (half/full width, ``不大于 不超过 不小于 不低于 小于 大于``),
  ranges ``0.5~1.5`` ``0.5-1.5`` ``0.5～1.5`` ``0.5—1.5`` ``0.5至1.5`` ``5.0±0.5``, numbers ``5×10⁴`` ``5x10^4``
  ``5E4`` ``10^4`` ``10⁴``, percentages ``≥95%``, an equality ``6.5``, ``不得检出`` (and ``禁用(≤20)``), ``阴性``,
  microbiological sampling plans ``n=5,c=2,m=100,M=1000 CFU/g`` (GB 4789.1 three- and two-class),
  qualitative ``无…`` / ``符合…要求`` (manual, with the standard named).
- :func:`parse_measured` reads a result as a lab writes it: a number, ``未检出``/``ND``, ``<0.05`` (below the
  reported limit), ``检出``, ``阳性``, ``阴性``; :func:`parse_units` the n unit results of a sampling plan.
- :func:`item_problems` is the one list of refusals; :func:`judge` (one item) and :func:`judge_arrays`
  (many items, vectorised) refuse and accept exactly the same inputs and give the same verdicts.
- GB/T 8170-2008 comparison: 全数值比较法 (``full``) or 修约值比较法 (``rounded``: the value is rounded to
  the limit's last significant digit first, §4.3 — ``≤5×10⁴`` rounds to 10⁴, ``≤1.0×10³`` to 10²).
- Decision rules with measurement uncertainty from :mod:`zhijian.stats.conformity` (ILAC-G8, JCGM 106).
- The batch workflow (planned → … → published), the reproducible 双随机 draw and the re-test lab draw.

No I/O here: every function is deterministic and testable without a database.
"""

from __future__ import annotations

from zhijian.spotcheck.rules.arrays import (
    CODE_VERDICT,
    LAB_CODE,
    QUAL_CODE,
    V_FAIL,
    V_INCONCLUSIVE,
    V_MANUAL,
    V_PASS,
    judge_arrays,
)
from zhijian.spotcheck.rules.draw import (
    Assignment,
    Candidate,
    DrawInput,
    DrawResult,
    draw,
)
from zhijian.spotcheck.rules.judging import (
    ItemJudgement,
    Problem,
    check_rule,
    effective_lod,
    item_problems,
    judge,
    round_gbt8170,
    round_gbt8170_array,
)
from zhijian.spotcheck.rules.measured import (
    Measured,
    parse_measured,
    parse_measured_for,
    parse_units,
    unit_factor,
)
from zhijian.spotcheck.rules.requirements import (
    FAIL,
    INCONCLUSIVE,
    KIND_CODE,
    KIND_ZH,
    KINDS,
    MANUAL,
    METHOD_ZH,
    METHODS,
    NOT_DETECTED_WORDS,
    NUMERIC_KINDS,
    PASS,
    QUAL_ZH,
    QUALS,
    RULES,
    VERDICTS,
    Requirement,
    bad_input,
    digit_zh,
    normalise,
    parse_requirement,
    read_number,
    requirement_from_indicator,
    superscripts_first,
)
from zhijian.spotcheck.rules.workflow import (
    ANNOUNCING_LEVELS,
    BASES,
    BASIS_ZH,
    EXEMPTABLE_BASES,
    LEVEL_ZH,
    LEVELS,
    STATE_ZH,
    STATES,
    TRANSITIONS,
    BatchVerdict,
    batch_verdict,
    check_transition,
    merge_retest,
    pick_retest_lab,
    province_of,
    rate,
)

__all__ = [
    "ANNOUNCING_LEVELS",
    "Assignment",
    "BASES",
    "BASIS_ZH",
    "BatchVerdict",
    "CODE_VERDICT",
    "Candidate",
    "DrawInput",
    "DrawResult",
    "EXEMPTABLE_BASES",
    "FAIL",
    "INCONCLUSIVE",
    "ItemJudgement",
    "KINDS",
    "KIND_CODE",
    "KIND_ZH",
    "LAB_CODE",
    "LEVELS",
    "LEVEL_ZH",
    "MANUAL",
    "METHODS",
    "METHOD_ZH",
    "Measured",
    "NOT_DETECTED_WORDS",
    "NUMERIC_KINDS",
    "PASS",
    "Problem",
    "QUALS",
    "QUAL_CODE",
    "QUAL_ZH",
    "RULES",
    "Requirement",
    "STATES",
    "STATE_ZH",
    "TRANSITIONS",
    "VERDICTS",
    "V_FAIL",
    "V_INCONCLUSIVE",
    "V_MANUAL",
    "V_PASS",
    "bad_input",
    "batch_verdict",
    "check_rule",
    "check_transition",
    "digit_zh",
    "draw",
    "effective_lod",
    "item_problems",
    "judge",
    "judge_arrays",
    "merge_retest",
    "normalise",
    "parse_measured",
    "parse_measured_for",
    "parse_requirement",
    "parse_units",
    "pick_retest_lab",
    "province_of",
    "rate",
    "read_number",
    "requirement_from_indicator",
    "round_gbt8170",
    "round_gbt8170_array",
    "superscripts_first",
    "unit_factor",
]
