"""Catalog REST API: thin handlers that parse, call the service and shape the answer."""

from __future__ import annotations

from fastapi import APIRouter, Response

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
    return PageOut(items=[_org_out(o) for o in page.items], next_cursor=page.next_cursor, limit=page.limit)


@router.post("/organizations", response_model=OrganizationOut, status_code=201)
def create_organization(data: OrganizationIn, session: SessionDep, actor: ActorDep) -> OrganizationOut:
    return _org_out(service.create_organization(session, actor, data))


@router.get("/organizations/{org_id}", response_model=OrganizationOut)
def get_organization(org_id: int, session: SessionDep, actor: ActorDep) -> OrganizationOut:
    return _org_out(service.get_organization(session, actor, org_id))


@router.patch("/organizations/{org_id}", response_model=OrganizationOut)
def update_organization(org_id: int, patch: OrganizationPatch, session: SessionDep, actor: ActorDep) -> OrganizationOut:
    return _org_out(service.update_organization(session, actor, org_id, patch))


@router.delete("/organizations/{org_id}", status_code=204)
def delete_organization(org_id: int, session: SessionDep, actor: ActorDep) -> Response:
    service.delete_organization(session, actor, org_id)
    return Response(status_code=204)


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


@router.post("/categories", response_model=CategoryOut, status_code=201)
def create_category(data: CategoryIn, session: SessionDep, actor: ActorDep) -> CategoryOut:
    return CategoryOut.model_validate(service.create_category(session, actor, data))


@router.get("/categories/{cat_id}", response_model=CategoryOut)
def get_category(cat_id: int, session: SessionDep, actor: ActorDep) -> CategoryOut:
    return CategoryOut.model_validate(service.get_category(session, actor, cat_id))


@router.patch("/categories/{cat_id}", response_model=CategoryOut)
def update_category(cat_id: int, patch: CategoryPatch, session: SessionDep, actor: ActorDep) -> CategoryOut:
    return CategoryOut.model_validate(service.update_category(session, actor, cat_id, patch))


@router.delete("/categories/{cat_id}", status_code=204)
def delete_category(cat_id: int, session: SessionDep, actor: ActorDep) -> Response:
    service.delete_category(session, actor, cat_id)
    return Response(status_code=204)


# products ------------------------------------------------------------------------------
@router.get("/products", response_model=PageOut[ProductOut])
def list_products(session: SessionDep, actor: ActorDep, q: str | None = None, category_id: int | None = None,
                  enterprise_id: int | None = None, region: str | None = None, limit: Limit = 50,
                  cursor: str | None = None) -> PageOut[ProductOut]:
    page = service.list_products(session, actor, q=q, category_id=category_id, enterprise_id=enterprise_id,
                                 region=region, limit=limit, cursor=cursor)
    return PageOut.of(page, ProductOut)


@router.post("/products", response_model=ProductOut, status_code=201)
def create_product(data: ProductIn, session: SessionDep, actor: ActorDep) -> ProductOut:
    return ProductOut.model_validate(service.create_product(session, actor, data))


@router.get("/products/{product_id}", response_model=ProductOut)
def get_product(product_id: int, session: SessionDep, actor: ActorDep) -> ProductOut:
    return ProductOut.model_validate(service.get_product(session, actor, product_id))


@router.patch("/products/{product_id}", response_model=ProductOut)
def update_product(product_id: int, patch: ProductPatch, session: SessionDep, actor: ActorDep) -> ProductOut:
    return ProductOut.model_validate(service.update_product(session, actor, product_id, patch))


@router.delete("/products/{product_id}", status_code=204)
def delete_product(product_id: int, session: SessionDep, actor: ActorDep) -> Response:
    service.delete_product(session, actor, product_id)
    return Response(status_code=204)


# standards -----------------------------------------------------------------------------
@router.get("/standards", response_model=PageOut[StandardOut])
def list_standards(session: SessionDep, actor: ActorDep, q: str | None = None, kind: str | None = None,
                   status: str | None = None, category_id: int | None = None, limit: Limit = 50,
                   cursor: str | None = None) -> PageOut[StandardOut]:
    page = service.list_standards(session, actor, q=q, kind=kind, status=status, category_id=category_id,
                                  limit=limit, cursor=cursor)
    return PageOut.of(page, StandardOut)


@router.post("/standards", response_model=StandardOut, status_code=201)
def create_standard(data: StandardIn, session: SessionDep, actor: ActorDep) -> StandardOut:
    return StandardOut.model_validate(service.create_standard(session, actor, data))


@router.get("/standards/{standard_id}", response_model=StandardOut)
def get_standard(standard_id: int, session: SessionDep, actor: ActorDep) -> StandardOut:
    return StandardOut.model_validate(service.get_standard(session, actor, standard_id))


@router.patch("/standards/{standard_id}", response_model=StandardOut)
def update_standard(standard_id: int, patch: StandardPatch, session: SessionDep, actor: ActorDep) -> StandardOut:
    return StandardOut.model_validate(service.update_standard(session, actor, standard_id, patch))


@router.delete("/standards/{standard_id}", status_code=204)
def delete_standard(standard_id: int, session: SessionDep, actor: ActorDep) -> Response:
    service.delete_standard(session, actor, standard_id)
    return Response(status_code=204)


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
