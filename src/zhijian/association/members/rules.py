"""会员 rules (pure): classes, dues, numbering and when a membership lapses.

Classes: 会员单位, 理事单位, 常务理事单位, 副会长单位 (units) and 个人会员; the dues per class are the association's
schedule (adopted by its 会员代表大会; the amounts here are the defaults of this installation and a year's
schedule can be set). Lapse: 《社会团体章程示范文本》(民政部) — a member that has not paid its dues for two
consecutive years is regarded as having left (视为自动退会); dues are due by 31 March of their year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from zhijian.platform.errors import DomainError

UNIT_CLASSES = {"member": "会员单位", "council": "理事单位", "standing": "常务理事单位", "vice_president": "副会长单位"}
CLASSES = {**UNIT_CLASSES, "individual": "个人会员"}
CLASS_BY_ZH = {v: k for k, v in CLASSES.items()}
DEFAULT_DUES = {"member": 2000.0, "council": 5000.0, "standing": 10000.0, "vice_president": 30000.0,
                "individual": 200.0}
STATUSES = {"applied": "申请中", "active": "有效", "lapsed": "已失效", "rejected": "未批准", "withdrawn": "已退会"}
DUES_STATUSES = {"issued": "待缴", "paid": "已缴", "waived": "减免"}
LAPSE_AFTER_UNPAID_YEARS = 2
DIRECTORY_FIELDS = ("contact", "phone", "website", "intro")


def parse_class(value: str, kind: str) -> str:
    c = CLASS_BY_ZH.get(str(value).strip(), str(value).strip())
    if c not in CLASSES or (kind == "unit") == (c == "individual"):
        allowed = "、".join(UNIT_CLASSES.values()) if kind == "unit" else "个人会员"
        raise DomainError("association.member.bad_class", f"会员类别应为 {allowed}：{value!r}",
                          f"invalid membership class: {value!r}", field="member_class")
    return c


def member_no(n: int, kind: str) -> str:
    return f"CAQI-{'D' if kind == 'unit' else 'G'}{n:05d}"


def invoice_no(year: int, n: int) -> str:
    return f"HF{year}{n:06d}"


def due_date(year: int) -> dt.date:
    return dt.date(year, 3, 31)


def should_lapse(unpaid_years: Sequence[int], on: dt.date) -> bool:
    """Two consecutive years with dues unpaid after their due date → the membership lapses."""
    overdue = sorted(y for y in set(unpaid_years) if on > due_date(y))
    return any(b - a == 1 for a, b in zip(overdue, overdue[1:], strict=False))


def directory_fields(raw: dict[str, object]) -> dict[str, str]:
    return {k: str(raw.get(k) or "")[:500] for k in DIRECTORY_FIELDS if raw.get(k)}
