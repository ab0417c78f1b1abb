"""The personal work queue of the console home (个人待办): 待我录入, 待我审核, 待我处理 with counts.

Built from the cards the rooms already contribute to the console home (`dashboard_cards`, read-only): a card
may say which queue it belongs to (`"queue": "entry" | "review" | "handle"`); otherwise its label decides
(QUEUE_OF below). Cards that are figures rather than work (products, valid listings ...) stay cards only.
"""

from __future__ import annotations

from typing import Any

from zhijian.platform.auth import Actor

QUEUES: tuple[tuple[str, str], ...] = (("entry", "待我录入"), ("review", "待我审核"), ("handle", "待我处理"))

# card label (zh-CN, as the rooms send it) → queue
QUEUE_OF: dict[str, str] = {
    # spot checks (监督抽查): the lab receives samples and enters results; results are verified (审核)
    "待收样": "entry", "待录入结果": "entry", "待录入检验结果": "entry", "待抽样批次": "entry",
    "待审核": "review", "待审核检验结果": "review",
    "待告知企业": "handle", "异议处理中": "handle", "逾期后处理": "handle", "后处理事项": "handle",
    "抽查结果待确认": "handle",
    # stable products (稳定合格产品): the association reviews applications, the committee decides
    "稳定合格产品待审核": "review", "待委员会决定": "review", "名单复核中": "review",
    # enforcement (行政执法): leads are verified (核查), cases handled within their 办案期限
    "待核查线索": "review", "核查超期线索": "handle", "办案期限15日内届满": "handle",
    # risk, trace, complaints, equipment, association
    "待处理风险信号": "handle", "逾期召回报告": "handle", "扫码异常信号": "handle", "超期投诉举报": "handle",
    "投诉": "handle", "待答复的能力验证跟踪": "handle", "特种设备超期未检": "handle", "特种设备维保超期": "handle",
    "在办案件": "handle", "待阅主观题": "review", "待审批的入会申请": "review", "待验证的能力验证跟踪": "review",
    "待处理的标准意见": "handle", "待参加的考试": "handle", "待审核的稿件": "review",
}

# roles that review nothing: a card "awaiting review" is someone else's work for them (their own application)
NO_REVIEW = ("enterprise",)


def count_of(value: Any) -> int:
    """A card's value as a count ("500+" → 500; anything else that is not a number → 0)."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    text = str(value).strip().rstrip("+")
    return int(text) if text.isdigit() else 0


def work_queue(actor: Actor, cards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The three queues for this actor: [{key, label, total, cards}] (cards with a count above 0 only)."""
    out = []
    for key, label in QUEUES:
        if key == "review" and actor.role in NO_REVIEW:
            continue
        mine = [c for c in cards if (c.get("queue") or QUEUE_OF.get(str(c.get("label")))) == key
                and count_of(c.get("value")) > 0]
        out.append({"key": key, "label": label, "total": sum(count_of(c.get("value")) for c in mine), "cards": mine})
    return out
