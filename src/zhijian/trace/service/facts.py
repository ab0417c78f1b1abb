"""The facts behind a verification answer (验证结果): the batch, the product and its maker, the latest final
spot-check verdict (监督抽查) and the stable-qualified listing (稳定合格), the brand's hotline and the lot's recall —
all cached per worker (`cache`)."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.catalog import service as catalog
from zhijian.platform.auth import SYSTEM
from zhijian.platform.errors import DomainError
from zhijian.platform.rooms import call
from zhijian.trace.models import (
    CodeBatch,
    Recall,
)
from zhijian.trace.service.cache import _CACHE_TTL, _batch_cache, _cache_lock, _facts_cache, _info_cache


class BatchInfo(TypedDict, total=False):
    """What a scan needs of its code's batch (cached per worker); empty for a batch that is gone."""

    id: int
    product_id: int
    enterprise_id: int
    lot: str
    expiry: dt.date | None
    production_date: dt.date | None
    sales_regions: list[str]
    freeze_threshold: int
    key_version: int


class ProductInfo(TypedDict):
    id: int
    name: str
    brand: str | None
    model: str | None
    gtin: str | None


class EnterpriseInfo(TypedDict):
    id: int
    name: str
    uscc: str | None


class SpotcheckInfo(TypedDict):
    """The latest final spot-check verdict of the product (监督抽查, through the spotcheck room's contract)."""

    verdict: str | None
    sampled_on: str
    plan_level: str
    report_no: str | None
    failing_items: list[str]


class ProductFacts(TypedDict):
    """The answer's product facts (cached per worker): each None when unknown; `stable` is the stable room's
    `current_listing` (announcement_no, valid_until, status) with dates as ISO strings."""

    product: ProductInfo | None
    enterprise: EnterpriseInfo | None
    spotcheck: SpotcheckInfo | None
    stable: dict[str, Any] | None


def _batch_info(session: Session, batch_id: int) -> BatchInfo:
    now = time.monotonic()
    hit = _batch_cache.get(batch_id)
    if hit and hit[0] > now:
        return hit[1]
    b = session.get(CodeBatch, batch_id)
    info: BatchInfo = {"id": b.id, "product_id": b.product_id, "enterprise_id": b.enterprise_id, "lot": b.lot,
            "expiry": b.expiry, "production_date": b.production_date, "sales_regions": list(b.sales_regions or []),
            "freeze_threshold": b.freeze_threshold, "key_version": b.key_version} if b else {}
    with _cache_lock:
        _batch_cache[batch_id] = (now + _CACHE_TTL, info)
    return info


def product_facts(session: Session, product_id: int) -> ProductFacts:
    """Product, enterprise, latest final spot-check verdict and stable-qualified listing (each when present)."""
    now = time.monotonic()
    hit = _info_cache.get(product_id)
    if hit and hit[0] > now:
        return hit[1]
    facts: ProductFacts = {"product": None, "enterprise": None, "spotcheck": None, "stable": None}
    try:
        p = catalog.get_product(session, SYSTEM, product_id)
        facts["product"] = {"id": p.id, "name": p.name, "brand": p.brand, "model": p.model, "gtin": p.gtin}
        o = catalog.get_organization(session, SYSTEM, p.enterprise_id)
        facts["enterprise"] = {"id": o.id, "name": o.name, "uscc": o.uscc}
    except DomainError:
        pass
    rec = call(session, "spotcheck", "latest_verdict", product_id)
    if rec is not None:
        facts["spotcheck"] = {"verdict": rec.final_verdict, "sampled_on": rec.sampled_on.isoformat(),
                              "plan_level": rec.plan_level, "report_no": rec.report_no,
                              "failing_items": list(rec.failing_items or [])}
    listing = call(session, "stable", "current_listing", product_id)
    if listing:
        facts["stable"] = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in listing.items()}
    with _cache_lock:
        _info_cache[product_id] = (now + _CACHE_TTL, facts)
    return facts


@dataclass(frozen=True)
class RecallNotice:
    """召回 — what the consumer's answer shows of the lot's recall."""

    recall_ref: str
    reason: str
    risk_level: str
    started_on: str


@dataclass(frozen=True)
class AnswerFacts:
    """The product and brand facts of a verification answer page (each empty when the enterprise gave none)."""

    product_name: str = ""
    brand: str = ""
    enterprise_name: str = ""
    hotline: str = ""  # the enterprise's contact phone (品牌方客服)
    address: str = ""
    recall: RecallNotice | None = None

    @property
    def hotline_tel(self) -> str:
        """The hotline as a tel: URI body (digits and a leading +)."""
        return "".join(ch for ch in self.hotline if ch.isdigit() or ch == "+")


def cached_answer_facts(gtin: str, lot: str | None = None) -> AnswerFacts | None:
    """The cached `answer_facts` when warm (no session, no thread hop), else None."""
    hit = _facts_cache.get((gtin, lot or ""))
    return hit[1] if hit and hit[0] > time.monotonic() else None


def answer_facts(session: Session, gtin: str, lot: str | None = None) -> AnswerFacts:
    """Read-only: who makes the product behind a queried code, the brand's hotline, and the lot's latest
    recall — for the answer page's next steps (cached per worker like `keys_for_gtin`, cleared by
    `invalidate_caches`). A GTIN we never issued codes under gives empty facts."""
    key = (gtin, lot or "")
    now = time.monotonic()
    hit = _facts_cache.get(key)
    if hit and hit[0] > now:
        return hit[1]
    stmt = select(CodeBatch.product_id, CodeBatch.enterprise_id).where(CodeBatch.gtin == gtin)
    if lot:
        stmt = stmt.where(CodeBatch.lot == lot)
    row = session.execute(stmt.order_by(CodeBatch.id.desc()).limit(1)).first()
    facts = AnswerFacts()
    if row is not None:
        values: dict[str, Any] = {}
        try:
            p = catalog.get_product(session, SYSTEM, row[0])
            values.update(product_name=p.name, brand=p.brand or "")
        except DomainError:
            pass
        try:
            o = catalog.get_organization(session, SYSTEM, row[1])
            values.update(enterprise_name=o.name, hotline=(o.contact_phone or "").strip(),
                          address=(o.address or "").strip())
        except DomainError:
            pass
        if lot:
            rec = session.scalar(select(Recall).where(Recall.gtin == gtin, Recall.lot == lot)
                                 .order_by(Recall.id.desc()).limit(1))
            if rec is not None:
                values["recall"] = RecallNotice(rec.recall_ref, rec.reason, rec.risk_level, rec.started_on.isoformat())
        facts = AnswerFacts(**values)
    with _cache_lock:
        _facts_cache[key] = (now + _CACHE_TTL, facts)
    return facts


@lru_cache(maxsize=4096)
def _region_label(code: str | None) -> str | None:
    if not code:
        return None
    from zhijian.catalog.rules import region_label

    return region_label(code) or code
