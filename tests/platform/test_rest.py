"""`platform.rest.record_routes` and `platform.schemas` (issue #17): the catalog's record routes, declared once each,
are the routes the hand-written handlers were — same paths, methods, names (OpenAPI operation ids), path parameters,
status codes and answer schema — and the `…Out` bases put `id` (and `created_at`) first, read from the row."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from fastapi.routing import APIRoute

from zhijian.catalog.api import router
from zhijian.catalog.schemas import CategoryOut, OrganizationOut
from zhijian.platform.schemas import RecordOut, StampedOut
from zhijian.risk.schemas import SignalOut

ROUTES = {(r.path, tuple(sorted(r.methods))): r for r in router.routes if isinstance(r, APIRoute)}


def test_record_routes_are_the_hand_written_routes():
    for path, key, name, out in (("/organizations", "org_id", "organization", OrganizationOut),
                                 ("/categories", "cat_id", "category", CategoryOut),
                                 ("/products", "product_id", "product", None),
                                 ("/standards", "standard_id", "standard", None)):
        item = f"/api/v1{path}/{{{key}}}"
        create = ROUTES[(f"/api/v1{path}", ("POST",))]
        assert (create.name, create.status_code) == (f"create_{name}", 201)
        assert [p.name for p in create.dependant.body_params] == ["data"]
        for method, verb, status in (("GET", "get", None), ("PATCH", "update", None), ("DELETE", "delete", 204)):
            route = ROUTES[(item, (method,))]
            assert route.name == f"{verb}_{name}" and route.status_code == status
            assert [p.name for p in route.dependant.path_params] == [key]
        assert [p.name for p in ROUTES[(item, ("PATCH",))].dependant.body_params] == ["patch"]
        if out is not None:
            assert create.response_model is out and ROUTES[(item, ("GET",))].response_model is out
    assert ROUTES[("/api/v1/organizations", ("GET",))].name == "list_organizations"  # the list stays the room's


def test_out_bases_read_rows_with_id_and_created_at_first():
    row = SimpleNamespace(id=7, code="C01", name="电热毯", name_en="", parent_id=None, path="/7", requires_ccc=True)
    assert issubclass(CategoryOut, RecordOut) and CategoryOut.model_validate(row).model_dump() == {
        "id": 7, "code": "C01", "name": "电热毯", "name_en": "", "parent_id": None, "path": "/7", "requires_ccc": True}
    assert issubclass(SignalOut, StampedOut) and list(SignalOut.model_fields)[:2] == ["id", "created_at"]
    assert StampedOut.model_validate(SimpleNamespace(id=1, created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))).id == 1


def test_get_or_404_reads_the_row_or_names_what_is_missing(sqlite_db):
    import pytest

    from tests import factories
    from zhijian.catalog.models import Category
    from zhijian.platform.crud import get_or_404
    from zhijian.platform.errors import NotFound

    with sqlite_db.session() as s:
        cat = factories.category(s)
        assert get_or_404(s, Category, cat.id, "category") is cat
        with pytest.raises(NotFound) as missing:
            get_or_404(s, Category, 987654321, "category", field="category_id")
        assert (missing.value.code, missing.value.status, missing.value.field) == ("category.not_found", 404,
                                                                                    "category_id")


def test_where_equal_skips_absent_filters_only(sqlite_db):
    """None and "" are "no filter" (an omitted query parameter); 0 and False still filter."""
    from sqlalchemy import select

    from tests import factories
    from zhijian.catalog.models import Category
    from zhijian.platform.crud import where_equal

    with sqlite_db.session() as s:
        flagged, plain = factories.category(s), factories.category(s)
        flagged.requires_ccc, plain.requires_ccc = True, False
        s.flush()
        ids = {flagged.id, plain.id}

        def found(*filters):  # type: ignore[no-untyped-def]
            return set(s.scalars(where_equal(select(Category.id).where(Category.id.in_(ids)), *filters)))

        assert found((Category.requires_ccc, None), (Category.code, "")) == ids
        assert found((Category.requires_ccc, False)) == {plain.id}
        assert found((Category.requires_ccc, True), (Category.code, flagged.code)) == {flagged.id}
        assert found((Category.parent_id, 0)) == set()


def test_risk_declares_its_create_and_read_routes_once():
    from zhijian.risk.api import router as risk_router
    from zhijian.risk.schemas import AlertOut, AssessmentOut, RecallOut

    routes = {(r.path, tuple(sorted(r.methods))): r for r in risk_router.routes if isinstance(r, APIRoute)}
    for path, key, name, out, created in (("/assessments", "assessment_id", "assessment", AssessmentOut, True),
                                          ("/alerts", "alert_id", "alert", AlertOut, True),
                                          ("/recalls", "recall_id", "recall", RecallOut, False)):
        base = f"/api/v1/risk{path}"
        read = routes[(f"{base}/{{{key}}}", ("GET",))]
        assert read.name == f"get_{name}" and read.response_model is out
        create = routes[(base, ("POST",))]
        assert create.name == (f"create_{name}" if created else "start_recall") and create.status_code == 201
    paths = [r.path for r in risk_router.routes if isinstance(r, APIRoute)]
    assert paths.index("/api/v1/risk/recalls/overdue") < paths.index("/api/v1/risk/recalls/{recall_id}")
