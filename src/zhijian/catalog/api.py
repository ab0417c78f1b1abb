"""Catalog REST API: thin handlers that parse, call the service and shape the answer."""

from __future__ import annotations

from fastapi import APIRouter

from zhijian.catalog import rules, service
from zhijian.catalog.schemas import (
    CategoryIn,
    CategoryOut,
    CategoryPatch,
    Limit,
    OrganizationIn,
    OrganizationOut,
    OrganizationPatch,
    PageOut,
    ProductIn,
    ProductOut,
    ProductPatch,
    StandardIn,
    StandardOut,
    StandardPatch,
    UserIn,
    UserOut,
)
from zhijian.platform.deps import ActorDep, SessionDep
from zhijian.platform.rest import record_routes

router = APIRouter(prefix="/api/v1", tags=["catalog"])


def _org_out(org: object) -> OrganizationOut:
    out = OrganizationOut.model_validate(org)
    out.region_name = rules.region_label(out.region_code)
    return out


# organizations -------------------------------------------------------------------------
@router.get("/organizations", response_model=PageOut[OrganizationOut])
def list_organizations(session: SessionDep, actor: ActorDep, kind: str | None = None, q: str | None = None,
                       region: str | None = None, credit_class: str | None = None, limit: Limit = 50,
                       cursor: str | None = None) -> PageOut[OrganizationOut]:
    page = service.list_organizations(session, actor, kind=kind, q=q, region=region, credit_class=credit_class,
                                      limit=limit, cursor=cursor)
    return PageOut.of(page, OrganizationOut, present=_org_out)


record_routes(router, "/organizations", "organization", OrganizationOut, key="org_id", present=_org_out,
              read=service.get_organization, create=(OrganizationIn, service.create_organization),
              update=(OrganizationPatch, service.update_organization), delete=service.delete_organization)


@router.get("/regions/{code}")
def get_region(code: str) -> dict[str, str | None]:
    r = rules.parse_region(code, field="code")
    return {"code": r.code, "name": r.name, "level": r.level, "province_code": r.province_code,
            "city_code": r.city_code, "label": rules.region_label(r.code)}


# categories ----------------------------------------------------------------------------
@router.get("/categories", response_model=PageOut[CategoryOut])
def list_categories(session: SessionDep, actor: ActorDep, parent_id: int | None = None, q: str | None = None,
                    limit: Limit = 200, cursor: str | None = None) -> PageOut[CategoryOut]:
    page = service.list_categories(session, actor, parent_id=parent_id, q=q, limit=limit, cursor=cursor)
    return PageOut.of(page, CategoryOut)


record_routes(router, "/categories", "category", CategoryOut, key="cat_id", read=service.get_category,
              create=(CategoryIn, service.create_category), update=(CategoryPatch, service.update_category),
              delete=service.delete_category)


# products ------------------------------------------------------------------------------
@router.get("/products", response_model=PageOut[ProductOut])
def list_products(session: SessionDep, actor: ActorDep, q: str | None = None, category_id: int | None = None,
                  enterprise_id: int | None = None, region: str | None = None, limit: Limit = 50,
                  cursor: str | None = None) -> PageOut[ProductOut]:
    page = service.list_products(session, actor, q=q, category_id=category_id, enterprise_id=enterprise_id,
                                 region=region, limit=limit, cursor=cursor)
    return PageOut.of(page, ProductOut)


record_routes(router, "/products", "product", ProductOut, key="product_id", read=service.get_product,
              create=(ProductIn, service.create_product), update=(ProductPatch, service.update_product),
              delete=service.delete_product)


# standards -----------------------------------------------------------------------------
@router.get("/standards", response_model=PageOut[StandardOut])
def list_standards(session: SessionDep, actor: ActorDep, q: str | None = None, kind: str | None = None,
                   status: str | None = None, category_id: int | None = None, limit: Limit = 50,
                   cursor: str | None = None) -> PageOut[StandardOut]:
    page = service.list_standards(session, actor, q=q, kind=kind, status=status, category_id=category_id,
                                  limit=limit, cursor=cursor)
    return PageOut.of(page, StandardOut)


record_routes(router, "/standards", "standard", StandardOut, key="standard_id", read=service.get_standard,
              create=(StandardIn, service.create_standard), update=(StandardPatch, service.update_standard),
              delete=service.delete_standard)


# users ---------------------------------------------------------------------------------
@router.get("/users", response_model=PageOut[UserOut])
def list_users(session: SessionDep, actor: ActorDep, limit: Limit = 50, cursor: str | None = None) -> PageOut[UserOut]:
    page = service.list_users(session, actor, limit=limit, cursor=cursor)
    return PageOut.of(page, UserOut)


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(data: UserIn, session: SessionDep, actor: ActorDep) -> UserOut:
    return UserOut.model_validate(service.create_user(session, actor, data))


@router.post("/users/{user_id}/deactivate", response_model=UserOut)
def deactivate_user(user_id: int, session: SessionDep, actor: ActorDep) -> UserOut:
    return UserOut.model_validate(service.deactivate_user(session, actor, user_id))
