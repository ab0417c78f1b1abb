"""`platform.actions` (issue #17): a thin route stated as an `Action` is the route a hand-written handler was — the
same OpenAPI operation (id, summary, description, parameters, body, status code, answer schema) — and it calls the
service with the path's keys then the body, answering the row as the schema, through `present`, as a list
(`many`), or as a JSON object of named attributes; and `platform.crud.added` stores a new row (duplicate → 409)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from zhijian.platform.actions import Action, action_routes
from zhijian.platform.deps import ActorDep, SessionDep, get_actor, get_session
from zhijian.platform.schemas import RecordOut


class ThingIn(BaseModel):
    name: str


class ThingOut(RecordOut):
    name: str
    label: str = ""


CALLS: list[tuple[Any, ...]] = []


def _make(session: Any, actor: Any, code: str, data: ThingIn) -> Any:
    CALLS.append(("make", code, data.name))
    return SimpleNamespace(id=1, name=data.name)


def _things(session: Any, actor: Any, code: str) -> list[Any]:
    return [SimpleNamespace(id=1, name=f"{code}-a"), SimpleNamespace(id=2, name=f"{code}-b")]


def _labelled(row: Any) -> ThingOut:
    return ThingOut(id=row.id, name=row.name, label=row.name.upper())


def _hand_written() -> APIRouter:
    router = APIRouter(prefix="/x")

    @router.post("/units/{code}/things", response_model=ThingOut, status_code=201)
    def make_thing(code: str, data: ThingIn, session: SessionDep, actor: ActorDep) -> ThingOut:
        """A thing of a unit."""
        return ThingOut.model_validate(_make(session, actor, code, data))

    @router.get("/units/{code}/things", response_model=list[ThingOut])
    def list_things(code: str, session: SessionDep, actor: ActorDep) -> list[ThingOut]:
        return [ThingOut.model_validate(r) for r in _things(session, actor, code)]

    @router.post("/things/{tid}/label", response_model=ThingOut)
    def label(tid: int, session: SessionDep, actor: ActorDep) -> ThingOut:
        return _labelled(SimpleNamespace(id=tid, name="t"))

    @router.post("/things/{tid}/touch")
    def touch(tid: int, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
        row = SimpleNamespace(id=tid, name="t")
        return {"id": row.id, "name": row.name}

    return router


def _table() -> APIRouter:
    router = APIRouter(prefix="/x")
    action_routes(
        router, {"code": str, "tid": int},
        Action("POST", "/units/{code}/things", "make_thing", _make, ThingOut, ThingIn, 201, doc="A thing of a unit."),
        Action("GET", "/units/{code}/things", "list_things", _things, ThingOut, many=True),
        Action("POST", "/things/{tid}/label", "label", lambda s, a, tid: SimpleNamespace(id=tid, name="t"), ThingOut,
               present=_labelled),
        Action("POST", "/things/{tid}/touch", "touch", lambda s, a, tid: SimpleNamespace(id=tid, name="t"),
               ("id", "name")),
    )
    return router


def _app(router: APIRouter) -> FastAPI:
    app = FastAPI()
    app.include_router(router)
    app.dependency_overrides[get_session] = lambda: None
    app.dependency_overrides[get_actor] = lambda: None
    return app


def test_a_table_route_is_the_hand_written_operation():
    assert _app(_table()).openapi()["paths"] == _app(_hand_written()).openapi()["paths"]


def test_a_table_route_calls_the_service_and_shapes_the_answer():
    client = TestClient(_app(_table()))
    CALLS.clear()
    made = client.post("/x/units/U1/things", json={"name": "n"})
    assert made.status_code == 201 and made.json() == {"id": 1, "name": "n", "label": ""}
    assert CALLS == [("make", "U1", "n")]
    assert client.get("/x/units/U1/things").json() == [{"id": 1, "name": "U1-a", "label": ""},
                                                       {"id": 2, "name": "U1-b", "label": ""}]
    assert client.post("/x/things/5/label").json() == {"id": 5, "name": "t", "label": "T"}
    assert client.post("/x/things/5/touch").json() == {"id": 5, "name": "t"}
    assert client.post("/x/units/U1/things", json={}).status_code == 422


def test_added_stores_the_row_and_names_a_duplicate(sqlite_db):
    from tests import factories
    from zhijian.catalog.models import Category
    from zhijian.platform.crud import added
    from zhijian.platform.errors import Conflict

    with sqlite_db.session() as s:
        cat = factories.category(s)
        again = Category(code=cat.code, name="重复", name_en="", path="")
        fresh = Category(code=f"{cat.code}-2", name="新类别", name_en="", path="")
        assert added(s, fresh, "category") is fresh and fresh.id is not None
        with pytest.raises(Conflict) as dup:
            added(s, again, "category")
        assert dup.value.code == "category.duplicate"
