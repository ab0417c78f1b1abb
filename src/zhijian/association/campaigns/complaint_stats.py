"""投诉举报统计 for the association — counts by product category and province, with no reporter identity.

《市场监督管理投诉举报处理暂行办法》 Art. 33 keeps a reporter's identity confidential: only the handling staff see
it, never the association. So the numbers come from the consumer room's contract read ``complaint_records``
(``platform.rooms.call``), which carries no name, phone or address, and the association keeps only counts: the
case id, respondent and product are dropped at once. Counts of 1 or 2 are shown as "<3" (``SUPPRESSED``) in every
table — a small cell of a category in one province could point at a person — while the totals stay exact.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.association.campaigns.rules import PROVINCES
from zhijian.association.common.service import require_secretariat, today
from zhijian.catalog.models import Category
from zhijian.platform import rooms
from zhijian.platform.auth import Actor
from zhijian.platform.errors import DomainError

MIN_CELL = 3
SUPPRESSED = None  # what a suppressed count is in the answer (shown as "<3")
UNKNOWN = "—"


def shown(n: int) -> int | None:
    """A count as published: 0 and ≥ MIN_CELL as they are, 1 … MIN_CELL − 1 suppressed."""
    return n if n == 0 or n >= MIN_CELL else SUPPRESSED


@dataclass(frozen=True)
class StatRow:
    label: str
    complaints: int | None
    reports: int | None
    justified: int | None
    hazard: int | None


@dataclass(frozen=True)
class ComplaintStatistics:
    start: dt.date
    end: dt.date
    total_complaints: int
    total_reports: int
    by_category: list[StatRow]
    by_province: list[StatRow]
    provinces: list[str]  # the cross table's columns
    cross: list[tuple[str, list[int | None]]]  # category → counts (complaints + reports) per province column


def _rows(counts: dict[str, Counter[str]]) -> list[StatRow]:
    order = sorted(counts, key=lambda k: (k == UNKNOWN, -(counts[k]["complaint"] + counts[k]["report"]), k))
    return [StatRow(k, shown(counts[k]["complaint"]), shown(counts[k]["report"]), shown(counts[k]["justified"]),
                    shown(counts[k]["hazard"])) for k in order]


def aggregate(records: Iterable[Sequence[Any]], categories: dict[int, str], start: dt.date,
              end: dt.date) -> ComplaintStatistics:
    """Pure: complaint_records tuples → the published tables (see the module docstring)."""
    by_cat: dict[str, Counter[str]] = {}
    by_prov: dict[str, Counter[str]] = {}
    cross: Counter[tuple[str, str]] = Counter()
    totals: Counter[str] = Counter()
    for _id, received_on, kind, category_id, _product, _respondent, region, justified, hazard in records:
        if received_on is None or not (start <= received_on <= end):
            continue
        cat = categories.get(category_id, UNKNOWN) if category_id is not None else UNKNOWN
        prov = PROVINCES.get((region or "")[:2], UNKNOWN)
        k = "report" if kind == "report" else "complaint"
        totals[k] += 1
        for table, key in ((by_cat, cat), (by_prov, prov)):
            c = table.setdefault(key, Counter())
            c[k] += 1
            c["justified"] += bool(justified)
            c["hazard"] += bool(hazard)
        cross[(cat, prov)] += 1
    provinces = [r.label for r in _rows(by_prov)]  # most cases first, the unknown last
    cats = [r.label for r in _rows(by_cat)]
    return ComplaintStatistics(start, end, totals["complaint"], totals["report"], _rows(by_cat), _rows(by_prov),
                               provinces, [(c, [shown(cross[(c, p)]) for p in provinces]) for c in cats])


def complaint_statistics(session: Session, actor: Actor, *, start: dt.date | None = None,
                         end: dt.date | None = None) -> ComplaintStatistics:
    """The association's view of complaints and reports (default: the last 365 days), identities never read."""
    require_secretariat(actor)
    end = end or today()
    start = start or end - dt.timedelta(days=364)
    if start > end:
        raise DomainError("association.stats.bad_period", "开始日期晚于结束日期", "the start is after the end",
                          field="start")
    records = rooms.call(session, "consumer", "complaint_records", since=start, default=[])
    categories = {int(i): str(n) for i, n in session.execute(select(Category.id, Category.name))}
    return aggregate(records, categories, start, end)
