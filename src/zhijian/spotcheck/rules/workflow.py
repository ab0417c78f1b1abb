"""The batch workflow (状态流转): states and transitions, plan levels and bases, the batch verdict from its items,
the re-test merge and lab draw (复检), and the published rate (不合格发现率)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from zhijian.spotcheck.rules.judging import round_gbt8170
from zhijian.spotcheck.rules.requirements import FAIL, MANUAL, PASS

LEVELS = ("national", "provincial", "municipal", "county")
LEVEL_ZH = {"national": "国家级", "provincial": "省级", "municipal": "市级", "county": "县级"}
BASES = ("random", "targeted", "complaint", "emergency")
BASIS_ZH = {"random": "随机抽样", "targeted": "定向抽样", "complaint": "投诉举报", "emergency": "应急抽查"}
EXEMPTABLE_BASES = ("targeted", "emergency")  # may be exempt from the repeat-check rule, with a recorded reason
ANNOUNCING_LEVELS = ("national", "provincial")  # PQL Art. 17: 公告 by provincial and higher regulators only
@dataclass(frozen=True)
class BatchVerdict:
    """The batch verdict (批次判定): 合格 / 不合格 with the failing items and whether any is a safety item."""

    verdict: str
    failing_items: list[str]
    safety_failure: bool
    pending_items: list[str]


def batch_verdict(items: list[tuple[str, str, bool]]) -> BatchVerdict:
    """items: (name, item verdict, is_safety). A batch fails when any item fails; an item 待人工判定 or
    无法判定 blocks a 合格 verdict (it must be re-tested with a fit method or judged)."""
    failing = [n for n, v, _s in items if v == FAIL]
    pending = [n for n, v, _s in items if v not in (PASS, FAIL)]
    safety = any(s for _n, v, s in items if v == FAIL)
    if not items:
        return BatchVerdict(MANUAL, [], False, [])
    verdict = FAIL if failing else (MANUAL if pending else PASS)
    return BatchVerdict(verdict, failing, safety, pending)


def merge_retest(first: list[tuple[str, str, bool]], retest: list[tuple[str, str, bool]],
                 disputed: list[str]) -> list[tuple[str, str, bool]]:
    """The final items after a re-test (复检): the undisputed first-test results stay, the disputed items take
    the re-test's results (an undisputed failure stays a failure)."""
    wanted = set(disputed)
    re_by = {n: (n, v, s) for n, v, s in retest if n in wanted}
    return [re_by.get(n, (n, v, s)) if n in wanted else (n, v, s) for n, v, s in first]


def pick_retest_lab(seed: int, candidates: list[int], *, exclude: set[int]) -> int | None:
    """The re-test lab drawn at random (reproducibly, like the 双随机 draw) from the qualified labs, never one
    excluded (the first lab, labs with a conflict)."""
    pool = sorted(set(candidates) - exclude)
    if not pool:
        return None
    return random.Random(seed).choice(pool)


# ---------------------------------------------------------------- workflow (状态流转)

STATES = ("planned", "sampled", "received", "tested", "verified", "judged", "notified", "objected", "retested",
          "final", "published", "refused")
STATE_ZH = {"planned": "待抽样", "sampled": "已抽样", "received": "已收样", "tested": "已检验", "verified": "已审核",
            "judged": "已判定", "notified": "已告知", "objected": "异议中", "retested": "已复检", "final": "结果确定",
            "published": "已公布", "refused": "拒检"}
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "planned": ("sampled", "refused"),
    "sampled": ("received",),
    "received": ("tested",),
    "tested": ("verified",),
    "verified": ("judged",),
    "judged": ("notified",),
    "notified": ("objected", "final"),
    "objected": ("retested", "final"),
    "retested": ("final",),
    "final": ("published",),
    "refused": ("published",),
    "published": (),
}


def check_transition(current: str, target: str) -> None:
    from zhijian.platform.errors import InvalidTransition

    if target not in TRANSITIONS.get(current, ()):
        raise InvalidTransition("batch", current, target)


# ---------------------------------------------------------------- publication statistics (公布)


def rate(failing: int, total: int) -> float | None:
    """不合格发现率 in percent, one decimal as published (None when nothing was tested)."""
    if total <= 0:
        return None
    return round_gbt8170(100.0 * failing / total, 1)


def province_of(region_code: str) -> str:
    return (region_code or "000000")[:2] + "0000"
