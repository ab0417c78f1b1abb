"""Identity moved to platform.identity and paging to platform.pagination (#17): the old import paths every room
uses still name the same objects, and the tables keep their names."""

from __future__ import annotations


def test_old_paths_are_the_same_objects() -> None:
    from zhijian.catalog import models as catalog_models
    from zhijian.catalog import schemas as catalog_schemas
    from zhijian.catalog import service as catalog_service
    from zhijian.platform import db, models, pagination
    from zhijian.platform.identity import models as identity
    from zhijian.platform.identity import schemas as identity_schemas
    from zhijian.platform.identity import service as identity_service

    assert catalog_models.Organization is identity.Organization is models.Organization
    assert models.User is identity.User and models.ApiToken is identity.ApiToken and models.ROLES is identity.ROLES
    assert models.Audited is db.Audited
    assert catalog_schemas.PageOut is pagination.PageOut and catalog_schemas.Limit is pagination.Limit
    assert catalog_schemas.UserIn is identity_schemas.UserIn and catalog_schemas.UserOut is identity_schemas.UserOut
    assert catalog_service.create_user is identity_service.create_user
    assert catalog_service.search_filter is catalog_service._search
    assert (identity.Organization.__tablename__, identity.User.__tablename__, identity.ApiToken.__tablename__) == (
        "organization", "user_account", "api_token")


def test_page_out_of() -> None:
    from zhijian.platform.identity.schemas import UserOut
    from zhijian.platform.pagination import Page, PageOut

    class Row:
        id, username, display_name, role, organization_id, is_active = 7, "u", "U", "admin", None, True
        must_change_password = False

    out = PageOut.of(Page([Row()], "c", 5), UserOut)
    assert out.model_dump() == {"items": [{"id": 7, "username": "u", "display_name": "U", "role": "admin",
                                           "organization_id": None, "is_active": True,
                                           "must_change_password": False}],
                                "next_cursor": "c", "limit": 5}
