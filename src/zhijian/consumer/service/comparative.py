"""比较试验: a comparative test with published weights, ranked per item and overall (non-conforming samples listed
apart), and its results table read from a file or pasted text."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.catalog import rules as catalog_rules
from zhijian.catalog.models import Category, Product
from zhijian.consumer import rules
from zhijian.consumer.models import ComparativeSample, ComparativeTest
from zhijian.consumer.schemas import ComparativeIn
from zhijian.consumer.service.common import can_manage_comparative, today
from zhijian.platform.auth import Actor
from zhijian.platform.crud import flush
from zhijian.platform.errors import Conflict, DomainError, NotFound, validation_error

# ====================================================================== comparative tests (比较试验)


def _items(test: ComparativeTest) -> list[rules.TestItem]:
    out = []
    for it in test.items or []:
        req = it.get("requirement")
        lim = rules.Limit(it["name"], it.get("unit", ""), req["kind"], req.get("lower"), req.get("upper"),
                          text=req.get("text", "")) if req else None
        out.append(rules.TestItem(it["key"], it["name"], it.get("unit", ""), float(it["weight"]),
                                  bool(it.get("higher_is_better", True)), lim))
    return out


def create_comparative_test(session: Session, actor: Actor, data: ComparativeIn) -> ComparativeTest:
    """登记比较试验 (draft) with its items, published weights and every sample's results."""
    can_manage_comparative(actor)
    for n, item in enumerate(data.items):
        if item.requirement is not None:
            catalog_rules.check_limit(item.requirement.kind, item.requirement.lower, item.requirement.upper,
                                      name=item.name, at=f"items.{n}.requirement", code="comparative.requirement_limit")
    keys = {i.key for i in data.items}
    for n, s in enumerate(data.samples):
        unknown = set(s.results) - keys
        if unknown:
            raise DomainError("comparative.unknown_item", f"样品 {n + 1} 的结果含未定义的项目：{', '.join(sorted(unknown))}",
                              f"sample {n + 1} has results for undefined items: {', '.join(sorted(unknown))}",
                              field=f"samples.{n}.results")
        if s.product_id is not None and session.get(Product, s.product_id) is None:
            raise NotFound("product", s.product_id, field=f"samples.{n}.product_id")
    if data.category_id is not None and session.get(Category, data.category_id) is None:
        raise NotFound("category", data.category_id, field="category_id")
    test = ComparativeTest(title=data.title, product_type=data.product_type, category_id=data.category_id,
                           organizer=data.organizer, lab_name=data.lab_name, tested_on=data.tested_on,
                           method=data.method, items=[i.model_dump() for i in data.items])
    rules.rank_comparative(_items(test), [(s.brand, s.results) for s in data.samples])  # validates weights
    session.add(test)
    flush(session, "comparative_test")
    for n, s in enumerate(data.samples):
        session.add(ComparativeSample(test_id=test.id, position=n, **s.model_dump()))
    flush(session, "comparative_sample")
    return test


def get_comparative_test(session: Session, actor: Actor, test_id: int) -> ComparativeTest:
    t = session.get(ComparativeTest, test_id)
    if t is None or (t.status != "published" and not actor.is_staff):
        raise NotFound("comparative_test", test_id)
    return t


def publish_comparative_test(session: Session, actor: Actor, test_id: int) -> ComparativeTest:
    can_manage_comparative(actor)
    t = get_comparative_test(session, actor, test_id)
    if t.status == "published":
        raise Conflict("comparative.already_published", "比较试验已发布", "already published")
    t.status = "published"
    t.published_on = today()
    flush(session, "comparative_test")
    return t


def list_comparative_tests(session: Session, actor: Actor) -> list[ComparativeTest]:
    stmt = select(ComparativeTest).order_by(ComparativeTest.id.desc())
    if not actor.is_staff:
        stmt = stmt.where(ComparativeTest.status == "published")
    return list(session.scalars(stmt))


def comparative_report(session: Session, actor: Actor, test_id: int) -> dict[str, Any]:
    """The results table, per-item ranks and scores, overall weighted score and rank (sorted best first)."""
    t = get_comparative_test(session, actor, test_id)
    samples = list(session.scalars(select(ComparativeSample).where(ComparativeSample.test_id == t.id)
                                   .order_by(ComparativeSample.position, ComparativeSample.id)))
    items = _items(t)
    names = [f"{s.brand} {s.model}".strip() for s in samples]
    ranked = rules.rank_comparative(items, [(n, dict(s.results or {})) for n, s in zip(names, samples, strict=True)])
    rows = []
    for s, r in zip(samples, ranked, strict=True):
        rows.append({"sample_id": s.id, "brand": s.brand, "model": s.model, "label": r.sample,
                     "enterprise_name": s.enterprise_name, "price": s.price, "values": r.values, "ranks": r.ranks,
                     "scores": r.scores, "overall": r.overall, "rank": r.rank, "failures": list(r.failures),
                     "conforming": r.conforming})
    rows.sort(key=lambda x: (x["rank"], x["label"]))
    failing = [x for x in rows if not x["conforming"]]  # listed apart, never ranked above a conforming sample
    rows = [x for x in rows if x["conforming"]]
    total_w = sum(i.weight for i in items)
    return {"id": t.id, "title": t.title, "product_type": t.product_type, "organizer": t.organizer,
            "lab_name": t.lab_name, "tested_on": t.tested_on, "method": t.method, "status": t.status,
            "published_on": t.published_on,
            "items": [{"key": i.key, "name": i.name, "unit": i.unit, "weight": i.weight,
                       "weight_pct": round(100 * i.weight / total_w, 1), "higher_is_better": i.higher_is_better,
                       "requirement": (i.limit.text or rules._describe(i.limit)) if i.limit else ""} for i in items],
            "rows": rows, "failing": failing}


def read_comparative_table(content: bytes | str, filename: str | None = None) -> list[tuple[int, dict[str, Any]]]:
    """比较试验结果表 rows: an uploaded .xlsx/.csv (read by platform.tabular) or text typed or pasted into the form."""
    from zhijian.platform import tabular

    if isinstance(content, str):
        return rules.parse_results_text(content)
    if not (filename or "").lower().endswith((".xlsx", ".xlsm", ".csv")):
        raise DomainError("import.bad_type", "结果表只支持 .xlsx 与 .csv 文件", "the results table must be .xlsx or .csv",
                          field="results_file")
    try:
        return [(n, dict(r)) for n, r in tabular.read_rows(content, filename)]
    except DomainError as err:
        err.field = "results_file"
        raise


def comparative_with_results(data: dict[str, Any], rows: list[tuple[int, dict[str, Any]]]) -> ComparativeIn:
    """A `ComparativeIn` from the test's fields and items (`data`, without samples) plus a results table.

    Used by `zhijian comparative import`; the console form does the same steps one by one to place its errors.
    """
    from pydantic import ValidationError

    from zhijian.consumer.schemas import ItemIn

    try:
        items = [ItemIn.model_validate(i) for i in data.get("items") or []]
        samples = rules.results_table(rows, [(i.key, i.name, i.unit) for i in items])
        return ComparativeIn.model_validate({**data, "samples": [s for _, s in samples]})
    except ValidationError as exc:
        raise validation_error(exc) from None


def import_comparative_test(session: Session, actor: Actor, data: dict[str, Any], content: bytes | str,
                            filename: str | None = None) -> ComparativeTest:
    """登记比较试验 from a results file: the same parser as the console form, then `create_comparative_test`."""
    can_manage_comparative(actor)
    return create_comparative_test(session, actor, comparative_with_results(data, read_comparative_table(content,
                                                                                                          filename)))
