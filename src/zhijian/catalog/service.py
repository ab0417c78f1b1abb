"""Catalog use cases: the only place that writes organizations, categories, products, standards and users.

The API, the CLI, the pages and the demo loader all call these functions; permission checks
live in the policy functions at the top.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from zhijian.catalog import rules
from zhijian.catalog.models import Category, Indicator, Organization, Product, Standard
from zhijian.catalog.schemas import (
    CategoryIn,
    CategoryPatch,
    IndicatorIn,
    OrganizationIn,
    OrganizationPatch,
    ProductIn,
    ProductPatch,
    StandardIn,
    StandardPatch,
)
from zhijian.platform import jurisdiction, search
from zhijian.platform.auth import Actor
from zhijian.platform.crud import apply_patch, flush, get_or_404, like_pattern, search_text, where_equal
from zhijian.platform.errors import DomainError, NotFound, PermissionDenied
from zhijian.platform.identity.service import create_user as create_user  # user administration moved to
from zhijian.platform.identity.service import deactivate_user as deactivate_user  # platform.identity; the old
from zhijian.platform.identity.service import list_users as list_users  # names stay here for every caller
from zhijian.platform.pagination import Page, keyset_page

# ---------------------------------------------------------------- policy (one place per room)


def _deny(zh: str, en: str) -> PermissionDenied:
    return PermissionDenied(zh, en)


def can_write_organization(actor: Actor, org: Organization | None) -> None:
    if actor.role in ("admin", "regulator", "association"):
        return
    if org is not None and actor.role in ("enterprise", "inspector") and actor.owns(org.id):
        return
    actor.require("admin", "regulator", "association")
    raise _deny("只能修改本单位信息", "you may only edit your own organization")


def can_read_product(actor: Actor, product: Product) -> bool:
    return product.is_public or actor.is_staff or actor.owns(product.enterprise_id) or actor.role == "inspector"


def can_write_product(actor: Actor, enterprise_id: int) -> None:
    if actor.is_staff:
        return
    if actor.role == "enterprise" and actor.owns(enterprise_id):
        return
    actor.require("admin", "regulator", "association", "enterprise")
    raise _deny("只能管理本企业的产品", "you may only manage your own enterprise's products")


def can_write_standard(actor: Actor, organization_id: int | None) -> None:
    if actor.is_staff:
        return
    if actor.role == "enterprise" and organization_id is not None and actor.owns(organization_id):
        return
    actor.require("admin", "regulator", "association", "enterprise")
    raise _deny("企业只能维护本企业的企业标准", "an enterprise may only maintain its own standards")


def search_filter(stmt: Select[Any], kind: str, model: Any, q: str, session: Session | None = None) -> Select[Any]:
    """Chinese substring search: bigram index to narrow, LIKE to confirm (奶粉 finds 婴幼儿配方奶粉).

    Public so the console pages filter their lists exactly as the API does."""
    narrowed = search.restrict(stmt, kind, model.id, q, session)
    if narrowed is not None:
        stmt = narrowed
    pattern = like_pattern(search.normalize(q))
    return stmt.where(_nospace(model).like(pattern, escape="\\"))


_search = search_filter  # the internal name the service functions use


def _nospace(model: Any) -> Any:
    from sqlalchemy import func

    return func.replace(model.search_text, " ", "")


# ---------------------------------------------------------------- organizations


Searchable = TypeVar("Searchable", Organization, Product, Standard)


def _indexed(session: Session, kind: str, row: Searchable, text: Callable[[Searchable], str]) -> Searchable:
    """Store a new or changed searchable record (组织机构, 产品, 标准): its search text, a flush (a duplicate is 409
    at once) and the search index — the same three steps every create and update of the catalogue ends with."""
    row.search_text = text(row)
    session.add(row)
    flush(session, kind)
    search.reindex(session, kind, [(row.id, row.search_text)])
    return row


def _forget(session: Session, kind: str, row: Organization | Product | Standard) -> None:
    """Delete a searchable record and its search-index entry (a record still referenced is 409)."""
    key = row.id
    session.delete(row)
    flush(session, kind)
    search.forget(session, kind, key)


def _standard_search(std: Standard) -> str:
    return search_text(std.code, std.title)


def _org_search(o: Organization) -> str:
    return search_text(o.name, o.uscc, rules.region_label(o.region_code), o.address)


def create_organization(session: Session, actor: Actor, data: OrganizationIn) -> Organization:
    """登记组织 — validate the credit code and division code, then store."""
    actor.require("admin", "regulator", "association")
    values = data.model_dump()
    if data.uscc:
        values["uscc"] = rules.validate_uscc(data.uscc)
    elif data.kind == "enterprise":
        raise DomainError("catalog.uscc_required", "企业必须填写统一社会信用代码",
                          "an enterprise needs a unified social credit code", field="uscc")
    rules.parse_region(data.region_code)
    return _indexed(session, "organization", Organization(**values), _org_search)


def region_of(session: Session, org_id: int | None) -> str | None:
    """An organisation's GB/T 2260 division (None: none given or no such organisation), as jurisdiction checks
    (管辖) read it for the enterprise a record belongs to."""
    if org_id is None:
        return None
    return session.scalar(select(Organization.region_code).where(Organization.id == org_id))


def region_column(org_id: Any) -> Any:
    """`region_of` as a correlated subquery over a column naming an organisation, for `jurisdiction.region_clause`."""
    return select(Organization.region_code).where(Organization.id == org_id).scalar_subquery()


def get_organization(session: Session, actor: Actor, org_id: int) -> Organization:
    return get_or_404(session, Organization, org_id, "organization")


def update_organization(session: Session, actor: Actor, org_id: int, patch: OrganizationPatch) -> Organization:
    org = get_organization(session, actor, org_id)
    can_write_organization(actor, org)
    values = patch.model_dump(exclude_unset=True)
    if values.get("uscc"):
        values["uscc"] = rules.validate_uscc(values["uscc"])
    if "region_code" in values:
        rules.parse_region(values["region_code"])
    apply_patch(org, values)
    return _indexed(session, "organization", org, _org_search)


def delete_organization(session: Session, actor: Actor, org_id: int) -> None:
    actor.require("admin")
    _forget(session, "organization", get_organization(session, actor, org_id))


def list_organizations(session: Session, actor: Actor, *, kind: str | None = None, q: str | None = None,
                       region: str | None = None, credit_class: str | None = None, limit: int = 50,
                       cursor: str | None = None) -> Page[Organization]:
    stmt = where_equal(select(Organization), (Organization.kind, kind), (Organization.credit_class, credit_class))
    if q:
        stmt = _search(stmt, "organization", Organization, q, session)
    if region:
        stmt = stmt.where(Organization.region_code.like(region.rstrip("0") + "%"))
    return keyset_page(session, stmt, Organization.id, limit=limit, cursor=cursor)


# ---------------------------------------------------------------- categories


def create_category(session: Session, actor: Actor, data: CategoryIn) -> Category:
    actor.require("admin", "regulator", "association")
    parent = None
    if data.parent_id is not None:
        parent = get_or_404(session, Category, data.parent_id, "category", field="parent_id")
    cat = Category(**data.model_dump())
    session.add(cat)
    flush(session, "category")
    cat.path = f"{parent.path if parent else '/'}{cat.id}/"
    flush(session, "category")
    return cat


def get_category(session: Session, actor: Actor, cat_id: int) -> Category:
    return get_or_404(session, Category, cat_id, "category")


def update_category(session: Session, actor: Actor, cat_id: int, patch: CategoryPatch) -> Category:
    actor.require("admin", "regulator", "association")
    cat = get_category(session, actor, cat_id)
    apply_patch(cat, patch.model_dump(exclude_unset=True))
    flush(session, "category")
    return cat


def delete_category(session: Session, actor: Actor, cat_id: int) -> None:
    actor.require("admin")
    session.delete(get_category(session, actor, cat_id))
    flush(session, "category")


def list_categories(session: Session, actor: Actor, *, parent_id: int | None = None, q: str | None = None,
                    limit: int = 200, cursor: str | None = None) -> Page[Category]:
    stmt: Select[Any] = select(Category)
    if parent_id is not None:
        stmt = stmt.where(Category.parent_id == parent_id)
    if q:
        stmt = stmt.where(Category.name.like(like_pattern(q), escape="\\"))
    return keyset_page(session, stmt, Category.id, limit=limit, cursor=cursor)


def category_subtree_ids(session: Session, cat_id: int) -> list[int]:
    """The category and all its descendants (by materialised path)."""
    cat = get_or_404(session, Category, cat_id, "category", field="category_id")
    return list(session.scalars(select(Category.id).where(Category.path.like(cat.path + "%"))))


def category_root(session: Session, cat_id: int) -> Category:
    cat = get_or_404(session, Category, cat_id, "category")
    root_id = int(cat.path.strip("/").split("/")[0])
    root = session.get(Category, root_id)
    assert root is not None
    return root


# ---------------------------------------------------------------- products


def _product_search(p: Product) -> str:
    return search_text(p.name, p.brand, p.model, p.gtin)


def _check_product_refs(session: Session, category_id: int | None, enterprise_id: int | None) -> None:
    if category_id is not None and session.get(Category, category_id) is None:
        raise NotFound("category", category_id, field="category_id")
    if enterprise_id is not None:
        ent = session.get(Organization, enterprise_id)
        if ent is None or ent.kind != "enterprise":
            raise NotFound("enterprise", enterprise_id, field="enterprise_id")


def create_product(session: Session, actor: Actor, data: ProductIn) -> Product:
    """登记产品."""
    can_write_product(actor, data.enterprise_id)
    _check_product_refs(session, data.category_id, data.enterprise_id)
    values = data.model_dump()
    if data.gtin:
        values["gtin"] = rules.normalize_gtin(data.gtin)
    return _indexed(session, "product", Product(**values), _product_search)


def get_product(session: Session, actor: Actor, product_id: int) -> Product:
    product = session.get(Product, product_id)
    if product is None or not can_read_product(actor, product):
        raise NotFound("product", product_id)
    return product


def update_product(session: Session, actor: Actor, product_id: int, patch: ProductPatch) -> Product:
    product = get_product(session, actor, product_id)
    can_write_product(actor, product.enterprise_id)
    values = patch.model_dump(exclude_unset=True)
    if values.get("gtin"):
        values["gtin"] = rules.normalize_gtin(values["gtin"])
    _check_product_refs(session, values.get("category_id"), None)
    apply_patch(product, values)
    return _indexed(session, "product", product, _product_search)


def delete_product(session: Session, actor: Actor, product_id: int) -> None:
    product = get_product(session, actor, product_id)
    can_write_product(actor, product.enterprise_id)
    _forget(session, "product", product)


def product_query(actor: Actor, *, q: str | None = None, category_id: int | None = None,
                  enterprise_id: int | None = None, category_ids: list[int] | None = None,
                  region: str | None = None, session: Session | None = None) -> Select[Any]:
    stmt: Select[Any] = select(Product)
    if not actor.is_staff and actor.role != "inspector":
        if actor.role == "enterprise" and actor.organization_id is not None:
            stmt = stmt.where((Product.is_public.is_(True)) | (Product.enterprise_id == actor.organization_id))
        else:
            stmt = stmt.where(Product.is_public.is_(True))
    elif (within := jurisdiction.region_clause(actor, Organization.region_code)) is not None:
        # a regional bureau sees unpublished products of the enterprises in its division only (管辖, issue #13)
        stmt = stmt.where(Product.is_public.is_(True)
                          | Product.enterprise_id.in_(select(Organization.id).where(within)))
    if q:
        stmt = _search(stmt, "product", Product, q, session)
    if category_ids is not None:
        stmt = stmt.where(Product.category_id.in_(category_ids))
    elif category_id is not None:
        stmt = stmt.where(Product.category_id == category_id)
    if enterprise_id is not None:
        stmt = stmt.where(Product.enterprise_id == enterprise_id)
    if region:
        sub = select(Organization.id).where(Organization.region_code.like(region.rstrip("0") + "%"))
        stmt = stmt.where(Product.enterprise_id.in_(sub))
    return stmt


def list_products(session: Session, actor: Actor, *, q: str | None = None, category_id: int | None = None,
                  enterprise_id: int | None = None, include_subcategories: bool = True, region: str | None = None,
                  limit: int = 50, cursor: str | None = None) -> Page[Product]:
    """产品检索 — Chinese substring search (奶粉 finds 婴幼儿配方奶粉), keyset paged."""
    ids = category_subtree_ids(session, category_id) if (category_id and include_subcategories) else None
    stmt = product_query(actor, q=q, category_id=category_id, enterprise_id=enterprise_id, category_ids=ids,
                         region=region, session=session)
    return keyset_page(session, stmt, Product.id, limit=limit, cursor=cursor)


# ---------------------------------------------------------------- standards


def _indicator(i: int, data: IndicatorIn) -> Indicator:
    rules.check_limit(data.requirement_kind, data.lower, data.upper, name=data.name, at=f"indicators.{i}")
    return Indicator(position=i, **data.model_dump())


def create_standard(session: Session, actor: Actor, data: StandardIn) -> Standard:
    """登记标准及其指标."""
    can_write_standard(actor, data.organization_id)
    values = data.model_dump(exclude={"indicators"})
    values["kind"] = data.kind or rules.standard_kind_from_code(data.code)
    if data.category_id is not None and session.get(Category, data.category_id) is None:
        raise NotFound("category", data.category_id, field="category_id")
    if data.organization_id is not None and session.get(Organization, data.organization_id) is None:
        raise NotFound("organization", data.organization_id, field="organization_id")
    std = Standard(**values)
    std.indicators = [_indicator(i, ind) for i, ind in enumerate(data.indicators)]
    return _indexed(session, "standard", std, _standard_search)


def get_standard(session: Session, actor: Actor, standard_id: int) -> Standard:
    return get_or_404(session, Standard, standard_id, "standard")


def get_standard_by_code(session: Session, code: str) -> Standard:
    std = session.scalar(select(Standard).where(Standard.code == code))
    if std is None:
        raise NotFound("standard", code)
    return std


def update_standard(session: Session, actor: Actor, standard_id: int, patch: StandardPatch) -> Standard:
    std = get_standard(session, actor, standard_id)
    can_write_standard(actor, std.organization_id)
    values = patch.model_dump(exclude_unset=True, exclude={"indicators"})
    apply_patch(std, values)
    if patch.indicators is not None:
        std.indicators = [_indicator(i, ind) for i, ind in enumerate(patch.indicators)]
    return _indexed(session, "standard", std, _standard_search)


def delete_standard(session: Session, actor: Actor, standard_id: int) -> None:
    std = get_standard(session, actor, standard_id)
    can_write_standard(actor, std.organization_id)
    _forget(session, "standard", std)


def list_standards(session: Session, actor: Actor, *, q: str | None = None, kind: str | None = None,
                   status: str | None = None, category_id: int | None = None, limit: int = 50,
                   cursor: str | None = None) -> Page[Standard]:
    stmt: Select[Any] = select(Standard)
    if q:
        stmt = _search(stmt, "standard", Standard, q, session)
    stmt = where_equal(stmt, (Standard.kind, kind), (Standard.status, status), (Standard.category_id, category_id))
    return keyset_page(session, stmt, Standard.id, limit=limit, cursor=cursor)


# ---------------------------------------------------------------- bulk import / export (导入导出)

PRODUCT_COLUMNS = ("产品名称", "品牌", "型号规格", "类别代码", "企业统一社会信用代码", "GTIN")


def import_products(session: Session, actor: Actor, rows: Iterable[tuple[int, dict[str, Any]]],
                    *, chunk: int = 5000, progress: Callable[[int], None] | None = None) -> int:
    """批量导入产品 — validate every row first (row and column named), then set-based insert; all or nothing."""
    actor.require("admin", "regulator", "association", "enterprise")
    refs = _ImportRefs(
        categories=dict(session.execute(select(Category.code, Category.id)).all()),
        enterprises=dict(session.execute(select(Organization.uscc, Organization.id)
                                         .where(Organization.kind == "enterprise")).all()))
    values = [_product_row(actor, refs, row_no, row) for row_no, row in rows]
    _check_gtins_free(session, refs.gtins)
    _insert_products(session, actor, values, chunk=chunk, progress=progress)
    return len(values)


@dataclass
class _ImportRefs:
    """What an import row is checked against: category codes, enterprises by 统一社会信用代码, GTINs seen so far."""

    categories: dict[str, int]
    enterprises: dict[str | None, int]
    gtins: set[str] = field(default_factory=set)


def _product_row(actor: Actor, refs: _ImportRefs, row_no: int, row: dict[str, Any]) -> dict[str, Any]:
    """One import row as the product's column values; a bad cell is a DomainError naming row and column."""
    from zhijian.platform.tabular import cell_error, require_columns

    require_columns(row, PRODUCT_COLUMNS[:5], row_no)
    name = str(row.get("产品名称") or "").strip()
    if not name:
        raise cell_error(row_no, "产品名称", "不能为空", "must not be empty")
    cat_id = refs.categories.get(str(row.get("类别代码") or "").strip())
    if cat_id is None:
        raise cell_error(row_no, "类别代码", f"未知类别 {row.get('类别代码')}", f"unknown category {row.get('类别代码')!r}")
    uscc = str(row.get("企业统一社会信用代码") or "").strip().upper()
    ent_id = refs.enterprises.get(uscc)
    if ent_id is None:
        raise cell_error(row_no, "企业统一社会信用代码", f"未登记的企业 {uscc}", f"unregistered enterprise {uscc!r}")
    if actor.role == "enterprise" and not actor.owns(ent_id):
        raise cell_error(row_no, "企业统一社会信用代码", "只能导入本企业产品", "you may only import your own products")
    gtin = _import_gtin(refs, row_no, str(row.get("GTIN") or "").strip())
    brand = str(row.get("品牌") or "").strip()
    model = str(row.get("型号规格") or "").strip()
    return {"name": name, "brand": brand, "model": model, "category_id": cat_id, "enterprise_id": ent_id,
            "gtin": gtin, "description": "", "is_public": True, "search_text": search_text(name, brand, model, gtin)}


def _import_gtin(refs: _ImportRefs, row_no: int, raw: str) -> str | None:
    """The row's GTIN, normalised and not repeated within the file (None when the cell is empty)."""
    from zhijian.platform.tabular import cell_error

    if not raw:
        return None
    try:
        gtin = rules.normalize_gtin(raw)
    except DomainError as err:
        raise cell_error(row_no, "GTIN", err.message_zh, err.message_en) from err
    if gtin in refs.gtins:
        raise cell_error(row_no, "GTIN", "文件内重复", "duplicated within the file")
    refs.gtins.add(gtin)
    return gtin


def _check_gtins_free(session: Session, gtins: set[str]) -> None:
    """None of the file's GTINs may be registered already (409 names the first)."""
    taken: set[str] = set()
    gl = list(gtins)
    for i in range(0, len(gl), 1000):
        taken |= {g for g in session.scalars(select(Product.gtin).where(Product.gtin.in_(gl[i:i + 1000]))) if g}
    if taken:
        raise DomainError("product.duplicate", f"GTIN 已登记：{sorted(taken)[0]}", f"GTIN already registered: {sorted(taken)[0]}",
                          status=409, field="GTIN")


def _insert_products(session: Session, actor: Actor, values: list[dict[str, Any]], *, chunk: int,
                     progress: Callable[[int], None] | None) -> None:
    """Set-based insert in chunks, then the search index and one audit record for the whole import."""
    from sqlalchemy import func as sa_func
    from sqlalchemy import insert

    from zhijian.platform import audit
    from zhijian.platform.db import utcnow

    now = utcnow()
    max_before = session.scalar(select(sa_func.max(Product.id))) or 0
    for i in range(0, len(values), chunk):
        part = values[i:i + chunk]
        for v in part:
            v["created_at"] = v["updated_at"] = now
        session.execute(insert(Product), part)
        if progress:
            progress(len(part))
    search.reindex(session, "product", session.execute(
        select(Product.id, Product.search_text).where(Product.id > max_before)).all(), replace=False)
    audit.record(session, "import", "product", f"batch:{len(values)}", None,
                 {"count": len(values), "actor": actor.label})
    flush(session, "product")


def export_products(session: Session, actor: Actor, **filters: Any) -> Iterator[list[Any]]:
    """Rows for Excel/CSV export, in the same column order as the import."""
    stmt = product_query(actor, **filters).order_by(Product.id)
    cats = dict(session.execute(select(Category.id, Category.code)).all())
    orgs = dict(session.execute(select(Organization.id, Organization.uscc)).all())
    for p in session.scalars(stmt).yield_per(2000):
        yield [p.name, p.brand, p.model, cats.get(p.category_id), orgs.get(p.enterprise_id), p.gtin or ""]
