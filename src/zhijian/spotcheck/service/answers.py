"""The room's own typed answers (frozen dataclasses) where a service function used to return a dict. `DrawCheck`
also reads like the dict it replaces (`check["identical"]`), so callers written against it keep working; the API
and the CLI turn answers into JSON with `dataclasses.asdict`, which gives the same keys as before."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from zhijian.platform.records import Record

if TYPE_CHECKING:
    pass


@dataclass(frozen=True)
class DrawCheck(Record):
    """一公开: a stored draw re-run from its recorded inputs and seed — `identical` when it gives the same result."""

    plan: str
    seed: int
    input_digest: str
    identical: bool
    result: dict[str, Any]


@dataclass(frozen=True)
class ImportSummary:
    """What an all-or-nothing result import stored: batches, item results, and how many of those failed."""

    batches: int
    items: int
    failing_items: int


@dataclass(frozen=True)
class PlanRequirement(Record):
    """One test item of a plan as written and as the platform reads it (the plan page's 检验项目与要求解析)."""

    category_id: int
    standard: str
    name: str
    requirement: str
    unit: str
    kind: str
    kind_zh: str
    parsed: str
    parsed_en: str = ""  # `parsed` in English (the English plan page)


@dataclass(frozen=True)
class NonconformingProduct(Record):
    """One line of the 不合格产品名单: the batch, the product, its enterprise, the failing items and the lab."""

    batch_id: int
    sample_no: str
    product: str
    brand: str
    model: str
    lot: str
    production_date: str
    failing_items: list[str]
    safety_failure: bool
    report_no: str | None
    enterprise: str
    region_code: str
    lab: str
    retested: bool
